"""The model catalog (the seed's ModelDatabase): what each model costs, holds and is good at."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from enum import StrEnum
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from selection.errors import ConfigError, UnknownModelError, UnknownTaskError
from selection.names import BUILTIN_CATALOGS
from selection.pricing import call_cost
from selection.tasks import TaskLike, TaskType, task_name

__all__ = [
    "BUILTIN_CATALOGS",
    "SEED_COST_OPTIMIZED_ASSIGNMENT",
    "ModelCatalog",
    "ModelSpec",
    "ModelStatus",
]

SEED_COST_OPTIMIZED_ASSIGNMENT: Mapping[str, str] = MappingProxyType(
    {
        "consciousness_processing": "claude-3-sonnet",
        "logical_reasoning": "mixtral-8x7b",
        "creative_generation": "gpt-4-turbo",
        "pattern_recognition": "gemini-pro",
        "memory_integration": "gemini-pro",
        "technical_explanation": "mixtral-8x7b",
        "humor_generation": "claude-3-opus",
        "philosophical_analysis": "claude-3-opus",
    }
)
"""The seed document's static ``cost_optimized_assignment``: task type -> short model name
(the part of a catalog id after its last ``/``). Baselines compare against it."""

# Used to price a request when nothing has been observed yet: a typical chat turn.
DEFAULT_INPUT_TOKENS = 500
DEFAULT_OUTPUT_TOKENS = 500


class ModelStatus(StrEnum):
    """Where a model is in its life: only active models are chosen."""

    ACTIVE = "active"
    DEPRECATED = "deprecated"
    RETIRED = "retired"


class ModelSpec(BaseModel):
    """One model: id, provider, prices (USD per 1,000 tokens), context and strengths.

    The seed's single ``cost_per_1k_tokens`` is accepted and sets both prices. A price of
    ``None`` means unknown, which is not the same as free. ``quality_prior`` is the mean
    quality score expected before any call is seen (the built-in catalog maps public arena
    ratings onto [0, 1]); ``typical_latency_ms`` plays the same part for speed.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    id: str = Field(min_length=1, max_length=255)
    provider: str = Field(min_length=1, max_length=100)
    input_cost_per_1k_tokens: float | None = Field(default=None, ge=0)
    output_cost_per_1k_tokens: float | None = Field(default=None, ge=0)
    context_length: int = Field(gt=0)
    strengths: tuple[str, ...] = ()
    specializations: tuple[str, ...] = ()
    release_date: date | None = None
    status: ModelStatus = ModelStatus.ACTIVE
    typical_latency_ms: float | None = Field(default=None, gt=0)
    quality_prior: float | None = Field(default=None, ge=0, le=1)

    @model_validator(mode="before")
    @classmethod
    def _single_price(cls, data: Any) -> Any:
        if isinstance(data, dict) and "cost_per_1k_tokens" in data:
            data = dict(data)
            price = data.pop("cost_per_1k_tokens")
            data.setdefault("input_cost_per_1k_tokens", price)
            data.setdefault("output_cost_per_1k_tokens", price)
        return data

    @field_validator("specializations")
    @classmethod
    def _task_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(task_name(t) for t in value)

    @property
    def is_active(self) -> bool:
        """Whether the selector may choose this model."""
        return self.status is ModelStatus.ACTIVE

    @property
    def price_known(self) -> bool:
        """Whether both prices are known (a price of 0 is known: a local model)."""
        return (
            self.input_cost_per_1k_tokens is not None and self.output_cost_per_1k_tokens is not None
        )

    def estimate_cost(
        self,
        input_tokens: float = DEFAULT_INPUT_TOKENS,
        output_tokens: float = DEFAULT_OUTPUT_TOKENS,
    ) -> float | None:
        """Return the USD cost of a call with these token counts, or ``None`` if unpriced."""
        if self.input_cost_per_1k_tokens is None or self.output_cost_per_1k_tokens is None:
            return None
        return call_cost(
            input_tokens,
            output_tokens,
            price_in=self.input_cost_per_1k_tokens,
            price_out=self.output_cost_per_1k_tokens,
        )

    def specializes_in(self, task: TaskLike) -> bool:
        """Whether the catalog names this task among the model's specializations."""
        return task_name(task) in self.specializations


