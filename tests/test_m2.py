"""M2: shapes, the two bounds and how they relate, the objective, bad input."""

import math

import pytest
import torch

from vaebook.models.m2 import M2, MLPDecoder, PixelDecoder, one_hot

SHAPE = (1, 8, 8)


def _model(**kw):
    torch.manual_seed(0)
    return M2(image_shape=SHAPE, num_classes=4, latent_dim=3, hidden_dims=(16,), **kw)


def _data(n=6):
    g = torch.Generator().manual_seed(1)
    x = (torch.rand(n, *SHAPE, generator=g) > 0.5).float()
    return x, torch.randint(0, 4, (n,), generator=g)


def test_shapes_and_config_rebuild():
    m, (x, y) = _model(), _data()
    mu, logvar, logits = m.infer(x)
    assert mu.shape == logvar.shape == (6, 3) and logits.shape == (6, 4)
    assert m.decode(mu, one_hot(y, 4)).shape == (6, *SHAPE)
    s = m.sample(y)
    assert s.shape == (6, *SHAPE) and s.min() >= 0 and s.max() <= 1
    assert M2(**m.config).config == m.config


def test_unlabelled_elbo_is_expected_labelled_elbo_plus_entropy():
    m, (x, _) = _model(), _data()
    unl = m.unlabelled_elbo(x, generator=torch.Generator().manual_seed(7))
    q = unl["logits"].softmax(1)
    lab = torch.stack([m.labelled_elbo(x, one_hot(torch.full((6,), k), 4),
                                       generator=torch.Generator().manual_seed(7))["elbo"]
                       for k in range(4)], dim=1)                           # (B, K), same z
    entropy = -(q * q.log()).sum(1)
    torch.testing.assert_close(unl["elbo"], (q * lab).sum(1) + entropy, rtol=1e-5, atol=1e-4)
    torch.testing.assert_close(unl["kl_y"], math.log(4) - entropy)
    assert (unl["elbo"] <= 0).all()  # a bound on log p(x) of binary images


def test_labelled_elbo_ignores_the_classifier():
    """The mechanism behind claim 002-b: L(x, y) has no gradient into q(y | x)."""
    m, (x, y) = _model(), _data()
    m.labelled_elbo(x, one_hot(y, 4))["elbo"].sum().backward()
    assert m.class_head.weight.grad is None or m.class_head.weight.grad.abs().max() == 0
    assert m.mu_head.weight.grad.abs().max() > 0


def test_loss_is_minus_bounds_plus_alpha_ce():
    m, (x, y) = _model(alpha=3.0), _data()
    torch.manual_seed(5)
    out = m.loss(x, y, x)
    expected = -out["elbo_lab"] - out["elbo_unl"] + 3.0 * out["ce"]
    torch.testing.assert_close(out["loss"].detach(), expected)
    out["loss"].backward()
    assert all(p.grad is not None for p in m.parameters())


def test_decoder_dims_sets_decoder_widths():
    m = M2(image_shape=SHAPE, num_classes=4, latent_dim=3, hidden_dims=(16,), decoder_dims=(5, 7))
    widths = [layer.out_features for layer in m.decoder.net if isinstance(layer, torch.nn.Linear)]
    assert widths == [5, 7, 64]
    assert M2(**m.config).config == m.config


def test_custom_decoder_is_used():
    dec = MLPDecoder(3 + 4, SHAPE, (8,))
    m = M2(image_shape=SHAPE, num_classes=4, latent_dim=3, hidden_dims=(16,), decoder=dec)
    assert m.decoder is dec


def test_bad_input():
    m, (x, y) = _model(), _data()
    with pytest.raises(ValueError, match="shape"):
        m.infer(torch.rand(2, 1, 28, 28))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        m.infer(x * 3)
    with pytest.raises(TypeError, match="int64"):
        m.loss(x, y.int(), x)
    with pytest.raises(ValueError, match="class indices"):
        m.loss(x, y + 10, x)
    with pytest.raises(ValueError, match="one label per image"):
        m.loss(x, y[:3], x)
    with pytest.raises(ValueError, match="probability"):
        m.labelled_elbo(x, torch.full((6, 4), 0.5))
    with pytest.raises(ValueError, match="y_prob must have shape"):
        m.labelled_elbo(x, torch.full((6, 3), 1 / 3))
    with pytest.raises(ValueError, match="alpha"):
        _model(alpha=-1.0)
    with pytest.raises(ValueError, match="image_shape"):
        M2(image_shape=(28, 28))
    with pytest.raises(TypeError, match="out_dim"):
        M2(image_shape=SHAPE, trunk=torch.nn.Flatten())


# ---- M2 with a pixel decoder (chapter 3's claim 000-d) ------------------------------------
def _pixel_model(context=1):
    torch.manual_seed(0)
    dec = PixelDecoder(3 + 4, SHAPE, (8,), context=context)
    return M2(image_shape=SHAPE, num_classes=4, latent_dim=3, hidden_dims=(16,), decoder=dec)


def test_pixel_decoder_is_causal_and_local():
    m, (x, y) = _pixel_model(context=1), _data(2)
    z = torch.randn(2, 3)
    base = m.decode(z, one_hot(y, 4), x)
    x2 = x.clone()
    x2[:, :, 4, 4] = 1 - x2[:, :, 4, 4]
    moved = (m.decode(z, one_hot(y, 4), x2) - base).abs().sum((0, 1)) > 0   # (H, W)
    assert not moved[:4].any() and not moved[4, :5].any()          # earlier pixels: unchanged
    assert moved[4, 5] and moved[5, 3:6].all()                      # its causal neighbours move
    assert not moved[6:].any() and not moved[5, :3].any()          # radius 1: nothing further


def test_pixel_decoder_with_no_context_ignores_the_pixels():
    m, (x, y) = _pixel_model(context=0), _data(3)
    z = torch.randn(3, 3)
    assert torch.equal(m.decode(z, one_hot(y, 4), x), m.decode(z, one_hot(y, 4), 1 - x))
    assert m.reads_pixels and not _model().reads_pixels


def test_pixel_decoder_bounds_and_samples():
    m, (x, y) = _pixel_model(), _data()
    out = m.unlabelled_elbo(x)
    assert out["elbo"].shape == (6,) and torch.isfinite(out["elbo"]).all()
    assert m.labelled_elbo(x, one_hot(y, 4))["rec"].shape == (6,)
    s1 = m.sample(y, generator=torch.Generator().manual_seed(3))
    s2 = m.sample(y, generator=torch.Generator().manual_seed(3))
    assert s1.shape == (6, *SHAPE) and torch.equal(s1, s2)
    assert set(s1.unique().tolist()) <= {0.0, 1.0}


def test_pixel_decoder_bad_input():
    m, (x, y) = _pixel_model(), _data()
    z = torch.randn(6, 3)
    with pytest.raises(ValueError, match="needs x"):
        m.decode(z, one_hot(y, 4))
    with pytest.raises(ValueError, match="batch size"):
        m.decoder(torch.cat([z, one_hot(y, 4)], 1), x[:3])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        m.decode(z, one_hot(y, 4), x * 3)
    with pytest.raises(ValueError, match="full"):
        PixelDecoder(7, SHAPE, context="full")
    with pytest.raises(ValueError, match="image_shape"):
        PixelDecoder(7, (8, 8))
    with pytest.raises(ValueError):
        PixelDecoder(7, SHAPE, context=-1)
