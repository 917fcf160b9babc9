"""Personas: what an agent values, as weights over the objectives a model is judged by.

A :class:`Persona` weighs the objectives of :data:`selection.priorities.OBJECTIVES` (the seed's
metrics, reliability, cost and speed), so its :attr:`Persona.weights` can also be handed to the
selector as ``priority_factors``. Weights are validated and scaled to sum to 1 on construction;
aliases the selector accepts (``"latency"``, ``"price"``...) are resolved to canonical names.

:data:`PERSONAS` ships one persona per kind of work in the seed (between them they cover every
:class:`selection.TaskType`), plus two single-minded ones: ``economist`` (cost first) and
``critic`` (quality first). Users define their own::

    Persona(name="auditor", weights={"accuracy": 0.6, "reliability": 0.4})
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from selection import normalise_priorities, task_name

__all__ = ["PERSONAS", "Persona"]

_NAME = re.compile(r"[a-z][a-z0-9_-]{0,63}")


class Persona(BaseModel):
    """What an agent values, as weights over named objectives.

    Attributes:
        name: A short lower-case name, e.g. ``"philosopher"``.
        weights: Weight per objective (canonical names from
            :data:`selection.priorities.OBJECTIVES`), each ``> 0``, summing to 1. Given weights
            may use aliases, need not sum to 1, and may include zeros (dropped).
        tasks: The task types this persona is suited to judge (informational: a scenario may use
            it to decide which calls an agent handles). Canonical lower snake case names.
        description: One line for humans.

    Raises:
        pydantic.ValidationError: For an unknown objective, a negative or non-finite weight,
            no positive weight, a malformed name or task type; the message names the field.

    Example:
        >>> Persona(name="thrifty", weights={"price": 3, "quality": 1}).weights
        {'cost': 0.75, 'quality': 0.25}
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    weights: dict[str, float]
    tasks: tuple[str, ...] = ()
    description: str = Field(default="", max_length=500)

    @field_validator("name")
    @classmethod
    def _name_is_short_lowercase(cls, value: str) -> str:
        if _NAME.fullmatch(value) is None:
            raise ValueError(
                f"persona name must be lower case letters, digits, '_' or '-', starting with a "
                f"letter, at most 64 characters; got {value!r}"
            )
        return value

    @field_validator("weights", mode="before")
    @classmethod
    def _weights_are_priorities(cls, value: Any) -> dict[str, float]:
        if not isinstance(value, Mapping) or not value:
            raise ValueError("weights must be a non-empty mapping of objective name -> weight")
        # normalise_priorities names the offending factor in its ValueError.
        return dict(normalise_priorities(value))

    @field_validator("tasks")
    @classmethod
    def _tasks_are_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(task_name(task) for task in value))

    @property
    def priority_factors(self) -> dict[str, float]:
        """The weights as a fresh dict, ready for ``get_optimal_model(priority_factors=...)``."""
        return dict(self.weights)

    @property
    def priorities(self) -> tuple[tuple[str, float], ...]:
        """The weights as sorted ``(objective, weight)`` pairs."""
        return tuple(sorted(self.weights.items()))


def _builtin(name: str, description: str, tasks: str, **weights: float) -> Persona:
    return Persona(name=name, weights=weights, tasks=tuple(tasks.split()), description=description)


PERSONAS: Mapping[str, Persona] = MappingProxyType(
    {
        p.name: p
        for p in (
            _builtin(
                "philosopher",
                "Depth and coherence of thought over price.",
                "consciousness_processing philosophical_analysis",
                consciousness=0.35,
                reasoning=0.30,
                quality=0.25,
                accuracy=0.10,
            ),
            _builtin(
                "engineer",
                "Correct, dependable and quick answers at a sane price.",
                "technical_explanation logical_reasoning",
                accuracy=0.35,
                reasoning=0.20,
                reliability=0.20,
                speed=0.15,
                cost=0.10,
            ),
            _builtin(
                "artist",
                "Originality first, then craft and the audience's delight.",
                "creative_generation",
                creativity=0.50,
                quality=0.30,
                user_satisfaction=0.20,
            ),
            _builtin(
                "analyst",
                "Accurate at volume: facts and reasoning, cheap and fast.",
                "pattern_recognition memory_integration decision_making",
                accuracy=0.40,
                reasoning=0.20,
                cost=0.20,
                speed=0.20,
            ),
            _builtin(
                "empath",
                "How the person on the other side feels about the answer.",
                "emotional_understanding",
                user_satisfaction=0.45,
                quality=0.30,
                consciousness=0.15,
                reliability=0.10,
            ),
            _builtin(
                "comedian",
                "Timing and wordplay; the laugh is the metric.",
                "humor_generation creative_generation",
                humor=0.50,
                creativity=0.30,
                user_satisfaction=0.20,
            ),
            _builtin(
                "economist",
                "Good enough at the lowest price (the seed's cost optimisation).",
                "pattern_recognition memory_integration logical_reasoning",
                cost=0.60,
                quality=0.30,
                reliability=0.10,
            ),
            _builtin(
                "critic",
                "The best answer, whatever it costs.",
                "consciousness_processing philosophical_analysis creative_generation",
                quality=0.80,
                accuracy=0.10,
                reliability=0.10,
            ),
        )
    }
)
"""Built-in personas by name; between them their ``tasks`` cover every seed task type."""
