"""Mean, sampled and variance representations; active, mixed and passive latent variables.

A VAE encoder gives, for every input x, a mean mu(x) and a variance sigma^2(x) per latent
variable. Three representations of a dataset follow (disentanglement_lib's post-processing, as
used by Bonheme & Grzes 2023):

- the *mean* representation ``mu(x)`` (what downstream tasks usually take),
- the *sampled* representation ``mu(x) + sigma(x) * eps`` with ``eps ~ N(0, I)`` (what the
  decoder sees in training, and what disentanglement is often measured on),
- the *variance* representation ``sigma^2(x)``.

Selective posterior collapse: some variables encode the data (*active*, sigma^2 << 1), others
are switched off and copy the prior (*passive*, mu ~ 0 and sigma^2 ~ 1). Over a dataset, a
variable i is classified from the mean m_i and the variance s_i of sigma_i^2(x) across inputs,
with the thresholds of the paper's code (``tc_study``'s variable filter):

- active:  s_i < 0.1 and m_i <= 0.1,
- passive: s_i < 0.1 and 0.9 <= m_i <= 1.1,
- mixed:   everything else (collapsed for some inputs and not for others).

Typical use::

    reps = representations(model, x, seed=0)     # reps.mean, reps.sampled, reps.variance: (N, D)
    types = classify_variables(reps.variance)    # types.active, types.mixed, types.passive
    tc_active = metric_on_subset(metrics.gaussian_total_correlation, reps.mean, types.active)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from vaebook.checks import InputTypeError, check_int, check_number
from vaebook.utils import encode

__all__ = ["Representations", "VariableTypes", "GROUPS", "VARIANCE_THRESHOLD", "ACTIVE_MAX",
           "PASSIVE_RANGE", "representations", "sampled_representation", "classify_variables",
           "restrict", "metric_on_subset", "metrics_by_type"]

# Defaults from the paper's code (bonheml/tc_study, variables_filter.py).
VARIANCE_THRESHOLD = 0.1  # a variable whose sigma^2 varies less than this across inputs is not mixed
ACTIVE_MAX = 0.1  # active: mean sigma^2 at most this
PASSIVE_RANGE = (0.9, 1.1)  # passive: mean sigma^2 within this range (the prior's variance is 1)
GROUPS = ("all", "active", "mixed", "passive", "active+mixed")


def _as_codes(codes: np.ndarray | torch.Tensor, name: str = "codes") -> np.ndarray:
    """A 2-D finite float64 array (N, D)."""
    if isinstance(codes, torch.Tensor):
        codes = codes.detach().cpu().numpy()
    if not isinstance(codes, np.ndarray):
        raise InputTypeError(f"{name} must be a numpy array or torch tensor (N, D), got "
                             f"{type(codes).__name__}")
    if codes.ndim != 2 or codes.shape[0] < 1 or codes.shape[1] < 1:
        raise ValueError(f"{name} must have shape (N, D) with N, D >= 1, got {codes.shape}")
    if not np.issubdtype(codes.dtype, np.number) or np.issubdtype(codes.dtype, np.complexfloating):
        raise InputTypeError(f"{name} must hold real numbers, got dtype {codes.dtype}")
    codes = codes.astype(np.float64)
    if not np.isfinite(codes).all():
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return codes


@dataclass(frozen=True)
class Representations:
    """The three representations of one dataset, each (N, D) float64."""

    mean: np.ndarray  # mu(x)
    sampled: np.ndarray  # mu(x) + sigma(x) * eps
    variance: np.ndarray  # sigma^2(x)


def sampled_representation(mu: np.ndarray | torch.Tensor, logvar: np.ndarray | torch.Tensor,
                           seed: int = 0) -> np.ndarray:
    """mu + exp(logvar / 2) * eps with eps ~ N(0, I) from a generator seeded with ``seed``.

    mu, logvar: (N, D). Returns (N, D) float64.
    """
    mu, logvar = _as_codes(mu, "mu"), _as_codes(logvar, "logvar")
    if mu.shape != logvar.shape:
        raise ValueError(f"mu and logvar must have the same shape, got {mu.shape} and "
                         f"{logvar.shape}")
    seed = check_int(seed, "seed", minimum=0)
    eps = np.random.default_rng(seed).standard_normal(mu.shape)
    with np.errstate(over="ignore"):
        sampled = mu + np.exp(0.5 * logvar) * eps
    if not np.isfinite(sampled).all():
        raise ValueError(f"the sampled representation overflowed to infinite values: "
                         f"exp(logvar / 2) is finite in float64 only for logvar <= "
                         f"{2 * np.log(np.finfo(np.float64).max):.4g}, got max logvar "
                         f"{logvar.max():.4g}")
    return sampled


def representations(model: nn.Module, x: torch.Tensor, seed: int = 0,
                    batch_size: int = 512) -> Representations:
    """Encode x (N, C, H, W) in [0, 1] once and return its mean, sampled and variance
    representations (N, D); the sampling noise is drawn with ``seed``."""
    mu, logvar = encode(model, x, batch_size=batch_size)
    return Representations(mean=mu.astype(np.float64),
                           sampled=sampled_representation(mu, logvar, seed),
                           variance=np.exp(logvar.astype(np.float64)))


@dataclass(frozen=True)
class VariableTypes:
    """Which latent variables are active, mixed and passive over a dataset.

    active, mixed, passive: sorted int64 index arrays that partition ``range(D)``;
    mean_variance, var_variance: (D,) mean and variance across inputs of sigma_i^2(x).
    """

    active: np.ndarray
    mixed: np.ndarray
    passive: np.ndarray
    mean_variance: np.ndarray
    var_variance: np.ndarray

    @property
    def num_variables(self) -> int:
        return len(self.mean_variance)

    @property
    def labels(self) -> list[str]:
        """The type of each variable, in order: "active", "mixed" or "passive"."""
        out = [""] * self.num_variables
        for name in ("active", "mixed", "passive"):
            for i in getattr(self, name):
                out[i] = name
        return out

    def counts(self) -> dict[str, int]:
        """Number of active, mixed and passive variables."""
        return {name: len(getattr(self, name)) for name in ("active", "mixed", "passive")}

    def indices(self, group: str) -> np.ndarray:
        """Indices of a group: one of ``GROUPS`` ("all", "active", "mixed", "passive",
        "active+mixed"), or any "+"-joined combination of the three types."""
        if group == "all":
            return np.arange(self.num_variables)
        parts = group.split("+") if isinstance(group, str) else []
        if not parts or any(p not in ("active", "mixed", "passive") for p in parts):
            raise ValueError(f"group must be 'all' or '+'-joined names among 'active', 'mixed', "
                             f"'passive', got {group!r}")
        return np.sort(np.concatenate([getattr(self, p) for p in parts]))


def classify_variables(variance: np.ndarray | torch.Tensor, *,
                       variance_threshold: float = VARIANCE_THRESHOLD,
                       active_max: float = ACTIVE_MAX,
                       passive_range: tuple[float, float] = PASSIVE_RANGE) -> VariableTypes:
    """Classify latent variables from the variance representation sigma^2(x): (N, D), N >= 2.

    With m_i = mean_x sigma_i^2(x) and s_i = Var_x sigma_i^2(x): active if s_i <
    ``variance_threshold`` and m_i <= ``active_max``; passive if s_i < ``variance_threshold`` and
    m_i lies in ``passive_range``; mixed otherwise. Defaults are the paper code's thresholds.
    """
    v = _as_codes(variance, "variance")
    if v.shape[0] < 2:
        raise ValueError(f"variance needs at least 2 inputs (rows) to measure its spread, got "
                         f"{v.shape[0]}")
    if (v < 0).any():
        raise ValueError("variance must be non-negative (pass sigma^2, e.g. exp(logvar), "
                         "not logvar)")
    if (isinstance(passive_range, (str, bytes)) or not hasattr(passive_range, "__len__")
            or len(passive_range) != 2):
        raise ValueError(f"passive_range must be a pair (low, high), got {passive_range!r}")
    low, high = (check_number(t, f"passive_range[{i}]") for i, t in enumerate(passive_range))
    check_number(variance_threshold, "variance_threshold", minimum=0, strict_min=True,
                 expected="positive")
    check_number(active_max, "active_max")
    if not 0 <= active_max < low <= high:
        raise ValueError(f"thresholds must satisfy 0 <= active_max < passive_range[0] <= "
                         f"passive_range[1], got active_max={active_max}, "
                         f"passive_range={passive_range}")
    mean_v, var_v = v.mean(axis=0), v.var(axis=0)
    stable = var_v < variance_threshold
    active = stable & (mean_v <= active_max)
    passive = stable & (mean_v >= low) & (mean_v <= high)
    mixed = ~(active | passive)
    return VariableTypes(active=np.flatnonzero(active), mixed=np.flatnonzero(mixed),
                         passive=np.flatnonzero(passive), mean_variance=mean_v,
                         var_variance=var_v)


def restrict(codes: np.ndarray | torch.Tensor, indices: Sequence[int] | np.ndarray
             ) -> np.ndarray:
    """The columns ``indices`` of codes (N, D): (N, len(indices)) float64.

    indices: distinct ints in [0, D) (may be empty: the result then has no columns).
    """
    codes = _as_codes(codes)
    idx = np.asarray(indices)
    if idx.ndim != 1 or (idx.size and not np.issubdtype(idx.dtype, np.integer)):
        raise TypeError(f"indices must be a 1-D sequence of ints, got {idx.dtype} shape "
                        f"{idx.shape}")
    idx = idx.astype(np.int64)
    d = codes.shape[1]
    if idx.size and ((idx < 0).any() or (idx >= d).any()):
        raise ValueError(f"indices must lie in [0, {d}), got {idx.tolist()}")
    if len(np.unique(idx)) != len(idx):
        raise ValueError(f"indices must be distinct, got {idx.tolist()}")
    return codes[:, idx]


def metric_on_subset(metric: Callable[..., float], codes: np.ndarray | torch.Tensor,
                     indices: Sequence[int] | np.ndarray, *args: object,
                     min_variables: int = 1, **kwargs: object) -> float:
    """``metric(codes[:, indices], *args, **kwargs)`` as a float, or NaN when fewer than
    ``min_variables`` variables are selected (e.g. no passive variable at beta = 1).

    codes: (N, D); metric: any function of codes (N, d) (and e.g. factors) returning a number.
    """
    if not callable(metric):
        raise InputTypeError(f"metric must be callable, got {type(metric).__name__}")
    check_int(min_variables, "min_variables", minimum=1)
    sub = restrict(codes, indices)
    if sub.shape[1] < min_variables:
        return float("nan")
    return float(metric(sub, *args, **kwargs))


def metrics_by_type(codes: np.ndarray | torch.Tensor, types: VariableTypes,
                    metrics: Mapping[str, Callable[[np.ndarray], float]],
                    groups: Sequence[str] = GROUPS, min_variables: int = 2
                    ) -> dict[str, dict[str, float]]:
    """Each metric on each group of variables: ``{group: {metric_name: value}}``.

    codes: (N, D) with D = types.num_variables; metrics: name -> function of codes (N, d);
    groups with fewer than ``min_variables`` variables give NaN (a TC or a correlation needs 2).
    """
    codes = _as_codes(codes)
    check_int(min_variables, "min_variables", minimum=1)
    if not isinstance(types, VariableTypes):
        raise InputTypeError(f"types must be a VariableTypes (from classify_variables), got "
                        f"{type(types).__name__}")
    if codes.shape[1] != types.num_variables:
        raise ValueError(f"codes have {codes.shape[1]} variables but types describes "
                         f"{types.num_variables}")
    if not isinstance(metrics, Mapping) or not metrics:
        raise ValueError(f"metrics must be a non-empty dict name -> function, got {metrics!r}")
    if isinstance(groups, str) or not all(isinstance(g, str) for g in groups):
        raise InputTypeError(f"groups must be a list of group names such as {GROUPS}, got "
                             f"{groups!r}")
    for group in groups:
        types.indices(group)  # raises for an unknown group before any metric runs
    return {group: {name: metric_on_subset(fn, codes, types.indices(group),
                                           min_variables=min_variables)
                    for name, fn in metrics.items()}
            for group in groups}
