"""Forgetting only after a change: a per-(model, task) change detector over hourly buckets.

``Router(forget="change")`` keeps the all-time sums and scores a (model, task) from them for
as long as its outcomes stay consistent with its history, so a world that does not change
costs exactly what "never forget" costs. Each (model, task)'s records fall into buckets of
``bucket_seconds`` (an hour by default) of its task's time. When a task's first record of a
new bucket arrives, each model's previous bucket of that task closes, and a two-window test
compares the newest closed buckets (the fewest that hold ``MIN_WINDOW`` records, at most
``MAX_WINDOW_BUCKETS``) with everything before them since the last change:

- **quality**: ``z^2 / 2 >= ln(1/alpha)`` for the Welch statistic of the two means, and the
  means at least ``MIN_QUALITY_SHIFT`` apart;
- **failure rate**: ``n_window * KL(p_window || p_history) >= ln(1/alpha)``, the Chernoff
  bound on a binomial tail (``p_history`` with half a failure and half a success added, so
  a spotless history is not certainty), and the rates at least ``MIN_ERROR_SHIFT`` apart.

With ``alpha = 1e-6`` each test's false-alarm probability is at most about ``1e-6`` (the
Chernoff bound holds exactly for the failure rate given the history's rate; the quality test
is the Gaussian tail), so a (model, task) with a record every hour false-alarms about once
in ``1 / (2 * 2e-6 * 8760)``, some 28 years. The minimum shifts keep a huge sample from
flagging a difference too small to change a choice.

A change drops the history before the window: from then on the (model, task) is scored from
the records since the change, and those age with ``half_life_hours`` (a record counts half
after that long, bucket by bucket), so a model that was avoided after an outage sees its bad
spell fade and is tried again, as with a half-life, while models that never changed keep
their whole history. The next test needs ``MIN_HISTORY`` records since the change.

Everything is a function of the records' buckets, so the store recomputes it from per-bucket
sums in SQL at start-up (:meth:`ChangeDetector.load`, one ``GROUP BY`` and a pass over the
buckets, not over the records). Two things a restart sees differently, by design: a record
that arrives after its bucket closed (stamped earlier than its task's newest record), and a
rating given after its bucket closed, enter the sums but not the tests already run.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal, cast

from selection.aggregates import Aggregate
from selection.decay import check_half_life
from selection.metrics import COLUMN_INDEX
from selection.records import PerformanceRecord

__all__ = [
    "ALPHA",
    "DEFAULT_BUCKET_SECONDS",
    "DEFAULT_CHANGE_HALF_LIFE_HOURS",
    "FORGET_MODES",
    "ChangeDetector",
    "ForgetMode",
    "bucket_of",
]

ForgetMode = Literal["never", "half-life", "change"]
"""How a Router forgets: never, every record with a half-life, or only after a change."""
FORGET_MODES: tuple[ForgetMode, ...] = ("never", "half-life", "change")

ALPHA = 1e-6
"""Each test's false-alarm probability (see the module)."""
DEFAULT_BUCKET_SECONDS = 3600
DEFAULT_CHANGE_HALF_LIFE_HOURS = 6.0
MIN_WINDOW = 10
MIN_HISTORY = 20
MAX_WINDOW_BUCKETS = 24
MIN_QUALITY_SHIFT = 0.05
MIN_ERROR_SHIFT = 0.05
_THRESHOLD = math.log(1.0 / ALPHA)
_VARIANCE_FLOOR = 1e-4
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_Q = COLUMN_INDEX["quality_score"]


def bucket_of(timestamp: datetime, bucket_seconds: int) -> int:
    """The bucket a time falls in: whole seconds since 1970 (UTC), floor-divided.

    The stores compute the same integer in SQL (whole seconds, then integer division).
    """
    if timestamp.tzinfo is None:
        timestamp = timestamp.replace(tzinfo=UTC)
    seconds = (timestamp - _EPOCH) // timedelta(seconds=1)
    return seconds // bucket_seconds


