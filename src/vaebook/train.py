"""One small training loop for every model in the book, and checkpoints.

``fit`` runs Adam over shuffled minibatches drawn with a seeded generator, calls a loss function
that returns a dict of scalars, and keeps the per-epoch mean of each scalar in a ``History``.
A tqdm progress bar is shown when a person is watching and hidden when ``VAEBOOK_NO_PROGRESS=1``
(set by the Makefile for executed notebooks and CI), so committed outputs carry no widget.

Checkpoints are plain dicts of tensors and numbers, written atomically (a temporary file, then
``os.replace``) and read with ``torch.load(..., weights_only=True)``.
"""

from __future__ import annotations

import inspect
import math
import os
import pickle
import secrets
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from vaebook.checks import (
    InputTypeError,
    check_bool,
    check_callable,
    check_generator,
    check_int,
    check_model,
    check_tensor,
    describe,
)
from vaebook.utils import seed_everything

__all__ = ["History", "LossFn", "fit", "save_checkpoint", "load_checkpoint", "read_checkpoint",
           "atomic_write",
           "progress_enabled", "check_finite_terms", "plain_meta"]

History = dict[str, list[float]]
LossFn = Callable[[nn.Module, torch.Tensor, "torch.Tensor | None", int], dict[str, torch.Tensor]]


def progress_enabled(progress: bool | None = None) -> bool:
    """Whether to draw a progress bar: ``progress`` if given, else unless VAEBOOK_NO_PROGRESS=1."""
    if progress is not None:
        return check_bool(progress, "progress")
    return os.environ.get("VAEBOOK_NO_PROGRESS", "0") != "1"


def _default_loss(model: nn.Module, xb: torch.Tensor, yb: torch.Tensor | None,
                  epoch: int) -> dict[str, torch.Tensor]:
    return model.loss(xb)


def check_finite_terms(terms: Mapping[str, Any], epoch: int, step: int | None = None) -> None:
    """Raise FloatingPointError naming the epoch (1-based) and the term when a scalar loss term
    of one training step is NaN or infinite (used by every training loop of the package).
    epoch and step: non-negative ints."""
    check_int(epoch, "epoch", minimum=0)
    if step is not None:
        check_int(step, "step", minimum=0)
    for key, value in terms.items():
        if isinstance(value, torch.Tensor):
            if value.dim() != 0:
                continue
            value = float(value.detach())
        if isinstance(value, float) and not math.isfinite(value):
            where = f"epoch {epoch}" + (f", step {step}" if step is not None else "")
            raise FloatingPointError(
                f"training diverged in {where}: the loss term {key!r} became {value}; lower the "
                f"learning rate (lr) or check the data and the loss's hyperparameters")


def _weights_finite(model: nn.Module) -> bool:
    return all(bool(torch.isfinite(p).all()) for p in model.parameters() if p.is_floating_point())


def _diverged(model: nn.Module, err: Exception, epoch: int, batch: object = None,
              steps: int = 0) -> Exception:
    """The error to raise when a loss call failed: FloatingPointError when the run has diverged
    (the weights became non-finite, or after some steps on finite data an input check inside the
    model found NaN or inf in what the model computed), else ``err`` itself."""
    if not isinstance(err, (ValueError, RuntimeError)):
        return err
    text = str(err)
    data_ok = isinstance(batch, torch.Tensor) and (not batch.is_floating_point()
                                                   or bool(torch.isfinite(batch).all()))
    if steps > 0 and data_ok and ("NaN" in text or "infinite" in text):
        return FloatingPointError(
            f"training diverged in epoch {epoch} after {steps} steps: the model computed NaN or "
            f"infinite values ({text}); lower the learning rate (lr)")
    if not _weights_finite(model):
        return FloatingPointError(
            f"training diverged in epoch {epoch}: the model's weights became NaN or infinite "
            f"(the loss then failed with: {err}); lower the learning rate (lr)")
    return err


