"""The hive as an arena: agents cast pairwise ballots, Bradley-Terry turns them into a board.

An agent is shown two answers to one request, by models A and B, and votes for the one it
perceives as better. Which answer is better this time is a Bradley-Terry draw on the published
ratings: A's answer wins with P = 1 / (1 + 10^((R_B - R_A) / 400)). The agent sees it through
its own eyes (:class:`agents.Perception`): its taste for each model and fresh noise shift the
margin, both read on the rating scale (a score offset of 0.05 is 20 rating points, since the
scale spans 400 points per factor of ten in odds). Its leniency cancels: it applies to both.

The hive's consensus is :func:`hive.aggregate` with ``bradley_terry`` over two-model ballots,
one comparison each, as Arena counts them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import kendalltau

from agents import Ballot, Perception, PerceptionConfig
from hive import MethodOptions, aggregate
from scenarios.arena.loader import Rating

__all__ = ["POINTS_PER_SCORE", "BallotCurve", "ballot_curve", "cast_ballots", "hive_board"]

POINTS_PER_SCORE = 400.0
"""Rating points per unit of perceived score (taste and noise are read on this scale)."""


def cast_ballots(
    ratings: Mapping[str, float],
    *,
    votes: int,
    agents: int,
    rng: np.random.Generator,
    perception: PerceptionConfig | None = None,
    task: str = "chat",
) -> list[Ballot]:
    """``votes`` pairwise ballots by ``agents`` voters over uniformly drawn pairs of models."""
    if len(ratings) < 2:
        raise ValueError("ballots need at least two models")
    if votes < 0 or agents < 1:
        raise ValueError("votes must be >= 0 and agents >= 1")
    config = perception if perception is not None else PerceptionConfig()
    models = sorted(ratings)
    strength = np.array([ratings[m] for m in models])
    eyes = [Perception(config, rng=child) for child in rng.spawn(agents)]
    taste = np.array([[p.taste(m) for m in models] for p in eyes]) * POINTS_PER_SCORE
    voter = rng.integers(agents, size=votes)
    a = rng.integers(len(models), size=votes)
    b = (a + rng.integers(1, len(models), size=votes)) % len(models)  # never a itself
    margin = strength[a] - strength[b] + taste[voter, a] - taste[voter, b]
    margin += rng.normal(0.0, config.noise_sd * POINTS_PER_SCORE * math.sqrt(2), size=votes)
    # The draw of which answer was better: logistic on the rating scale is Bradley-Terry.
    a_wins = rng.random(votes) < 1.0 / (1.0 + 10.0 ** (-margin / 400.0))
    return [
        Ballot(
            voter=f"agent-{int(v):04d}/{i}",
            task=task,
            ranking=(models[x], models[y]) if win else (models[y], models[x]),
        )
        for i, (v, x, y, win) in enumerate(zip(voter, a, b, a_wins, strict=True))
    ]


def hive_board(ballots: Sequence[Ballot], models: Sequence[str], task: str = "chat") -> list[str]:
    """The hive's Bradley-Terry ranking of ``models`` from ``ballots``, best first."""
    consensus = aggregate(
        ballots,
        "bradley_terry",
        task=task,
        known_models=models,
        weighted=False,
        options=MethodOptions(bt_prior=0.1),
    )
    return list(consensus.ranking)


@dataclass(frozen=True)
class BallotCurve:
    """The hive's board as votes accumulate, against the published one.

    Attributes:
        rows: per checkpoint: ``votes``, ``kendall_tau`` with the published order,
            ``hive_top`` and ``top_inside`` (its published rating lies in the published 95%
            interval of the published #1).
        votes_needed: the first checkpoint from which ``top_inside`` holds at every later one;
            ``None`` if it does not hold at the last.
    """

    rows: list[dict[str, object]]
    votes_needed: int | None


def ballot_curve(
    board: Mapping[str, Rating],
    *,
    checkpoints: Sequence[int],
    agents: int,
    rng: np.random.Generator,
    perception: PerceptionConfig | None = None,
) -> BallotCurve:
    """Cast ``max(checkpoints)`` ballots on ``board`` and score the hive's board at each."""
    models = sorted(board)
    ratings = {m: board[m].rating for m in models}
    ballots = cast_ballots(
        ratings, votes=max(checkpoints), agents=agents, rng=rng, perception=perception
    )
    published = sorted(models, key=lambda m: (-ratings[m], m))
    top = board[published[0]]
    rows: list[dict[str, object]] = []
    for n in sorted(checkpoints):
        ranking = hive_board(ballots[:n], models)
        position = {m: i for i, m in enumerate(ranking)}
        tau = kendalltau([-ratings[m] for m in models], [position[m] for m in models]).statistic
        inside = top.low <= ratings[ranking[0]] <= top.high
        rows.append(
            {"votes": n, "kendall_tau": float(tau), "hive_top": ranking[0], "top_inside": inside}
        )
    needed = None
    for row in reversed(rows):
        if not row["top_inside"]:
            break
        needed = int(str(row["votes"]))
    return BallotCurve(rows, needed)
