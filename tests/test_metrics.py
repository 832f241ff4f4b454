import numpy as np
import pytest
import torch

from vaebook import metrics

SIZES = (3, 5, 8)
N = 1500


@pytest.fixture(scope="module")
def factors() -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.stack([rng.integers(0, k, N) for k in SIZES], axis=1)


@pytest.fixture(scope="module")
def perfect(factors) -> np.ndarray:
    """Each code is one factor (scaled, with a little noise): the ideal disentangled code."""
    rng = np.random.default_rng(1)
    return factors / np.array(SIZES) + 0.01 * rng.normal(size=factors.shape)


@pytest.fixture(scope="module")
def noise() -> np.ndarray:
    return np.random.default_rng(2).normal(size=(N, 3))


def with_covariance(cov: np.ndarray, n: int = 500, seed: int = 0) -> np.ndarray:
    """Codes whose sample covariance (ddof=1) is exactly cov."""
    z = np.random.default_rng(seed).normal(size=(n, len(cov)))
    z -= z.mean(0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False))).T  # exact whitening
    return z @ np.linalg.cholesky(cov).T


class FactorsAsData:
    """A ground-truth sampler whose 'observations' are the factors themselves."""

    factor_sizes = SIZES

    def sample_factors(self, n, rng):
        return np.stack([rng.integers(0, k, n) for k in self.factor_sizes], axis=1)

    def render(self, factors, rng):
        return factors


def perfect_representation(f):
    return f / np.array(SIZES) + 0.01 * np.random.default_rng(len(f)).normal(size=f.shape)


def noise_representation(f):
    return np.random.default_rng(len(f) + 7).normal(size=(len(f), 3))


def test_perfect_code_scores_near_one(perfect, factors):
    assert metrics.mig(perfect, factors) > 0.9
    assert metrics.modularity(perfect, factors) > 0.9
    d, c, i, importance = metrics.dci(perfect, factors)
    assert d > 0.9 and c > 0.9 and i > 0.9
    assert importance.shape == (3, 3) and np.argmax(importance, axis=0).tolist() == [0, 1, 2]
    assert metrics.sap(perfect, factors, continuous_factors=True) > 0.95
    assert metrics.explicitness(perfect, factors) > 0.95


def test_noise_scores_near_zero(noise, factors):
    assert metrics.mig(noise, factors) < 0.05
    d, c, i, _ = metrics.dci(noise, factors)
    assert d < 0.15 and c < 0.15 and i < 0.5
    assert metrics.sap(noise, factors) < 0.05
    assert metrics.sap(noise, factors, continuous_factors=True) < 0.02
    assert abs(metrics.explicitness(noise, factors) - 0.5) < 0.05


def test_sap_with_discrete_factors_is_bounded_by_chance(perfect, factors):
    matrix = metrics.sap_score_matrix(perfect, factors)
    assert matrix.shape == (3, 3)
    assert np.argmax(matrix, axis=0).tolist() == [0, 1, 2]  # each factor's own code wins
    # binary factors: the perfect code is always right, the runner-up guesses (accuracy 1/2)
    rng = np.random.default_rng(4)
    binary = rng.integers(0, 2, size=(2000, 2))
    assert metrics.sap(binary + 0.01 * rng.normal(size=(2000, 2)), binary) \
        == pytest.approx(0.5, abs=0.05)


def test_duplicated_latent_lowers_mig(perfect, factors):
    duplicated = np.concatenate([perfect, perfect[:, :1] + 0.001], axis=1)
    full, dup = metrics.mig(perfect, factors), metrics.mig(duplicated, factors)
    assert dup < full - 0.25  # factor 0 now has two equally good codes: its gap is ~0
    assert dup == pytest.approx(full * 2 / 3, abs=0.05)


def test_mixed_code_has_low_modularity(factors):
    # a code that mixes two equally informative binary factors has modularity 0
    rng = np.random.default_rng(3)
    binary = rng.integers(0, 2, size=(4000, 2))
    mixed = (binary[:, :1] * 2 + binary[:, 1:]).astype(float) + 0.01 * rng.normal(size=(4000, 1))
    assert metrics.modularity(mixed, binary) < 0.05
    assert metrics.modularity(binary + 0.01 * rng.normal(size=(4000, 2)), binary) > 0.95


