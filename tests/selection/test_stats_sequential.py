"""Always-valid (sequential) tests: formula checks, state carrying, and peeking simulations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats

from selection.stats import (
    Moments,
    SequentialResult,
    sequential_mean_test,
    sequential_proportion_test,
    welch_ttest,
)


def cumulative_moments(batches: np.ndarray) -> list[list[Moments]]:
    """(sims, looks, batch) raw data -> Moments of all data so far, per sim and look."""
    sums = np.cumsum(batches.sum(axis=2), axis=1)
    squares = np.cumsum(np.square(batches).sum(axis=2), axis=1)
    batch = batches.shape[2]
    return [
        [
            Moments(batch * (k + 1), float(s), float(q))
            for k, (s, q) in enumerate(zip(rs, rq, strict=True))
        ]
        for rs, rq in zip(sums, squares, strict=True)
    ]


def peek(
    control: list[Moments],
    treatment: list[Moments],
    *,
    planned: int,
    alpha: float = 0.05,
    truth: float = 0.0,
) -> tuple[bool, bool, bool]:
    """Read one simulated test after every batch, both ways."""
    naive = False
    covered = True
    state = None
    for c, t in zip(control, treatment, strict=True):
        state = sequential_mean_test(c, t, planned_n_per_arm=planned, alpha=alpha, previous=state)
        naive = naive or welch_ttest(c, t, alpha=alpha).significant
        covered = covered and state.ci[0] <= truth <= state.ci[1]
    assert state is not None
    return state.significant, naive, covered


# --- the formula ------------------------------------------------------------------------


def test_single_look_matches_the_normal_mixture_formula():
    control = Moments.of([9.0, 11.0, 10.0, 12.0, 8.0, 10.5, 9.5, 10.0])
    treatment = Moments.of([11.0, 12.0, 10.0, 13.0, 12.5, 11.5])
    alpha, planned = 0.05, 40
    res = sequential_mean_test(control, treatment, planned_n_per_arm=planned, alpha=alpha)
    w = control.variance / control.n + treatment.variance / treatment.n
    u = -special.lambertw(-(alpha**2) / math.e, k=-1).real - 1
    tau2 = u * (control.variance + treatment.variance) / planned
    d = treatment.mean - control.mean
    # Johari et al. (2022) mixture likelihood ratio and its inversion (Howard et al. 2021).
    lr = math.sqrt(w / (w + tau2)) * math.exp(tau2 * d**2 / (2 * w * (w + tau2)))
    half = math.sqrt(w * (w + tau2) / tau2 * math.log((w + tau2) / (w * alpha**2)))
    assert res.p_value == pytest.approx(min(1.0, 1.0 / lr), rel=1e-10)
    assert res.ci == pytest.approx((d - half, d + half), rel=1e-10)
    assert res.information_fraction == pytest.approx((tau2 / u) / w)
    assert res.looks == 1
    assert res.error is None


def test_mixing_constant_minimises_width_at_the_planned_size():
    # Equal arms of the planned size: information fraction 1, half-width sqrt(1 + u) SE.
    rng = np.random.default_rng(0)
    c, t = Moments.of(rng.normal(0, 1, 500)), Moments.of(rng.normal(0, 1, 500))
    res = sequential_mean_test(c, t, planned_n_per_arm=500)
    se = math.sqrt(c.variance / 500 + t.variance / 500)
    assert res.information_fraction == pytest.approx(1.0)
    half = (res.ci[1] - res.ci[0]) / 2
    u = -special.lambertw(-(0.05**2) / math.e, k=-1).real - 1
    assert half / se == pytest.approx(math.sqrt(1 + u), rel=1e-9)
    assert half / se == pytest.approx(3.035, abs=1e-3)
    for other in (250, 400, 700, 1000):
        off = sequential_mean_test(c, t, planned_n_per_arm=other)
        assert (off.ci[1] - off.ci[0]) / 2 > half


def test_interval_excludes_zero_exactly_when_p_value_is_below_alpha():
    rng = np.random.default_rng(4)
    for shift in (0.0, 0.05, 0.1, 0.2):
        state = None
        for _ in range(15):
            c, t = Moments.of(rng.normal(0, 1, 400)), Moments.of(rng.normal(shift, 1, 400))
            state = sequential_mean_test(c, t, planned_n_per_arm=2000, previous=state)
            excludes_zero = not (state.ci[0] <= 0.0 <= state.ci[1])
            assert state.significant == excludes_zero


def test_state_is_a_running_minimum_and_intersection():
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 1, 2000), rng.normal(0.1, 1, 2000)
    state = None
    for n in range(100, 2001, 100):
        new = sequential_mean_test(
            Moments.of(a[:n]), Moments.of(b[:n]), planned_n_per_arm=1000, previous=state
        )
        if state is not None:
            assert new.p_value <= state.p_value
            assert state.ci[0] <= new.ci[0] <= new.ci[1] <= state.ci[1]
            assert new.looks == state.looks + 1
        state = new


def test_proportions_use_bernoulli_variances():
    res = sequential_proportion_test(1000, 100, 1000, 140, planned_n_per_arm=1000)
    twin = sequential_mean_test(
        Moments(1000, 100.0, 100.0), Moments(1000, 140.0, 140.0), planned_n_per_arm=1000
    )
    # Same difference; Moments use n - 1 variances, proportions p(1 - p): nearly equal.
    assert res.difference == pytest.approx(twin.difference) == pytest.approx(0.04)
    half, twin_half = (res.ci[1] - res.ci[0]) / 2, (twin.ci[1] - twin.ci[0]) / 2
    assert half == pytest.approx(twin_half, rel=1e-3)
    w = 0.1 * 0.9 / 1000 + 0.14 * 0.86 / 1000
    assert res.information_fraction == pytest.approx((0.1 * 0.9 + 0.14 * 0.86) / 1000 / w)


# --- degenerate data and misuse ----------------------------------------------------------


def test_degenerate_first_look_reports_nothing_learned():
    res = sequential_mean_test(Moments.of([1.0]), Moments.of([2.0, 3.0]), planned_n_per_arm=100)
    assert res.error == "insufficient_data"
    assert res.p_value == 1.0
    assert res.ci == (-math.inf, math.inf)
    assert math.isnan(res.difference)
    assert not res.significant


def test_degenerate_later_look_carries_the_state():
    first = sequential_proportion_test(500, 50, 500, 90, planned_n_per_arm=500)
    res = sequential_proportion_test(500, 0, 500, 0, planned_n_per_arm=500, previous=first)
    assert res.error == "zero_variance"
    assert (res.p_value, res.ci, res.relative_ci) == (first.p_value, first.ci, first.relative_ci)
    assert res.looks == 2


def test_zero_control_mean_leaves_relative_interval_unconstrained():
    res = sequential_mean_test(
        Moments.of([-1.0, 1.0, 0.0]), Moments.of([1.0, 2.0, 3.0]), planned_n_per_arm=10
    )
    assert res.error is None
    assert math.isnan(res.relative_lift)
    assert res.relative_ci == (-math.inf, math.inf)


def test_misuse_raises_value_error_naming_the_value():
    m = Moments.of([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="planned_n_per_arm"):
        sequential_mean_test(m, m, planned_n_per_arm=0)
    with pytest.raises(ValueError, match="alpha"):
        sequential_mean_test(m, m, planned_n_per_arm=10, alpha=1.0)
    first = sequential_mean_test(m, m, planned_n_per_arm=10)
    with pytest.raises(ValueError, match="planned_n_per_arm"):
        sequential_mean_test(m, m, planned_n_per_arm=20, previous=first)
    with pytest.raises(ValueError, match="alpha"):
        sequential_mean_test(m, m, planned_n_per_arm=10, alpha=0.1, previous=first)
    with pytest.raises(ValueError, match="treatment_successes"):
        sequential_proportion_test(10, 1, 10, 11, planned_n_per_arm=10)


def test_result_is_frozen():
    res = sequential_mean_test(Moments.of([1.0, 2.0]), Moments.of([1.0, 3.0]), planned_n_per_arm=5)
    assert isinstance(res, SequentialResult)
    with pytest.raises(AttributeError):
        res.p_value = 0.0  # type: ignore[misc]


# --- simulations: peeking ------------------------------------------------------------------

SIMS, LOOKS, BATCH, ALPHA = 300, 20, 100, 0.05


def test_aa_tests_read_after_every_batch_stay_below_alpha_only_when_sequential():
    rng = np.random.default_rng(20240601)
    control = cumulative_moments(rng.normal(10.0, 2.0, (SIMS, LOOKS, BATCH)))
    treatment = cumulative_moments(rng.normal(10.0, 2.0, (SIMS, LOOKS, BATCH)))
    outcomes = [peek(c, t, planned=LOOKS * BATCH) for c, t in zip(control, treatment, strict=True)]
    sequential_fpr = sum(o[0] for o in outcomes) / SIMS
    naive_fpr = sum(o[1] for o in outcomes) / SIMS
    always_covered = sum(o[2] for o in outcomes) / SIMS
    assert sequential_fpr <= ALPHA
    assert always_covered >= 1 - ALPHA
    # Peeking at the fixed-horizon p-value 20 times: ~25% false positives in theory.
    assert naive_fpr > 3 * ALPHA


def test_aa_proportion_tests_stay_below_alpha():
    rng = np.random.default_rng(77)
    hits = rng.binomial(BATCH, 0.08, (2, SIMS, LOOKS)).cumsum(axis=2)
    false_positives = 0
    for x_c, x_t in zip(hits[0], hits[1], strict=True):
        state = None
        for k in range(LOOKS):
            n = BATCH * (k + 1)
            state = sequential_proportion_test(
                n, int(x_c[k]), n, int(x_t[k]), planned_n_per_arm=LOOKS * BATCH, previous=state
            )
        assert state is not None
        false_positives += state.significant
    assert false_positives / SIMS <= ALPHA


def test_real_lift_is_detected_and_covered_while_peeking():
    # Effect sized for 80% fixed-horizon power at 2000 per arm; the sequential test pays for
    # peeking with power, so give it twice the data (40 looks) and expect most tests to stop.
    effect = 2.0 * math.sqrt(2.0 / 2000) * (stats.norm.ppf(0.975) + stats.norm.ppf(0.8))
    rng = np.random.default_rng(5)
    sims, looks = 200, 40
    control = cumulative_moments(rng.normal(10.0, 2.0, (sims, looks, BATCH)))
    treatment = cumulative_moments(rng.normal(10.0 + effect, 2.0, (sims, looks, BATCH)))
    outcomes = [
        peek(c, t, planned=LOOKS * BATCH, truth=effect)
        for c, t in zip(control, treatment, strict=True)
    ]
    assert sum(o[0] for o in outcomes) / sims >= 0.75
    assert sum(o[2] for o in outcomes) / sims >= 1 - ALPHA
