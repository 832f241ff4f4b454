"""The labelled/unlabelled split, the semi-supervised training loop and the evaluation."""

import math

import pytest
import torch

from vaebook.models.m2 import M2
from vaebook.models.shot_vae import SHOTVAE
from vaebook.semisupervised import (
    evaluate,
    iw_log_likelihood,
    split_labelled,
    train_classifier_only,
    train_semisupervised,
)

SHAPE = (1, 8, 8)


def _data(n=40):
    g = torch.Generator().manual_seed(0)
    y = torch.arange(n) % 4
    x = (torch.rand(n, *SHAPE, generator=g) > 0.5).float()
    x[:, 0, 0, :4] = torch.nn.functional.one_hot(y, 4).float()  # make the class learnable
    return x, y


def _model(cls=M2, **kw):
    torch.manual_seed(0)
    return cls(image_shape=SHAPE, num_classes=4, latent_dim=3, hidden_dims=(16,), **kw)


def test_split_labelled_per_class_partition_and_seed():
    _, y = _data()
    lab, unl = split_labelled(y, 3, seed=0)
    assert torch.bincount(y[lab]).tolist() == [3, 3, 3, 3]
    assert sorted(torch.cat([lab, unl]).tolist()) == list(range(40))
    again, _ = split_labelled(y, 3, seed=0)
    other, _ = split_labelled(y, 3, seed=1)
    assert torch.equal(lab, again) and not torch.equal(lab, other)


def test_split_labelled_bad_input():
    _, y = _data()
    with pytest.raises(ValueError, match="fewer than"):
        split_labelled(y, 11)
    with pytest.raises(ValueError, match="positive int"):
        split_labelled(y, 0)
    with pytest.raises(TypeError, match="int64"):
        split_labelled(y.float(), 2)


def test_evaluate_is_repeatable_and_in_range():
    m, (x, y) = _model(), _data()
    a, b = evaluate(m, x, y, batch_size=7), evaluate(m, x, y, batch_size=7)
    assert a == b and 0 <= a["accuracy"] <= 1 and a["elbo"] < 0
    with pytest.raises(TypeError, match="unlabelled_elbo"):
        evaluate(torch.nn.Linear(2, 2), x, y)


@pytest.mark.parametrize("cls", [M2, SHOTVAE])
def test_training_is_deterministic_and_learns(cls):
    x, y = _data()
    lab, unl = split_labelled(y, 2)
    runs = []
    for _ in range(2):
        m = _model(cls, alpha=10.0)
        before = evaluate(m, x, y)["elbo"]
        runs.append(train_semisupervised(m, x[lab], y[lab], x[unl], num_epochs=6, batch_size=8,
                                         unlabelled_batch_size=16, lr=3e-3, x_eval=x, y_eval=y,
                                         progress=False))
    hist = runs[0]
    assert hist == runs[1]
    assert hist["epoch"] == list(range(1, 7)) and hist["step"] == [2 * e for e in range(1, 7)]
    assert len(hist["accuracy"]) == len(hist["elbo"]) == len(hist["loss"]) == 6
    assert hist["elbo"][-1] > before and all(math.isfinite(v) for v in hist["loss"])


def test_training_bad_input():
    m, (x, y) = _model(), _data()
    with pytest.raises(ValueError, match="num_epochs"):
        train_semisupervised(m, x, y, x, num_epochs=0)
    with pytest.raises(ValueError, match="both x_eval and y_eval"):
        train_semisupervised(m, x, y, x, x_eval=x)
    with pytest.raises(ValueError, match="x_unl must have shape"):
        train_semisupervised(m, x, y, torch.rand(4, 1, 4, 4))
    with pytest.raises(ValueError, match="lr"):
        train_semisupervised(m, x, y, x, lr=0.0)


def test_eval_steps_record_a_finer_curve_without_changing_training():
    x, y = _data()
    lab, unl = split_labelled(y, 2)
    kw = dict(num_epochs=2, batch_size=8, unlabelled_batch_size=16, lr=3e-3, x_eval=x, y_eval=y,
              progress=False)
    plain = train_semisupervised(_model(alpha=10.0), x[lab], y[lab], x[unl], **kw)
    fine = train_semisupervised(_model(alpha=10.0), x[lab], y[lab], x[unl], eval_steps=[3, 0, 1],
                                **kw)
    assert fine["eval_step"] == [0, 1, 3]
    assert len(fine["eval_accuracy"]) == len(fine["eval_elbo"]) == 3
    assert {k: v for k, v in fine.items() if not k.startswith("eval_")} == plain
    with pytest.raises(ValueError, match="needs x_eval"):
        train_semisupervised(_model(), x[lab], y[lab], x[unl], eval_steps=[1])
    with pytest.raises(ValueError, match="non-negative ints"):
        train_semisupervised(_model(), x[lab], y[lab], x[unl], x_eval=x, y_eval=y, eval_steps=[-1])


