"""Input checks shared by the metrics: shapes, dtypes, NaN, sample counts, constant factors."""

from __future__ import annotations

import numpy as np
import torch

from vaebook.checks import InputTypeError, check_int, check_number

MIN_SAMPLES = 20  # fewer points make every estimate below meaningless


def _to_array(a: object, name: str) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().numpy()
    if isinstance(a, np.ndarray):
        return a
    if isinstance(a, (list, tuple)):
        return np.asarray(a)
    raise InputTypeError(f"{name} must be a numpy array or torch tensor, got {type(a).__name__}")


def check_codes(codes: object, name: str = "codes", min_samples: int = MIN_SAMPLES,
                min_dims: int = 1) -> np.ndarray:
    """codes: (N, D) real numbers without NaN/inf, N >= min_samples, D >= min_dims -> float64."""
    c = _to_array(codes, name)
    if c.ndim != 2:
        raise ValueError(f"{name} must have shape (N, D), got {c.shape}")
    if not (np.issubdtype(c.dtype, np.floating) or np.issubdtype(c.dtype, np.integer)):
        raise InputTypeError(f"{name} must hold real numbers, got dtype {c.dtype}")
    if c.shape[0] < min_samples:
        raise ValueError(f"{name} needs at least {min_samples} samples, got {c.shape[0]}")
    if c.shape[1] < min_dims:
        raise ValueError(f"{name} needs at least {min_dims} dimensions, got {c.shape[1]}")
    c = c.astype(np.float64, copy=False)
    if not np.isfinite(c).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return c


def check_factors(factors: object, n: int | None = None, min_factors: int = 1) -> np.ndarray:
    """factors: (N, K) integer labels, none constant, N = n (when given) -> int64."""
    f = _to_array(factors, "factors")
    if f.ndim != 2:
        raise ValueError(f"factors must have shape (N, K) (use factors.reshape(-1, 1) for one "
                         f"factor), got {f.shape}")
    if not np.issubdtype(f.dtype, np.integer):
        raise InputTypeError(f"factors must be integer labels (N, K), got dtype {f.dtype}")
    if n is not None and f.shape[0] != n:
        raise ValueError(f"codes and factors must have the same number of samples, got {n} "
                         f"and {f.shape[0]}")
    if f.shape[1] < min_factors:
        raise ValueError(f"factors needs at least {min_factors} columns, got {f.shape[1]}")
    for k in range(f.shape[1]):
        if np.all(f[:, k] == f[0, k]):
            raise ValueError(f"factor {k} is constant: a metric cannot measure how codes "
                             f"capture it; drop that column")
    return f.astype(np.int64, copy=False)


def check_codes_factors(codes: object, factors: object, min_dims: int = 1,
                        min_factors: int = 1) -> tuple[np.ndarray, np.ndarray]:
    c = check_codes(codes, min_dims=min_dims)
    return c, check_factors(factors, len(c), min_factors=min_factors)


def check_positive_int(value: object, name: str, minimum: int = 1) -> int:
    return check_int(value, name, minimum=minimum)


def check_fraction(value: object, name: str) -> float:
    return check_number(value, name, minimum=0, maximum=1, strict_min=True, strict_max=True,
                        expected="a number in (0, 1)")


def check_train_classes(f: np.ndarray, train: np.ndarray, what: str = "training") -> None:
    """Raise unless every factor takes at least two values on the training rows (a classifier
    cannot be fitted to one class); names the factor and suggests the fix."""
    for k in range(f.shape[1]):
        if len(np.unique(f[train, k])) < 2:
            raise ValueError(f"factor {k} takes a single value on the {len(train)} {what} points "
                             f"(its other values are rare and fell into the test split): pass "
                             f"more samples, or group or drop that factor")
