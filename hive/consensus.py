"""Turn the ballots of one task into the hive's consensus.

:func:`aggregate` counts :class:`agents.Ballot` objects with one of the methods in
:data:`METHODS` and returns a :class:`Consensus`. Ballots are converted once into a rank matrix
(voters x models) and a weight vector; every method is numpy over those arrays.

==============  ==========================================  ===================================
method          score of a model (``Consensus.scores``)     ``Consensus.support``
==============  ==========================================  ===================================
plurality       weighted share of first places              share ranking it first
borda           weighted mean Borda points in [0, 1]        share ranking it first
approval        weighted share approving it (see below)     share approving it
score           weighted mean score in [0, 1]               share ranking it first
copeland        head-to-head wins + 1/2 per tie             weakest head-to-head share
schulze         rivals beaten by strongest path             weakest head-to-head share
bradley_terry   Bradley-Terry strength (sums to 1)          weakest head-to-head share
==============  ==========================================  ===================================

Conventions:

- Partial rankings: models a ballot does not rank are tied below every model it ranks, except
  for ``bradley_terry``, which fits only the comparisons a ballot states (every pair of models
  it ranks): a two-model ballot is one comparison, as in Chatbot Arena.
- Approval: a scored ballot approves the models scored ``>= approval_threshold`` when that is
  set; otherwise a ballot approves its top ``approval_k`` models (default: the better half of
  its own ranking, ``ceil(len(ranking) / 2)``).
- Score: ballots without scores contribute Borda points scaled to [0, 1]; a scored ballot
  gives the models it leaves out 0.
- Bradley-Terry: penalised maximum likelihood (``bt_prior`` virtual wins each way per pair),
  Newton-Raphson by default or Hunter's MM; see ``hive._bradley_terry``.
- Weighting: with ``weighted=True`` each ballot counts ``ballot.weight`` (reputation)
  everywhere: scores, support, agreement and collective approval.
- Ties: models whose scores are equal (within 1e-9 relative) are ordered by a secondary
  criterion, Borda score (plurality share for ``borda`` itself), then by model id; every tie is
  reported in ``Consensus.ties``.
- Empty vote: no ballots (pass ``task=``), or ballots whose weights are all zero, give a
  Consensus with ``preferred_model=None`` and an empty ranking, not an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, computed_field

from agents import Ballot
from hive._errors import BallotError, UnknownMethodError
from hive._methods import REGISTRY, MethodOptions, method_entry
from hive._positional import kendalls_w, top_half_share
from hive._profile import Profile, build_profile
from hive._ranking import Tie, order_with_ties

__all__ = [
    "METHODS",
    "BallotError",
    "Consensus",
    "MethodOptions",
    "Tie",
    "UnknownMethodError",
    "aggregate",
    "count_profile",
]

METHODS: Final[tuple[str, ...]] = tuple(REGISTRY)
"""The names :func:`aggregate` accepts."""


class _Summary:
    """Agreement and collective approval of a count, computed on first use.

    Holds the profile until both are known. Two summaries are equal when their figures are.
    """

    def __init__(
        self,
        profile: Profile | None,
        *,
        best: int = 0,
        support_meaning: str = "",
        note: str | None = None,
        fixed_insight: str | None = None,
    ) -> None:
        self._profile = profile
        self._best = best
        self._support_meaning = support_meaning
        self._note = note
        self._fixed_insight = fixed_insight
        self._agreement = None if profile is not None else 0.0
        self._approval = None if profile is not None else 0.0

    @property
    def agreement(self) -> float:
        if self._agreement is None:
            assert self._profile is not None
            self._agreement = kendalls_w(self._profile)
            self._release()
        return self._agreement

    @property
    def collective_approval(self) -> float:
        if self._approval is None:
            assert self._profile is not None
            self._approval = top_half_share(self._profile, self._best)
            self._release()
        return self._approval

    def _release(self) -> None:
        if self._agreement is not None and self._approval is not None:
            self._profile = None  # the arrays can go: nothing more to compute

    def insight(self, consensus: Consensus) -> str:
        if self._fixed_insight is not None:
            return self._fixed_insight
        return _insight(consensus, support_meaning=self._support_meaning, note=self._note)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Summary):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]

    def _key(self) -> tuple[float, float, str, str | None, str | None]:
        return (
            self.agreement,
            self.collective_approval,
            self._support_meaning,
            self._note,
            self._fixed_insight,
        )


class Consensus(BaseModel):
    """The hive's collective preference over models for one task.

    ``agreement``, ``collective_approval`` and ``insight`` are computed on first use (each
    reads every ballot, which costs more than a plurality count); they are part of the
    model's dump, equality and repr like the fields.

    Attributes:
        task: The task voted on.
        method: The consensus method used.
        ranking: Every candidate model, best first; empty when no weight was cast.
        scores: The method's score per model (see the table in the module docstring).
        preferred_model: ``ranking[0]``, or ``None`` when no weight was cast.
        support: How strongly voters back the preferred model, in ``[0, 1]``: the weighted
            share ranking it first (plurality, borda, score), approving it (approval), or its
            weakest head-to-head share (copeland, schulze, bradley_terry).
        agreement: Kendall's W over the ballots' rankings, in ``[0, 1]`` (1: all identical).
        participation: Voters who voted over eligible voters when ``eligible`` is given,
            else 1.0 (0.0 for no ballots).
        collective_approval: Weighted share of voters placing the preferred model in the better
            half of the candidates (the first ``ceil(models / 2)`` places).
        ties: The ties in the method's scores and how each was broken.
        n_ballots: Ballots counted.
        total_weight: Sum of the weights counted.
        insight: A one-paragraph human-readable summary.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    task: str
    method: str
    ranking: tuple[str, ...]
    scores: dict[str, float]
    preferred_model: str | None
    support: float = Field(ge=0.0, le=1.0)
    participation: float = Field(ge=0.0, le=1.0)
    ties: tuple[Tie, ...]
    n_ballots: int = Field(ge=0)
    total_weight: float = Field(ge=0.0)
    _summary: _Summary = PrivateAttr()

    @computed_field  # type: ignore[prop-decorator]
    @cached_property
    def agreement(self) -> float:
        """Kendall's W over the ballots' rankings, in ``[0, 1]`` (1: all identical)."""
        return self._summary.agreement

    @computed_field  # type: ignore[prop-decorator]
    @cached_property
    def collective_approval(self) -> float:
        """Weighted share of voters placing the preferred model in their better half."""
        return self._summary.collective_approval

    @computed_field  # type: ignore[prop-decorator]
    @cached_property
    def insight(self) -> str:
        """A one-paragraph human-readable summary."""
        return self._summary.insight(self)


