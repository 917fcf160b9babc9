"""Budgets in the manager: paced spend on a synthetic stream, today's spend across restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from selection import (
    Budget,
    DynamicModelManager,
    ModelCatalog,
    ModelSpec,
    SimClock,
    SyncModelManager,
    UnknownModelError,
    UnknownTaskError,
)
from selection.budget import BudgetLedger, ShareBudget, parse_budget

TASK = "logical_reasoning"
# (id, true quality, cost per call): the quality per dollar falls as the price rises.
WORLD = [("dear", 0.90, 0.010), ("mid", 0.80, 0.004), ("cheap", 0.60, 0.0005)]


def _catalog() -> ModelCatalog:
    return ModelCatalog(
        [
            ModelSpec(id=name, provider="t", input_cost_per_1k_tokens=cost,
                      output_cost_per_1k_tokens=cost, context_length=8000,
                      quality_prior=quality)
            for name, quality, cost in WORLD
        ]
    )  # fmt: skip


def _start() -> datetime:
    return datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


async def _serve(manager: DynamicModelManager, rng: np.random.Generator, n: int, **kw) -> float:
    """Serve ``n`` requests of the synthetic world; return what they cost."""
    truth = {name: (quality, cost) for name, quality, cost in WORLD}
    spent = 0.0
    for _ in range(n):
        model = await manager.get_optimal_model(TASK, **kw)
        quality, cost = truth[model]
        await manager.update_model_performance(
            model,
            TASK,
            {"quality_score": float(np.clip(rng.normal(quality, 0.05), 0, 1)), "cost": cost},
        )
        spent += cost
    return spent


@pytest.mark.parametrize("target", [0.002, 0.006])
async def test_a_per_request_budget_is_met_within_five_percent(target):
    rng = np.random.default_rng(3)
    clock = SimClock(_start() + timedelta(hours=1))
    async with DynamicModelManager(
        "sqlite:///:memory:", catalog=_catalog(), clock=clock, budget=Budget(target)
    ) as manager:
        n = 1200
        spent = await _serve(manager, rng, n)
        status = await manager.get_system_status()
    assert spent / n == pytest.approx(target, rel=0.05)
    row = status["budgets"]["*"]
    assert row["spent"] == pytest.approx(spent)
    assert row["requests"] == n
    assert row["spent_share"] == pytest.approx(1.0, abs=0.05)


async def test_a_daily_budget_is_met_within_five_percent_by_the_end_of_the_day():
    rng = np.random.default_rng(5)
    clock = SimClock(_start())
    truth = {name: (quality, cost) for name, quality, cost in WORLD}
    spent = 0.0
    async with DynamicModelManager(
        "sqlite:///:memory:",
        catalog=_catalog(),
        clock=clock,
        task_budgets={TASK: Budget(4.0, "day")},
    ) as manager:
        for _ in range(24 * 60 - 1):  # one a minute: the dearest model would cost $14.4 a day
            model = await manager.get_optimal_model(TASK)
            quality, cost = truth[model]
            await manager.update_model_performance(
                model,
                TASK,
                {"quality_score": float(np.clip(rng.normal(quality, 0.05), 0, 1)), "cost": cost},
            )
            spent += cost
            clock.advance(60.0)
        row = (await manager.get_system_status())["budgets"][TASK]
    assert row["allowed"] == pytest.approx(4.0 * (24 * 60 - 1) / (24 * 60))
    assert spent == pytest.approx(row["allowed"], rel=0.05)
    assert row["spent"] == pytest.approx(spent)


async def test_a_call_budget_adds_to_the_configured_ones_and_the_tightest_binds():
    clock = SimClock(_start() + timedelta(hours=12))
    async with DynamicModelManager(
        "sqlite:///:memory:", catalog=_catalog(), clock=clock, budget=Budget(1.0)
    ) as manager:
        # a loose overall budget: quality alone decides
        assert await manager.get_optimal_model(TASK) == "dear"
        await manager.update_model_performance("dear", TASK, {"quality_score": 0.9, "cost": 0.01})
        # a call's budget far below what was spent: the cost weight rises, a cheaper model
        rec = await manager.recommend(TASK, budget=Budget(0.0001))
        assert rec.recommendation_factors["cost"] > 0.5
        assert rec.recommended_model_id != "dear"
        # without it, the loose one binds again
        assert (await manager.recommend(TASK)).recommendation_factors.get("cost", 0.0) == 0.0


async def test_a_share_of_a_reference_model_resolves_to_its_cost():
    clock = SimClock(_start() + timedelta(hours=1))
    async with DynamicModelManager(
        "sqlite:///:memory:",
        catalog=_catalog(),
        clock=clock,
        budget=parse_budget("50%@dear"),
    ) as manager:
        rng = np.random.default_rng(1)
        spent = await _serve(manager, rng, 600)
        reference = manager.model_selector.expected_cost("dear", TASK)
        status = await manager.get_system_status()
    assert reference is not None
    assert spent / 600 == pytest.approx(0.5 * reference, rel=0.05)
    assert status["budgets"]["*"]["target"] == "0.5 x dear/request"


async def test_a_restart_keeps_the_days_spend(store_url):
    clock = SimClock(_start() - timedelta(hours=1))
    options: dict[str, Any] = {
        "catalog": _catalog(),
        "clock": clock,
        "task_budgets": {TASK: Budget(2.0, "day")},
    }
    async with DynamicModelManager(store_url, **options) as manager:
        # yesterday's call does not count today
        await manager.update_model_performance("dear", TASK, {"quality_score": 0.9, "cost": 5.0})
        clock.advance(timedelta(hours=7))
        for i in range(5):
            await manager.update_model_performance(
                "mid", TASK, {"quality_score": 0.8, "cost": 0.25 + i / 100}
            )
        before = (await manager.get_system_status())["budgets"][TASK]
        weight = (await manager.pacer(TASK)).weight
    assert before["spent"] == pytest.approx(1.35)
    assert before["requests"] == 5
    assert before["allowed"] == pytest.approx(0.5)
    assert weight > 0
    async with DynamicModelManager(store_url, **options) as manager:
        after = (await manager.get_system_status())["budgets"][TASK]
        assert (await manager.pacer(TASK)).weight == pytest.approx(weight)
        await manager.update_model_performance("cheap", TASK, {"quality_score": 0.6, "cost": 0.05})
        grown = (await manager.get_system_status())["budgets"][TASK]
        clock.advance(timedelta(days=1))  # a new day starts from nothing
        tomorrow = (await manager.get_system_status())["budgets"][TASK]
    assert after == pytest.approx(before)
    assert grown["spent"] == pytest.approx(1.40)
    assert grown["requests"] == 6
    assert tomorrow["spent"] == 0.0
    assert tomorrow["requests"] == 0


def test_the_sync_manager_takes_budgets_per_call():
    clock = SimClock(_start() + timedelta(hours=1))
    with SyncModelManager("sqlite:///:memory:", catalog=_catalog(), clock=clock) as manager:
        assert manager.get_optimal_model(TASK, budget=Budget(1.0)) == "dear"
        manager.update_model_performance("dear", TASK, {"quality_score": 0.9, "cost": 0.01})
        rec = manager.recommend(TASK, budget=Budget(0.0001))
        assert rec.recommendation_factors["cost"] > 0.5
        assert manager.get_system_status()["budgets"] == {}  # none configured


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.002", Budget(0.002)),
        ("$0.002/request", Budget(0.002)),
        ("5/day", Budget(5.0, "day")),
        ("0.5@openai/gpt-4", ShareBudget(0.5, "openai/gpt-4")),
        ("50%@dear", ShareBudget(0.5, "dear")),
    ],
)
def test_budgets_parse_from_text(text, expected):
    assert parse_budget(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cheap", "not a number of dollars"),
        ("5/week", "per 'request' or per 'day'"),
        ("-1", "positive number of dollars"),
        ("x@dear", "not a share"),
        ("0.5@", "reference model"),
    ],
)
def test_a_bad_budget_text_names_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        parse_budget(text)


def test_budgets_naming_unknown_tasks_or_models_are_refused():
    with pytest.raises(UnknownTaskError):
        DynamicModelManager(
            "sqlite:///:memory:", catalog=_catalog(), task_budgets={"nope": Budget(1)}
        )
    with pytest.raises(UnknownModelError):
        DynamicModelManager("sqlite:///:memory:", catalog=_catalog(), budget=ShareBudget(0.5, "x"))


def test_the_ledger_refuses_to_pace_before_reading_the_days_spend():
    ledger = BudgetLedger(SimClock(_start()), overall=Budget(1.0))
    with pytest.raises(ValueError, match="rebase"):
        ledger.pacer("*", Budget(1.0), {}, lambda _: None)
