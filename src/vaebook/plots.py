"""Figures the chapters share: image grids, reconstructions, samples, latent scatter plots,
latent traversals and training curves. Every function returns a matplotlib Figure."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from vaebook.checks import (
    InputTypeError,
    check_int,
    check_model,
    check_str,
    check_tensor,
)
from vaebook.utils import check_images, to_numpy

__all__ = ["image_grid", "show_images", "reconstructions", "samples", "latent_scatter",
           "traversal", "history"]


def image_grid(x: torch.Tensor, nrow: int = 8, pad: int = 1) -> np.ndarray:
    """Tile images x: (B, C, H, W) in [0, 1] into one array (rows*H', cols*W', C) or (.., ..) if C=1."""
    check_images(x)
    nrow = check_int(nrow, "nrow", minimum=1)
    check_int(pad, "pad", minimum=0)
    b, c, h, w = x.shape
    if c not in (1, 3):
        raise ValueError(f"images must have 1 or 3 channels, got {c}")
    ncol = min(nrow, b)
    nrows = -(-b // ncol)
    grid = np.ones((c, nrows * (h + pad) + pad, ncol * (w + pad) + pad), dtype=np.float32)
    arr = to_numpy(x.float())
    for i in range(b):
        r, col = divmod(i, ncol)
        top, left = pad + r * (h + pad), pad + col * (w + pad)
        grid[:, top:top + h, left:left + w] = arr[i]
    return grid[0] if c == 1 else grid.transpose(1, 2, 0)


def show_images(x: torch.Tensor, nrow: int = 8, title: str | None = None,
                ax: Axes | None = None) -> Figure:
    """Draw a grid of images x: (B, C, H, W) in [0, 1]."""
    grid = image_grid(x, nrow)
    if title is not None:
        check_str(title, "title", nonempty=False)
    if ax is not None and not isinstance(ax, Axes):
        raise InputTypeError(f"ax must be None or a matplotlib Axes, got {type(ax).__name__}")
    if ax is None:
        rows = grid.shape[0] / grid.shape[1] * nrow
        _, ax = plt.subplots(figsize=(min(nrow, 12) * 0.8, max(rows * 0.8, 1.2)))
    ax.imshow(grid, cmap="gray" if grid.ndim == 2 else None, vmin=0, vmax=1,
              interpolation="nearest")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax.figure


def reconstructions(model: torch.nn.Module, x: torch.Tensor, n: int = 10) -> Figure:
    """Originals (top row) above the model's reconstructions from the posterior mean (bottom)."""
    check_model(model, methods=("reconstruct",), what="model with reconstruct(x)")
    check_images(x)
    check_int(n, "n", minimum=1)
    x = x[:n]
    device = next(model.parameters()).device
    recon = model.reconstruct(x.to(device)).cpu()
    fig, axes = plt.subplots(2, 1, figsize=(n * 0.8, 2.0))
    show_images(x, nrow=n, ax=axes[0], title="data")
    show_images(recon, nrow=n, ax=axes[1], title="reconstruction (decoded mean of q(z|x))")
    fig.tight_layout()
    return fig


def samples(model: torch.nn.Module, n: int = 32, nrow: int = 8, seed: int = 0) -> Figure:
    """Images decoded from z ~ N(0, I), as the decoder's mean pixel values."""
    check_model(model, methods=("sample",), what="model with sample(n, generator)")
    check_int(n, "n", minimum=1)
    check_int(nrow, "nrow", minimum=1)
    check_int(seed, "seed", minimum=0)
    x = model.sample(n, generator=torch.Generator().manual_seed(seed)).cpu()
    return show_images(x, nrow=nrow, title="samples: decoder mean for z ~ N(0, I)")


