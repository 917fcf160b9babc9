"""What an A/B test is: its specification, guardrails, ramp plan, and its stored state.

Conventions:

* Arm ``"a"`` is the **champion** (control, ``model_a_id``) and arm ``"b"`` the
  **challenger** (treatment, ``model_b_id``); effects are challenger minus champion.
* ``traffic_split`` is the challenger's share of the traffic, strictly inside (0, 1).
* ``sample_size`` (the seed's column) is the planned number of units over **both** arms;
  see :mod:`selection.abtest.planning` for how it is derived when not given.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from selection.errors import ExperimentError
from selection.metrics import Metric, higher_is_better
from selection.names import METRIC_NAMES
from selection.tasks import task_name

__all__ = [
    "ACTIVE_STATUSES",
    "DEFAULT_GUARDRAILS",
    "ERROR_RATE",
    "METRIC_NAMES",
    "ABTest",
    "ABTestSpec",
    "Action",
    "Decision",
    "Guardrail",
    "Phase",
    "Plan",
    "RampPlan",
    "Status",
    "Unit",
    "higher_is_better",
    "parse_spec",
]

Status = Literal["running", "ramping", "promoted", "rolled_back", "stopped", "completed"]
ACTIVE_STATUSES: tuple[Status, ...] = ("running", "ramping")
Unit = Literal["request", "session", "user"]
Action = Literal[
    "promote", "ramp", "complete_ramp", "rollback", "abandon", "expire", "stop", "flag"
]

ERROR_RATE = Metric.ERROR_RATE.value

_FROZEN = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


def _check_metric(metric: str) -> str:
    if metric not in METRIC_NAMES:
        raise ValueError(f"unknown metric {metric!r}; use one of {', '.join(METRIC_NAMES)}")
    return metric


class Guardrail(BaseModel):
    """A metric the challenger must not make worse by more than ``margin``.

    Attributes:
        metric: ``error_rate`` or a metric column (``cost``, ``response_time_ms``...).
        margin: The largest tolerated loss, > 0: a fraction of the champion's value when
            ``relative`` (0.10 = "at most 10% worse"), else in the metric's units (0.01 =
            one percentage point of error rate).
        relative: Whether ``margin`` is relative to the champion.
    """

    model_config = _FROZEN

    metric: str
    margin: float = Field(gt=0)
    relative: bool = True

    @field_validator("metric")
    @classmethod
    def _known(cls, metric: str) -> str:
        return _check_metric(metric)

    @property
    def higher_is_better(self) -> bool:
        """Direction of the metric."""
        return higher_is_better(self.metric)


DEFAULT_GUARDRAILS: tuple[Guardrail, ...] = (
    Guardrail(metric=ERROR_RATE, margin=0.01, relative=False),
    Guardrail(metric="cost", margin=0.10),
    Guardrail(metric="response_time_ms", margin=0.10),
)
"""Error rate at most one point worse, mean cost and mean latency at most 10% worse."""


class RampPlan(BaseModel):
    """How a promoted challenger takes over: its traffic share, step by step.

    Attributes:
        steps: Challenger shares to pass through, increasing, each in (0, 1); those not
            above the test's split are skipped. After the last, the challenger takes all.
        step_hours: Minimum time at each step.
        min_samples_per_arm: Minimum records in each arm at a step before moving on.
    """

    model_config = _FROZEN

    steps: tuple[float, ...] = (0.5, 0.75, 0.9)
    step_hours: float = Field(default=6.0, ge=0)
    min_samples_per_arm: int = Field(default=100, ge=2)

    @field_validator("steps")
    @classmethod
    def _increasing(cls, steps: tuple[float, ...]) -> tuple[float, ...]:
        if any(not 0.0 < s < 1.0 for s in steps):
            raise ValueError(f"every ramp step must be in (0, 1), got {steps}")
        if any(b <= a for a, b in itertools.pairwise(steps)):
            raise ValueError(f"ramp steps must increase, got {steps}")
        return steps


class ABTestSpec(BaseModel):
    """What to test: two models, the tasks, the split, the metrics and the stopping rules."""

    model_config = _FROZEN

    model_a_id: str = Field(min_length=1, max_length=255)
    model_b_id: str = Field(min_length=1, max_length=255)
    task_types: tuple[str, ...] = Field(min_length=1)
    test_name: str | None = Field(default=None, min_length=1, max_length=255)
    traffic_split: float = Field(default=0.5, gt=0, lt=1)
    success_metrics: tuple[str, ...] = Field(default=("quality_score",), min_length=1)
    guardrails: tuple[Guardrail, ...] = DEFAULT_GUARDRAILS
    duration_hours: int = Field(default=168, ge=1)
    sample_size: int | None = Field(default=None, ge=4)
    unit: Unit = "request"
    mde: float = Field(default=0.05, gt=0)
    alpha: float = Field(default=0.05, gt=0, lt=0.5)
    power: float = Field(default=0.8, gt=0.5, lt=1)
    min_samples_per_arm: int = Field(default=100, ge=2)
    min_runtime_hours: float = Field(default=24.0, ge=0)
    ramp: RampPlan = RampPlan()

    @field_validator("task_types", mode="before")
    @classmethod
    def _tasks(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = (value,)
        return tuple(dict.fromkeys(task_name(t) for t in value))

    @field_validator("success_metrics")
    @classmethod
    def _metrics(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError(f"a success metric is listed twice: {value}")
        return tuple(_check_metric(m) for m in value)

    @model_validator(mode="after")
    def _consistent(self) -> ABTestSpec:
        if self.model_a_id == self.model_b_id:
            raise ValueError(f"both arms use {self.model_a_id!r}; an A/B test needs two models")
        if self.min_runtime_hours > self.duration_hours:
            raise ValueError(
                f"min_runtime_hours ({self.min_runtime_hours:g}) exceeds duration_hours "
                f"({self.duration_hours})"
            )
        guarded = [g.metric for g in self.guardrails]
        if len(set(guarded)) != len(guarded):
            raise ValueError(f"a guardrail metric is listed twice: {guarded}")
        if overlap := set(guarded) & set(self.success_metrics):
            raise ValueError(f"{sorted(overlap)} cannot be both a success metric and a guardrail")
        return self

    @property
    def name(self) -> str:
        """The test's name, or one made from its models and tasks."""
        return self.test_name or (
            f"{self.model_b_id} vs {self.model_a_id} on {', '.join(self.task_types)}"
        )


