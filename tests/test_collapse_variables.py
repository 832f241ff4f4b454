import numpy as np
import pytest
import torch

from vaebook import collapse
from vaebook.collapse.variables import (
    GROUPS,
    classify_variables,
    metric_on_subset,
    metrics_by_type,
    representations,
    restrict,
    sampled_representation,
)
from vaebook.models import VAE
from vaebook.utils import encode


def known_variances(n=1000):
    """Columns: active, passive, mixed (switches), mixed (half collapsed), active, passive."""
    g = np.random.default_rng(0)
    half = np.r_[np.full(n // 2, 0.01), np.full(n - n // 2, 1.0)]
    return np.stack([
        g.uniform(0.0, 0.05, n),
        g.uniform(0.95, 1.05, n),
        half,  # sigma^2 varies a lot across inputs: Var = 0.245 >= 0.1
        np.full(n, 0.5),  # stable but neither near 0 nor near 1
        np.full(n, 0.09),  # just under the active bound 0.1
        np.full(n, 0.92),  # just inside the passive range [0.9, 1.1]
    ], axis=1)


def test_classify_variables_known_answer():
    types = classify_variables(known_variances())
    assert types.active.tolist() == [0, 4]
    assert types.passive.tolist() == [1, 5]
    assert types.mixed.tolist() == [2, 3]
    assert types.labels == ["active", "passive", "mixed", "mixed", "active", "passive"]
    assert types.counts() == {"active": 2, "mixed": 2, "passive": 2}
    assert types.indices("active+mixed").tolist() == [0, 2, 3, 4]
    assert types.indices("all").tolist() == list(range(6))
    assert types.var_variance[2] == pytest.approx(0.245, abs=1e-3)


def test_classify_thresholds_are_parameters():
    v = known_variances()
    wide = classify_variables(v, passive_range=(0.4, 1.1))
    assert wide.passive.tolist() == [1, 3, 5]
    loose = classify_variables(v, variance_threshold=0.3, active_max=0.6)
    assert loose.active.tolist() == [0, 2, 3, 4] and loose.mixed.tolist() == []


def test_classify_accepts_torch_and_package_reexports():
    v = torch.tensor(known_variances(), dtype=torch.float32)
    assert collapse.classify_variables(v).active.tolist() == [0, 4]


def test_sampled_representation_is_seeded_and_has_the_right_noise():
    mu = np.tile([0.0, 3.0], (20000, 1))
    logvar = np.tile([0.0, -2 * np.log(10.0)], (20000, 1))  # sigma = 1 and 0.1
    s1 = sampled_representation(mu, logvar, seed=1)
    assert np.array_equal(s1, sampled_representation(mu, logvar, seed=1))
    assert not np.array_equal(s1, sampled_representation(mu, logvar, seed=2))
    assert s1.mean(0) == pytest.approx([0.0, 3.0], abs=0.03)
    assert s1.std(0) == pytest.approx([1.0, 0.1], rel=0.03)


def test_representations_of_a_model():
    torch.manual_seed(0)
    model = VAE(image_shape=(1, 16, 16), latent_dim=3, channels=(4,), hidden_dim=8)
    x = torch.rand(10, 1, 16, 16)
    reps = representations(model, x, seed=5, batch_size=4)
    mu, logvar = encode(model, x)
    assert reps.mean.shape == reps.sampled.shape == reps.variance.shape == (10, 3)
    assert np.allclose(reps.mean, mu, atol=1e-6)
    assert np.allclose(reps.variance, np.exp(logvar), rtol=1e-5)
    assert np.allclose(reps.sampled, sampled_representation(mu, logvar, seed=5))


def test_restrict_and_metric_on_subset():
    codes = np.arange(12.0).reshape(4, 3)
    assert restrict(codes, [2, 0]).tolist() == codes[:, [2, 0]].tolist()
    assert restrict(codes, []).shape == (4, 0)
    width = metric_on_subset(lambda c: c.shape[1], codes, [0, 2])
    assert width == 2.0
    assert np.isnan(metric_on_subset(lambda c: c.shape[1], codes, [1], min_variables=2))
    summed = metric_on_subset(lambda c, scale: scale * c.sum(), codes, [1], 2.0)
    assert summed == pytest.approx(2 * codes[:, 1].sum())


def test_metrics_by_type():
    v = known_variances(200)
    types = classify_variables(v)
    codes = np.random.default_rng(0).normal(size=(200, 6))
    table = metrics_by_type(codes, types, {"width": lambda c: c.shape[1]})
    assert list(table) == list(GROUPS)
    assert {g: table[g]["width"] for g in GROUPS} == {
        "all": 6.0, "active": 2.0, "mixed": 2.0, "passive": 2.0, "active+mixed": 4.0}
    one_passive = classify_variables(v[:, :5])  # passive: only variable 1
    assert np.isnan(metrics_by_type(codes[:, :5], one_passive, {"w": len})["passive"]["w"])


def test_bad_input_errors():
    v = known_variances(10)
    with pytest.raises(ValueError, match="non-negative"):
        classify_variables(-v)
    with pytest.raises(ValueError, match="at least 2 inputs"):
        classify_variables(v[:1])
    with pytest.raises(ValueError, match=r"shape \(N, D\)"):
        classify_variables(v[:, 0])
    with pytest.raises(ValueError, match="finite"):
        classify_variables(np.full((3, 2), np.nan))
    with pytest.raises(TypeError, match="numpy array or torch tensor"):
        classify_variables([[1.0, 2.0]])
    with pytest.raises(ValueError, match="active_max < passive_range"):
        classify_variables(v, active_max=0.95)
    with pytest.raises(ValueError, match="variance_threshold must be positive"):
        classify_variables(v, variance_threshold=0.0)
    with pytest.raises(ValueError, match=r"lie in \[0, 6\)"):
        restrict(v, [6])
    with pytest.raises(ValueError, match="distinct"):
        restrict(v, [1, 1])
    with pytest.raises(TypeError, match="1-D sequence of ints"):
        restrict(v, [0.5])
    with pytest.raises(ValueError, match="same shape"):
        sampled_representation(np.zeros((3, 2)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        sampled_representation(np.zeros((3, 2)), np.zeros((3, 2)), seed=-1)
    with pytest.raises(TypeError, match="metric must be callable"):
        metric_on_subset(3, v, [0])
    types = classify_variables(v)
    with pytest.raises(ValueError, match="describes 6"):
        metrics_by_type(v[:, :4], types, {"w": len})
    with pytest.raises(ValueError, match="group must be"):
        types.indices("sleepy")
