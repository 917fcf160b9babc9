"""Priority factors: what a caller wants from a model, as weights over named objectives."""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping

from selection.metrics import REGISTRY, Direction, MetricSpec

__all__ = [
    "DEFAULT_PRIORITIES",
    "OBJECTIVES",
    "Direction",
    "Objective",
    "normalise_priorities",
]


Objective = MetricSpec
"""One thing a model can be scored on: a registry entry that callers may weigh."""

OBJECTIVES: dict[str, Objective] = {m.name: m for m in REGISTRY if m.objective}
"""Every objective by canonical name (derived from :data:`selection.metrics.REGISTRY`)."""

_ALIASES = {alias: m.name for m in OBJECTIVES.values() for alias in m.aliases}

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
    try:  # a budget's pacer asks per request, mostly for weights it asked for before
        return _normalised(tuple((key, type(w), w) for key, w in factors.items()))
    except TypeError:  # an unhashable weight: let the check below say what is wrong
        return _normalise(factors)


@functools.lru_cache(maxsize=4096)
def _normalised(items: tuple[tuple[str, type, float], ...]) -> tuple[tuple[str, float], ...]:
    return _normalise({key: w for key, _, w in items})


def _normalise(factors: Mapping[str, float]) -> tuple[tuple[str, float], ...]:
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
