"""Router.weighing: a task's columns reweighed per choice give exactly the Router's own draws."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from selection import (
    ModelCatalog,
    ModelSpec,
    PerformanceRecord,
    Router,
    SimClock,
    TaskThresholds,
    normalise_priorities,
    paced_factors,
)
from selection.core import ChoiceMode

TASKS = ("logical_reasoning", "creative_generation", "technical_explanation")
MODES: tuple[ChoiceMode, ...] = ("greedy", "thompson", "thompson-level")


def _router(
    catalog: ModelCatalog | None = None, *, share_evidence: bool = False, **kwargs: object
) -> Router:
    catalog = catalog or ModelCatalog.default()
    rng = np.random.default_rng(11)
    specs = list(catalog)[:5]
    records = [
        PerformanceRecord(
            model_id=specs[int(rng.integers(len(specs)))].id,
            task_type=TASKS[int(rng.integers(len(TASKS)))],
            quality_score=float(rng.random()),
            cost=float(rng.lognormal(-6, 1)),
            response_time_ms=float(rng.uniform(200, 3000)),
        )
        for _ in range(300)
    ]
    router = Router(
        catalog,
        clock=SimClock(datetime(2026, 1, 1, tzinfo=UTC)),
        share_evidence=share_evidence,
        **kwargs,  # type: ignore[arg-type]
    )
    router.absorb(records)
    return router


def _same(router: Router, task: str, w: float, mode: ChoiceMode, seed: int) -> None:
    factors = paced_factors(w)
    weights = normalise_priorities(factors)
    weighing = router.weighing(task, tuple(name for name, _ in weights), mode=mode)
    ids, scores, spreads = router.draw_inputs(task, factors, mode=mode)
    got_ids, got_scores, got_spreads = weighing.draw_inputs(weights)
    assert got_ids == ids
    assert np.array(got_scores).tobytes() == scores.tobytes()
    assert np.array(got_spreads).tobytes() == spreads.tobytes()
    assert weighing.pick(weights) == ids[0]
    theirs, ours = np.random.default_rng(seed), np.random.default_rng(seed)
    expected = ids[int(theirs.normal(scores, spreads).argmax())]
    assert weighing.pick(weights, ours.standard_normal(len(ids)).tolist()) == expected
    assert ours.bit_generator.state == theirs.bit_generator.state


@pytest.mark.parametrize("share_evidence", [False, True])
@pytest.mark.parametrize("mode", MODES)
def test_a_weighing_draws_exactly_as_the_router_does(share_evidence, mode):
    router = _router(share_evidence=share_evidence)
    weights = np.random.default_rng(3).random(60).round(3).tolist()
    for i, w in enumerate([0.0, 1.0, *weights]):
        _same(router, TASKS[i % len(TASKS)], w, mode, seed=i)


@pytest.mark.parametrize("mode", MODES)
def test_a_degraded_weighing_draws_from_the_table_without_limits(mode):
    priced = ModelCatalog([spec for spec in ModelCatalog.default() if spec.estimate_cost()])
    nothing_fits = TaskThresholds(max_cost_per_request=1e-9)  # every priced model costs more
    router = _router(priced, thresholds={TASKS[0]: nothing_fits}, on_no_eligible="degrade")
    for i, w in enumerate((0.0, 0.25, 0.731)):
        _same(router, TASKS[0], w, mode, seed=i)
    assert TASKS[0] in router.degraded_tasks()


def test_equal_scores_go_to_the_smaller_id_as_the_table_orders_them():
    twins = [
        ModelSpec(id=name, provider="t", input_cost_per_1k_tokens=0.001,
                  output_cost_per_1k_tokens=0.001, context_length=8000, quality_prior=0.8)
        for name in ("b-twin", "a-twin", "c-twin")
    ]  # fmt: skip
    router = Router(ModelCatalog(twins), clock=SimClock(datetime(2026, 1, 1, tzinfo=UTC)))
    for i, w in enumerate((0.0, 0.4)):
        _same(router, TASKS[0], w, "thompson", seed=i)
        weights = normalise_priorities(paced_factors(w))
        weighing = router.weighing(TASKS[0], tuple(n for n, _ in weights), mode="greedy")
        assert weighing.pick(weights) == "a-twin"
