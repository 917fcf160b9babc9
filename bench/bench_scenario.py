"""model-release scaled up: 1,000 agents and about a million requests, persisted to SQLite.

Run: .venv/bin/python bench/bench_scenario.py [--requests N] [--agents N] [--steps N]
Prints wall time, requests per second and peak memory (max RSS) of the whole run, then the
floor: the raw driver inserting the same rows (read back from the run's database) into a
fresh table the store made, in one executemany, and the ratio. Targets: under 60 s, under
2 GB, and at most 3x the raw insert.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sqlite3
import tempfile
import time
from pathlib import Path

from scenarios.run import run_scenario
from scenarios.spec import load_scenario
from selection import open_store
from selection.store._sql import RECORD_COLUMNS


async def _fresh_store(url: str) -> None:
    async with open_store(url):
        pass


def raw_insert_seconds(source: Path, target: Path) -> float:
    """Seconds for sqlite3 to insert the run's rows into a fresh table, in one transaction."""
    names = ", ".join(RECORD_COLUMNS)
    with sqlite3.connect(source) as src:
        rows = src.execute(f"SELECT {names} FROM model_performance_records").fetchall()
    asyncio.run(_fresh_store(f"sqlite:///{target}"))
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    marks = ", ".join("?" * len(RECORD_COLUMNS))
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(f"INSERT INTO model_performance_records ({names}) VALUES ({marks})", rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=1_000)
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    spec = load_scenario("model-release")
    per_step = args.requests / args.steps
    total_rate = sum(t.rate for t in spec.traffic.values())
    traffic = {
        task: t.model_copy(update={"rate": t.rate * per_step / total_rate, "daily_amplitude": 0.0})
        for task, t in spec.traffic.items()
    }
    events = [e.model_copy(update={"step": args.steps // 3}) for e in spec.events]
    spec = spec.model_copy(
        update={
            "steps": args.steps,
            "traffic": traffic,
            "events": tuple(events),
            "agents": spec.agents.model_copy(update={"count": args.agents}),
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        result = run_scenario(spec, db_url=f"sqlite:///{tmp}/bench.db")
        elapsed = time.perf_counter() - started
        raw = raw_insert_seconds(Path(tmp) / "bench.db", Path(tmp) / "raw.db")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"model-release x{args.agents} agents, {args.steps} steps")
    print(
        f"  requests      {result.requests_generated:,} (all {result.records_written:,} persisted)"
    )
    print(f"  wall time     {elapsed:.1f} s   (target < 60 s)")
    print(f"  throughput    {result.requests_generated / elapsed:,.0f} requests/s")
    print(f"  peak memory   {peak_mb:,.0f} MB   (target < 2,048 MB)")
    print(f"  80% takeover  {result.summary['requests_to_80pct']}")
    print(f"  raw insert    {raw:.1f} s   (sqlite3 executemany of the same rows, fresh table)")
    print(f"  ratio         {elapsed / raw:.1f}x the raw insert   (target <= 3x)")


if __name__ == "__main__":
    main()
