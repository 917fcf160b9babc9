"""The hive's feedback to the selector, and the hard limits on what it may change.

The hive (``hive.consensus``) reaches a :class:`hive.consensus.Consensus` per task; the seed
document instead shows a dictionary per task. Both become :class:`CollectiveFeedback`, which
the selector applies within bounds:

- confidence is multiplied by a factor in [``MIN_FACTOR``, ``MAX_FACTOR``] when the hive
  prefers the recommended model and divided by it when the hive prefers another, and always
  stays in [0, 1];
- the preferred model gets a score bonus of at most ``MAX_BONUS`` (scores are in [0, 1]),
  applied only among models that meet the task's limits, so the hive can never select a model
  that breaches them; models the hive did not judge get the same bonus, so a verdict never
  holds back a model nobody has seen yet;
- bonus and factor fade by half every ``HALF_LIFE_RECORDS`` new records of the task unless
  the hive reaffirms them;
- a task whose A/B test concluded keeps the test's winner: feedback for another model is
  refused there.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from selection.core import Router

__all__ = [
    "HALF_LIFE_RECORDS",
    "MAX_BONUS",
    "MAX_FACTOR",
    "MIN_FACTOR",
    "AdjustableRecommendation",
    "CollectiveFeedback",
    "CollectiveState",
    "ConsensusLike",
    "parse_feedback",
]

MIN_FACTOR = 0.5
MAX_FACTOR = 1.5
MAX_BONUS = 0.05
HALF_LIFE_RECORDS = 200
_HIGH_APPROVAL = 0.8  # the seed's rule: above this, confidence x 1.3
_HIGH_APPROVAL_FACTOR = 1.3


@runtime_checkable
class ConsensusLike(Protocol):
    """What the selector reads of a hive consensus (``hive.consensus.Consensus`` has it)."""

    @property
    def task(self) -> str:
        """The task voted on."""
        ...

    @property
    def preferred_model(self) -> str | None:
        """The hive's choice, or None without a verdict."""
        ...

    @property
    def collective_approval(self) -> float:
        """Share of the hive backing the choice, in [0, 1]."""
        ...

    @property
    def insight(self) -> str:
        """A human-readable summary of the vote."""
        ...


class CollectiveFeedback(BaseModel):
    """The hive's verdict on one task, in the seed's terms.

    Attributes:
        preferred_model: the model the hive prefers (``None``: no verdict).
        confidence_boost: multiplier on the selector's confidence; when absent, 1.3 for a
            collective approval above 0.8 (the seed's rule), else 1.0. Clamped to
            [``MIN_FACTOR``, ``MAX_FACTOR``] when applied.
        collective_approval: share of the hive that backs the preferred model, in [0, 1].
        collective_insights, wisdom: text appended to the recommendation's reasoning.
        performance_feedback: the hive's own scores, in [0, 1], kept as evidence.
        judged_models: the models the hive ranked, when known. A model it never judged (a
            new release, say) gets the preferred model's bonus too, so the hive's verdict
            never holds back what it has not seen.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    task_type: str
    preferred_model: str | None = None
    confidence_boost: float | None = Field(default=None, gt=0, le=10)
    collective_approval: float | None = Field(default=None, ge=0, le=1)
    collective_insights: str = ""
    wisdom: str = ""
    performance_feedback: dict[str, float] = Field(default_factory=dict)
    judged_models: tuple[str, ...] | None = None
    evidence: dict[str, Any] = Field(default_factory=dict)

    @property
    def factor(self) -> float:
        """The confidence factor to apply, within bounds."""
        if self.confidence_boost is not None:
            raw = self.confidence_boost
        elif self.collective_approval is not None and self.collective_approval > _HIGH_APPROVAL:
            raw = _HIGH_APPROVAL_FACTOR
        else:
            raw = 1.0
        return min(MAX_FACTOR, max(MIN_FACTOR, raw))

    @property
    def bonus(self) -> float:
        """The preferred model's score bonus, within bounds."""
        approval = 0.5 if self.collective_approval is None else self.collective_approval
        return MAX_BONUS * approval

    @property
    def insight(self) -> str:
        """The text to append to the reasoning."""
        return "; ".join(t for t in (self.wisdom, self.collective_insights) if t)

    @classmethod
    def from_consensus(cls, consensus: ConsensusLike) -> CollectiveFeedback:
        """Read a hive consensus."""
        evidence = {
            name: getattr(consensus, name)
            for name in ("method", "support", "agreement", "participation", "n_ballots")
            if hasattr(consensus, name)
        }
        return cls(
            task_type=consensus.task,
            preferred_model=consensus.preferred_model,
            collective_approval=consensus.collective_approval,
            collective_insights=consensus.insight,
            judged_models=tuple(getattr(consensus, "ranking", ())) or None,
            evidence=evidence,
        )


