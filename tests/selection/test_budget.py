"""Budget pacing: the pacer's arithmetic, daily budgets, and bad input."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from selection import (
    Budget,
    BudgetPacer,
    ModelCatalog,
    ModelSpec,
    PerformanceRecord,
    Router,
    SimClock,
)


def test_the_multiplier_is_the_integral_of_overspend():
    pacer = BudgetPacer(Budget(2.0), gain=0.1)
    assert pacer.weight == 0.0
    assert pacer.factors() == {"quality": 1.0, "cost": 0.0}
    for cost in (5.0, 5.0, 0.0):  # allowed 6, spent 10: 2 requests' worth over
        pacer.spend(cost)
    assert pacer.multiplier == pytest.approx(0.1 * (10 - 6) / 2)
    assert pacer.weight == pytest.approx(0.2 / 1.2)
    factors = pacer.factors({"quality": 3, "speed": 1})
    w = round(0.2 / 1.2, 3)
    assert factors == pytest.approx({"quality": 0.75 * (1 - w), "speed": 0.25 * (1 - w), "cost": w})
    for _ in range(10):  # under budget: the multiplier falls back to 0, not below
        pacer.spend(0.0)
    assert pacer.multiplier == 0.0
    assert pacer.mean_cost == pytest.approx(10 / 13)


def test_a_daily_budget_accrues_with_the_clock():
    clock = SimClock(datetime(2026, 1, 1, tzinfo=UTC))
    pacer = BudgetPacer(Budget(24.0, "day"), gain=1.0, clock=clock)
    clock.advance(3600.0)  # one dollar allowed
    pacer.spend(3.0)
    pacer.spend(1.0)
    assert pacer.allowed() == pytest.approx(1.0)
    assert pacer.multiplier == pytest.approx((4.0 - 1.0) / (1.0 / 2))


def test_share_of_a_reference():
    assert Budget.share_of(0.004, 0.5) == Budget(0.002, "request")
    assert str(Budget(0.002)) == "$0.002/request"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Budget(0.0), "positive number of dollars"),
        (lambda: Budget(1.0, "week"), "per 'request' or per 'day'"),  # type: ignore[arg-type]
        (lambda: Budget.share_of(0.01, -1), "budget share"),
        (lambda: Budget.share_of(0.0, 0.5), "reference cost must be positive"),
        (lambda: BudgetPacer(Budget(1.0, "day")), "needs a clock"),
        (lambda: BudgetPacer(Budget(1.0), gain=0), "gain must be positive"),
        (lambda: BudgetPacer(Budget(1.0)).spend(float("nan")), "finite number >= 0"),
    ],
)
def test_bad_input_names_what_is_wrong(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_the_router_chooses_with_the_pacers_weight():
    catalog = ModelCatalog(
        [
            ModelSpec(id="dear", provider="t", input_cost_per_1k_tokens=0.01,
                      output_cost_per_1k_tokens=0.01, context_length=8000,
                      quality_prior=0.9),
            ModelSpec(id="cheap", provider="t", input_cost_per_1k_tokens=0.0001,
                      output_cost_per_1k_tokens=0.0001, context_length=8000,
                      quality_prior=0.6),
        ]
    )  # fmt: skip
    router = Router(catalog, clock=SimClock(datetime(2026, 1, 1, tzinfo=UTC)))
    pacer = BudgetPacer(Budget(0.001), gain=1.0)
    assert router.recommend("logical_reasoning", budget=pacer).recommended_model_id == "dear"
    pacer.spend(0.02)  # 19 requests' worth over budget: the cost weight is near 1
    assert router.choose("logical_reasoning", 2, budget=pacer, mode="greedy") == ["cheap"] * 2


def test_a_moving_cost_weight_reweighs_cached_estimates_as_a_fresh_router_scores():
    catalog = ModelCatalog.default()
    task = "logical_reasoning"
    records = [
        PerformanceRecord(
            model_id=spec.id, task_type=task, quality_score=q, cost=c, response_time_ms=500.0
        )
        for spec, q, c in zip(
            list(catalog)[:3], (0.9, 0.7, 0.5), (0.02, 0.004, 0.0005), strict=True
        )
    ]

    def router() -> Router:
        r = Router(catalog, clock=SimClock(datetime(2026, 1, 1, tzinfo=UTC)))
        r.absorb(records)
        return r

    warm = router()
    warm.score_table(task, {"quality": 0.9, "cost": 0.1})  # caches the estimates
    for factors in ({"quality": 0.6, "cost": 0.4}, {"quality": 0.123, "cost": 0.877}):
        again, fresh = warm.score_table(task, factors), router().score_table(task, factors)
        assert again.model_ids == fresh.model_ids
        assert again.scores.tobytes() == fresh.scores.tobytes()
        assert again.spreads.tobytes() == fresh.spreads.tobytes()
        assert again.components == fresh.components
    before = warm.score_table(task, {"quality": 0.6, "cost": 0.4})
    warm.absorb(records[:1])  # new evidence: the cached estimates are not reused
    after = warm.score_table(task, {"quality": 0.6, "cost": 0.4})
    assert after.estimates[records[0].model_id].observations == 2
    assert after.scores.tobytes() != before.scores.tobytes()