def test_mutual_information_and_entropy(perfect, factors):
    h = metrics.factor_entropies(factors)
    assert np.allclose(h, np.log(SIZES), atol=0.02)  # uniform factors
    m = metrics.mutual_info_matrix(perfect, factors)
    assert np.allclose(np.diag(m), h, atol=1e-6)  # <= 20 values: binning loses nothing
    assert np.abs(m - np.diag(np.diag(m))).max() < 0.05
    d = metrics.discretize(np.random.default_rng(0).normal(size=(100, 2)), num_bins=5)
    assert d.min() == 1 and d.max() == 5


def test_mutual_information_score(noise):
    assert metrics.mutual_information_score(noise) < 0.15  # plug-in bias of 20x20 bins
    copies = np.concatenate([noise[:, :1]] * 3, axis=1)
    assert metrics.mutual_information_score(copies) > 2.0  # ~ log 20 minus skew


def test_total_correlation_closed_form():
    rho = 0.6
    cov = np.array([[1.0, rho], [rho, 1.0]])
    assert metrics.gaussian_tc_from_cov(cov) == pytest.approx(-0.5 * np.log(1 - rho**2))
    cov3 = np.array([[2.0, 0.5, 0.1], [0.5, 1.0, -0.3], [0.1, -0.3, 0.5]])
    closed = 0.5 * (np.log(np.diag(cov3)).sum() - np.log(np.linalg.det(cov3)))
    codes = with_covariance(cov3)
    assert metrics.gaussian_total_correlation(codes) == pytest.approx(closed)
    # scale-invariant: a nearly constant code counts as fully as the others
    assert metrics.gaussian_total_correlation(codes * [1, 1, 1e-3]) == pytest.approx(closed)


def test_total_correlation_of_independent_gaussians_is_zero():
    codes = np.random.default_rng(0).normal(size=(5000, 4)) * [1, 2, 0.1, 5]
    assert 0 <= metrics.gaussian_total_correlation(codes) < 0.005
    assert metrics.gaussian_total_correlation(with_covariance(np.diag([1, 2, 3.0]))) \
        == pytest.approx(0, abs=1e-10)


def test_wasserstein_correlation_closed_form():
    rho = 0.5
    codes = with_covariance(np.array([[1.0, rho], [rho, 1.0]]))
    expected = 4 - 2 * (np.sqrt(1 + rho) + np.sqrt(1 - rho))  # W2^2(N(0, cov), N(0, I))
    assert metrics.gaussian_wasserstein_correlation(codes) == pytest.approx(expected)
    assert metrics.gaussian_wasserstein_correlation(codes, normalize=True) \
        == pytest.approx(expected / 2)
    assert metrics.gaussian_wasserstein_correlation(with_covariance(np.diag([1.0, 4.0]))) \
        == pytest.approx(0, abs=1e-9)


def test_correlation_matrix():
    codes = with_covariance(np.array([[4.0, 1.0], [1.0, 1.0]]))
    corr = metrics.correlation_matrix(codes)
    assert np.allclose(corr, [[1, 0.5], [0.5, 1]])
    assert metrics.mean_abs_correlation(codes) == pytest.approx(0.5)
    assert np.allclose(metrics.correlation_matrix(torch.tensor(codes)), corr)


def test_group_factor_values():
    f = np.stack([np.arange(32), np.arange(32) % 3], axis=1)
    g = metrics.group_factor_values(f, 8)
    assert g[:, 0].tolist() == np.repeat(np.arange(8), 4).tolist()
    assert np.array_equal(g[:, 1], f[:, 1])  # 3 values: left alone


def test_intervention_scores():
    data = FactorsAsData()
    assert metrics.beta_vae_score(perfect_representation, data, num_train=60, num_eval=60) > 0.95
    assert metrics.factor_vae_score(perfect_representation, data, num_train=60, num_eval=60,
                                    num_variance_estimate=500) > 0.95
    assert metrics.beta_vae_score(noise_representation, data, num_train=60, num_eval=60) < 0.6
    assert metrics.factor_vae_score(noise_representation, data, num_train=60, num_eval=60,
                                    num_variance_estimate=500) < 0.6


def test_factor_vae_prunes_collapsed_codes():
    data = FactorsAsData()

    def with_passive(f):  # a near-constant code that would otherwise win every vote
        return np.concatenate([perfect_representation(f), 1e-4 * np.ones((len(f), 1))], axis=1)

    assert metrics.factor_vae_score(with_passive, data, num_train=60, num_eval=60,
                                    num_variance_estimate=500) > 0.95
    assert metrics.factor_vae_score(lambda f: np.zeros((len(f), 2)), data, num_train=30,
                                    num_eval=30, num_variance_estimate=100) == 0.0


