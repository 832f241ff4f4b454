import math

import numpy as np
import pytest
import torch
from scipy.stats import norm

from vaebook.models.family import (
    FAMILY,
    AnnealedVAELoss,
    BetaTCVAELoss,
    BetaVAELoss,
    DIPVAELoss,
    dip_regularizer,
    dsprites_vae,
    family_loss,
    total_correlation_mws,
)
from vaebook.train import fit


def small_vae(seed=0):
    return dsprites_vae(latent_dim=4, channels=(8, 8), hidden_dim=32, seed=seed)


def batch(n=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(n, 1, 32, 32, generator=g) > 0.7).float()


def test_dsprites_vae_shapes_and_seeding():
    model = dsprites_vae(seed=1)
    assert model.config["channels"] == (32, 32, 64, 64) and model.latent_dim == 10
    mu, logvar = model.encode(batch(3))
    assert mu.shape == logvar.shape == (3, 10)
    other = dsprites_vae(seed=1)
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), other.parameters(), strict=True))


def test_beta_vae_with_beta_one_is_the_vae_loss():
    model, x = small_vae(), batch()
    torch.manual_seed(3)
    ours = BetaVAELoss(beta=1.0)(model, x)
    torch.manual_seed(3)
    ref = model.loss(x)
    for key in ("loss", "rec", "kl", "elbo"):
        assert torch.allclose(ours[key], ref[key]), key
    torch.manual_seed(3)
    four = BetaVAELoss(beta=4.0)(model, x)
    assert torch.allclose(four["loss"], four["rec"] + 4 * four["kl"])


def _tc_mws_reference(z, mu, logvar, n):
    """Chen et al.'s MWS estimate written with scipy densities and explicit loops."""
    m, d = z.shape
    sd = np.exp(0.5 * logvar)
    out = []
    for i in range(m):
        dens = norm.pdf(z[i][None, :], mu, sd)  # (M, D): q(z_id | x_j)
        log_qz = math.log(np.prod(dens, axis=1).sum() / (n * m))
        log_prod = sum(math.log(dens[:, k].sum() / (n * m)) for k in range(d))
        out.append(log_qz - log_prod)
    return float(np.mean(out))


def test_total_correlation_mws_matches_a_direct_computation():
    g = np.random.default_rng(0)
    mu, logvar = g.normal(size=(5, 3)), g.normal(scale=0.3, size=(5, 3))
    z = mu + np.exp(0.5 * logvar) * g.normal(size=(5, 3))
    got = total_correlation_mws(*(torch.tensor(a) for a in (z, mu, logvar)), dataset_size=100)
    assert float(got) == pytest.approx(_tc_mws_reference(z, mu, logvar, 100), rel=1e-9)


def test_total_correlation_mws_of_one_shared_posterior():
    # every example has the same posterior: each log q is log q(.|x) - log N, so TC = (D-1) log N
    mu, logvar = torch.zeros(8, 4), torch.zeros(8, 4)
    z = torch.randn(8, 4)
    assert float(total_correlation_mws(z, mu, logvar, 1000)) == pytest.approx(3 * math.log(1000))


def test_beta_tc_vae_with_beta_one_is_the_elbo_and_reports_tc():
    model, x = small_vae(), batch()
    torch.manual_seed(0)
    out = BetaTCVAELoss(beta=1.0, dataset_size=1000)(model, x)
    assert torch.allclose(out["loss"], out["rec"] + out["kl"])
    torch.manual_seed(0)
    out6 = BetaTCVAELoss(beta=6.0, dataset_size=1000)(model, x)
    assert torch.allclose(out6["loss"], out6["rec"] + out6["kl"] + 5 * out6["tc"])


def test_annealed_capacity_schedule_and_loss():
    model, x = small_vae(), batch()
    loss_fn = AnnealedVAELoss(c_max=10.0, gamma=100.0, num_steps=4)
    caps = []
    for _ in range(6):
        out = loss_fn(model, x)
        caps.append(float(out["capacity"]))
        assert torch.allclose(out["loss"], out["rec"] + 100 * (out["kl"] - out["capacity"]).abs())
    assert caps == [0.0, 2.5, 5.0, 7.5, 10.0, 10.0]
    model.eval()
    with torch.no_grad():
        loss_fn(model, x)
    assert loss_fn.step == 6  # evaluation does not advance the schedule


