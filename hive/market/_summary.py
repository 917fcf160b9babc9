"""Many runs of parallel worlds per influence level, summarised as MusicLab reports them."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from hive.market._metrics import gini, lock_in, quality_success_tau, unpredictability
from hive.market._worlds import MarketConfig, WorldsRun, run_worlds

__all__ = ["SUMMARY_METRICS", "measure_run", "summarise", "sweep_worlds"]

SUMMARY_METRICS = ("gini", "u", "quality_success_tau", "lock_in_share", "wrong_lock_in_share")
"""Per-run measures that :func:`summarise` gives a mean and a 95% interval over seeds."""

_MEASURES = (*SUMMARY_METRICS, "lock_in_time", "best_share")  # the keys of measure_run's dict

WorldsJob = tuple[MarketConfig, float, int]
"""One run's arguments: the market, the influence level and the seed."""

RunMapper = Callable[
    [Callable[[WorldsJob], WorldsRun], Sequence[WorldsJob]], Sequence[WorldsRun | str]
]
"""Applies a run function to every job (e.g. in parallel) and returns, in the jobs' order,
each run or, for a job that failed, a message naming the error."""


def measure_run(run: WorldsRun) -> dict[str, float]:
    """The run's measures over its worlds.

    A world is locked in when its final leader has led since before half its choices;
    wrongly so when that leader is not the best model.
    """
    shares = run.shares
    since, leader = lock_in(run.trajectory)
    locked_at = np.where(since < len(run.at), run.at[np.minimum(since, len(run.at) - 1)], -1)
    locked = (locked_at >= 0) & (locked_at <= run.at[-1] / 2)
    best = int(np.argmax(run.quality))
    return {
        "gini": float(gini(shares).mean()),
        "u": unpredictability(shares),
        "quality_success_tau": float(np.nanmean(quality_success_tau(run.quality, shares))),
        "lock_in_share": float(locked.mean()),
        "wrong_lock_in_share": float((locked & (leader != best)).mean()),
        "lock_in_time": float(np.median(locked_at[locked])) if locked.any() else math.nan,
        "best_share": float(shares[:, best].mean()),
    }


def sweep_worlds(
    config: MarketConfig,
    influences: Sequence[float],
    seeds: Sequence[int],
    *,
    map_runs: RunMapper | None = None,
) -> tuple[list[dict[str, Any]], dict[tuple[float, int], WorldsRun]]:
    """Run every (influence, seed); return one row per run and the runs themselves.

    Args:
        config: The market.
        influences: Influence levels, each run with every seed.
        seeds: The seeds.
        map_runs: Where the runs happen (one task per run); default: one after another in
            this process. Each run depends only on its job, so the rows are the same either way.

    Returns:
        Rows in the order influences x seeds. A failed run's row has an ``error`` and NaN
        measures, and the run is missing from the dict.
    """
    jobs = [(config, influence, seed) for influence in influences for seed in seeds]
    outcomes = [_run_job(job) for job in jobs] if map_runs is None else map_runs(_run_job, jobs)
    rows: list[dict[str, Any]] = []
    runs: dict[tuple[float, int], WorldsRun] = {}
    for (_, influence, seed), outcome in zip(jobs, outcomes, strict=True):
        if isinstance(outcome, str):
            measures: dict[str, Any] = {**dict.fromkeys(_MEASURES, math.nan), "error": outcome}
        else:
            runs[(influence, seed)] = outcome
            measures = measure_run(outcome)
        rows.append({"influence": influence, "seed": seed, **measures})
    return rows, runs


def _run_job(job: WorldsJob) -> WorldsRun:
    """One run of :func:`sweep_worlds` (module level, so it can be sent to worker processes)."""
    config, influence, seed = job
    return run_worlds(config, influence, seed)


def summarise(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per influence level: each metric's mean and 95% t-interval over seeds.

    ``seeds`` counts the runs that finished; failed runs (with an ``error``) are left out.
    """
    levels: dict[float, list[dict[str, Any]]] = {}
    for row in rows:
        levels.setdefault(row["influence"], []).append(row)
    table = []
    for influence, members in levels.items():
        members = [m for m in members if "error" not in m]  # failed runs count for nothing
        out: dict[str, Any] = {"influence": influence, "seeds": len(members)}
        for metric in SUMMARY_METRICS:
            mean, lo, hi = _interval([m[metric] for m in members])
            out[f"{metric}_mean"], out[f"{metric}_lo"], out[f"{metric}_hi"] = mean, lo, hi
        table.append(out)
    return table


def _interval(values: Sequence[float]) -> tuple[float, float, float]:
    from scipy import stats

    x = np.asarray([v for v in values if math.isfinite(v)], dtype=float)
    if x.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if x.size < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return mean, mean - half, mean + half
