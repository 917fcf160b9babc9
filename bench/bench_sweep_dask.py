"""A sweep of 64 short model-release runs: one process, the local pool, and Dask (LocalCluster).

Run: .venv/bin/python bench/bench_sweep_dask.py [--runs 64] [--steps 30] [--workers 2]
Prints the wall time of each executor, the speed-up over one process, Dask's start-up time and
its overhead per task (64 no-op tasks on a running cluster), and checks that all three give the
same rows.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from distributed import LocalCluster

from scenarios.executors import map_tasks
from scenarios.spec import load_scenario
from scenarios.sweep import sweep


def _noop(item: int) -> int:
    return item


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=64)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    spec = load_scenario("model-release")
    events = tuple(e.model_copy(update={"step": args.steps // 3}) for e in spec.events)
    spec = spec.model_copy(update={"steps": args.steps, "events": events})
    seeds = range(args.runs)

    timed: dict[str, float] = {}
    rows = {}
    for name, options in (
        ("one process", {"workers": 1}),
        (f"local pool x{args.workers}", {"workers": args.workers}),
    ):
        started = time.perf_counter()
        rows[name] = sweep(spec, seeds=seeds, **options)
        timed[name] = time.perf_counter() - started

    started = time.perf_counter()
    with LocalCluster(
        n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        startup = time.perf_counter() - started
        address = cluster.scheduler_address
        map_tasks(_noop, [0, 1], executor="dask", scheduler=address)  # warm the workers
        started = time.perf_counter()
        map_tasks(_noop, list(range(args.runs)), executor="dask", scheduler=address)
        per_task = (time.perf_counter() - started) / args.runs
        name = f"dask x{args.workers} (running cluster)"
        started = time.perf_counter()
        rows[name] = sweep(spec, seeds=seeds, executor="dask", scheduler=address)
        timed[name] = time.perf_counter() - started

    serial = timed["one process"]
    print(f"{args.runs} runs of model-release, {args.steps} steps; {os.cpu_count()} CPUs")
    for name, seconds in timed.items():
        print(f"  {name:<32} {seconds:7.1f} s   speed-up {serial / seconds:4.2f}x")
    print(f"  dask LocalCluster start-up       {startup:7.1f} s")
    print(f"  dask overhead per task           {per_task * 1000:7.1f} ms (no-op round trip)")
    print(f"  one run, one process             {serial / args.runs:7.2f} s")
    reference = rows["one process"]
    for name, table in rows.items():
        np.testing.assert_equal(table, reference, err_msg=name)
    print("  rows identical across executors: yes")


if __name__ == "__main__":
    main()
