"""Priority factors: what a caller wants from a model, as weights over named objectives."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "DEFAULT_PRIORITIES",
    "OBJECTIVES",
    "Direction",
    "Objective",
    "normalise_priorities",
]


class Direction(StrEnum):
    """Whether more of an objective's column is better or worse."""

    HIGHER = "higher"
    LOWER = "lower"


@dataclass(frozen=True, slots=True)
class Objective:
    """One thing a model can be scored on.

    Attributes:
        name: the canonical factor name (``"quality"``, ``"cost"``...).
        column: the record column it is estimated from, or ``"error_rate"``.
        direction: whether higher or lower values are better.
    """

    name: str
    column: str
    direction: Direction


OBJECTIVES: dict[str, Objective] = {
    o.name: o
    for o in (
        Objective("quality", "quality_score", Direction.HIGHER),
        Objective("consciousness", "consciousness_score", Direction.HIGHER),
        Objective("creativity", "creativity_score", Direction.HIGHER),
        Objective("accuracy", "accuracy_score", Direction.HIGHER),
        Objective("reasoning", "reasoning_depth_score", Direction.HIGHER),
        Objective("humor", "humor_score", Direction.HIGHER),
        Objective("user_satisfaction", "user_rating", Direction.HIGHER),
        Objective("reliability", "error_rate", Direction.LOWER),
        Objective("cost", "cost", Direction.LOWER),
        Objective("speed", "response_time_ms", Direction.LOWER),
        Objective("cost_efficiency", "cost_efficiency", Direction.HIGHER),
    )
}
"""Every objective by canonical name."""

_ALIASES = {
    "response_quality": "quality",
    "quality_score": "quality",
    "consciousness_score": "consciousness",
    "consciousness_coherence": "consciousness",
    "creativity_score": "creativity",
    "accuracy_score": "accuracy",
    "reasoning_depth": "reasoning",
    "reasoning_depth_score": "reasoning",
    "humor_effectiveness": "humor",
    "humor_score": "humor",
    "user_rating": "user_satisfaction",
    "error_rate": "reliability",
    "price": "cost",
    "latency": "speed",
    "response_time": "speed",
    "response_time_ms": "speed",
}

DEFAULT_PRIORITIES: dict[str, float] = {
    "quality": 0.5,
    "cost": 0.2,
    "speed": 0.2,
    "reliability": 0.1,
}
"""What matters when the caller says nothing."""


def normalise_priorities(factors: Mapping[str, float] | None) -> tuple[tuple[str, float], ...]:
    """Resolve aliases and scale the weights to sum to 1, as sorted ``(name, weight)`` pairs.

    Raises:
        ValueError: naming an unknown factor or a weight that is negative or not finite,
            or when no weight is positive.
    """
    if not factors:
        factors = DEFAULT_PRIORITIES
    merged: dict[str, float] = {}
    for key, weight in factors.items():
        name = _ALIASES.get(key, key)
        if name not in OBJECTIVES:
            valid = ", ".join(sorted(OBJECTIVES))
            raise ValueError(f"unknown priority factor {key!r}; use one of: {valid}")
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise ValueError(f"priority factor {key!r} must be a number, got {weight!r}")
        if not math.isfinite(weight) or weight < 0:
            raise ValueError(f"priority factor {key!r} must be finite and >= 0, got {weight!r}")
        merged[name] = merged.get(name, 0.0) + float(weight)
    total = sum(merged.values())
    if total <= 0:
        raise ValueError("at least one priority factor must be positive")
    return tuple(sorted((name, w / total) for name, w in merged.items() if w > 0))
