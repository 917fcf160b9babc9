"""Ratings given later: amend the scores of a stored record, in the store and in memory.

A call recorded by ``complete()`` is rated afterwards by quoting its request id (the
answer's record id). When that id is already stored and the new performance carries only
rating fields, the stored row's columns are updated and the tracker's running sums adjusted
by the difference: the new value added, the old one (if any) taken out. Nothing is counted
twice and the record count does not change.

The store does the row update in one transaction and returns the old values
(:meth:`ScoreStore.update_scores`); the in-memory adjustment follows at once, with no
``await`` in between, so no other task sees the store and the memory disagree.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from selection.errors import InvalidRecordError
from selection.metrics import REGISTRY
from selection.records import PerformanceRecord

if TYPE_CHECKING:
    from selection.tracker import PerformanceTracker

__all__ = [
    "RATING_COLUMNS",
    "ScoreAmendment",
    "ScoreStore",
    "amend_scores",
    "check_ratings",
    "rating_changes",
    "record_or_amend",
]

logger = logging.getLogger(__name__)

RATING_COLUMNS: tuple[str, ...] = tuple(m.column for m in REGISTRY if m.rated_later)
"""The columns a later rating may set."""


class ScoreStore(Protocol):
    """A store that can amend the scores of one stored record."""

    async def update_scores(
        self,
        record_id: str,
        changes: Mapping[str, float],
        *,
        model_id: str | None = None,
        task_type: str | None = None,
    ) -> tuple[str, str, dict[str, float | None]] | None:
        """Set score columns of one record in one transaction.

        Args:
            record_id: The record to amend.
            changes: Column -> new value; columns among :data:`RATING_COLUMNS`.
            model_id: When given, only a record of this model matches.
            task_type: When given, only a record of this task type matches.

        Returns:
            ``(model_id, task_type, old values of the changed columns)``, or ``None`` when
            no record matches (then nothing changed).
        """
        ...

    async def record_time(self, record_id: str) -> datetime | None:
        """The stored timestamp of one record, or ``None`` if no record has this id."""
        ...


@dataclass(frozen=True, slots=True)
class ScoreAmendment:
    """What a later rating changed.

    Attributes:
        record_id: The amended record.
        model_id: Its model.
        task_type: Its task type.
        old: The columns' values before (``None`` where unset).
        new: The columns' values now.
    """

    record_id: str
    model_id: str
    task_type: str
    old: Mapping[str, float | None]
    new: Mapping[str, float]


def check_ratings(scores: Mapping[str, Any]) -> dict[str, float]:
    """Validate ratings: known rating columns, numbers in [0, 1].

    Raises:
        InvalidRecordError: naming the column that is wrong.
    """
    if not scores:
        raise InvalidRecordError(f"no rating given; set one of {', '.join(RATING_COLUMNS)}")
    checked: dict[str, float] = {}
    for column, value in scores.items():
        if column not in RATING_COLUMNS:
            raise InvalidRecordError(
                f"{column}: cannot be amended later; only {', '.join(RATING_COLUMNS)} can"
            )
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidRecordError(f"{column}: must be a number in [0, 1], got {value!r}")
        if not (math.isfinite(value) and 0.0 <= value <= 1.0):
            raise InvalidRecordError(f"{column}: must be in [0, 1], got {value!r}")
        checked[column] = float(value)
    return checked


def rating_changes(performance: Mapping[str, Any]) -> dict[str, float] | None:
    """The ratings of a performance dictionary that carries ratings and nothing else.

    ``None`` values and a ``timestamp`` are ignored (the seed's dictionaries may carry them).

    Returns:
        Column -> value, or ``None`` when the dictionary holds any other field or no rating.

    Raises:
        InvalidRecordError: A rating is not a number in [0, 1].
    """
    given = {k: v for k, v in performance.items() if v is not None and k != "timestamp"}
    if not given or any(k not in RATING_COLUMNS for k in given):
        return None
    return check_ratings(given)


async def amend_scores(
    tracker: PerformanceTracker,
    store: ScoreStore,
    record_id: str,
    scores: Mapping[str, Any],
    *,
    model_id: str | None = None,
    task_type: str | None = None,
) -> ScoreAmendment | None:
    """Set rating columns of a stored record and adjust the tracker's sums by the difference.

    Args:
        tracker: Holds the in-memory sums (and the catalog that names the task types).
        store: The tracker's store, with :meth:`ScoreStore.update_scores`.
        record_id: The record to amend (a request id from ``complete()``).
        scores: Column -> new value, columns among :data:`RATING_COLUMNS`.
        model_id: When given, the record must be this model's.
        task_type: When given, the record must be of this task type.

    Returns:
        What changed, or ``None`` when no stored record matches (nothing changed).

    Raises:
        InvalidRecordError: A column cannot be amended or a value is not in [0, 1].
    """
    changes = check_ratings(scores)
    task = tracker.catalog.check_task(task_type) if task_type is not None else None
    # With forgetting on, the record's age (or bucket) sets its weight; a timestamp never
    # changes, so it is read before the update and the await-free window below stays as it was.
    stamp = None
    if tracker.router.forget != "never":
        stamp = await store.record_time(record_id)
    found = await store.update_scores(record_id, changes, model_id=model_id, task_type=task)
    if found is None:
        return None
    stored_model, stored_task, old = found
    # No await from here on: the memory follows the committed row before anyone reads it.
    if stamp is None and tracker.router.forget != "never":
        logger.debug("record %s vanished before its amendment; memory left alone", record_id)
    elif not tracker.router.amend(stored_model, stored_task, old, changes, timestamp=stamp):
        # The record is not in this process's memory (written by another process after
        # start()), so there is nothing to adjust; start() will read the new values.
        logger.debug("record %s is not in memory; only the store was amended", record_id)
    return ScoreAmendment(record_id, stored_model, stored_task, dict(old), changes)


async def record_or_amend(
    tracker: PerformanceTracker,
    store: ScoreStore,
    record: PerformanceRecord,
    performance: Mapping[str, Any],
) -> bool:
    """Record a call's performance, or amend the stored record when this is a later rating.

    This is ``update_model_performance``'s rule: a new record id is recorded; an id already
    stored is amended when ``performance`` carries only ratings (see :func:`rating_changes`),
    and otherwise left alone (nothing is counted twice).

    Args:
        tracker: Records new records and holds the sums to adjust.
        store: The tracker's store, with :meth:`ScoreStore.update_scores`.
        record: Built from ``performance`` with the request id as its record id.
        performance: The seed's performance dictionary.

    Returns:
        ``True`` when something was recorded or amended, ``False`` when nothing changed.

    Raises:
        InvalidRecordError: The stored record with this id belongs to another model or task
            type, or a rating is not a number in [0, 1].
    """
    if await tracker.record(record):
        return True
    ratings = rating_changes(performance)
    if ratings is None:
        return False
    amended = await amend_scores(
        tracker,
        store,
        record.record_id,
        ratings,
        model_id=record.model_id,
        task_type=record.task_type,
    )
    if amended is None:
        raise InvalidRecordError(
            f"request {record.record_id!r} is stored for another model or task type than "
            f"{record.model_id!r} / {record.task_type!r}; its rating was not applied"
        )
    return True
