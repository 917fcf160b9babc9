"""Forgetting on the built-in quality-drift and outage scenarios, by half-life.

Run: .venv/bin/python bench/bench_forgetting.py [--seeds 7,1,2,3,4]
         [--half-lives none,3,6,12,24,change] [--startup 100000] [--pg URL]

A half-life ``change`` (or ``change:H``) is ``forget="change"``: the all-time sums until a
detected change, then the evidence since it, aged with a half-life of H hours (3 by default).

quality-drift: the middle model's quality drops by 0.2 at step 50. Printed: the task's
requests from the drift until the drifted model serves under half of a task it served the
majority of (the choice moved), summed over those tasks; "never" when it did not move by the
end of the run.

outage: the middle model fails 9 calls in 10 for steps 50-64, then recovers. Printed: its
share of logical_reasoning (where it is the oracle's choice) over the 55 steps after it
recovers, and the regret of the run and of those 55 steps, for the selector, the hive and
the static assignment (which does not learn, so the half-life does not change it).

steady-state: nothing changes; printed is the regret, which is what forgetting costs.

start-up (``--startup N``): the seconds ``PerformanceTracker.start()`` takes to rebuild the
Router from N stored records (SQLite; PostgreSQL too with ``--pg``), per forgetting mode, the
median of three starts, measured side by side in one run.

Every figure is a median over the seeds (regret per seed with --verbose). Targets: some
half-life gives the recovered model at least half of its task after the outage, and forgetting
lowers the regret summed over the three scenarios. Measured (5 seeds, hourly steps): 6 h is
best for the selector (221 against 390 without forgetting), 3 h for the hive (295 against 452).
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Sequence
from typing import Any

from scenarios.run import RunResult, run_scenario
from scenarios.spec import ScenarioSpec, load_scenario

DRIFTED = "sim/mid"
DRIFT_STEP = 50
RECOVERED_AT = 65  # outage from step 50 for 15 steps
OUTAGE_TASK = "logical_reasoning"


Setting = float | str | None  # a half-life in hours, "change" / "change:H", or None (never)


def _selector(setting: Setting) -> dict[str, Any]:
    if isinstance(setting, str):
        hours = setting.partition(":")[2]
        return {"forget": "change", "half_life_hours": float(hours) if hours else None}
    return {"forget": None, "half_life_hours": setting}


def _with_half_life(spec: ScenarioSpec, seed: int, half_life: Setting) -> ScenarioSpec:
    selector = {**spec.selector.model_dump(), **_selector(half_life)}
    return spec.with_overrides(seed=seed, selector=selector)


def _shares(result: RunResult, task: str, model: str) -> dict[int, tuple[float, float]]:
    """Per step: (the model's share of the task, the task's requests)."""
    found: dict[int, tuple[float, float]] = {}
    totals: dict[int, float] = {}
    for row in result.traffic:
        if row["task"] != task:
            continue
        totals[row["step"]] = totals.get(row["step"], 0.0) + row["requests"]
        if row["model"] == model:
            found[row["step"]] = (row["share"], 0.0)
    return {s: (found.get(s, (0.0, 0.0))[0], n) for s, n in totals.items()}


def records_until_moved(result: RunResult) -> int | None:
    """Requests after the drift until the drifted model lost the majority of its tasks."""
    total = 0
    for task in sorted(result.spec.traffic):
        shares = _shares(result, task, DRIFTED)
        before = shares.get(DRIFT_STEP - 1, (0.0, 0.0))[0]
        if before < 0.5:
            continue  # it did not hold this task: nothing to move
        seen = 0.0
        for step in range(DRIFT_STEP, result.spec.steps):
            share, n = shares.get(step, (0.0, 0.0))
            seen += n
            if share < 0.5:
                break
        else:
            return None
        total += int(seen)
    return total


def outage_figures(result: RunResult) -> dict[str, float]:
    shares = _shares(result, OUTAGE_TASK, DRIFTED)
    after = [shares[s] for s in range(RECOVERED_AT, result.spec.steps) if s in shares]
    served = sum(share * n for share, n in after)
    requests = sum(n for _, n in after)
    regret_after = sum(m["regret"] for m in result.metrics if m["step"] >= RECOVERED_AT)
    return {
        "share_after": served / requests if requests else float("nan"),
        "regret": float(result.summary["cumulative_regret"]),
        "regret_after": regret_after,
    }


def _label(half_life: Setting) -> str:
    if isinstance(half_life, str):
        return half_life
    return "none" if half_life is None else f"{half_life:g} h"


def _parse(text: str) -> Setting:
    if text == "none":
        return None
    return text if text.startswith("change") else float(text)


def _median(values: Sequence[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default="7,1,2,3,4")
    parser.add_argument("--half-lives", default="none,3,6,12,24")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--startup", type=int, help="also time start-up on this many records")
    parser.add_argument("--pg", help="with --startup: a PostgreSQL URL to time as well")
    parser.add_argument("--startup-only", action="store_true", help="skip the scenarios")
    args = parser.parse_args()
    if args.startup:
        startup_figures(args.startup, args.pg)
        if args.startup_only:
            return
    seeds = [int(s) for s in args.seeds.split(",")]
    half_lives = [_parse(h) for h in args.half_lives.split(",")]
    drift, outage = load_scenario("quality-drift"), load_scenario("outage")

    print(
        f"quality-drift: requests until {DRIFTED} loses its tasks after the drift, and regret "
        "(medians)"
    )
    print(
        f"  {'half-life':>9}  {'moved sel':>9}  {'hive':>9}  {'regret sel':>10}  {'hive':>7}"
        "   moved per seed (selector)"
    )
    for h in half_lives:
        row: dict[str, list[int | None]] = {}
        regret: dict[str, float] = {}
        for policy in ("selector", "hive"):
            runs = [run_scenario(_with_half_life(drift, s, h), policy=policy) for s in seeds]
            row[policy] = [records_until_moved(r) for r in runs]
            regret[policy] = _median([float(r.summary["cumulative_regret"]) for r in runs])
        cells = [_moved(row[p]) for p in ("selector", "hive")]
        print(
            f"  {_label(h):>9}  {cells[0]:>9}  {cells[1]:>9}  {regret['selector']:>10.1f}  "
            f"{regret['hive']:>7.1f}   {row['selector']}"
        )

    print(
        f"\noutage: {DRIFTED}'s share of {OUTAGE_TASK} in steps {RECOVERED_AT}-"
        f"{outage.steps - 1} (it is the oracle's choice there), and regret (medians)"
    )
    static = [
        outage_figures(run_scenario(_with_half_life(outage, s, None), policy="static"))
        for s in seeds
    ]
    print(
        f"  {'half-life':>9}  {'share sel':>9}  {'share hive':>10}  {'regret sel':>10}  "
        f"{'regret hive':>11}  {'static':>7}  {'after: sel':>10}  {'hive':>7}  {'static':>7}"
    )
    static_regret = _median([f["regret"] for f in static])
    static_after = _median([f["regret_after"] for f in static])
    for h in half_lives:
        figures: dict[str, list[dict[str, Any]]] = {}
        for policy in ("selector", "hive"):
            figures[policy] = [
                outage_figures(run_scenario(_with_half_life(outage, s, h), policy=policy))
                for s in seeds
            ]

        def med(policy: str, key: str, figures: dict[str, list[dict[str, Any]]] = figures) -> float:
            return _median([f[key] for f in figures[policy]])

        print(
            f"  {_label(h):>9}  {med('selector', 'share_after'):>9.1%}  "
            f"{med('hive', 'share_after'):>10.1%}  {med('selector', 'regret'):>10.1f}  "
            f"{med('hive', 'regret'):>11.1f}  {static_regret:>7.1f}  "
            f"{med('selector', 'regret_after'):>10.1f}  {med('hive', 'regret_after'):>7.1f}  "
            f"{static_after:>7.1f}"
        )
        if args.verbose:
            for policy in ("selector", "hive"):
                per_seed = [round(f["regret"], 1) for f in figures[policy]]
                print(f"      {policy} regret per seed {per_seed}")
    print("  target: some half-life gives the recovered model >= 50% of its task after the outage")

    steady = load_scenario("steady-state")
    print("\nsteady-state: regret when nothing changes (what forgetting costs; medians)")
    print(f"  {'half-life':>9}  {'selector':>9}  {'hive':>9}")
    for h in half_lives:
        regrets = {
            policy: _median(
                [
                    float(
                        run_scenario(_with_half_life(steady, s, h), policy=policy).summary[
                            "cumulative_regret"
                        ]
                    )
                    for s in seeds
                ]
            )
            for policy in ("selector", "hive")
        }
        print(f"  {_label(h):>9}  {regrets['selector']:>9.1f}  {regrets['hive']:>9.1f}")


def startup_figures(n: int, pg_url: str | None) -> None:
    """Seconds to rebuild the Router from ``n`` stored records, per forgetting mode."""
    import asyncio
    import tempfile
    import time
    from datetime import UTC, datetime, timedelta
    from pathlib import Path

    import numpy as np

    from selection import ModelCatalog, PerformanceRecord, PerformanceTracker, Router, open_store

    catalog = ModelCatalog.default()
    models = [spec.id for spec in catalog][:6]
    tasks = sorted(catalog.tasks)[:6]
    rng = np.random.default_rng(1)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    records = [
        PerformanceRecord(
            record_id=f"s{i}",
            model_id=models[i % len(models)],
            task_type=tasks[(i // 7) % len(tasks)],
            quality_score=float(rng.uniform(0.5, 1.0)),
            response_time_ms=float(rng.lognormal(7, 0.4)),
            cost=0.001,
            error_occurred=bool(rng.random() < 0.02),
            timestamp=start + timedelta(seconds=i * 30),  # 100k records: 35 days
        )
        for i in range(n)
    ]
    modes: dict[str, dict[str, Any]] = {
        "none": {},
        "6 h": {"half_life_hours": 6.0},
        "change": {"forget": "change"},
    }

    async def measure(url: str) -> dict[str, float]:
        async with open_store(url) as store:
            for i in range(0, n, 20_000):
                await store.add_records(records[i : i + 20_000])
        times: dict[str, list[float]] = {label: [] for label in modes}
        for _ in range(3):
            for label, options in modes.items():  # alternated, so load hits all alike
                async with open_store(url) as store:
                    tracker = PerformanceTracker(store, Router(catalog, **options))
                    t0 = time.perf_counter()
                    await tracker.start()
                    times[label].append(time.perf_counter() - t0)
        return {label: _median(values) for label, values in times.items()}

    with tempfile.TemporaryDirectory() as folder:
        urls = {"SQLite": f"sqlite:///{Path(folder) / 'startup.db'}"}
        if pg_url:
            urls["PostgreSQL"] = pg_url
        print(f"start-up: seconds to rebuild the Router from {n:,} records (median of 3)")
        print(f"  {'store':>10}  " + "  ".join(f"{label:>8}" for label in modes))
        for name, url in urls.items():
            figures = asyncio.run(measure(url))
            print(f"  {name:>10}  " + "  ".join(f"{figures[m]:>8.2f}" for m in modes))
    print()


def _moved(values: list[int | None]) -> str:
    if any(v is None for v in values):
        never = sum(v is None for v in values)
        known = [v for v in values if v is not None]
        return f"never x{never}" if not known else f"{_median(known):.0f}*"
    return f"{_median([float(v) for v in values if v is not None]):.0f}"


if __name__ == "__main__":
    main()
