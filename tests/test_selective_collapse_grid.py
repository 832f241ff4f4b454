"""Chapter 7's grid: a run's evaluation, paired betas, and the claims' statistics on known cases."""

import math

import numpy as np
import pytest
import torch

from vaebook import designs, metrics
from vaebook.experiments import grids
from vaebook.experiments import selective_collapse as sc

GRID = grids.SELECTIVE_COLLAPSE


def _quick(beta: float) -> dict:
    return dict(GRID.config(f"beta{beta:g}"), num_epochs=1, eval_epochs=[1], train_size=640)


def test_a_run_records_what_chapter_7_reads():
    result = sc.run(_quick(8.0), 3)
    ev = result.evaluation
    assert set(ev["by_epoch"]) == {"1"}
    assert sorted(ev["labels"]) == sorted(["active"] * int(ev["active"]) + ["mixed"] * int(
        ev["mixed"]) + ["passive"] * int(ev["passive"]))
    assert len(ev["m"]) == len(ev["s"]) == len(ev["var_by_scale"]) == 10
    assert all(len(row) == 6 for row in ev["var_by_scale"])
    for key in ("tc_gap_all", "tc_gap_kept", "scale_all_trees", "mig_mean_all", "sap_sampled_all",
                "dci_mean_all", "r2_scale_passive", "corr_mean_passive_given_scale",
                "tc_mean_passive_given_factors"):
        assert key in ev, key
    assert ev["tc_gap_all"] == pytest.approx(ev["tc_mean_all"] - ev["tc_sampled_all"])
    assert len(result.history["rec"]) == 1
    assert set(result.state_dict) == set(sc.dsprites_vae(
        latent_dim=10, image_shape=(1, 32, 32), **sc.ARCH).state_dict())


def test_every_beta_of_one_seed_starts_from_the_same_weights():
    from vaebook.seeding import Streams, init_module

    def initial(seed):
        model = sc.dsprites_vae(latent_dim=10, image_shape=(1, 32, 32), **sc.ARCH)
        return init_module(model, Streams(seed), "init/model").state_dict()

    a, b, c = initial(4), initial(4), initial(5)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_grid_config_is_checked():
    with pytest.raises(ValueError, match="config must be a dict"):
        sc.run(dict(beta=8.0), 0)
    with pytest.raises(ValueError, match="eval_epochs"):
        sc.run(dict(_quick(8.0), eval_epochs=[2]), 0)
    with pytest.raises(ValueError, match="beta"):
        sc.run(dict(_quick(8.0), beta=-1.0), 0)


def test_partial_correlation_removes_a_shared_factor():
    rng = np.random.default_rng(0)
    scale = rng.integers(0, 6, size=(4000, 1))
    codes = scale * np.array([[0.3, -0.2, 0.1]]) + 0.05 * rng.normal(size=(4000, 3))
    assert metrics.mean_abs_correlation(codes) > 0.9
    assert metrics.mean_abs_correlation(sc._residual(codes, scale)) < 0.05


def test_tree_readout_reads_a_nonlinear_factor_the_linear_one_cannot():
    rng = np.random.default_rng(1)
    f = rng.integers(0, 10, size=(3000, 1))
    codes = np.cos(f * 2 * np.pi / 10) + 0.01 * rng.normal(size=(3000, 1))  # not monotone in f
    codes = np.concatenate([codes, np.sin(f * 2 * np.pi / 10) ** 2], axis=1)
    half = 1500
    lin = metrics.factor_scores(codes[:half], f[:half], codes[half:], f[half:], categorical=())
    trees = metrics.factor_scores(codes[:half], f[:half], codes[half:], f[half:], categorical=(),
                                  readout="trees")
    assert trees["0"] > 0.95 > lin["0"]
    with pytest.raises(ValueError, match="readout"):
        metrics.factor_scores(codes, f, codes, f, readout="svm")


def _record(**overrides) -> dict:
    ev = dict(active=3.0, mixed=1.0, passive=6.0, tc_mean_all=4.0, tc_sampled_all=0.5,
              tc_mean_active=0.10, tc_sampled_active=0.09, **{"tc_mean_active+mixed": 1.0},
              mig_mean_active=0.30, mig_sampled_active=0.28, dci_mean_active=0.5,
              dci_sampled_active=0.47, sap_mean_active=0.1, sap_sampled_active=0.12,
              tc_gap_all=3.5, tc_gap_kept=0.7, corr_sampled_passive=0.01,
              **{f"{f}_{v}{r}": s for f, s0 in zip(("shape", "scale", "orientation", "posX",
                                                    "posY"), (0.5, 0.8, 0.1, 0.9, 0.9), strict=True)
                 for v, s in (("all", s0), ("kept", s0 - 0.02)) for r in ("", "_trees")})
    ev.update(overrides)
    return {"beta8": ev}


def test_statistics_on_known_records():
    s = designs.STATISTICS
    rec = _record()
    assert s["selective_collapse/tc_log_ratio"](rec) == pytest.approx(math.log(8))
    assert s["selective_collapse/few_active"](rec) == pytest.approx(0.2)
    assert s["selective_collapse/rest_passive"](rec) == pytest.approx(6 / 7 - 0.5)
    assert s["selective_collapse/active_tc_equal"](rec) == pytest.approx(0.1 - 0.01 / 3.5)
    assert s["selective_collapse/active_scores_equal"](rec) == pytest.approx(0.05 - 0.03)
    assert s["selective_collapse/passive_gap_share"](rec) == pytest.approx(0.8 - 0.5)
    assert s["selective_collapse/passive_sampled_uncorrelated"](rec) == pytest.approx(0.04)
    assert s["selective_collapse/removal_lowers_tc"](rec) == pytest.approx(0.75)
    assert s["selective_collapse/removal_costless"](rec) == pytest.approx(0.03)
    # one active variable: 003-c reads the active and mixed ones
    one = _record(active=1.0, **{"tc_mean_active+mixed": 0.4, "tc_sampled_active+mixed": 0.1})
    assert s["selective_collapse/active_tc_equal"](one) == pytest.approx(0.1 - 0.3 / 3.5)
    # no active and mixed pair left after removal: TC 0, all of it removed
    none = _record(**{"tc_mean_active+mixed": float("nan")})
    assert s["selective_collapse/removal_lowers_tc"](none) == 1.0
    with pytest.raises(ValueError, match="corr_sampled_passive"):
        s["selective_collapse/passive_sampled_uncorrelated"](
            _record(corr_sampled_passive=None))