def test_dip_regularizer_known_answers():
    mu = torch.tensor([[1.0, 1.0], [-1.0, -1.0]])  # Cov(mu) = [[1, 1], [1, 1]]
    logvar = torch.zeros(2, 2)  # sigma^2 = 1 adds 1 to the diagonal for DIP-VAE-II
    assert float(dip_regularizer(mu, logvar, 3.0, 7.0, "i")) == pytest.approx(3 * 2)
    assert float(dip_regularizer(mu, logvar, 3.0, 7.0, "ii")) == pytest.approx(3 * 2 + 7 * 2)
    assert DIPVAELoss(lambda_od=2.0, kind="i").lambda_d == 20.0
    assert DIPVAELoss(lambda_od=2.0, kind="ii").lambda_d == 2.0


@pytest.mark.parametrize("name,hyper", [
    ("beta_vae", dict(beta=4.0)),
    ("beta_tc_vae", dict(beta=6.0, dataset_size=1000)),
    ("annealed_vae", dict(c_max=5.0, gamma=10.0, num_steps=10)),
    ("dip_vae_i", dict(lambda_od=5.0)),
    ("dip_vae_ii", dict(lambda_od=5.0)),
])
def test_a_gradient_step_lowers_each_objective(name, hyper):
    model, x = small_vae(), batch(32)
    loss_fn = family_loss(name, **hyper)
    opt = torch.optim.SGD(model.parameters(), lr=1e-4)
    torch.manual_seed(0)
    before = loss_fn(model, x)["loss"]
    opt.zero_grad()
    before.backward()
    opt.step()
    if hasattr(loss_fn, "step"):
        loss_fn.step = 0  # same capacity as before the step
    torch.manual_seed(0)  # same reparameterisation noise
    after = loss_fn(model, x)["loss"]
    assert after.item() < before.item()


def test_fit_accepts_a_family_loss():
    x = batch(32)
    hist = fit(small_vae(), x, loss_fn=BetaTCVAELoss(beta=4.0, dataset_size=32), num_epochs=2,
               batch_size=16, progress=False)
    assert set(hist) >= {"loss", "rec", "kl", "tc"} and len(hist["tc"]) == 2
    assert all(math.isfinite(v) for v in hist["loss"])


def test_family_registry():
    assert set(FAMILY) == {"beta_vae", "beta_tc_vae", "annealed_vae", "dip_vae_i", "dip_vae_ii"}
    assert family_loss("dip_vae_ii", lambda_od=1.0).kind == "ii"


def test_bad_input_errors():
    with pytest.raises(ValueError, match="beta must be >= 0"):
        BetaVAELoss(beta=-1.0)
    with pytest.raises(TypeError, match="beta must be a number"):
        BetaVAELoss(beta="4")
    with pytest.raises(ValueError, match="dataset_size must be a positive int"):
        BetaTCVAELoss(dataset_size=0)
    with pytest.raises(ValueError, match="num_steps must be a positive int"):
        AnnealedVAELoss(num_steps=0)
    with pytest.raises(ValueError, match="kind must be 'i' or 'ii'"):
        DIPVAELoss(kind="iii")
    with pytest.raises(ValueError, match="unknown VAE family member"):
        family_loss("factor_vae")
    with pytest.raises(TypeError, match="model must be a vaebook VAE"):
        BetaVAELoss()(torch.nn.Linear(2, 2), batch(2))
    with pytest.raises(ValueError, match="dataset_size must be an int >= the batch size"):
        total_correlation_mws(torch.zeros(4, 2), torch.zeros(4, 2), torch.zeros(4, 2), 3)
    with pytest.raises(ValueError, match="share one shape"):
        total_correlation_mws(torch.zeros(4, 2), torch.zeros(4, 3), torch.zeros(4, 2), 10)
    with pytest.raises(ValueError, match="B >= 2"):
        dip_regularizer(torch.zeros(1, 2), torch.zeros(1, 2), 1.0, 1.0)
    with pytest.raises(ValueError, match=r"shape \(B, 1, 32, 32\)"):
        BetaVAELoss()(small_vae(), torch.rand(2, 1, 28, 28))