def _participation(n_ballots: int, eligible: int | None) -> float:
    if eligible is None:
        return 1.0 if n_ballots else 0.0
    if eligible < n_ballots:
        raise ValueError(f"eligible={eligible} is fewer than the {n_ballots} ballots cast")
    return n_ballots / eligible if eligible else 0.0


def _no_decision(profile: Profile, method: str, participation: float) -> Consensus:
    reason = "no ballots" if profile.n_voters == 0 else "every ballot has weight 0"
    consensus = Consensus(
        task=profile.task,
        method=method,
        ranking=(),
        scores={},
        preferred_model=None,
        support=0.0,
        participation=participation,
        ties=(),
        n_ballots=profile.n_voters,
        total_weight=profile.total_weight,
    )
    insight = f"{method} for {profile.task!r}: {reason}, so no preferred model."
    consensus._summary = _Summary(None, fixed_insight=insight)
    return consensus


def _describe_agreement(w: float) -> str:
    if w >= 0.7:
        return "strong"
    if w >= 0.3:
        return "moderate"
    return "weak"


def _insight(consensus: Consensus, *, support_meaning: str, note: str | None) -> str:
    ranking, scores = consensus.ranking, consensus.scores
    runner_up = f"; runner-up {ranking[1]} at {scores[ranking[1]]:.4g}" if len(ranking) > 1 else ""
    parts = [
        f"{consensus.method} over {consensus.n_ballots} ballot(s) "
        f"(weight {consensus.total_weight:.4g}) for {consensus.task!r}: "
        f"{ranking[0]} preferred (score {scores[ranking[0]]:.4g}{runner_up})",
        f"support {consensus.support:.0%} ({support_meaning})",
        f"agreement W={consensus.agreement:.2f} ({_describe_agreement(consensus.agreement)})",
        f"{consensus.collective_approval:.0%} of voter weight put it in their top half",
    ]
    for tie in consensus.ties:
        criterion = "model id" if tie.resolved_by == "model_id" else f"{tie.resolved_by} score"
        models = ", ".join(tie.models)
        parts.append(f"tie at place {tie.place} between {models} broken by {criterion}")
    if note:
        parts.append(note)
    return "; ".join(parts) + "."


