"""Chapter 6's grid: a run's evaluation in grey and colour, and its input checks."""

import numpy as np
import pytest
import torch

from vaebook import metrics
from vaebook.experiments import disentanglement_metrics as dm
from vaebook.experiments import grids

GRID = grids.DISENTANGLEMENT_METRICS


def _quick(arm: str) -> dict:
    return dict(GRID.config(arm), num_epochs=1, eval_epochs=[1], train_size=256)


@pytest.mark.parametrize("arm", ["beta4", "beta4_colour"])
def test_a_run_records_what_chapter_6_reads(arm):
    result = dm.run(_quick(arm), 3)
    ev = result.evaluation
    assert set(ev["by_epoch"]) == {"1"}
    assert list(ev["scores"]) == list(metrics.SCORE_NAMES)
    assert len(ev["var"]) == len(ev["mean_std"]) == len(ev["mi"]) == 10
    assert all(len(row) == 5 for row in ev["mi"])
    assert ev["rec"] > 0 and ev["kl"] >= 0
    assert ("colour_r2" in ev) == (arm == "beta4_colour")
    if arm == "beta4_colour":
        assert len(ev["colour_r2"]) == 10 and ev["colour_r2_all"] <= 1
    assert len(result.history["rec"]) == 1


def test_grey_and_colour_arms_see_the_same_factors():
    _, _, _, f_grey = dm.data(False, train_size=8, eval_size=50)
    _, _, x_colour, f_colour = dm.data(True, train_size=8, eval_size=50)
    assert np.array_equal(f_grey, f_colour)
    assert x_colour.shape == (50, 3, 32, 32)


def test_all_scores_of_a_perfect_and_a_noise_code():
    from vaebook.data.dsprites import DSprites

    ds = DSprites(size=32)
    factors = ds.sample_factors(1000, np.random.default_rng(0))
    rng = np.random.default_rng(1)

    def perfect(f):
        return f + 0.01 * rng.normal(size=f.shape)

    class Factors:  # observations are the factors themselves
        factor_sizes = ds.factor_sizes

        def sample_factors(self, n, r):
            return ds.sample_factors(n, r)

        def render(self, f, r):
            return f

    sizes = dict(batch_size=16, num_train=60, num_eval=30)
    good = metrics.all_scores(perfect(factors), factors, perfect, Factors(), **sizes)
    noise = metrics.all_scores(rng.normal(size=factors.shape), factors,
                               lambda f: rng.normal(size=f.shape), Factors(), **sizes)
    assert good["MIG"] > 0.5 > 0.05 > noise["MIG"]
    assert good["BetaVAE"] > 0.9 and noise["BetaVAE"] < 0.5
    assert good["DCI-D"] > noise["DCI-D"] + 0.5


def test_bad_input_is_refused_clearly():
    with pytest.raises(ValueError, match="config must be a dict"):
        dm.run(dict(beta=4.0), 0)
    with pytest.raises(ValueError, match="eval_epochs"):
        dm.run(dict(_quick("beta4"), eval_epochs=[2]), 0)
    with pytest.raises(TypeError, match="color must be a bool"):
        dm.data("yes")
    ds, _, x_eval, f_eval = dm.data(False, train_size=8, eval_size=40)
    model = dm.dsprites_vae(image_shape=(1, 32, 32), **dm.ARCH)
    with pytest.raises(TypeError, match="vaebook VAE"):
        dm.evaluate(torch.nn.Linear(2, 2), ds, x_eval, f_eval)
    with pytest.raises(ValueError, match="one row of f_eval"):
        dm.evaluate(model, ds, x_eval, f_eval[:10])
    with pytest.raises(TypeError, match="runner record"):
        dm.load_run({"seed": 0})
