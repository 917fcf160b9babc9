"""The facade (the seed's DynamicModelManager): one object with the seed's API."""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import Mapping, Sequence
from datetime import timedelta
from types import TracebackType
from typing import Any, Self

import numpy as np

from selection.abtest.assignment import UnnamedCalls
from selection.abtest.service import ABTestManager
from selection.aggregates import Aggregate
from selection.budget import BudgetLedger, BudgetLike, BudgetPacer, ShareBudget
from selection.catalog import ModelCatalog
from selection.clock import Clock, SystemClock
from selection.completion import CompletionOutcome, CompletionService
from selection.core import ChoiceMode, ForgetMode, NoEligiblePolicy
from selection.errors import ExperimentError, NoEligibleModelError
from selection.feedback import record_or_amend
from selection.judges import Judge
from selection.metrics import COLUMN_INDEX
from selection.outbox import RecommendationOutbox
from selection.priorities import normalise_priorities
from selection.providers import GenerationParams, Message, ModelGateway, ProviderSettings
from selection.recommendation import Recommendation
from selection.records import PerformanceRecord
from selection.selector import IntelligentModelSelector
from selection.store import DEFAULT_SQLITE_URL, Store, open_store, redact_url
from selection.tasks import TaskLike
from selection.thresholds import TaskThresholds
from selection.tracker import PerformanceTracker

__all__ = ["DynamicModelManager", "resolve_database_url"]

logger = logging.getLogger(__name__)

RECENT_HOURS = 24


