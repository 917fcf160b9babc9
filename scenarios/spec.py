"""Scenario files: TOML validated into typed models, with errors that name file and field."""

from __future__ import annotations

import tomllib
import warnings
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from scenarios.names import builtin_names
from selection import TASK_NAME_PATTERN, ConfigError, normalise_priorities

__all__ = [
    "AgentsSpec",
    "Behaviour",
    "Burst",
    "Event",
    "ModelTruth",
    "ObservationSpec",
    "ScenarioSpec",
    "SelectorSpec",
    "TrafficSpec",
    "builtin_names",
    "first_error",
    "load_scenario",
]

TaskName = Annotated[str, Field(pattern=TASK_NAME_PATTERN)]

SCENARIO_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$"
"""A scenario's name is also its default output folder (``out/<name>``): one path component,
never a separator, ``..`` or an absolute path."""

MAX_STEP_MINUTES = 525_600.0  # a year; longer steps make the simulated clock meaningless
# Limits that keep a simulation physical and inside memory: a step's requests are drawn at
# once (five floats each), and every call must make a record the store accepts.
MAX_REQUESTS_PER_STEP = 100_000
MAX_TOKENS = 10_000_000
MAX_LATENCY_MS = 3_600_000.0
MAX_PRICE_PER_1K = 1_000.0


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Behaviour(_Spec):
    """A model's hidden true behaviour on a task: what the simulation draws outcomes from.

    Attributes:
        quality: mean quality score; each call's score is normal around it, clipped to [0, 1].
        latency_ms: median latency; each call's latency is log-normal with ``latency_sigma``.
        error_rate: chance that a call fails.
        tokens_in, tokens_out: mean token counts (Poisson) that price each call.
        outcome: ``score``: quality as above; ``win``: each call scores 1 with probability
            ``quality`` and 0 otherwise (a win against a reference, as in Chatbot Arena).
    """

    quality: float = Field(ge=0, le=1)
    quality_sd: float = Field(default=0.08, ge=0, le=1)
    latency_ms: float = Field(default=1500, gt=0, le=MAX_LATENCY_MS)
    latency_sigma: float = Field(default=0.35, ge=0, le=3)
    error_rate: float = Field(default=0.01, ge=0, le=1)
    tokens_in: float = Field(default=400, ge=0, le=MAX_TOKENS)
    tokens_out: float = Field(default=300, ge=0, le=MAX_TOKENS)
    outcome: Literal["score", "win"] = "score"