class ModelCatalog:
    """The models that may be chosen, and the task types that are known.

    Task types are the built-in :class:`TaskType` members plus every name declared with
    :meth:`declare_task` or named in a model's specializations.
    """

    def __init__(
        self,
        models: Iterable[ModelSpec] = (),
        *,
        tasks: Iterable[str] = (),
        valid_on: date | None = None,
    ) -> None:
        self._models: dict[str, ModelSpec] = {}
        self.valid_on = valid_on
        """The date the prices are for (``None``: not stated)."""
        self._tasks: set[str] = {t.value for t in TaskType}
        self.version = 0
        """Bumped on every change, so that caches built on the catalog know to refresh."""
        for name in tasks:
            self.declare_task(name)
        for spec in models:
            self.add(spec)

    # -- construction -------------------------------------------------------------------

    @classmethod
    def default(cls) -> ModelCatalog:
        """The catalog that ships with Genesis Prime: the seed's models and providers.

        The seed's API is the contract, so this stays the seed's ten models;
        ``ModelCatalog.builtin("current")`` holds today's models at today's list prices.
        """
        return cls.builtin("seed")

    @classmethod
    def builtin(cls, name: str) -> ModelCatalog:
        """A catalog that ships with Genesis Prime, by name (see :data:`BUILTIN_CATALOGS`)."""
        try:
            filename = BUILTIN_CATALOGS[name]
        except KeyError:
            raise ConfigError(
                f"no built-in catalog {name!r}; choose one of {', '.join(BUILTIN_CATALOGS)}"
            ) from None
        text = resources.files("selection").joinpath(f"data/{filename}").read_text("utf-8")
        return cls.from_json(text, source=f"built-in catalog {name!r}")

    @classmethod
    def load(cls, path: str | Path) -> ModelCatalog:
        """Read a catalog file written by :meth:`save` (or by hand, same shape)."""
        path = Path(path)
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read catalog file {path}: {exc.strerror}") from exc
        return cls.from_json(text, source=str(path))

    @classmethod
    def from_json(cls, text: str, *, source: str = "catalog") -> ModelCatalog:
        """Parse a catalog document: ``{"tasks": [...], "models": [{...}, ...]}``."""
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{source}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
        if not isinstance(document, dict) or not isinstance(document.get("models"), list):
            raise ConfigError(f"{source}: expected an object with a 'models' list")
        tasks = document.get("tasks", [])
        if not isinstance(tasks, list) or not all(isinstance(t, str) for t in tasks):
            raise ConfigError(f"{source}: 'tasks' must be a list of task names, got {tasks!r:.60}")
        specs: dict[str, ModelSpec] = {}
        for index, entry in enumerate(document["models"]):
            try:
                spec = ModelSpec.model_validate(entry)
            except ValidationError as exc:
                raise ConfigError(f"{source}: models[{index}]: {_first_error(exc)}") from exc
            if spec.id in specs:
                raise ConfigError(f"{source}: models[{index}]: the id {spec.id!r} appears twice")
            specs[spec.id] = spec
        valid_on = document.get("valid_on")
        try:
            day = None if valid_on is None else date.fromisoformat(valid_on)
            return cls(specs.values(), tasks=tasks, valid_on=day)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{source}: {exc}") from exc

    def save(self, path: str | Path) -> None:
        """Write the catalog, declared tasks included, as JSON."""
        Path(path).write_text(self.to_json(), "utf-8")

    def to_json(self) -> str:
        """The catalog as a JSON document that :meth:`from_json` reads back."""
        builtin = {t.value for t in TaskType}
        document: dict[str, Any] = {
            **({"valid_on": self.valid_on.isoformat()} if self.valid_on is not None else {}),
            "tasks": sorted(self._tasks - builtin),
            "models": [spec.model_dump(mode="json", exclude_defaults=True) for spec in self],
        }
        return json.dumps(document, indent=2) + "\n"

    # -- tasks --------------------------------------------------------------------------

    def declare_task(self, task: TaskLike) -> str:
        """Make a custom task type known; return its canonical name."""
        name = task_name(task)
        if name not in self._tasks:
            self._tasks.add(name)
            self.version += 1
        return name

    def check_task(self, task: TaskLike) -> str:
        """Return the canonical name of a known task type.

        Raises:
            UnknownTaskError: if the task type was never declared.
        """
        try:
            name = task_name(task)
        except ValueError as exc:
            raise UnknownTaskError(str(task)) from exc
        if name not in self._tasks:
            raise UnknownTaskError(name)
        return name

    @property
    def tasks(self) -> frozenset[str]:
        """Every known task type name."""
        return frozenset(self._tasks)

    # -- models -------------------------------------------------------------------------

    def add(self, spec: ModelSpec) -> None:
        """Add a model, or replace the spec of one with the same id (a release or an update)."""
        for name in spec.specializations:
            self._tasks.add(name)
        self._models[spec.id] = spec
        self.version += 1

    def set_status(self, model_id: str, status: ModelStatus) -> ModelSpec:
        """Deprecate, retire or reactivate a model; return its new spec."""
        spec = self.get(model_id).model_copy(update={"status": status})
        self._models[model_id] = spec
        self.version += 1
        return spec

    def retire(self, model_id: str) -> ModelSpec:
        """Stop choosing a model; its history stays."""
        return self.set_status(model_id, ModelStatus.RETIRED)

    def get(self, model_id: str) -> ModelSpec:
        """Return a model's spec.

        Raises:
            UnknownModelError: if the catalog does not hold the model.
        """
        try:
            return self._models[model_id]
        except KeyError:
            raise UnknownModelError(model_id, known=list(self._models)) from None

    def __contains__(self, model_id: object) -> bool:
        return model_id in self._models

    def __iter__(self) -> Iterator[ModelSpec]:
        return iter(self._models.values())

    def __len__(self) -> int:
        return len(self._models)

    def __repr__(self) -> str:
        return f"ModelCatalog({len(self._models)} models, {len(self._tasks)} tasks)"

    def filter(
        self,
        *,
        task: TaskLike | None = None,
        provider: str | None = None,
        max_cost_per_1k_tokens: float | None = None,
        min_context_length: int | None = None,
        include_inactive: bool = False,
    ) -> list[ModelSpec]:
        """Return the models that meet every given condition, in catalog order.

        Args:
            task: keep models that list this task among their specializations.
            provider: keep models of this provider.
            max_cost_per_1k_tokens: keep models whose dearer price is at most this; unpriced
                models are dropped, since nobody can say they fit.
            min_context_length: keep models whose context holds at least this many tokens.
            include_inactive: keep deprecated and retired models too.
        """
        wanted_task = self.check_task(task) if task is not None else None
        found = []
        for spec in self._models.values():
            if not include_inactive and not spec.is_active:
                continue
            if wanted_task is not None and wanted_task not in spec.specializations:
                continue
            if provider is not None and spec.provider != provider:
                continue
            if max_cost_per_1k_tokens is not None and not _price_at_most(
                spec, max_cost_per_1k_tokens
            ):
                continue
            if min_context_length is not None and spec.context_length < min_context_length:
                continue
            found.append(spec)
        return found

    def active(self) -> list[ModelSpec]:
        """The models the selector may choose."""
        return [spec for spec in self._models.values() if spec.is_active]


def _price_at_most(spec: ModelSpec, ceiling: float) -> bool:
    prices = (spec.input_cost_per_1k_tokens, spec.output_cost_per_1k_tokens)
    return all(p is not None and p <= ceiling for p in prices)


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "(entry)"
    return f"{where}: {error['msg']}"
