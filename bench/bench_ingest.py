"""record_many ingest speed into SQLite and PostgreSQL, against the raw drivers.

Run: .venv/bin/python bench/bench_ingest.py [--records N] [--repeats R] [--pg URL]
Prints records/s (median of alternating repeats, each into a fresh table the store made) for:
validation alone, record_many end to end from dictionaries and from typed records built inside
the timing, and the raw driver building and writing the same rows, twice: the seed's 19
columns (nulls where empty) and only the columns the records fill. Ratios are given against
both (19 columns / filled columns). "typed records built alone" is pydantic's constructor by
itself, with no store: the typed path can be no faster than it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
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
# Two floors. "wide": the raw driver writes the seed's columns and the two extra scores (nulls
# where these records have none), as the figures did. "narrow": only the columns these
# records fill, the others left to the table's defaults, as the store itself does with a column
# no record of a batch fills: the strictest floor.
WIDE = RECORD_COLUMNS[:19]
NARROW = (
    "record_id", "model_id", "task_type", "prompt_hash", "response_time_ms",
    "token_count_input", "token_count_output", "cost", "quality_score", "timestamp",
)  # fmt: skip
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


def time_construction(n: int, seed: int) -> float:
    dicts = make_dicts(n, seed)
    t0 = time.perf_counter()
    [PerformanceRecord(**d) for d in dicts]
    return n / (time.perf_counter() - t0)


def raw_rows(dicts: list[dict], timestamp: Callable[[datetime], Any], *, wide: bool) -> list[tuple]:
    if wide:
        nulls = (None,) * 6  # the scores this bench leaves empty
        return [
            (
                d["record_id"], d["model_id"], d["task_type"], "", d["response_time_ms"],
                d["token_count_input"], d["token_count_output"], d["cost"], d["quality_score"],
                *nulls, False, None, timestamp(d["timestamp"]), "{}",
            )
            for d in dicts
        ]  # fmt: skip
    return [
        (
            d["record_id"], d["model_id"], d["task_type"], "", d["response_time_ms"],
            d["token_count_input"], d["token_count_output"], d["cost"], d["quality_score"],
            timestamp(d["timestamp"]),
        )
        for d in dicts
    ]  # fmt: skip


async def fresh_store(url: str) -> None:
    """Create the store's schema (tables, indexes, triggers) in an empty database."""
    async with open_store(url):
        pass


def time_raw_sqlite(path: Path, dicts: list[dict], *, wide: bool) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    columns = WIDE if wide else NARROW
    marks = ",".join("?" * len(columns))
    names = ", ".join(columns)
    t0 = time.perf_counter()
    rows = raw_rows(dicts, lambda ts: ts.isoformat(timespec="microseconds"), wide=wide)
    conn.execute("BEGIN")
    conn.executemany(f"INSERT INTO model_performance_records ({names}) VALUES ({marks})", rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    conn.close()
    return len(dicts) / elapsed


def time_raw_postgres(url: str, dicts: list[dict], *, wide: bool) -> float:
    names = ", ".join(WIDE if wide else NARROW)
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        t0 = time.perf_counter()
        rows = raw_rows(dicts, lambda ts: ts, wide=wide)
        with cur.copy(f"COPY model_performance_records ({names}) FROM STDIN") as copy:
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
    print(f"load average {os.getloadavg()[0]:.2f} at the start")
    print(f"median of {reps} alternating runs, records/s, records built inside the timing")
    validation = statistics.median(time_validation(n, s) for s in range(reps))
    print(f"  validation alone (dicts)     {validation:>10,.0f}")
    construction = statistics.median(time_construction(n, s) for s in range(reps))
    print(f"  typed records built alone    {construction:>10,.0f}")
    runs: dict[str, dict[str, list[float]]] = {"SQLite": {}, "PostgreSQL": {}}
    ways = ("wide", "narrow", "dicts", "typed")
    for rep in range(reps):
        dicts = make_dicts(n, rep)
        order = ways[rep % 4 :] + ways[: rep % 4]  # each way goes first in turn
        with tempfile.TemporaryDirectory() as tmp:
            for way in order:
                path = Path(tmp) / f"{way}.db"
                if way in ("wide", "narrow"):
                    asyncio.run(fresh_store(f"sqlite:///{path}"))
                    speed = time_raw_sqlite(path, dicts, wide=way == "wide")
                else:
                    speed = asyncio.run(
                        time_record_many(f"sqlite:///{path}", dicts, way == "typed")
                    )
                runs["SQLite"].setdefault(way, []).append(speed)
        for way in order:
            schema, url = pg_schema_url(args.pg)
            try:
                if way in ("wide", "narrow"):
                    asyncio.run(fresh_store(url))
                    speed = time_raw_postgres(url, dicts, wide=way == "wide")
                else:
                    speed = asyncio.run(time_record_many(url, dicts, way == "typed"))
            finally:
                with psycopg.connect(args.pg, autocommit=True) as conn:
                    conn.execute(f"DROP SCHEMA {schema} CASCADE")
            runs["PostgreSQL"].setdefault(way, []).append(speed)
    for store, raw_name in (("SQLite", "raw executemany"), ("PostgreSQL", "raw COPY")):
        wide, narrow = (statistics.median(runs[store][w]) for w in ("wide", "narrow"))
        print(f"  {store:10} {raw_name + ', 19 columns':31} {wide:>10,.0f}")
        print(f"  {store:10} {raw_name + ', filled columns':31} {narrow:>10,.0f}")
        for way, label in (("dicts", "from dicts"), ("typed", "typed records")):
            ours = statistics.median(runs[store][way])
            print(f"  {store:10} record_many, {label:18} {ours:>10,.0f}   "
                  f"ratio {ours / wide:.2f} / {ours / narrow:.2f} (target 0.60)")  # fmt: skip


if __name__ == "__main__":
    main()
