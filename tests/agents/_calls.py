"""Building performance records for agent tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from agents import Ballot, GenesisAgent, PerceptionConfig
from selection import PerformanceRecord

T0 = datetime(2025, 1, 1, tzinfo=UTC)
TASK = "logical_reasoning"
CLEAR_EYES = PerceptionConfig(leniency_sd=0.0, taste_sd=0.0, noise_sd=0.0)
"""An agent that sees the recorded scores exactly."""


def call(
    model: str,
    quality: float | None = 0.8,
    *,
    minute: float = 0,
    task: str = TASK,
    cost: float | None = 0.01,
    latency: float | None = 1000.0,
    failed: bool = False,
    **extra: Any,
) -> PerformanceRecord:
    """One call of ``model`` at ``T0 + minute``; quality doubles as accuracy."""
    return PerformanceRecord(
        model_id=model,
        task_type=task,
        quality_score=None if failed else quality,
        accuracy_score=None if failed else quality,
        cost=cost,
        response_time_ms=latency,
        error_occurred=failed,
        timestamp=T0 + timedelta(minutes=minute),
        **extra,
    )


def period(
    qualities: dict[str, float],
    *,
    calls: int,
    start: float = 0,
    rng: np.random.Generator,
    sd: float = 0.05,
    task: str = TASK,
) -> list[PerformanceRecord]:
    """``calls`` calls of each model, recorded quality drawn around its true quality."""
    out = []
    for i in range(calls):
        for model, q in qualities.items():
            score = float(np.clip(rng.normal(q, sd), 0.0, 1.0))
            out.append(call(model, score, minute=start + i, task=task))
    return out


def belief(
    agent: GenesisAgent, model: str, objective: str = "quality", *, of: str = "mean"
) -> float:
    """The agent's posterior ``mean`` (or ``sd``) of one objective for ``model`` on TASK."""
    posterior = agent.posterior(model, TASK)
    assert posterior is not None, f"{agent.agent_id} never saw {model}"
    value = getattr(posterior, of)[objective]
    assert value is not None, f"{objective} of {model} is unknown"
    return float(value)


def vote(agent: GenesisAgent, task: str = TASK) -> Ballot:
    """The agent's ballot, which must not be an abstention."""
    ballot = agent.ballot(task)
    assert ballot is not None
    return ballot