def parse_feedback(
    feedback: ConsensusLike | Mapping[str, Any] | Iterable[ConsensusLike],
) -> list[CollectiveFeedback]:
    """Accept a consensus, several, or the seed's ``{task: {...}}`` dictionary.

    Raises:
        pydantic.ValidationError: naming the task and field that are wrong.
        TypeError: for anything else.
    """
    if isinstance(feedback, ConsensusLike):
        return [CollectiveFeedback.from_consensus(feedback)]
    if isinstance(feedback, Mapping):
        parsed = []
        for task, entry in feedback.items():
            if isinstance(entry, ConsensusLike):
                parsed.append(CollectiveFeedback.from_consensus(entry))
            elif isinstance(entry, Mapping):
                parsed.append(CollectiveFeedback.model_validate({**entry, "task_type": task}))
            else:
                raise TypeError(f"feedback for {task!r} must be a dict or a Consensus")
        return parsed
    items = list(feedback)
    if not all(isinstance(item, ConsensusLike) for item in items):
        raise TypeError("collective feedback must be a Consensus, a list of them, or a dict")
    return [CollectiveFeedback.from_consensus(item) for item in items]


@dataclass(frozen=True, slots=True)
class CollectiveState:
    """Feedback in force for a task, and how many records the task had when it came."""

    feedback: CollectiveFeedback
    records_at: int

    def decay(self, records_now: int) -> float:
        """How much of the adjustment is left, in (0, 1]."""
        since = max(0, records_now - self.records_at)
        return math.pow(0.5, since / HALF_LIFE_RECORDS)

    def bonus(self, records_now: int) -> float:
        """The preferred model's bonus now."""
        return self.feedback.bonus * self.decay(records_now)

    def factor(self, records_now: int) -> float:
        """The confidence factor now (fading toward 1)."""
        return 1.0 + (self.feedback.factor - 1.0) * self.decay(records_now)


class AdjustableRecommendation:
    """A task's recommendation whose edits become bounded collective feedback.

    Reading gives the current recommendation's values. ``confidence_score = x`` asks for
    the factor ``x / current`` (clamped to the limits, the result to [0, 1]);
    ``reasoning = current + "; Hive insight: text"`` records ``text`` as the hive's insight.
    """

    def __init__(self, selector: Router, task: str) -> None:
        self._selector = selector
        self._task = task

    @property
    def task_type(self) -> str:
        """The task this recommendation is for."""
        return self._task

    @property
    def recommended_model_id(self) -> str:
        """The model recommended now."""
        return self._selector.recommend(self._task).recommended_model_id

    @property
    def confidence_score(self) -> float:
        """The confidence now, in [0, 1]."""
        return self._selector.recommend(self._task).confidence_score

    @confidence_score.setter
    def confidence_score(self, wanted: float) -> None:
        current = self.confidence_score
        boost = wanted / current if current > 0 else (MAX_FACTOR if wanted > 0 else MIN_FACTOR)
        self._amend(confidence_boost=min(MAX_FACTOR, max(MIN_FACTOR, boost)))

    @property
    def reasoning(self) -> str:
        """The reasoning now, hive insight included."""
        return self._selector.recommend(self._task).reasoning

    @reasoning.setter
    def reasoning(self, text: str) -> None:
        current = self.reasoning
        added = text[len(current) :] if text.startswith(current) else text
        insight = added.strip().removeprefix(";").strip().removeprefix("Hive insight:").strip()
        self._amend(wisdom=insight)

    def _amend(self, **changes: Any) -> None:
        state = self._selector.collective.get(self._task)
        base = state.feedback if state is not None else None
        preferred = self.recommended_model_id
        if base is None or base.preferred_model != preferred:
            base = CollectiveFeedback(task_type=self._task, preferred_model=preferred)
        self._selector.apply_feedback([(self._task, base.model_copy(update=changes))])

    def __repr__(self) -> str:
        return f"AdjustableRecommendation({self._task!r}, model={self.recommended_model_id!r})"
