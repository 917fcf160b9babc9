"""Routing a task's traffic by its A/B test: the recommendation for the assigned arm.

While a test runs on a task, a request with a unit id is served its arm's model; a request
without one is served the champion and stays outside the test. A request for which either
arm's model is ineligible (the task's hard limits, a context too long) stays outside the
test too, for both arms alike, so exclusions cannot unbalance the arms. After a test
concludes, its winner serves the task while it stays eligible.
"""

from __future__ import annotations

from collections.abc import Mapping

from selection.abtest.manager import ABTestManager
from selection.recommendation import Recommendation
from selection.scoring import ScoreTable
from selection.selector import IntelligentModelSelector

__all__ = ["route_recommendation"]


def route_recommendation(
    ab: ABTestManager,
    selector: IntelligentModelSelector,
    base: Recommendation,
    *,
    priority_factors: Mapping[str, float] | None = None,
    min_context_length: int | None = None,
    unit_id: str | None = None,
    request_id: str | None = None,
) -> Recommendation:
    """The recommendation to serve, given the selector's own ``base`` (synchronous, no I/O)."""
    task = base.task_type
    test = ab.active_test(task)
    winner = ab.winners.get(task)
    if test is None and (winner is None or winner == base.recommended_model_id):
        return base
    table = selector.score_table(task, priority_factors, min_context_length=min_context_length)
    if test is None:
        assert winner is not None
        if winner in table.excluded or winner not in table.model_ids:
            return base
        return _recommend(selector, table, base, winner, f"{winner} won this task's A/B test")
    champion, challenger = test.spec.model_a_id, test.spec.model_b_id
    if not {champion, challenger} <= set(table.model_ids):
        return base
    assignment = ab.route(task, unit_id=unit_id, request_id=request_id)
    if assignment is None:
        why = (
            f"A/B test {test.test_id} runs on {task}; without a {test.spec.unit} id the "
            "champion serves, outside the test"
        )
        return _recommend(selector, table, base, champion, why)
    role = "challenger" if assignment.arm == "b" else "champion"
    why = (
        f"A/B test {test.test_id}: {test.spec.unit} {assignment.unit_id!r} is in arm "
        f"{assignment.arm} ({role}) at {test.phase.traffic_split:.0%} challenger traffic"
    )
    return _recommend(selector, table, base, assignment.model_id, why)


def _recommend(
    selector: IntelligentModelSelector,
    table: ScoreTable,
    base: Recommendation,
    model_id: str,
    why: str,
) -> Recommendation:
    if model_id == base.recommended_model_id:
        return base.model_copy(update={"reasoning": f"{why}; {base.reasoning}"})
    pick = table.model_ids.index(model_id)
    estimate = table.estimates[model_id]
    expected: dict[str, float | int] = {k: v for k, v in estimate.values.items() if v is not None}
    expected["score"] = float(table.scores[pick])
    expected["observations"] = estimate.observations
    return Recommendation(
        task_type=base.task_type,
        recommended_model_id=model_id,
        confidence_score=selector.confidence(table, pick),
        reasoning=f"{why}; the selector's own choice is {base.recommended_model_id}",
        expected_performance=expected,
        cost_estimate=estimate.values.get("cost"),
        alternative_models=tuple(m for m in table.model_ids if m != model_id)[:3],
        recommendation_factors=dict(table.weights),
        timestamp=base.timestamp,
    )
