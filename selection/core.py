"""The selection core: a synchronous, I/O-free router that owns what choosing reads.

:class:`Router` holds every piece of state a choice depends on: the catalog, the running
sums per (model, task), the per-task hard limits, the cache of score tables, the hive's
feedback in force, and the A/B tests that route traffic and the winners they settled on.
Its methods are events (:meth:`Router.absorb`, :meth:`Router.amend`,
:meth:`Router.apply_feedback`, :meth:`Router.set_experiments`) and questions
(:meth:`Router.recommend`, :meth:`Router.choose`, :meth:`Router.route`). Nothing here
awaits or touches a database, so choosing takes microseconds and a simulation calls it
directly. Two shells wrap it: :class:`~selection.manager.DynamicModelManager` (async: the
store, the gateway, the seed's API) and the Mesa scenario model (one store write per step).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from selection.abtest.assignment import (
    Assignment,
    RecentAssignments,
    assign,
    check_tag,
    unit_key,
)
from selection.abtest.config import ABTest
from selection.aggregates import Aggregate, add_grouped
from selection.batch_sums import BatchSums
from selection.budget import BudgetPacer
from selection.catalog import ModelCatalog
from selection.change import (
    DEFAULT_CHANGE_HALF_LIFE_HOURS,
    FORGET_MODES,
    ChangeDetector,
    ForgetMode,
)
from selection.clock import Clock, SystemClock
from selection.decay import DecayedSums, check_half_life
from selection.errors import NoEligibleModelError
from selection.hierarchy import CellPrior, Hierarchy, fit_hierarchy
from selection.hive_feedback import (
    CollectiveFeedback,
    CollectiveState,
    ConsensusLike,
    parse_feedback,
)
from selection.metrics import COLUMN_INDEX, METRIC_COLUMNS
from selection.priorities import normalise_priorities
from selection.recommendation import Recommendation
from selection.records import PerformanceRecord
from selection.scoring import (
    PRIOR_QUALITY,
    ScoreColumns,
    ScoreTable,
    best_first,
    by_id,
    pareto_front,
    rescore,
    score_columns,
    weighted_scores,
    weighted_spreads,
)
from selection.tasks import TaskLike
from selection.thresholds import (
    DEFAULT_THRESHOLDS,
    NO_ELIGIBLE_POLICIES,
    NoEligiblePolicy,
    TaskThresholds,
)

if TYPE_CHECKING:
    from selection.batch import RecordBatch

_SMALL_BATCH = 64  # below this, adding record by record beats numpy's per-call overhead

__all__ = [
    "NO_ELIGIBLE_POLICIES",
    "ChoiceMode",
    "ForgetMode",
    "NoEligiblePolicy",
    "Router",
    "Weighing",
]

ChoiceMode = Literal["greedy", "thompson", "thompson-level"]
_CHOICE_MODES: tuple[ChoiceMode, ...] = ("greedy", "thompson", "thompson-level")
_CACHE_LIMIT = 4096


class Router:
    """Chooses models per task from in-memory evidence; the one owner of that evidence.

    Args:
        catalog: the models to choose from and the task types they may serve.
        thresholds: per-task hard limits; the seed's defaults where not given.
        prior_strength: how many observations the catalog's prior is worth.
        clock: stamps recommendations (a simulated clock in simulations).
        share_evidence: start each (model, task) from an empirical-Bayes prior fitted to
            every task's records (see :mod:`selection.hierarchy`) instead of the catalog's
            prior alone, so a model's record elsewhere and the typical gap between models
            inform a task it has not served yet. Off by default.
        half_life_hours: forget old evidence: scores read sums in which a record counts
            half after this many hours (:mod:`selection.decay`); ``None`` (the default)
            never forgets, and scores read the all-time sums.
        forget: ``"never"``, ``"half-life"`` (every record ages with ``half_life_hours``)
            or ``"change"``: keep the all-time sums until a change detector
            (:mod:`selection.change`) sees a (model, task)'s outcomes depart from its
            history, then score it from the records since the change, aged with
            ``half_life_hours`` (3 by default). ``None`` (the default): ``"half-life"``
            when a half-life is given, else ``"never"``.
        on_no_eligible: when every model breaches a task's limits, ``"raise"``
            :class:`~selection.errors.NoEligibleModelError` (the default) or ``"degrade"``:
            serve the best model the limits excluded and flag the recommendation.
    """

    def __init__(
        self,
        catalog: ModelCatalog,
        *,
        thresholds: Mapping[str, TaskThresholds] | None = None,
        prior_strength: float = 10.0,
        clock: Clock | None = None,
        share_evidence: bool = False,
        half_life_hours: float | None = None,
        on_no_eligible: NoEligiblePolicy = "raise",
        forget: ForgetMode | None = None,
    ) -> None:
        if not (prior_strength > 0 and math.isfinite(prior_strength)):
            raise ValueError(f"prior_strength must be positive, got {prior_strength!r}")
        if on_no_eligible not in NO_ELIGIBLE_POLICIES:
            raise ValueError(
                f"on_no_eligible must be one of {', '.join(NO_ELIGIBLE_POLICIES)}, "
                f"got {on_no_eligible!r}"
            )
        half_life = check_half_life(half_life_hours)
        if forget is None:
            forget = "never" if half_life is None else "half-life"
        if forget not in FORGET_MODES:
            raise ValueError(f"forget must be one of {', '.join(FORGET_MODES)}, got {forget!r}")
        if (forget == "half-life") != (half_life is not None) and forget != "change":
            raise ValueError(f"forget={forget!r} and half_life_hours={half_life!r} disagree")
        self.forget: ForgetMode = forget
        self.on_no_eligible: NoEligiblePolicy = on_no_eligible
        self._decayed = DecayedSums(half_life) if forget == "half-life" and half_life else None
        self._change = (
            ChangeDetector(half_life or DEFAULT_CHANGE_HALF_LIFE_HOURS)
            if forget == "change"
            else None
        )
        self._degraded: dict[str, str] = {}
        self.catalog = catalog
        self.clock: Clock = clock or SystemClock()
        self.prior_strength = prior_strength
        self._stats: dict[str, dict[str, Aggregate]] = {}
        self._versions: dict[str, int] = {}
        self._thresholds: dict[str, TaskThresholds] = dict(DEFAULT_THRESHOLDS)
        self._thresholds.update(thresholds or {})
        self._thresholds_version = 0
        self._tables: dict[tuple[object, ...], ScoreTable] = {}
        self._columns: dict[tuple[object, ...], ScoreColumns] = {}
        self._recommendations: dict[tuple[object, ...], Recommendation] = {}
        self._collective: dict[str, CollectiveState] = {}
        self._evidence: dict[str, dict[str, tuple[float, float]]] = {}
        self._tests: dict[str, ABTest] = {}
        self._winners: dict[str, str] = {}
        self._recent = RecentAssignments()
        self._adjustments_version = 0
        self.share_evidence = share_evidence
        self._all_version = 0  # changes whenever any task's sums do
        self._hierarchy: tuple[tuple[int, int], Hierarchy] | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(models={len(self.catalog)}, k={self.prior_strength:g})"

    # -- evidence: the running sums -----------------------------------------------------

    @property
    def half_life_hours(self) -> float | None:
        """The half-life of the evidence scores read, or ``None`` when nothing is forgotten."""
        return None if self._decayed is None else self._decayed.half_life_hours

    def load(
        self,
        aggregates: Mapping[tuple[str, str], Aggregate],
        decayed: tuple[Mapping[tuple[str, str], Aggregate], Mapping[str, datetime]] | None = None,
        buckets: Mapping[tuple[str, str, int], Aggregate] | None = None,
    ) -> None:
        """Replace the sums with ``{(model, task): sums}`` (a store's, at start-up).

        Args:
            aggregates: the all-time sums.
            decayed: with forgetting on, the store's decayed sums and each task's anchor
                (:meth:`~selection.store.Store.decayed_aggregates`).
            buckets: with ``forget="change"``, the store's sums per (model, task, bucket)
                (:meth:`~selection.store.Store.bucket_aggregates`), replayed by the detector.

        Raises:
            ValueError: forgetting is on and ``decayed`` is not given, or off and it is; or
                ``buckets`` are given exactly when the forgetting is not by change.
        """
        if (decayed is None) != (self._decayed is None):
            state = "on" if self._decayed is not None else "off"
            raise ValueError(f"forgetting is {state}: give decayed sums exactly when it is on")
        if (buckets is None) != (self._change is None):
            raise ValueError('give bucket sums exactly when forget="change"')
        self._stats.clear()
        for (model_id, task), agg in aggregates.items():
            self._stats.setdefault(task, {})[model_id] = agg
            self._versions[task] = self._versions.get(task, 0) + 1
        self._all_version += 1
        if self._decayed is not None and decayed is not None:
            self._decayed.load(*decayed)
            for _, task in decayed[0]:
                self._versions[task] = self._versions.get(task, 0) + 1
        if self._change is not None and buckets is not None:
            self._change.load(buckets)
            for _, task, _ in buckets:
                self._versions[task] = self._versions.get(task, 0) + 1

    def absorb(self, records: Iterable[PerformanceRecord]) -> None:
        """Add committed records to the sums."""
        if self._decayed is not None or self._change is not None:
            records = list(records)
            if self._decayed is not None:
                self._decayed.absorb(records)
            if self._change is not None:
                self._change.absorb(records)
        touched = set()
        for r in records:
            self._cell(r.task_type, r.model_id).add(r.metric_values(), r.error_occurred)
            touched.add(r.task_type)
        self._touched(touched)

    def absorb_batch(self, batch: RecordBatch) -> None:
        """Add committed records given as a batch to the sums, per (model, task) in numpy.

        The sums come out bit for bit as :meth:`absorb` of the same records leaves them.
        With forgetting on, its sums are still added record by record.
        """
        if not len(batch):
            return
        if self._decayed is not None or self._change is not None:
            records = batch.records()
            if self._decayed is not None:
                self._decayed.absorb(records)
            if self._change is not None:
                self._change.absorb(records)
        if len(batch) < _SMALL_BATCH:
            self._absorb_rows(batch)
            return
        keys = list(zip(batch.task_type, batch.model_id, strict=True))
        index = {key: i for i, key in enumerate(dict.fromkeys(keys))}
        groups = np.fromiter(map(index.__getitem__, keys), dtype=np.intp, count=len(keys))
        targets = [self._cell(task, model_id) for task, model_id in index]
        columns = [batch.metric_array(c) for c in METRIC_COLUMNS]
        add_grouped(targets, groups, columns, batch.error_occurred)
        self._touched({task for task, _ in index})

    def _absorb_rows(self, batch: RecordBatch) -> None:
        """A few records: added one by one from the batch's Python values (no numpy)."""
        columns = [batch.metric_list(c) for c in METRIC_COLUMNS]
        rows = zip(batch.task_type, batch.model_id, batch.error_list(), *columns, strict=True)
        for task, model_id, error, *values in rows:
            self._cell(task, model_id).add(values, error)
        self._touched(set(batch.task_type))

    def _cell(self, task: str, model_id: str) -> Aggregate:
        """The sums of one (model, task), made empty on first use."""
        by_model = self._stats.get(task)
        if by_model is None:
            by_model = self._stats[task] = {}
        agg = by_model.get(model_id)
        if agg is None:
            agg = by_model[model_id] = Aggregate()
        return agg

    def _touched(self, tasks: Iterable[str]) -> None:
        for task in tasks:
            self._versions[task] = self._versions.get(task, 0) + 1
        self._all_version += 1

    def absorb_sums(self, batch: BatchSums) -> None:
        """Add committed outcomes given as columns, as :meth:`absorb` of their records would.

        Raises:
            ValueError: forgetting is on (a record's timestamp sets its weight: absorb records).
        """
        if self._decayed is not None or self._change is not None:
            raise ValueError("with forgetting on, absorb records: their timestamps set weights")
        self._touched(batch.add_to(self._stats))

    def amend(
        self,
        model_id: str,
        task: str,
        old: Mapping[str, float | None],
        new: Mapping[str, float],
        *,
        timestamp: datetime | None = None,
    ) -> bool:
        """Replace one committed record's values of some columns (a rating given later).

        With forgetting on, give the record's ``timestamp``: its age sets its weight.

        Returns:
            ``False`` when the sums hold nothing for the model on the task (the record was
            written by another process after :meth:`load`), so nothing changed.

        Raises:
            ValueError: forgetting is on and no timestamp is given.
        """
        if (self._decayed is not None or self._change is not None) and timestamp is None:
            raise ValueError("with forgetting on, amending a record needs its timestamp")
        agg = self._stats.get(task, {}).get(model_id)
        if agg is None:
            return False
        for column, value in new.items():
            agg.replace(column, old.get(column), value)
        if self._decayed is not None and timestamp is not None:
            self._decayed.amend(model_id, task, timestamp, old, new)
        if self._change is not None and timestamp is not None:
            self._change.amend(model_id, task, timestamp, old, new)
        self._versions[task] = self._versions.get(task, 0) + 1
        self._all_version += 1
        return True

    def stats(self, model_id: str, task: TaskLike) -> Aggregate | None:
        """All-time sums for one model on one task."""
        return self._stats.get(self.catalog.check_task(task), {}).get(model_id)

    def task_stats(self, task: TaskLike) -> Mapping[str, Aggregate]:
        """All-time sums per model for one task (read only)."""
        return self._stats.get(self.catalog.check_task(task), {})

    def scored_stats(self, task: TaskLike) -> Mapping[str, Aggregate]:
        """The sums per model that scores read for a task: decayed with forgetting on."""
        return self._scored(self.catalog.check_task(task))

    def _scored(self, task: str) -> Mapping[str, Aggregate]:
        if self._decayed is not None:
            return self._decayed.task_sums(task)
        if self._change is not None:
            return self._change.task_sums(task, self._stats.get(task, {}))
        return self._stats.get(task, {})

    @property
    def change_detector(self) -> ChangeDetector | None:
        """With ``forget="change"``, the detector (its change points per model and task)."""
        return self._change

    def decay_anchor(self, task: TaskLike) -> datetime | None:
        """With forgetting on, the time a task's record ages are measured from."""
        if self._decayed is None:
            return None
        return self._decayed.anchor(self.catalog.check_task(task))

    def version(self, task: str) -> int:
        """A number that changes whenever the task's sums change."""
        return self._versions.get(task, 0)

    def total_records(self) -> int:
        """How many records the sums hold, over all models and tasks."""
        return sum(a.records for by_model in self._stats.values() for a in by_model.values())

    def spend_totals(self) -> dict[str, tuple[float, int]]:
        """Per task: dollars and records over all time (what budgets count spend from)."""
        i = COLUMN_INDEX["cost"]
        return {
            task: (
                sum(a.total[i] for a in by_model.values()),
                sum(a.records for a in by_model.values()),
            )
            for task, by_model in self._stats.items()
        }

    def expected_cost(self, model_id: str, task: TaskLike) -> float | None:
        """A model's expected cost per request on a task now (observed, else its price)."""
        estimate = self.score_table(task).estimates.get(model_id)
        return None if estimate is None else estimate.values.get("cost")

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
        self, task: str, weights: tuple[object, ...], ctx: int | None, *, level: bool = False
    ) -> tuple[object, ...]:
        return (
            task,
            weights,
            ctx,
            self.catalog.version,
            self._versions.get(task, 0),
            self._thresholds_version,
            self._adjustments_version,
            self._all_version if self.share_evidence or level else 0,
            level,
        )

    def _table(
        self,
        task: str,
        weights: tuple[tuple[str, float], ...],
        ctx: int | None,
        *,
        limits: bool = True,
        level: bool = False,
    ) -> ScoreTable:
        key = (*self._key(task, weights, ctx, level=level), limits)
        table = self._tables.get(key)
        if table is None:
            names = tuple(name for name, _ in weights)
            columns = self._score_columns(task, names, ctx, limits=limits, level=level)
            table = rescore(columns, weights, self._bonuses(task, self._stats.get(task, {})))
            if len(self._tables) >= _CACHE_LIMIT:
                self._tables.clear()
                self._recommendations.clear()
            self._tables[key] = table
        return table

    def _score_columns(
        self,
        task: str,
        names: tuple[str, ...],
        ctx: int | None,
        *,
        limits: bool = True,
        level: bool = False,
    ) -> ScoreColumns:
        # the estimates do not depend on the weights' values: a budget's pacer moving the
        # cost weight only reweighs them
        key = (*self._key(task, names, ctx, level=level), limits)
        columns = self._columns.get(key)
        if columns is None:
            sums = self._scored(task)
            candidates = [(spec, sums.get(spec.id)) for spec in self.catalog if spec.is_active]
            columns = score_columns(
                task,
                candidates,
                names,
                self._thresholds.get(task, TaskThresholds()) if limits else TaskThresholds(),
                prior_strength=self.prior_strength,
                min_context_length=ctx,
                pseudo=self._evidence.get(task),
                quality_priors=self._quality_priors(task, level),
            )
            if len(self._columns) >= _CACHE_LIMIT:
                self._columns.clear()
            self._columns[key] = columns
        return columns

    def hierarchy(self) -> Hierarchy:
        """The empirical-Bayes fit to every task's quality scores (:mod:`selection.hierarchy`).

        Refitted only when the sums or the catalog changed since the last call.
        """
        key = (self._all_version, self.catalog.version)
        if self._hierarchy is not None and self._hierarchy[0] == key:
            return self._hierarchy[1]
        cells = {}
        for task, by_model in self._stats.items():
            for model_id, agg in by_model.items():
                if model_id in self.catalog:
                    m = agg.moments("quality_score")
                    cells[(model_id, task)] = (m.n, m.total, m.total_sq)
        priors = {
            spec.id: spec.quality_prior if spec.quality_prior is not None else PRIOR_QUALITY
            for spec in self.catalog
        }
        fit = fit_hierarchy(cells, priors, catalog_strength=self.prior_strength)
        self._hierarchy = (key, fit)
        return fit

    def _draw_spreads(self, table: ScoreTable, mode: ChoiceMode) -> npt.NDArray[np.float64]:
        """The spread of each model's Thompson draw, in the table's order.

        Its score's spread; for ``thompson-level``, the quality weight times the spread of the
        model's level across tasks (:meth:`Hierarchy.level_spread`): the draw is Thompson
        sampling over what the tasks share, and the cell's own deviation enters through the
        table's mean alone.
        """
        if mode != "thompson-level":
            return table.spreads
        fit = self.hierarchy()
        level = [fit.level_spread(m) for m in table.model_ids]
        return np.array(_level_draw_spreads(table.weights, level))

    def _quality_priors(self, task: str, level: bool) -> dict[str, CellPrior] | None:
        """Quality priors shared across tasks: the level's, the hierarchy's, or none."""
        if not (level or self.share_evidence):
            return None
        fit = self.hierarchy()
        prior = fit.level_prior if level else fit.prior
        return {spec.id: prior(spec.id, task) for spec in self.catalog if spec.is_active}

    def _servable(
        self,
        task: str,
        weights: tuple[tuple[str, float], ...],
        ctx: int | None,
        *,
        level: bool = False,
    ) -> tuple[ScoreTable, str | None]:
        """The table to choose from, and why it is degraded (``None`` when it is not).

        When every model breaches the task's limits, ``on_no_eligible="degrade"`` scores the
        active catalog models again without the task's limits (a prompt longer than a
        model's context still rules it out) and serves the best of them.

        Raises:
            NoEligibleModelError: no model is eligible and the policy is ``"raise"``, or no
                active model can serve even without the limits.
        """
        table = self._table(task, weights, ctx, level=level)
        if table.model_ids:
            self._degraded.pop(task, None)
            return table, None
        names = tuple(name for name, _ in weights)
        _, degraded = self._eligibility(task, names, ctx, level=level)  # raises, or degrades
        return self._table(task, weights, ctx, limits=False, level=level), degraded

    def _eligibility(
        self, task: str, names: tuple[str, ...], ctx: int | None, *, level: bool = False
    ) -> tuple[bool, str | None]:
        """Whether the task's limits apply to the choice, and why it is degraded if they do not.

        Eligibility reads the estimates alone, never the weights' values.

        Raises:
            NoEligibleModelError: as :meth:`_servable` says.
        """
        columns = self._score_columns(task, names, ctx, level=level)
        if columns.eligible:
            self._degraded.pop(task, None)
            return True, None
        if self.on_no_eligible == "raise":
            raise NoEligibleModelError(task, columns.excluded)
        relaxed = self._score_columns(task, names, ctx, limits=False, level=level)
        if not relaxed.eligible:
            raise NoEligibleModelError(task, columns.excluded)
        reason = (
            f"{NoEligibleModelError(task, columns.excluded)}; serving the best-scoring model "
            "without the task's limits"
        )
        self._degraded[task] = reason
        return False, reason

    def degraded_tasks(self) -> Mapping[str, str]:
        """Tasks whose latest choice was degraded (no model met their limits), and why."""
        return dict(self._degraded)

    def _bonuses(self, task: str, stats: Mapping[str, Aggregate]) -> dict[str, float] | None:
        state = self._collective.get(task)
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
        state = self._collective.get(task)
        if state is None or state.feedback.preferred_model is None:
            return 1.0
        stats = self._stats.get(task, {})
        factor = state.factor(sum(agg.records for agg in stats.values()))
        return factor if model_id == state.feedback.preferred_model else 1.0 / factor

    # -- the hive's feedback --------------------------------------------------------------

    @property
    def collective(self) -> Mapping[str, CollectiveState]:
        """Per task, the hive's feedback in force (see :mod:`selection.hive_feedback`)."""
        return self._collective

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
        """Put validated verdicts in force.

        Returns:
            Per verdict: its task, the verdict, and the A/B test winner that overruled it
            (``None`` when it was applied).
        """
        done: list[tuple[str, CollectiveFeedback, str | None]] = []
        for task, verdict in verdicts:
            winner = self._winners.get(task)
            if winner is not None and verdict.preferred_model not in (None, winner):
                done.append((task, verdict, winner))
                continue
            stats = self._stats.get(task, {})
            self._collective[task] = CollectiveState(
                verdict, sum(a.records for a in stats.values())
            )
            self._adjustments_version += 1
            done.append((task, verdict, None))
        return done

    def set_evidence(self, task: TaskLike, estimates: Mapping[str, tuple[float, float]]) -> None:
        """Put the hive's quality estimates in force for a task, replacing the last ones.

        Each is ``model id -> (quality in [0, 1], weight in calls)``: pooled into the model's
        quality posterior as that many pseudo-observations, so it counts for less as recorded
        calls accumulate. It moves scores (and so choices and confidence alike), never the
        hard limits, and a concluded A/B test's winner still serves its task.

        Raises:
            UnknownTaskError, UnknownModelError: the task or a model is unknown.
            ValueError: a quality outside [0, 1] or a negative or non-finite weight.
        """
        name = self.catalog.check_task(task)
        checked: dict[str, tuple[float, float]] = {}
        for model_id, (quality, weight) in estimates.items():
            self.catalog.get(model_id)
            if not 0.0 <= quality <= 1.0:
                raise ValueError(f"evidence for {model_id}: quality {quality!r} not in [0, 1]")
            if not (math.isfinite(weight) and weight >= 0.0):
                raise ValueError(f"evidence for {model_id}: weight {weight!r} must be >= 0")
            if weight > 0.0:
                checked[model_id] = (float(quality), float(weight))
        self._evidence[name] = checked
        self._adjustments_version += 1

    def evidence(self, task: TaskLike) -> Mapping[str, tuple[float, float]]:
        """The hive's quality estimates in force for a task (see :meth:`set_evidence`)."""
        return self._evidence.get(self.catalog.check_task(task), {})

    def apply_consensus(
        self, feedback: ConsensusLike | Mapping[str, Any] | Iterable[ConsensusLike]
    ) -> dict[str, Recommendation]:
        """Validate and apply the hive's verdicts; return what to store for each task.

        Every verdict is validated before any is applied. Per task, the result is the
        recommendation after the adjustment, with the evidence under
        ``expected_performance["collective"]`` (a task with no eligible model is left out).

        Raises:
            UnknownTaskError, UnknownModelError: a verdict names an unknown task or model.
            pydantic.ValidationError: a verdict's field is malformed.
        """
        return self.apply_consensus_validated(self.validate_feedback(feedback))

    def apply_consensus_validated(
        self, verdicts: Iterable[tuple[str, CollectiveFeedback]]
    ) -> dict[str, Recommendation]:
        """:meth:`apply_consensus` for verdicts that :meth:`validate_feedback` returned."""
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
            applied[task] = rec.model_copy(update={"expected_performance": performance})
        return applied

    # -- A/B tests: assignment and winners ------------------------------------------------

    def set_experiments(self, active: Mapping[str, ABTest], winners: Mapping[str, str]) -> None:
        """Install the tests that route each task now and the winners of concluded ones."""
        self._tests = dict(active)
        if dict(winners) != self._winners:
            self._winners = dict(winners)
            self._adjustments_version += 1

    @property
    def ab_winners(self) -> Mapping[str, str]:
        """Per task, the winner of a concluded A/B test, which the hive may not overrule."""
        return self._winners

    def active_test(self, task: TaskLike) -> ABTest | None:
        """The test routing ``task``'s traffic now, if any."""
        return self._tests.get(str(task))

    def assign(
        self, task: TaskLike, *, unit_id: str | None = None, request_id: str | None = None
    ) -> Assignment | None:
        """The arm of this unit if a test covers ``task``; remembered for :meth:`tag`."""
        test = self.active_test(task)
        if test is None:
            return None
        key = unit_key(test, unit_id=unit_id, request_id=request_id)
        if key is None:
            return None
        assignment = assign(test, key)
        self._recent.remember(assignment)
        return assignment

    def assigned(self, task: TaskLike, unit: str) -> Assignment | None:
        """The arm this router gave ``unit`` in the test running on ``task``, if remembered."""
        test = self.active_test(task)
        return None if test is None else self._recent.get(test.test_id, unit)

    def tag(
        self,
        record: PerformanceRecord,
        *,
        unit_id: str | None = None,
        request_id: str | None = None,
    ) -> PerformanceRecord:
        """The record with its test and arm, if its unit was routed by a running test.

        A record already tagged is checked instead. A record whose model is not the one
        its unit was assigned (the caller served something else) is left out of the test.

        Raises:
            ExperimentError: a pre-tagged record names an unknown test, a test that does not
                cover its task, or an arm whose model is not the record's.
        """
        if record.ab_test_id is not None:
            known = {t.test_id: t for t in self._tests.values()}
            check_tag(record, known.get(record.ab_test_id))
            return record
        test = self.active_test(record.task_type)
        if test is None:
            return record
        key = unit_key(test, unit_id=unit_id, request_id=request_id or record.record_id)
        assignment = None if key is None else self._recent.get(test.test_id, key)
        if assignment is None or assignment.model_id != record.model_id:
            return record
        if test.spec.unit == "request" and key is not None:
            self._recent.forget(test.test_id, key)
        return record.model_copy(
            update={
                "ab_test_id": assignment.test_id,
                "ab_arm": assignment.arm,
                "ab_phase": assignment.phase,
            }
        )

    def route(
        self,
        base: Recommendation,
        priority_factors: Mapping[str, float] | None = None,
        *,
        min_context_length: int | None = None,
        unit_id: str | None = None,
        request_id: str | None = None,
    ) -> Recommendation:
        """The recommendation to serve, given the selector's own ``base``.

        While a test runs on the task, a request with a unit id is served its arm's model;
        one without is served the champion and stays outside the test. A request for which
        either arm's model is ineligible (hard limits, context length) stays outside the
        test too, for both arms alike, so exclusions cannot unbalance the arms. After a
        test concludes, its winner serves the task while it stays eligible.
        """
        task = base.task_type
        test = self.active_test(task)
        winner = self._winners.get(task)
        if test is None and (winner is None or winner == base.recommended_model_id):
            return base
        table = self.score_table(task, priority_factors, min_context_length=min_context_length)
        if test is None:
            assert winner is not None
            if winner not in table.model_ids:
                return base
            return self._serve(table, base, winner, f"{winner} won this task's A/B test")
        champion, challenger = test.spec.model_a_id, test.spec.model_b_id
        if not {champion, challenger} <= set(table.model_ids):
            return base
        assignment = self.assign(task, unit_id=unit_id, request_id=request_id)
        if assignment is None:
            why = (
                f"A/B test {test.test_id} runs on {task}; without a {test.spec.unit} id the "
                "champion serves, outside the test"
            )
            return self._serve(table, base, champion, why)
        role = "challenger" if assignment.arm == "b" else "champion"
        why = (
            f"A/B test {test.test_id}: {test.spec.unit} {assignment.unit_id!r} is in arm "
            f"{assignment.arm} ({role}) at {test.phase.traffic_split:.0%} challenger traffic"
        )
        return self._serve(table, base, assignment.model_id, why)

    def _serve(
        self, table: ScoreTable, base: Recommendation, model_id: str, why: str
    ) -> Recommendation:
        if model_id == base.recommended_model_id:
            return base.model_copy(update={"reasoning": f"{why}; {base.reasoning}"})
        pick = table.model_ids.index(model_id)
        estimate = table.estimates[model_id]
        expected: dict[str, float | int] = {
            k: v for k, v in estimate.values.items() if v is not None
        }
        expected["score"] = float(table.scores[pick])
        expected["observations"] = estimate.observations
        return Recommendation(
            task_type=base.task_type,
            recommended_model_id=model_id,
            confidence_score=self.confidence(table, pick),
            reasoning=f"{why}; the selector's own choice is {base.recommended_model_id}",
            expected_performance=expected,
            cost_estimate=estimate.values.get("cost"),
            alternative_models=tuple(m for m in table.model_ids if m != model_id)[:3],
            recommendation_factors=dict(table.weights),
            timestamp=base.timestamp,
        )

    # -- choosing -------------------------------------------------------------------

    def recommend(
        self,
        task: TaskLike,
        priority_factors: Mapping[str, float] | None = None,
        *,
        mode: ChoiceMode = "greedy",
        rng: np.random.Generator | None = None,
        min_context_length: int | None = None,
        budget: BudgetPacer | None = None,
    ) -> Recommendation:
        """Recommend a model for a task (synchronous, no I/O).

        Args:
            task: a built-in or declared task type.
            priority_factors: weights over objectives (quality, cost, speed, reliability,
                consciousness, creativity, accuracy, reasoning, humor, user_satisfaction,
                cost_efficiency); they need not sum to 1.
            mode: ``"greedy"`` takes the best expected score; ``"thompson"`` samples each
                model's score from its posterior and takes the best draw, which explores;
                ``"thompson-level"`` samples quality from a posterior whose prior is the
                model's level across tasks (:meth:`Hierarchy.level_prior`), so a new task
                explores a model only as much as its record elsewhere leaves open.
            rng: the generator Thompson sampling draws from (required for it).
            min_context_length: exclude models whose context is shorter.
            budget: a spend target's pacer; it sets the cost weight on top of the factors
                (:meth:`BudgetPacer.factors`). Tell it each served request's cost.

        Raises:
            NoEligibleModelError: every model breaches the task's hard limits.
            UnknownTaskError: the task type is unknown.
            ValueError: a priority factor is unknown or negative.
        """
        name = self.catalog.check_task(task)
        if budget is not None:
            priority_factors = budget.factors(priority_factors)
        weights = normalise_priorities(priority_factors)
        if mode == "greedy":
            key = self._key(name, weights, min_context_length)
            cached = self._recommendations.get(key)
            if cached is not None:
                if cached.degraded_reason is not None:
                    self._degraded[name] = cached.degraded_reason
                else:
                    self._degraded.pop(name, None)
                return cached
        table, degraded = self._servable(
            name, weights, min_context_length, level=mode == "thompson-level"
        )
        if mode in ("thompson", "thompson-level"):
            if rng is None:
                raise ValueError("Thompson sampling needs an rng (a numpy Generator)")
            draws = rng.normal(table.scores, self._draw_spreads(table, mode))
            pick = int(np.argmax(draws))
        elif mode == "greedy":
            pick = 0
        else:
            raise ValueError(f"unknown mode {mode!r}; use {', '.join(_CHOICE_MODES)}")
        recommendation = self._explain(table, pick, self.clock.now(), degraded)
        if mode == "greedy":
            self._recommendations[key] = recommendation
        return recommendation

    def choose(
        self,
        task: TaskLike,
        n: int,
        priority_factors: Mapping[str, float] | None = None,
        *,
        mode: ChoiceMode = "thompson",
        rng: np.random.Generator | None = None,
        min_context_length: int | None = None,
        request_ids: Sequence[str] | None = None,
        budget: BudgetPacer | None = None,
    ) -> list[str]:
        """Choose models for ``n`` requests at once, as ``n`` calls of :meth:`recommend` would.

        Thompson sampling draws every request's scores in one vectorised step, so a
        simulation can route thousands of requests per step. With ``request_ids``, A/B
        tests and their winners route the requests as :meth:`route` would (tests by
        request; remember to :meth:`tag` the records). A ``budget`` pacer sets the cost
        weight for all ``n`` (as of now; tell it each request's cost).

        Raises:
            NoEligibleModelError: every model breaches the task's hard limits.
        """
        if budget is not None:
            priority_factors = budget.factors(priority_factors)
        chosen = self._choose_own(
            task, n, priority_factors, mode=mode, rng=rng, min_context_length=min_context_length
        )
        if request_ids is None:
            return chosen
        if len(request_ids) != n:
            raise ValueError(f"got {len(request_ids)} request ids for {n} requests")
        name = self.catalog.check_task(task)
        test = self.active_test(name)
        winner = self._winners.get(name)
        if test is None and winner is None:
            return chosen
        table = self.score_table(name, priority_factors, min_context_length=min_context_length)
        eligible = set(table.model_ids)
        if test is not None:
            if not {test.spec.model_a_id, test.spec.model_b_id} <= eligible:
                return chosen
            routed = []
            for choice, request_id in zip(chosen, request_ids, strict=True):
                assignment = self.assign(name, request_id=request_id)
                routed.append(choice if assignment is None else assignment.model_id)
            return routed
        if winner in eligible:
            return [winner] * n
        return chosen

    def _choose_own(
        self,
        task: TaskLike,
        n: int,
        priority_factors: Mapping[str, float] | None = None,
        *,
        mode: ChoiceMode = "thompson",
        rng: np.random.Generator | None = None,
        min_context_length: int | None = None,
    ) -> list[str]:
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        name = self.catalog.check_task(task)
        if mode not in _CHOICE_MODES:
            raise ValueError(f"unknown mode {mode!r}; use {', '.join(_CHOICE_MODES)}")
        ids, scores, spreads = self.draw_inputs(
            name, priority_factors, mode=mode, min_context_length=min_context_length
        )
        if mode == "greedy":
            return [ids[0]] * n
        if rng is None:
            raise ValueError("Thompson sampling needs an rng (a numpy Generator)")
        draws = rng.normal(scores, spreads, size=(n, len(ids)))
        return [ids[i] for i in np.argmax(draws, axis=1)]

    def draw_inputs(
        self,
        task: TaskLike,
        priority_factors: Mapping[str, float] | None = None,
        *,
        mode: ChoiceMode = "thompson",
        min_context_length: int | None = None,
    ) -> tuple[tuple[str, ...], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """What a choice in ``mode`` draws from: models, mean scores and spreads of the draws.

        The servable models come best expected first; a caller drawing many choices itself
        (an evaluation's batch) draws from these exactly as :meth:`choose` does.

        Raises:
            NoEligibleModelError: every model breaches the task's hard limits (and the
                router's policy is to raise).
        """
        name = self.catalog.check_task(task)
        if mode not in _CHOICE_MODES:
            raise ValueError(f"unknown mode {mode!r}; use {', '.join(_CHOICE_MODES)}")
        weights = normalise_priorities(priority_factors)
        table, _ = self._servable(name, weights, min_context_length, level=mode == "thompson-level")
        return tuple(table.model_ids), table.scores, self._draw_spreads(table, mode)

    def weighing(
        self,
        task: TaskLike,
        objectives: tuple[str, ...],
        *,
        mode: ChoiceMode = "thompson",
        min_context_length: int | None = None,
    ) -> Weighing:
        """What :meth:`draw_inputs` weighs, for any weights over these objectives.

        ``objectives`` are the names of normalised weights (:func:`normalise_priorities`).
        It holds the evidence as of now: a caller whose weights move between choices while
        the evidence stays put (a budget's pacer inside an evaluation's batch) reweighs it
        per choice instead of building a table each time.

        Raises:
            NoEligibleModelError: as :meth:`draw_inputs` does.
        """
        name = self.catalog.check_task(task)
        if mode not in _CHOICE_MODES:
            raise ValueError(f"unknown mode {mode!r}; use {', '.join(_CHOICE_MODES)}")
        level = mode == "thompson-level"
        limits, _ = self._eligibility(name, objectives, min_context_length, level=level)
        columns = self._score_columns(
            name, objectives, min_context_length, limits=limits, level=level
        )
        fit = self.hierarchy() if level else None
        return Weighing(
            columns,
            self._bonuses(name, self._stats.get(name, {})),
            None if fit is None else [fit.level_spread(e.model_id) for e in columns.eligible],
        )

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

    def _explain(
        self, table: ScoreTable, pick: int, now: datetime, degraded: str | None = None
    ) -> Recommendation:
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
            f"({_observations(estimate.observations)} observations)",
        ]
        if degraded is not None:
            parts.insert(0, f"DEGRADED: {degraded}")
        alternatives = tuple(m for m in table.model_ids if m != model_id)[:3]
        if alternatives:
            rival = alternatives[0]
            parts.append(f"runner-up {rival} {table.scores[table.model_ids.index(rival)]:.3f}")
        if pick != 0:
            parts.append("explored by Thompson sampling")
        if table.excluded:
            parts.append(f"{len(table.excluded)} excluded by limits")
        state = self._collective.get(table.task)
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
            # A model that breaches the limits is no one's confident choice.
            confidence_score=0.0 if degraded is not None else self.confidence(table, pick),
            reasoning="; ".join(parts),
            expected_performance=expected,
            cost_estimate=cost,
            alternative_models=alternatives,
            recommendation_factors=dict(table.weights),
            timestamp=now,
            degraded_reason=degraded,
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