def parse_spec(**fields: Any) -> ABTestSpec:
    """Validate keyword arguments into a spec.

    Raises:
        ExperimentError: naming each wrong field and why.
    """
    try:
        return ABTestSpec.model_validate(fields)
    except ValidationError as exc:
        parts = []
        for error in exc.errors()[:4]:
            where = ".".join(str(p) for p in error["loc"]) or "test"
            parts.append(f"{where}: {error['msg'].removeprefix('Value error, ')}")
        raise ExperimentError("invalid A/B test: " + "; ".join(parts)) from exc


class Plan(BaseModel):
    """The outcome of the power analysis (see :mod:`selection.abtest.planning`).

    Attributes:
        primary_metric: The success metric the plan is for (the first one).
        planned_n_per_arm: Equal-allocation units per arm at which the always-valid test
            reaches the target power; it also tunes that test's mixture.
        fixed_horizon_n_per_arm: What a single fixed-horizon test would need (for reference).
        baseline_mean: Champion mean (or rate) the plan assumed.
        baseline_sd: Standard deviation the plan assumed (``None`` for rates).
        baseline_source: ``"observed"`` (champion's records), ``"default"`` or ``"given"``
            (a sample size was given, no power analysis was run).
    """

    model_config = _FROZEN

    primary_metric: str
    planned_n_per_arm: int = Field(ge=2)
    fixed_horizon_n_per_arm: int | None = None
    baseline_mean: float | None = None
    baseline_sd: float | None = None
    baseline_source: Literal["observed", "default", "given"]


class Phase(BaseModel):
    """A period with one traffic split: 0 is the test, 1, 2, ... are ramp steps."""

    model_config = _FROZEN

    index: int = Field(ge=0)
    start_time: datetime
    traffic_split: float = Field(gt=0, le=1)


