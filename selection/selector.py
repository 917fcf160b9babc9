"""The selector (the seed's IntelligentModelSelector): which model should serve a task now.

Choosing reads only the tracker's in-memory sums and a per-task cache of scores, so it does
no I/O and takes microseconds. The cache is rebuilt when the task's statistics, the catalog,
the thresholds or the collective adjustments change.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Literal

import numpy as np

from selection.aggregates import Aggregate
from selection.catalog import ModelCatalog
from selection.clock import Clock
from selection.collective import (
    AdjustableRecommendation,
    CollectiveFeedback,
    CollectiveState,
    ConsensusLike,
    parse_feedback,
)
from selection.errors import NoEligibleModelError
from selection.priorities import normalise_priorities
from selection.recommendation import Recommendation
from selection.scoring import ScoreTable, build_score_table, pareto_front
from selection.tasks import TaskLike
from selection.thresholds import DEFAULT_THRESHOLDS, TaskThresholds
from selection.tracker import PerformanceTracker

__all__ = ["IntelligentModelSelector", "Mode"]

Mode = Literal["greedy", "thompson"]
_CACHE_LIMIT = 4096


class IntelligentModelSelector:
    """Scores the catalog's models for a task and recommends one.

    Args:
        tracker: where observed performance comes from.
        thresholds: per-task hard limits; the seed's defaults where not given.
        prior_strength: how many observations the catalog's prior is worth.
        clock: stamps recommendations.
    """

    def __init__(
        self,
        tracker: PerformanceTracker,
        *,
        thresholds: Mapping[str, TaskThresholds] | None = None,
        prior_strength: float = 10.0,
        clock: Clock | None = None,
    ) -> None:
        if not (prior_strength > 0 and math.isfinite(prior_strength)):
            raise ValueError(f"prior_strength must be positive, got {prior_strength!r}")
        self.performance_tracker = tracker
        self.catalog: ModelCatalog = tracker.catalog
        self.clock: Clock = clock or tracker.clock
        self.prior_strength = prior_strength
        self._thresholds: dict[str, TaskThresholds] = dict(DEFAULT_THRESHOLDS)
        self._thresholds.update(thresholds or {})
        self._thresholds_version = 0
        self._tables: dict[tuple[object, ...], ScoreTable] = {}
        self._recommendations: dict[tuple[object, ...], Recommendation] = {}
        self.collective: dict[str, CollectiveState] = {}
        """Per task, the hive's feedback in force (see :mod:`selection.collective`)."""
        self.ab_winners: dict[str, str] = {}
        """Per task, the winner of a concluded A/B test, which the hive may not overrule."""
        self.adjustments_version = 0
        """Bumped when ``collective`` or ``ab_winners`` change, so caches refresh."""
        self.before_io: Callable[[], Awaitable[None]] | None = None
        """Awaited before the selector touches the store (the manager opens it lazily)."""

    def __repr__(self) -> str:
        return f"IntelligentModelSelector(models={len(self.catalog)}, k={self.prior_strength:g})"

    # -- thresholds ---------------------------------------------------------------------

    def thresholds(self, task: TaskLike) -> TaskThresholds:
        """The hard limits in force for a task."""
        return self._thresholds.get(self.catalog.check_task(task), TaskThresholds())

    def set_thresholds(self, task: TaskLike, thresholds: TaskThresholds) -> None:
        """Replace a task's hard limits."""
        self._thresholds[self.catalog.check_task(task)] = thresholds
        self._thresholds_version += 1

    # -- scoring ------------------------------------------------------------------------

    def score_table(
        self,
        task: TaskLike,
        priority_factors: Mapping[str, float] | None = None,
        *,
        min_context_length: int | None = None,
    ) -> ScoreTable:
        """Scores of every eligible model, best first, and why the others are out."""
        name = self.catalog.check_task(task)
        weights = normalise_priorities(priority_factors)
        return self._table(name, weights, min_context_length)

    def _key(
        self, task: str, weights: tuple[tuple[str, float], ...], ctx: int | None
    ) -> tuple[object, ...]:
        return (
            task,
            weights,
            ctx,
            self.catalog.version,
            self.performance_tracker.version(task),
            self._thresholds_version,
            self.adjustments_version,
        )

    def _table(
        self, task: str, weights: tuple[tuple[str, float], ...], ctx: int | None
    ) -> ScoreTable:
        key = self._key(task, weights, ctx)
        table = self._tables.get(key)
        if table is None:
            stats = self.performance_tracker.task_stats(task)
            candidates = [(spec, stats.get(spec.id)) for spec in self.catalog if spec.is_active]
            table = build_score_table(
                task,
                candidates,
                weights,
                self._thresholds.get(task, TaskThresholds()),
                prior_strength=self.prior_strength,
                min_context_length=ctx,
                bonuses=self._bonuses(task, stats),
            )
            if len(self._tables) >= _CACHE_LIMIT:
                self._tables.clear()
                self._recommendations.clear()
            self._tables[key] = table
        return table

    def _bonuses(self, task: str, stats: Mapping[str, Aggregate]) -> dict[str, float] | None:
        state = self.collective.get(task)
        if state is None or state.feedback.preferred_model is None:
            return None
        records = sum(agg.records for agg in stats.values())
        bonus = state.bonus(records)
        judged = state.feedback.judged_models
        bonuses = {state.feedback.preferred_model: bonus}
        if judged is not None:  # what the hive never saw is not held back by its verdict
            bonuses.update((s.id, bonus) for s in self.catalog.active() if s.id not in judged)
        return bonuses

    def _collective_factor(self, task: str, model_id: str) -> float:
        state = self.collective.get(task)
        if state is None or state.feedback.preferred_model is None:
            return 1.0
        stats = self.performance_tracker.task_stats(task)
        factor = state.factor(sum(agg.records for agg in stats.values()))
        return factor if model_id == state.feedback.preferred_model else 1.0 / factor

    # -- collective intelligence ----------------------------------------------------------

    async def update_recommendations_from_collective_intelligence(
        self, feedback: ConsensusLike | Mapping[str, Any] | Iterable[ConsensusLike]
    ) -> dict[str, Recommendation]:
        """Apply the hive's verdicts, within hard limits, and store each adjustment.

        Accepts a ``hive.consensus.Consensus``, a list of them, or the seed's dictionary
        ``{task: {"preferred_model", "confidence_boost", "collective_insights",
        "performance_feedback", "collective_approval", "wisdom"}}``. Every verdict is
        validated before any is applied. See :mod:`selection.collective` for the limits.

        Returns:
            Per task, the recommendation after the adjustment, as stored in
            ``model_recommendations`` with the evidence in ``expected_performance``.

        Raises:
            UnknownTaskError, UnknownModelError: a verdict names an unknown task or model.
            pydantic.ValidationError: a verdict's field is malformed.
        """
        verdicts = self.validate_feedback(feedback)
        if self.before_io is not None:
            await self.before_io()
        applied: dict[str, Recommendation] = {}
        for task, verdict, winner in self.apply_feedback(verdicts):
            try:
                rec = self.recommend(task)
            except NoEligibleModelError:
                continue
            evidence = {
                **verdict.model_dump(mode="json", exclude={"task_type"}),
                "confidence_factor": verdict.factor,
                "bonus": verdict.bonus,
                "applied": winner is None,
                "overruled_by_ab_test": winner,
                "preferred_is_eligible": verdict.preferred_model is None
                or verdict.preferred_model not in self.score_table(task).excluded,
            }
            performance = {**rec.expected_performance, "collective": evidence}
            rec = rec.model_copy(update={"expected_performance": performance})
            await self.performance_tracker.store.add_recommendation(rec)
            applied[task] = rec
        return applied

    def validate_feedback(
        self, feedback: ConsensusLike | Mapping[str, Any] | Iterable[ConsensusLike]
    ) -> list[tuple[str, CollectiveFeedback]]:
        """Parse feedback and check its tasks and models, before anything is applied."""
        verdicts = []
        for verdict in parse_feedback(feedback):
            task = self.catalog.check_task(verdict.task_type)
            if verdict.preferred_model is not None:
                self.catalog.get(verdict.preferred_model)
            verdicts.append((task, verdict))
        return verdicts

    def apply_feedback(
        self, verdicts: Iterable[tuple[str, CollectiveFeedback]]
    ) -> list[tuple[str, CollectiveFeedback, str | None]]:
        """Put validated verdicts in force (no I/O).

        Returns:
            Per verdict: its task, the verdict, and the A/B test winner that overruled it
            (``None`` when it was applied).
        """
        done: list[tuple[str, CollectiveFeedback, str | None]] = []
        for task, verdict in verdicts:
            winner = self.ab_winners.get(task)
            if winner is not None and verdict.preferred_model not in (None, winner):
                done.append((task, verdict, winner))
                continue
            stats = self.performance_tracker.task_stats(task)
            self.collective[task] = CollectiveState(verdict, sum(a.records for a in stats.values()))
            self.adjustments_version += 1
            done.append((task, verdict, None))
        return done

    async def get_recommendation(self, task: TaskLike) -> AdjustableRecommendation:
        """The task's current recommendation as a live view the hive may adjust.

        Edits go through the collective limits: ``confidence_score *= 1.3`` becomes a bounded
        confidence factor, ``reasoning += "; Hive insight: ..."`` the insight (the seed's
        "Collective Intelligence Learning").
        """
        if self.before_io is not None:
            await self.before_io()
        return AdjustableRecommendation(self, self.catalog.check_task(task))

    # -- recommending -------------------------------------------------------------------

    def recommend(
        self,
        task: TaskLike,
        priority_factors: Mapping[str, float] | None = None,
        *,
        mode: Mode = "greedy",
        rng: np.random.Generator | None = None,
        min_context_length: int | None = None,
    ) -> Recommendation:
        """Recommend a model for a task (synchronous, no I/O).

        Args:
            task: a built-in or declared task type.
            priority_factors: weights over objectives (quality, cost, speed, reliability,
                consciousness, creativity, accuracy, reasoning, humor, user_satisfaction,
                cost_efficiency); they need not sum to 1.
            mode: ``"greedy"`` takes the best expected score; ``"thompson"`` samples each
                model's score from its posterior and takes the best draw, which explores.
            rng: the generator Thompson sampling draws from (required for it).
            min_context_length: exclude models whose context is shorter.

        Raises:
            NoEligibleModelError: every model breaches the task's hard limits.
            UnknownTaskError: the task type is unknown.
            ValueError: a priority factor is unknown or negative.
        """
        name = self.catalog.check_task(task)
        weights = normalise_priorities(priority_factors)
        if mode == "greedy":
            key = self._key(name, weights, min_context_length)
            cached = self._recommendations.get(key)
            if cached is not None:
                return cached
        table = self._table(name, weights, min_context_length)
        if not table.model_ids:
            raise NoEligibleModelError(name, table.excluded)
        if mode == "thompson":
            if rng is None:
                raise ValueError("Thompson sampling needs an rng (a numpy Generator)")
            draws = rng.normal(table.scores, table.spreads)
            pick = int(np.argmax(draws))
        elif mode == "greedy":
            pick = 0
        else:
            raise ValueError(f"unknown mode {mode!r}; use 'greedy' or 'thompson'")
        recommendation = self._explain(table, pick, self.clock.now())
        if mode == "greedy":
            self._recommendations[key] = recommendation
        return recommendation

    def choose_many(
        self,
        task: TaskLike,
        n: int,
        priority_factors: Mapping[str, float] | None = None,
        *,
        mode: Mode = "thompson",
        rng: np.random.Generator | None = None,
        min_context_length: int | None = None,
    ) -> list[str]:
        """Choose models for ``n`` requests at once, as ``n`` calls of :meth:`recommend` would.

        Thompson sampling draws every request's scores in one vectorised step, so a
        simulation can route thousands of requests per step.

        Raises:
            NoEligibleModelError: every model breaches the task's hard limits.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        name = self.catalog.check_task(task)
        table = self._table(name, normalise_priorities(priority_factors), min_context_length)
        if not table.model_ids:
            raise NoEligibleModelError(name, table.excluded)
        if mode == "greedy":
            return [table.model_ids[0]] * n
        if mode != "thompson":
            raise ValueError(f"unknown mode {mode!r}; use 'greedy' or 'thompson'")
        if rng is None:
            raise ValueError("Thompson sampling needs an rng (a numpy Generator)")
        draws = rng.normal(table.scores, table.spreads, size=(n, len(table.model_ids)))
        ids = table.model_ids
        return [ids[i] for i in np.argmax(draws, axis=1)]

    def confidence(self, table: ScoreTable, pick: int = 0) -> float:
        """How sure we are that the picked model is the best eligible one, in [0, 1].

        The probability that the pick truly beats the best of the others, from the scores'
        spreads, rescaled so a coin toss reads 0, times the share of the pick's evidence
        that is observed rather than prior; then the collective's factor, clamped.
        """
        model_id = table.model_ids[pick]
        n = table.estimates[model_id].observations
        evidence = n / (n + self.prior_strength)
        others = [i for i in range(len(table.model_ids)) if i != pick]
        if others:
            rival = max(others, key=lambda i: table.scores[i])
            margin = float(table.scores[pick] - table.scores[rival])
            spread = math.hypot(float(table.spreads[pick]), float(table.spreads[rival]))
            beats = 0.5 * (1.0 + math.erf(margin / (spread * math.sqrt(2.0)))) if spread else 1.0
            separation = max(0.0, 2.0 * beats - 1.0)
        else:
            separation = 1.0
        factor = self._collective_factor(table.task, model_id)
        return min(1.0, max(0.0, separation * evidence * factor))

    def _explain(self, table: ScoreTable, pick: int, now: datetime) -> Recommendation:
        model_id = table.model_ids[pick]
        estimate = table.estimates[model_id]
        values = estimate.values
        weights = ", ".join(f"{name} {w:.2f}" for name, w in table.weights)
        cost = values["cost"]
        cost_text = "price unknown" if cost is None else f"${cost:.4f}/request"
        parts = [
            f"{model_id} scores {table.scores[pick]:.3f} under {weights}",
            f"expected quality {values['quality']:.3f}, {cost_text}, "
            f"{values['speed']:.0f} ms, errors {values['reliability']:.1%} "
            f"({estimate.observations} observations)",
        ]
        alternatives = tuple(m for m in table.model_ids if m != model_id)[:3]
        if alternatives:
            rival = alternatives[0]
            parts.append(f"runner-up {rival} {table.scores[table.model_ids.index(rival)]:.3f}")
        if pick != 0:
            parts.append("explored by Thompson sampling")
        if table.excluded:
            parts.append(f"{len(table.excluded)} excluded by limits")
        state = self.collective.get(table.task)
        if state is not None:
            preferred = state.feedback.preferred_model
            parts.append("hive agrees" if preferred == model_id else f"hive prefers {preferred}")
            if state.feedback.insight:
                parts.append(f"Hive insight: {state.feedback.insight}")
        expected = {k: v for k, v in values.items() if v is not None}
        expected["score"] = float(table.scores[pick])
        expected["observations"] = estimate.observations
        return Recommendation(
            task_type=table.task,
            recommended_model_id=model_id,
            confidence_score=self.confidence(table, pick),
            reasoning="; ".join(parts),
            expected_performance=expected,
            cost_estimate=cost,
            alternative_models=alternatives,
            recommendation_factors=dict(table.weights),
            timestamp=now,
        )

    def pareto_front(self, task: TaskLike) -> list[str]:
        """Eligible models that no other beats on quality, cost and speed at once."""
        table = self.score_table(task)
        points = {}
        for model_id in table.model_ids:
            values = table.estimates[model_id].values
            cost = values["cost"]
            points[model_id] = [
                values["quality"] or 0.0,
                -(cost if cost is not None else math.inf),
                -(values["speed"] or math.inf),
            ]
        return pareto_front(points, [True, True, True])