@dataclass(slots=True)
class _Pair:
    """One (model, task): its buckets since the last change, and what scores read."""

    since: int | None = None  # the bucket of the last change; None: never changed
    history: Aggregate = field(default_factory=Aggregate)  # closed, older than `closed`
    closed: deque[tuple[int, Aggregate]] = field(default_factory=deque)
    open: tuple[int, Aggregate] | None = None
    regime: Aggregate | None = None  # decayed sums since the change (None: never changed)
    changes: int = 0


class ChangeDetector:
    """Change points per (model, task), and the sums scores read (see the module).

    Args:
        half_life_hours: how the records since a change age.
        bucket_seconds: the width of a bucket.
    """

    def __init__(
        self,
        half_life_hours: float = DEFAULT_CHANGE_HALF_LIFE_HOURS,
        *,
        bucket_seconds: int = DEFAULT_BUCKET_SECONDS,
    ) -> None:
        checked = check_half_life(half_life_hours)
        assert checked is not None
        if isinstance(bucket_seconds, bool) or not isinstance(bucket_seconds, int):
            raise ValueError(f"bucket_seconds must be a whole number, got {bucket_seconds!r}")
        if bucket_seconds <= 0:
            raise ValueError(f"bucket_seconds must be positive, got {bucket_seconds!r}")
        self.half_life_hours = checked
        self.bucket_seconds = bucket_seconds
        self._per_bucket = 2.0 ** (-bucket_seconds / (checked * 3600.0))
        self._pairs: dict[str, dict[str, _Pair]] = {}
        self._anchors: dict[str, int] = {}

    def __repr__(self) -> str:
        changed = sum(p.since is not None for by in self._pairs.values() for p in by.values())
        return (
            f"ChangeDetector(half_life_hours={self.half_life_hours:g}, "
            f"bucket_seconds={self.bucket_seconds}, changed={changed})"
        )

    # -- reading ------------------------------------------------------------------------

    def changed_since(self, model_id: str, task: str) -> datetime | None:
        """The start of the bucket of the last change, or ``None`` when none was detected."""
        pair = self._pairs.get(task, {}).get(model_id)
        if pair is None or pair.since is None:
            return None
        return _EPOCH + timedelta(seconds=pair.since * self.bucket_seconds)

    def changes(self, task: str) -> dict[str, int]:
        """Per model: how many changes were detected on the task."""
        return {m: p.changes for m, p in self._pairs.get(task, {}).items() if p.changes}

    def task_sums(self, task: str, all_time: Mapping[str, Aggregate]) -> dict[str, Aggregate]:
        """What scores read per model: the all-time sums, or the decayed ones since a change."""
        pairs = self._pairs.get(task, {})
        sums = dict(all_time)
        for model_id, pair in pairs.items():
            if pair.regime is not None:
                sums[model_id] = pair.regime
        return sums

    def state(self) -> dict[tuple[str, str], tuple[object, ...]]:
        """Everything held, as plain numbers (to compare memory with a rebuild)."""
        out: dict[tuple[str, str], tuple[object, ...]] = {}
        for task, pairs in self._pairs.items():
            for model_id, pair in pairs.items():
                out[(model_id, task)] = (
                    pair.since,
                    pair.changes,
                    _numbers(pair.history),
                    tuple((b, _numbers(a)) for b, a in pair.closed),
                    None if pair.open is None else (pair.open[0], _numbers(pair.open[1])),
                    None if pair.regime is None else _numbers(pair.regime),
                    self._anchors.get(task),
                )
        return out

    # -- events -------------------------------------------------------------------------

    def load(self, buckets: Mapping[tuple[str, str, int], Aggregate]) -> None:
        """Replace everything with the replay of per-bucket sums (the store's, at start-up).

        Args:
            buckets: ``{(model, task, bucket): sums}`` over every stored record.
        """
        self._pairs.clear()
        self._anchors.clear()
        by_task: dict[str, dict[int, list[tuple[str, Aggregate]]]] = {}
        for (model_id, task, bucket), agg in buckets.items():
            by_task.setdefault(task, {}).setdefault(bucket, []).append((model_id, agg))
        for task, by_bucket in by_task.items():
            for bucket in sorted(by_bucket):
                self._advance(task, bucket)
                for model_id, agg in sorted(by_bucket[bucket], key=lambda item: item[0]):
                    self._add(task, model_id, bucket, agg)

    def absorb(self, records: Sequence[PerformanceRecord]) -> set[str]:
        """Add committed (timestamped) records, oldest bucket first; return the tasks touched.

        Raises:
            ValueError: a record has no timestamp (the tracker stamps every record).
        """
        grouped: dict[str, dict[int, dict[str, Aggregate]]] = {}
        for r in records:
            if r.timestamp is None:
                raise ValueError(f"record {r.record_id!r} has no timestamp; cannot bucket it")
            bucket = bucket_of(r.timestamp, self.bucket_seconds)
            by_model = grouped.setdefault(r.task_type, {}).setdefault(bucket, {})
            agg = by_model.get(r.model_id)
            if agg is None:
                agg = by_model[r.model_id] = Aggregate()
            agg.add(r.metric_values(), r.error_occurred)
        for task, by_bucket in grouped.items():
            for bucket in sorted(by_bucket):
                self._advance(task, bucket)
                for model_id, agg in by_bucket[bucket].items():
                    self._add(task, model_id, bucket, agg)
        return set(grouped)

    def amend(
        self,
        model_id: str,
        task: str,
        timestamp: datetime,
        old: Mapping[str, float | None],
        new: Mapping[str, float],
    ) -> None:
        """Replace one record's values of some columns in its bucket and the scored sums."""
        pair = self._pairs.get(task, {}).get(model_id)
        if pair is None:
            return
        bucket = bucket_of(timestamp, self.bucket_seconds)
        held = [a for b, a in pair.closed if b == bucket]
        if pair.open is not None and pair.open[0] == bucket:
            held.append(pair.open[1])
        for agg in held or [pair.history]:
            for column, value in new.items():
                agg.replace(column, old.get(column), value)
        if pair.regime is not None and pair.since is not None and bucket >= pair.since:
            w = self._weight(self._anchors[task] - bucket)
            for column, value in new.items():
                _replace_weighted(pair.regime, COLUMN_INDEX[column], old.get(column), value, w)

    # -- internals ----------------------------------------------------------------------

    def _weight(self, age_buckets: int) -> float:
        return cast("float", self._per_bucket ** max(age_buckets, 0))

    def _advance(self, task: str, bucket: int) -> None:
        """Move the task's newest bucket forward: close open buckets, test, age the regimes."""
        anchor = self._anchors.get(task)
        if anchor is not None and bucket <= anchor:
            return
        self._anchors[task] = bucket
        if anchor is None:
            return
        factor = self._weight(bucket - anchor)
        for pair in self._pairs.get(task, {}).values():
            if pair.open is not None:
                self._close(pair, anchor)
            if pair.regime is not None:
                _scale(pair.regime, factor)

    def _add(self, task: str, model_id: str, bucket: int, agg: Aggregate) -> None:
        pairs = self._pairs.setdefault(task, {})
        pair = pairs.get(model_id)
        if pair is None:
            pair = pairs[model_id] = _Pair()
        anchor = self._anchors[task]
        if bucket == anchor:
            if pair.open is None:
                pair.open = (bucket, Aggregate())
            pair.open[1].merge(agg)
        else:  # a record later than its bucket's close: in the sums, not in tests run
            target = next((a for b, a in pair.closed if b == bucket), None)
            if target is None and pair.open is not None and pair.open[0] == bucket:
                target = pair.open[1]
            (target if target is not None else pair.history).merge(agg)
        if pair.regime is not None and pair.since is not None and bucket >= pair.since:
            _merge_weighted(pair.regime, agg, self._weight(anchor - bucket))

    def _close(self, pair: _Pair, anchor: int) -> None:
        """Close the pair's open bucket and test its newest buckets against its history."""
        assert pair.open is not None
        pair.closed.append(pair.open)
        pair.open = None
        while len(pair.closed) > MAX_WINDOW_BUCKETS:
            pair.history.merge(pair.closed.popleft()[1])
        window, rest = Aggregate(), Aggregate()
        start = None
        for i in range(len(pair.closed) - 1, -1, -1):
            if window.records >= MIN_WINDOW:
                for _, agg in list(pair.closed)[: i + 1]:
                    rest.merge(agg)
                break
            start = i
            window.merge(pair.closed[i][1])
        if window.records < MIN_WINDOW:
            return
        rest.merge(pair.history)
        if rest.records < MIN_HISTORY or not _departs(window, rest):
            return
        assert start is not None
        kept = list(pair.closed)[start:]
        pair.since = kept[0][0]
        pair.changes += 1
        pair.history = Aggregate()
        pair.closed = deque(kept)
        pair.regime = Aggregate()
        for bucket, agg in kept:
            _merge_weighted(pair.regime, agg, self._weight(anchor - bucket))


