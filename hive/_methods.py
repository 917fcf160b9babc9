"""The registry of consensus methods: name -> how to score, break ties and measure support."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hive import _pairwise, _positional
from hive._bradley_terry import BradleyTerrySolver, bradley_terry
from hive._errors import UnknownMethodError
from hive._profile import FloatArray, Profile

__all__ = ["REGISTRY", "MethodEntry", "MethodOptions", "Scored", "method_entry"]


class MethodOptions(BaseModel):
    """Parameters of the consensus methods; each method reads only its own.

    Attributes:
        approval_k: ``approval``: how many top-ranked models a ballot approves; ``None`` for the
            better half of its own ranking.
        approval_threshold: ``approval``: a scored ballot approves the models scored at or
            above this; ``None`` to approve by rank for every ballot.
        bt_prior: ``bradley_terry``: virtual wins added each way for every pair of models.
        bt_solver: ``bradley_terry``: ``"newton"`` (fast) or ``"mm"`` (Hunter's MM).
        bt_tol: ``bradley_terry``: stop when no log-strength moves by more than this.
        bt_max_iter: ``bradley_terry``: iteration cap.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    approval_k: int | None = Field(default=None, ge=1)
    approval_threshold: float | None = Field(default=None, ge=0.0, le=1.0, allow_inf_nan=False)
    bt_prior: float = Field(default=0.01, ge=0.0, allow_inf_nan=False)
    bt_solver: BradleyTerrySolver = "newton"
    bt_tol: float = Field(default=1e-10, gt=0.0, allow_inf_nan=False)
    bt_max_iter: int = Field(default=10_000, ge=1)


@dataclass(frozen=True)
class Scored:
    """A method's scores, plus a remark for the insight (e.g. no convergence)."""

    scores: FloatArray
    note: str | None = None


Secondary = Literal["borda", "plurality"]


@dataclass(frozen=True)
class MethodEntry:
    """How one method scores models, breaks ties and measures support."""

    score: Callable[[Profile, MethodOptions], Scored]
    support: Callable[[Profile, int, MethodOptions], float]
    support_meaning: str
    secondary_name: Secondary = "borda"
    support_is_score: bool = False
    """The support is the method's own score of the preferred model (not counted twice)."""

    def secondary(self, profile: Profile) -> FloatArray:
        """The tie-break scores: Borda points, or first-place shares for Borda itself."""
        if self.secondary_name == "plurality":
            return _positional.plurality(profile)
        return _positional.borda(profile)


def _first_place_support(profile: Profile, model: int, _: MethodOptions) -> float:
    return float(_positional.plurality(profile)[model])


def _approval_support(profile: Profile, model: int, options: MethodOptions) -> float:
    shares = _positional.approval(
        profile, k=options.approval_k, threshold=options.approval_threshold
    )
    return float(shares[model])


def _head_to_head_support(profile: Profile, model: int, _: MethodOptions) -> float:
    return _pairwise.weakest_head_to_head(profile.pairwise, model)


def _stated_head_to_head_support(profile: Profile, model: int, _: MethodOptions) -> float:
    return _pairwise.weakest_head_to_head(profile.pairwise_stated, model)


def _bradley_terry(profile: Profile, options: MethodOptions) -> Scored:
    fit = bradley_terry(
        profile.pairwise_stated,
        prior=options.bt_prior,
        tol=options.bt_tol,
        max_iter=options.bt_max_iter,
        solver=options.bt_solver,
    )
    note = None
    if not fit.converged:
        note = f"Bradley-Terry ({options.bt_solver}) stopped at the {fit.iterations}-iteration cap"
    return Scored(fit.strengths, note)


_REGISTRY: dict[str, MethodEntry] = {
    "plurality": MethodEntry(
        score=lambda profile, _: Scored(_positional.plurality(profile)),
        support=_first_place_support,
        support_meaning="share ranking it first",
        support_is_score=True,
    ),
    "borda": MethodEntry(
        score=lambda profile, _: Scored(_positional.borda(profile)),
        support=_first_place_support,
        support_meaning="share ranking it first",
        secondary_name="plurality",
    ),
    "approval": MethodEntry(
        score=lambda profile, options: Scored(
            _positional.approval(
                profile, k=options.approval_k, threshold=options.approval_threshold
            )
        ),
        support=_approval_support,
        support_meaning="share approving it",
        support_is_score=True,
    ),
    "score": MethodEntry(
        score=lambda profile, _: Scored(_positional.score(profile)),
        support=_first_place_support,
        support_meaning="share ranking it first",
    ),
    "copeland": MethodEntry(
        score=lambda profile, _: Scored(_pairwise.copeland(profile.pairwise)),
        support=_head_to_head_support,
        support_meaning="weakest head-to-head share",
    ),
    "schulze": MethodEntry(
        score=lambda profile, _: Scored(_pairwise.schulze(profile.pairwise)),
        support=_head_to_head_support,
        support_meaning="weakest head-to-head share",
    ),
    "bradley_terry": MethodEntry(
        score=_bradley_terry,
        support=_stated_head_to_head_support,
        support_meaning="weakest head-to-head share",
    ),
}

REGISTRY: Mapping[str, MethodEntry] = MappingProxyType(_REGISTRY)
"""Consensus methods by name (read-only)."""


def method_entry(name: str) -> MethodEntry:
    """Look a method up by name.

    Raises:
        UnknownMethodError: If no method has that name; the message lists the valid ones.
    """
    entry = REGISTRY.get(name)
    if entry is None:
        raise UnknownMethodError(name, valid=REGISTRY)
    return entry
