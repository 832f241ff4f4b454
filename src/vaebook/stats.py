"""The one decision rule every claim in the book goes through.

A claim is tested as an **effect in the claimed direction** (positive supports the claim), with a
95% interval and a smallest effect of interest ``delta >= 0`` declared in the call, before the
numbers are seen. In this order:

- **does not hold at this scale** when the whole interval lies below ``delta``, read as *the
  opposite holds* when the whole interval is below zero and as *no effect that matters*
  otherwise (:func:`reading`);
- **holds** when the whole interval lies above zero, on the claimed side;
- **inconclusive** otherwise: more seeds or longer training would decide it.

Three ways to get the interval:

- :func:`paired`: two arms trained with the same seeds (e.g. local vs factorised decoder); the
  per-seed differences, their mean and a Student-t interval. At least 5 pairs.
- :func:`per_seed`: one number per seed that the claim says is positive (a within-run change, a
  margin above a threshold); a Student-t interval over seeds. At least 5 seeds.
- :func:`bootstrap`: a single-model claim, one value per test example (e.g. whether the probe
  was right), resampled with a fixed seed; the interval is the percentile interval of the mean
  minus a threshold.

How many seeds: :func:`seeds_needed` chooses a design's N from a pilot on other seeds
(:mod:`vaebook.designs`), before the final runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as _scipy_stats

__all__ = ["HOLDS", "NOT_HERE", "INCONCLUSIVE", "VERDICTS", "MIN_SEEDS", "MAX_SEEDS", "NO_EFFECT",
           "OPPOSITE", "Evidence", "verdict", "reading", "paired", "per_seed", "bootstrap",
           "seeds_needed"]

HOLDS = "holds"
NOT_HERE = "does not hold at this scale"
INCONCLUSIVE = "inconclusive"
VERDICTS = (HOLDS, NOT_HERE, INCONCLUSIVE)
MIN_SEEDS = 5
MAX_SEEDS = 30
CONFIDENCE = 0.95
# the two readings of "does not hold at this scale"
NO_EFFECT = "no effect that matters"
OPPOSITE = "the opposite holds"


@dataclass(frozen=True)
class Evidence:
    """An effect in the claimed direction with its 95% interval, and the verdict it gives.

    effect: mean effect (positive supports the claim), in ``unit``.
    low, high: the 95% interval of ``effect``.
    n: number of seeds (paired / per_seed) or test examples (bootstrap).
    delta: the smallest effect that would matter, declared before looking.
    method: how the interval was computed, e.g. ``"paired t over 5 seeds"``.
    per_unit: the per-seed values behind the interval (empty for a bootstrap).
    """

    effect: float
    low: float
    high: float
    n: int
    delta: float
    unit: str
    method: str
    per_unit: tuple[float, ...] = ()

    @property
    def verdict(self) -> str:
        return verdict(self.low, self.high, self.delta)

    @property
    def reading(self) -> str:
        """For "does not hold": :data:`OPPOSITE` or :data:`NO_EFFECT` (see :func:`reading`);
        empty for the other verdicts."""
        return reading(self.low, self.high, self.delta)

    def summary(self) -> str:
        """One line: effect, interval, n and delta, e.g. ``+0.092 [+0.061, +0.123] accuracy, ...``."""
        return (f"effect {self.effect:+.3g} {self.unit}, 95% CI [{self.low:+.3g}, {self.high:+.3g}], "
                f"{self.method}, delta {self.delta:.3g}")


def verdict(low: float, high: float, delta: float) -> str:
    """The rule: below ``delta`` -> does not hold; above 0 -> holds; otherwise inconclusive."""
    for name, v in (("low", low), ("high", high), ("delta", delta)):
        if not isinstance(v, (int, float, np.floating, np.integer)) or not math.isfinite(float(v)):
            raise ValueError(f"{name} must be a finite number, got {v!r}")
    if low > high:
        raise ValueError(f"the interval must have low <= high, got [{low}, {high}]")
    if delta < 0:
        raise ValueError(f"delta must be >= 0 (an effect size in the claimed direction), got {delta}")
    if high < delta:
        return NOT_HERE
    if low > 0:
        return HOLDS
    return INCONCLUSIVE


def reading(low: float, high: float, delta: float) -> str:
    """Which way a "does not hold at this scale" goes: :data:`OPPOSITE` when the whole interval
    lies on the other side of zero (``high < 0``), else :data:`NO_EFFECT` (the interval excludes
    every effect that would matter, but not zero). Empty for "holds" and "inconclusive"."""
    if verdict(low, high, delta) != NOT_HERE:
        return ""
    return OPPOSITE if high < 0 else NO_EFFECT


def seeds_needed(pilot: Any, *, delta: float, cap: int = MAX_SEEDS,
                 min_seeds: int = MIN_SEEDS) -> tuple[int, bool]:
    """The number of final seeds a design needs, from the per-seed effects of a pilot.

    pilot: (S,) per-seed effects of pilot seeds (S >= 2), in the claimed direction.
    The answer is the smallest N >= ``min_seeds`` whose expected 95% half-width,
    t(0.975, N - 1) * sd / sqrt(N) with the pilot's sd, is at most half the distance from the
    pilot's mean effect to the nearer decision boundary (0 or ``delta``), capped at ``cap``.
    Returns (N, capped): capped is True when even ``cap`` seeds would not reach that width
    (the verdict may then honestly stay inconclusive).
    """
    d = _values(pilot, "pilot")
    if len(d) < 2:
        raise ValueError(f"a pilot needs at least 2 per-seed effects (for its spread), got {len(d)}")
    delta = _delta(delta)
    for name, value in (("cap", cap), ("min_seeds", min_seeds)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 2:
            raise ValueError(f"{name} must be an int >= 2, got {value!r}")
    if min_seeds > cap:
        raise ValueError(f"min_seeds ({min_seeds}) must be at most cap ({cap})")
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    target = 0.5 * min(abs(mean), abs(mean - delta))
    for n in range(int(min_seeds), int(cap) + 1):
        half = float(_scipy_stats.t.ppf(0.5 + CONFIDENCE / 2, df=n - 1)) * sd / math.sqrt(n)
        if half <= target:
            return n, False
    return int(cap), True


def _values(values: Any, name: str) -> np.ndarray:
    if values is None or isinstance(values, (str, bytes, dict)):
        raise TypeError(f"{name} must be a sequence or array of numbers, got "
                        f"{type(values).__name__}")
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    try:
        arr = np.asarray(values)
    except ValueError as err:
        raise ValueError(f"{name} must be a flat sequence of numbers ({err})") from None
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must be numbers, got dtype {arr.dtype}")
    arr = arr.astype(float)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional (one value per seed or example), "
                         f"got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} holds NaN or infinite values: {arr}")
    return arr


def _delta(delta: Any) -> float:
    if isinstance(delta, bool) or not isinstance(delta, (int, float, np.floating, np.integer)):
        raise TypeError(f"delta must be a number, got {type(delta).__name__}")
    delta = float(delta)
    if not math.isfinite(delta) or delta < 0:
        raise ValueError(f"delta must be a finite number >= 0, got {delta}")
    return delta


def _t_interval(d: np.ndarray) -> tuple[float, float, float]:
    mean = float(d.mean())
    sem = float(d.std(ddof=1) / math.sqrt(len(d)))
    half = float(_scipy_stats.t.ppf(0.5 + CONFIDENCE / 2, df=len(d) - 1)) * sem
    return mean, mean - half, mean + half


def per_seed(values: Any, *, delta: float, unit: str, min_seeds: int = MIN_SEEDS,
             what: str = "seeds") -> Evidence:
    """Evidence from one effect per seed (positive supports the claim), t-interval over seeds.

    values: (S,) effects in the claimed direction, e.g. accuracy early minus accuracy late.
    delta: smallest effect that would matter, >= 0, in ``unit``.
    """
    d = _values(values, "values")
    if isinstance(min_seeds, bool) or not isinstance(min_seeds, int) or min_seeds < 2:
        raise ValueError(f"min_seeds must be an int >= 2 (an interval needs 2 values), got "
                         f"{min_seeds!r}")
    if not isinstance(unit, str) or not isinstance(what, str):
        raise TypeError(f"unit and what must be strings, got {unit!r} and {what!r}")
    if len(d) < min_seeds:
        raise ValueError(f"a claim needs at least {min_seeds} {what}, got {len(d)}")
    mean, low, high = _t_interval(d)
    return Evidence(mean, low, high, len(d), _delta(delta), unit, f"t over {len(d)} {what}",
                    tuple(float(v) for v in d))


def paired(claimed_better: Any, other: Any, *, delta: float, unit: str,
           higher_is_better: bool = True, min_seeds: int = MIN_SEEDS) -> Evidence:
    """Evidence that arm ``claimed_better`` beats ``other``, from paired seeds.

    claimed_better, other: (S,) one number per seed, seed i of both arms trained with the same seed.
    higher_is_better: False for errors, losses and nats, where the claim is that the number is lower.
    """
    a, b = _values(claimed_better, "claimed_better"), _values(other, "other")
    if isinstance(min_seeds, bool) or not isinstance(min_seeds, int) or min_seeds < 2:
        raise ValueError(f"min_seeds must be an int >= 2 (an interval needs 2 values), got "
                         f"{min_seeds!r}")
    if not isinstance(higher_is_better, (bool, np.bool_)):
        raise TypeError(f"higher_is_better must be True or False, got {higher_is_better!r}")
    if not isinstance(unit, str):
        raise TypeError(f"unit must be a string, got {unit!r}")
    if a.shape != b.shape:
        raise ValueError(f"paired arms need one number per seed each, got {a.shape} and {b.shape}")
    if len(a) < min_seeds:
        raise ValueError(f"a comparison needs at least {min_seeds} paired seeds, got {len(a)}")
    d = a - b if higher_is_better else b - a
    mean, low, high = _t_interval(d)
    return Evidence(mean, low, high, len(d), _delta(delta), unit, f"paired t over {len(d)} seeds",
                    tuple(float(v) for v in d))


def bootstrap(values: Any, *, threshold: float = 0.0, delta: float, unit: str,
              num_resamples: int = 2000, seed: int = 0) -> Evidence:
    """Evidence that the mean of ``values`` exceeds ``threshold``, from a bootstrap over examples.

    values: (N,) one value per test example, e.g. 1.0 where a probe was right, else 0.0.
    The effect is ``mean(values) - threshold``; the interval is the 2.5-97.5 percentile interval
    of that effect over ``num_resamples`` resamples drawn with ``seed``.
    """
    v = _values(values, "values")
    if (isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.floating,
                                                                   np.integer))
            or not math.isfinite(float(threshold))):
        raise ValueError(f"threshold must be a finite number, got {threshold!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    if len(v) < 20:
        raise ValueError(f"a bootstrap over examples needs at least 20 values, got {len(v)}")
    if (isinstance(num_resamples, bool) or not isinstance(num_resamples, int)
            or num_resamples < 100):
        raise ValueError(f"num_resamples must be an int >= 100, got {num_resamples!r}")
    rng = np.random.default_rng(seed)
    means = np.empty(num_resamples)
    for i in range(num_resamples):
        means[i] = v[rng.integers(0, len(v), len(v))].mean()
    low, high = np.percentile(means - threshold, [50 * (1 - CONFIDENCE), 50 * (1 + CONFIDENCE)])
    return Evidence(float(v.mean() - threshold), float(low), float(high), len(v), _delta(delta),
                    unit, f"bootstrap over {len(v)} test examples")
