import numpy as np
import pytest

from vaebook import stats


@pytest.mark.parametrize("low, high, delta, expected", [
    (0.01, 0.05, 0.0, stats.HOLDS),
    (0.01, 0.05, 0.02, stats.HOLDS),            # above zero and not all below delta
    (0.001, 0.015, 0.02, stats.NOT_HERE),       # real but too small to matter
    (-0.05, -0.01, 0.0, stats.NOT_HERE),        # the opposite effect
    (-0.02, 0.04, 0.01, stats.INCONCLUSIVE),    # straddles zero, reaches delta
    (-0.02, 0.005, 0.0, stats.INCONCLUSIVE),
])
def test_the_three_verdicts(low, high, delta, expected):
    assert stats.verdict(low, high, delta) == expected


@pytest.mark.parametrize("args, match", [((0.1, 0.0, 0.0), "low <= high"), ((0.0, 0.1, -1.0), "delta"),
                                         ((float("nan"), 0.1, 0.0), "finite")])
def test_verdict_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        stats.verdict(*args)


def test_paired_t_interval_matches_a_hand_computation():
    a = np.array([0.80, 0.82, 0.79, 0.85, 0.81])
    b = np.array([0.75, 0.80, 0.78, 0.80, 0.76])
    e = stats.paired(a, b, delta=0.01, unit="accuracy")
    d = a - b
    half = 2.7764451 * d.std(ddof=1) / np.sqrt(5)  # t_{0.975, 4}
    assert e.effect == pytest.approx(d.mean())
    assert (e.low, e.high) == pytest.approx((d.mean() - half, d.mean() + half), rel=1e-6)
    assert e.n == 5 and e.verdict == stats.HOLDS and e.per_unit == pytest.approx(tuple(d))
    lower = stats.paired(b, a, delta=0.0, unit="error", higher_is_better=False)
    assert lower.effect == pytest.approx(d.mean())


def test_paired_on_noise_is_inconclusive_and_on_no_effect_does_not_hold():
    rng = np.random.default_rng(0)
    a = rng.normal(0, 1, 30)
    assert stats.paired(a, a + rng.normal(0, 0.01, 30) - 0.5, delta=0.1, unit="u").verdict == stats.HOLDS
    assert stats.paired(a, a + 0.5, delta=0.1, unit="u").verdict == stats.NOT_HERE
    noisy = stats.paired(rng.normal(0, 1, 5), rng.normal(0, 1, 5), delta=0.5, unit="u")
    assert noisy.verdict == stats.INCONCLUSIVE


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(claimed_better=[1, 2, 3], other=[1, 2, 3]), ValueError, "at least 5 paired seeds"),
    (dict(claimed_better=[1, 2, 3, 4, 5], other=[1, 2, 3, 4]), ValueError, "one number per seed"),
    (dict(claimed_better=[1, 2, 3, 4, np.nan], other=[1, 2, 3, 4, 5]), ValueError, "NaN"),
    (dict(claimed_better=[[1, 2, 3, 4, 5]], other=[[1, 2, 3, 4, 5]]), ValueError, "one-dimensional"),
    (dict(claimed_better=["a"] * 5, other=[1] * 5), TypeError, "numbers"),
])
def test_paired_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        stats.paired(**kwargs, delta=0.0, unit="u")


def test_paired_delta_is_checked():
    with pytest.raises(ValueError, match="delta"):
        stats.paired([1] * 5, [0] * 5, delta=-0.1, unit="u")
    with pytest.raises(TypeError, match="delta"):
        stats.paired([1] * 5, [0] * 5, delta="big", unit="u")


def test_per_seed_needs_five_seeds():
    with pytest.raises(ValueError, match="at least 5 seeds"):
        stats.per_seed([0.1, 0.2], delta=0.0, unit="u")
    e = stats.per_seed([0.1, 0.12, 0.09, 0.11, 0.1], delta=0.05, unit="accuracy")
    assert e.verdict == stats.HOLDS and e.method == "t over 5 seeds"


def test_bootstrap_over_examples():
    correct = np.r_[np.ones(900), np.zeros(100)]
    e = stats.bootstrap(correct, threshold=0.8, delta=0.0, unit="accuracy")
    assert e.effect == pytest.approx(0.1) and 0.07 < e.low < 0.1 < e.high < 0.13
    assert e.verdict == stats.HOLDS
    assert stats.bootstrap(correct, threshold=0.8, delta=0.0, unit="accuracy") == e  # seeded
    assert stats.bootstrap(correct, threshold=0.95, delta=0.0, unit="accuracy").verdict == stats.NOT_HERE
    with pytest.raises(ValueError, match="at least 20"):
        stats.bootstrap([1.0] * 5, delta=0.0, unit="u")


def test_summary_reads_as_one_line():
    e = stats.paired([0.9] * 4 + [0.91], [0.8] * 5, delta=0.01, unit="accuracy")
    assert e.summary().startswith("effect +0.102 accuracy, 95% CI [+0.0964, +0.108], paired t over 5 seeds")


def test_reading_of_does_not_hold():
    assert stats.reading(-0.3, -0.1, 0.05) == stats.OPPOSITE
    assert stats.reading(-0.1, 0.02, 0.05) == stats.NO_EFFECT
    assert stats.reading(0.01, 0.3, 0.05) == ""          # holds
    assert stats.reading(-0.1, 0.3, 0.05) == ""          # inconclusive
    e = stats.paired([0.1, 0.2, 0.15, 0.12, 0.18], [0.5, 0.6, 0.55, 0.52, 0.58], delta=0.01,
                     unit="u")
    assert e.verdict == stats.NOT_HERE and e.reading == stats.OPPOSITE


def test_seeds_needed_follows_the_rule():
    from scipy import stats as st

    pilot = [0.058, 0.161, -0.004, 0.234, 0.164]      # chapter 3's planned-recipe pilot (issue 20)
    n, capped = stats.seeds_needed(pilot, delta=0.02)
    mean, sd = np.mean(pilot), np.std(pilot, ddof=1)
    target = 0.5 * min(abs(mean), abs(mean - 0.02))
    half = lambda k: st.t.ppf(0.975, k - 1) * sd / np.sqrt(k)  # noqa: E731
    assert not capped and half(n) <= target < half(n - 1)
    assert stats.seeds_needed([1.0, 1.1, 0.9], delta=0.1) == (5, False)   # never below 5
    assert stats.seeds_needed([0.0, 0.1, -0.1], delta=0.05) == (30, True)  # on a boundary
    with pytest.raises(ValueError):
        stats.seeds_needed([0.1], delta=0.1)
    with pytest.raises(ValueError):
        stats.seeds_needed([0.1, 0.2], delta=0.1, cap=4)
    with pytest.raises(ValueError):
        stats.seeds_needed([0.1, float("nan")], delta=0.1)
