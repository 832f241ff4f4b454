"""Chapter 2's grid: paired initial weights, the config checks and a quick run."""

import pytest
import torch

from vaebook.experiments import grids
from vaebook.experiments import representations as rp

GRID = grids.REPRESENTATIONS


def test_autoencoder_and_every_beta_start_from_the_same_encoder_and_decoder():
    ae = rp.build(GRID.config("autoencoder"), 7).state_dict()
    b1 = rp.build(GRID.config("beta1"), 7).state_dict()
    b16 = rp.build(GRID.config("beta16"), 7).state_dict()
    other = rp.build(GRID.config("beta1"), 8).state_dict()
    assert all(torch.equal(b1[k], b16[k]) for k in b1)
    assert set(ae) < set(b1) and all(torch.equal(ae[k], b1[k]) for k in ae)
    assert any(k.startswith("encoder.logvar") for k in set(b1) - set(ae))
    assert not all(torch.equal(b1[k], other[k]) for k in b1)


def test_a_short_run_logs_the_held_out_terms_and_describes_mean_and_sample():
    config = dict(GRID.config("beta1"), num_epochs=2, eval_every=1)
    result = rp.run(config, 3)
    h, ev = result.history, result.evaluation
    assert h["test_epoch"] == [1, 2] and len(h["test_rate"]) == len(h["loss"]) == 2
    assert h["test_rate"][-1] == pytest.approx(ev["rate"])
    for prefix in ("mean", "sample"):
        assert 0.1 < ev[f"{prefix}_linear"] <= 1
        assert len(ev[f"{prefix}_test_by_C"]) == len(ev[f"{prefix}_cv_by_C"])
        assert len(ev[f"{prefix}_few"]) == len(rp.NUM_LABELS)
    assert len(ev["kl_per_dim"]) == rp.LATENT_DIM and 0 <= ev["active"] <= rp.LATENT_DIM


def test_config_is_checked():
    with pytest.raises(ValueError, match="model must be one of"):
        rp.run(dict(model="gan"), 0)
    with pytest.raises(ValueError, match="needs 'eval_every'"):
        rp.run(dict(model="vae", beta=1.0, num_epochs=1, batch_size=128, lr=1e-3), 0)
    with pytest.raises(ValueError, match="num_epochs"):
        rp.run(dict(GRID.config("beta1"), num_epochs=-1), 0)
    with pytest.raises(ValueError, match="seed"):
        rp.build(GRID.config("beta1"), -1)
    with pytest.raises(TypeError, match="runner record"):
        rp.load_run([])
