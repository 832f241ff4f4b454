"""Every score of :mod:`vaebook.metrics` for one representation, as one dict (chapter 6's table)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from vaebook.metrics.correlation import (
    gaussian_total_correlation,
    gaussian_wasserstein_correlation,
)
from vaebook.metrics.information import mig, modularity, mutual_information_score
from vaebook.metrics.intervention import GroundTruthSampler, beta_vae_score, factor_vae_score
from vaebook.metrics.predictive import DCIResult, dci, explicitness, sap

__all__ = ["SCORE_NAMES", "all_scores"]

SCORE_NAMES = ("MIG", "DCI-D", "DCI-C", "DCI-I", "SAP", "modularity", "explicitness", "BetaVAE",
               "FactorVAE", "TC", "W-corr", "MI score")


def all_scores(codes: np.ndarray, factors: np.ndarray, represent: Callable, data: GroundTruthSampler,
               *, seed: int = 0, dci_result: DCIResult | None = None, **sizes: int
               ) -> dict[str, float]:
    """The twelve scores of :data:`SCORE_NAMES` for one representation.

    codes: (N, D) finite codes; factors: (N, K) integer factor indices; represent and data: the
    representation function and ground-truth sampler of the BetaVAE and FactorVAE scores, whose
    ``sizes`` (batch_size, num_train, num_eval) are passed on; dci_result: a DCI already
    computed on (codes, factors), to save refitting it.
    """
    d, c, i, _ = dci_result if dci_result is not None else dci(codes, factors, seed=seed)
    return {
        "MIG": mig(codes, factors),
        "DCI-D": float(d), "DCI-C": float(c), "DCI-I": float(i),
        "SAP": sap(codes, factors, seed=seed),
        "modularity": modularity(codes, factors),
        "explicitness": explicitness(codes, factors, seed=seed),
        "BetaVAE": beta_vae_score(represent, data, seed=seed, **sizes),
        "FactorVAE": factor_vae_score(represent, data, seed=seed, **sizes),
        "TC": gaussian_total_correlation(codes),
        "W-corr": gaussian_wasserstein_correlation(codes),
        "MI score": mutual_information_score(codes),
    }
