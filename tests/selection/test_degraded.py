"""No model eligible: raise (the default) or serve the best of the others, flagged."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from selection import (
    DynamicModelManager,
    ModelCatalog,
    ModelSpec,
    NoEligibleModelError,
    PerformanceRecord,
    Router,
    SimClock,
    TaskThresholds,
)
from selection.catalog import ModelStatus

TASK = "logical_reasoning"
T0 = datetime(2026, 3, 1, tzinfo=UTC)
NOTHING_FITS = TaskThresholds(max_cost_per_request=1e-9)  # every priced model costs more


def catalog(n: int = 4, *, statuses: list[ModelStatus] | None = None) -> ModelCatalog:
    statuses = statuses or [ModelStatus.ACTIVE] * n
    return ModelCatalog(
        ModelSpec(
            id=f"p/m{i}",
            provider="p",
            input_cost_per_1k_tokens=0.001 * (i + 1),
            output_cost_per_1k_tokens=0.002 * (i + 1),
            context_length=8000 * (i + 1),
            quality_prior=0.5 + 0.1 * i,
            status=status,
        )
        for i, status in enumerate(statuses)
    )


def test_by_default_no_eligible_model_raises():
    router = Router(catalog(), thresholds={TASK: NOTHING_FITS})
    with pytest.raises(NoEligibleModelError, match="expected cost"):
        router.recommend(TASK)
    with pytest.raises(NoEligibleModelError):
        router.choose(TASK, 3, rng=np.random.default_rng(0))


def test_degrade_serves_the_best_catalog_model_and_flags_it():
    models = catalog()
    router = Router(models, thresholds={TASK: NOTHING_FITS}, on_no_eligible="degrade")
    rec = router.recommend(TASK, {"quality": 1.0})
    assert rec.degraded
    assert rec.recommended_model_id == "p/m3"  # the best quality prior, limits aside
    assert rec.confidence_score == 0.0
    assert rec.reasoning.startswith("DEGRADED: no model is eligible")
    assert "p/m0: expected cost" in (rec.degraded_reason or "")
    assert router.degraded_tasks() == {TASK: rec.degraded_reason}
    # the next choice with a model in limits clears the flag
    router.set_thresholds(TASK, TaskThresholds())
    assert not router.recommend(TASK).degraded
    assert router.degraded_tasks() == {}


def test_a_degraded_greedy_answer_from_the_cache_keeps_the_task_flagged():
    router = Router(catalog(), thresholds={TASK: NOTHING_FITS}, on_no_eligible="degrade")
    first = router.recommend(TASK)
    router._degraded.clear()  # as if another question had cleared it
    assert router.recommend(TASK) is first
    assert TASK in router.degraded_tasks()


def test_degrade_never_serves_an_inactive_model_nor_one_whose_context_is_too_short():
    statuses = [ModelStatus.RETIRED, ModelStatus.ACTIVE, ModelStatus.DEPRECATED, ModelStatus.ACTIVE]
    router = Router(
        catalog(statuses=statuses), thresholds={TASK: NOTHING_FITS}, on_no_eligible="degrade"
    )
    picks = router.choose(TASK, 200, rng=np.random.default_rng(1))
    assert set(picks) <= {"p/m1", "p/m3"}
    assert router.recommend(TASK, min_context_length=20_000).recommended_model_id == "p/m3"
    with pytest.raises(NoEligibleModelError):  # no active model holds 40,000 tokens
        router.recommend(TASK, min_context_length=40_000)


@given(
    statuses=st.lists(st.sampled_from(list(ModelStatus)), min_size=1, max_size=5),
    max_cost=st.one_of(st.none(), st.floats(1e-9, 0.02)),
    floor=st.one_of(st.none(), st.floats(0.0, 1.0)),
    qualities=st.lists(st.floats(0.0, 1.0), min_size=5, max_size=5),
    mode=st.sampled_from(["greedy", "thompson"]),
)
def test_the_fallback_serves_only_active_catalog_models_and_flags_itself(
    statuses, max_cost, floor, qualities, mode
):
    models = catalog(statuses=statuses)
    limits = TaskThresholds(max_cost_per_request=max_cost, min_quality_score=floor, min_evidence=3)
    router = Router(models, thresholds={TASK: limits}, on_no_eligible="degrade")
    router.absorb(
        PerformanceRecord(
            record_id=f"{spec.id}-{j}", model_id=spec.id, task_type=TASK,
            quality_score=qualities[i], response_time_ms=500.0, timestamp=T0,
        )
        for i, spec in enumerate(models) for j in range(4)
    )  # fmt: skip
    strict = Router(models, thresholds={TASK: limits})
    strict.load({(m, TASK): a for m, a in router.task_stats(TASK).items()})
    active = {s.id for s in models.active()}
    rng = np.random.default_rng(0)
    if not active:
        with pytest.raises(NoEligibleModelError):
            router.recommend(TASK, mode=mode, rng=rng)
        return
    rec = router.recommend(TASK, mode=mode, rng=rng)
    assert rec.recommended_model_id in active
    assert set(router.choose(TASK, 20, mode=mode, rng=rng)) <= active
    eligible = strict.score_table(TASK).model_ids
    assert rec.degraded == (not eligible)
    if eligible:
        assert rec.recommended_model_id in eligible
    else:
        with pytest.raises(NoEligibleModelError):
            strict.recommend(TASK)


async def test_the_status_shows_degraded_tasks(sqlite_url, capsys):
    from rich.console import Console

    from selection.cli import print_status

    manager = DynamicModelManager(
        sqlite_url,
        catalog=catalog(),
        clock=SimClock(T0),
        thresholds={TASK: NOTHING_FITS},
        on_no_eligible="degrade",
        half_life_hours=12,
    )
    async with manager:
        assert (await manager.get_optimal_model(TASK)) in {s.id for s in manager.catalog}
        status = await manager.get_system_status()
    assert set(status["degraded_tasks"]) == {TASK}
    served = status["current_assignments"][TASK]
    assert served == "p/m0"  # the default weights favour the cheapest, limits aside
    assert TASK not in status["unassigned_tasks"]
    assert status["half_life_hours"] == 12
    print_status(status, Console(width=200, force_terminal=False))
    shown = capsys.readouterr().out
    assert f"DEGRADED {TASK}: no model is eligible" in shown
    assert f"{served} (degraded)" in shown
    assert "half-life 12 h" in shown


async def test_the_default_manager_still_reports_the_task_unassigned(sqlite_url):
    manager = DynamicModelManager(sqlite_url, catalog=catalog(), thresholds={TASK: NOTHING_FITS})
    async with manager:
        status = await manager.get_system_status()
        with pytest.raises(NoEligibleModelError):
            await manager.get_optimal_model(TASK)
    assert TASK in status["unassigned_tasks"]
    assert status["degraded_tasks"] == {}
