"""Scenario files: TOML validated into typed models, with errors that name file and field."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from selection import TASK_NAME_PATTERN, ConfigError

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
    "load_scenario",
]

TaskName = Annotated[str, Field(pattern=TASK_NAME_PATTERN)]


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Behaviour(_Spec):
    """A model's hidden true behaviour on a task: what the simulation draws outcomes from.

    Attributes:
        quality: mean quality score; each call's score is normal around it, clipped to [0, 1].
        latency_ms: median latency; each call's latency is log-normal with ``latency_sigma``.
        error_rate: chance that a call fails.
        tokens_in, tokens_out: mean token counts (Poisson) that price each call.
    """

    quality: float = Field(ge=0, le=1)
    quality_sd: float = Field(default=0.08, ge=0, le=1)
    latency_ms: float = Field(default=1500, gt=0)
    latency_sigma: float = Field(default=0.35, ge=0, le=3)
    error_rate: float = Field(default=0.01, ge=0, le=1)
    tokens_in: float = Field(default=400, ge=0)
    tokens_out: float = Field(default=300, ge=0)


class ModelTruth(_Spec):
    """A simulated model: its catalog entry and its hidden behaviour per task.

    ``behaviour`` applies to every task; ``tasks`` overrides fields for some. A model named by
    a ``release`` event enters the catalog only at that event's step.
    """

    id: str = Field(min_length=1, max_length=255)
    provider: str = "sim"
    input_cost_per_1k_tokens: float = Field(ge=0)
    output_cost_per_1k_tokens: float = Field(ge=0)
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
    multiplier: float = Field(gt=0)


class TrafficSpec(_Spec):
    """Requests per step for one task: Poisson around ``rate`` x daily pattern x bursts."""

    rate: float = Field(gt=0)
    daily_amplitude: float = Field(default=0.0, ge=0, lt=1)
    bursts: tuple[Burst, ...] = ()


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
    channel: Literal["verdict", "evidence"] = "verdict"
    evidence_weight: float = Field(default=1.0, gt=0, le=100)
    shills: float = Field(default=0.0, ge=0, lt=1)
    promote: str | None = None


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
    hive: bool = True


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
    input_cost_per_1k_tokens: float = Field(ge=0)
    output_cost_per_1k_tokens: float = Field(ge=0)


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
    timeout_ms: float = Field(default=30_000, gt=0)


class Retirement(_Event):
    """A model leaves the catalog."""

    kind: Literal["retirement"]
    model: str


Event = Annotated[
    Release | PriceChange | QualityDrift | Outage | Retirement, Field(discriminator="kind")
]


class ScenarioSpec(_Spec):
    """A whole scenario: what to simulate, for how long, and what happens on the way."""

    name: str = Field(min_length=1)
    description: str = ""
    seed: int = Field(default=0, ge=0)
    steps: int = Field(gt=0)
    step_minutes: float = Field(default=60, gt=0)
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
    def _references_exist(self) -> ScenarioSpec:
        ids = [m.id for m in self.models]
        if len(set(ids)) != len(ids):
            raise ValueError("models: two models share an id")
        for i, event in enumerate(self.events):
            if event.model not in ids:
                raise ValueError(f"events[{i}]: unknown model {event.model!r}")
            if event.step >= self.steps:
                raise ValueError(
                    f"events[{i}]: step {event.step} is past the last ({self.steps - 1})"
                )
        for where, named in (
            ("observation.recorded.bias", set(self.observation.recorded.bias)),
            ("agents.promote", {self.agents.promote} - {None}),
        ):
            unknown = sorted(str(m) for m in named - set(ids))
            if unknown:
                raise ValueError(f"{where}: unknown model {unknown[0]!r}")
        if self.agents.shills and self.agents.promote is None:
            raise ValueError("agents.shills: name the model they promote in agents.promote")
        released = {e.model for e in self.events if isinstance(e, Release)}
        if released >= set(ids):
            raise ValueError("models: at least one model must be there from the start")
        return self

    def with_overrides(self, **changes: Any) -> ScenarioSpec:
        """A copy with top-level fields replaced (``seed``, ``steps``...), validated again.

        Shortening the run drops the events it no longer reaches.

        Raises:
            ConfigError: naming the field that is wrong.
        """
        data = {**self.model_dump(), **changes}
        if "steps" in changes and isinstance(changes["steps"], int):
            data["events"] = [e for e in data["events"] if e["step"] < changes["steps"]]
        try:
            return ScenarioSpec.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(f"{self.name}: {_first(exc)}") from exc


def builtin_names() -> list[str]:
    """The scenarios that ship with Genesis Prime."""
    folder = resources.files("scenarios").joinpath("builtin")
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
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
        text = path.read_text("utf-8")
    except OSError as exc:
        known = ", ".join(builtin_names())
        raise ConfigError(
            f"no scenario {str(name_or_path)!r}: not a built-in ({known}) "
            f"and not a readable file ({exc.strerror})"
        ) from exc
    return parse_scenario(text, source=str(path))


def parse_scenario(text: str, *, source: str = "scenario") -> ScenarioSpec:
    """Validate TOML text into a :class:`ScenarioSpec`."""
    try:
        data: Mapping[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from exc
    try:
        return ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {_first(exc)}") from exc


def _first(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"]) or "(top level)"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {error['msg']}{more}"
