"""The seed's ABTestManager: create, route, analyse, decide and stop A/B tests between models.

Tests live in the seed's ``ab_test_configurations`` table (plus columns for guardrails,
design, phases, decisions and monitoring state) and are loaded at start, so a restart loses
none. Routing and tagging are synchronous and in memory; analysis reads the per-arm sums
the database keeps (:meth:`selection.store.Store.ab_arm_sums`), never the records.

One process should drive a test's automation (:meth:`ABTestManager.monitor`); others may
route and record, and see state changes at their next :meth:`ABTestManager.refresh`.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from selection.abtest.analysis import Analysis, ArmData, analyze
from selection.abtest.config import (
    ACTIVE_STATUSES,
    ABTest,
    ABTestSpec,
    Decision,
    Phase,
    Status,
    parse_spec,
)
from selection.abtest.decision import TestVerdict, apply_verdict, decide, decision_for, winner_of
from selection.abtest.latency import RAW_LIMIT
from selection.abtest.metrics import LATENCY, AnalysisMode
from selection.abtest.planning import plan_test
from selection.abtest.results import AnalysisReport, analysis_report, test_summary
from selection.aggregates import Aggregate
from selection.catalog import ModelCatalog
from selection.clock import Clock
from selection.errors import ExperimentError
from selection.records import PerformanceRecord
from selection.store import Store

if TYPE_CHECKING:
    from selection.core import Router
from selection.tasks import TaskLike

__all__ = ["ABTestManager", "winner_of"]

logger = logging.getLogger(__name__)


class ABTestManager:
    """Creates and runs A/B tests between two models on some task types.

    Args:
        store: Where tests and records live (opened by the caller or by ``ensure_ready``).
        catalog: The known models and task types.
        clock: Where time comes from (run times, durations, decisions).
        router: The core that routes traffic: every change of the running tests and of
            the winners is installed there (:meth:`~selection.core.Router.set_experiments`);
            its sums give the champion's baseline for the power analysis.
        ensure_ready: Awaited before any I/O (the manager's lazy initialisation).
        monitor_interval: How often, at most, recording a test's record runs
            :meth:`monitor` for it (``None``: only when called).

    Attributes:
        raw_latency_limit: Up to this many latency values per arm, the latency tests run
            on the raw values (exact); above it, on the database's histogram.
    """

    def __init__(
        self,
        store: Store,
        router: Router,
        *,
        clock: Clock | None = None,
        ensure_ready: Callable[[], Awaitable[None]] | None = None,
        monitor_interval: timedelta | None = timedelta(minutes=15),
    ) -> None:
        self.store = store
        self.router = router
        self.catalog: ModelCatalog = router.catalog
        self.clock: Clock = clock or router.clock
        self.monitor_interval = monitor_interval
        self._ensure_ready = ensure_ready
        self._tests: dict[str, ABTest] = {}
        self._by_task: dict[str, str] = {}
        self._winners: dict[str, str] = {}
        self._last_monitor: dict[str, datetime] = {}
        self._lock = asyncio.Lock()
        self._loaded = False
        self.raw_latency_limit = RAW_LIMIT

    def __repr__(self) -> str:
        return f"ABTestManager(tests={len(self._tests)}, active={len(set(self._by_task.values()))})"

    # -- lifecycle ----------------------------------------------------------------------

    async def load(self) -> None:
        """Read every test from the store (the store must be open)."""
        rows = await self.store.load_ab_tests()
        tests = {}
        for row in rows:
            try:
                tests[row["test_id"]] = ABTest.from_row(row)
            except (ExperimentError, ValidationError) as exc:
                logger.warning("skipping A/B test row %r: %s", row.get("test_id"), exc)
        self._install(tests)
        self._loaded = True

    async def refresh(self) -> None:
        """Re-read the tests, to see changes made by other processes."""
        await self._ready()
        async with self._lock:
            await self.load()

    async def _ready(self) -> None:
        if self._ensure_ready is not None:
            await self._ensure_ready()
        if not self._loaded:
            await self.store.open()
            await self.load()

    def _install(self, tests: dict[str, ABTest]) -> None:
        self._tests = tests
        self._by_task = {
            task: t.test_id for t in tests.values() if t.is_active for task in t.spec.task_types
        }
        winners: dict[str, str] = {}
        concluded = (t for t in tests.values() if t.end_time is not None)
        for test in sorted(concluded, key=lambda t: t.end_time or t.start_time):
            model = winner_of(test)
            for task in test.spec.task_types:
                if model is not None:
                    winners[task] = model
        self._winners = winners
        self.router.set_experiments(self._active_by_task(), winners)

    def _put(self, test: ABTest) -> None:
        self._install({**self._tests, test.test_id: test})

    # -- creating -----------------------------------------------------------------------

    async def create_test(
        self,
        model_a_id: str,
        model_b_id: str,
        task_types: TaskLike | Sequence[TaskLike],
        *,
        test_id: str | None = None,
        **options: Any,
    ) -> str:
        """Start a test of ``model_b_id`` (challenger) against ``model_a_id`` (champion).

        Args:
            model_a_id: The champion (control), arm ``"a"``.
            model_b_id: The challenger (treatment), arm ``"b"``.
            task_types: The task types whose traffic the test splits.
            test_id: An id of your choice (it also seeds the assignment hash); a fresh
                ``ab-<hex>`` by default.
            **options: Any other field of :class:`~selection.abtest.ABTestSpec`:
                ``test_name``, ``traffic_split`` (challenger's share, default 0.5),
                ``success_metrics``, ``guardrails``, ``duration_hours``, ``sample_size``
                (from a power analysis when omitted), ``unit``, ``mde``, ``alpha``,
                ``power``, ``min_samples_per_arm``, ``min_runtime_hours``, ``ramp``.

        Returns:
            The new test's id.

        Raises:
            UnknownModelError: a model is not in the catalog.
            UnknownTaskError: a task type is not declared.
            ExperimentError: anything else is wrong (same model twice, a split outside
                (0, 1), another test running on a task...); nothing is written.
        """
        tasks = [task_types] if isinstance(task_types, str) else list(task_types)
        spec = parse_spec(model_a_id=model_a_id, model_b_id=model_b_id, task_types=tasks, **options)
        return await self.start_test(spec, test_id=test_id)

    async def start_test(self, spec: ABTestSpec, *, test_id: str | None = None) -> str:
        """Start a test from a validated spec; see :meth:`create_test`."""
        if test_id is not None and not 0 < len(test_id) <= 255:
            raise ExperimentError(f"a test id must have 1 to 255 characters, got {test_id!r}")
        await self._ready()
        for model_id in (spec.model_a_id, spec.model_b_id):
            if not self.catalog.get(model_id).is_active:
                raise ExperimentError(f"model {model_id!r} is not active; it cannot be tested")
        for task in spec.task_types:
            self.catalog.check_task(task)
        async with self._lock:
            await self._check_new(spec, test_id)
            plan, sample_size = plan_test(
                spec,
                self._baseline(spec),
                prior_mean=self.catalog.get(spec.model_a_id).quality_prior,
            )
            now = self.clock.now()
            test = ABTest(
                test_id=test_id or f"ab-{uuid.uuid4().hex[:12]}",
                spec=spec,
                plan=plan,
                sample_size=sample_size,
                status="running",
                start_time=now,
                phases=(Phase(index=0, start_time=now, traffic_split=spec.traffic_split),),
            )
            await self._commit(test)
        logger.info("started A/B test %s: %s", test.test_id, spec.name)
        return test.test_id

    async def _check_new(self, spec: ABTestSpec, test_id: str | None) -> None:
        # Ask the store, not only memory: another process may have started a test meanwhile.
        if test_id is not None and (
            test_id in self._tests or await self.store.load_ab_tests(test_id=test_id)
        ):
            raise ExperimentError(f"A/B test {test_id!r} exists already")
        running = {task: t.test_id for task, t in self._active_by_task().items()}
        for status in ACTIVE_STATUSES:
            for row in await self.store.ab_tests(status=status):
                running.update(dict.fromkeys(row["task_types"], row["test_id"]))
        for task in spec.task_types:
            if (other := running.get(task)) is not None:
                raise ExperimentError(
                    f"A/B test {other!r} is already running on {task!r}; stop it first"
                )

    def _active_by_task(self) -> dict[str, ABTest]:
        return {task: self._tests[test_id] for task, test_id in self._by_task.items()}

    def _baseline(self, spec: ABTestSpec) -> Aggregate | None:
        total = Aggregate()
        for task in spec.task_types:
            agg = self.router.stats(spec.model_a_id, task)
            if agg is not None:
                total.merge(agg)
        return total if total.records else None

    # -- reading ------------------------------------------------------------------------

    async def get_test(self, test_id: str) -> ABTest:
        """A test by id (re-read from the store if this process has not seen it).

        Raises:
            ExperimentError: no test has this id.
        """
        await self._ready()
        if test_id not in self._tests:
            await self.refresh()
        test = self._tests.get(test_id)
        if test is None:
            raise ExperimentError(f"unknown A/B test {test_id!r}")
        return test

    async def list_tests(self, *, status: Status | None = None) -> list[ABTest]:
        """Every test, oldest first, optionally only those with this status."""
        await self.refresh()
        return [t for t in self._tests.values() if status is None or t.status == status]

    def tests(self) -> list[ABTest]:
        """Every test this process knows, oldest first (in memory, no I/O)."""
        return list(self._tests.values())

    def active_test(self, task: TaskLike) -> ABTest | None:
        """The test routing ``task``'s traffic now, if any (in memory, no I/O)."""
        return self.router.active_test(task)

    @property
    def winners(self) -> Mapping[str, str]:
        """Per task, the model its latest concluded test settled on."""
        return self._winners

    def tag(
        self,
        record: PerformanceRecord,
        *,
        unit_id: str | None = None,
        request_id: str | None = None,
    ) -> PerformanceRecord:
        """The record with its test and arm: :meth:`selection.core.Router.tag`."""
        return self.router.tag(record, unit_id=unit_id, request_id=request_id)

    # -- analysing and deciding ---------------------------------------------------------

    async def analyze_test_results(
        self, test_id: str, *, mode: AnalysisMode = "sequential", phase: int = 0
    ) -> AnalysisReport:
        """Analyse a test: per-metric comparisons, sample ratio, significance and winner.

        Args:
            test_id: The test.
            mode: ``"sequential"`` (always-valid: safe to read at any time) or ``"fixed"``
                (the classical tests, valid once at the planned sample size). Both are in
                the report; ``mode`` picks which decides ``statistical_significance`` and
                ``winner``.
            phase: 0 for the test itself, 1, 2, ... for ramp steps.

        Returns:
            The report (see README, "A/B tests"): ``winner``,
            ``statistical_significance["status"]`` (``significant``, ``not significant``,
            ``insufficient data``), ``metrics``, ``sample_ratio``, ``decisions``...

        Raises:
            ExperimentError: unknown test or phase.
        """
        test = await self.get_test(test_id)
        if not 0 <= phase < len(test.phases):
            raise ExperimentError(f"A/B test {test_id!r} has no phase {phase}")
        async with self._lock:
            test = self._tests[test_id]
            analysis = await self._analyze(test, phase, mode)
            report = analysis_report(analysis)
            if test.is_active:
                test = await self._commit(_looked(test, analysis, report))
        report["current_phase"] = test.phase.index
        report["decisions"] = [d.model_dump(mode="json") for d in test.decisions]
        return report

    async def _analyze(self, test: ABTest, phase: int, mode: AnalysisMode) -> Analysis:
        sums = await self.store.ab_arm_sums(test.test_id)
        arms = {arm: sums.get((phase, arm), Aggregate()) for arm in "ab"}
        metrics = {*test.spec.success_metrics, *(g.metric for g in test.spec.guardrails)}
        data = {arm: ArmData(agg) for arm, agg in arms.items()}
        if LATENCY in metrics:
            histograms = await self.store.ab_latency_histograms(test.test_id)
            raw: Mapping[str, Sequence[float] | None] = {"a": None, "b": None}
            if max(agg.n(LATENCY) for agg in arms.values()) <= self.raw_latency_limit:
                raw = await self.store.ab_metric_values(
                    test.test_id, phase=phase, column=LATENCY, limit=2 * self.raw_latency_limit
                )
            data = {
                arm: ArmData(agg, histograms.get((phase, arm), {}), raw[arm])
                for arm, agg in arms.items()
            }
        return analyze(test, data, phase=phase, now=self.clock.now(), mode=mode)

    async def _commit(self, test: ABTest) -> ABTest:
        await self.store.upsert_ab_test(test.to_row())
        self._put(test)
        return test

    async def monitor(self, test_id: str | None = None) -> list[Decision]:
        """Look at every active test (or one) and act: promote, ramp, roll back, expire.

        Uses the always-valid analysis, so it may run after every batch of records. See
        :mod:`selection.abtest.decision` for the rules.

        Returns:
            The decisions taken (also stored with each test).
        """
        await self.refresh()
        ids = [test_id] if test_id is not None else [t.test_id for t in self._tests.values()]
        decisions = []
        for tid in ids:
            async with self._lock:
                test = self._tests.get(tid)
                if test is None or not test.is_active:
                    continue
                self._last_monitor[tid] = self.clock.now()
                analysis = await self._analyze(test, test.phase.index, "sequential")
                test = _looked(test, analysis, analysis_report(analysis))
                verdict = decide(test, analysis)
                decision = None if verdict is None else decision_for(test, verdict, analysis)
                if verdict is not None and decision is not None:
                    test = apply_verdict(test, verdict, decision)
                    decisions.append(decision)
                    logger.info("A/B test %s: %s (%s)", tid, decision.action, decision.reason)
                await self._commit(test)
        return decisions

    async def maybe_monitor(self, test_id: str) -> list[Decision]:
        """Run :meth:`monitor` for a test if ``monitor_interval`` has passed since the last."""
        test = self._tests.get(test_id)
        if self.monitor_interval is None or test is None or not test.is_active:
            return []
        last = self._last_monitor.get(test_id, test.phase.start_time)
        if self.clock.now() - last < self.monitor_interval:
            return []
        return await self.monitor(test_id)

    async def stop_test(self, test_id: str, reason: str = "stopped by hand") -> Decision:
        """Stop a running or ramping test; its traffic returns to normal selection.

        Raises:
            ExperimentError: unknown test, or one that has already ended.
        """
        await self.get_test(test_id)
        async with self._lock:
            test = self._tests[test_id]
            if not test.is_active:
                raise ExperimentError(f"A/B test {test_id!r} has already ended ({test.status})")
            analysis = await self._analyze(test, test.phase.index, "sequential")
            verdict = TestVerdict("stop", "stopped", reason)
            decision = decision_for(test, verdict, analysis)
            assert decision is not None
            await self._commit(apply_verdict(test, verdict, decision))
        return decision

    async def dashboard(self, *, recent: int = 10) -> dict[str, Any]:
        """Active tests, recently ended ones, the latest decisions and the tests' winners."""
        await self.refresh()
        tests = list(self._tests.values())
        ended = sorted(
            (t for t in tests if not t.is_active),
            key=lambda t: t.end_time or t.start_time,
            reverse=True,
        )
        decisions = sorted(
            (d for t in tests for d in t.decisions), key=lambda d: d.time, reverse=True
        )
        return {
            "active": sum(t.is_active for t in tests),
            "tests": [
                test_summary(t, winner_of(t))
                for t in [*(t for t in tests if t.is_active), *ended[:recent]]
            ],
            "decisions": [d.model_dump(mode="json") for d in decisions[: 2 * recent]],
            "winners": dict(self._winners),
        }


def _looked(test: ABTest, analysis: Analysis, report: dict[str, Any]) -> ABTest:
    """The test with a look's always-valid state kept (and, for phase 0, its report)."""
    update: dict[str, Any] = {
        "monitor_state": {**test.monitor_state, str(analysis.phase): analysis.state}
    }
    if analysis.phase == 0:
        update["results"] = report
    return test.model_copy(update=update)
