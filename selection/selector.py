"""The seed's ``IntelligentModelSelector``: the selection core plus the seed's async calls.

Everything a choice reads lives in :class:`~selection.core.Router`, which does no I/O. The
seed document also calls ``model_selector.performance_tracker`` and awaits
``model_selector.update_recommendations_from_collective_intelligence``, which store what
they do; this class adds exactly those, and is what
:class:`~selection.manager.DynamicModelManager` exposes as ``model_selector``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from selection.catalog import ModelCatalog
from selection.clock import Clock
from selection.core import ForgetMode, NoEligiblePolicy, Router
from selection.hive_feedback import AdjustableRecommendation, ConsensusLike
from selection.recommendation import Recommendation
from selection.store import Store
from selection.tasks import TaskLike
from selection.thresholds import TaskThresholds
from selection.tracker import PerformanceTracker

__all__ = ["IntelligentModelSelector"]


async def _nothing() -> None:
    return None


class IntelligentModelSelector(Router):
    """The core, with its tracker and the seed's two awaited methods.

    Args:
        catalog: the models to choose from.
        store: where the tracker writes records and this class writes adjustments.
        thresholds: per-task hard limits; the seed's defaults where not given.
        prior_strength: how many observations the catalog's prior is worth.
        clock: stamps records and recommendations.
        ready: awaited before any I/O (the manager opens its store lazily).
        half_life_hours: forget old evidence (see :class:`~selection.core.Router`).
        on_no_eligible: ``"raise"`` or ``"degrade"`` (see :class:`~selection.core.Router`).
        forget: ``"never"``, ``"half-life"`` or ``"change"`` (see :class:`~selection.core.Router`).
    """

    def __init__(
        self,
        catalog: ModelCatalog,
        store: Store,
        *,
        thresholds: Mapping[str, TaskThresholds] | None = None,
        prior_strength: float = 10.0,
        clock: Clock | None = None,
        ready: Callable[[], Awaitable[None]] = _nothing,
        half_life_hours: float | None = None,
        on_no_eligible: NoEligiblePolicy = "raise",
        forget: ForgetMode | None = None,
    ) -> None:
        super().__init__(
            catalog,
            thresholds=thresholds,
            prior_strength=prior_strength,
            clock=clock,
            half_life_hours=half_life_hours,
            on_no_eligible=on_no_eligible,
            forget=forget,
        )
        self.performance_tracker = PerformanceTracker(store, self)
        self._ready = ready

    async def update_recommendations_from_collective_intelligence(
        self, feedback: ConsensusLike | Mapping[str, Any] | Iterable[ConsensusLike]
    ) -> dict[str, Recommendation]:
        """Apply the hive's verdicts, within hard limits, and store each adjustment.

        Accepts a ``hive.consensus.Consensus``, a list of them, or the seed's dictionary
        ``{task: {"preferred_model", "confidence_boost", "collective_insights",
        "performance_feedback", "collective_approval", "wisdom"}}``. See
        :meth:`~selection.core.Router.apply_consensus` and :mod:`selection.hive_feedback`.

        Returns:
            Per task, the recommendation after the adjustment, as stored in
            ``model_recommendations`` with the evidence in ``expected_performance``.
        """
        verdicts = self.validate_feedback(feedback)  # refuse bad input before any I/O
        await self._ready()
        applied = self.apply_consensus_validated(verdicts)
        for rec in applied.values():
            await self.performance_tracker.store.add_recommendation(rec)
        return applied

    async def get_recommendation(self, task: TaskLike) -> AdjustableRecommendation:
        """The task's current recommendation as a live view the hive may adjust.

        Edits go through the collective limits: ``confidence_score *= 1.3`` becomes a bounded
        confidence factor, ``reasoning += "; Hive insight: ..."`` the insight (the seed's
        "Collective Intelligence Learning").
        """
        await self._ready()
        return AdjustableRecommendation(self, self.catalog.check_task(task))
