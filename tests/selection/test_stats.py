"""Fixed-horizon statistics: Moments, Welch, proportions, ranks, quantiles, SRM, Holm."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import selection.stats as st_mod
from selection.stats import (
    Moments,
    bootstrap_quantile_difference,
    holm,
    mann_whitney,
    quantile_difference,
    srm_check,
    two_proportion_test,
    welch_ttest,
)

# Deterministic: a CI failure reproduces locally (scipy registers a similar profile).
DETERMINISTIC = settings(derandomize=True, database=None, deadline=None, max_examples=200)

# R's `sleep` data set: extra hours of sleep under two drugs.
SLEEP_GROUP1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_GROUP2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


def test_public_api_is_pinned():
    assert set(st_mod.__all__) == {
        "ComparisonResult",
        "ErrorCode",
        "HolmResult",
        "MannWhitneyResult",
        "Moments",
        "NonInferiorityResult",
        "QuantileComparison",
        "SRMResult",
        "SampleSizeResult",
        "SequentialResult",
        "bootstrap_quantile_difference",
        "holm",
        "mann_whitney",
        "noninferiority_proportion_test",
        "noninferiority_test",
        "power_means",
        "power_proportions",
        "quantile_difference",
        "sample_size_means",
        "sample_size_proportions",
        "sequential_mean_test",
        "sequential_proportion_test",
        "srm_check",
        "two_proportion_test",
        "welch_ttest",
    }
    for name in st_mod.__all__:
        assert getattr(st_mod, name) is not None


# --- Moments -----------------------------------------------------------------------------


def test_moments_of_matches_numpy():
    xs = np.random.default_rng(0).normal(5.0, 3.0, 1000)
    m = Moments.of(xs)
    assert m.n == 1000
    assert m.mean == pytest.approx(np.mean(xs), rel=1e-12)
    assert m.variance == pytest.approx(np.var(xs, ddof=1), rel=1e-10)
    assert m.std == pytest.approx(np.std(xs, ddof=1), rel=1e-10)


def test_moments_accepts_lists_tuples_and_generators():
    assert Moments.of([1.0, 2.0, 3.0]) == Moments.of((1.0, 2.0, 3.0)) == Moments(3, 6.0, 14.0)
    assert Moments.of(float(x) for x in range(3)) == Moments(3, 3.0, 5.0)


def test_empty_and_single_moments_have_nan_statistics():
    empty = Moments.of([])
    assert empty == Moments(0, 0.0, 0.0)
    assert math.isnan(empty.mean)
    assert math.isnan(empty.variance)
    one = Moments.of([4.0])
    assert one.mean == 4.0
    assert math.isnan(one.variance)


@pytest.mark.parametrize("value", [0.1, 1 / 3, 123.456, 7.77e6, -2.2])
def test_constant_column_has_exactly_zero_variance(value):
    assert Moments.of(np.full(1_000_000, value)).variance == 0.0
    merged = sum((Moments.of([value] * 7) for _ in range(1000)), Moments(0, 0.0, 0.0))
    assert merged.variance == 0.0


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@DETERMINISTIC
@given(st.lists(finite, max_size=50), st.lists(finite, max_size=50))
def test_moments_merge_equals_moments_of_concatenation(xs, ys):
    merged = Moments.of(xs) + Moments.of(ys)
    whole = Moments.of(xs + ys)
    assert merged.n == whole.n
    assert merged.total == pytest.approx(whole.total, rel=1e-9, abs=1e-6)
    assert merged.total_sq == pytest.approx(whole.total_sq, rel=1e-9, abs=1e-6)


@DETERMINISTIC
@given(st.lists(st.floats(min_value=-1e3, max_value=1e3), min_size=2, max_size=50))
def test_moments_variance_matches_numpy(xs):
    m = Moments.of(xs)
    expected = float(np.var(xs, ddof=1))
    assert m.variance >= 0.0
    assert m.variance == pytest.approx(expected, rel=1e-6, abs=1e-6 * (1 + float(np.mean(xs)) ** 2))


def test_moments_add_rejects_other_types():
    with pytest.raises(TypeError):
        _ = Moments(1, 1.0, 1.0) + 1.0


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"n": -1, "total": 0.0, "total_sq": 0.0}, "n"),
        ({"n": 2, "total": 1.0, "total_sq": -1.0}, "total_sq"),
        ({"n": 2, "total": math.nan, "total_sq": 1.0}, "total"),
        ({"n": 0, "total": 1.0, "total_sq": 1.0}, "n=0"),
        ({"n": 1.5, "total": 1.0, "total_sq": 1.0}, "n"),
    ],
)
def test_moments_rejects_impossible_values(kwargs, name):
    with pytest.raises(ValueError, match=name):
        Moments(**kwargs)


@pytest.mark.parametrize("values", [[1.0, math.nan], [math.inf], np.ones((2, 2))])
def test_moments_of_rejects_bad_samples(values):
    with pytest.raises(ValueError, match="values"):
        Moments.of(values)


# --- Welch -------------------------------------------------------------------------------


def test_welch_matches_r_sleep_example():
    # R: t.test(extra ~ group, data = sleep) reports group1 - group2, so group1 is "treatment".
    res = welch_ttest(Moments.of(SLEEP_GROUP2), Moments.of(SLEEP_GROUP1))
    assert res.statistic == pytest.approx(-1.8608, abs=5e-5)
    assert res.df == pytest.approx(17.776, abs=5e-4)
    assert res.p_value == pytest.approx(0.07939, abs=5e-6)
    assert res.ci == pytest.approx((-3.3654832, 0.2054832), abs=5e-8)
    assert res.difference == pytest.approx(0.75 - 2.33)
    assert res.error is None
    assert not res.significant


@pytest.mark.parametrize(
    ("n_c", "n_t", "sd_c", "sd_t", "shift"),
    [
        (50, 50, 1.0, 1.0, 0.0),
        (30, 200, 1.0, 3.0, 0.4),
        (1000, 700, 5.0, 2.0, -0.3),
        (2, 3, 1, 1, 1),
    ],
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_welch_matches_scipy_on_raw_data(seed, n_c, n_t, sd_c, sd_t, shift):
    rng = np.random.default_rng(seed)
    a = rng.normal(10.0, sd_c, n_c)
    b = rng.normal(10.0 + shift, sd_t, n_t)
    res = welch_ttest(Moments.of(a), Moments.of(b), alpha=0.1)
    ref = stats.ttest_ind(b, a, equal_var=False)
    assert res.statistic == pytest.approx(ref.statistic, rel=1e-9)
    assert res.df == pytest.approx(ref.df, rel=1e-9)
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-8, abs=1e-15)
    ci = ref.confidence_interval(confidence_level=0.9)
    assert res.ci == pytest.approx((ci.low, ci.high), rel=1e-9)


def test_welch_relative_lift_uses_delta_method():
    control, treatment = Moments.of([9.0, 10.0, 11.0, 10.0]), Moments.of([11.0, 12.0, 13.0, 12.0])
    res = welch_ttest(control, treatment)
    var_c, var_t = control.variance / 4, treatment.variance / 4
    se = math.sqrt(var_t / 10.0**2 + 12.0**2 * var_c / 10.0**4)
    crit = stats.t.ppf(0.975, res.df)
    assert res.relative_lift == pytest.approx(0.2)
    assert res.relative_ci == pytest.approx((0.2 - crit * se, 0.2 + crit * se))


def test_welch_relative_lift_is_nan_for_zero_control_mean():
    res = welch_ttest(Moments.of([-1.0, 1.0, 0.0]), Moments.of([1.0, 2.0, 3.0]))
    assert res.error is None
    assert math.isnan(res.relative_lift)
    assert all(math.isnan(v) for v in res.relative_ci)


@pytest.mark.parametrize(
    ("control", "treatment", "error"),
    [
        (Moments.of([1.0]), Moments.of([1.0, 2.0]), "insufficient_data"),
        (Moments.of([]), Moments.of([]), "insufficient_data"),
        (Moments.of([2.0, 2.0, 2.0]), Moments.of([3.0, 3.0]), "zero_variance"),
    ],
)
def test_welch_degenerate_data_returns_error_code(control, treatment, error):
    res = welch_ttest(control, treatment)
    assert res.error == error
    assert math.isnan(res.p_value)
    assert math.isnan(res.difference)
    assert not res.significant


def test_welch_with_one_constant_arm_is_fine():
    res = welch_ttest(Moments.of([2.0, 2.0, 2.0]), Moments.of([3.0, 4.0, 5.0]))
    # Only the treatment varies: t = 2 / sqrt(1/3) on n_t - 1 = 2 degrees of freedom.
    t = 2.0 / math.sqrt(1.0 / 3.0)
    assert res.error is None
    assert res.df == pytest.approx(2.0)
    assert res.statistic == pytest.approx(t)
    assert res.p_value == pytest.approx(2 * stats.t.sf(t, 2))


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.1, 1.5, math.nan])
def test_alpha_outside_unit_interval_raises(alpha):
    m = Moments.of([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="alpha"):
        welch_ttest(m, m, alpha=alpha)
    with pytest.raises(ValueError, match="alpha"):
        two_proportion_test(10, 1, 10, 2, alpha=alpha)
    with pytest.raises(ValueError, match="alpha"):
        srm_check([1, 2], [1, 1], alpha=alpha)
    with pytest.raises(ValueError, match="alpha"):
        holm([0.1], alpha=alpha)


# --- two proportions ---------------------------------------------------------------------


def test_two_proportions_matches_statsmodels_docstring_example():
    # statsmodels: proportions_ztest(count=[5, 12], nobs=[83, 99]) -> p-value 0.159, and its
    # difference is count[0]/nobs[0] - count[1]/nobs[1], so arm 0 is our treatment.
    res = two_proportion_test(99, 12, 83, 5)
    assert res.p_value == pytest.approx(0.159, abs=5e-4)
    pooled = 17 / 182
    z = (5 / 83 - 12 / 99) / math.sqrt(pooled * (1 - pooled) * (1 / 83 + 1 / 99))
    assert res.statistic == pytest.approx(z, rel=1e-12)
    assert res.statistic == pytest.approx(-1.4078, abs=5e-5)
    assert res.p_value == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-12)
    assert math.isinf(res.df)


@pytest.mark.parametrize(("x_c", "n_c", "x_t", "n_t"), [(30, 200, 45, 210), (480, 5000, 560, 5100)])
def test_two_proportions_z_squared_is_uncorrected_chi_square(x_c, n_c, x_t, n_t):
    table = [[x_c, n_c - x_c], [x_t, n_t - x_t]]
    chi2, p, _, _ = stats.chi2_contingency(table, correction=False)
    res = two_proportion_test(n_c, x_c, n_t, x_t)
    assert res.statistic**2 == pytest.approx(chi2, rel=1e-10)
    assert res.p_value == pytest.approx(p, rel=1e-10)


def test_two_proportions_interval_is_unpooled_wald():
    res = two_proportion_test(1000, 100, 1000, 130)
    se = math.sqrt(0.1 * 0.9 / 1000 + 0.13 * 0.87 / 1000)
    z = stats.norm.ppf(0.975)
    assert res.difference == pytest.approx(0.03)
    assert res.ci == pytest.approx((0.03 - z * se, 0.03 + z * se))
    assert res.relative_lift == pytest.approx(0.3)
    rel_se = math.sqrt(0.13 * 0.87 / 1000 / 0.01 + 0.13**2 * 0.1 * 0.9 / 1000 / 0.1**4)
    assert res.relative_ci == pytest.approx((0.3 - z * rel_se, 0.3 + z * rel_se))


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((1, 0, 10, 3), "insufficient_data"),
        ((0, 0, 0, 0), "insufficient_data"),
        ((10, 0, 12, 0), "zero_variance"),
        ((10, 10, 12, 12), "zero_variance"),
    ],
)
def test_two_proportions_degenerate(args, error):
    res = two_proportion_test(*args)
    assert res.error == error
    assert math.isnan(res.p_value)


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((-1, 0, 10, 3), "control_n"),
        ((10, 11, 10, 3), "control_successes"),
        ((10, 1, 10, -3), "treatment_successes"),
        ((10, 1, 10.5, 3), "treatment_n"),
    ],
)
def test_two_proportions_rejects_bad_counts(args, name):
    with pytest.raises(ValueError, match=name):
        two_proportion_test(*args)


# --- Mann-Whitney and quantiles ----------------------------------------------------------


def test_mann_whitney_matches_r_wilcox_example():
    # R ?wilcox.test: wilcox.test(x, y, alternative = "g") -> W = 35, p-value = 0.1272.
    x = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
    y = [1.15, 0.88, 0.90, 0.74, 1.21]
    res = mann_whitney(control_values=y, treatment_values=x)
    assert res.statistic == 35.0
    assert res.p_value == pytest.approx(2 * 0.1272, abs=1e-4)
    assert res.prob_superiority == pytest.approx(35 / 50)


@pytest.mark.parametrize("seed", [0, 1])
def test_mann_whitney_matches_scipy_on_heavy_tailed_data_with_ties(seed):
    rng = np.random.default_rng(seed)
    a = np.round(rng.lognormal(5.0, 1.0, 3000))  # integer milliseconds: many ties
    b = np.round(rng.lognormal(5.05, 1.0, 2500))
    res = mann_whitney(a, b)
    ref = stats.mannwhitneyu(b, a, alternative="two-sided")
    assert res.statistic == ref.statistic
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-12)
    assert (res.control_n, res.treatment_n) == (3000, 2500)


@pytest.mark.parametrize(
    ("a", "b", "error"),
    [([1.0], [1.0, 2.0], "insufficient_data"), ([3.0, 3.0], [3.0, 3.0, 3.0], "zero_variance")],
)
def test_mann_whitney_degenerate(a, b, error):
    res = mann_whitney(a, b)
    assert res.error == error
    assert math.isnan(res.p_value)


def test_quantile_difference_point_estimates_are_numpy_quantiles():
    rng = np.random.default_rng(3)
    a, b = rng.exponential(100.0, 5000), rng.exponential(110.0, 4000)
    for q in (0.5, 0.95):
        res = quantile_difference(a, b, q=q)
        assert res.control_quantile == np.quantile(a, q)
        assert res.treatment_quantile == np.quantile(b, q)
        assert res.difference == pytest.approx(res.treatment_quantile - res.control_quantile)
        assert res.ci[0] < res.difference < res.ci[1]
        assert res.relative_ci[0] < res.relative_lift < res.relative_ci[1]
        assert res.method == "order_statistic"


def test_quantile_difference_covers_at_about_nominal_rate():
    # Lognormal latencies, true median difference exp(0.2) - 1; 400 replications.
    rng = np.random.default_rng(11)
    truth = math.exp(0.2) - 1.0
    covered = 0
    for _ in range(400):
        a, b = rng.lognormal(0.0, 1.0, 300), rng.lognormal(0.2, 1.0, 300)
        res = quantile_difference(a, b, q=0.5)
        covered += res.ci[0] <= truth <= res.ci[1]
    assert 0.91 <= covered / 400 <= 0.99


def test_bootstrap_quantile_difference_is_reproducible_and_close_to_asymptotic():
    rng = np.random.default_rng(5)
    a, b = rng.lognormal(0.0, 1.0, 2000), rng.lognormal(0.1, 1.0, 2000)
    first = bootstrap_quantile_difference(a, b, rng=np.random.default_rng(42), q=0.9)
    again = bootstrap_quantile_difference(a, b, rng=np.random.default_rng(42), q=0.9)
    assert first == again
    assert first.method == "bootstrap"
    asym = quantile_difference(a, b, q=0.9)
    assert first.difference == asym.difference
    width_boot, width_asym = np.diff(first.ci)[0], np.diff(asym.ci)[0]
    assert 0.7 < width_boot / width_asym < 1.4


def test_quantile_difference_degenerate_and_bad_input():
    assert quantile_difference([1.0, 2.0], [1.0, 2.0, 3.0]).error == "insufficient_data"
    assert quantile_difference([5.0] * 50, [5.0] * 60).error == "zero_variance"
    rng = np.random.default_rng(0)
    assert bootstrap_quantile_difference([1.0], [2.0, 3.0], rng=rng).error == "insufficient_data"
    assert bootstrap_quantile_difference([2.0] * 5, [2.0] * 5, rng=rng).error == "zero_variance"
    with pytest.raises(ValueError, match="q"):
        quantile_difference([1.0] * 10, [2.0] * 10, q=1.0)
    with pytest.raises(ValueError, match="n_resamples"):
        bootstrap_quantile_difference([1.0, 2.0], [2.0, 3.0], rng=rng, n_resamples=1)
    with pytest.raises(ValueError, match="treatment_values"):
        quantile_difference([1.0, 2.0], [math.nan, 3.0])


# --- SRM and Holm ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "weights"),
    [([5000, 5100], [1, 1]), ([9120, 880], [0.9, 0.1]), ([300, 310, 200], [1, 1, 1])],
)
def test_srm_matches_scipy_chisquare(counts, weights):
    res = srm_check(counts, weights)
    expected = np.array(weights) / np.sum(weights) * np.sum(counts)
    ref = stats.chisquare(counts, expected)
    assert res.statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-12)
    assert res.expected == pytest.approx(tuple(expected))
    assert res.mismatch == (ref.pvalue < 0.001)


def test_srm_flags_a_broken_split():
    assert srm_check([50_000, 48_500], [50, 50]).mismatch
    assert not srm_check([50_000, 49_900], [50, 50]).mismatch


def test_srm_degenerate_and_bad_input():
    res = srm_check([0, 0], [1, 1])
    assert res.error == "insufficient_data"
    assert not res.mismatch
    with pytest.raises(ValueError, match="same length"):
        srm_check([1, 2, 3], [1, 1])
    with pytest.raises(ValueError, match="2 arms"):
        srm_check([1], [1])
    with pytest.raises(ValueError, match=r"observed_counts\[1\]"):
        srm_check([1, -2], [1, 1])
    with pytest.raises(ValueError, match=r"expected_weights\[0\]"):
        srm_check([1, 2], [0, 1])


def test_holm_matches_r_p_adjust():
    # R: p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "holm") -> 0.05 0.08 0.09 0.09 0.09
    res = holm([0.01, 0.02, 0.03, 0.04, 0.05])
    assert res.adjusted == pytest.approx((0.05, 0.08, 0.09, 0.09, 0.09))
    assert res.reject == (True, False, False, False, False)


def test_holm_keeps_input_order_and_caps_at_one():
    res = holm([0.04, 0.5, 0.001, 0.03], alpha=0.1)
    assert res.adjusted == pytest.approx((0.09, 0.5, 0.004, 0.09))
    assert res.reject == (True, False, True, True)
    assert holm([0.6, 0.7]).adjusted == pytest.approx((1.0, 1.0))


def test_holm_treats_nan_like_r_na():
    # R: p.adjust(c(0.01, NA, 0.04), "holm") -> 0.02 NA 0.04
    res = holm([0.01, math.nan, 0.04])
    assert res.adjusted[0] == pytest.approx(0.02)
    assert math.isnan(res.adjusted[1])
    assert res.adjusted[2] == pytest.approx(0.04)
    assert res.reject == (True, False, True)
    assert holm([]).adjusted == ()


@pytest.mark.parametrize("bad", [-0.1, 1.1])
def test_holm_rejects_impossible_p_values(bad):
    with pytest.raises(ValueError, match=r"p_values\[1\]"):
        holm([0.5, bad])


# --- simulation: fixed-horizon coverage --------------------------------------------------


def test_welch_interval_covers_at_nominal_rate():
    rng = np.random.default_rng(2024)
    sims, truth = 2000, 0.5
    a = rng.normal(10.0, 1.0, (sims, 20))
    b = rng.normal(10.0 + truth, 3.0, (sims, 60))
    covered = rel_covered = 0
    for row_a, row_b in zip(a, b, strict=True):
        res = welch_ttest(Moments.of(row_a), Moments.of(row_b))
        covered += res.ci[0] <= truth <= res.ci[1]
        rel_covered += res.relative_ci[0] <= truth / 10.0 <= res.relative_ci[1]
    # Binomial SE of a 95% rate over 2000 runs is 0.005; allow about 4 SE.
    assert 0.93 <= covered / sims <= 0.97
    assert 0.93 <= rel_covered / sims <= 0.97


def test_two_proportion_interval_covers_at_nominal_rate():
    rng = np.random.default_rng(7)
    sims, n, p_c, p_t = 4000, 2000, 0.10, 0.12
    x_c, x_t = rng.binomial(n, p_c, sims), rng.binomial(n, p_t, sims)
    covered = 0
    for a, b in zip(x_c, x_t, strict=True):
        res = two_proportion_test(n, int(a), n, int(b))
        covered += res.ci[0] <= p_t - p_c <= res.ci[1]
    assert 0.935 <= covered / sims <= 0.965