@dataclass(frozen=True)
class Weighing:
    """A task's score columns as of some evidence, weighed on demand (see :meth:`Router.weighing`).

    Attributes:
        columns: the servable models' columns (without the task's limits when degraded).
        bonuses: the hive's bonuses, as the task's tables add them.
        level_spreads: for ``thompson-level``, each model's level spread in the columns'
            order; else ``None``.
        model_ids: the servable models, in the columns' order.
    """

    columns: ScoreColumns
    bonuses: Mapping[str, float] | None
    level_spreads: Sequence[float] | None = None
    model_ids: tuple[str, ...] = field(init=False)
    _by_id: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "model_ids", tuple(e.model_id for e in self.columns.eligible))
        object.__setattr__(self, "_by_id", by_id(self.model_ids))

    def draw_inputs(
        self, weights: tuple[tuple[str, float], ...]
    ) -> tuple[tuple[str, ...], list[float], list[float]]:
        """What :meth:`Router.draw_inputs` gives for these (normalised) weights, as lists."""
        scores = weighted_scores(self.columns, weights, self.bonuses)
        spreads = self._draw_spreads(weights)
        order = best_first(self.model_ids, scores, self._by_id)
        return (
            tuple(map(self.model_ids.__getitem__, order)),
            list(map(scores.__getitem__, order)),
            list(map(spreads.__getitem__, order)),
        )

    def pick(
        self, weights: tuple[tuple[str, float], ...], normals: Sequence[float] | None = None
    ) -> str:
        """The model a choice takes under these (normalised) weights.

        Without ``normals``, the best expected one (greedy). With them, the best Thompson
        draw ``mean + spread * z``, a standard normal ``z`` per model in the best-first order
        of :meth:`draw_inputs`: exactly the pick of ``rng.normal(means, spreads)`` when they
        are ``rng.standard_normal(len(model_ids))``, since ``rng.normal`` draws from one
        standard normal after another (the generator ends in the same state too).
        """
        scores = weighted_scores(self.columns, weights, self.bonuses)
        order = best_first(self.model_ids, scores, self._by_id)
        if normals is None:
            return self.model_ids[order[0]]
        spreads = self._draw_spreads(weights)
        draws = [scores[i] + spreads[i] * z for i, z in zip(order, normals, strict=True)]
        return self.model_ids[order[draws.index(max(draws))]]  # the first of equal draws

    def _draw_spreads(self, weights: tuple[tuple[str, float], ...]) -> list[float]:
        """The spreads of the models' Thompson draws, in the columns' order."""
        if self.level_spreads is not None:
            return _level_draw_spreads(weights, self.level_spreads)
        return weighted_spreads(self.columns, weights)


def _level_draw_spreads(
    weights: tuple[tuple[str, float], ...], level_spreads: Sequence[float]
) -> list[float]:
    """``thompson-level``'s draw spreads: the quality weight times each model's level spread."""
    weight = dict(weights).get("quality", 0.0)
    return [weight * spread for spread in level_spreads]


def _observations(n: float) -> str:
    # Decayed sums count effective observations, real numbers; all-time ones count calls.
    return f"{n:.1f}" if isinstance(n, float) else str(n)
