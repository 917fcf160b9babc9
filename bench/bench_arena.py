"""arena-history over the whole window (2023-05..2025-03), 1,000 requests a week, 100 agents.

Run: .venv/bin/python bench/bench_arena.py [--repeat N] [--requests N] [--agents N]
Prints the wall time of each run (hive policy, every call persisted to SQLite) and the median;
also the time to load the data and build the scenario. Target: under 30 s per run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from scenarios.run import run_scenario
from scenarios.spec import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--requests", type=float, default=1_000)
    parser.add_argument("--agents", type=int, default=100)
    args = parser.parse_args()
    started = time.perf_counter()
    spec = load_scenario("arena-history")
    build = time.perf_counter() - started
    traffic = {t: s.model_copy(update={"rate": args.requests}) for t, s in spec.traffic.items()}
    agents = spec.agents.model_copy(update={"count": args.agents})
    spec = spec.model_copy(update={"traffic": traffic, "agents": agents})
    times = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            result = run_scenario(spec, db_url=f"sqlite:///{tmp}/bench.db")
            times.append(time.perf_counter() - started)
    print(f"arena-history: {spec.steps} weekly steps, {len(spec.models)} priced models, "
          f"{len(spec.events)} events, {args.agents} agents")  # fmt: skip
    print(f"  load + build  {build:.2f} s")
    print(f"  requests      {result.requests_generated:,} ({result.records_written:,} persisted)")
    print(f"  wall time     {', '.join(f'{t:.1f}' for t in times)} s")
    print(f"  median        {statistics.median(times):.1f} s   (target < 30 s)")


if __name__ == "__main__":
    main()
