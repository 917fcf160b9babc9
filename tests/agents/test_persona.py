"""Personas: built-ins cover the seed's tasks; user-defined weights are validated."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from agents import PERSONAS, Persona
from selection import OBJECTIVES, TaskType
from selection.priorities import normalise_priorities


def test_builtin_personas_cover_every_seed_task_type() -> None:
    covered = {task for persona in PERSONAS.values() for task in persona.tasks}
    assert {t.value for t in TaskType} <= covered


@pytest.mark.parametrize("name", sorted(PERSONAS))
def test_builtin_weights_are_selector_priority_factors(name: str) -> None:
    persona = PERSONAS[name]
    assert set(persona.weights) <= set(OBJECTIVES)
    assert math.isclose(sum(persona.weights.values()), 1.0)
    # The selector's own validation accepts them unchanged.
    assert dict(normalise_priorities(persona.priority_factors)) == pytest.approx(persona.weights)


def test_user_persona_resolves_aliases_and_normalises() -> None:
    persona = Persona(name="thrifty", weights={"price": 3, "latency": 1, "quality": 0})
    assert persona.weights == {"cost": 0.75, "speed": 0.25}
    assert persona.priorities == (("cost", 0.75), ("speed", 0.25))


def test_priority_factors_is_a_copy() -> None:
    persona = PERSONAS["artist"]
    persona.priority_factors["creativity"] = 99.0
    assert persona.weights["creativity"] == 0.5


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"charisma": 1.0}, "unknown priority factor 'charisma'"),
        ({"quality": -0.1, "cost": 1.0}, "must be finite and >= 0"),
        ({"quality": math.nan}, "must be finite and >= 0"),
        ({"quality": 0.0}, "at least one priority factor must be positive"),
        ({}, "non-empty mapping"),
        ({"quality": "high"}, "must be a number"),
    ],
    ids=["unknown", "negative", "nan", "all-zero", "empty", "not-a-number"],
)
def test_bad_weights_fail_naming_the_field(weights: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError) as exc_info:
        Persona(name="custom", weights=weights)
    errors = exc_info.value.errors()
    assert errors[0]["loc"] == ("weights",)
    assert message in str(exc_info.value)


@pytest.mark.parametrize("name", ["", "Philosopher", "9lives", "a b"])
def test_bad_names_fail(name: str) -> None:
    with pytest.raises(ValidationError, match="persona name"):
        Persona(name=name, weights={"quality": 1})


def test_tasks_are_canonical_and_unknown_extras_are_refused() -> None:
    persona = Persona(
        name="x", weights={"quality": 1}, tasks=[TaskType.HUMOR_GENERATION, "legal_review"]
    )
    assert persona.tasks == ("humor_generation", "legal_review")
    with pytest.raises(ValidationError):
        Persona(name="x", weights={"quality": 1}, mood="grumpy")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="lower snake case"):
        Persona(name="x", weights={"quality": 1}, tasks=["Legal Review!"])