def _departs(window: Aggregate, history: Aggregate) -> bool:
    """Whether the window's quality or failure rate departs from the history's."""
    nw, nh = window.count[_Q], history.count[_Q]
    if nw >= MIN_WINDOW and nh >= MIN_HISTORY:
        mw, mh = window.total[_Q] / nw, history.total[_Q] / nh
        vw = max(_variance(window), _VARIANCE_FLOOR)
        vh = max(_variance(history), _VARIANCE_FLOOR)
        z2 = (mw - mh) ** 2 / (vw / nw + vh / nh)
        if abs(mw - mh) >= MIN_QUALITY_SHIFT and z2 / 2.0 >= _THRESHOLD:
            return True
    pw = window.errors / window.records
    ph = (history.errors + 0.5) / (history.records + 1.0)
    return abs(pw - ph) >= MIN_ERROR_SHIFT and window.records * _kl(pw, ph) >= _THRESHOLD


def _variance(agg: Aggregate) -> float:
    n = agg.count[_Q]
    if n < 2:
        return 0.0
    mean = agg.total[_Q] / n
    return max(0.0, (agg.total_sq[_Q] - n * mean * mean) / (n - 1))


def _kl(p: float, q: float) -> float:
    """Kullback-Leibler divergence of Bernoulli(p) from Bernoulli(q)."""
    eps = 1e-12
    p = min(max(p, eps), 1 - eps)
    q = min(max(q, eps), 1 - eps)
    return p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))