def resolve_database_url(database_url: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The URL given, else the environment's, else a local SQLite file.

    ``GENESIS_DATABASE_URL`` wins over the seed's ``DATABASE_URL``: the generic name is often
    set by other applications on the same machine.
    """
    if database_url:
        return database_url
    env = os.environ if environ is None else environ
    return env.get("GENESIS_DATABASE_URL") or env.get("DATABASE_URL") or DEFAULT_SQLITE_URL


class DynamicModelManager:
    """Chooses models per task, learns from every recorded call, and reports status.

    Methods that need the database initialise the manager on first use, so the seed's
    examples that skip :meth:`initialize` work too. Use ``async with`` or :meth:`close`.

    Args:
        database_url: ``sqlite:///file.db`` or ``postgresql://...``; defaults to
            ``GENESIS_DATABASE_URL``, else ``DATABASE_URL`` from the environment, else
            ``sqlite:///genesis_prime.db``.
        catalog: the models to choose from; the built-in catalog by default.
        clock: where timestamps come from (inject a simulated one in simulations).
        thresholds: per-task hard limits on top of the seed's defaults.
        prior_strength: how many observations the catalog's prior is worth.
        rng: the generator Thompson sampling draws from.
        store: an unopened store to use instead of opening ``database_url``.
        gateway: calls the models for :meth:`complete` (the caller owns and closes it); when
            ``None``, the first :meth:`complete` builds one from the provider keys in the
            environment (``OPENAI_API_KEY``...), as the provider SDKs do, and :meth:`close`
            closes it.
        judge: scores :meth:`complete`'s answers; none by default.
        half_life_hours: forget old evidence: a record counts half after this many hours
            (see :mod:`selection.decay`); ``None`` (the default) never forgets.
        on_no_eligible: ``"raise"`` (the default) when every model breaches a task's limits,
            or ``"degrade"``: serve the best of them, flagged (``degraded_reason``) and
            listed under ``degraded_tasks`` in :meth:`get_system_status`.
        forget: ``"change"`` forgets only after a detected change (:mod:`selection.change`;
            ``half_life_hours`` then ages the evidence since the change, 6 by default);
            ``None``: by ``half_life_hours`` (see :class:`~selection.core.Router`).
        budget: a spend target over every task: a :class:`~selection.budget.Budget` (dollars
            per request or per day) or a :class:`~selection.budget.ShareBudget` (a share of
            a reference model's cost); paced over the current UTC day by moving the cost
            weight (:mod:`selection.budget`). Today's spend is read from the store, so a
            restart does not reset it.
        task_budgets: a spend target per task type, paced like ``budget``; where both bind,
            the tighter (the higher cost weight) wins.
    """

    def __init__(
        self,
        database_url: str | None = None,
        *,
        catalog: ModelCatalog | None = None,
        clock: Clock | None = None,
        thresholds: Mapping[str, TaskThresholds] | None = None,
        prior_strength: float = 10.0,
        rng: np.random.Generator | None = None,
        store: Store | None = None,
        gateway: ModelGateway | None = None,
        judge: Judge | None = None,
        half_life_hours: float | None = None,
        on_no_eligible: NoEligiblePolicy = "raise",
        forget: ForgetMode | None = None,
        budget: BudgetLike | None = None,
        task_budgets: Mapping[str, BudgetLike] | None = None,
    ) -> None:
        self.database_url = store.url if store is not None else resolve_database_url(database_url)
        self.catalog = catalog if catalog is not None else ModelCatalog.default()
        self.clock: Clock = clock or SystemClock()
        self.store: Store = store if store is not None else open_store(self.database_url)
        self.model_selector = IntelligentModelSelector(
            self.catalog,
            self.store,
            thresholds=thresholds,
            prior_strength=prior_strength,
            clock=self.clock,
            ready=self._ready,
            half_life_hours=half_life_hours,
            on_no_eligible=on_no_eligible,
            forget=forget,
        )
        self.ab_test_manager = ABTestManager(
            self.store, self.model_selector, clock=self.clock, ensure_ready=self._ready
        )
        self.rng = rng if rng is not None else np.random.default_rng()
        self.gateway = gateway
        self._owned_gateway: ModelGateway | None = None
        self.judge = judge
        self._initialized = False
        self._init_lock = asyncio.Lock()
        self._stored_choice: dict[str, tuple[str, tuple[tuple[str, float], ...]]] = {}
        self.recommendation_outbox = RecommendationOutbox(self.store)
        self._unnamed = UnnamedCalls()
        per_task = {self.catalog.check_task(t): b for t, b in (task_budgets or {}).items()}
        for given in (budget, *per_task.values()):
            if isinstance(given, ShareBudget):
                self.catalog.get(given.reference)
        self.budgets = BudgetLedger(self.clock, overall=budget, per_task=per_task)

    def __repr__(self) -> str:
        return f"DynamicModelManager(store={self.store!r}, models={len(self.catalog)})"

    @property
    def performance_tracker(self) -> PerformanceTracker:
        """The tracker (also reachable as ``model_selector.performance_tracker``)."""
        return self.model_selector.performance_tracker

    # -- lifecycle ----------------------------------------------------------------------

    async def initialize(self) -> None:
        """Open the store, create its schema if needed, and rebuild statistics from it."""
        async with self._init_lock:
            if self._initialized:
                return
            await self.store.open()
            try:
                await self.performance_tracker.start()
                await self.ab_test_manager.load()
                for task, rec in (await self.store.latest_recommendations()).items():
                    factors = tuple(sorted(rec.recommendation_factors.items()))
                    self._stored_choice[task] = (rec.recommended_model_id, factors)
            except BaseException:
                await self.store.aclose()  # a failed start keeps no connections
                raise
            self._initialized = True

    async def close(self) -> None:
        """Write queued recommendations if the store answers soon, then release connections."""
        await self.recommendation_outbox.flush(wait_seconds=2.0)
        await self.recommendation_outbox.aclose()
        await self.store.aclose()
        self._initialized = False
        if self._owned_gateway is not None:
            await self._owned_gateway.aclose()
            self.gateway = self._owned_gateway = None

    async def __aenter__(self) -> Self:
        await self.initialize()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _ready(self) -> None:
        if not self._initialized:
            await self.initialize()

    # -- the seed's API -----------------------------------------------------------------

    async def get_optimal_model(
        self,
        task: TaskLike,
        priority_factors: Mapping[str, float] | None = None,
        *,
        mode: ChoiceMode = "greedy",
        min_context_length: int | None = None,
        unit_id: str | None = None,
        request_id: str | None = None,
        budget: BudgetLike | None = None,
    ) -> str:
        """The id of the model that should serve ``task`` now.

        While an A/B test runs on the task, pass ``request_id`` (or ``unit_id`` for tests by
        session or user) to take part: see :meth:`recommend`. ``budget`` adds a spend target
        for this call (see :meth:`recommend`).

        Raises:
            NoEligibleModelError: every model breaches the task's limits.
            UnknownTaskError: the task type is unknown.
            ValueError: a priority factor is unknown or negative.
        """
        rec = await self.recommend(
            task,
            priority_factors,
            mode=mode,
            min_context_length=min_context_length,
            unit_id=unit_id,
            request_id=request_id,
            budget=budget,
        )
        return rec.recommended_model_id

    async def recommend(
        self,
        task: TaskLike,
        priority_factors: Mapping[str, float] | None = None,
        *,
        mode: ChoiceMode = "greedy",
        min_context_length: int | None = None,
        unit_id: str | None = None,
        request_id: str | None = None,
        budget: BudgetLike | None = None,
    ) -> Recommendation:
        """The full recommendation for ``task``: model, confidence, reasoning, alternatives.

        A recommendation is stored in ``model_recommendations`` when the chosen model or
        the factors differ from the last one stored for the task, not on every call. A
        choice never fails because the store does: while it is down, that write is queued
        and made when it is back (see :class:`~selection.outbox.RecommendationOutbox`).

        While an A/B test runs on the task, a request is served its arm's model, chosen by a
        stable hash of ``request_id`` (tests by request) or ``unit_id`` (by session or user);
        record the call with the same ids and the record carries its arm. A call without
        either id is its own unit under a fresh id: a record of the model it was served,
        given later to :meth:`update_model_performance` without an id, takes that id and
        its arm (the seed's Usage Example 3: create a test, route with
        ``get_optimal_model(task)``, record, read the results). After a test concludes, its
        winner serves.

        Under a spend target (the manager's ``budget``, the task's ``task_budgets`` entry,
        and ``budget`` for this call, which adds to them; the tightest binds) the cost
        weight is paced to today's spend against it (:mod:`selection.budget`), and the
        recommendation's factors say so. Spend is what ``cost`` the task's records carry.
        """
        await self._ready()
        asked = normalise_priorities(priority_factors)
        pacer = await self.pacer(task, budget)
        if pacer is not None:
            priority_factors = pacer.factors(priority_factors)
        rec = self.model_selector.recommend(
            task,
            priority_factors,
            mode=mode,
            rng=self.rng,
            min_context_length=min_context_length,
        )
        # Stored when the model or the asked factors change, not at every paced weight.
        factors = asked if pacer is not None else tuple(sorted(rec.recommendation_factors.items()))
        choice = (rec.recommended_model_id, factors)
        if mode == "greedy" and self._stored_choice.get(rec.task_type) != choice:
            self._stored_choice[rec.task_type] = choice
            await self.recommendation_outbox.put(rec)
        fresh = None
        unnamed = request_id is None and unit_id is None
        if unnamed and self.model_selector.active_test(rec.task_type) is not None:
            fresh = request_id = uuid.uuid4().hex
        routed = self.model_selector.route(
            rec,
            priority_factors,
            min_context_length=min_context_length,
            unit_id=unit_id,
            request_id=request_id,
        )
        if fresh is not None:
            assignment = self.model_selector.assigned(rec.task_type, fresh)
            if assignment is not None and assignment.model_id == routed.recommended_model_id:
                self._unnamed.keep(rec.task_type, routed.recommended_model_id, fresh)
        return routed

    async def pacer(self, task: TaskLike, budget: BudgetLike | None = None) -> BudgetPacer | None:
        """The binding budget's pacer for a request of ``task`` now, or ``None`` without one.

        Raises:
            ValueError: a share budget's reference model has no cost estimate.
        """
        name = self.catalog.check_task(task)
        if budget is None and not self.budgets.active:
            return None
        if isinstance(budget, ShareBudget):
            self.catalog.get(budget.reference)
        await self._read_spend()
        return self.budgets.binding(
            name,
            self.model_selector.spend_totals(),
            lambda model: self.model_selector.expected_cost(model, name),
            budget,
        )

    async def _read_spend(self) -> None:
        """Read today's spend per task from the store, once a day (and after a restart)."""
        if not self.budgets.stale():
            return
        day = self.budgets.day_start()
        totals = self.model_selector.spend_totals()
        today: dict[str, tuple[float, int]] = {}
        cost = COLUMN_INDEX["cost"]
        for (_, task), agg in (await self.store.aggregates(since=day)).items():
            dollars, requests = today.get(task, (0.0, 0))
            today[task] = (dollars + agg.total[cost], requests + agg.records)
        self.budgets.rebase(day, today, totals)

    async def update_model_performance(
        self,
        model_id: str,
        task: TaskLike,
        performance: Mapping[str, Any],
        request_id: str | None = None,
        *,
        unit_id: str | None = None,
    ) -> PerformanceRecord:
        """Record how a call went, from the seed's performance dictionary.

        ``request_id`` becomes the record id; recording the same id twice counts it once.
        A call routed by a running A/B test (same ``request_id``/``unit_id`` as given to
        :meth:`recommend`) is tagged with its test and arm; so is one routed without an id,
        recorded without an id (it takes the oldest fresh id routed to this model and
        task, see :meth:`recommend`). A rating given later is the
        exception to counting once: when the id is stored and ``performance`` carries
        only ``user_rating`` and/or ``quality_score`` (a call made by :meth:`complete`,
        rated afterwards with its request id), those columns of the stored record are
        set and the statistics adjusted by the difference.

        Raises:
            InvalidRecordError: naming the field that is wrong, or the stored record with
                this id belongs to another model or task type.
            UnknownModelError, UnknownTaskError: the model or task is not known.
        """
        await self._ready()
        record = PerformanceRecord.from_performance(
            model_id, task, performance, request_id=request_id, timestamp=self.clock.now()
        )
        if request_id is None and unit_id is None and record.ab_test_id is None:
            # A call routed without an id by a running test: its fresh id (see recommend).
            fresh = self._unnamed.take(record.task_type, record.model_id)
            if fresh is not None:
                request_id = fresh
                record = record.model_copy(update={"record_id": fresh})
        record = self.model_selector.tag(record, unit_id=unit_id, request_id=request_id)
        if not await record_or_amend(self.performance_tracker, self.store, record, performance):
            logger.debug("record %s was stored before; not counted again", record.record_id)
        elif record.ab_test_id is not None:
            await self.ab_test_manager.maybe_monitor(record.ab_test_id)
        return record

    async def complete(
        self,
        task: TaskLike,
        messages: Sequence[Message],
        priority_factors: Mapping[str, float] | None = None,
        *,
        mode: ChoiceMode = "greedy",
        min_context_length: int | None = None,
        params: GenerationParams | None = None,
        request_id: str | None = None,
        unit_id: str | None = None,
        judge: Judge | None = None,
        store_prompt: bool = False,
    ) -> CompletionOutcome:
        """Choose a model for ``task``, call it with fallbacks, and record every attempt.

        The chain is the recommended model, then its alternatives. Every attempt, failures
        included, becomes a performance record: the answer's under ``request_id``, failed
        attempt ``n`` under ``f"{request_id}#{n}"`` (see :mod:`selection.completion`).
        Rate the answer later with ``update_model_performance(model, task,
        {"user_rating": 0.8}, request_id=outcome.request_id)``.

        Args:
            task: a built-in or declared task type.
            messages: the conversation, e.g. ``[Message.user("...")]``.
            priority_factors: weights over objectives, as for :meth:`recommend`.
            mode: ``"greedy"`` or ``"thompson"``.
            min_context_length: exclude models whose context is shorter.
            params: sampling parameters.
            request_id: the call's id; a fresh UUID hex by default. While an A/B test runs
                on the task, it picks the arm (tests by request).
            unit_id: the session or user, for A/B tests assigned by unit.
            judge: scores the answer; the manager's judge (else none) by default.
            store_prompt: keep the conversation in the records (only its hash otherwise).

        Raises:
            ConfigError: no model of the chain can be called (no provider key set).
            selection.completion.CompletionFailedError: every model failed (all recorded).
            NoEligibleModelError, UnknownTaskError: as for :meth:`recommend`.
        """
        if self.gateway is None:
            self.gateway = ModelGateway.from_settings(ProviderSettings.from_env(os.environ))
            self._owned_gateway = self.gateway
        await self._ready()
        service = CompletionService.for_manager(
            self, self.gateway, judge=judge or self.judge, store_prompt=store_prompt
        )
        return await service.complete(
            task,
            messages,
            priority_factors,
            mode=mode,
            min_context_length=min_context_length,
            params=params,
            request_id=request_id,
            unit_id=unit_id,
        )

    async def create_model_comparison_test(
        self,
        task: TaskLike,
        challenger_model_id: str,
        *,
        champion_model_id: str | None = None,
        **options: Any,
    ) -> str:
        """Start an A/B test of a challenger against the task's current model.

        Args:
            task: The task type whose traffic is split.
            challenger_model_id: The model to try.
            champion_model_id: The control; by default the model the task is served now.
            **options: Any option of :meth:`ABTestManager.create_test` (``traffic_split``,
                ``success_metrics``, ``guardrails``, ``duration_hours``, ``sample_size``...).

        Returns:
            The test id.

        Raises:
            UnknownModelError, UnknownTaskError: a model or the task is unknown.
            ExperimentError: the challenger is the champion, or the challenger breaches the
                task's hard limits, or another test runs on the task, or an option is wrong.
        """
        await self._ready()
        name = self.catalog.check_task(task)
        self.catalog.get(challenger_model_id)
        if champion_model_id is None:
            champion_model_id = (await self.recommend(name)).recommended_model_id
        excluded = self.model_selector.score_table(name).excluded
        for model_id in (champion_model_id, challenger_model_id):
            if model_id in excluded:
                raise ExperimentError(f"{model_id!r} cannot serve {name!r}: {excluded[model_id]}")
        return await self.ab_test_manager.create_test(
            champion_model_id, challenger_model_id, [name], **options
        )

    async def get_system_status(self) -> dict[str, Any]:
        """The seed's dashboard: assignments, A/B tests, models and recent performance."""
        await self._ready()
        assignments: dict[str, str] = {}
        unassigned: dict[str, str] = {}
        degraded: dict[str, str] = {}
        for task in sorted(self.catalog.tasks):
            try:
                rec = self.model_selector.recommend(task)
            except NoEligibleModelError as exc:
                unassigned[task] = str(exc)
                continue
            if rec.degraded_reason is not None:
                degraded[task] = rec.degraded_reason
            assignments[task] = self.model_selector.route(rec).recommended_model_id
        since = self.clock.now() - timedelta(hours=RECENT_HOURS)
        recent = await self.store.aggregates(since=since)
        ab = await self.ab_test_manager.dashboard()
        budgets: dict[str, dict[str, Any]] = {}
        if self.budgets.active:
            await self._read_spend()
            budgets = self.budgets.report(
                self.model_selector.spend_totals(), self.model_selector.expected_cost
            )
        return {
            "current_assignments": assignments,
            "unassigned_tasks": unassigned,
            "degraded_tasks": degraded,
            "half_life_hours": self.model_selector.half_life_hours,
            "forget": self.model_selector.forget,
            "changes": _changes(self.model_selector),
            "budgets": budgets,
            "active_ab_tests": ab["active"],
            "ab_tests": ab["tests"],
            "ab_decisions": ab["decisions"],
            "ab_winners": ab["winners"],
            "available_models": len(self.catalog.active()),
            "unpriced_models": sorted(s.id for s in self.catalog.active() if not s.price_known),
            "recent_performance": _recent_by_task(recent, sorted(self.catalog.tasks)),
            "recent_window_hours": RECENT_HOURS,
            "total_records": self.performance_tracker.total_records(),
            "database": redact_url(self.database_url),
        }


def _changes(selector: IntelligentModelSelector) -> dict[str, dict[str, str]]:
    """With ``forget="change"``: per task, the models whose last change was detected, and when."""
    detector = selector.change_detector
    if detector is None:
        return {}
    found: dict[str, dict[str, str]] = {}
    for task in sorted(selector.catalog.tasks):
        for model_id in sorted(detector.changes(task)):
            since = detector.changed_since(model_id, task)
            if since is not None:
                found.setdefault(task, {})[model_id] = since.isoformat()
    return found


def _recent_by_task(
    recent: Mapping[tuple[str, str], Any], tasks: list[str]
) -> dict[str, dict[str, Any]]:
    merged: dict[str, Aggregate] = {}
    models: dict[str, int] = {}
    for (_, task), agg in recent.items():
        merged.setdefault(task, Aggregate()).merge(agg)
        models[task] = models.get(task, 0) + 1
    report: dict[str, dict[str, Any]] = {}
    for task in tasks:
        agg = merged.get(task)
        quality = agg.mean("quality_score") if agg else None
        cost = agg.mean("cost") if agg else None
        if agg is None or quality is None or cost is None:
            what = "records" if agg is None else "quality and cost data"
            report[task] = {"error": f"no {what} in the last {RECENT_HOURS} hours"}
            continue
        report[task] = {
            "avg_quality_score": quality,
            "avg_cost": cost,
            "avg_response_time_ms": agg.mean("response_time_ms"),
            "error_rate": agg.error_rate,
            "total_requests": agg.records,
            "models_used": models[task],
        }
    return report
