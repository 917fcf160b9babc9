"""record_many ingest speed into SQLite and PostgreSQL, against the raw drivers.

Run: .venv/bin/python bench/bench_ingest.py [--records N] [--repeats R] [--pg URL]
Prints records/s (median of the repeats) for: validation alone, record_many end to end
(validation from dictionaries included), and the raw driver writing the same rows.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import psycopg

from selection import ModelCatalog, PerformanceTracker, Router, SimClock, open_store
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


async def time_record_many(url: str, n: int, seed: int) -> float:
    dicts = make_dicts(n, seed)
    async with open_store(url) as store:
        clock = SimClock(datetime(2026, 1, 1, tzinfo=UTC))
        tracker = PerformanceTracker(store, Router(ModelCatalog.default(), clock=clock))
        await tracker.start()
        t0 = time.perf_counter()
        written = await tracker.record_many(dicts)
        elapsed = time.perf_counter() - t0
        assert written == n, written
    return n / elapsed


def time_validation(n: int, seed: int) -> float:
    dicts = make_dicts(n, seed)
    t0 = time.perf_counter()
    parse_records(dicts)
    return n / (time.perf_counter() - t0)


def raw_rows(n: int, seed: int) -> list[tuple]:
    nulls = (None,) * 6  # the scores this bench leaves empty
    return [
        (
            d["record_id"], d["model_id"], d["task_type"], "", d["response_time_ms"],
            d["token_count_input"], d["token_count_output"], d["cost"], d["quality_score"],
            *nulls, False, None, d["timestamp"], "{}",
        )
        for d in make_dicts(n, seed)
    ]  # fmt: skip


def time_raw_sqlite(path: Path, n: int, seed: int) -> float:
    rows = [(*r[:17], r[17].isoformat(timespec="microseconds"), r[18]) for r in raw_rows(n, seed)]
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    marks = ",".join("?" * len(COLUMNS))
    t0 = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(f"INSERT INTO model_performance_records ({NAMES}) VALUES ({marks})", rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    conn.close()
    return n / elapsed


def time_raw_postgres(url: str, n: int, seed: int) -> float:
    rows = raw_rows(n, seed)
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        t0 = time.perf_counter()
        with cur.copy(f"COPY model_performance_records ({NAMES}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
        return n / (time.perf_counter() - t0)


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
    print(f"{n:,} records per batch, median of {reps} runs, records/s")
    validation = statistics.median(time_validation(n, s) for s in range(reps))
    print(f"  validation alone (pydantic)  {validation:>10,.0f}")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        ours = [asyncio.run(time_record_many(url, n, s)) for s in range(reps)]
        raw = [time_raw_sqlite(Path(tmp) / "bench.db", n, 100 + s) for s in range(reps)]
    report("SQLite  ", statistics.median(ours), statistics.median(raw), "raw executemany")
    schema, url = pg_schema_url(args.pg)
    try:
        ours = [asyncio.run(time_record_many(url, n, s)) for s in range(reps)]
        raw = [time_raw_postgres(url, n, 100 + s) for s in range(reps)]
    finally:
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
    report("Postgres", statistics.median(ours), statistics.median(raw), "raw COPY       ")


def report(store: str, ours: float, raw: float, raw_name: str) -> None:
    print(f"  {store} record_many         {ours:>10,.0f}")
    print(f"  {store} {raw_name}     {raw:>10,.0f}   ratio {ours / raw:.2f} (target 0.60)")


if __name__ == "__main__":
    main()