class Decision(BaseModel):
    """A change of a test's state, why it was made, and the numbers behind it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    test_id: str
    time: datetime
    action: Action
    from_status: Status
    to_status: Status
    reason: str
    evidence: dict[str, Any] = Field(default_factory=dict)


class ABTest(BaseModel):
    """A test as stored: its spec and plan, and where it stands."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    test_id: str
    spec: ABTestSpec
    plan: Plan
    sample_size: int
    status: Status
    start_time: datetime
    end_time: datetime | None = None
    phases: tuple[Phase, ...]
    decisions: tuple[Decision, ...] = ()
    results: dict[str, Any] | None = None
    monitor_state: dict[str, Any] = Field(default_factory=dict)

    @property
    def is_active(self) -> bool:
        """Whether the test still routes traffic (running or ramping)."""
        return self.status in ACTIVE_STATUSES

    @property
    def phase(self) -> Phase:
        """The current phase."""
        return self.phases[-1]

    def model(self, arm: str) -> str:
        """The model of arm ``"a"`` (champion) or ``"b"`` (challenger)."""
        return self.spec.model_a_id if arm == "a" else self.spec.model_b_id

    def phase_end(self, index: int) -> datetime | None:
        """When phase ``index`` ended (the next one's start, or the test's end)."""
        if index + 1 < len(self.phases):
            return self.phases[index + 1].start_time
        return self.end_time

    def hours_since(self, start: datetime, now: datetime) -> float:
        """Hours from ``start`` to ``now`` (or to the end, once the test is over)."""
        until = self.end_time if self.end_time is not None and not self.is_active else now
        return max(0.0, (until - start) / timedelta(hours=1))

    def to_row(self) -> dict[str, Any]:
        """The ``ab_test_configurations`` row: the seed's columns and the extra ones."""
        spec = self.spec
        design = spec.model_dump(
            mode="json",
            exclude={"model_a_id", "model_b_id", "task_types", "test_name", "traffic_split"}
            | {"success_metrics", "guardrails", "duration_hours"},
        )
        design["plan"] = self.plan.model_dump(mode="json")
        return {
            "test_id": self.test_id,
            "test_name": spec.name,
            "model_a_id": spec.model_a_id,
            "model_b_id": spec.model_b_id,
            "task_types": list(spec.task_types),
            "sample_size": self.sample_size,
            "traffic_split": spec.traffic_split,
            "success_metrics": list(spec.success_metrics),
            "duration_hours": spec.duration_hours,
            "start_time": self.start_time,
            "status": self.status,
            "results": self.results,
            "guardrails": [g.model_dump(mode="json") for g in spec.guardrails],
            "design": design,
            "phases": [p.model_dump(mode="json") for p in self.phases],
            "decisions": [d.model_dump(mode="json") for d in self.decisions],
            "monitor_state": self.monitor_state,
            "end_time": self.end_time,
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ABTest:
        """Rebuild a test from its stored row.

        Raises:
            ExperimentError: if the row lacks what this version stores (it was written by
                the seed's bare ``save_ab_test``, not by :class:`ABTestManager`).
        """
        design = dict(row.get("design") or {})
        plan = design.pop("plan", None)
        if plan is None or row.get("phases") is None:
            raise ExperimentError(
                f"A/B test {row.get('test_id')!r} has no stored design; it was not created "
                "by ABTestManager"
            )
        spec = ABTestSpec.model_validate(
            {
                **design,
                "model_a_id": row["model_a_id"],
                "model_b_id": row["model_b_id"],
                "task_types": row["task_types"],
                "test_name": row["test_name"],
                "traffic_split": row["traffic_split"],
                "success_metrics": row["success_metrics"],
                "guardrails": row.get("guardrails") or (),
                "duration_hours": row["duration_hours"],
            }
        )
        return cls(
            test_id=row["test_id"],
            spec=spec,
            plan=Plan.model_validate(plan),
            sample_size=row["sample_size"],
            status=row["status"],
            start_time=row["start_time"],
            end_time=row.get("end_time"),
            phases=tuple(Phase.model_validate(p) for p in row["phases"]),
            decisions=tuple(Decision.model_validate(d) for d in row.get("decisions") or ()),
            results=row.get("results"),
            monitor_state=row.get("monitor_state") or {},
        )
