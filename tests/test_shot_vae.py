"""SHOT-VAE: the ramp, mixing, detached interpolation targets, the W2 term, the reductions to M2,
and the FULL = True CIFAR path (WRN trunk) on a tiny fake dataset."""

import math

import pytest
import torch

from vaebook.models.m2 import M2, one_hot
from vaebook.models.shot_vae import (
    SHOTVAE,
    interpolation_targets,
    mix,
    ramp,
    smooth_labels,
    soft_cross_entropy,
    w2_diag_gaussians,
)
from vaebook.models.wrn import WideResNet, shot_vae_cifar
from vaebook.semisupervised import evaluate, train_semisupervised

SHAPE = (1, 8, 8)


def _model(cls=SHOTVAE, **kw):
    torch.manual_seed(0)
    return cls(image_shape=SHAPE, num_classes=4, latent_dim=3, hidden_dims=(16,), alpha=2.0, **kw)


def _data(n=6):
    g = torch.Generator().manual_seed(1)
    x = (torch.rand(n, *SHAPE, generator=g) > 0.5).float()
    return x, torch.randint(0, 4, (n,), generator=g)


def test_ramp_schedule():
    assert ramp(0, 100, 2.0) == pytest.approx(2.0 * math.exp(-5))
    assert ramp(100, 100, 2.0) == ramp(500, 100, 2.0) == 2.0
    values = [ramp(s, 100) for s in range(0, 120, 10)]
    assert values == sorted(values)
    assert ramp(3, 0) == 1.0
    with pytest.raises(ValueError, match=">= 0"):
        ramp(-1, 10)


def test_mix_endpoints():
    a = torch.randn(5, 3)
    perm = torch.tensor([2, 0, 1, 4, 3])
    torch.testing.assert_close(mix(a, 1.0, perm), a)
    torch.testing.assert_close(mix(a, 0.0, perm), a[perm])
    torch.testing.assert_close(mix(a, 0.25, perm), 0.25 * a + 0.75 * a[perm])


def test_smooth_labels_mix_images_and_one_hots():
    x, y = _data()
    perm = torch.tensor([1, 0, 3, 2, 5, 4])
    x_hat, p_hat = smooth_labels(x, y, 4, 0.7, perm)
    torch.testing.assert_close(p_hat, 0.7 * one_hot(y, 4) + 0.3 * one_hot(y[perm], 4))
    torch.testing.assert_close(p_hat.sum(1), torch.ones(6))
    torch.testing.assert_close(x_hat, 0.7 * x + 0.3 * x[perm])


def test_interpolation_targets_endpoints_and_no_gradient():
    logits = torch.randn(5, 4, requires_grad=True)
    mu = torch.randn(5, 3, requires_grad=True)
    logvar = torch.randn(5, 3, requires_grad=True)
    perm = torch.tensor([4, 3, 2, 1, 0])
    for lam, idx in ((1.0, torch.arange(5)), (0.0, perm)):
        p, m, s = interpolation_targets(logits, mu, logvar, lam, perm)
        torch.testing.assert_close(p, logits.softmax(1)[idx].detach())
        torch.testing.assert_close(m, mu[idx].detach())
        torch.testing.assert_close(s, torch.exp(0.5 * logvar)[idx].detach())
        assert not (p.requires_grad or m.requires_grad or s.requires_grad)


def test_interpolation_loss_sends_no_gradient_into_targets():
    model, (x, _) = _model(), _data()
    logits = torch.randn(6, 4, requires_grad=True)
    mu, logvar = torch.randn(6, 3, requires_grad=True), torch.randn(6, 3, requires_grad=True)
    out = model.interpolation_loss(x, logits, mu, logvar, 0.4, torch.randperm(6))
    (out["ce"] + out["w2"]).backward()
    assert logits.grad is None and mu.grad is None and logvar.grad is None
    assert model.class_head.weight.grad.abs().max() > 0


def test_w2_between_diagonal_gaussians():
    mu1, s1 = torch.tensor([[0.0, 1.0]]), torch.tensor([[1.0, 2.0]])
    mu2, s2 = torch.tensor([[3.0, 1.0]]), torch.tensor([[1.0, 0.5]])
    torch.testing.assert_close(w2_diag_gaussians(mu1, s1, mu2, s2), torch.tensor([9.0 + 2.25]))
    assert w2_diag_gaussians(mu1, s1, mu1, s1).item() == 0.0
    # the geodesic point at lam is lam of the way in distance: W2 = (1 - lam) W2(end points)
    m, s = 0.3 * mu1 + 0.7 * mu2, 0.3 * s1 + 0.7 * s2
    d = w2_diag_gaussians(mu1, s1, mu2, s2).sqrt()
    torch.testing.assert_close(w2_diag_gaussians(m, s, mu1, s1).sqrt(), 0.7 * d)
    with pytest.raises(ValueError, match="same shape"):
        w2_diag_gaussians(mu1, s1, mu2, s2[:, :1])
    with pytest.raises(ValueError, match="standard deviations"):
        w2_diag_gaussians(mu1, -s1, mu2, s2)


def test_smooth_elbo_with_lam_one_is_m2_labelled_objective():
    model, (x, y) = _model(), _data()
    perm = torch.randperm(6)
    torch.manual_seed(3)
    smooth = model.smooth_elbo_loss(x, y, 1.0, perm)["loss"]
    torch.manual_seed(3)
    lab = model.labelled_elbo(x, one_hot(y, 4))
    m2 = -lab["elbo"].mean() + model.alpha * torch.nn.functional.cross_entropy(lab["logits"], y)
    torch.testing.assert_close(smooth, m2)


