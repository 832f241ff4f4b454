"""Metrics that need interventions on the factors: the BetaVAE and FactorVAE scores.

They do not take fixed codes but a *representation function* and a *ground-truth sampler*:

- ``represent(x) -> codes``: maps what the sampler renders, e.g. images (B, C, H, W), to codes
  (B, D) (a numpy array or tensor), e.g. ``lambda x: vaebook.utils.encode(model, x)[0]``;
- ``data``: any object with ``factor_sizes`` (K ints), ``sample_factors(n, rng) -> (n, K)``
  int64 and ``render(factors, rng)``, such as :class:`vaebook.data.dsprites.DSprites`.

Defaults are scaled down for the CPU; disentanglement_lib uses 10,000 training and 5,000
evaluation points of batches of 64 (and 10,000 points for FactorVAE's global variances).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression

from vaebook.checks import InputTypeError, check_callable, check_int, check_number
from vaebook.metrics._checks import check_positive_int

__all__ = ["GroundTruthSampler", "beta_vae_score", "factor_vae_score"]

_CHUNK = 4096  # render and represent this many inputs at a time


class GroundTruthSampler(Protocol):
    factor_sizes: tuple[int, ...]

    def sample_factors(self, n: int, seed: np.random.Generator) -> np.ndarray: ...

    def render(self, factors: np.ndarray, seed: np.random.Generator) -> Any: ...


def _check_sampler(data: object) -> int:
    for name in ("factor_sizes", "sample_factors", "render"):
        if not hasattr(data, name):
            raise InputTypeError(f"data must provide factor_sizes, sample_factors(n, rng) and "
                            f"render(factors, rng); {type(data).__name__} lacks {name!r}")
    sizes = tuple(data.factor_sizes)
    if len(sizes) < 2 or min(sizes) < 2:
        raise ValueError(f"need at least 2 factors with at least 2 values each, got {sizes}")
    return len(sizes)


def _represent(represent: Callable[[Any], Any], data: GroundTruthSampler, factors: np.ndarray,
               rng: np.random.Generator) -> np.ndarray:
    """Codes (n, D) of freshly rendered observations of the given factors."""
    out = []
    for start in range(0, len(factors), _CHUNK):
        chunk = factors[start:start + _CHUNK]
        codes = represent(data.render(chunk, rng))
        if isinstance(codes, torch.Tensor):
            codes = codes.detach().cpu().numpy()
        codes = np.asarray(codes, dtype=np.float64)
        if codes.ndim != 2 or len(codes) != len(chunk):
            raise ValueError(f"represent must return codes of shape ({len(chunk)}, D), got "
                             f"{codes.shape}")
        if not np.isfinite(codes).all():
            raise ValueError("represent returned NaN or infinite codes")
        out.append(codes)
    return np.concatenate(out)


def _beta_vae_features(represent: Callable[[Any], Any], data: GroundTruthSampler,
                       num_points: int, batch_size: int, rng: np.random.Generator
                       ) -> tuple[np.ndarray, np.ndarray]:
    num_factors = len(data.factor_sizes)
    labels = rng.integers(0, num_factors, size=num_points)
    n = num_points * batch_size
    f1 = data.sample_factors(n, rng)
    f2 = data.sample_factors(n, rng)
    rows, cols = np.arange(n), np.repeat(labels, batch_size)
    f2[rows, cols] = f1[rows, cols]  # each pair shares the point's factor
    diff = np.abs(_represent(represent, data, f1, rng) - _represent(represent, data, f2, rng))
    return diff.reshape(num_points, batch_size, -1).mean(axis=1), labels


def beta_vae_score(represent: Callable[[Any], Any], data: GroundTruthSampler, *,
                   batch_size: int = 64, num_train: int = 300, num_eval: int = 150,
                   seed: int = 0) -> float:
    """BetaVAE score (Higgins et al., 2017), as in disentanglement_lib.

    A point: pick a factor k, draw ``batch_size`` pairs of observations that share factor k
    (all else random) and average |r(x1) - r(x2)| over the pairs; the code that holds factor k
    then differs least. A logistic regression predicts k from these (D,) features; the score
    is its accuracy on ``num_eval`` fresh points (chance: 1 / K).
    """
    check_callable(represent, "represent")
    k = _check_sampler(data)
    check_int(seed, "seed", minimum=0)
    batch_size = check_positive_int(batch_size, "batch_size")
    num_train = check_positive_int(num_train, "num_train", minimum=2 * k)
    num_eval = check_positive_int(num_eval, "num_eval")
    rng = np.random.default_rng(seed)
    x_train, y_train = _beta_vae_features(represent, data, num_train, batch_size, rng)
    x_eval, y_eval = _beta_vae_features(represent, data, num_eval, batch_size, rng)
    if len(np.unique(y_train)) < 2:
        raise ValueError("all training points drew the same factor; raise num_train")
    model = LogisticRegression(max_iter=2000, random_state=seed).fit(x_train, y_train)
    return float(model.score(x_eval, y_eval))


def _factor_vae_votes(represent: Callable[[Any], Any], data: GroundTruthSampler,
                      num_points: int, batch_size: int, scale: np.ndarray,
                      rng: np.random.Generator) -> np.ndarray:
    """Votes (K, D_active): how often fixing factor k made active code j vary least."""
    num_factors = len(data.factor_sizes)
    labels = rng.integers(0, num_factors, size=num_points)
    f = data.sample_factors(num_points * batch_size, rng).reshape(num_points, batch_size, -1)
    points = np.arange(num_points)
    f[points[:, None], np.arange(batch_size)[None, :], labels[:, None]] = \
        f[points, 0, labels][:, None]  # the whole batch shares one value of factor k
    codes = _represent(represent, data, f.reshape(num_points * batch_size, -1), rng)
    local = codes.reshape(num_points, batch_size, -1).var(axis=1, ddof=1)
    winner = np.argmin(local / scale, axis=1)
    votes = np.zeros((num_factors, len(scale)), dtype=np.int64)
    np.add.at(votes, (labels, winner), 1)
    return votes


def factor_vae_score(represent: Callable[[Any], Any], data: GroundTruthSampler, *,
                     batch_size: int = 64, num_train: int = 300, num_eval: int = 150,
                     num_variance_estimate: int = 5000, prune_threshold: float = 0.05,
                     seed: int = 0) -> float:
    """FactorVAE score (Kim & Mnih, 2018), as in disentanglement_lib.

    Codes are divided by their global variance (estimated on ``num_variance_estimate`` points);
    codes with standard deviation below ``prune_threshold`` are dropped (this silently drops
    passive variables). A point: fix factor k over a batch and find the code with the smallest
    normalised variance. A majority vote (code -> factor) learnt on ``num_train`` points
    classifies ``num_eval`` fresh ones; the score is its accuracy (0 if no code survives).
    """
    check_callable(represent, "represent")
    k = _check_sampler(data)
    check_int(seed, "seed", minimum=0)
    batch_size = check_positive_int(batch_size, "batch_size", minimum=2)
    num_train = check_positive_int(num_train, "num_train", minimum=k)
    num_eval = check_positive_int(num_eval, "num_eval")
    num_variance_estimate = check_positive_int(num_variance_estimate, "num_variance_estimate",
                                               minimum=2)
    check_number(prune_threshold, "prune_threshold", minimum=0, expected="a number >= 0")
    rng = np.random.default_rng(seed)
    codes = _represent(represent, data, data.sample_factors(num_variance_estimate, rng), rng)
    variance = codes.var(axis=0, ddof=1)
    active = np.sqrt(variance) >= prune_threshold
    if not active.any():
        return 0.0

    def represent_active(x: Any) -> np.ndarray:
        out = represent(x)
        out = out.detach().cpu().numpy() if isinstance(out, torch.Tensor) else np.asarray(out)
        return out[:, active]

    scale = variance[active]
    train = _factor_vae_votes(represent_active, data, num_train, batch_size, scale, rng)
    classifier = np.argmax(train, axis=0)  # the factor each active code votes for
    evaluation = _factor_vae_votes(represent_active, data, num_eval, batch_size, scale, rng)
    return float(evaluation[classifier, np.arange(len(scale))].sum() / evaluation.sum())
