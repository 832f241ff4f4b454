import numpy as np
import pytest
import torch

from vaebook.probes import (
    C_GRID,
    check_features,
    cv_linear_probe,
    few_label_curve,
    knn_probe,
    linear_probe,
)


def _separable(n=600, k=4, d=6, seed=0):
    """Well-separated class clusters: every probe should be perfect."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % k
    centres = 10.0 * rng.standard_normal((k, d))
    z = centres[y] + 0.1 * rng.standard_normal((n, d))
    half = n // 2
    return z[:half], y[:half], z[half:], y[half:]


def _noise(n=2000, k=4, d=8, seed=1):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, size=n)
    z = rng.standard_normal((n, d))
    half = n // 2
    return z[:half], y[:half], z[half:], y[half:]


@pytest.mark.parametrize("probe", [linear_probe, knn_probe])
def test_separable_scores_one(probe):
    assert probe(*_separable()) == 1.0


@pytest.mark.parametrize("probe", [linear_probe, knn_probe])
def test_noise_scores_about_chance(probe):
    acc = probe(*_noise())
    assert abs(acc - 0.25) < 0.06  # chance 1/4; SE about 0.014 on 1,000 test points


def test_accepts_torch_and_matches_numpy():
    zt, yt, zs, ys = _noise(n=400)
    a = linear_probe(zt, yt, zs, ys)
    b = linear_probe(torch.from_numpy(zt).float(), torch.from_numpy(yt), torch.from_numpy(zs),
                     torch.from_numpy(ys))
    assert abs(a - b) < 0.02


def test_probe_reads_signal_from_one_dimension_among_noise():
    zt, yt, zs, ys = _noise(n=1000, k=2)
    zt[:, 3] += 4.0 * yt  # only dimension 3 carries the label
    zs[:, 3] += 4.0 * ys
    assert linear_probe(zt, yt, zs, ys) > 0.95
    assert linear_probe(np.delete(zt, 3, 1), yt, np.delete(zs, 3, 1), ys) < 0.65


def test_bad_inputs_raise_clear_errors():
    zt, yt, zs, ys = _separable()
    with pytest.raises(ValueError, match="rows but y_train has"):
        linear_probe(zt, yt[:-1], zs, ys)
    with pytest.raises(ValueError, match="rows but y_test has"):
        knn_probe(zt, yt, zs[:-1], ys)
    with pytest.raises(ValueError, match="features but z_test has"):
        linear_probe(zt, yt, zs[:, :3], ys)
    bad = zt.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or inf"):
        linear_probe(bad, yt, zs, ys)
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="NaN or inf"):
        knn_probe(bad, yt, zs, ys)
    with pytest.raises(ValueError, match="only one class"):
        linear_probe(zt, np.zeros_like(yt), zs, ys)
    with pytest.raises(ValueError, match="must be 2-D"):
        linear_probe(zt.reshape(len(zt), 2, 3), yt, zs, ys)
    with pytest.raises(ValueError, match="y_train must be 1-D"):
        linear_probe(zt, yt[:, None], zs, ys)
    with pytest.raises(ValueError, match="integer class labels"):
        linear_probe(zt, yt + 0.5, zs, ys)
    with pytest.raises(TypeError, match="numpy array or torch tensor"):
        linear_probe("z", yt, zs, ys)
    with pytest.raises(ValueError, match="k must be a positive int"):
        knn_probe(zt, yt, zs, ys, k=0)
    with pytest.raises(ValueError, match="exceeds"):
        knn_probe(zt[:3], yt[:3], zs, ys, k=5)
    with pytest.raises(ValueError, match="max_iter"):
        linear_probe(zt, yt, zs, ys, max_iter=0)


def test_check_features_converts_torch_to_float64():
    z = check_features(torch.ones(3, 2, dtype=torch.float32))
    assert z.dtype == np.float64 and z.shape == (3, 2)


def test_few_label_curve_shapes_spread_and_determinism():
    zt, yt, zs, ys = _noise(n=800)
    zt[:, 0] += 1.5 * yt  # a weak signal: more labels should help on average
    zs[:, 0] += 1.5 * ys
    out = few_label_curve(zt, yt, zs, ys, (1, 50), num_draws=4, seed=3)
    assert out["accuracy"].shape == (2, 4)
    assert list(out["num_labels"]) == [4, 200]
    assert np.allclose(out["mean"], out["accuracy"].mean(1))
    assert out["std"][0] > 0  # different draws give different probes
    assert out["mean"][1] > out["mean"][0]
    again = few_label_curve(zt, yt, zs, ys, (1, 50), num_draws=4, seed=3)
    assert np.array_equal(out["accuracy"], again["accuracy"])


def test_few_label_curve_total_labels_and_knn():
    zt, yt, zs, ys = _separable()
    out = few_label_curve(zt, yt, zs, ys, (4, 10), per_class=False, probe="knn", num_draws=2)
    assert list(out["num_labels"]) == [4, 10]
    assert np.all(out["accuracy"] == 1.0)  # one label per class is enough when separable


def test_few_label_curve_bad_inputs():
    zt, yt, zs, ys = _separable()
    with pytest.raises(ValueError, match="probe must be one of"):
        few_label_curve(zt, yt, zs, ys, (1,), probe="svm")
    with pytest.raises(ValueError, match="positive ints"):
        few_label_curve(zt, yt, zs, ys, (0, 5))
    with pytest.raises(ValueError, match="cannot draw"):
        few_label_curve(zt, yt, zs, ys, (1000,))
    with pytest.raises(ValueError, match="at least 2"):
        few_label_curve(zt, yt, zs, ys, (1,), per_class=False)
    with pytest.raises(ValueError, match="num_draws"):
        few_label_curve(zt, yt, zs, ys, (1,), num_draws=0)


@pytest.mark.parametrize("probe", [linear_probe, knn_probe])
def test_per_example_is_the_correctness_array_behind_the_accuracy(probe):
    zt, yt, zs, ys = _noise(n=600)
    zt[:, 0] += 2.0 * yt
    zs[:, 0] += 2.0 * ys
    right = probe(zt, yt, zs, ys, per_example=True)
    assert isinstance(right, np.ndarray) and right.shape == ys.shape and right.dtype == bool
    assert 0 < right.sum() < len(right)  # a partly readable label: some right, some wrong
    assert right.mean() == probe(zt, yt, zs, ys)
    assert probe(*_separable(), per_example=True).all()


def test_linear_probe_without_standardising_feels_the_feature_scale():
    zt, yt, zs, ys = _noise(n=1000, k=2)
    zt[:, 0] += 2.0 * yt
    zs[:, 0] += 2.0 * ys
    zt, zs = zt * 1e-3, zs * 1e-3  # tiny features: the L2 penalty swamps them unless standardised
    assert linear_probe(zt, yt, zs, ys) > 0.8
    assert linear_probe(zt, yt, zs, ys, standardize=False) < 0.65


@pytest.mark.parametrize("probe", [linear_probe, knn_probe])
def test_flags_must_be_booleans(probe):
    zt, yt, zs, ys = _separable()
    with pytest.raises(TypeError, match="per_example must be True or False"):
        probe(zt, yt, zs, ys, per_example="yes")
    with pytest.raises(TypeError, match="standardize must be True or False"):
        probe(zt, yt, zs, ys, standardize=1)


def test_cv_probe_chooses_c_on_training_labels_only():
    z_tr, y_tr, z_te, y_te = _separable()
    out = cv_linear_probe(z_tr, y_tr, z_te, y_te)
    assert out["accuracy"] == 1.0 and out["C"] in C_GRID
    assert len(out["cv"]) == len(out["test_by_C"]) == len(C_GRID)
    assert out["cv"][list(C_GRID).index(out["C"])] == max(out["cv"])
    # shuffling the test labels changes the test accuracy, never the chosen C
    shuffled = np.random.default_rng(0).permutation(y_te)
    assert cv_linear_probe(z_tr, y_tr, z_te, shuffled)["C"] == out["C"]
    z_tr, y_tr, z_te, y_te = _noise()
    assert abs(cv_linear_probe(z_tr, y_tr, z_te, y_te)["accuracy"] - 0.25) < 0.06


@pytest.mark.parametrize("kwargs, message", [
    (dict(Cs=()), "Cs must be"), (dict(Cs=(1.0, -1.0)), "Cs must be"),
    (dict(folds=1), "folds"), (dict(seed=-1), "seed")])
def test_cv_probe_bad_inputs(kwargs, message):
    z_tr, y_tr, z_te, y_te = _separable()
    with pytest.raises(ValueError, match=message):
        cv_linear_probe(z_tr, y_tr, z_te, y_te, **kwargs)


def test_cv_probe_needs_enough_labels_per_class_for_its_folds():
    z_tr, y_tr, z_te, y_te = _separable()
    with pytest.raises(ValueError, match="at least folds=5"):
        cv_linear_probe(z_tr[:12], y_tr[:12], z_te, y_te)
