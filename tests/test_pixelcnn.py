"""Masked convolutions, PixelCNN decoders with an explicit receptive field, and their VAE."""

import pytest
import torch

from vaebook.models.pixelcnn import (
    MaskedConv2d,
    PixelCNNDecoder,
    PixelVAE,
    discretized_logistic_mixture_log_likelihood,
    sample_discretized_logistic_mixture,
    visible_pixels,
)

SHAPE = (1, 12, 12)


def _visible(decoder: PixelCNNDecoder, i: int, j: int, seed: int = 0) -> torch.Tensor:
    """Which input pixels the output at (i, j) depends on: a (C, H, W) boolean map from gradients."""
    torch.manual_seed(seed)
    c, h, w = decoder.image_shape
    x = torch.rand(1, c, h, w, requires_grad=True)
    z = torch.randn(1, decoder.latent_dim)
    decoder(x, z)[0, :, i, j].sum().backward()
    return x.grad[0].abs() > 0


def _causal_region(h: int, w: int, i: int, j: int) -> torch.Tensor:
    rows = torch.arange(h)[:, None].expand(h, w)
    cols = torch.arange(w)[None, :].expand(h, w)
    return (rows < i) | ((rows == i) & (cols < j))


@pytest.mark.parametrize("mask_type", ["A", "B"])
def test_masked_conv_sees_only_the_past(mask_type):
    torch.manual_seed(0)
    conv = MaskedConv2d(2, 3, 5, mask_type)
    x = torch.randn(1, 2, 9, 9, requires_grad=True)
    conv(x)[0, :, 4, 4].sum().backward()
    seen = x.grad[0].abs().sum(0) > 0
    allowed = _causal_region(9, 9, 4, 4)
    allowed[4, 4] = mask_type == "B"
    window = torch.zeros(9, 9, dtype=torch.bool)
    window[2:7, 2:7] = True
    assert torch.equal(seen, allowed & window)


@pytest.mark.parametrize("context", [1, 2, 3, "full"])
def test_decoder_is_causal_at_every_pixel(context):
    dec = PixelCNNDecoder(SHAPE, latent_dim=2, context=context, hidden_channels=8, full_layers=2)
    _, h, w = SHAPE
    for i, j in [(0, 0), (0, 5), (3, 0), (6, 6), (11, 11)]:
        seen = _visible(dec, i, j)[0]
        assert not (seen & ~_causal_region(h, w, i, j)).any(), f"pixel ({i}, {j}) sees its future"


@pytest.mark.parametrize("context", [1, 2, 3])
def test_visible_pixel_count_equals_receptive_field(context):
    dec = PixelCNNDecoder(SHAPE, latent_dim=2, context=context, hidden_channels=8)
    seen = _visible(dec, 6, 6)[0]
    assert int(seen.sum()) == visible_pixels(context) == {1: 4, 2: 12, 3: 24}[context]
    # the visible set is exactly the causal half of the (2l+1) x (2l+1) window
    window = torch.zeros_like(seen)
    window[6 - context:6 + context + 1, 6 - context:6 + context + 1] = True
    assert torch.equal(seen, window & _causal_region(12, 12, 6, 6))


def test_factorised_decoder_sees_no_pixel_and_full_sees_most_of_the_past():
    factorised = PixelCNNDecoder(SHAPE, latent_dim=2, context=0, hidden_channels=8)
    assert int(_visible(factorised, 6, 6).sum()) == 0
    full = PixelCNNDecoder(SHAPE, latent_dim=2, context="full", hidden_channels=8, full_layers=3)
    seen_full = int(_visible(full, 11, 6).sum())
    assert seen_full > visible_pixels(3)
    assert seen_full > 0.5 * int(_causal_region(12, 12, 11, 6).sum())


def test_all_contexts_share_the_latent_pathway_and_head():
    names = {c: {n for n, _ in PixelCNNDecoder(SHAPE, 2, c).named_parameters()
                 if not n.startswith("pixels.")} for c in (0, 1, 3, "full")}
    assert names[0] == names[1] == names[3] == names["full"]


