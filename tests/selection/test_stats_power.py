"""Power and sample size against R's power.t.test / power.prop.test, plus a simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from selection.stats import (
    Moments,
    power_means,
    power_proportions,
    sample_size_means,
    sample_size_proportions,
    two_proportion_test,
    welch_ttest,
)


def test_means_match_r_power_t_test_examples():
    # R ?power.t.test: power.t.test(n = 20, delta = 1) -> power = 0.8689528
    assert power_means(20, 0.0, 1.0, 1.0, relative=False) == pytest.approx(0.8689528, abs=5e-8)
    # power.t.test(power = .90, delta = 1) -> n = 22.02110
    res = sample_size_means(0.0, 1.0, 1.0, relative=False, power=0.9)
    assert res.n_exact == pytest.approx(22.02110, abs=5e-5)
    assert res.n_per_arm == 23
    # power.t.test(power = .90, delta = 1, alternative = "one.sided") -> n = 17.84713
    one = sample_size_means(0.0, 1.0, 1.0, relative=False, power=0.9, two_sided=False)
    assert one.n_exact == pytest.approx(17.84713, abs=5e-5)


def test_proportions_match_r_power_prop_test_examples():
    # R ?power.prop.test: power.prop.test(n = 50, p1 = .50, p2 = .75) -> power = 0.740
    assert power_proportions(50, 0.5, 0.25, relative=False) == pytest.approx(0.7401659, abs=5e-7)
    # power.prop.test(p1 = .50, p2 = .75, power = .90) -> n = 76.7
    res = sample_size_proportions(0.5, 0.5, power=0.9)  # relative: 0.5 * 1.5 = 0.75
    assert res.n_exact == pytest.approx(76.7, abs=0.05)
    assert res.n_per_arm == 77
    assert res.absolute_mde == pytest.approx(0.25)


def test_sample_size_and_power_are_inverse():
    res = sample_size_means(200.0, 80.0, 0.05)  # latency 200 ms, sd 80, detect 5%
    assert res.absolute_mde == pytest.approx(10.0)
    assert power_means(res.n_exact, 200.0, 80.0, 0.05) == pytest.approx(0.8, abs=1e-8)
    assert power_means(res.n_per_arm, 200.0, 80.0, 0.05) >= 0.8
    assert power_means(res.n_per_arm - 1, 200.0, 80.0, 0.05) < 0.8
    # Large-n normal approximation: n = 2 (sd / delta)^2 (z_a + z_b)^2
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    assert res.n_exact == pytest.approx(2 * (80 / 10) ** 2 * z**2, rel=5e-3)


def test_proportion_sample_size_and_power_are_inverse():
    res = sample_size_proportions(0.10, -0.2)  # error rate 10% -> detect a drop to 8%
    assert res.absolute_mde == pytest.approx(-0.02)
    assert power_proportions(res.n_exact, 0.10, -0.2) == pytest.approx(0.8, abs=1e-9)


def test_tiny_sample_is_clamped_to_two():
    assert sample_size_means(0.0, 1.0, 50.0, relative=False).n_per_arm == 2


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: sample_size_means(10.0, 0.0, 0.1), "baseline_sd"),
        (lambda: sample_size_means(10.0, 1.0, 0.0), "mde"),
        (lambda: sample_size_means(0.0, 1.0, 0.1), "baseline_mean"),
        (lambda: sample_size_means(10.0, 1.0, 0.1, power=1.0), "power"),
        (lambda: sample_size_means(10.0, 1.0, 0.1, alpha=0.0), "alpha"),
        (lambda: power_means(1, 10.0, 1.0, 0.1), "n_per_arm"),
        (lambda: sample_size_proportions(1.2, 0.1), "baseline_rate"),
        (lambda: sample_size_proportions(0.9, 0.2), "mde"),
        (lambda: power_proportions(-5, 0.5, 0.1), "n_per_arm"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_planned_n_detects_planned_lift_with_planned_power():
    # Plan: baseline 10, sd 2, detect +5% (0.5) with 80% power -> ~253 per arm.
    plan = sample_size_means(10.0, 2.0, 0.05)
    rng = np.random.default_rng(123)
    sims = 500
    a = rng.normal(10.0, 2.0, (sims, plan.n_per_arm))
    b = rng.normal(10.5, 2.0, (sims, plan.n_per_arm))
    hits = sum(
        welch_ttest(Moments.of(x), Moments.of(y)).significant for x, y in zip(a, b, strict=True)
    )
    # Binomial SE at 0.8 over 500 runs is 0.018: allow 3 SE below the plan.
    assert hits / sims >= 0.8 - 0.055
    assert hits / sims <= 0.8 + 0.055


def test_planned_n_detects_planned_rate_change_with_planned_power():
    plan = sample_size_proportions(0.10, 0.2)  # 10% -> 12% success rate
    n = plan.n_per_arm
    rng = np.random.default_rng(321)
    sims = 1500
    x_c, x_t = rng.binomial(n, 0.10, sims), rng.binomial(n, 0.12, sims)
    hits = sum(
        two_proportion_test(n, int(a), n, int(b)).significant for a, b in zip(x_c, x_t, strict=True)
    )
    assert abs(hits / sims - 0.8) <= 3 * math.sqrt(0.8 * 0.2 / sims)