def aggregate(
    ballots: Iterable[Ballot],
    method: str,
    *,
    task: str | None = None,
    known_models: Iterable[str] | None = None,
    weighted: bool = True,
    eligible: int | None = None,
    options: MethodOptions | None = None,
) -> Consensus:
    """Count one task's ballots with one consensus method.

    Every check runs before counting starts, so a bad ballot never stops a vote half-way.

    Args:
        ballots: The ballots, all for one task, at most one per voter. Agents without
            experience abstain by casting none.
        method: One of :data:`METHODS`.
        task: The task; needed when ``ballots`` may be empty, checked against them otherwise.
        known_models: The candidate models. Every ranked model must be one of them; the ones
            nobody ranked are candidates tied last on every ballot. ``None``: the ranked models.
        weighted: Weight each ballot by its ``weight`` (reputation); ``False`` counts 1 each.
        eligible: Voters entitled to vote, for ``participation``; ``None`` gives 1.0.
        options: Method parameters (approval cut-off, Bradley-Terry prior and solver).

    Returns:
        The consensus.

    Raises:
        UnknownMethodError: If ``method`` is not in :data:`METHODS`; the message lists them.
        BallotError: If ballots mix tasks, a voter votes twice, a model is not in
            ``known_models``, or there are no ballots and no ``task``.
        ValueError: If ``eligible`` is below the number of ballots.
    """
    method_entry(method)  # an unknown method is named before the ballots are checked
    profile = build_profile(ballots, task=task, known_models=known_models, weighted=weighted)
    return count_profile(profile, method, eligible=eligible, options=options)


def count_profile(
    profile: Profile,
    method: str,
    *,
    eligible: int | None = None,
    options: MethodOptions | None = None,
) -> Consensus:
    """Count a profile (from :func:`aggregate`'s ballots, or :func:`profile_from_orders`).

    Args:
        profile: The ballots as arrays.
        method: One of :data:`METHODS`.
        eligible: Voters entitled to vote, for ``participation``; ``None`` gives 1.0.
        options: Method parameters (approval cut-off, Bradley-Terry prior and solver).

    Raises:
        UnknownMethodError: If ``method`` is not in :data:`METHODS`.
        ValueError: If ``eligible`` is below the number of voters.
    """
    entry = method_entry(method)
    opts = options if options is not None else MethodOptions()
    participation = _participation(profile.n_voters, eligible)
    if profile.n_voters == 0 or profile.total_weight <= 0.0:
        return _no_decision(profile, method, participation)

    result = entry.score(profile, opts)
    order, ties = order_with_ties(
        result.scores,
        lambda: entry.secondary(profile),
        models=profile.models,
        secondary_name=entry.secondary_name,
    )
    best = order[0]
    if entry.support_is_score:
        support = float(result.scores[best])
    else:
        support = entry.support(profile, best, opts)
    scores = dict(zip(profile.models, result.scores.tolist(), strict=True))
    consensus = Consensus(
        task=profile.task,
        method=method,
        ranking=tuple(profile.models[i] for i in order),
        scores=scores,
        preferred_model=profile.models[best],
        support=min(1.0, max(0.0, support)),
        participation=participation,
        ties=ties,
        n_ballots=profile.n_voters,
        total_weight=profile.total_weight,
    )
    consensus._summary = _Summary(
        profile, best=best, support_meaning=entry.support_meaning, note=result.note
    )
    return consensus