@pytest.mark.parametrize("context", [2, "full"])
def test_cropped_rows_give_the_same_parameters(context):
    """sample() evaluates only the rows that can reach a pixel; that must not change its params."""
    torch.manual_seed(1)
    dec = PixelCNNDecoder(SHAPE, latent_dim=2, context=context, hidden_channels=8, full_layers=2)
    x, z = torch.rand(2, *SHAPE), torch.randn(2, 2)
    full_pass = dec(x, z)
    feats = dec.z_features(z)
    for i in range(SHAPE[1]):
        top = max(0, i - dec.reach)
        cropped = dec.combine(x[:, :, top:i + 1], feats[:, :, top:i + 1])[:, :, -1]
        torch.testing.assert_close(cropped, full_pass[:, :, i])


def test_discretized_logistic_sums_to_one_over_256_levels():
    torch.manual_seed(0)
    k = 3
    params = torch.randn(4, 3 * k, 1, 1) * 2  # 4 random mixtures (one pixel each)
    params[:, 2 * k:] = torch.linspace(-6, 1, 4 * k).view(4, k, 1, 1)  # log scales, narrow to wide
    levels = torch.arange(256, dtype=torch.float32) / 255
    x = levels.view(256, 1, 1, 1).repeat_interleave(4, 0)  # every level for every mixture
    logp = discretized_logistic_mixture_log_likelihood(params.repeat(256, 1, 1, 1), x, k)
    total = torch.logsumexp(logp.view(256, 4), dim=0).exp()
    torch.testing.assert_close(total, torch.ones(4), atol=1e-4, rtol=0)


def test_discretized_logistic_prefers_the_level_at_its_mean_and_samples_levels():
    params = torch.zeros(1, 3, 1, 1)
    params[0, 1] = torch.atanh(torch.tensor(0.2))  # mean 0.2 in [-1, 1], i.e. level ~153
    params[0, 2] = -4.0
    levels = torch.arange(256, dtype=torch.float32).view(256, 1, 1, 1) / 255
    logp = discretized_logistic_mixture_log_likelihood(params.expand(256, -1, -1, -1), levels, 1)
    assert abs(int(logp.argmax()) - 153) <= 1
    gen = torch.Generator().manual_seed(0)
    s = sample_discretized_logistic_mixture(params.expand(500, -1, -1, -1), 1, 1, gen)
    assert torch.allclose(s * 255, (s * 255).round())
    assert abs(float(s.mean()) - 0.6) < 0.02


def test_discretized_logistic_gradient_stays_finite_for_a_very_wide_component():
    # a component so wide that its two CDF values round to the same float: its log-probability
    # of a middle level is clamped, and the gradient is finite for every level (it was NaN for
    # the extreme levels, where torch.where picks the tail branch, and trained models diverged)
    k = 2
    params = torch.zeros(3, 3 * k, 1, 1)
    params[:, 2 * k] = 30.0  # log scale of the first component: exp(30) wide
    params.requires_grad_(True)
    x = torch.tensor([0.0, 128 / 255, 1.0]).view(3, 1, 1, 1)  # both tails and a middle level
    logp = discretized_logistic_mixture_log_likelihood(params, x, k)
    logp.sum().backward()
    assert torch.isfinite(logp).all() and torch.isfinite(params.grad).all()

