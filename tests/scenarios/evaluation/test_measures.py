"""Measures worked out by hand: frontier, AIQ, oracles, Zero router, CPT, regret."""

from __future__ import annotations

import numpy as np
import pytest

from scenarios.evaluation import (
    aiq,
    best_single_model,
    cpt,
    cumulative_regret,
    frontier,
    per_prompt_oracle,
    per_task_oracle,
    summarize,
)
from scenarios.evaluation.measures import oracle_frontier


def test_frontier_keeps_the_non_decreasing_concave_hull():
    # (2, .6) lies under the chord (1, .5)-(3, .9); (2.5, .5) and (4, .85) are dominated.
    points = [(2, 0.6), (1, 0.5), (3, 0.9), (2.5, 0.5), (4, 0.85), (1, 0.2)]
    assert frontier(points).tolist() == [[1, 0.5], [3, 0.9]]


@pytest.mark.parametrize(
    ("points", "cost_range", "expected"),
    [
        # the chord from .5 to .9 over [1, 3]: mean height .7
        ([(1, 0.5), (2, 0.6), (3, 0.9)], (1, 3), 0.7),
        # one point: nothing below its cost, .8 from 2 to 3: (0 * 1 + .8 * 1) / 2
        ([(2, 0.8)], (1, 3), 0.4),
        # flat past the last point: (.7 * 1 + .9 * 1) / 2
        ([(1, 0.5), (2, 0.9)], (1, 3), 0.8),
        # a range inside the hull: the chord from (1, .5) to (3, .9) on [2, 3] is .7 -> .9
        ([(1, 0.5), (3, 0.9)], (2, 3), 0.8),
        # an empty range reads the frontier at that cost
        ([(1, 0.5), (3, 0.9)], (2, 2), 0.7),
    ],
    ids=["chord", "one-point", "flat-tail", "inner-range", "empty-range"],
)
def test_aiq_by_hand(points, cost_range, expected):
    assert aiq(points, cost_range=cost_range) == pytest.approx(expected)


def test_aiq_rejects_a_reversed_range():
    with pytest.raises(ValueError, match="low <= high"):
        aiq([(1, 0.5)], cost_range=(3, 1))


def test_per_prompt_oracle_is_the_cheapest_right_model(hand_trace):
    # p0: b and c right, b cheaper; p1: all right, a cheapest; p2: none right, a cheapest
    assert per_prompt_oracle(hand_trace).tolist() == [1, 0, 0]
    s = summarize(hand_trace, per_prompt_oracle(hand_trace))
    assert s.quality == pytest.approx(2 / 3)
    assert s.total_cost == pytest.approx(4.0)
    assert s.shares == pytest.approx((2 / 3, 1 / 3, 0.0))


def test_per_task_oracle_and_best_single_model(hand_trace):
    # task x: a .5, b 1, c 1 -> b (cheaper than c); task y: all 0 -> a (cheapest)
    assert per_task_oracle(hand_trace).tolist() == [1, 1, 0]
    # a 1/3, b 2/3, c 2/3 -> b, the cheaper of the two best
    assert best_single_model(hand_trace) == 1


def test_zero_router_is_the_frontier_of_single_models(hand_trace):
    points = []
    for j in range(hand_trace.n_models):
        s = summarize(hand_trace, np.full(3, j))
        points.append((s.mean_cost, s.quality))
    assert points == [
        (1, pytest.approx(1 / 3)),
        (2, pytest.approx(2 / 3)),
        (3, pytest.approx(2 / 3)),
    ]
    # hull (1, 1/3) -> (2, 2/3), then flat: ((1/3 + 2/3) / 2 + 2/3) / 2
    assert aiq(points, cost_range=(1, 3)) == pytest.approx(7 / 12)


def test_oracle_frontier_runs_from_cheapest_to_oracle_and_beats_the_zero_router(two_tasks):
    sweep = [summarize(two_tasks, c) for c in oracle_frontier(two_tasks)]
    cheapest = summarize(two_tasks, np.argmin(two_tasks.cost, axis=1))
    assert sweep[0].mean_cost == pytest.approx(cheapest.mean_cost)
    assert sweep[-1] == summarize(two_tasks, per_prompt_oracle(two_tasks))
    costs = [(s.mean_cost, s.quality) for s in sweep]
    singles = [
        (s.mean_cost, s.quality)
        for s in (summarize(two_tasks, np.full(two_tasks.n_prompts, j)) for j in range(3))
    ]
    cost_range = (min(c for c, _ in singles), max(c for c, _ in singles))
    assert aiq(costs, cost_range=cost_range) > aiq(singles, cost_range=cost_range) + 0.1


@pytest.mark.parametrize(
    ("points", "level", "expected"),
    [
        # target .75 lies on the segment (.5, .7)-(1, .9): .5 + (.05 / .2) * .5
        ([(0.0, 0.6), (0.5, 0.7), (1.0, 0.9)], 0.5, 0.625),
        ([(0.0, 0.6), (0.5, 0.7), (1.0, 0.9)], 0.0, 0.0),
        ([(1.0, 0.9), (0.0, 0.6)], 0.8, 0.8),  # unsorted input, a straight line
        ([(0.0, 0.6), (1.0, 0.7)], 0.5, None),  # never reaches .75
        ([(0.3, 0.95)], 0.95, 0.3),  # one point above every target
    ],
    ids=["interpolated", "zero-level", "line", "unreached", "one-point"],
)
def test_cpt_by_hand(points, level, expected):
    got = cpt(points, weak=0.6, strong=0.9, level=level)
    assert got == (None if expected is None else pytest.approx(expected))


def test_cpt_is_undefined_when_the_strong_model_is_not_better():
    assert cpt([(0.5, 0.7)], weak=0.8, strong=0.8, level=0.5) is None


def test_regret_by_hand(hand_trace):
    rows = np.arange(3)
    always_a = np.zeros(3, dtype=np.intp)
    # w = 0: task x best mean quality 1 (b), a has .5 -> .5 per x prompt; task y all equal
    assert cumulative_regret(hand_trace, rows, always_a, 0.0).tolist() == pytest.approx(
        [0.5, 1.0, 1.0]
    )
    # w = 1: utility is minus the scaled cost; always c loses 1 per prompt against a
    always_c = np.full(3, 2)
    assert cumulative_regret(hand_trace, rows, always_c, 1.0).tolist() == pytest.approx(
        [1.0, 2.0, 3.0]
    )
    # w = .5 and b: x: a .5*.5-0=.25, b .5-.25=.25, c .5-.5=0 -> b regret 0; y: a best (0), b -.25
    always_b = np.ones(3, dtype=np.intp)
    assert cumulative_regret(hand_trace, rows, always_b, 0.5).tolist() == pytest.approx(
        [0.0, 0.0, 0.25]
    )


def test_summary_counts_shares_and_latency():
    from scenarios.evaluation import Trace

    trace = Trace(
        name="t",
        models=("a", "b"),
        tasks=("x",),
        prompt_ids=("p0", "p1"),
        task_index=np.array([0, 0]),
        quality=np.array([[1.0, 0.0], [0.5, 1.0]]),
        cost=np.array([[1.0, 2.0], [1.0, 2.0]]),
        latency_ms=np.array([[100.0, np.nan], [300.0, 50.0]]),
    )
    s = summarize(trace, np.array([1, 0]), rows=np.array([1, 0]))  # p1 -> b, p0 -> a
    assert (s.quality, s.total_cost, s.shares) == (1.0, 3.0, (0.5, 0.5))
    assert s.mean_latency_ms == pytest.approx(75.0)
