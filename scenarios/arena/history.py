"""What the ``arena-history`` replay shows: per date, the board's #1, the oracle, the choices.

Runs the scenario under the hive and the selector (same seed, same traffic), then compares
each with the as-of board and three rules that read the hidden ratings: the best model on day
one kept for good, always the current #1, and always the cheapest within 50 rating points of
the #1. The rules' regret is their expected regret (the oracle's true value minus theirs, per
request), the same quantity the runs accumulate.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from scenarios.arena.loader import load_history
from scenarios.oracle import true_values
from scenarios.run import SHARE_TO_WIN, RunResult
from scenarios.spec import ScenarioSpec
from scenarios.world import World

__all__ = ["RULES", "HistoryReport", "analyse_history", "rating_gap"]

RULES = ("day_one", "current_top", "cheapest_within_50")
"""Rules that read the hidden ratings: upper bounds on what knowing the board is worth."""

WITHIN_POINTS = 50.0


def rating_gap(quality: float) -> float:
    """A strength (win probability against the reference) back on the rating scale."""
    q = min(max(quality, 1e-9), 1 - 1e-9)
    return 400.0 * math.log10(q / (1.0 - q))


@dataclass
class HistoryReport:
    """Per-date rows, per-policy totals and the adoption of each frontier release."""

    rows: list[dict[str, Any]]
    totals: dict[str, dict[str, float]]
    adoption: list[dict[str, Any]]
    unpriced: list[str] = field(default_factory=list)


def analyse_history(
    spec: ScenarioSpec, runs: dict[str, RunResult], *, routed: Collection[str] | None = None
) -> HistoryReport:
    """Compare the runs (``hive``, ``selector``) with the board, step by step.

    Args:
        spec: the scenario the runs ran.
        runs: the runs by policy name.
        routed: the models the whole scenario routes, when ``spec`` is a shortened run of it
            (which reaches fewer of them); :attr:`HistoryReport.unpriced` is the rest of the
            history's models. Default: ``spec``'s models.
    """
    task = next(iter(spec.traffic))
    start = spec.start.date()
    step_days = spec.step_minutes / (24 * 60)
    history = load_history()
    priced = {m.id for m in spec.models}
    weights = next(iter(runs.values())).spec.selector.weights if runs else spec.selector.weights
    world = World(spec)
    chosen = {name: _modal_choices(run) for name, run in runs.items()}
    requests = {name: [m["requests"] for m in run.metrics] for name, run in runs.items()}
    n_steps = spec.steps
    rows: list[dict[str, Any]] = []
    totals = {name: {"requests": 0.0, "regret": 0.0, "cost": 0.0, "quality": 0.0} for name in RULES}
    day_one: str | None = None
    for step in range(n_steps):
        world.step = step
        for event in spec.events:
            if event.step == step:
                world.apply(event)
        active = world.active
        values = true_values(world, task, weights, active)
        quality = {m: world.behaviour(m, task).quality for m in active}
        cost = {m: _expected_cost(world, m, task) for m in active}
        oracle = max(values, key=lambda m: (values[m], m))
        top = max(quality, key=lambda m: (quality[m], m))
        if day_one is None:
            day_one = top
        near = [m for m in active if rating_gap(quality[top]) - rating_gap(quality[m]) <= 50]
        cheap = min(near, key=lambda m: (cost[m], m))
        rule_choice = {
            "day_one": day_one if day_one in quality else top,
            "current_top": top,
            "cheapest_within_50": cheap,
        }
        day = start + timedelta(days=step * step_days)
        board = history.board(day)
        leader = max(board, key=lambda m: (board[m], m)) if board else None
        n = next(iter(requests.values()))[step] if requests else 0.0
        row: dict[str, Any] = {
            "step": step, "date": day.isoformat(), "arena_leader": leader,
            "arena_leader_priced": leader in priced, "top_priced": top, "oracle": oracle,
        }  # fmt: skip
        for name, picks in chosen.items():
            row[name] = picks[step]
        for name, pick in rule_choice.items():
            row[name] = pick
            totals[name]["requests"] += n
            totals[name]["regret"] += n * (values[oracle] - values[pick])
            totals[name]["cost"] += n * cost[pick]
            totals[name]["quality"] += n * quality[pick]
        rows.append(row)
    for name, run in runs.items():
        s = run.summary
        totals[name] = {
            "requests": float(s["requests"]),
            "regret": float(s["cumulative_regret"]),
            "cost": float(s["total_cost"]),
            "quality": float(s["mean_quality"]) * float(s["requests"]),
        }
    for t in totals.values():
        t["regret_per_request"] = t["regret"] / t["requests"] if t["requests"] else math.nan
        t["mean_quality"] = t["quality"] / t["requests"] if t["requests"] else math.nan
    kept = priced if routed is None else set(routed)
    unpriced = sorted(m for m in history.ratings if m not in kept)
    adoption = _adoption(rows, runs, start, step_days)
    return HistoryReport(rows, totals, adoption, unpriced)


def _expected_cost(world: World, model: str, task: str) -> float:
    b = world.behaviour(model, task)
    price_in, price_out = world.prices(model)
    return (b.tokens_in * price_in + b.tokens_out * price_out) / 1000.0


def _modal_choices(run: RunResult) -> list[str | None]:
    """The model that served most of each step's traffic (None: no traffic)."""
    counts: dict[int, Counter[str]] = {}
    for row in run.traffic:
        counts.setdefault(int(row["step"]), Counter())[str(row["model"])] += int(row["requests"])
    picks: list[str | None] = []
    for step in range(run.spec.steps):
        c = counts.get(step)
        best = max(c.items(), key=lambda kv: (kv[1], kv[0])) if c else None
        picks.append(best[0] if best and best[1] > 0 else None)
    return picks


def _adoption(
    rows: list[dict[str, Any]], runs: dict[str, RunResult], start: date, step_days: float
) -> list[dict[str, Any]]:
    """For each model that became the top priced model: requests and days to 80% of traffic."""
    frontier: list[tuple[str, int]] = []
    seen: set[str] = set()
    for row in rows:
        if row["top_priced"] not in seen:
            seen.add(row["top_priced"])
            frontier.append((row["top_priced"], row["step"]))
    out = []
    for model, became in frontier[1:]:  # the day-one top was never "released" into the run
        entry: dict[str, Any] = {
            "model": model, "top_from": (start + timedelta(days=became * step_days)).isoformat()
        }  # fmt: skip
        for name, run in runs.items():
            share: dict[int, float] = {}
            total: dict[int, int] = {}
            for r in run.traffic:
                total[int(r["step"])] = total.get(int(r["step"]), 0) + int(r["requests"])
                if r["model"] == model:
                    share[int(r["step"])] = float(r["share"])
            seen_requests = 0
            entry[f"{name}_requests"] = entry[f"{name}_days"] = None
            for step in range(became, run.spec.steps):
                seen_requests += total.get(step, 0)
                if share.get(step, 0.0) >= SHARE_TO_WIN:
                    entry[f"{name}_requests"] = seen_requests
                    entry[f"{name}_days"] = round((step - became) * step_days)
                    break
        out.append(entry)
    return out