def test_shot_without_both_parts_is_m2():
    x, y = _data()
    m2, shot = _model(M2), _model(smooth=False, interpolate=False)
    torch.manual_seed(4)
    a = m2.loss(x, y, x)["loss"]
    torch.manual_seed(4)
    b = shot.loss(x, y, x)["loss"]
    torch.testing.assert_close(a, b)


def test_full_loss_runs_and_ramps():
    model, (x, y) = _model(ramp_steps=10), _data()
    torch.manual_seed(0)
    early = model.loss(x, y, x, step=0)
    assert {"loss", "ce", "ce_interp", "w2", "elbo_unl"} <= set(early)
    early["loss"].backward()
    assert math.isfinite(float(early["loss"].detach()))


def test_soft_cross_entropy_matches_hard_labels():
    logits, y = torch.randn(5, 4), torch.tensor([0, 1, 2, 3, 0])
    torch.testing.assert_close(soft_cross_entropy(logits, one_hot(y, 4)).mean(),
                               torch.nn.functional.cross_entropy(logits, y))


def test_bad_input():
    x, y = _data()
    with pytest.raises(ValueError, match=r"lam must be in \[0, 1\]"):
        mix(x, 1.5, torch.arange(6))
    with pytest.raises(ValueError, match="permutation"):
        mix(x, 0.5, torch.zeros(6, dtype=torch.int64))
    with pytest.raises(ValueError, match="perm must be an int64"):
        mix(x, 0.5, torch.arange(5))
    with pytest.raises(ValueError, match="Beta"):
        _model(smooth_beta=0.0)
    with pytest.raises(ValueError, match=">= 0"):
        _model(w2_weight=-1.0)
    with pytest.raises(ValueError, match=r"\(B, K\)"):
        soft_cross_entropy(torch.randn(3, 4), torch.randn(3, 5))
    with pytest.raises(ValueError, match="need logits"):
        interpolation_targets(torch.randn(3, 4), torch.randn(3, 2), torch.randn(3, 3), 0.5,
                              torch.arange(3))


def test_wide_resnet_28_2_size_and_errors():
    net = WideResNet(3, 28, 2)
    n_params = sum(p.numel() for p in net.parameters())
    assert 1.4e6 < n_params < 1.6e6  # WRN-28-2 has about 1.5M parameters
    assert net(torch.rand(2, 3, 32, 32)).shape == (2, 128)
    with pytest.raises(ValueError, match="6 n \\+ 4"):
        WideResNet(3, 27, 2)


def test_full_cifar_path_trains_on_a_tiny_fake_dataset():
    """The FULL = True path of Chapter 5, with a small WRN so that it runs in a second."""
    torch.manual_seed(0)
    x = torch.rand(24, 3, 32, 32)
    y = torch.arange(24) % 4
    model = shot_vae_cifar(num_classes=4, latent_dim=8, depth=10, widen_factor=1, ramp_steps=2)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[1])
    hist = train_semisupervised(model, x[:8], y[:8], x[8:], num_epochs=2, batch_size=4,
                                unlabelled_batch_size=8, optimizer=opt, scheduler=sched,
                                x_eval=x[:8], y_eval=y[:8], progress=False)
    assert hist["step"] == [2, 4] and len(hist["accuracy"]) == 2
    assert all(math.isfinite(v) for v in hist["loss"] + hist["elbo"])
    assert opt.param_groups[0]["lr"] == pytest.approx(0.001)
    assert 0 <= evaluate(model, x, y)["accuracy"] <= 1


def test_epsilon_smoothing_moves_the_target_towards_uniform():
    model, (x, y) = _model(smoothing="epsilon", label_smoothing=0.0, interpolate=False), _data()
    torch.manual_seed(3)
    hard = model.epsilon_smooth_loss(x, y)
    torch.manual_seed(3)
    m2 = model.smooth_elbo_loss(x, y, 1.0, torch.arange(6))
    torch.testing.assert_close(hard["loss"], m2["loss"])  # eps = 0 is M2's labelled objective
    model.label_smoothing = 0.2
    torch.manual_seed(3)
    soft = model.epsilon_smooth_loss(x, y)
    logits = model.classify(x)
    p_hat = 0.8 * one_hot(y, 4) + 0.05
    torch.testing.assert_close(soft["ce"], soft_cross_entropy(logits, p_hat).mean())
    torch.manual_seed(5)
    assert torch.isfinite(model.loss(x, y, x)["loss"])


def test_smoothing_option_bad_input():
    with pytest.raises(ValueError, match="smoothing must be one of"):
        _model(smoothing="uniform")
    with pytest.raises(ValueError):
        _model(label_smoothing=1.5)


def test_consistency_only_trains_the_classifier_and_nothing_else():
    model = _model(smooth=False, interpolate=True, elbo=False, ramp_steps=0)
    x, y = _data()
    out = model.loss(x, y, x, step=5)
    assert set(out) == {"loss", "ce", "ce_interp"}
    out["loss"].backward()
    assert all(p.grad is None or not p.grad.any() for p in model.decoder.parameters())
    assert any(p.grad is not None and p.grad.any() for p in model.parameters())
    # with the ramp at its max the loss is alpha (CE + consistency)
    assert float(out["loss"].detach()) == pytest.approx(2.0 * float(out["ce"] + out["ce_interp"]), rel=1e-5)
    for bad in (dict(smooth=True, interpolate=True), dict(smooth=False, interpolate=False)):
        with pytest.raises(ValueError, match="elbo=False"):
            _model(elbo=False, **bad)
    with pytest.raises(TypeError):
        _model(elbo="no")
