"""The per-task oracle: the best model under the scenario's weights, from the hidden truth.

A model's true value mirrors the selector's objective: each weighted objective on [0, 1]
(quality and reliability as they are; cost and latency by their position between the best
and worst active model), summed with the normalised weights. Regret of a call is the oracle's
value minus the chosen model's, at the step the call was made. A failed call is worth
``failure_value`` (0: nothing; below 0: a penalty), so a model's value is its value when it
answers times its success rate plus ``failure_value`` times its error rate: a model that fails
is never the cheap winner it would be if failures were ignored.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from scenarios.world import World
from selection import OBJECTIVES, MetricKind, expected_cost, normalise_priorities

__all__ = ["true_values"]

# Objectives not on [0, 1] are valued by their position between the best and worst model.
_RELATIVE = tuple(name for name, o in OBJECTIVES.items() if not o.on_unit_interval)
_QUALITY_LIKE = frozenset(name for name, o in OBJECTIVES.items() if o.kind is MetricKind.SCORE)


def true_values(
    world: World,
    task: str,
    weights: Mapping[str, float],
    models: Sequence[str],
    *,
    failure_value: float = 0.0,
) -> dict[str, float]:
    """Each model's true value per call on ``task`` now, under ``weights``, failures included."""
    if not models:
        return {}
    raw: dict[str, dict[str, float]] = {}
    for model_id in models:
        b = world.behaviour(model_id, task)
        price_in, price_out = world.prices(model_id)
        raw[model_id] = {
            "quality": b.quality,
            "reliability": 1.0 - b.error_rate,
            "cost": expected_cost(
                b.tokens_in,
                b.tokens_out,
                price_in=price_in,
                price_out=price_out,
                error_rate=b.error_rate,
            ),
            "speed": b.latency_ms * math.exp(b.latency_sigma**2 / 2),
        }
        cost = raw[model_id]["cost"]
        raw[model_id]["cost_efficiency"] = math.log(b.quality / (cost + 1e-6) + 1e-6)
    spans = {
        name: (min(r[name] for r in raw.values()), max(r[name] for r in raw.values()))
        for name in _RELATIVE
    }
    values = {}
    for model_id, r in raw.items():
        total = 0.0
        for name, weight in normalise_priorities(weights):
            if name in _QUALITY_LIKE:
                part = r["quality"]
            elif name == "reliability":
                part = r["reliability"]
            else:  # cost and speed: lower is better; cost efficiency (log): higher is better
                low, high = spans[name]
                position = 1.0 if high - low < 1e-12 else (r[name] - low) / (high - low)
                part = position if OBJECTIVES[name].higher_is_better else 1.0 - position
                if high - low < 1e-12:
                    part = 1.0
            total += weight * part
        failing = 1.0 - r["reliability"]
        values[model_id] = (1.0 - failing) * total + failing * failure_value
    return values
