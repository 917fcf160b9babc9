"""One agent's vote on which models should serve one task.

An agent that has experience with a task casts a :class:`Ballot`: its ranking of model ids, best
first, optionally with a score in ``[0, 1]`` for each ranked model, and a weight (its reputation).
An agent with no experience abstains: it simply casts no ballot. A two-model ranking is a
pairwise comparison ("a beats b"); the hive's pairwise methods (Bradley-Terry, Copeland,
Schulze) read every ranking as the set of pairwise preferences it implies.

The hive consumes ballots (``hive.consensus.aggregate``); this module only defines and validates
them. Malformed ballots fail at construction with a ``pydantic.ValidationError`` that names the
field, so nothing downstream has to re-check them.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

__all__ = ["Ballot"]

_TASK_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")

_Score = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]


class Ballot(BaseModel):
    """One voter's ranking of models for one task.

    Attributes:
        voter: Id of the agent casting the ballot; non-blank.
        task: Task type in lower snake case, e.g. ``"consciousness_processing"``.
        ranking: Model ids, best first, at least one, no duplicates. Models the voter did not
            rank are read as tied below every ranked model.
        scores: Optional per-model scores in ``[0, 1]``, aligned with ``ranking``
            (``scores[i]`` belongs to ``ranking[i]``), so they must be as many as the ranked
            models and non-increasing (the ranking is best first). ``None`` when the voter
            only ranks. Use :meth:`from_scores` to build a ballot from a ``{model: score}``
            mapping.
        weight: The voter's weight (reputation), finite and ``>= 0``; ``1.0`` by default.
        confidence: Optional: how sure the voter is of its ranking, in ``[0, 1]``; ``None``
            when it does not say. Informational: consensus methods count ``weight``, not this.

    Example:
        >>> ballot = Ballot(voter="agent-7", task="code_generation", ranking=["gpt-4o", "claude"])
        >>> ballot.ranking, ballot.top
        (('gpt-4o', 'claude'), 'gpt-4o')
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    voter: str
    task: str
    ranking: tuple[str, ...] = Field(min_length=1)
    scores: tuple[_Score, ...] | None = None
    weight: float = Field(default=1.0, ge=0.0, allow_inf_nan=False)
    confidence: float | None = Field(default=None, ge=0.0, le=1.0, allow_inf_nan=False)

    @field_validator("voter")
    @classmethod
    def _voter_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("voter must be a non-blank agent id")
        return value

    @field_validator("task")
    @classmethod
    def _task_is_snake_case(cls, value: str) -> str:
        if _TASK_PATTERN.fullmatch(value) is None:
            raise ValueError(
                f"task must be a lower snake case name like 'code_generation', got {value!r}"
            )
        return value

    @field_validator("ranking")
    @classmethod
    def _ranking_is_a_ranking(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        blank = [i for i, model in enumerate(value) if not model.strip()]
        if blank:
            raise ValueError(f"ranking holds a blank model id at position(s) {blank}")
        duplicates = sorted(model for model, count in Counter(value).items() if count > 1)
        if duplicates:
            raise ValueError(f"ranking names model(s) more than once: {duplicates}")
        return value

    @field_validator("scores")
    @classmethod
    def _scores_match_ranking(
        cls, value: tuple[float, ...] | None, info: ValidationInfo
    ) -> tuple[float, ...] | None:
        ranking: tuple[str, ...] | None = info.data.get("ranking")
        if value is None or ranking is None:  # no scores, or the ranking already failed
            return value
        if len(value) != len(ranking):
            raise ValueError(
                f"scores must align with ranking: {len(value)} score(s) for "
                f"{len(ranking)} ranked model(s)"
            )
        for i in range(1, len(value)):
            if value[i] > value[i - 1]:
                raise ValueError(
                    "scores must be non-increasing along the ranking (best first): "
                    f"{ranking[i]!r} scores {value[i]} above {ranking[i - 1]!r} ({value[i - 1]})"
                )
        return value

    @classmethod
    def from_scores(
        cls,
        *,
        voter: str,
        task: str,
        scores: Mapping[str, float],
        weight: float = 1.0,
        confidence: float | None = None,
    ) -> Self:
        """Build a ballot from per-model scores; the ranking is by score, best first.

        Equal scores are ordered by model id so that the same scores always give the same
        ballot.

        Args:
            voter: Id of the agent casting the ballot.
            task: Task type in lower snake case.
            scores: Score in ``[0, 1]`` per model id; at least one.
            weight: The voter's weight (reputation).
            confidence: How sure the voter is of its ranking, in ``[0, 1]``, or ``None``.

        Returns:
            The validated ballot.

        Raises:
            pydantic.ValidationError: If any field is malformed (e.g. a score is NaN or
                outside ``[0, 1]``).
        """
        # NaN sorts arbitrarily; map it to -inf here and let field validation reject it.
        ordered = sorted(
            scores.items(),
            key=lambda item: (-item[1] if not math.isnan(item[1]) else math.inf, item[0]),
        )
        return cls(
            voter=voter,
            task=task,
            ranking=tuple(model for model, _ in ordered),
            scores=tuple(score for _, score in ordered),
            weight=weight,
            confidence=confidence,
        )

    @property
    def top(self) -> str:
        """The model this voter ranks first."""
        return self.ranking[0]
