"""One small training loop for every model in the book, and checkpoints.

``fit`` runs Adam over shuffled minibatches drawn with a seeded generator, calls a loss function
that returns a dict of scalars, and keeps the per-epoch mean of each scalar in a ``History``.
A tqdm progress bar is shown when a person is watching and hidden when ``VAEBOOK_NO_PROGRESS=1``
(set by the Makefile for executed notebooks and CI), so committed outputs carry no widget.

Checkpoints are plain dicts of tensors and numbers, written atomically (a temporary file, then
``os.replace``) and read with ``torch.load(..., weights_only=True)``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn
from tqdm.auto import tqdm

from vaebook.utils import seed_everything

__all__ = ["History", "LossFn", "fit", "save_checkpoint", "load_checkpoint", "progress_enabled"]

History = dict[str, list[float]]
LossFn = Callable[[nn.Module, torch.Tensor, "torch.Tensor | None", int], dict[str, torch.Tensor]]


def progress_enabled(progress: bool | None = None) -> bool:
    """Whether to draw a progress bar: ``progress`` if given, else unless VAEBOOK_NO_PROGRESS=1."""
    if progress is not None:
        return bool(progress)
    return os.environ.get("VAEBOOK_NO_PROGRESS", "0") != "1"


def _default_loss(model: nn.Module, xb: torch.Tensor, yb: torch.Tensor | None,
                  epoch: int) -> dict[str, torch.Tensor]:
    return model.loss(xb)


def fit(model: nn.Module, x: torch.Tensor, y: torch.Tensor | None = None, *,
        loss_fn: LossFn | None = None, num_epochs: int = 10, batch_size: int = 128,
        lr: float = 1e-3, seed: int = 0, progress: bool | None = None) -> History:
    """Train ``model`` on x (and labels y, if the loss uses them) with Adam; return the history.

    x: (N, ...) tensor; y: (N,) or None. loss_fn(model, xb, yb, epoch) returns a dict of tensors
    with a scalar ``"loss"`` to minimise (default: ``model.loss(xb)``); every scalar entry is
    averaged per epoch into the history (non-scalar entries, e.g. ``kl_per_dim``, are skipped).
    Minibatches are reshuffled each epoch by a generator seeded with ``seed``; the model is moved
    to nothing: put it and x on the same device first.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    if y is not None and (not isinstance(y, torch.Tensor) or len(y) != len(x)):
        raise ValueError("y must be None or a tensor with one entry per example of x")
    for name, value in (("num_epochs", num_epochs), ("batch_size", batch_size)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if not (isinstance(lr, (int, float)) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    if len(x) == 0:
        raise ValueError("x is empty")
    loss_fn = loss_fn or _default_loss
    seed_everything(seed)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history: History = {}
    model.train()
    bar = tqdm(range(num_epochs), desc="epochs", disable=not progress_enabled(progress),
               leave=False)
    for epoch in bar:
        sums: dict[str, float] = {}
        count = 0
        for idx in torch.randperm(len(x), generator=generator).split(batch_size):
            xb = x[idx]
            yb = y[idx] if y is not None else None
            terms = loss_fn(model, xb, yb, epoch)
            if "loss" not in terms:
                raise KeyError("loss_fn must return a dict with a 'loss' entry")
            optimizer.zero_grad(set_to_none=True)
            terms["loss"].backward()
            optimizer.step()
            for key, value in terms.items():
                if value.dim() == 0:
                    sums[key] = sums.get(key, 0.0) + float(value.detach()) * len(idx)
            count += len(idx)
        for key, total in sums.items():
            history.setdefault(key, []).append(total / count)
        bar.set_postfix(loss=f"{history['loss'][-1]:.2f}")
    model.eval()
    return history


def save_checkpoint(path: str | Path, model: nn.Module, **meta: object) -> Path:
    """Write the model's weights and ``meta`` (config, history, command: plain Python values)
    to ``path`` atomically: a half-written file is never left behind."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"state_dict": model.state_dict(), "meta": meta}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(payload, f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_checkpoint(path: str | Path, model: nn.Module) -> dict:
    """Load weights saved by :func:`save_checkpoint` into ``model`` (strictly) and return the meta.

    Uses ``torch.load(..., weights_only=True)``: no code in the file is executed.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    payload = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(payload, dict) or "state_dict" not in payload:
        raise ValueError(f"{path} is not a vaebook checkpoint (no 'state_dict')")
    model.load_state_dict(payload["state_dict"])
    return payload.get("meta", {})