def test_train_classifier_only_learns_from_labels():
    x, y = _data()
    m = _model()
    before = float((m.classify(x).argmax(1) == y).float().mean())
    train_classifier_only(m, x, y, num_steps=60, batch_size=20, lr=1e-2)
    after = float((m.classify(x).argmax(1) == y).float().mean())
    assert after == 1.0 and after > before and not m.training
    with pytest.raises(ValueError, match="num_steps"):
        train_classifier_only(m, x, y, num_steps=0)
    with pytest.raises(TypeError, match="classify"):
        train_classifier_only(torch.nn.Linear(2, 2), x, y)


def _iw_model():
    m = _model()
    with torch.no_grad():  # a posterior that is not the true one, so the bound has room to tighten
        m.logvar_head.bias.fill_(-1.0)
    return m


def test_iw_log_likelihood_at_one_sample_is_the_elbo_with_y_summed_out():
    m, (x, _) = _iw_model(), _data(12)
    iw = iw_log_likelihood(m, x, num_samples=1, batch_size=5, seed=3)
    # the same z: the generator is seeded alike and draws one (1, B, D) block per batch
    g = torch.Generator().manual_seed(3)
    expected = []
    with torch.no_grad():
        for start in range(0, 12, 5):
            xb = x[start:start + 5]
            mu, logvar, _ = m.infer(xb)
            eps = torch.randn((1,) + tuple(mu.shape), generator=g)[0]
            z = mu + torch.exp(0.5 * logvar) * eps
            log_q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar)).log_prob(z).sum(1)
            log_pz = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(1)
            per_class = torch.stack([
                -torch.nn.functional.binary_cross_entropy_with_logits(
                    m.decode(z, torch.nn.functional.one_hot(torch.full((len(xb),), k), 4).float()),
                    xb, reduction="none").flatten(1).sum(1) for k in range(4)], 1)
            expected.append(torch.logsumexp(per_class, 1) - math.log(4) + log_pz - log_q)
    assert iw.shape == (12,)
    assert torch.allclose(iw, torch.cat(expected), atol=1e-4)


def test_iw_log_likelihood_bounds_the_elbo_and_tightens_with_k():
    m, (x, _) = _iw_model(), _data(40)
    elbo = torch.stack([m.unlabelled_elbo(x, generator=torch.Generator().manual_seed(s))["elbo"]
                        for s in range(20)]).mean(0).detach()
    means = [float(torch.stack([iw_log_likelihood(m, x, num_samples=k, seed=s) for s in range(5)]
                               ).mean()) for k in (1, 10, 100)]
    assert means[0] >= float(elbo.mean()) - 0.1          # y summed out: at least U(x) on average
    assert means[0] < means[1] < means[2]               # tighter with more samples
    assert torch.equal(iw_log_likelihood(m, x, 5, seed=1), iw_log_likelihood(m, x, 5, seed=1))


def test_iw_log_likelihood_bad_input():
    m, (x, _) = _iw_model(), _data(8)
    with pytest.raises(ValueError, match="num_samples"):
        iw_log_likelihood(m, x, num_samples=0)
    with pytest.raises(TypeError, match="M2-like"):
        iw_log_likelihood(torch.nn.Linear(2, 2), x)


def test_margin_parts_add_up_and_match_the_iw_bound():
    from vaebook.semisupervised import iw_class_log_likelihood, margin_parts

    model, (x, _) = _model(), _data(12)
    per_class = iw_class_log_likelihood(model, x, num_samples=30, seed=2)
    assert per_class.shape == (12, 4)
    summed = torch.logsumexp(per_class, 1) - math.log(4)
    torch.testing.assert_close(summed, iw_log_likelihood(model, x, num_samples=30, seed=2))
    parts = margin_parts(model, x, num_samples=30, seed=2)
    assert parts["y_part"] >= 0                                # a KL divergence
    assert parts["margin"] == pytest.approx(parts["y_part"] + parts["z_part"], abs=1e-4)
    assert parts["margin"] == pytest.approx(parts["log_px"] - parts["elbo"], abs=1e-4)
    with pytest.raises(ValueError):
        margin_parts(model, x, num_elbo_samples=0)
    with pytest.raises(TypeError):
        iw_class_log_likelihood(torch.nn.Linear(2, 2), x)
