"""model-release scaled up: 1,000 agents and about a million requests, persisted to SQLite.

Run: .venv/bin/python bench/bench_scenario.py [--requests N] [--agents N] [--steps N]
Prints wall time, requests per second and peak memory (max RSS) of the whole run.
Targets: under 60 s and under 2 GB.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time

from scenarios.run import run_scenario
from scenarios.spec import load_scenario


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
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"model-release x{args.agents} agents, {args.steps} steps")
    print(
        f"  requests      {result.requests_generated:,} (all {result.records_written:,} persisted)"
    )
    print(f"  wall time     {elapsed:.1f} s   (target < 60 s)")
    print(f"  throughput    {result.requests_generated / elapsed:,.0f} requests/s")
    print(f"  peak memory   {peak_mb:,.0f} MB   (target < 2,048 MB)")
    print(f"  80% takeover  {result.summary['requests_to_80pct']}")


if __name__ == "__main__":
    main()
