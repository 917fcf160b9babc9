"""Which arm a unit (request, session or user) is in: a stable hash, no stored state.

A unit's bucket is a 64-bit BLAKE2b hash of the test id and the unit id, read as a number
in [0, 1). The unit is in the challenger's arm when its bucket is below the challenger's
share. So the same unit always lands in the same arm of a test, different tests split
independently, and across ramp steps (the share only grows) a unit can move from the
champion to the challenger but never back.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

from selection.abtest.config import ABTest
from selection.errors import ExperimentError
from selection.records import PerformanceRecord

__all__ = [
    "Assignment",
    "RecentAssignments",
    "UnnamedCalls",
    "assign",
    "bucket",
    "check_tag",
    "unit_key",
]

Arm = Literal["a", "b"]
_SCALE = float(2**64)


def bucket(test_id: str, unit_id: str) -> float:
    """The unit's position in [0, 1) for this test; uniform and independent across tests."""
    digest = hashlib.blake2b(
        unit_id.encode("utf-8"), digest_size=8, key=test_id.encode("utf-8")[:64]
    ).digest()
    return int.from_bytes(digest, "big") / _SCALE


@dataclass(frozen=True, slots=True)
class Assignment:
    """A unit's arm in one phase of a test."""

    test_id: str
    phase: int
    arm: Arm
    model_id: str
    unit_id: str


def assign(test: ABTest, unit_id: str) -> Assignment:
    """The arm of ``unit_id`` in the test's current phase (pure, no I/O)."""
    phase = test.phase
    arm: Arm = "b" if bucket(test.test_id, unit_id) < phase.traffic_split else "a"
    return Assignment(test.test_id, phase.index, arm, test.model(arm), unit_id)


def unit_key(test: ABTest, *, unit_id: str | None, request_id: str | None) -> str | None:
    """The id a test assigns by: the request's for ``unit="request"``, else ``unit_id``.

    A call without the id its test assigns by is its own unit: a test by session or user
    takes the request id of a call that names no session or user.
    """
    if test.spec.unit == "request":
        return request_id if request_id is not None else unit_id
    return unit_id if unit_id is not None else request_id


def check_tag(record: PerformanceRecord, test: ABTest | None) -> None:
    """Check a record that arrives tagged already against its test.

    Raises:
        ExperimentError: the test is unknown, does not cover the record's task, or the arm's
            model is not the record's, or the phase does not exist.
    """
    if test is None:
        raise ExperimentError(f"record names unknown A/B test {record.ab_test_id!r}")
    if record.task_type not in test.spec.task_types:
        raise ExperimentError(f"A/B test {test.test_id!r} does not cover task {record.task_type!r}")
    phase = record.ab_phase
    if (
        test.model(record.ab_arm or "") != record.model_id
        or phase is None
        or (phase >= len(test.phases))
    ):
        raise ExperimentError(
            f"record of {record.model_id!r} cannot be in arm {record.ab_arm!r}, phase "
            f"{phase} of A/B test {test.test_id!r}"
        )


class RecentAssignments:
    """The assignments this process handed out, so the records of those calls can be tagged.

    A record is counted in a test only if its unit was routed by the test, which keeps calls
    made without a unit id (served the champion, outside the test) from skewing the split.
    Bounded: the oldest are forgotten first (a call whose record arrives later than
    ``capacity`` newer assignments is left out of the test, in either arm alike).
    """

    def __init__(self, capacity: int = 100_000) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        self.capacity = capacity
        self._items: OrderedDict[tuple[str, str], Assignment] = OrderedDict()

    def remember(self, assignment: Assignment) -> None:
        """Keep an assignment (refreshing its age if the unit was seen before)."""
        key = (assignment.test_id, assignment.unit_id)
        self._items[key] = assignment
        self._items.move_to_end(key)
        if len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def get(self, test_id: str, unit_id: str) -> Assignment | None:
        """The unit's last assignment in the test, if remembered."""
        return self._items.get((test_id, unit_id))

    def forget(self, test_id: str, unit_id: str) -> None:
        """Drop a unit's assignment (a request, once its record is in)."""
        self._items.pop((test_id, unit_id), None)

    def __len__(self) -> int:
        return len(self._items)


class UnnamedCalls:
    """Fresh ids given to calls routed by a test without an id, until their records arrive.

    ``get_optimal_model(task)`` with no id is its own unit: the manager routes it under a
    fresh id and keeps the id here under ``(task, model served)``. A record of that model
    and task given later without an id takes the oldest such id, so it is tagged with the
    arm that served it (the arm depends only on the model: every id kept under one model
    was assigned to that model's arm). Bounded: past ``capacity`` the oldest ids are
    forgotten (their records, if they come, stay outside the test).
    """

    def __init__(self, capacity: int = 100_000) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        self.capacity = capacity
        self._order: OrderedDict[str, tuple[str, str]] = OrderedDict()  # id -> (task, model)
        self._by_call: dict[tuple[str, str], OrderedDict[str, None]] = {}

    def keep(self, task: str, model_id: str, fresh_id: str) -> None:
        """Keep the fresh id of a call of ``task`` served by ``model_id``."""
        call = (task, model_id)
        self._order[fresh_id] = call
        self._by_call.setdefault(call, OrderedDict())[fresh_id] = None
        if len(self._order) > self.capacity:
            oldest, old_call = self._order.popitem(last=False)
            self._drop(old_call, oldest)

    def take(self, task: str, model_id: str) -> str | None:
        """The oldest kept id of a call of ``task`` served by ``model_id``, now used up."""
        ids = self._by_call.get((task, model_id))
        if not ids:
            return None
        fresh_id = next(iter(ids))
        self._drop((task, model_id), fresh_id)
        del self._order[fresh_id]
        return fresh_id

    def _drop(self, call: tuple[str, str], fresh_id: str) -> None:
        ids = self._by_call[call]
        del ids[fresh_id]
        if not ids:
            del self._by_call[call]

    def __len__(self) -> int:
        return len(self._order)