def test_bad_input(perfect, factors):
    with pytest.raises(ValueError, match="shape \\(N, D\\)"):
        metrics.mig(perfect[:, 0], factors)
    with pytest.raises(ValueError, match="same number of samples"):
        metrics.mig(perfect[:-1], factors)
    bad = perfect.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        metrics.dci(bad, factors)
    with pytest.raises(ValueError, match="at least 20 samples"):
        metrics.sap(perfect[:10], factors[:10])
    constant = factors.copy()
    constant[:, 1] = 2
    with pytest.raises(ValueError, match="factor 1 is constant"):
        metrics.mig(perfect, constant)
    with pytest.raises(TypeError, match="integer labels"):
        metrics.modularity(perfect, factors.astype(float))
    with pytest.raises(ValueError, match="reshape"):
        metrics.explicitness(perfect, factors[:, 0])
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        metrics.mig(perfect[:, :1], factors)
    with pytest.raises(ValueError, match="at least 2 columns"):
        metrics.modularity(perfect, factors[:, :1])
    with pytest.raises(ValueError, match="num_bins"):
        metrics.mig(perfect, factors, num_bins=1)
    with pytest.raises(ValueError, match="test_fraction"):
        metrics.dci(perfect, factors, test_fraction=1.5)
    with pytest.raises(TypeError, match="numpy array or torch tensor"):
        metrics.mig("codes", factors)


def test_bad_input_correlation():
    codes = np.random.default_rng(0).normal(size=(50, 3))
    codes[:, 2] = 1.0
    with pytest.raises(ValueError, match="zero variance"):
        metrics.gaussian_total_correlation(codes)
    with pytest.raises(ValueError, match="zero variance"):
        metrics.correlation_matrix(codes)
    dependent = np.random.default_rng(0).normal(size=(50, 2)) @ np.ones((2, 3))
    with pytest.raises(ValueError, match="singular"):
        metrics.gaussian_total_correlation(dependent + [0, 0, 0])
    with pytest.raises(ValueError, match="more samples than dimensions"):
        metrics.gaussian_total_correlation(np.random.default_rng(0).normal(size=(20, 30)))
    with pytest.raises(ValueError, match="square"):
        metrics.gaussian_tc_from_cov(np.ones((2, 3)))


def test_bad_input_intervention():
    with pytest.raises(TypeError, match="lacks 'factor_sizes'"):
        metrics.beta_vae_score(perfect_representation, object())
    with pytest.raises(ValueError, match="shape \\(\\d+, D\\)"):
        metrics.factor_vae_score(lambda f: np.zeros(len(f)), FactorsAsData())
    with pytest.raises(ValueError, match="NaN"):
        metrics.beta_vae_score(lambda f: np.full((len(f), 2), np.nan), FactorsAsData())
    with pytest.raises(ValueError, match="batch_size"):
        metrics.factor_vae_score(perfect_representation, FactorsAsData(), batch_size=1)


def test_factor_scores_known_answers():
    rng = np.random.default_rng(0)
    f = np.stack([rng.integers(0, 3, 600), rng.integers(0, 10, 600)], axis=1)
    # code 0: one-hot-ish shape signal; code 1: the ordinal factor exactly; code 2: noise
    z = np.stack([f[:, 0] * 3.0 + 0.1 * rng.normal(size=600), f[:, 1].astype(float),
                  rng.normal(size=600)], axis=1)
    s = metrics.factor_scores(z[:400], f[:400], z[400:], f[400:], categorical=(0,),
                              names=("shape", "pos"))
    assert set(s) == {"shape", "pos"}
    assert s["shape"] > 0.95 and s["pos"] > 0.999
    noise = metrics.factor_scores(z[:400, 2:], f[:400], z[400:, 2:], f[400:])
    assert noise["0"] < 0.5 and noise["1"] < 0.05  # chance 1/3; R^2 about 0 (may be negative)


def test_factor_scores_bad_input():
    rng = np.random.default_rng(0)
    f = rng.integers(0, 3, (50, 2))
    z = rng.normal(size=(50, 3))
    with pytest.raises(ValueError, match="factors_test must have shape"):
        metrics.factor_scores(z, f, z, f[:, :1])
    with pytest.raises(TypeError, match="integer"):
        metrics.factor_scores(z, f, z, f.astype(float))
    with pytest.raises(ValueError, match="same number of dimensions"):
        metrics.factor_scores(z, f, z[:, :2], f)
    with pytest.raises(ValueError, match="categorical"):
        metrics.factor_scores(z, f, z, f, categorical=(5,))
    with pytest.raises(ValueError, match="names"):
        metrics.factor_scores(z, f, z, f, names=("a",))
