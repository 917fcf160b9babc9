"""Hard limits per task (the seed's adaptive thresholds): what a model must meet to be chosen."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from selection.names import NO_ELIGIBLE_POLICIES, NoEligiblePolicy

__all__ = ["DEFAULT_THRESHOLDS", "NO_ELIGIBLE_POLICIES", "NoEligiblePolicy", "TaskThresholds"]


class TaskThresholds(BaseModel):
    """The seed's three limits for one task; ``None`` means no limit.

    The cost limit applies to the expected cost per request from the start (prices are
    known); the quality and time limits apply once a model has ``min_evidence`` observations,
    when a one-sided 95% bound on its observed mean breaches them, so that neither a guess
    nor a few unlucky calls rule a model out.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    min_quality_score: float | None = Field(default=None, ge=0, le=1)
    max_response_time_ms: float | None = Field(default=None, gt=0)
    max_cost_per_request: float | None = Field(default=None, ge=0)
    min_evidence: int = Field(default=5, ge=1)


DEFAULT_THRESHOLDS: dict[str, TaskThresholds] = {
    "consciousness_processing": TaskThresholds(
        min_quality_score=0.85, max_response_time_ms=3000, max_cost_per_request=0.05
    ),
    "pattern_recognition": TaskThresholds(
        min_quality_score=0.70, max_response_time_ms=1000, max_cost_per_request=0.005
    ),
}
"""The seed's thresholds for the two tasks it names."""
