"""The labelled/unlabelled split, the semi-supervised training loop and the evaluation."""

import math

import pytest
import torch

from vaebook.models.m2 import M2
from vaebook.models.shot_vae import SHOTVAE
from vaebook.semisupervised import evaluate, split_labelled, train_semisupervised

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