class ModelTruth(_Spec):
    """A simulated model: its catalog entry and its hidden behaviour per task.

    ``behaviour`` applies to every task; ``tasks`` overrides fields for some. A model named by
    a ``release`` event enters the catalog only at that event's step.
    """

    id: str = Field(min_length=1, max_length=255)
    provider: str = "sim"
    input_cost_per_1k_tokens: float = Field(ge=0, le=MAX_PRICE_PER_1K)
    output_cost_per_1k_tokens: float = Field(ge=0, le=MAX_PRICE_PER_1K)
    context_length: int = Field(default=32_000, gt=0)
    specializations: tuple[TaskName, ...] = ()
    quality_prior: float | None = Field(default=None, ge=0, le=1)
    behaviour: Behaviour
    tasks: dict[TaskName, dict[str, float]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _overrides_are_valid(self) -> ModelTruth:
        for task, fields in self.tasks.items():
            try:
                Behaviour.model_validate({**self.behaviour.model_dump(), **fields})
            except ValidationError as exc:
                raise ValueError(f"tasks.{task}: {exc.errors()[0]['msg']}") from None
        return self

    def on(self, task: str) -> Behaviour:
        """The behaviour on one task."""
        fields = self.tasks.get(task)
        if not fields:
            return self.behaviour
        return Behaviour.model_validate({**self.behaviour.model_dump(), **fields})


class Burst(_Spec):
    """Traffic multiplied by ``multiplier`` from step ``start`` up to, not including, ``end``."""

    start: int = Field(ge=0)
    end: int = Field(gt=0)
    multiplier: float = Field(gt=0, le=MAX_REQUESTS_PER_STEP)


class TrafficSpec(_Spec):
    """Requests per step for one task: Poisson around ``rate`` x daily pattern x bursts."""

    rate: float = Field(gt=0, le=MAX_REQUESTS_PER_STEP)
    daily_amplitude: float = Field(default=0.0, ge=0, lt=1)
    bursts: tuple[Burst, ...] = ()

    @model_validator(mode="after")
    def _fits_a_step(self) -> TrafficSpec:
        peak = self.rate * (1 + self.daily_amplitude)
        for burst in self.bursts:
            peak *= burst.multiplier
        if peak > MAX_REQUESTS_PER_STEP:
            raise ValueError(
                f"up to {peak:,.0f} requests per step with bursts; at most "
                f"{MAX_REQUESTS_PER_STEP:,} can be simulated"
            )
        return self


class AgentsSpec(_Spec):
    """The hive: how many agents, who they are, how they are linked and how they vote."""

    count: int = Field(default=50, ge=1, le=100_000)
    personas: dict[str, float] = Field(default_factory=lambda: {"analyst": 1.0})
    network: Literal["small_world", "scale_free", "complete"] = "small_world"
    neighbours: int = Field(default=6, ge=1)
    rewire: float = Field(default=0.1, ge=0, le=1)
    vote_period: int = Field(default=10, ge=1)
    consensus: str = "borda"
    reputation: bool = True
    social_influence: float = Field(default=0.0, ge=0, le=1)
    forgetting: float = Field(default=0.02, ge=0, lt=1)
    channel: Literal["verdict", "evidence"] = "evidence"
    evidence_weight: float = Field(default=1.0, gt=0, le=100)
    shills: float = Field(default=0.0, ge=0, lt=1)
    promote: str | None = None

    @field_validator("consensus")
    @classmethod
    def _known_method(cls, value: str) -> str:
        from hive import METHODS

        if value not in METHODS:
            raise ValueError(f"unknown consensus method {value!r}; use one of {', '.join(METHODS)}")
        return value

    @field_validator("personas")
    @classmethod
    def _known_personas(cls, value: dict[str, float]) -> dict[str, float]:
        from agents import PERSONAS

        for name, share in value.items():
            if name not in PERSONAS:
                raise ValueError(f"unknown persona {name!r}; use one of {', '.join(PERSONAS)}")
            if not 0 <= share < float("inf"):
                raise ValueError(f"persona {name!r}: share must be finite and >= 0, got {share}")
        if sum(value.values()) <= 0:
            raise ValueError("shares must add up to more than 0")
        return value


class RecordedSpec(_Spec):
    """What the tracker records of each call's hidden true quality.

    ``truth``: the drawn quality itself; ``judge``: a judge's score, the truth plus ``bias``
    (per model id) plus normal ``noise_sd``; ``sparse``: the truth for a ``share`` of calls,
    rated ``delay_steps`` steps after the call, nothing for the rest; ``none``: no score.
    """

    kind: Literal["truth", "judge", "sparse", "none"] = "truth"
    bias: dict[str, float] = Field(default_factory=dict)
    noise_sd: float = Field(default=0.0, ge=0, le=1)
    share: float = Field(default=1.0, ge=0, le=1)
    delay_steps: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> RecordedSpec:
        if self.kind != "judge" and (self.bias or self.noise_sd):
            raise ValueError(f"bias and noise_sd apply only to kind = 'judge', not {self.kind!r}")
        if self.kind != "sparse" and (self.share != 1.0 or self.delay_steps):
            raise ValueError(
                f"share and delay_steps apply only to kind = 'sparse', not {self.kind!r}"
            )
        return self


class AgentsChannelSpec(_Spec):
    """What agents perceive, and how many calls they judge beyond those routed.

    ``source``: ``truth`` (each judged call's hidden quality, through the agent's own noise
    and taste) or ``recorded`` (the tracker's score: no private information, a control).
    ``arena_share``: the share of requests also answered, for the agents only, by a random
    other active model (paid for, reported as ``judging_cost``).
    """

    source: Literal["truth", "recorded"] = "truth"
    arena_share: float = Field(default=0.0, ge=0, le=1)


class ObservationSpec(_Spec):
    """The two channels from each call's hidden truth: the tracker's and the agents'."""

    recorded: RecordedSpec = RecordedSpec()
    agents: AgentsChannelSpec = AgentsChannelSpec()


class SelectorSpec(_Spec):
    """How the real selector is run."""

    mode: Literal["greedy", "thompson"] = "thompson"
    weights: dict[str, float] = Field(
        default_factory=lambda: {"quality": 0.6, "cost": 0.2, "speed": 0.2}
    )
    prior_strength: float = Field(default=10.0, gt=0)
    half_life_hours: float | None = Field(default=None, gt=0)
    """Forget old evidence: a record counts half after this many hours (None: never)."""
    forget: Literal["never", "half-life", "change"] | None = None
    """``Router(forget=)``: ``change`` forgets only after a detected change (its evidence
    since then ages with ``half_life_hours``, 3 by default); None: by ``half_life_hours``."""
    hive: bool = True
    share_evidence: bool = False
    """Start each (model, task) from a prior fitted to every task (``Router(share_evidence)``)."""
    budget_per_request: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    """A spend target in USD per request, paced by the cost weight (``selection.BudgetPacer``)."""

    @field_validator("weights")
    @classmethod
    def _known_factors(cls, value: dict[str, float]) -> dict[str, float]:
        normalise_priorities(value)  # raises ValueError naming the factor
        return value


class _Event(_Spec):
    step: int = Field(ge=0)


class Release(_Event):
    """A model enters the catalog."""

    kind: Literal["release"]
    model: str


class PriceChange(_Event):
    """A model's prices change (USD per 1,000 tokens)."""

    kind: Literal["price_change"]
    model: str
    input_cost_per_1k_tokens: float = Field(ge=0, le=MAX_PRICE_PER_1K)
    output_cost_per_1k_tokens: float = Field(ge=0, le=MAX_PRICE_PER_1K)


class QualityDrift(_Event):
    """A model's true quality moves by ``delta`` (on one task, or all)."""

    kind: Literal["quality_drift"]
    model: str
    delta: float = Field(ge=-1, le=1)
    task: TaskName | None = None


class Outage(_Event):
    """A model fails (errors and timeouts) for ``duration`` steps."""

    kind: Literal["outage"]
    model: str
    duration: int = Field(gt=0)
    error_rate: float = Field(default=0.9, ge=0, le=1)
    timeout_ms: float = Field(default=30_000, gt=0, le=MAX_LATENCY_MS)


class Retirement(_Event):
    """A model leaves the catalog."""

    kind: Literal["retirement"]
    model: str


Event = Annotated[
    Release | PriceChange | QualityDrift | Outage | Retirement, Field(discriminator="kind")
]


class ScenarioSpec(_Spec):
    """A whole scenario: what to simulate, for how long, and what happens on the way."""

    name: str = Field(pattern=SCENARIO_NAME_PATTERN)
    description: str = ""
    seed: int = Field(default=0, ge=0, lt=2**63)
    steps: int = Field(gt=0, le=10_000_000)
    step_minutes: float = Field(default=60, gt=0, le=MAX_STEP_MINUTES)
    start: datetime = datetime(2026, 1, 1, tzinfo=UTC)
    agents: AgentsSpec = AgentsSpec()
    selector: SelectorSpec = SelectorSpec()
    ab_automation: bool = False
    observation: ObservationSpec = ObservationSpec()
    failure_value: float = Field(default=0.0, ge=-1, le=0)
    models: tuple[ModelTruth, ...] = Field(min_length=1)
    traffic: dict[TaskName, TrafficSpec] = Field(min_length=1)
    events: tuple[Event, ...] = ()

    @model_validator(mode="after")
    def _observation_names_known_models(self) -> ScenarioSpec:
        ids = [m.id for m in self.models]
        for where, named in (
            ("observation.recorded.bias", set(self.observation.recorded.bias)),
            ("agents.promote", {self.agents.promote} - {None}),
        ):
            unknown = sorted(str(m) for m in named - set(ids))
            if unknown:
                raise ValueError(f"{where}: unknown model {unknown[0]!r}")
        if self.agents.shills and self.agents.promote is None:
            raise ValueError("agents.shills: name the model they promote in agents.promote")
        return self

    @model_validator(mode="after")
    def _references_exist(self) -> ScenarioSpec:
        ids = [m.id for m in self.models]
        for model_id in ids:
            if ids.count(model_id) > 1:
                raise ValueError(f"models: two models share the id {model_id!r}")
        released: dict[str, int] = {}
        for i, event in enumerate(self.events):
            if event.model not in ids:
                raise ValueError(f"events[{i}]: unknown model {event.model!r}")
            if event.step >= self.steps:
                raise ValueError(
                    f"events[{i}]: step {event.step} is past the last ({self.steps - 1})"
                )
            if isinstance(event, Release):
                if event.model in released:
                    raise ValueError(f"events[{i}]: {event.model!r} is released twice")
                released[event.model] = event.step
        for i, event in enumerate(self.events):
            due = released.get(event.model)
            if due is not None and not isinstance(event, Release) and event.step < due:
                raise ValueError(
                    f"events[{i}]: {event.kind} of {event.model!r} at step {event.step}, "
                    f"before its release at step {due}"
                )
        if set(released) >= set(ids):
            raise ValueError("models: at least one model must be there from the start")
        try:
            self.start + timedelta(minutes=self.steps * self.step_minutes)
        except OverflowError:
            raise ValueError(
                f"start: {self.steps} steps of {self.step_minutes:g} minutes from "
                f"{self.start:%Y-%m-%d} run past the year 9999"
            ) from None
        return self

    @model_validator(mode="after")
    def _tasks_have_traffic(self) -> ScenarioSpec:
        # A task without traffic is never served: naming one is a typo, which would
        # otherwise leave the behaviour or drift it was meant for silently unused.
        served = ", ".join(self.traffic)
        for i, model in enumerate(self.models):
            for task in model.tasks:
                if task not in self.traffic:
                    raise ValueError(
                        f"models[{i}].tasks: task {task!r} has no traffic; "
                        f"the scenario's tasks are {served}"
                    )
        for i, event in enumerate(self.events):
            if isinstance(event, QualityDrift) and event.task not in (None, *self.traffic):
                raise ValueError(
                    f"events[{i}]: task {event.task!r} has no traffic; "
                    f"the scenario's tasks are {served}"
                )
        return self

    def events_past(self, steps: int) -> list[Event]:
        """The events a run of only ``steps`` steps would never reach."""
        return [e for e in self.events if e.step >= steps]

    def with_overrides(self, **changes: Any) -> ScenarioSpec:
        """A copy with fields replaced (``seed``, ``steps``...), validated again.

        A dotted name reaches into a section: ``**{"agents.count": 20}``. Shortening the
        run drops the events it no longer reaches (see :meth:`events_past`), never moves
        them: a model whose release is dropped never enters the run. That is said in a
        ``UserWarning``; :meth:`truncated` drops them without one.

        Raises:
            ConfigError: naming the field that is wrong.
        """
        steps = changes.get("steps")
        if isinstance(steps, int) and not isinstance(steps, bool) and steps > 0:
            late = self.events_past(steps)
            if late:
                warnings.warn(_dropped(self.name, steps, late), UserWarning, stacklevel=2)
        return self._replaced(changes)

    def truncated(self, steps: int) -> ScenarioSpec:
        """The first ``steps`` steps only, dropping the events past them without a warning.

        For a deliberate window (see :meth:`with_overrides`).
        """
        return self._replaced({"steps": steps})

    def _replaced(self, changes: dict[str, Any]) -> ScenarioSpec:
        data = self.model_dump()
        for name, value in changes.items():
            node = data
            *sections, leaf = name.split(".")
            for i, key in enumerate(sections):
                if not isinstance(node.get(key), dict):
                    where = ".".join(sections[: i + 1])
                    raise ConfigError(f"{self.name}: {name}: {where!r} is not a section")
                node = node[key]
            if sections and leaf not in node:
                raise ConfigError(f"{self.name}: {name}: no field {leaf!r} in that section")
            node[leaf] = value
        steps = changes.get("steps")
        if isinstance(steps, int) and not isinstance(steps, bool) and steps > 0:
            late = self.events_past(steps)
            unreleased = {e.model for e in late if isinstance(e, Release)}
            data["events"] = [e.model_dump() for e in self.events if e.step < steps]
            data["models"] = [m for m in data["models"] if m["id"] not in unreleased]
        try:
            return ScenarioSpec.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(f"{self.name}: {first_error(exc)}") from exc


def _dropped(name: str, steps: int, late: Sequence[Event]) -> str:
    first = late[0]
    never = " (the model never enters the run)" if isinstance(first, Release) else ""
    more = f", and {len(late) - 1} later event(s)" if len(late) > 1 else ""
    return (
        f"{name}: {steps} steps drop the {first.kind} of {first.model} at step "
        f"{first.step}{never}{more} (ScenarioSpec.truncated drops them without this warning)"
    )


def load_scenario(name_or_path: str | Path) -> ScenarioSpec:
    """Load a built-in scenario by name, or a TOML file by path.

    Raises:
        ConfigError: naming the file, the field and what was expected.
    """
    path = Path(name_or_path)
    if path.suffix != ".toml" and str(name_or_path) in builtin_names():
        resource = resources.files("scenarios").joinpath(f"builtin/{name_or_path}.toml")
        return parse_scenario(resource.read_text("utf-8"), source=f"built-in {name_or_path}")
    try:
        text = path.read_text("utf-8-sig")  # without a byte order mark, if any
    except OSError as exc:
        known = ", ".join(builtin_names())
        raise ConfigError(
            f"no scenario {str(name_or_path)!r}: not a built-in ({known}) "
            f"and not a readable file ({exc.strerror})"
        ) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    return parse_scenario(text, source=str(path))


def parse_scenario(text: str, *, source: str = "scenario") -> ScenarioSpec:
    """Validate TOML text into a :class:`ScenarioSpec`."""
    try:
        data: Mapping[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from exc
    if "arena" in data:  # real models and ratings from Chatbot Arena's published data
        from scenarios.arena import expand_arena

        data = expand_arena(dict(data), source=source)
    try:
        return ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {first_error(exc)}") from exc


def first_error(exc: ValidationError) -> str:
    """The first of a validation error's complaints, on one line, naming the field."""
    error = exc.errors()[0]
    field = ".".join(str(part) for part in error["loc"])
    where = f"{field}: " if field else ""
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}{error['msg'].removeprefix('Value error, ')}{more}"