def _numbers(agg: Aggregate) -> tuple[float, ...]:
    return (agg.records, agg.errors, *agg.count, *agg.total, *agg.total_sq)


def _merge_weighted(dst: Aggregate, src: Aggregate, w: float) -> None:
    # Effective counts: the regime's int fields hold real numbers (as selection.decay's do).
    dst.records += w * src.records  # type: ignore[assignment]
    dst.errors += w * src.errors  # type: ignore[assignment]
    count = cast("list[float]", dst.count)
    for i in range(len(count)):
        count[i] += w * src.count[i]
        dst.total[i] += w * src.total[i]
        dst.total_sq[i] += w * src.total_sq[i]


def _scale(agg: Aggregate, factor: float) -> None:
    agg.records = cast("int", agg.records * factor)
    agg.errors = cast("int", agg.errors * factor)
    count = cast("list[float]", agg.count)
    for i in range(len(count)):
        count[i] *= factor
        agg.total[i] *= factor
        agg.total_sq[i] *= factor


def _replace_weighted(agg: Aggregate, i: int, old: float | None, new: float, w: float) -> None:
    count = cast("list[float]", agg.count)
    if old is not None:
        count[i] -= w
        agg.total[i] -= w * old
        agg.total_sq[i] -= w * old * old
    count[i] += w
    agg.total[i] += w * new
    agg.total_sq[i] += w * new * new
    if count[i] <= 1e-12:
        count[i], agg.total[i], agg.total_sq[i] = 0.0, 0.0, 0.0
    agg.total_sq[i] = max(0.0, agg.total_sq[i])


def buckets_from_records(
    records: Iterable[PerformanceRecord], bucket_seconds: int
) -> dict[tuple[str, str, int], Aggregate]:
    """Per-bucket sums of records, as the store's SQL computes them (for tests and tools)."""
    found: dict[tuple[str, str, int], Aggregate] = {}
    for r in records:
        assert r.timestamp is not None
        key = (r.model_id, r.task_type, bucket_of(r.timestamp, bucket_seconds))
        agg = found.get(key)
        if agg is None:
            agg = found[key] = Aggregate()
        agg.add(r.metric_values(), r.error_occurred)
    return found
