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
from itertools import chain, pairwise
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

    Built by :func:`build_profile` (from ballots) or :func:`profile_from_orders` (from integer
    arrays, which it keeps a view of: do not modify them while the profile is in use).

    Attributes:
        task: The task every ballot is for.
        models: Candidate model ids, sorted; column ``i`` of every matrix is ``models[i]``.
        ballots: The ballots, in the order given; empty for a profile built from arrays
            (:func:`profile_from_orders`), whose voters rank without scores.
        ranked: ``(voters,)`` number of models each ballot ranks.
        weights: ``(voters,)`` voter weights (all ones when the count is unweighted).
        columns: Column (model) of every ranked entry, ballot by ballot in ranking order: the
            ballots' rankings concatenated, as model indices.
    """

    task: str
    models: tuple[str, ...]
    ballots: tuple[Ballot, ...]
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
    def width(self) -> int | None:
        """How many models every ballot ranks, or ``None`` when ballots rank different numbers."""
        if not self.n_voters:
            return None
        first = int(self.ranked[0])
        return first if bool((self.ranked == first).all()) else None

    @property
    def full(self) -> bool:
        """Whether every ballot ranks every candidate (no ties anywhere)."""
        return self.width == self.n_models

    @cached_property
    def orders(self) -> IntArray:
        """``(voters, width)`` each ballot's ranking as model indices, best first.

        Raises:
            ValueError: If ballots rank different numbers of models (see :attr:`width`).
        """
        if self.width is None:
            raise ValueError("ballots rank different numbers of models: no orders matrix")
        return self.columns.reshape(self.n_voters, self.width)

    @cached_property
    def places(self) -> IntArray:
        """0-based place of every ranked entry on its ballot (aligned with :attr:`columns`)."""
        starts = np.cumsum(self.ranked) - self.ranked
        return np.arange(len(self.columns), dtype=np.intp) - np.repeat(starts, self.ranked)

    @cached_property
    def positions(self) -> IntArray:
        """``(voters, models)`` 0-based position of each model on each ballot.

        Models a ballot does not rank hold ``len(models)`` (tied below every ranked model).
        """
        n, m = self.n_voters, self.n_models
        positions = np.full((n, m), m, dtype=np.intp)
        if self.width is not None:  # every ballot ranks as many models: one 2-D scatter
            places = np.arange(self.width, dtype=np.intp)[None, :]
            np.put_along_axis(positions, self.orders, places, axis=1)
            return positions
        rows = np.repeat(np.arange(n, dtype=np.intp), self.ranked)
        positions[rows, self.columns] = self.places
        return positions

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

    def weighted_place_sum(self, per_place: FloatArray) -> FloatArray:
        """:meth:`weighted_sum` of the table giving each ballot's ``p``-th model ``per_place[p]``.

        For :attr:`full` profiles of two models or more. One ``bincount`` over the rankings
        instead of building the table: it adds the same products in the same order (voter by
        voter), so the result is bit for bit that of :meth:`weighted_sum`
        (``tests/hive/test_profile_sums.py``; with one model einsum sums in another order).
        """
        if not self.full or self.n_models < 2:
            raise ValueError("weighted_place_sum needs two models or more, all of them ranked")
        products = np.multiply.outer(self.weights, per_place).reshape(-1)
        total = np.bincount(self.columns, weights=products, minlength=self.n_models)
        return np.asarray(total, dtype=np.float64)

    def weighted_entry_sum(self, chosen: BoolArray | int) -> FloatArray:
        """:meth:`weighted_sum` of a boolean table: the first ``chosen`` models of each ballot.

        ``chosen`` is the number of leading places taken from every ballot, or a mask over
        :attr:`columns`. Bit for bit the einsum of the ``(voters, models)`` table, like
        :meth:`weighted_place_sum`, without building it (two models or more).
        """
        if isinstance(chosen, int):
            picked = self.orders[:, :chosen].reshape(-1)
            weights = np.repeat(self.weights, min(chosen, self.orders.shape[1]))
        else:
            picked = self.columns[chosen]
            weights = np.repeat(self.weights, self.ranked)[chosen]
        total = np.bincount(picked, weights=weights, minlength=self.n_models)
        return np.asarray(total, dtype=np.float64)

    @cached_property
    def first_place(self) -> FloatArray:
        """``(models,)`` weight of the voters ranking each model first."""
        if self.width is not None:
            firsts = self.orders[:, 0]
        else:
            firsts = self.columns[np.cumsum(self.ranked) - self.ranked]
        first = np.bincount(firsts, weights=self.weights, minlength=self.n_models)
        return np.asarray(first, dtype=np.float64)

    @cached_property
    def borda_points(self) -> FloatArray:
        """``(voters, models)`` Borda points scaled to ``[0, 1]`` (1 first, 0 last).

        Models a ballot leaves unranked share the mean of the points of the positions they
        would fill (the usual treatment of ties in Borda counts).
        """
        m = self.n_models
        if m == 1:
            return np.ones((self.n_voters, 1))
        points = np.subtract(m - 1, self.positions, dtype=np.float64)
        if not self.full:
            unranked_mean = (m - 1 - self.ranked).astype(np.float64) / 2.0
            points = np.where(self.positions == m, unranked_mean[:, None], points)
        return np.divide(points, m - 1, out=points)

    @cached_property
    def borda_total(self) -> FloatArray:
        """``(models,)`` weighted sum of :attr:`borda_points` (not divided by the weight)."""
        m = self.n_models
        if self.full and m > 1:
            per_place = np.subtract(m - 1, np.arange(m), dtype=np.float64) / (m - 1)
            return self.weighted_place_sum(per_place)
        return self.weighted_sum(self.borda_points)

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
    n = len(ballots)
    lengths = np.fromiter((len(ballot.ranking) for ballot in ballots), dtype=np.intp, count=n)
    columns = np.fromiter(map(index.__getitem__, flat), dtype=np.intp, count=len(flat))
    if weighted:
        weights = np.fromiter((ballot.weight for ballot in ballots), dtype=np.float64, count=n)
    else:
        weights = np.ones(n)
    return Profile(
        task=the_task,
        models=models,
        ballots=ballots,
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
    if any(not isinstance(n, str) or not n.strip() for n in names):
        raise BallotError("models must be distinct, non-blank model ids")
    in_order = all(a < b for a, b in pairwise(names))  # so also distinct
    if not in_order and len(set(names)) != m:
        raise BallotError("models must be distinct, non-blank model ids")
    table = np.asarray(orders)
    if table.ndim != 2 or not np.issubdtype(table.dtype, np.integer):
        raise BallotError(
            f"orders must be a 2-D integer array, got {table.dtype} of {table.ndim}-D"
        )
    n, k = table.shape
    if n and not 1 <= k <= m:
        raise BallotError(f"orders must rank between 1 and {m} models per row, got {k}")
    columns = table.astype(np.intp, copy=False)
    if table.size:
        _check_indices(table, columns, m)
    weight = _weights(weights, n)
    columns = columns.reshape(-1)
    sorted_names = names
    if not in_order:  # number the models in sorted order
        by_name = sorted(range(m), key=names.__getitem__)
        sorted_names = tuple(names[i] for i in by_name)
        new_index = np.empty(m, dtype=np.intp)
        new_index[by_name] = np.arange(m)
        columns = new_index[columns]
    return Profile(
        task=task,
        models=sorted_names,
        ballots=(),
        ranked=np.full(n, k, dtype=np.intp),
        weights=weight,
        columns=columns,
    )


def _weights(weights: npt.ArrayLike | None, n: int) -> FloatArray:
    if weights is None:
        return np.ones(n)
    weight = np.asarray(weights, dtype=np.float64)
    if weight.shape != (n,):
        raise BallotError(f"weights must have shape ({n},), got {weight.shape}")
    if not (np.isfinite(weight).all() and (weight >= 0.0).all()):
        raise BallotError("weights must be finite and >= 0")
    return weight


# Entries shifted at a time: the block stays in cache (1.6x faster than one pass over
# 10,000 x 50 in bench_consensus.py), and one buffer serves every block.
_CHECK_BLOCK = 1 << 16


def _distinct_in_range(orders: IntArray, n_models: int) -> bool:
    k = orders.shape[1]
    step = max(1, _CHECK_BLOCK // k)
    shifted = np.empty((min(step, len(orders)), k), dtype=np.int64)  # reused: no page faults
    sums = np.empty(len(orders), dtype=np.int64)
    for start in range(0, len(orders), step):
        block = orders[start : start + step]
        np.left_shift(np.int64(1), block, out=shifted[: len(block)])
        np.einsum("vk->v", shifted[: len(block)], out=sums[start : start + len(block)])
    bits = sums.view(np.uint64)
    valid = np.bitwise_count(bits) == k
    if n_models < 64:
        valid &= bits < np.uint64(1 << n_models)
    return bool(valid.all())


def _check_indices(table: npt.NDArray[np.integer[Any]], orders: IntArray, n_models: int) -> None:
    """Refuse an index outside ``[0, n_models)``, or a row of ``orders`` naming a model twice.

    Up to 64 models, one pass: each row's ``1 << index`` summed (mod 2**64) has as many bits
    set as the row has entries, all below bit ``n_models``, exactly when its indices are
    distinct and in range. A repeated index carries into another bit or wraps away, and
    either loses a bit; an index past 63 or below 0 shifts to 0 (numpy defines it so). Only a
    failing profile pays for the checks that name the fault. Beyond 64 models (or without
    ``numpy.bitwise_count``, new in numpy 2.0): min and max, then sorted rows.
    """
    k = orders.shape[1]
    if n_models <= 64 and hasattr(np, "bitwise_count") and _distinct_in_range(orders, n_models):
        return
    low, high = table.min(), table.max()
    if low < 0 or high >= n_models:
        raise BallotError(f"orders must hold model indices in [0, {n_models}), got {low}..{high}")
    if k > 1:
        repeats = (np.diff(np.sort(orders, axis=1), axis=1) == 0).any(axis=1)
        bad = np.flatnonzero(repeats)
        if bad.size:
            raise BallotError(f"row {int(bad[0])} of orders ranks a model more than once")
