"""The hive's quality evidence as pseudo-observations in the selector's shrinkage estimate."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from selection import (
    ModelCatalog,
    ModelSpec,
    PerformanceRecord,
    Router,
    TaskThresholds,
    UnknownModelError,
)

TASK = "logical_reasoning"


def _router() -> Router:
    catalog = ModelCatalog(tasks=[TASK])
    for name, prior in (("a", 0.8), ("b", 0.6)):
        catalog.add(
            ModelSpec(
                id=f"sim/{name}", provider="sim", input_cost_per_1k_tokens=0.001,
                output_cost_per_1k_tokens=0.001, quality_prior=prior, context_length=8000,
            )
        )  # fmt: skip
    return Router(catalog, prior_strength=10.0)


def _records(model: str, qualities: list[float]) -> list[PerformanceRecord]:
    return [
        PerformanceRecord(
            record_id=f"{model}-{i}", model_id=model, task_type=TASK, response_time_ms=100.0,
            token_count_input=10, token_count_output=10, cost=0.0001, quality_score=q,
            timestamp=datetime(2026, 1, 1, tzinfo=UTC),
        )
        for i, q in enumerate(qualities)
    ]  # fmt: skip


def test_evidence_is_pooled_as_pseudo_observations():
    router = _router()
    router.absorb(_records("sim/b", [0.5] * 20))
    router.set_evidence(TASK, {"sim/b": (0.9, 30.0)})
    est = router.score_table(TASK, {"quality": 1.0}).estimates["sim/b"]
    # (k * prior + w * hive + n * recorded) / (k + w + n), by hand
    assert est.values["quality"] == pytest.approx((10 * 0.6 + 30 * 0.9 + 20 * 0.5) / 60)


def test_evidence_moves_the_choice_and_the_confidence_alike():
    router = _router()
    before = router.recommend(TASK, {"quality": 1.0})
    assert before.recommended_model_id == "sim/a"
    router.set_evidence(TASK, {"sim/b": (0.95, 200.0)})
    after = router.recommend(TASK, {"quality": 1.0})
    assert after.recommended_model_id == "sim/b"
    assert router.choose(TASK, 5, {"quality": 1.0}, mode="greedy") == ["sim/b"] * 5
    router.set_evidence(TASK, {})  # replaced, not added to
    assert router.recommend(TASK, {"quality": 1.0}).recommended_model_id == "sim/a"


def test_evidence_never_makes_a_model_that_breaches_the_limits_eligible():
    router = _router()
    router.set_thresholds(TASK, TaskThresholds(min_quality_score=0.7, min_evidence=5))
    router.absorb(_records("sim/b", [0.3] * 20))
    router.set_evidence(TASK, {"sim/b": (1.0, 10_000.0)})
    table = router.score_table(TASK, {"quality": 1.0})
    assert "sim/b" in table.excluded
    assert table.model_ids == ["sim/a"]


@pytest.mark.parametrize(
    ("estimates", "error", "match"),
    [
        ({"sim/nope": (0.5, 1.0)}, UnknownModelError, "sim/nope"),
        ({"sim/a": (1.5, 1.0)}, ValueError, "quality 1.5"),
        ({"sim/a": (0.5, -1.0)}, ValueError, "weight -1.0"),
        ({"sim/a": (0.5, float("nan"))}, ValueError, "weight nan"),
    ],
)
def test_bad_evidence_is_refused(estimates, error, match):
    router = _router()
    with pytest.raises(error, match=match):
        router.set_evidence(TASK, estimates)
    assert router.evidence(TASK) == {}
