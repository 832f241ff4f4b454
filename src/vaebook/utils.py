"""Small shared helpers: seeding, thread pinning, device choice, encoding a dataset."""

from __future__ import annotations

import os
import random

import numpy as np
import torch
from torch import nn

from vaebook.checks import (
    InputTypeError,
    check_codes,
    check_images,
    check_int,
    check_model,
    check_str,
    model_dtype,
)

__all__ = ["seed_everything", "setup", "versions", "glue", "to_numpy", "check_images", "check_codes",
           "encode"]


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and CUDA) with one integer."""
    seed = check_int(seed, "seed", minimum=0)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def setup(seed: int = 0) -> torch.device:
    """Prepare a notebook: seed everything, pin torch's threads to ``OMP_NUM_THREADS`` when set,
    and return ``cuda`` when a GPU is present, else ``cpu``."""
    seed_everything(seed)
    threads = os.environ.get("OMP_NUM_THREADS")
    if threads and threads.isdigit() and int(threads) > 0:
        torch.set_num_threads(int(threads))
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def versions() -> str:
    """One line naming the versions a notebook ran with (printed by each chapter's setup cell)."""
    import platform

    import sklearn

    from . import __version__

    threads = os.environ.get("OMP_NUM_THREADS", "unset")
    return (f"vaebook {__version__}, torch {torch.__version__}, numpy {np.__version__}, "
            f"scikit-learn {sklearn.__version__}, python {platform.python_version()}, "
            f"OMP_NUM_THREADS={threads}")


class _Shown(str):
    """A formatted number that displays without quotes (its repr is its text)."""

    def __repr__(self) -> str:
        return str(self)


def glue(name: str, value: object, fmt: str = "") -> object:
    """Make a computed number available to the chapter's prose as ``{glue:text}`name```.

    Uses ``myst_nb.glue`` (the book's renderer) when it is installed, and does nothing otherwise
    (e.g. on Colab, where the prose shows the role's raw text). Returns ``value`` formatted with
    ``fmt`` when given (a str), else ``value`` unchanged.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be an identifier-like string, got {name!r}")
    check_str(fmt, "fmt", nonempty=False)
    shown = _Shown(format(value, fmt)) if fmt else value
    try:
        from myst_nb import glue as _glue
    except ImportError:
        return shown
    _glue(name, shown, display=False)
    return shown


def to_numpy(a: torch.Tensor | np.ndarray) -> np.ndarray:
    """A detached CPU NumPy copy of a tensor (arrays pass through)."""
    if isinstance(a, np.ndarray):
        return a
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().numpy()
    raise InputTypeError(f"expected a torch.Tensor or numpy.ndarray, got {type(a).__name__}")


@torch.no_grad()
def encode(model: nn.Module, x: torch.Tensor, batch_size: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """Posterior means and log-variances of a dataset, in eval mode.

    model: anything with ``encode(x) -> (mu, logvar)``; x: (N, C, H, W) in [0, 1].
    Returns two float32 arrays of shape (N, D).
    """
    check_model(model, methods=("encode",), what="model with an encode(x) -> (mu, logvar) method")
    check_images(x, dtype=model_dtype(model))
    check_int(batch_size, "batch_size", minimum=1)
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    mus, logvars = [], []
    for start in range(0, len(x), batch_size):
        out = model.encode(x[start:start + batch_size].to(device))
        if not (isinstance(out, tuple) and len(out) == 2):
            model.train(was_training)
            raise InputTypeError(f"model.encode(x) must return (mu, logvar), a posterior mean and "
                                 f"log-variance; {type(model).__name__}.encode returned "
                                 f"{type(out).__name__} (a deterministic autoencoder has no "
                                 f"posterior variance: use its codes(x))")
        mu, logvar = out
        mus.append(mu.cpu())
        logvars.append(logvar.cpu())
    model.train(was_training)
    return torch.cat(mus).numpy(), torch.cat(logvars).numpy()
