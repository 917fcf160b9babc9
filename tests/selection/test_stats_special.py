"""The A/B statistics call scipy.special directly: values bit-identical to scipy.stats."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportions_ztest

from selection.stats import Moments, two_proportion_test, welch_ttest
from selection.stats._normal_theory import critical_value, upper_tail

_DFS = [math.inf, 1.0, 1.5, 2.0, 7.3, 29.0, 150.0, 1e4, 1e7, 1e12]
_STATISTICS = [-40.0, -3.1, -1e-9, 0.0, 1e-9, 0.4, 1.96, 5.5, 38.0, math.inf]
_TAILS = [1e-300, 1e-12, 1e-4, 0.005, 0.025, 0.05, 0.2, 0.5]


@pytest.mark.parametrize("df", _DFS)
def test_upper_tail_is_scipys_sf_bit_for_bit(df: float) -> None:
    dist = stats.norm() if math.isinf(df) else stats.t(df)
    assert [upper_tail(x, df) for x in _STATISTICS] == [float(dist.sf(x)) for x in _STATISTICS]


@pytest.mark.parametrize("df", _DFS)
def test_critical_value_is_scipys_isf_bit_for_bit(df: float) -> None:
    dist = stats.norm() if math.isinf(df) else stats.t(df)
    assert [critical_value(p, df) for p in _TAILS] == [float(dist.isf(p)) for p in _TAILS]


def test_nan_statistic_gives_nan() -> None:
    assert math.isnan(upper_tail(math.nan, 12.0))
    assert math.isnan(upper_tail(math.nan, math.inf))


@pytest.mark.parametrize("seed", range(5))
def test_welch_equals_scipy_ttest_ind_from_stats(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = rng.normal(10, 2, 40 + 30 * seed), rng.lognormal(2.3, 0.3, 25 + 50 * seed)
    c, t = Moments.of(a), Moments.of(b)
    ours = welch_ttest(c, t)
    ref = stats.ttest_ind_from_stats(
        t.mean, math.sqrt(t.variance), t.n, c.mean, math.sqrt(c.variance), c.n, equal_var=False
    )
    assert ours.statistic == pytest.approx(float(ref.statistic), rel=1e-12)
    assert ours.p_value == pytest.approx(float(ref.pvalue), rel=1e-10, abs=1e-300)
    half = ours.ci[1] - ours.difference
    assert half == pytest.approx(float(stats.t.isf(0.025, ours.df)) * ours.standard_error)


@pytest.mark.parametrize(
    ("x_c", "n_c", "x_t", "n_t"), [(5, 83, 12, 99), (480, 1000, 530, 1000), (1, 2000, 9, 2100)]
)
def test_two_proportions_equal_statsmodels(x_c: int, n_c: int, x_t: int, n_t: int) -> None:
    ours = two_proportion_test(n_c, x_c, n_t, x_t)
    z, p = proportions_ztest([x_t, x_c], [n_t, n_c])
    assert ours.statistic == pytest.approx(float(z), rel=1e-12)
    assert ours.p_value == pytest.approx(float(p), rel=1e-10)
