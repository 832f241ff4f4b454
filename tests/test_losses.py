import math

import pytest
import torch

from vaebook import losses


def test_kl_of_the_prior_is_zero():
    mu, logvar = torch.zeros(4, 3), torch.zeros(4, 3)
    assert torch.equal(losses.kl_standard_normal(mu, logvar), torch.zeros(4, 3))


def test_kl_matches_torch_distributions():
    torch.manual_seed(0)
    mu, logvar = torch.randn(5, 4), torch.randn(5, 4)
    q = torch.distributions.Normal(mu, (0.5 * logvar).exp())
    p = torch.distributions.Normal(torch.zeros(4), torch.ones(4))
    expected = torch.distributions.kl_divergence(q, p)
    assert torch.allclose(losses.kl_standard_normal(mu, logvar), expected, atol=1e-6)


def test_bernoulli_log_likelihood():
    logits = torch.zeros(2, 1, 2, 2)
    x = torch.tensor([0.0, 1.0, 1.0, 0.0]).repeat(2, 1).view(2, 1, 2, 2)
    ll = losses.bernoulli_log_likelihood(logits, x)
    assert ll.shape == (2,)
    assert torch.allclose(ll, torch.full((2,), 4 * math.log(0.5)))


def test_gaussian_log_likelihood():
    mean, x = torch.zeros(3, 5), torch.zeros(3, 5)
    ll = losses.gaussian_log_likelihood(mean, x, std=1.0)
    assert torch.allclose(ll, torch.full((3,), -2.5 * math.log(2 * math.pi)))
    expected = torch.distributions.Normal(0.3, 0.2).log_prob(torch.tensor(1.0)) * 5
    assert torch.allclose(losses.gaussian_log_likelihood(mean + 0.3, x + 1, 0.2), expected.repeat(3))


def test_reparameterize_statistics_and_gradient():
    mu = torch.full((20000, 1), 2.0, requires_grad=True)
    logvar = torch.full((20000, 1), math.log(0.25), requires_grad=True)
    z = losses.reparameterize(mu, logvar, generator=torch.Generator().manual_seed(0))
    assert abs(z.mean().item() - 2.0) < 0.02 and abs(z.std().item() - 0.5) < 0.02
    z.sum().backward()
    assert mu.grad is not None and logvar.grad is not None


def test_bad_inputs():
    with pytest.raises(ValueError, match="same shape"):
        losses.kl_standard_normal(torch.zeros(2, 3), torch.zeros(2, 4))
    with pytest.raises(ValueError, match=r"values in \[0, 1\]"):
        losses.bernoulli_log_likelihood(torch.zeros(2, 3), torch.full((2, 3), 2.0))
    with pytest.raises(ValueError, match="std must be positive"):
        losses.gaussian_log_likelihood(torch.zeros(2, 3), torch.zeros(2, 3), std=0.0)
    with pytest.raises(TypeError, match="torch tensors"):
        losses.kl_standard_normal([0.0], [0.0])
    with pytest.raises(ValueError, match="batch dimension"):
        losses.kl_standard_normal(torch.zeros(3), torch.zeros(3))
