"""Non-inferiority tests against scipy's one-sided Welch test and the normal distribution."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from selection.stats import Moments, noninferiority_proportion_test, noninferiority_test


@pytest.fixture
def arms():
    rng = np.random.default_rng(8)
    return rng.normal(100.0, 15.0, 400), rng.normal(98.0, 20.0, 350)


def test_higher_is_better_matches_scipy_shifted_one_sided_welch(arms):
    control, treatment = arms
    res = noninferiority_test(
        Moments.of(control), Moments.of(treatment), margin=5.0, higher_is_better=True
    )
    # H0: mu_t - mu_c <= -5  <=>  mu_(t + 5) - mu_c <= 0
    ref = stats.ttest_ind(treatment + 5.0, control, equal_var=False, alternative="greater")
    assert res.statistic == pytest.approx(ref.statistic, rel=1e-9)
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert res.df == pytest.approx(ref.df, rel=1e-9)
    low = ref.confidence_interval(0.95).low - 5.0
    assert res.bound == pytest.approx(low, rel=1e-9)
    assert res.noninferior == (res.bound > -5.0) == (res.p_value <= 0.05)


def test_lower_is_better_matches_scipy_shifted_one_sided_welch(arms):
    control, treatment = arms  # think "latency": lower is better
    res = noninferiority_test(
        Moments.of(control), Moments.of(treatment), margin=3.0, higher_is_better=False
    )
    ref = stats.ttest_ind(treatment - 3.0, control, equal_var=False, alternative="less")
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert res.bound == pytest.approx(ref.confidence_interval(0.95).high + 3.0, rel=1e-9)
    assert res.noninferior == (res.bound < 3.0) == (res.p_value <= 0.05)


def test_direction_matters():
    control = Moments.of([10.0, 11.0, 9.0, 10.0, 10.5, 9.5] * 20)
    worse_if_higher = Moments.of([13.0, 14.0, 12.0, 13.0, 13.5, 12.5] * 20)
    # Treatment is 3 higher: fine when higher is better, a clear loss when lower is better.
    assert noninferiority_test(
        control, worse_if_higher, margin=0.5, higher_is_better=True
    ).noninferior
    bad = noninferiority_test(control, worse_if_higher, margin=0.5, higher_is_better=False)
    assert not bad.noninferior
    assert bad.p_value > 0.99


def test_relative_margin_uses_delta_method(arms):
    control, treatment = arms
    c, t = Moments.of(control), Moments.of(treatment)
    res = noninferiority_test(c, t, margin=0.10, higher_is_better=True, relative=True)
    var_c, var_t = c.variance / c.n, t.variance / t.n
    lift = t.mean / c.mean - 1.0
    se = math.sqrt(var_t / c.mean**2 + t.mean**2 * var_c / c.mean**4)
    assert res.estimate == pytest.approx(lift)
    assert res.statistic == pytest.approx((lift + 0.10) / se)
    assert res.p_value == pytest.approx(stats.t.sf((lift + 0.10) / se, res.df))
    assert res.relative


def test_proportion_noninferiority_for_an_error_rate():
    # Error rate 2.0% vs 2.2% on 20,000 calls each; is the new model within +0.5 points?
    res = noninferiority_proportion_test(
        20_000, 400, 20_000, 440, margin=0.005, higher_is_better=False
    )
    se = math.sqrt(0.02 * 0.98 / 20_000 + 0.022 * 0.978 / 20_000)
    z = (0.002 - 0.005) / se
    assert res.statistic == pytest.approx(z)
    assert res.p_value == pytest.approx(stats.norm.cdf(z))
    assert res.bound == pytest.approx(0.002 + stats.norm.ppf(0.95) * se)
    assert res.noninferior
    assert math.isinf(res.df)


def test_proportion_noninferiority_relative_higher_is_better():
    res = noninferiority_proportion_test(
        5000, 4000, 5000, 3900, margin=0.05, higher_is_better=True, relative=True
    )
    assert res.estimate == pytest.approx(3900 / 4000 - 1.0)
    assert res.noninferior


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (
            lambda: noninferiority_test(
                Moments.of([1.0]), Moments.of([1.0, 2.0]), margin=1, higher_is_better=True
            ),
            "insufficient_data",
        ),
        (
            lambda: noninferiority_test(
                Moments.of([1.0, 1.0]), Moments.of([2.0, 2.0]), margin=1, higher_is_better=True
            ),
            "zero_variance",
        ),
        (
            lambda: noninferiority_test(
                Moments.of([-1.0, 1.0]),
                Moments.of([2.0, 3.0]),
                margin=0.1,
                higher_is_better=True,
                relative=True,
            ),
            "zero_control_mean",
        ),
        (
            lambda: noninferiority_proportion_test(
                100, 0, 100, 0, margin=0.01, higher_is_better=False
            ),
            "zero_variance",
        ),
        (
            lambda: noninferiority_proportion_test(
                100, 0, 100, 3, margin=0.1, higher_is_better=False, relative=True
            ),
            "zero_control_mean",
        ),
        (
            lambda: noninferiority_proportion_test(
                1, 0, 100, 3, margin=0.01, higher_is_better=False
            ),
            "insufficient_data",
        ),
    ],
)
def test_degenerate_data_returns_error_code(call, error):
    res = call()
    assert res.error == error
    assert math.isnan(res.p_value)
    assert not res.noninferior


@pytest.mark.parametrize("margin", [0.0, -1.0, math.inf, math.nan])
def test_margin_must_be_positive(margin):
    m = Moments.of([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="margin"):
        noninferiority_test(m, m, margin=margin, higher_is_better=True)
    with pytest.raises(ValueError, match="margin"):
        noninferiority_proportion_test(10, 1, 10, 1, margin=margin, higher_is_better=True)


def test_noninferiority_keeps_type_one_error_at_the_margin():
    # Treatment truly worse by exactly the margin: H0 holds on its boundary, so the one-sided
    # test should reject about alpha of the time (1000 runs, SE ~0.007).
    rng = np.random.default_rng(99)
    rejections = 0
    for _ in range(1000):
        c = rng.normal(1.0, 0.5, 200)
        t = rng.normal(0.9, 0.5, 200)
        rejections += noninferiority_test(
            Moments.of(c), Moments.of(t), margin=0.1, higher_is_better=True
        ).noninferior
    assert 0.03 <= rejections / 1000 <= 0.07
