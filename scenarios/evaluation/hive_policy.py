"""The selector with the hive voting every N requests, behind a small protocol.

The hive (agents casting ballots, ``hive.consensus`` reaching a consensus) is not wired to
traces yet, so this module fixes only the seam. Every ``every`` requests a :class:`HiveVoter`
is shown what the tracker holds (the chosen models' outcomes only, as agents would see them)
and returns its verdicts: ``hive.consensus.Consensus`` objects, or the seed's feedback
dictionary. They go through the selector's own bounded path (``validate_feedback`` then
``apply_feedback``, see :mod:`selection.hive_feedback`), so the hive can nudge the selector's
scores and confidence only within the hard limits. Build the policy with
:func:`hive_policy_spec` and pass it to :func:`scenarios.evaluation.evaluate`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from scenarios.evaluation.policies import (
    Outcome,
    PolicyContext,
    PolicySpec,
    Request,
    SelectorPolicy,
    TracePolicy,
)
from selection import ChoiceMode, ConsensusLike, Router

__all__ = ["CollectiveVote", "HiveSelectorPolicy", "HiveSnapshot", "HiveVoter", "hive_policy_spec"]

CollectiveVote = ConsensusLike | Mapping[str, Any] | Iterable[ConsensusLike]
"""What the selector's ``validate_feedback`` accepts: a consensus, several, or the seed's dict."""


@dataclass(frozen=True)
class HiveSnapshot:
    """What the hive may look at when it votes.

    Attributes:
        step: how many requests were served before this vote.
        tasks: the trace's task types.
        models: the trace's model ids.
        router: the core, whose sums hold the records written so far (chosen outcomes only).
        rng: the run's generator, for voters that draw.
    """

    step: int
    tasks: tuple[str, ...]
    models: tuple[str, ...]
    router: Router
    rng: np.random.Generator


@runtime_checkable
class HiveVoter(Protocol):
    """The hive, as the replay sees it: a vote from what has been observed."""

    def vote(self, snapshot: HiveSnapshot) -> CollectiveVote:
        """The hive's verdicts, per task (an empty list or dict for no verdict)."""
        ...


@runtime_checkable
class ObservingVoter(HiveVoter, Protocol):
    """A hive that also sees each served request's outcome (the chosen model's only)."""

    def observe(self, outcome: Outcome) -> None:
        """Take in one served request's outcome."""
        ...


class HiveSelectorPolicy:
    """The selector, with the hive's feedback renewed every ``every`` requests.

    Args:
        inner: the selector policy to steer.
        voter: the hive.
        every: requests between votes; the first vote comes before request ``every``.
        tasks: the trace's task types.
        models: the trace's model ids.
        rng: handed to the voter through the snapshot.
    """

    def __init__(
        self,
        inner: SelectorPolicy,
        voter: HiveVoter,
        *,
        every: int,
        tasks: tuple[str, ...],
        models: tuple[str, ...],
        rng: np.random.Generator,
    ) -> None:
        if every < 1:
            raise ValueError(f"the hive votes every N >= 1 requests, got {every!r}")
        self.inner = inner
        self.voter = voter
        self.every = every
        self.votes = 0
        """How many votes were applied so far."""
        self._tasks = tasks
        self._models = models
        self._rng = rng

    def choose(self, request: Request) -> str:
        """Let the hive vote when due, then ask the selector."""
        if request.step and request.step % self.every == 0:
            self._vote(request.step)
        return self.inner.choose(request)

    def observe(self, outcome: Outcome) -> None:
        """Pass the outcome on to the selector policy, and to a voter that watches."""
        self.inner.observe(outcome)
        if isinstance(self.voter, ObservingVoter):
            self.voter.observe(outcome)

    def _vote(self, step: int) -> None:
        selector = self.inner.selector
        vote = self.voter.vote(HiveSnapshot(step, self._tasks, self._models, selector, self._rng))
        selector.apply_feedback(selector.validate_feedback(vote))
        self.votes += 1


def hive_policy_spec(
    voter: Callable[[PolicyContext], HiveVoter],
    *,
    every: int,
    mode: ChoiceMode = "greedy",
    name: str = "selector+hive",
) -> PolicySpec:
    """A weighted policy: the selector with the hive voting every ``every`` requests.

    Args:
        voter: builds a fresh hive for each run from the run's context.
        every: requests between votes.
        mode: the selector's mode, ``"greedy"`` or ``"thompson"``.
        name: the policy's name in reports.
    """
    if every < 1:
        raise ValueError(f"the hive votes every N >= 1 requests, got {every!r}")

    def build(ctx: PolicyContext) -> TracePolicy:
        inner = SelectorPolicy(ctx.selector, ctx.require_weight(), mode=mode, rng=ctx.rng)
        return HiveSelectorPolicy(
            inner, voter(ctx), every=every, tasks=ctx.tasks, models=ctx.model_ids, rng=ctx.rng
        )

    return PolicySpec(
        name, build, weighted=True, summary=f"the selector, hive voting every {every} requests"
    )
