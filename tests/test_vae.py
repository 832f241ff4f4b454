import pytest
import torch

from vaebook import models


@pytest.fixture
def batch():
    torch.manual_seed(0)
    return (torch.rand(8, 1, 28, 28) > 0.5).float()


@pytest.mark.parametrize("shape, channels", [((1, 28, 28), (32, 64)), ((3, 32, 32), (8, 8, 16)),
                                             ((1, 64, 64), (8, 8, 8, 8))])
def test_shapes(shape, channels):
    vae = models.VAE(image_shape=shape, latent_dim=5, channels=channels, hidden_dim=32)
    x = torch.rand(3, *shape)
    out = vae(x)
    assert out.params.shape == (3, *shape)
    assert out.mu.shape == out.logvar.shape == out.z.shape == (3, 5)
    assert vae.sample(4).shape == (4, *shape)
    assert vae.reconstruct(x).shape == (3, *shape)
    terms = vae.loss(x)
    assert terms["kl_per_dim"].shape == (5,)
    assert torch.isclose(terms["elbo"], -(terms["rec"] + terms["kl"]))


def test_beta_weights_the_kl(batch):
    vae = models.VAE(beta=4.0)
    torch.manual_seed(1)
    terms = vae.loss(batch)
    assert torch.isclose(terms["loss"], terms["rec"] + 4.0 * terms["kl"])


@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
def test_a_gradient_step_lowers_the_loss_on_a_fixed_batch(batch, likelihood):
    torch.manual_seed(0)
    vae = models.VAE(latent_dim=4, channels=(8, 16), hidden_dim=32, likelihood=likelihood)
    opt = torch.optim.Adam(vae.parameters(), lr=1e-3)

    def loss():
        torch.manual_seed(123)  # the same noise each time: a fixed objective
        return vae.loss(batch)["loss"]

    before = loss()
    opt.zero_grad()
    before.backward()
    opt.step()
    assert loss().item() < before.item()


def test_config_rebuilds_the_model():
    vae = models.VAE(image_shape=(1, 32, 32), latent_dim=3, channels=(4, 4), beta=2.0)
    twin = models.VAE(**vae.config)
    assert twin.config == vae.config
    twin.load_state_dict(vae.state_dict())


@pytest.mark.parametrize("kwargs, match", [
    (dict(likelihood="poisson"), "likelihood must be one of"),
    (dict(beta=-1.0), "beta must be a non-negative"),
    (dict(latent_dim=0), "latent_dim must be a positive int"),
    (dict(image_shape=(1, 30, 30)), "divisible by 2\\*\\*len\\(channels\\) = 4"),
    (dict(channels=()), "channels must be a non-empty"),
    (dict(gaussian_std=0.0), "gaussian_std must be positive"),
])
def test_bad_configurations(kwargs, match):
    with pytest.raises(ValueError, match=match):
        models.VAE(**kwargs)


def test_bad_inputs():
    vae = models.VAE(latent_dim=4)
    with pytest.raises(ValueError, match=r"shape \(B, 1, 28, 28\)"):
        vae.encode(torch.rand(2, 1, 32, 32))
    with pytest.raises(TypeError, match="floating-point"):
        vae.encode(torch.ones(2, 1, 28, 28, dtype=torch.uint8))
    with pytest.raises(ValueError, match=r"values in \[0, 1\]"):
        vae.encode(torch.full((2, 1, 28, 28), 255.0))
    with pytest.raises(ValueError, match=r"z must be a tensor of shape \(B, 4\)"):
        vae.decode(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="n must be a positive int"):
        vae.sample(0)
