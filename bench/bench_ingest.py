"""record_many ingest speed into SQLite and PostgreSQL, against the raw drivers.

Run: .venv/bin/python bench/bench_ingest.py [--records N] [--repeats R] [--pg URL]
Prints records/s (median of alternating repeats, each into a fresh table the store made) for:
validation alone, record_many end to end from dictionaries and from typed records built inside
the timing, and the raw driver building and writing the same rows.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import psycopg

from selection import (
    ModelCatalog,
    PerformanceRecord,
    PerformanceTracker,
    Router,
    SimClock,
    open_store,
)
from selection.records import parse_records
from selection.store._sql import RECORD_COLUMNS

MODELS = [s.id for s in ModelCatalog.default()]
COLUMNS = RECORD_COLUMNS[:19]  # the seed's columns and the two extra scores, as raw_rows has
NAMES = ", ".join(COLUMNS)
TASKS = ["logical_reasoning", "creative_generation", "pattern_recognition"]


def make_dicts(n: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    quality = rng.random(n).round(4)
    latency = rng.lognormal(7, 0.4, n).round(1)
    cost = (rng.random(n) * 0.01).round(6)
    tokens = rng.poisson(400, (n, 2))
    prefix = uuid.uuid4().hex[:8]
    return [
        {
            "record_id": f"{prefix}-{i}",
            "model_id": MODELS[i % len(MODELS)],
            "task_type": TASKS[i % len(TASKS)],
            "response_time_ms": float(latency[i]),
            "token_count_input": int(tokens[i, 0]),
            "token_count_output": int(tokens[i, 1]),
            "cost": float(cost[i]),
            "quality_score": float(quality[i]),
            "error_occurred": False,
            "timestamp": start + timedelta(seconds=i),
        }
        for i in range(n)
    ]


async def time_record_many(url: str, dicts: list[dict], typed: bool) -> float:
    """Records built inside the timing: from the dictionaries, or as typed records first."""
    async with open_store(url) as store:
        clock = SimClock(datetime(2026, 1, 1, tzinfo=UTC))
        tracker = PerformanceTracker(store, Router(ModelCatalog.default(), clock=clock))
        await tracker.start()
        t0 = time.perf_counter()
        batch = [PerformanceRecord(**d) for d in dicts] if typed else dicts
        written = await tracker.record_many(batch)
        elapsed = time.perf_counter() - t0
        assert written == len(dicts), written
    return len(dicts) / elapsed


def time_validation(n: int, seed: int) -> float:
    dicts = make_dicts(n, seed)
    t0 = time.perf_counter()
    parse_records(dicts)
    return n / (time.perf_counter() - t0)


def raw_rows(dicts: list[dict], timestamp: Callable[[datetime], Any]) -> list[tuple]:
    nulls = (None,) * 6  # the scores this bench leaves empty
    return [
        (
            d["record_id"], d["model_id"], d["task_type"], "", d["response_time_ms"],
            d["token_count_input"], d["token_count_output"], d["cost"], d["quality_score"],
            *nulls, False, None, timestamp(d["timestamp"]), "{}",
        )
        for d in dicts
    ]  # fmt: skip


async def fresh_store(url: str) -> None:
    """Create the store's schema (tables, indexes, triggers) in an empty database."""
    async with open_store(url):
        pass


def time_raw_sqlite(path: Path, dicts: list[dict]) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    marks = ",".join("?" * len(COLUMNS))
    t0 = time.perf_counter()
    rows = raw_rows(dicts, lambda ts: ts.isoformat(timespec="microseconds"))
    conn.execute("BEGIN")
    conn.executemany(f"INSERT INTO model_performance_records ({NAMES}) VALUES ({marks})", rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    conn.close()
    return len(dicts) / elapsed


def time_raw_postgres(url: str, dicts: list[dict]) -> float:
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        t0 = time.perf_counter()
        rows = raw_rows(dicts, lambda ts: ts)
        with cur.copy(f"COPY model_performance_records ({NAMES}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
        return len(dicts) / (time.perf_counter() - t0)


def pg_schema_url(base: str) -> tuple[str, str]:
    schema = f"gp_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return schema, f"{base}?options=-csearch_path%3D{schema}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    n, reps = args.records, args.repeats
    print(f"{n:,} records per batch, each run into a fresh, empty table made by the store;")
    print(f"median of {reps} alternating runs, records/s, records built inside the timing")
    validation = statistics.median(time_validation(n, s) for s in range(reps))
    print(f"  validation alone (dicts)     {validation:>10,.0f}")
    runs: dict[str, dict[str, list[float]]] = {"SQLite": {}, "PostgreSQL": {}}
    ways = ("raw", "dicts", "typed")
    for rep in range(reps):
        dicts = make_dicts(n, rep)
        order = ways[rep % 3 :] + ways[: rep % 3]  # each way goes first in turn
        with tempfile.TemporaryDirectory() as tmp:
            for way in order:
                path = Path(tmp) / f"{way}.db"
                if way == "raw":
                    asyncio.run(fresh_store(f"sqlite:///{path}"))
                    speed = time_raw_sqlite(path, dicts)
                else:
                    speed = asyncio.run(
                        time_record_many(f"sqlite:///{path}", dicts, way == "typed")
                    )
                runs["SQLite"].setdefault(way, []).append(speed)
        for way in order:
            schema, url = pg_schema_url(args.pg)
            try:
                if way == "raw":
                    asyncio.run(fresh_store(url))
                    speed = time_raw_postgres(url, dicts)
                else:
                    speed = asyncio.run(time_record_many(url, dicts, way == "typed"))
            finally:
                with psycopg.connect(args.pg, autocommit=True) as conn:
                    conn.execute(f"DROP SCHEMA {schema} CASCADE")
            runs["PostgreSQL"].setdefault(way, []).append(speed)
    for store, raw_name in (("SQLite", "raw executemany"), ("PostgreSQL", "raw COPY")):
        raw = statistics.median(runs[store]["raw"])
        print(f"  {store:10} {raw_name:26} {raw:>10,.0f}")
        for way, label in (("dicts", "from dicts"), ("typed", "typed records")):
            ours = statistics.median(runs[store][way])
            print(f"  {store:10} record_many, {label:13} {ours:>10,.0f}   "
                  f"ratio {ours / raw:.2f} (target 0.60)")  # fmt: skip


if __name__ == "__main__":
    main()
