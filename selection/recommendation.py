"""What the selector recommends for a task (the seed's ``model_recommendations`` row)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Recommendation"]


class Recommendation(BaseModel):
    """A model chosen for a task, with the evidence behind the choice.

    Attributes:
        confidence_score: in [0, 1]; grows with the evidence behind the chosen model and
            with its margin over the runner-up.
        expected_performance: the posterior estimates the choice was made on.
        cost_estimate: expected USD per request, ``None`` if the model's price is unknown.
        alternative_models: the next best eligible models, best first (the fallback chain).
        recommendation_factors: the normalised priority weights used.
        degraded_reason: set when no model met the task's limits and the router, told to
            degrade (``on_no_eligible="degrade"``), served the best of the others: why.
            Not a column of the seed's table; the stored reasoning starts with it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    task_type: str
    recommended_model_id: str
    confidence_score: float = Field(ge=0, le=1)
    reasoning: str
    expected_performance: dict[str, Any] = Field(default_factory=dict)
    cost_estimate: float | None = None
    alternative_models: tuple[str, ...] = ()
    recommendation_factors: dict[str, float] = Field(default_factory=dict)
    timestamp: datetime
    degraded_reason: str | None = None

    @property
    def degraded(self) -> bool:
        """Whether the model serves although it breaches the task's limits."""
        return self.degraded_reason is not None

    @property
    def model_id(self) -> str:
        """The recommended model's id."""
        return self.recommended_model_id
