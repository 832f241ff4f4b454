import numpy as np
import pytest
import torch
from torch import nn

from vaebook.collapse import (
    active_units,
    kl_per_dim,
    mean_variances,
    num_active_units,
    rate_distortion,
)
from vaebook.losses import kl_standard_normal
from vaebook.models.vae import VAE


class FixedPosterior(nn.Module):
    """A stand-in VAE whose posterior is known: dim 0 follows the mean pixel, dim 1 is the prior."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(4.0))

    def encode(self, x):
        m = x.flatten(1).mean(1, keepdim=True)
        mu = torch.cat([self.scale * (m - 0.5), torch.zeros_like(m)], 1)
        logvar = torch.cat([torch.full_like(m, -2.0), torch.zeros_like(m)], 1)
        return mu, logvar

    def loss(self, x):
        mu, logvar = self.encode(x)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        rec = (z[:, 0] ** 2).mean()  # a stand-in for -log p(x|z) that depends on the sample
        per_dim = kl_standard_normal(mu, logvar).mean(0)
        return dict(loss=rec + per_dim.sum(), rec=rec, kl=per_dim.sum(), kl_per_dim=per_dim)


def _images(n=64, seed=0):
    return torch.rand(n, 1, 4, 4, generator=torch.Generator().manual_seed(seed))


def test_kl_per_dim_matches_closed_form_and_finds_the_collapsed_dimension():
    model, x = FixedPosterior(), _images()
    kl = kl_per_dim(model, x, batch_size=10)
    mu, logvar = model.encode(x)
    expected = kl_standard_normal(mu, logvar).mean(0).detach().numpy()
    assert kl.shape == (2,)
    assert np.allclose(kl, expected, atol=1e-6)
    assert kl[1] == pytest.approx(0.0, abs=1e-9)  # the prior copied exactly: zero nats
    assert kl[0] > 0.5


def test_active_units_burda_criterion():
    rng = np.random.default_rng(0)
    mu = np.stack([rng.normal(0, 1.0, 500),  # varies a lot: active
                   rng.normal(3, 0.05, 500),  # variance 0.0025 < 0.01 even with a large mean
                   rng.normal(0, 0.2, 500)], 1)  # variance 0.04 > 0.01: active
    assert np.allclose(mean_variances(mu), mu.var(0))
    assert active_units(mu).tolist() == [True, False, True]
    assert num_active_units(mu) == 2
    assert num_active_units(torch.from_numpy(mu)) == 2
    assert num_active_units(mu, threshold=0.1) == 1  # the threshold is a parameter
    assert num_active_units(mu, threshold=0.0) == 3


def test_rate_distortion_is_seeded_and_leaves_global_rng_alone():
    model, x = FixedPosterior(), _images()
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = rate_distortion(model, x, batch_size=16, seed=1)
    after = torch.rand(1)
    assert torch.equal(before, after)
    b = rate_distortion(model, x, batch_size=16, seed=1)
    c = rate_distortion(model, x, batch_size=16, seed=2)
    assert a["distortion"] == b["distortion"] and a["distortion"] != c["distortion"]
    assert a["rate"] == pytest.approx(float(kl_per_dim(model, x).sum()), rel=1e-5)
    assert a["neg_elbo"] == pytest.approx(a["rate"] + a["distortion"])
    assert np.allclose(a["kl_per_dim"], kl_per_dim(model, x), atol=1e-5)


def test_rate_distortion_of_a_vae_agrees_with_its_loss():
    torch.manual_seed(0)
    vae = VAE(latent_dim=3, channels=(4,), hidden_dim=8, image_shape=(1, 8, 8))
    x = (_images(32).repeat(1, 1, 2, 2) > 0.5).float()
    rd = rate_distortion(vae, x, batch_size=32)
    with torch.random.fork_rng(), torch.no_grad():
        torch.manual_seed(0)
        vae.eval()
        terms = vae.loss(x)
    assert rd["distortion"] == pytest.approx(float(terms["rec"]), rel=1e-5)
    assert rd["rate"] == pytest.approx(float(terms["kl"]), rel=1e-5)
    assert rd["kl_per_dim"].shape == (3,)


def test_bad_inputs_raise_clear_errors():
    model, x = FixedPosterior(), _images()
    with pytest.raises(ValueError, match="shape \\(N, D\\)"):
        active_units(np.zeros(5))
    with pytest.raises(ValueError, match="NaN or inf"):
        active_units(np.array([[0.0, np.nan], [1.0, 2.0]]))
    with pytest.raises(TypeError, match="numpy array or torch tensor"):
        active_units([[0.0], [1.0]])
    with pytest.raises(ValueError, match="threshold"):
        active_units(np.zeros((4, 2)), threshold=-1)
    with pytest.raises(TypeError, match="lacks encode"):
        kl_per_dim(nn.Linear(2, 2), x)
    with pytest.raises(TypeError, match="lacks loss"):
        rate_distortion(nn.Linear(2, 2), x)
    with pytest.raises(ValueError, match="\\[0, 1\\]"):
        rate_distortion(model, x + 1.0)
    with pytest.raises(ValueError, match="batch_size"):
        rate_distortion(model, x, batch_size=0)
