"""The background record writer: batches, survives an unavailable store, loses nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import pytest

from selection import DynamicModelManager, PerformanceRecord, StoreUnavailableError
from server.writer import RecordWriter

MODEL = "openai/gpt-3.5-turbo"
TASK = "technical_explanation"


def group(rid: str, n: int = 1) -> list[PerformanceRecord]:
    """One request's records: ``n - 1`` failed attempts and the answer."""
    failed = [
        PerformanceRecord(
            record_id=f"{rid}#{i}", model_id=MODEL, task_type=TASK,
            response_time_ms=5.0, error_occurred=True, error_type="rate_limit",
        )
        for i in range(1, n)
    ]  # fmt: skip
    answer = PerformanceRecord(
        record_id=rid, model_id=MODEL, task_type=TASK, response_time_ms=100.0, quality_score=0.8
    )
    return [*failed, answer]


@pytest.fixture
async def manager(tmp_path: Path) -> AsyncIterator[DynamicModelManager]:
    async with DynamicModelManager(f"sqlite:///{tmp_path / 'w.db'}") as manager:
        yield manager


class Flaky:
    """Wraps the tracker's ``record_many``: unavailable ``failures`` times, or while ``down``."""

    def __init__(self, manager: DynamicModelManager, failures: int = 0) -> None:
        self.inner = manager.performance_tracker.record_many
        self.failures = failures
        self.down = asyncio.Event()  # set: the store is down
        self.gate: asyncio.Event | None = None  # when given, each write waits for it
        self.batches: list[int] = []
        self.refusals = 0
        manager.performance_tracker.record_many = self  # type: ignore[method-assign]

    async def __call__(self, records: Iterable[Any]) -> int:
        if self.gate is not None:
            await self.gate.wait()
        if self.failures > 0 or self.down.is_set():
            self.failures -= 1
            self.refusals += 1
            raise StoreUnavailableError("database is locked")
        records = list(records)
        self.batches.append(len(records))
        return await self.inner(records)


async def stored_ids(manager: DynamicModelManager) -> list[str]:
    return sorted(r.record_id for r in await manager.store.fetch_records(limit=100_000))


async def test_requests_are_written_in_batches_each_record_once(manager):
    flaky = Flaky(manager)
    writer = RecordWriter(manager, linger=0.01)
    for i in range(50):
        await writer.submit(group(f"r{i}", n=2))
    await writer.flush()
    assert await stored_ids(manager) == sorted(
        [f"r{i}" for i in range(50)] + [f"r{i}#1" for i in range(50)]
    )
    assert sum(flaky.batches) == 100
    assert len(flaky.batches) < 10  # batched, not one transaction per request
    assert writer.written == 100
    # The selector's sums took every record in.
    assert manager.performance_tracker.router.total_records() == 100
    await writer.close()


async def test_a_request_id_reused_within_a_batch_is_counted_once(manager):
    writer = RecordWriter(manager, linger=0.01)
    await writer.submit(group("same"))
    await writer.submit(group("same"))
    await writer.flush()
    assert await stored_ids(manager) == ["same"]
    assert writer.written == 1
    await writer.close()


async def test_an_unavailable_store_delays_records_but_loses_none(manager):
    flaky = Flaky(manager, failures=3)
    writer = RecordWriter(manager, linger=0, retry_seconds=(0.001, 0.01))
    for i in range(20):
        await writer.submit(group(f"r{i}"))
    await writer.flush()
    assert flaky.refusals == 3  # three refusals, then the writes went through
    assert await stored_ids(manager) == sorted(f"r{i}" for i in range(20))


async def test_close_writes_everything_accepted(manager):
    writer = RecordWriter(manager, linger=0.05)
    for i in range(200):
        await writer.submit(group(f"r{i}"))
    assert writer.queued > 0  # nothing written yet: the writer lingers
    await writer.close()
    assert len(await stored_ids(manager)) == 200
    with pytest.raises(Exception, match="closed"):
        await writer.submit(group("late"))


async def test_a_full_queue_holds_the_caller_back_instead_of_dropping(manager):
    flaky = Flaky(manager)
    flaky.gate = asyncio.Event()
    writer = RecordWriter(manager, capacity=2, linger=0)
    for i in range(3):  # one taken by the (blocked) writer, two queued
        await writer.submit(group(f"r{i}"))
        await asyncio.sleep(0)
    fourth = asyncio.ensure_future(writer.submit(group("r3")))
    await asyncio.sleep(0.02)
    assert not fourth.done()  # held back, not dropped
    flaky.gate.set()
    await fourth
    await writer.close()
    assert await stored_ids(manager) == ["r0", "r1", "r2", "r3"]


async def test_a_refused_request_does_not_take_its_batch_with_it(manager, caplog):
    writer = RecordWriter(manager, linger=0.01)
    bad = PerformanceRecord(record_id="bad", model_id="nobody/unknown", task_type=TASK)
    await writer.submit(group("good-1"))
    await writer.submit([bad])
    await writer.submit(group("good-2"))
    await writer.close()
    assert await stored_ids(manager) == ["good-1", "good-2"]
    assert writer.refused == 1
    assert "bad" in caplog.text


async def test_close_gives_up_after_its_timeout_and_says_how_many_were_not_written(manager):
    flaky = Flaky(manager)
    flaky.down.set()
    writer = RecordWriter(manager, linger=0, retry_seconds=(0.001, 0.01), close_timeout=0.1)
    for i in range(5):
        await writer.submit(group(f"r{i}", n=2))
    with pytest.raises(StoreUnavailableError, match="10 records were not written"):
        await writer.close()


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="capacity"):
        RecordWriter(None, capacity=0)  # type: ignore[arg-type]


async def test_an_unexpected_error_is_logged_and_the_writer_lives_on(manager, caplog):
    inner = manager.performance_tracker.record_many
    tracker: Any = manager.performance_tracker
    calls = 0

    async def broken_once(records: Any) -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("a bug")
        stored: int = await inner(records)
        return stored

    tracker.record_many = broken_once
    writer = RecordWriter(manager, linger=0)
    await writer.submit(group("lost"))
    await writer.flush()
    await writer.submit(group("kept"))
    await writer.close()
    assert await stored_ids(manager) == ["kept"]
    assert writer.refused == 1
    assert "failed unexpectedly" in caplog.text
