"""A/B tests through ABTestManager: analysis time at 1M records per arm, and full-size simulations.

Run: .venv/bin/python bench/bench_abtest.py            (SQLite and PostgreSQL, 1M per arm,
                                                        2,000 simulated tests per scenario)
     .venv/bin/python bench/bench_abtest.py --records 100000 --sims 300   (a quick look)

Prints, with a fixed seed:
  * time to write 1M tagged records per arm (the triggers keep the per-arm sums), then the
    time of analyze_test_results and monitor() on that test (median of repeats), next to a
    plain GROUP BY over the records, which is what the per-arm sums save;
  * A/A tests read after every batch: false-positive rate of the always-valid analysis vs
    naive peeking at the fixed-horizon p-value;
  * power at the planned sample size for a lift of the planned size;
  * coverage of the fixed-horizon intervals and of the confidence sequence (every look).
Each simulated test runs the full path: assignment, tagged records in the database, the
triggers' sums, analyze_test_results.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import psycopg

from selection import DynamicModelManager, PerformanceRecord, SimClock
from selection.abtest import assign
from selection.records import METRIC_COLUMNS

SEED = 20260301
T0 = datetime(2026, 3, 1, tzinfo=UTC)
CHAMPION, CHALLENGER, TASK = (
    "openrouter/claude-3-sonnet",
    "openrouter/gpt-4-turbo",
    "logical_reasoning",
)
BATCH = 50_000


def records(n: int, rng: np.random.Generator, start: int) -> list[PerformanceRecord]:
    """``n`` calls split 50/50 (by arm label here: the bench times storage and analysis)."""
    arm_b = rng.random(n) < 0.5
    quality = np.clip(rng.normal(0.7 + 0.002 * arm_b, 0.15), 0, 1)
    latency = rng.lognormal(7.0 + 0.01 * arm_b, 0.6)
    cost = rng.gamma(4.0, 0.0005, n)
    errors = rng.random(n) < 0.02
    ts = T0 + timedelta(minutes=1)
    return [
        PerformanceRecord.model_construct(
            record_id=f"b{start + i}",
            model_id=CHALLENGER if arm_b[i] else CHAMPION,
            task_type=TASK,
            prompt_hash="",
            quality_score=float(quality[i]),
            response_time_ms=float(latency[i]),
            cost=float(cost[i]),
            error_occurred=bool(errors[i]),
            error_type=None,
            timestamp=ts,
            context_data={},
            ab_test_id="bench",
            ab_arm="b" if arm_b[i] else "a",
            ab_phase=0,
            **dict.fromkeys(set(METRIC_COLUMNS) - {"quality_score", "response_time_ms", "cost"}),
        )
        for i in range(n)
    ]


async def timing(url: str, label: str, per_arm: int, repeats: int) -> None:
    rng = np.random.default_rng(SEED)
    clock = SimClock(T0)
    async with DynamicModelManager(url, clock=clock) as manager:
        ab = manager.ab_test_manager
        await ab.create_test(CHAMPION, CHALLENGER, TASK, test_id="bench", min_runtime_hours=0)
        total, write = 2 * per_arm, 0.0
        for offset in range(0, total, BATCH):
            batch = records(min(BATCH, total - offset), rng, offset)
            start = time.perf_counter()
            await manager.store.add_records(batch)
            write += time.perf_counter() - start
        clock.advance(timedelta(hours=1))
        analyses = []
        for _ in range(repeats):
            t = time.perf_counter()
            report = await ab.analyze_test_results("bench")
            analyses.append(time.perf_counter() - t)
        t = time.perf_counter()
        await ab.monitor("bench")
        monitor = time.perf_counter() - t
        group_by = await plain_group_by(manager, url)
    n = report["sample_ratio"]["observed"]
    method = report["metrics"]["response_time_ms"]["rank_test"]["method"]
    print(
        f"{label:10s} {n[0]:>9,} / {n[1]:>9,} records   write {total / write:>9,.0f} rec/s   "
        f"analyze {statistics.median(analyses) * 1e3:7.1f} ms (median of {repeats}, latency "
        f"by {method})   monitor {monitor * 1e3:7.1f} ms   plain GROUP BY {group_by * 1e3:7.0f} ms"
    )


async def plain_group_by(manager: DynamicModelManager, url: str) -> float:
    """What one analysis would cost scanning the records (three metrics, no latency ranks)."""
    sums = ", ".join(
        f"COUNT({c}), SUM({c}), SUM({c} * {c})"
        for c in ("quality_score", "cost", "response_time_ms")
    )
    sql = (
        f"SELECT ab_arm, COUNT(*), SUM(CASE WHEN error_occurred THEN 1 ELSE 0 END), {sums} "
        "FROM model_performance_records WHERE ab_test_id = 'bench' GROUP BY ab_arm"
    )
    start = time.perf_counter()
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute(sql).fetchall()
    else:
        async with await psycopg.AsyncConnection.connect(url) as conn:
            await (await conn.execute(sql)).fetchall()
    return time.perf_counter() - start


# -- simulations through the manager --------------------------------------------------------


async def simulate(url: str, *, sims: int, looks: int, lift: float, seed: int) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    baseline, sd, mde = 0.5, 0.1, 0.1
    async with DynamicModelManager(url, clock=SimClock(T0)) as manager:
        ab = manager.ab_test_manager
        history, tests = [], []
        for i in range(sims):
            task = manager.catalog.declare_task(f"sim_{i}")
            history += [
                PerformanceRecord(model_id=CHAMPION, task_type=task, quality_score=float(q))
                for q in np.clip(rng.normal(baseline, sd, 200), 0.0, 1.0)
            ]
        await manager.performance_tracker.record_many(history)
        for i in range(sims):
            test_id = await ab.create_test(
                CHAMPION, CHALLENGER, f"sim_{i}", test_id=f"sim-{seed}-{i}", guardrails=[],
                mde=mde, min_samples_per_arm=2, min_runtime_hours=0,
            )  # fmt: skip
            tests.append(await ab.get_test(test_id))
        truth = baseline * lift
        naive = dict.fromkeys((t.test_id for t in tests), False)
        sequence = dict.fromkeys((t.test_id for t in tests), True)
        last: dict[str, dict] = {}
        for look in range(looks):
            batch = []
            for test in tests:
                for j in range(math.ceil(test.sample_size / looks)):
                    arm = assign(test, f"{look}-{j}")
                    mean = baseline + (truth if arm.arm == "b" else 0.0)
                    batch.append(
                        PerformanceRecord(
                            record_id=f"{test.test_id}-{look}-{j}",
                            model_id=arm.model_id,
                            task_type=test.spec.task_types[0],
                            quality_score=float(np.clip(rng.normal(mean, sd), 0, 1)),
                            ab_test_id=test.test_id,
                            ab_arm=arm.arm,
                            ab_phase=0,
                        )
                    )
            await manager.performance_tracker.record_many(batch)
            for test in tests:
                quality = (await ab.analyze_test_results(test.test_id))["metrics"]["quality_score"]
                naive[test.test_id] |= quality["significant"]
                low, high = quality["sequential"]["ci"]
                sequence[test.test_id] &= (low is None or low <= truth) and (
                    high is None or truth <= high
                )
                last[test.test_id] = quality

    def rate(values: list[bool]) -> float:
        return float(np.mean(values))

    return {
        "sequential": rate([q["sequential"]["significant"] for q in last.values()]),
        "naive": rate(list(naive.values())),
        "fixed_covers": rate([q["ci"][0] <= truth <= q["ci"][1] for q in last.values()]),
        "lift_covers": rate(
            [q["relative_ci"][0] <= lift <= q["relative_ci"][1] for q in last.values()]
        ),
        "sequence_covers": rate(list(sequence.values())),
        "units_per_test": float(np.mean([t.sample_size for t in tests])),
    }


async def simulations(folder: Path, sims: int, looks: int) -> None:
    print(f"\n== {sims:,} simulated tests per row, {looks} looks each, alpha 0.05, SQLite ==")
    print(
        f"{'scenario':34s} {'always-valid':>12s} {'naive peek':>10s} {'fixed CI':>9s} "
        f"{'lift CI':>8s} {'CS, all looks':>13s}"
    )
    for name, lift, seed in (
        ("A/A (false-positive rate)", 0.0, 1),
        ("+10% lift (power, plan 0.80)", 0.1, 2),
    ):
        start = time.perf_counter()
        url = f"sqlite:///{folder / f'sim-{seed}.db'}"
        r = await simulate(url, sims=sims, looks=looks, lift=lift, seed=seed)
        print(
            f"{name:34s} {r['sequential']:12.4f} {r['naive']:10.4f} {r['fixed_covers']:9.4f} "
            f"{r['lift_covers']:8.4f} {r['sequence_covers']:13.4f}   "
            f"({r['units_per_test']:.0f} units/test, {time.perf_counter() - start:.0f} s)"
        )


def pg_schema_url(base: str) -> tuple[str, str]:
    schema = f"gp_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return schema, f"{base}?options=-csearch_path%3D{schema}"


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--records", type=int, default=1_000_000, help="records per arm (0: no timing)"
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--sims", type=int, default=2000, help="simulated tests per scenario (0: none)"
    )
    parser.add_argument("--looks", type=int, default=10)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    print(f"seed={SEED}")
    with tempfile.TemporaryDirectory() as tmp:
        if args.records:
            print(f"== analysing a test with {args.records:,} records per arm ==")
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            await timing(url, "SQLite", args.records, args.repeats)
        if args.records and not args.no_postgres:
            schema, url = pg_schema_url(args.pg)
            try:
                await timing(url, "PostgreSQL", args.records, args.repeats)
            finally:
                with psycopg.connect(args.pg, autocommit=True) as conn:
                    conn.execute(f"DROP SCHEMA {schema} CASCADE")
        if args.sims:
            await simulations(Path(tmp), args.sims, args.looks)


if __name__ == "__main__":
    asyncio.run(main())