def fit(model: nn.Module, x: torch.Tensor, y: torch.Tensor | None = None, *,
        loss_fn: LossFn | None = None, num_epochs: int = 10, batch_size: int = 128,
        lr: float = 1e-3, seed: int = 0, progress: bool | None = None,
        order_generator: torch.Generator | None = None) -> History:
    """Train ``model`` on x (and labels y, if the loss uses them) with Adam; return the history.

    x: (N, ...) tensor; y: (N,) or None. loss_fn(model, xb, yb, epoch) returns a dict of tensors
    with a scalar ``"loss"`` to minimise (default: ``model.loss(xb)``); every scalar entry is
    averaged per epoch into the history (non-scalar entries, e.g. ``kl_per_dim``, are skipped).
    Minibatches are reshuffled each epoch by ``order_generator`` (default: a generator seeded
    with ``seed``; the experiment runner passes its own stream, see :mod:`vaebook.seeding`); the
    model is moved
    to nothing: put it and x on the same device first. A NaN or infinite loss term stops training
    with a FloatingPointError that names the epoch and the term.
    """
    check_model(model, what="torch nn.Module with parameters")
    check_tensor(x, "x", kind=None, finite=False, nonempty=False)
    if x.dim() == 0:
        raise ValueError(f"x must have a first (example) dimension, got {describe(x)}")
    if y is not None and (not isinstance(y, torch.Tensor) or y.dim() == 0 or len(y) != len(x)):
        raise ValueError(f"y must be None or a tensor with one entry per example of x "
                         f"({len(x)}), got {describe(y)}")
    num_epochs = check_int(num_epochs, "num_epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not 0 < lr < math.inf:
        raise ValueError(f"lr must be a positive number (finite), got {lr!r}")
    check_int(seed, "seed", minimum=0)
    if progress is not None:
        check_bool(progress, "progress")
    if len(x) == 0:
        raise ValueError("x is empty: fit needs at least one example")
    if loss_fn is None:
        loss = getattr(model, "loss", None)
        if not callable(loss):
            raise InputTypeError(f"model ({type(model).__name__}) has no loss(x) method: pass "
                                 f"loss_fn=(model, xb, yb, epoch) -> dict with 'loss'")
        try:
            inspect.signature(loss).bind(x[:1])
        except TypeError as err:
            raise InputTypeError(
                f"fit calls model.loss(xb) by default, but {type(model).__name__}.loss takes "
                f"other arguments ({err}); pass loss_fn=..., or use "
                f"vaebook.semisupervised.train_semisupervised for M2 / SHOT-VAE") from None
    else:
        check_callable(loss_fn, "loss_fn")
    loss_fn = loss_fn or _default_loss
    check_generator(order_generator, "order_generator")
    seed_everything(seed)
    generator = order_generator or torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history: History = {}
    steps = 0
    model.train()
    bar = tqdm(range(num_epochs), desc="epochs", disable=not progress_enabled(progress),
               leave=False)
    for epoch in bar:
        sums: dict[str, float] = {}
        count = 0
        for idx in torch.randperm(len(x), generator=generator).split(batch_size):
            xb = x[idx]
            yb = y[idx] if y is not None else None
            try:
                terms = loss_fn(model, xb, yb, epoch)
            except (ValueError, RuntimeError) as err:
                error = _diverged(model, err, epoch + 1, xb, steps)
                if error is err:
                    raise
                raise error from err
            if not isinstance(terms, Mapping):
                raise InputTypeError(f"loss_fn must return a dict of tensors, got "
                                     f"{type(terms).__name__}")
            if "loss" not in terms:
                raise KeyError("loss_fn must return a dict with a 'loss' entry")
            if not isinstance(terms["loss"], torch.Tensor) or terms["loss"].dim() != 0:
                raise ValueError(f"loss_fn's 'loss' must be a scalar tensor, got "
                                 f"{describe(terms['loss'])}")
            scalars = {key: float(value.detach()) for key, value in terms.items()
                       if isinstance(value, torch.Tensor) and value.dim() == 0}
            check_finite_terms(scalars, epoch + 1)
            optimizer.zero_grad(set_to_none=True)
            terms["loss"].backward()
            optimizer.step()
            steps += 1
            for key, value in scalars.items():
                sums[key] = sums.get(key, 0.0) + value * len(idx)
            count += len(idx)
        for key, total in sums.items():
            history.setdefault(key, []).append(total / count)
        bar.set_postfix(loss=f"{history['loss'][-1]:.2f}")
    model.eval()
    return history


# ---- checkpoints -----------------------------------------------------------------------------
_PLAIN = (str, int, float, bool, type(None))


def plain_meta(value: Any, where: str = "meta") -> Any:
    """``value`` as plain Python values that ``torch.load(weights_only=True)`` reads back.

    NumPy scalars become Python numbers, NumPy arrays and tuples of them lists, paths strings,
    torch tensors stay tensors (detached, on the CPU); dicts, lists and tuples are converted
    item by item. Anything else (a model, a function, an arbitrary object) raises TypeError
    naming where it sits, e.g. ``meta['history']['loss'][3]``.
    """
    if isinstance(value, np.generic):  # first: np.float64 is also a float
        return value.item()
    if type(value) in _PLAIN:
        return value
    for kind in (bool, str, int, float):  # subclasses (e.g. a formatted number) -> the base type
        if isinstance(value, kind):
            return kind(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufc":
            raise InputTypeError(f"{where} is a NumPy array of dtype {value.dtype}; checkpoint "
                                 f"meta holds only numbers, strings, lists, dicts and tensors")
        return value.tolist()
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().clone()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            key = k.item() if isinstance(k, np.generic) else k
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise InputTypeError(f"{where} has a key {k!r} of type {type(k).__name__}; "
                                     f"checkpoint meta keys must be strings or ints")
            out[key] = plain_meta(v, f"{where}[{key!r}]")
        return out
    if isinstance(value, (list, tuple)):
        items = [plain_meta(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, torch.dtype):
        return str(value).replace("torch.", "")
    raise InputTypeError(f"{where} is a {type(value).__name__}, which a checkpoint cannot store "
                         f"safely; meta may hold numbers, strings, None, lists, tuples, dicts, "
                         f"NumPy values, paths and tensors")


def _clean_stray_temporaries(path: Path) -> None:
    """Delete temporary files left by an interrupted save of ``path`` (a killed process)."""
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        parts = tmp.name[len(path.name) + 2:].split(".")
        try:
            pid = int(parts[0])
        except (ValueError, IndexError):
            continue
        if pid == os.getpid():
            continue  # our own save in another thread
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            tmp.unlink(missing_ok=True)  # its writer is gone
        except (PermissionError, OSError):
            continue  # alive (someone else's) or unknowable: leave it
    for tmp in path.parent.glob(f"{path.name}*.tmp"):  # the naming of earlier versions
        tmp.unlink(missing_ok=True)


def save_checkpoint(path: str | Path, model: nn.Module, **meta: object) -> Path:
    """Write the model's weights and ``meta`` (config, history, command: plain Python values)
    to ``path`` atomically: a half-written file is never left behind.

    meta is converted with :func:`plain_meta` (NumPy numbers and arrays, paths, tensors and
    nested dicts / lists / tuples of them), so that :func:`load_checkpoint` can read everything
    this function accepts; anything else raises TypeError before a file is written. The data are
    flushed and fsynced before the temporary file is renamed onto ``path``; temporary files that
    an interrupted save left behind are removed.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise InputTypeError(f"path must be a str or pathlib.Path, got {describe(path)}")
    if isinstance(path, str) and not path.strip():
        raise ValueError("path must not be empty")
    path = Path(path)
    check_model(model, what="torch nn.Module")
    if path.is_dir():
        raise IsADirectoryError(f"path {path} is a directory; give a file name such as "
                                f"{path / 'model.pt'}")
    payload = {"state_dict": model.state_dict(), "meta": plain_meta(dict(meta))}
    if path.parent.exists() and not path.parent.is_dir():
        raise NotADirectoryError(f"cannot write {path}: {path.parent} is a file, not a folder")
    atomic_write(path, lambda f: torch.save(payload, f))
    return path


def atomic_write(path: str | Path, write: Callable[[BinaryIO], object]) -> Path:
    """Write a file atomically: ``write(f)`` fills a temporary binary file beside ``path``, which
    is flushed, fsynced and renamed onto ``path``; a half-written file is never left behind
    (temporaries of an interrupted writer are removed). Creates the parent folder; returns
    ``path``."""
    if not isinstance(path, (str, os.PathLike)):
        raise InputTypeError(f"path must be a str or pathlib.Path, got {describe(path)}")
    check_callable(write, "write")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _clean_stray_temporaries(path)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        with open(tmp, "xb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    try:  # make the rename itself durable where the platform allows it
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return path
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
    return path


def read_checkpoint(path: str | Path) -> dict:
    """The payload of a checkpoint file, ``{"state_dict": ..., "meta": ...}``, read with
    ``torch.load(..., weights_only=True)`` (no code in the file is executed).

    Raises FileNotFoundError when there is no file, and ValueError naming the file when it is
    empty, truncated, corrupt, not a vaebook checkpoint, or holds Python objects besides
    tensors and plain values.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise InputTypeError(f"path must be a str or pathlib.Path, got {describe(path)}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    expected = ("expected a checkpoint written by vaebook.train.save_checkpoint (a torch.save "
                "file with 'state_dict' and 'meta')")
    if path.stat().st_size == 0:
        raise ValueError(f"{path} is empty (0 bytes), not a checkpoint; {expected}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        if "weights_only" in str(err) or "Unsupported global" in str(err):
            raise ValueError(
                f"{path} holds Python objects other than tensors and plain values (numbers, "
                f"strings, lists, dicts), which vaebook refuses to load because unpickling them "
                f"could run code; {expected}. Re-create it with save_checkpoint, whose meta "
                f"holds only plain values") from None
        raise ValueError(f"{path} is corrupt or not a checkpoint ({type(err).__name__}); "
                         f"{expected}") from None
    except (RuntimeError, EOFError, OSError, IndexError, KeyError, ValueError, TypeError,
            AttributeError, UnicodeDecodeError, zipfile.BadZipFile, MemoryError) as err:
        raise ValueError(f"{path} is truncated, corrupt or not a checkpoint "
                         f"({type(err).__name__}: {str(err)[:120]}); {expected}") from None
    if not isinstance(payload, dict) or "state_dict" not in payload:
        raise ValueError(f"{path} is not a vaebook checkpoint (no 'state_dict'); {expected}")
    if not isinstance(payload["state_dict"], Mapping) or not isinstance(payload.get("meta", {}),
                                                                         Mapping):
        raise ValueError(f"{path} is not a vaebook checkpoint (its 'state_dict' or 'meta' is not "
                         f"a dict); {expected}")
    return payload


def load_checkpoint(path: str | Path, model: nn.Module) -> dict:
    """Load weights saved by :func:`save_checkpoint` into ``model`` (strictly) and return the meta.

    Uses ``torch.load(..., weights_only=True)``: no code in the file is executed. Errors name
    the file (see :func:`read_checkpoint`); weights that do not fit ``model`` raise ValueError.
    """
    check_model(model, what="torch nn.Module")
    payload = read_checkpoint(path)
    try:
        model.load_state_dict(payload["state_dict"])
    except RuntimeError as err:
        raise ValueError(f"the weights in {Path(path)} do not fit {type(model).__name__} "
                         f"(a model built with another configuration?): {err}") from None
    return payload.get("meta", {})
