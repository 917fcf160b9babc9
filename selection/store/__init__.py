"""Durable storage: the :class:`Store` protocol and :func:`open_store` to pick one by URL.

``sqlite:///path.db`` (or ``sqlite:///:memory:``) gives the embedded store;
``postgresql://...`` the PostgreSQL one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self

from selection.aggregates import Aggregate
from selection.errors import ConfigError
from selection.extras import missing_extra
from selection.recommendation import Recommendation
from selection.records import PerformanceRecord

if TYPE_CHECKING:
    from selection.batch import RecordBatch

__all__ = ["DEFAULT_SQLITE_URL", "Store", "open_store", "redact_url"]

DEFAULT_SQLITE_URL = "sqlite:///genesis_prime.db"


class Store(Protocol):
    """Durable home of performance records, recommendations and A/B tests."""

    url: str

    async def open(self) -> None:
        """Connect and create the schema if needed (harmless when it exists)."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def add_records(self, records: Iterable[PerformanceRecord]) -> list[PerformanceRecord]:
        """Write the records in one transaction; return those not stored before.

        A record whose ``record_id`` is already stored is skipped, never counted twice.
        Every record must carry a timestamp and a distinct id. ``records`` may be a lazy
        iterator; it is consumed before anything is written.
        """
        ...

    async def add_batch(self, batch: RecordBatch) -> RecordBatch:
        """Write a batch in one transaction, from its columns; return its records not stored before.

        As :meth:`add_records`: a record whose ``record_id`` is already stored is skipped.
        """
        ...

    async def aggregates(
        self,
        *,
        task: str | None = None,
        models: Sequence[str] | None = None,
        since: datetime | None = None,
    ) -> dict[tuple[str, str], Aggregate]:
        """Sums per (model, task) computed in the database, optionally filtered."""
        ...

    async def decayed_aggregates(
        self, half_life_hours: float
    ) -> tuple[dict[tuple[str, str], Aggregate], dict[str, datetime]]:
        """Time-decayed sums per (model, task) and each task's anchor, computed in the database.

        A record weighs ``2 ** (-age / half_life)``, its age measured from its task's latest
        record (see :mod:`selection.decay`); counts are effective (real) counts.
        """
        ...

    async def bucket_aggregates(self, bucket_seconds: int) -> dict[tuple[str, str, int], Aggregate]:
        """Sums per (model, task, time bucket) computed in the database.

        A record's bucket is its whole seconds since 1970 (UTC) integer-divided by
        ``bucket_seconds`` (see :func:`selection.change.bucket_of`).
        """
        ...

    async def record_time(self, record_id: str) -> datetime | None:
        """The stored timestamp of one record, or ``None`` if no record has this id."""
        ...

    async def update_scores(
        self,
        record_id: str,
        changes: Mapping[str, float],
        *,
        model_id: str | None = None,
        task_type: str | None = None,
    ) -> tuple[str, str, dict[str, float | None]] | None:
        """Set score columns of one stored record in one transaction.

        Args:
            record_id: The record to amend.
            changes: Score column -> new value.
            model_id: When given, only a record of this model matches.
            task_type: When given, only a record of this task type matches.

        Returns:
            ``(model_id, task_type, old values of the changed columns)``, or ``None`` when
            no record matches (then nothing changed).
        """
        ...

    async def count_records(self) -> int:
        """How many performance records are stored."""
        ...

    async def fetch_records(
        self,
        *,
        task: str | None = None,
        model: str | None = None,
        since: datetime | None = None,
        limit: int = 1000,
    ) -> list[PerformanceRecord]:
        """The newest records matching the filters, newest first."""
        ...

    async def add_recommendation(self, recommendation: Recommendation) -> None:
        """Store a recommendation."""
        ...

    async def latest_recommendations(self) -> dict[str, Recommendation]:
        """The newest stored recommendation per task type."""
        ...

    async def save_ab_test(self, row: Mapping[str, Any]) -> None:
        """Insert or replace an ``ab_test_configurations`` row (the seed's columns)."""
        ...

    async def ab_tests(self, *, status: str | None = None) -> list[dict[str, Any]]:
        """Stored A/B test rows, optionally only those with this status."""
        ...

    async def upsert_ab_test(self, row: Mapping[str, Any]) -> None:
        """Insert or update an A/B test row with every column.

        Those are the seed's columns plus ``guardrails``, ``design``, ``phases``,
        ``decisions``, ``monitor_state`` (JSON) and ``end_time``.
        """
        ...

    async def load_ab_tests(self, *, test_id: str | None = None) -> list[dict[str, Any]]:
        """Every stored A/B test row (or only ``test_id``'s), every column decoded."""
        ...

    async def ab_arm_sums(self, test_id: str) -> dict[tuple[int, str], Aggregate]:
        """Per (phase, arm) of a test, the sums of every metric column.

        The database keeps them up to date by triggers as tagged records come and go, so
        reading them costs the same for ten records as for ten million.
        """
        ...

    async def ab_latency_histograms(self, test_id: str) -> dict[tuple[int, str], dict[int, int]]:
        """Per (phase, arm) of a test, its latency histogram: bucket -> count.

        Bucket ``b`` holds ``[exp(b / 100), exp((b + 1) / 100))`` ms (about 1% wide).
        """
        ...

    async def ab_metric_values(
        self, test_id: str, *, phase: int, column: str, limit: int
    ) -> dict[str, list[float]]:
        """Raw values of one metric column per arm (``"a"``, ``"b"``) in one test phase."""
        ...

    async def rebuild_ab_sums(self) -> None:
        """Recompute every test's per-arm sums and histograms from the records."""
        ...


def redact_url(url: str) -> str:
    """Return the URL with any password replaced by ``***``."""
    url = re.sub(r"password=[^\s&]+", "password=***", url)
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def open_store(url: str) -> Store:
    """Create (not yet open) the store that a URL names.

    Raises:
        ConfigError: if the URL's scheme is not ``sqlite`` or ``postgresql``, or PostgreSQL
            is asked for without the ``[postgres]`` extra installed.
    """
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    factory = _FACTORIES.get(scheme)
    if factory is None:
        raise ConfigError(
            f"unsupported database URL scheme {scheme or '(none)'!r}: "
            "use sqlite:///path.db or postgresql://user@host/db"
        )
    return factory(url)


def _sqlite(url: str) -> Store:
    from selection.store.sqlite import SqliteStore

    return SqliteStore.from_url(url)


def _postgres(url: str) -> Store:
    try:
        from selection.store.postgres import PostgresStore
    except ModuleNotFoundError as exc:
        error = missing_extra(exc, feature="PostgreSQL storage")
        if error is None:
            raise
        raise error from exc
    return PostgresStore(url)


_FACTORIES: dict[str, Callable[[str], Store]] = {
    "sqlite": _sqlite,
    "postgresql": _postgres,
    "postgres": _postgres,
}