def test_vae_loss_and_exact_sampling():
    torch.manual_seed(0)
    x = (torch.rand(6, *SHAPE) > 0.5).float()
    for likelihood in ("bernoulli", "logistic_mixture"):
        vae = PixelVAE(SHAPE, latent_dim=2, context=1, likelihood=likelihood, num_mixtures=2,
                       hidden_channels=8, encoder_channels=(4, 8), encoder_hidden=16)
        terms = vae.loss(x, kl_weight=0.5)
        assert terms["kl_per_dim"].shape == (2,)
        torch.testing.assert_close(terms["loss"], terms["rec"] + 0.5 * terms["kl"])
        terms["loss"].backward()
        gen = torch.Generator().manual_seed(0)
        s = vae.sample(3, generator=gen)
        assert s.shape == (3, *SHAPE) and s.min() >= 0 and s.max() <= 1
        assert torch.equal(vae.sample(3, generator=torch.Generator().manual_seed(0)), s)
    assert set(PixelVAE(**vae.config).state_dict()) == set(vae.state_dict())


@pytest.mark.parametrize("context", [1, "full"])
def test_sampling_draws_each_pixel_from_its_own_conditional(context):
    """Replaying the sampler's uniforms against one full pass over the finished sample recovers
    every pixel: x_i = [u_i < p(x_i = 1 | x_<i, z)], i.e. sampling is exact ancestral sampling."""
    torch.manual_seed(0)
    vae = PixelVAE(SHAPE, latent_dim=2, context=context, hidden_channels=8, full_layers=2,
                   encoder_channels=(4, 8), encoder_hidden=16)
    z = torch.randn(5, 2)
    x = vae.sample(z, generator=torch.Generator().manual_seed(3))
    replay = torch.Generator().manual_seed(3)
    _, h, w = SHAPE
    u = torch.zeros_like(x)
    for i in range(h):
        for j in range(w):
            u[:, :, i:i + 1, j:j + 1] = torch.rand((5, 1, 1, 1), generator=replay)
    with torch.no_grad():
        p = torch.sigmoid(vae.decoder(x, z))
    assert 0.05 < float(x.mean()) < 0.95  # a non-trivial sample
    assert torch.equal(x, (u < p).float())


@pytest.mark.parametrize("kwargs, match", [
    (dict(context=-1), "context must be"),
    (dict(context="wide"), "context must be"),
    (dict(context=1.5), "context must be"),
    (dict(likelihood="gaussian"), "likelihood must be one of"),
    (dict(image_shape=(1, 10, 10)), "divisible by 4"),
    (dict(hidden_channels=0), "hidden_channels must be a positive int"),
    (dict(full_layers=-1), "full_layers must be a non-negative int"),
])
def test_bad_configurations_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PixelCNNDecoder(**{"image_shape": SHAPE, "latent_dim": 2, **kwargs})


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="mask_type"):
        MaskedConv2d(1, 1, 3, "C")
    with pytest.raises(ValueError, match="odd"):
        MaskedConv2d(1, 1, 4, "A")
    with pytest.raises(ValueError, match="no closed-form"):
        visible_pixels("full")
    dec = PixelCNNDecoder(SHAPE, latent_dim=2, context=1)
    with pytest.raises(ValueError, match="shape \\(B, 2\\)"):
        dec(torch.rand(2, *SHAPE), torch.randn(2, 3))
    with pytest.raises(ValueError, match="same batch size"):
        dec(torch.rand(2, *SHAPE), torch.randn(3, 2))
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        dec(torch.rand(2, *SHAPE) + 1, torch.randn(2, 2))
    with pytest.raises(ValueError, match="256-level"):
        discretized_logistic_mixture_log_likelihood(torch.zeros(1, 3, 2, 2),
                                                    torch.full((1, 1, 2, 2), 0.5001), 1)
    with pytest.raises(ValueError, match="params must have shape"):
        discretized_logistic_mixture_log_likelihood(torch.zeros(1, 6, 2, 2),
                                                    torch.zeros(1, 1, 2, 2), 1)
    vae = PixelVAE(SHAPE, latent_dim=2, context=1, encoder_channels=(4, 8), encoder_hidden=16)
    with pytest.raises(ValueError, match="kl_weight"):
        vae.loss(torch.rand(2, *SHAPE), kl_weight=-1.0)
    with pytest.raises(ValueError, match="positive"):
        vae.sample(0)
