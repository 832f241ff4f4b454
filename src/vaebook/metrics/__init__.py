"""Disentanglement and correlation metrics, computed as disentanglement_lib computes them.

Supervised metrics are plain functions of ``codes`` (N, D) and integer ``factors`` (N, K):
:func:`mig`, :func:`dci`, :func:`sap`, :func:`modularity`, :func:`explicitness`. The BetaVAE and
FactorVAE scores intervene on the factors, so they take a representation function and a
ground-truth sampler (:mod:`vaebook.metrics.intervention`). Unsupervised ones take codes only:
:func:`gaussian_total_correlation`, :func:`gaussian_wasserstein_correlation`,
:func:`mutual_information_score`, :func:`correlation_matrix`. :func:`all_scores` gives them all
for one representation.

Every function checks its input: (N, D) finite codes, at least 20 samples, integer factors
with the same N and no constant factor; otherwise it raises ValueError or TypeError.
"""

from vaebook.metrics.correlation import (
    correlation_matrix,
    covariance,
    gaussian_tc_from_cov,
    gaussian_total_correlation,
    gaussian_wasserstein_correlation,
    mean_abs_correlation,
)
from vaebook.metrics.information import (
    code_mutual_info_matrix,
    discretize,
    factor_entropies,
    mig,
    modularity,
    mutual_info_matrix,
    mutual_information_score,
)
from vaebook.metrics.intervention import GroundTruthSampler, beta_vae_score, factor_vae_score
from vaebook.metrics.predictive import (
    DCIResult,
    dci,
    explicitness,
    factor_scores,
    group_factor_values,
    sap,
    sap_score_matrix,
)
from vaebook.metrics.summary import SCORE_NAMES, all_scores

__all__ = [
    "discretize", "mutual_info_matrix", "factor_entropies", "mig", "modularity",
    "code_mutual_info_matrix", "mutual_information_score",
    "DCIResult", "dci", "group_factor_values", "sap_score_matrix", "sap", "explicitness",
    "factor_scores",
    "GroundTruthSampler", "beta_vae_score", "factor_vae_score",
    "covariance", "correlation_matrix", "mean_abs_correlation", "gaussian_tc_from_cov",
    "gaussian_total_correlation", "gaussian_wasserstein_correlation",
    "SCORE_NAMES", "all_scores",
]
