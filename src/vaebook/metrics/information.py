"""Metrics built on discrete mutual information: MIG, modularity and the MI score.

Codes are discretised as disentanglement_lib does: each dimension into ``num_bins`` equal-width
bins between its minimum and maximum (20 bins by default). Mutual information and entropies are
in nats, from scikit-learn's ``mutual_info_score`` on the discrete labels.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import mutual_info_score

from vaebook.metrics._checks import (
    check_codes,
    check_codes_factors,
    check_factors,
    check_positive_int,
)

__all__ = ["discretize", "mutual_info_matrix", "factor_entropies", "mig", "modularity",
           "code_mutual_info_matrix", "mutual_information_score"]


def discretize(codes: np.ndarray, num_bins: int = 20) -> np.ndarray:
    """Equal-width histogram bins per dimension. codes: (N, D) -> (N, D) int64 in [1, num_bins]."""
    c = check_codes(codes, min_samples=1)
    num_bins = check_positive_int(num_bins, "num_bins", minimum=2)
    out = np.empty(c.shape, dtype=np.int64)
    for i in range(c.shape[1]):
        edges = np.histogram(c[:, i], bins=num_bins)[1]
        out[:, i] = np.digitize(c[:, i], edges[:-1])
    return out


def _mi_table(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """MI between every column of a (N, P) and of b (N, Q), both discrete: (P, Q) in nats."""
    return np.array([[mutual_info_score(a[:, i], b[:, j]) for j in range(b.shape[1])]
                     for i in range(a.shape[1])])


def mutual_info_matrix(codes: np.ndarray, factors: np.ndarray, num_bins: int = 20) -> np.ndarray:
    """I(code_i; factor_k) for discretised codes. codes: (N, D), factors: (N, K) -> (D, K)."""
    c, f = check_codes_factors(codes, factors)
    return _mi_table(discretize(c, num_bins), f)


def factor_entropies(factors: np.ndarray) -> np.ndarray:
    """H(factor_k) in nats. factors: (N, K) integer labels -> (K,)."""
    f = check_factors(factors)
    return np.array([mutual_info_score(f[:, k], f[:, k]) for k in range(f.shape[1])])


def mig(codes: np.ndarray, factors: np.ndarray, num_bins: int = 20) -> float:
    """Mutual information gap (Chen et al., 2018), as in disentanglement_lib.

    For each factor, the gap between the two codes that know most about it, divided by the
    factor's entropy; averaged over factors. 1: each factor lives in exactly one code; 0: the
    best code is no better than the second best. codes: (N, D), D >= 2; factors: (N, K).
    """
    c, f = check_codes_factors(codes, factors, min_dims=2)
    m = _mi_table(discretize(c, num_bins), f)
    top = np.sort(m, axis=0)[::-1]
    return float(np.mean((top[0] - top[1]) / factor_entropies(f)))


def modularity(codes: np.ndarray, factors: np.ndarray, num_bins: int = 20) -> float:
    """Modularity (Ridgeway & Mozer, 2018), as in disentanglement_lib.

    For each code i with mutual informations m_ik: 1 - (sum_k m_ik^2 - max_k m_ik^2) /
    (max_k m_ik^2 (K - 1)); 1 when the code depends on one factor only, 0 for a code that
    knows nothing. Averaged over codes. codes: (N, D); factors: (N, K), K >= 2.
    """
    c, f = check_codes_factors(codes, factors, min_factors=2)
    sq = _mi_table(discretize(c, num_bins), f) ** 2
    top = sq.max(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = 1.0 - (sq.sum(axis=1) - top) / (top * (sq.shape[1] - 1))
    score[top == 0] = 0.0
    return float(np.mean(score))


def code_mutual_info_matrix(codes: np.ndarray, num_bins: int = 20) -> np.ndarray:
    """I(code_i; code_j) between discretised codes. codes: (N, D) -> (D, D), diagonal H(code_i)."""
    d = discretize(check_codes(codes), num_bins)
    return _mi_table(d, d)


def mutual_information_score(codes: np.ndarray, num_bins: int = 20) -> float:
    """Mean mutual information between distinct pairs of discretised codes (disentanglement_lib's
    unsupervised "mutual_info_score"); 0 for independent codes. codes: (N, D), D >= 2."""
    c = check_codes(codes, min_dims=2)
    m = code_mutual_info_matrix(c, num_bins)
    d = m.shape[0]
    return float((m.sum() - np.trace(m)) / (d * d - d))
