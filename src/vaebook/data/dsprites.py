"""Procedural dSprites: 2D shapes with known generative factors.

dSprites (Matthey et al., 2017) shows one white shape on a black square. Five factors generate
every image: ``shape`` (square, ellipse, heart), ``scale``, ``orientation`` and the ``x`` / ``y``
position of the shape's centre. The book draws the images itself instead of downloading the
737,280-image archive, so any resolution (64x64 as in the paper, 32x32 for the CPU) and any
factor grid is available offline, and 20,000 images render in about a second.

A factor is given by its *index* ``0 .. factor_sizes[k] - 1``; the continuous value behind an
index is in :meth:`DSprites.factor_values`:

- shape: 0 square, 1 ellipse, 2 heart;
- scale: ``linspace(0.5, 1, n)`` of the largest size;
- orientation: ``linspace(0, 2*pi, n, endpoint=False)`` (the original repeats 0 and 2*pi);
- x, y: ``linspace(0, 1, n)`` across the range that keeps the largest shape inside the image.

Images are binary, as in dSprites. With ``color=True`` every image is multiplied by a random
RGB colour drawn from U(0.5, 1)^3 (colour-dSprites as in disentanglement_lib); the colour is a
nuisance, not a factor.

Typical use::

    ds = DSprites(size=32)
    x, factors = ds.sample(10_000, seed=0)           # x: (N, 1, 32, 32), factors: (N, 5) int64
    x, factors = ds.sample_fixed_factor(64, "shape")  # all 64 images share one shape
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from vaebook.checks import InputTypeError, check_bool, check_int, check_int_sequence

__all__ = ["FACTOR_NAMES", "SHAPES", "FULL_FACTOR_SIZES", "DSprites", "generate"]

FACTOR_NAMES: tuple[str, ...] = ("shape", "scale", "orientation", "posX", "posY")  # as in disentanglement_lib
SHAPES: tuple[str, ...] = ("square", "ellipse", "heart")
FULL_FACTOR_SIZES: tuple[int, ...] = (3, 6, 40, 32, 32)  # the dSprites grid: 737,280 images

_RADIUS = 0.2  # radius of the largest shape (including its rotations), as a fraction of the side
_MAX_IMAGES = 200_000  # refuse to render more at once (memory); sample subsets instead
# The heart curve (x^2 + y^2 - 1)^3 <= x^2 y^3, moved to its centroid and scaled to radius 1.
_HEART_SHIFT = 0.2935
_HEART_SCALE = 1.2935


def _square(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    half = 1.0 / math.sqrt(2.0)  # corners on the unit circle
    return np.maximum(np.abs(u), np.abs(v)) <= half


def _ellipse(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return u * u + (v / 0.6) ** 2 <= 1.0


def _heart(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    x = u * _HEART_SCALE
    y = _HEART_SHIFT - v * _HEART_SCALE  # image rows grow downwards; lobes on top
    r = x * x + y * y - 1.0
    return r * r * r <= x * x * y * y * y


_SHAPE_FNS = (_square, _ellipse, _heart)


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, (int, np.integer)):
        return np.random.default_rng(check_int(seed, "seed", minimum=0))
    raise InputTypeError(f"seed must be a non-negative int, None or a numpy Generator, got "
                         f"{type(seed).__name__} {seed!r}")


def _is_index(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


class DSprites:
    """A dSprites-style generator: images from factor indices, and factor samplers.

    size: image side in pixels (at least 16; 64 is the paper's, 32 suits the CPU).
    factor_sizes: number of values of (shape, scale, orientation, x, y); shape has at most 3.
    color: multiply each image by a random colour in U(0.5, 1)^3 (3 channels instead of 1).
    """

    factor_names: tuple[str, ...] = FACTOR_NAMES

    def __init__(self, size: int = 64, factor_sizes: Sequence[int] = FULL_FACTOR_SIZES,
                 color: bool = False) -> None:
        check_int(size, "size", minimum=16)
        sizes = check_int_sequence(factor_sizes, "factor_sizes", minimum=1)
        if len(sizes) != len(FACTOR_NAMES):
            raise ValueError(f"factor_sizes must be {len(FACTOR_NAMES)} positive ints for "
                             f"{FACTOR_NAMES}, got {tuple(factor_sizes)}")
        if sizes[0] > len(SHAPES):
            raise ValueError(f"at most {len(SHAPES)} shapes {SHAPES}, got factor_sizes[0]="
                             f"{sizes[0]}")
        self.size = int(size)
        self.factor_sizes = sizes
        self.color = check_bool(color, "color")
        self._values = self._make_values()

    def __repr__(self) -> str:
        return (f"DSprites(size={self.size}, factor_sizes={self.factor_sizes}, "
                f"color={self.color})")

    @property
    def num_factors(self) -> int:
        return len(self.factor_sizes)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(C, H, W) of the images."""
        return (3 if self.color else 1, self.size, self.size)

    @property
    def num_images(self) -> int:
        """Number of distinct factor combinations (the size of :meth:`grid`)."""
        return int(np.prod(self.factor_sizes))

    def _make_values(self) -> list[np.ndarray]:
        n_shape, n_scale, n_rot, n_x, n_y = self.factor_sizes
        scale = np.linspace(0.5, 1.0, n_scale) if n_scale > 1 else np.ones(1)
        pos = [np.linspace(0.0, 1.0, n) if n > 1 else np.full(1, 0.5) for n in (n_x, n_y)]
        return [np.arange(n_shape, dtype=np.float64), scale,
                np.linspace(0.0, 2 * math.pi, n_rot, endpoint=False), pos[0], pos[1]]

    def factor_index(self, factor: int | str) -> int:
        """The column of a factor given by name (``"scale"``) or index (``1``)."""
        if isinstance(factor, str):
            if factor not in FACTOR_NAMES:
                raise ValueError(f"unknown factor {factor!r}; expected one of {FACTOR_NAMES}")
            return FACTOR_NAMES.index(factor)
        if _is_index(factor) and 0 <= factor < self.num_factors:
            return int(factor)
        raise ValueError(f"factor must be a name in {FACTOR_NAMES} or an int in "
                         f"[0, {self.num_factors}), got {factor!r}")

    def factor_values(self, factor: int | str) -> np.ndarray:
        """The continuous values behind the indices of one factor (shape: 0, 1, 2)."""
        return self._values[self.factor_index(factor)].copy()

    def check_factors(self, factors: np.ndarray | torch.Tensor) -> np.ndarray:
        """Validate factor indices (N, 5) and return them as an int64 numpy array."""
        if isinstance(factors, torch.Tensor):
            factors = factors.detach().cpu().numpy()
        f = np.asarray(factors)
        if f.ndim != 2 or f.shape[1] != self.num_factors:
            raise ValueError(f"factors must have shape (N, {self.num_factors}), got {f.shape}")
        if not np.issubdtype(f.dtype, np.integer):
            raise TypeError(f"factors must be integer indices, got dtype {f.dtype}")
        high = np.asarray(self.factor_sizes)
        if f.size and ((f < 0).any() or (f >= high).any()):
            raise ValueError(f"factor indices out of range: each column k must lie in "
                             f"[0, {self.factor_sizes}[k])")
        return f.astype(np.int64, copy=False)

    def grid(self) -> np.ndarray:
        """Every factor combination, (num_images, 5) int64, in row-major order (y fastest)."""
        axes = np.meshgrid(*[np.arange(n) for n in self.factor_sizes], indexing="ij")
        return np.stack([a.ravel() for a in axes], axis=1).astype(np.int64)

    def sample_factors(self, n: int, seed: int | np.random.Generator | None = 0) -> np.ndarray:
        """n factor combinations drawn uniformly at random (with replacement), (n, 5) int64."""
        check_int(n, "n", minimum=1)
        rng = _rng(seed)
        return np.stack([rng.integers(0, k, size=int(n)) for k in self.factor_sizes],
                        axis=1).astype(np.int64)

    def render(self, factors: np.ndarray | torch.Tensor,
               seed: int | np.random.Generator | None = 0) -> torch.Tensor:
        """Draw the images of the given factor indices.

        factors: (N, 5) integer indices. seed: only used for the colours of colour-dSprites.
        Returns x: (N, C, size, size) float32 in [0, 1].
        """
        f = self.check_factors(factors)
        rng = _rng(seed)
        n = len(f)
        if n > _MAX_IMAGES:
            raise ValueError(f"refusing to render {n} images at once (limit {_MAX_IMAGES}); "
                             f"render in chunks or sample a subset")
        size = self.size
        radius = _RADIUS * size  # pixels
        box = int(math.ceil(2 * radius)) + 2  # each shape lies inside a box x box window
        span = size - 2 * radius
        cx = radius + self._values[3][f[:, 3]] * span
        cy = radius + self._values[4][f[:, 4]] * span
        ox = np.clip(np.floor(cx - radius).astype(np.int64), 0, size - box)
        oy = np.clip(np.floor(cy - radius).astype(np.int64), 0, size - box)
        step = np.arange(box, dtype=np.float32) + 0.5  # pixel centres inside the window
        # rotate and scale the window's pixel offsets into each shape's unit frame
        theta = self._values[2][f[:, 2]]
        inv = 1.0 / (self._values[1][f[:, 1]] * radius)
        cos = (np.cos(theta) * inv).astype(np.float32)[:, None, None]
        sin = (np.sin(theta) * inv).astype(np.float32)[:, None, None]
        dx = (step[None, None, :] + (ox - cx).astype(np.float32)[:, None, None])  # (N, 1, box)
        dy = (step[None, :, None] + (oy - cy).astype(np.float32)[:, None, None])  # (N, box, 1)
        window = np.zeros((n, box, box), dtype=bool)
        for shape_id, inside in enumerate(_SHAPE_FNS[: self.factor_sizes[0]]):
            sel = np.flatnonzero(f[:, 0] == shape_id)
            if sel.size:
                c, s, x_, y_ = cos[sel], sin[sel], dx[sel], dy[sel]
                window[sel] = inside(c * x_ + s * y_, c * y_ - s * x_)
        canvas = np.zeros((n, size, size), dtype=np.float32)
        # paste each window at its offset through a (writeable) view of all box x box windows
        views = np.lib.stride_tricks.sliding_window_view(canvas, (box, box), axis=(1, 2),
                                                         writeable=True)
        views[np.arange(n), oy, ox] = window
        x = torch.from_numpy(canvas).unsqueeze(1)
        if self.color:
            colour = rng.uniform(0.5, 1.0, size=(n, 3, 1, 1)).astype(np.float32)
            x = x * torch.from_numpy(colour)
        return x

    def sample(self, n: int, seed: int | np.random.Generator | None = 0
               ) -> tuple[torch.Tensor, np.ndarray]:
        """n random images and their factors: x (n, C, H, W) float32, factors (n, 5) int64."""
        rng = _rng(seed)
        factors = self.sample_factors(n, rng)
        return self.render(factors, rng), factors

    def sample_fixed_factor(self, n: int, factor: int | str, value: int | None = None,
                            seed: int | np.random.Generator | None = 0
                            ) -> tuple[torch.Tensor, np.ndarray]:
        """n random images that all share one factor's value (random when ``value`` is None).

        The other factors are drawn uniformly. Used by the BetaVAE and FactorVAE scores.
        Returns x (n, C, H, W) float32 and factors (n, 5) int64.
        """
        k = self.factor_index(factor)
        rng = _rng(seed)
        if value is None:
            value = int(rng.integers(0, self.factor_sizes[k]))
        elif not _is_index(value) or not 0 <= value < self.factor_sizes[k]:
            raise ValueError(f"value of factor {FACTOR_NAMES[k]!r} must be an int in "
                             f"[0, {self.factor_sizes[k]}), got {value!r}")
        factors = self.sample_factors(n, rng)
        factors[:, k] = value
        return self.render(factors, rng), factors


def generate(n: int | None = None, *, size: int = 64,
             factor_sizes: Sequence[int] = FULL_FACTOR_SIZES, color: bool = False,
             seed: int = 0) -> tuple[torch.Tensor, np.ndarray]:
    """dSprites images with their factors: a seeded random subset of n, or the whole grid.

    n: number of random images (drawn with replacement); None renders every combination of
        ``factor_sizes`` in grid order (choose a small grid: the full one has 737,280 images).
    Returns x: (N, C, size, size) float32 in [0, 1] and factors: (N, 5) int64 indices.
    """
    ds = DSprites(size=size, factor_sizes=factor_sizes, color=color)
    if n is None:
        if ds.num_images > _MAX_IMAGES:
            raise ValueError(f"the grid {ds.factor_sizes} has {ds.num_images} images (limit "
                             f"{_MAX_IMAGES}); pass n for a random subset or a smaller grid")
        factors = ds.grid()
        return ds.render(factors, seed), factors
    return ds.sample(n, seed)
