"""Ballots turned into arrays once, for every consensus method to share.

A :class:`Profile` holds the ballots of one task as a rank matrix (voters x models) and a weight
vector. It is built with one pass over the ballots; everything after that is numpy. Derived
matrices (pairwise preferences, scores) are computed on first use and cached.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt

from agents import Ballot
from hive._errors import BallotError

__all__ = ["FloatArray", "IntArray", "Profile", "build_profile", "profile_from_orders"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

_TASK = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")  # as agents.Ballot requires

# Cells per block when comparing every pair of positions: bounds the temporary
# (voters x models x models) boolean array to 4 MB while keeping numpy calls large.
_PAIRWISE_CELLS = 1 << 22


@dataclass(frozen=True, eq=False)
class Profile:
    """The ballots of one task as arrays.

    Attributes:
        task: The task every ballot is for.
        models: Candidate model ids, sorted; column ``i`` of every matrix is ``models[i]``.
        ballots: The ballots, in the order given; empty for a profile built from arrays
            (:func:`profile_from_orders`), whose voters rank without scores.
        positions: ``(voters, models)`` 0-based position of each model on each ballot; models a
            ballot does not rank hold ``len(models)`` (tied below every ranked model).
        ranked: ``(voters,)`` number of models each ballot ranks.
        weights: ``(voters,)`` voter weights (all ones when the count is unweighted).
        columns: Column (model) of every ranked entry, ballot by ballot in ranking order: the
            ballots' rankings concatenated, as model indices.
    """

    task: str
    models: tuple[str, ...]
    ballots: tuple[Ballot, ...]
    positions: IntArray
    ranked: IntArray
    weights: FloatArray
    columns: IntArray

    @property
    def n_voters(self) -> int:
        """Number of ballots."""
        return len(self.ranked)

    @property
    def n_models(self) -> int:
        """Number of candidate models."""
        return len(self.models)

    @cached_property
    def total_weight(self) -> float:
        """Sum of the voter weights."""
        return float(self.weights.sum())

    def weighted_sum(self, table: npt.NDArray[Any]) -> FloatArray:
        """``(models,)`` sum over voters of a ``(voters, models)`` table, each row weighted.

        Uses einsum rather than ``weights @ table``: this matrix-vector product is too small
        to gain from a multi-threaded BLAS, whose threads made timings erratic on a busy
        machine (2x slower medians on two cores).
        """
        total = np.einsum("v,vm->m", self.weights, table)
        return np.asarray(total, dtype=np.float64)

    @cached_property
    def first_place(self) -> FloatArray:
        """``(models,)`` weight of the voters ranking each model first."""
        firsts = np.argmin(self.positions, axis=1)
        return np.bincount(firsts, weights=self.weights, minlength=self.n_models).astype(np.float64)

    @cached_property
    def borda_points(self) -> FloatArray:
        """``(voters, models)`` Borda points scaled to ``[0, 1]`` (1 first, 0 last).

        Models a ballot leaves unranked share the mean of the points of the positions they
        would fill (the usual treatment of ties in Borda counts).
        """
        m = self.n_models
        if m == 1:
            return np.ones((self.n_voters, 1))
        points = (m - 1 - self.positions).astype(np.float64)
        unranked_mean = (m - 1 - self.ranked).astype(np.float64) / 2.0
        points = np.where(self.positions == m, unranked_mean[:, None], points)
        return points / (m - 1)

    @cached_property
    def has_scores(self) -> BoolArray:
        """``(voters,)`` whether each ballot carries scores."""
        if len(self.ballots) != self.n_voters:  # built from arrays: rankings only
            return np.zeros(self.n_voters, dtype=np.bool_)
        return np.fromiter(
            (ballot.scores is not None for ballot in self.ballots),
            dtype=np.bool_,
            count=self.n_voters,
        )

    @cached_property
    def scores(self) -> FloatArray:
        """``(voters, models)`` the ballots' scores; NaN where a ballot gives none."""
        table = np.full((self.n_voters, self.n_models), np.nan)
        scored = np.repeat(self.has_scores, self.ranked)
        if scored.any():
            values = chain.from_iterable(
                ballot.scores for ballot in self.ballots if ballot.scores is not None
            )
            rows = np.repeat(np.arange(self.n_voters), self.ranked)[scored]
            columns = self.columns[scored]
            table[rows, columns] = np.fromiter(values, dtype=np.float64, count=len(rows))
        return table

    @cached_property
    def pairwise(self) -> FloatArray:
        """``(models, models)`` weight of voters ranking model ``i`` above model ``j``.

        Unranked models are tied below every ranked one, so a ranked model beats them.
        """
        return self._pairwise(stated_only=False)

    @cached_property
    def pairwise_stated(self) -> FloatArray:
        """Like :attr:`pairwise`, but only counts pairs of models a ballot ranks both of."""
        return self._pairwise(stated_only=True)

    def _pairwise(self, *, stated_only: bool) -> FloatArray:
        m = self.n_models
        # The smallest integer type holding 0..m keeps the (block, m, m) comparison cheap.
        positions = self.positions.astype(np.min_scalar_type(m))
        total = np.zeros((m, m))
        step = max(1, _PAIRWISE_CELLS // (m * m))
        for start in range(0, self.n_voters, step):
            block = positions[start : start + step]
            above = block[:, :, None] < block[:, None, :]
            if stated_only:
                above &= (block < m)[:, None, :]
            # Summing a uint8 view with einsum is several times faster than a bool matmul.
            weights = self.weights[start : start + step]
            total += np.einsum("v,vij->ij", weights, above.view(np.uint8))
        return total


def _single_task(ballots: Sequence[Ballot], task: str | None) -> str:
    tasks = {ballot.task for ballot in ballots}
    if task is not None:
        tasks.discard(task)
        if tasks:
            raise BallotError(f"every ballot must be for task {task!r}; also got {sorted(tasks)}")
        return task
    if not ballots:
        raise BallotError("no ballots and no task given; pass task= to count an empty vote")
    if len(tasks) > 1:
        raise BallotError(f"ballots mix several tasks {sorted(tasks)}; count one task at a time")
    return ballots[0].task


def _unique_voters(ballots: Sequence[Ballot]) -> None:
    if len({ballot.voter for ballot in ballots}) == len(ballots):
        return
    seen: set[str] = set()
    for ballot in ballots:
        if ballot.voter in seen:
            raise BallotError(
                f"voter {ballot.voter!r} cast more than one ballot for task {ballot.task!r}",
                voter=ballot.voter,
            )
        seen.add(ballot.voter)


def _unknown_model(ballots: Sequence[Ballot], known: frozenset[str]) -> BallotError:
    for ballot in ballots:
        for model in ballot.ranking:
            if model not in known:
                return BallotError(
                    f"voter {ballot.voter!r} ranks {model!r}, which is not a known model; "
                    f"known models: {', '.join(sorted(known)[:8])}"
                    + (", …" if len(known) > 8 else ""),
                    voter=ballot.voter,
                    model_id=model,
                )
    raise AssertionError("no unknown model found")  # callers only ask when there is one


def _positions(columns: IntArray, lengths: IntArray, *, n_models: int) -> IntArray:
    """Scatter the concatenated rankings into a (voters, models) position matrix."""
    n, m = len(lengths), n_models
    positions = np.full((n, m), m, dtype=np.intp)
    if n and np.all(lengths == lengths[0]):
        # Every ballot ranks as many models (full rankings, typically): one 2-D scatter.
        width = int(lengths[0])
        positions[np.arange(n)[:, None], columns.reshape(n, width)] = np.arange(width)
        return positions
    rows = np.repeat(np.arange(n, dtype=np.intp), lengths)
    starts = np.cumsum(lengths) - lengths
    places = np.arange(len(columns), dtype=np.intp) - np.repeat(starts, lengths)
    positions[rows, columns] = places
    return positions


def build_profile(
    ballots: Iterable[Ballot],
    *,
    task: str | None = None,
    known_models: Iterable[str] | None = None,
    weighted: bool = True,
) -> Profile:
    """Check that the ballots can be counted together and turn them into arrays.

    Args:
        ballots: The ballots; all for one task, one per voter.
        task: The task; required when ``ballots`` is empty, checked against them otherwise.
        known_models: When given, the candidate models: every ranked model must be one of them,
            and those nobody ranked are candidates tied last on every ballot. When ``None``,
            the candidates are the models the ballots rank.
        weighted: Use each ballot's ``weight``; when ``False`` every voter counts 1.

    Returns:
        The profile.

    Raises:
        BallotError: If the ballots mix tasks, a voter votes twice, a ranked model is not in
            ``known_models``, or there are no ballots and no task.
    """
    ballots = tuple(ballots)
    the_task = _single_task(ballots, task)
    _unique_voters(ballots)
    flat = list(chain.from_iterable(ballot.ranking for ballot in ballots))
    if known_models is None:
        models = tuple(sorted(set(flat)))
    else:
        known = frozenset(known_models)
        if not known.issuperset(flat):
            raise _unknown_model(ballots, known)
        models = tuple(sorted(known))
    index = {model: i for i, model in enumerate(models)}
    n, m = len(ballots), len(models)
    lengths = np.fromiter((len(ballot.ranking) for ballot in ballots), dtype=np.intp, count=n)
    columns = np.fromiter(map(index.__getitem__, flat), dtype=np.intp, count=len(flat))
    positions = _positions(columns, lengths, n_models=m)
    if weighted:
        weights = np.fromiter((ballot.weight for ballot in ballots), dtype=np.float64, count=n)
    else:
        weights = np.ones(n)
    return Profile(
        task=the_task,
        models=models,
        ballots=ballots,
        positions=positions,
        ranked=lengths,
        weights=weights,
        columns=columns,
    )


def profile_from_orders(
    orders: npt.ArrayLike,
    models: Sequence[str],
    *,
    task: str,
    weights: npt.ArrayLike | None = None,
) -> Profile:
    """A profile from integer arrays, with no ballot objects and no Python loop over voters.

    Args:
        orders: ``(voters, k)`` integers: row ``v`` is voter ``v``'s ranking as indices into
            ``models``, best first; ``k <= len(models)``, no index twice in a row. Models a
            row leaves out are tied below the ranked ones, as on a ballot.
        models: The candidate model ids (any order; the profile sorts them).
        task: The task voted on, in lower snake case.
        weights: ``(voters,)`` finite weights ``>= 0``; ``None`` counts every voter 1.

    Raises:
        BallotError: naming what is wrong with the arrays, the models or the task.
    """
    names = tuple(models)
    m = len(names)
    if not _TASK.fullmatch(task):
        raise BallotError(
            f"task must be a lower snake case name like 'code_generation', got {task!r}"
        )
    if len(set(names)) != m or any(not isinstance(n, str) or not n.strip() for n in names):
        raise BallotError("models must be distinct, non-blank model ids")
    table = np.asarray(orders)
    if table.ndim != 2 or not np.issubdtype(table.dtype, np.integer):
        raise BallotError(
            f"orders must be a 2-D integer array, got {table.dtype} of {table.ndim}-D"
        )
    n, k = table.shape
    if n and not 1 <= k <= m:
        raise BallotError(f"orders must rank between 1 and {m} models per row, got {k}")
    if table.size and (table.min() < 0 or table.max() >= m):
        raise BallotError(
            f"orders must hold model indices in [0, {m}), got {table.min()}..{table.max()}"
        )
    if weights is None:
        weight = np.ones(n)
    else:
        weight = np.asarray(weights, dtype=np.float64)
        if weight.shape != (n,):
            raise BallotError(f"weights must have shape ({n},), got {weight.shape}")
        if not (np.isfinite(weight).all() and (weight >= 0.0).all()):
            raise BallotError("weights must be finite and >= 0")
    by_name = np.argsort(np.array(names, dtype=object), kind="stable")
    columns = table.astype(np.intp, copy=False).reshape(-1)
    if (by_name != np.arange(m)).any():  # number the models in sorted order
        new_index = np.empty(m, dtype=np.intp)
        new_index[by_name] = np.arange(m)
        columns = new_index[columns]
    lengths = np.full(n, k, dtype=np.intp)
    positions = _positions(columns, lengths, n_models=m)
    if k > 1 and n:  # a row naming a model twice fills fewer than k places
        filled = np.count_nonzero(positions < m, axis=1)
        short = np.flatnonzero(filled != k)
        if short.size:
            raise BallotError(f"row {int(short[0])} of orders ranks a model more than once")
    return Profile(
        task=task,
        models=tuple(names[i] for i in by_name),
        ballots=(),
        positions=positions,
        ranked=lengths,
        weights=weight,
        columns=columns,
    )
