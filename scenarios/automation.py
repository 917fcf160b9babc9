"""A/B automation in a scenario: a released model is tested against each task's champion.

The real :class:`~selection.abtest.ABTestManager` runs the tests on the scenario's store
and clock and installs them in the core, which assigns requests to arms as it chooses
(:meth:`~selection.core.Router.choose` with request ids); the analysis decides
(always-valid, after every step), promotions ramp up and roll back on a guardrail
regression, and a concluded test pins its winner for its task, as in
:class:`~selection.manager.DynamicModelManager`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from selection import (
    Clock,
    CoroutineRunner,
    ExperimentError,
    NoEligibleModelError,
    PerformanceRecord,
    Router,
    Store,
)
from selection.abtest import ABTestManager

__all__ = ["ABAutomation"]


class ABAutomation:
    """Starts, routes and monitors the A/B tests of one scenario run."""

    def __init__(
        self,
        *,
        store: Store,
        selector: Router,
        clock: Clock,
        runner: CoroutineRunner,
        weights: Mapping[str, float],
    ) -> None:
        self.selector = selector
        self.runner = runner
        self.weights = dict(weights)
        self.manager = ABTestManager(store, selector, clock=clock, monitor_interval=None)
        runner.run(self.manager.load())
        self.promotions: list[dict[str, Any]] = []
        self.rejections: list[dict[str, Any]] = []

    def on_release(self, model_id: str, tasks: Sequence[str], step: int) -> list[dict[str, Any]]:
        """Start a test of the new model against each task's current champion."""
        started = []
        for task in tasks:
            try:
                champion = self.selector.recommend(task, self.weights).recommended_model_id
            except NoEligibleModelError:
                continue
            if champion == model_id:
                continue
            test_id = f"ab-{step}-{task}-{model_id.replace('/', '-')}"  # ids seed the hash
            try:
                self.runner.run(
                    self.manager.create_test(champion, model_id, [task], test_id=test_id)
                )
            except ExperimentError as exc:
                started.append({"task": task, "skipped": str(exc)})
                continue
            started.append({"task": task, "test_id": test_id, "champion": champion})
        return started

    def tag(self, record: PerformanceRecord, request_id: str) -> PerformanceRecord:
        """The record with its test and arm, if a test routed its request."""
        return self.selector.tag(record, request_id=request_id)

    def monitor(
        self, step: int, true_values: Mapping[str, Mapping[str, float]]
    ) -> list[dict[str, Any]]:
        """Let every running test decide; note promotions of a model that is not better.

        Args:
            step: The step just served.
            true_values: Per task, each model's true value now (the oracle's view).
        """
        decisions = self.runner.run(self.manager.monitor())
        tests = {t.test_id: t for t in self.manager.tests()}
        entries = []
        for decision in decisions:
            entry: dict[str, Any] = {"test_id": decision.test_id, "action": decision.action,
                     "to": decision.to_status, "reason": decision.reason}  # fmt: skip
            promoted = decision.to_status == "promoted"
            if promoted or decision.action in ("abandon", "rollback", "expire"):
                test = tests[decision.test_id]
                task = test.spec.task_types[0]
                values = true_values.get(task, {})
                champion, challenger = test.spec.model_a_id, test.spec.model_b_id
                better = values.get(challenger, 0.0) > values.get(champion, 0.0)
                entry["wrong"] = better != promoted
                outcome = {
                    "step": step,
                    "task": task,
                    "model": challenger,
                    "wrong": better != promoted,
                }
                (self.promotions if promoted else self.rejections).append(outcome)
            entries.append(entry)
        return entries

    @property
    def wrong_promotions(self) -> int:
        """Promotions of a challenger whose true value was not above the champion's."""
        return sum(1 for p in self.promotions if p["wrong"])

    @property
    def wrong_rejections(self) -> int:
        """Tests that kept the champion although the challenger's true value was higher."""
        return sum(1 for r in self.rejections if r["wrong"])
