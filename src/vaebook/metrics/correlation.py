"""Correlation between codes, without labels: Gaussian total correlation, Gaussian Wasserstein
correlation and correlation matrices (disentanglement_lib's ``unsupervised_metrics``)."""

from __future__ import annotations

import numpy as np
import scipy.linalg

from vaebook.checks import InputTypeError, check_bool
from vaebook.metrics._checks import check_codes

__all__ = ["covariance", "correlation_matrix", "mean_abs_correlation", "gaussian_tc_from_cov",
           "gaussian_total_correlation", "gaussian_wasserstein_correlation"]


def covariance(codes: np.ndarray) -> np.ndarray:
    """Sample covariance of the codes (ddof=1). codes: (N, D) -> (D, D)."""
    return np.atleast_2d(np.cov(check_codes(codes), rowvar=False))


def _check_variances(var: np.ndarray) -> None:
    if (var <= 0).any():
        dims = np.flatnonzero(var <= 0).tolist()
        raise ValueError(f"code dimensions {dims} have zero variance: correlation is undefined "
                         f"for a constant code; drop them")


def correlation_matrix(codes: np.ndarray) -> np.ndarray:
    """Pearson correlations between codes. codes: (N, D), no constant column -> (D, D)."""
    cov = covariance(codes)
    sd = np.sqrt(np.diag(cov))
    _check_variances(sd)
    return np.clip(cov / np.outer(sd, sd), -1.0, 1.0)


def mean_abs_correlation(codes: np.ndarray) -> float:
    """Mean |correlation| over distinct pairs of codes. codes: (N, D), D >= 2."""
    corr = correlation_matrix(check_codes(codes, min_dims=2))
    d = corr.shape[0]
    return float((np.abs(corr).sum() - d) / (d * d - d))


def gaussian_tc_from_cov(cov: np.ndarray) -> float:
    """Total correlation of N(0, cov): 1/2 (sum_i log cov_ii - log det cov) =
    KL(N(0, cov) || N(0, diag cov)), in nats; 0 iff cov is diagonal. cov: (D, D) SPD."""
    if isinstance(cov, __import__("torch").Tensor):
        cov = cov.detach().cpu().numpy()
    if not isinstance(cov, (np.ndarray, list, tuple)):
        raise InputTypeError(f"cov must be a (D, D) numpy array, got {type(cov).__name__}")
    try:
        cov = np.asarray(cov, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputTypeError("cov must hold real numbers (a (D, D) matrix)") from None
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1]:
        raise ValueError(f"cov must be a square (D, D) matrix, got shape {cov.shape}")
    if not np.isfinite(cov).all() or not np.allclose(cov, cov.T):
        raise ValueError("cov must be finite and symmetric")
    _check_variances(np.diag(cov))
    sign, logdet = np.linalg.slogdet(cov)
    if sign <= 0:
        raise ValueError("cov is singular or not positive definite (codes linearly dependent, "
                         "or fewer samples than dimensions)")
    return float(0.5 * (np.sum(np.log(np.diag(cov))) - logdet))


def gaussian_total_correlation(codes: np.ndarray) -> float:
    """Total correlation of a Gaussian fitted to the codes (see :func:`gaussian_tc_from_cov`).

    Scale-invariant: it equals -1/2 log det of the correlation matrix, so nearly constant codes
    count as fully as the others. codes: (N, D) with N > D.
    """
    c = check_codes(codes)
    if len(c) <= c.shape[1]:
        raise ValueError(f"need more samples than dimensions for a covariance, got N={len(c)}, "
                         f"D={c.shape[1]}")
    return gaussian_tc_from_cov(covariance(c))


def gaussian_wasserstein_correlation(codes: np.ndarray, normalize: bool = False) -> float:
    """Squared 2-Wasserstein distance between N(0, cov) and N(0, diag cov):
    2 tr(cov) - 2 tr(sqrtm(diag(cov) cov)); 0 iff cov is diagonal. Unlike the TC it is in the
    codes' units (squared); ``normalize`` divides by tr(cov). codes: (N, D)."""
    normalize = check_bool(normalize, "normalize")
    cov = covariance(codes)
    _check_variances(np.diag(cov))
    root = scipy.linalg.sqrtm(np.diag(cov)[:, None] * cov)
    value = float(2 * np.trace(cov) - 2 * np.real(np.trace(root)))
    value = max(value, 0.0)  # rounding can leave a tiny negative number for diagonal cov
    return value / float(np.trace(cov)) if normalize else value
