"""Small shared helpers: seeding, thread pinning, device choice, encoding a dataset."""

from __future__ import annotations

import os
import random

import numpy as np
import torch
from torch import nn

__all__ = ["seed_everything", "setup", "versions", "glue", "to_numpy", "check_images", "check_codes",
           "encode"]


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and CUDA) with one integer."""
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
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
    raise TypeError(f"expected a torch.Tensor or numpy.ndarray, got {type(a).__name__}")


def check_images(x: torch.Tensor, name: str = "x", shape: tuple[int, ...] | None = None) -> None:
    """Raise unless ``x`` is a float tensor (B, C, H, W) with values in [0, 1] (and ``shape`` = (C, H, W))."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor in [0, 1], got dtype {x.dtype}")
    if x.dim() != 4:
        raise ValueError(f"{name} must have shape (B, C, H, W), got {tuple(x.shape)}")
    if shape is not None and tuple(x.shape[1:]) != tuple(shape):
        raise ValueError(f"{name} must have shape (B, {', '.join(map(str, shape))}), "
                         f"got {tuple(x.shape)}")
    if x.numel() and (torch.isnan(x).any() or x.min() < 0 or x.max() > 1):
        raise ValueError(f"{name} must hold values in [0, 1] (no NaN)")


def check_codes(z: torch.Tensor, latent_dim: int) -> None:
    """Raise unless ``z`` is a tensor of latent codes of shape (B, latent_dim)."""
    if not isinstance(z, torch.Tensor) or z.dim() != 2 or z.shape[1] != latent_dim:
        shape = tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__
        raise ValueError(f"z must be a tensor of shape (B, {latent_dim}), got {shape}")


@torch.no_grad()
def encode(model: nn.Module, x: torch.Tensor, batch_size: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """Posterior means and log-variances of a dataset, in eval mode.

    model: anything with ``encode(x) -> (mu, logvar)``; x: (N, C, H, W) in [0, 1].
    Returns two float32 arrays of shape (N, D).
    """
    if not hasattr(model, "encode"):
        raise TypeError("model must have an encode(x) -> (mu, logvar) method")
    check_images(x)
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    mus, logvars = [], []
    for start in range(0, len(x), batch_size):
        mu, logvar = model.encode(x[start:start + batch_size].to(device))
        mus.append(mu.cpu())
        logvars.append(logvar.cpu())
    model.train(was_training)
    return torch.cat(mus).numpy(), torch.cat(logvars).numpy()
