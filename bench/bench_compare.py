"""compare_models over one million stored records on PostgreSQL.

Run: .venv/bin/python bench/bench_compare.py [--records N] [--pg URL]
Loads N records spread over 30 days into a scratch schema, then prints the median time of
compare_models(3 models, one task) over a week and over all 30 days. By default every record
belongs to the 3 compared models and the one task (the worst case: the window holds them
all); --spread puts them over 10 models and 3 tasks instead.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import psycopg

from selection import ModelCatalog, PerformanceTracker, Router, SimClock, open_store

MODELS = [s.id for s in ModelCatalog.default()]
TASKS = ["logical_reasoning", "creative_generation", "pattern_recognition"]
DAYS = 30


def batch(
    rng: np.random.Generator, start: int, n: int, end: datetime, models: list[str], tasks: list[str]
) -> list[dict]:
    seconds = rng.uniform(0, DAYS * 86400, n)
    quality = rng.random(n)
    latency = rng.lognormal(7, 0.4, n)
    cost = rng.random(n) * 0.01
    return [
        {
            "record_id": f"b{start + i}",
            "model_id": models[(start + i) % len(models)],
            "task_type": tasks[(start + i) % len(tasks)],
            "quality_score": float(quality[i]),
            "response_time_ms": float(latency[i]),
            "cost": float(cost[i]),
            "timestamp": end - timedelta(seconds=float(seconds[i])),
        }
        for i in range(n)
    ]


async def run(url: str, n: int, spread: bool) -> None:
    end = datetime(2026, 6, 1, tzinfo=UTC)
    rng = np.random.default_rng(0)
    async with open_store(url) as store:
        tracker = PerformanceTracker(store, Router(ModelCatalog.default(), clock=SimClock(end)))
        t0 = time.perf_counter()
        for start in range(0, n, 100_000):
            size = min(100_000, n - start)
            models, tasks = (MODELS, TASKS) if spread else (MODELS[:3], TASKS[:1])
            await tracker.record_many(batch(rng, start, size, end, models, tasks))
        print(f"loaded {n:,} records in {time.perf_counter() - t0:.1f} s")
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            await conn.execute("ANALYZE model_performance_records")  # as autovacuum would
        models = MODELS[:3]
        for hours in (168, DAYS * 24):
            times = []
            for _ in range(10):
                t0 = time.perf_counter()
                report = await tracker.compare_models(models, TASKS[0], time_window_hours=hours)
                times.append(time.perf_counter() - t0)
            seen = sum(report["models"][m]["total_requests"] for m in models)
            print(
                f"compare_models 3 models, {hours:4d} h window ({seen:,} records): "
                f"median {statistics.median(times) * 1000:.0f} ms (target < 300 ms)"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--spread", action="store_true", help="10 models and 3 tasks")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    schema = f"gp_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        asyncio.run(run(f"{args.pg}?options=-csearch_path%3D{schema}", args.records, args.spread))
    finally:
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    main()