def latent_scatter(z: np.ndarray | torch.Tensor, y: np.ndarray | torch.Tensor,
                   dims: tuple[int, int] = (0, 1), ax: Axes | None = None,
                   title: str | None = None) -> Figure:
    """Scatter two latent dimensions of codes z: (N, D), coloured by integer labels y: (N,)."""
    z, y = to_numpy(z), to_numpy(y)
    if z.ndim != 2 or y.ndim != 1 or len(z) != len(y):
        raise ValueError(f"z must be (N, D) and y (N,), got {z.shape} and {y.shape}")
    if len(z) == 0:
        raise ValueError("z is empty: nothing to plot")
    if z.dtype.kind not in "biuf" or not np.isfinite(z).all():
        raise ValueError(f"z must hold finite real numbers, got dtype {z.dtype} with NaN or inf"
                         if z.dtype.kind in "biuf" else f"z must hold real numbers, got {z.dtype}")
    integral = y.dtype.kind in "iu" or (y.dtype.kind == "f" and np.isfinite(y).all()
                                         and (y == np.round(y)).all())
    if not integral or y.min() < 0 or y.max() > 9:
        raise ValueError(f"y must hold integer labels in 0..9 (one tab10 colour each), got dtype "
                         f"{y.dtype} with values in [{y.min()}, {y.max()}]; map other labels "
                         f"to 0..9 first")
    if (isinstance(dims, (str, bytes)) or len(dims) != 2
            or not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool)
                       for d in dims)):
        raise ValueError(f"dims must be two ints, got {dims!r}")
    if max(dims) >= z.shape[1] or min(dims) < 0:
        raise ValueError(f"dims {dims} out of range for {z.shape[1]} latent dimensions")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.5))
    points = ax.scatter(z[:, dims[0]], z[:, dims[1]], c=y, cmap="tab10", s=6, alpha=0.8,
                        vmin=-0.5, vmax=9.5)
    ax.figure.colorbar(points, ax=ax, ticks=range(10), label="label")
    ax.set_xlabel(f"$z_{{{dims[0]}}}$")
    ax.set_ylabel(f"$z_{{{dims[1]}}}$")
    if title:
        ax.set_title(title)
    return ax.figure


@torch.no_grad()
def traversal(model: torch.nn.Module, z0: torch.Tensor, dims: Sequence[int],
              values: Sequence[float] = tuple(np.linspace(-3, 3, 9))) -> Figure:
    """One row per latent dimension in ``dims``: decode z0 with that coordinate set to each value.

    z0: (D,) the code to start from (e.g. the posterior mean of one image).
    """
    if not isinstance(z0, torch.Tensor) or z0.dim() != 1:
        raise ValueError("z0 must be a 1-D tensor (D,)")
    check_model(model, methods=("decode", "mean_image"), what="VAE-like model")
    check_tensor(z0, "z0")
    if isinstance(dims, (str, bytes)) or not all(isinstance(d, (int, np.integer))
                                                 and not isinstance(d, bool) for d in dims):
        raise ValueError(f"dims must be a list of ints, got {dims!r}")
    values = tuple(values)
    if not values or not all(isinstance(v, (int, float, np.integer, np.floating))
                             and not isinstance(v, bool) and np.isfinite(v) for v in values):
        raise ValueError(f"values must be a non-empty list of finite numbers, got {values!r}")
    if not dims or max(dims) >= len(z0) or min(dims) < 0:
        raise ValueError(f"dims must be indices into z0 (0..{len(z0) - 1}), got {list(dims)}")
    device = next(model.parameters()).device
    rows = []
    for d in dims:
        z = z0.repeat(len(values), 1)
        z[:, d] = torch.as_tensor(values, dtype=z.dtype)
        rows.append(model.mean_image(model.decode(z.to(device))).cpu())
    fig = show_images(torch.cat(rows), nrow=len(values))
    ax = fig.axes[0]
    ax.set_title(f"latent traversal: each row moves one coordinate from {values[0]:.1f} "
                 f"to {values[-1]:.1f}")
    h = rows[0].shape[-2] + 1
    for i, d in enumerate(dims):
        ax.text(-2, 1 + i * h + h / 2, f"$z_{{{d}}}$", ha="right", va="center")
    return fig


def history(hist: dict[str, list[float]], keys: Sequence[str] = ("loss", "rec", "kl"),
            title: str | None = None) -> Figure:
    """One panel per key of a training history (per-epoch values)."""
    if not isinstance(hist, dict):
        raise InputTypeError(f"hist must be a training history dict (from train.fit), got "
                             f"{type(hist).__name__}")
    if isinstance(keys, str) or not keys:
        raise ValueError(f"keys must be a non-empty list of history keys, got {keys!r}")
    missing = [k for k in keys if k not in hist]
    if missing:
        raise KeyError(f"history has no {missing}; it has {sorted(hist)}")
    fig, axes = plt.subplots(1, len(keys), figsize=(3.6 * len(keys), 2.8), squeeze=False)
    for ax, key in zip(axes[0], keys, strict=True):
        values = hist[key]
        ax.plot(range(1, len(values) + 1), values, marker=".")
        ax.set_xlabel("epoch")
        ax.set_title(key)
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
