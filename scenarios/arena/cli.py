"""``genesis-prime arena history|categories|ballots``: the Chatbot Arena replays."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scenarios.runfolder import RunFolder

if TYPE_CHECKING:
    from rich.console import Console

    from scenarios.run import RunResult
    from scenarios.spec import ScenarioSpec

__all__ = ["add_arena_command"]

POLICIES = ("hive", "selector")


def add_arena_command(commands: Any) -> None:
    """Add ``arena`` and its sub-commands to a subparsers object."""
    arena = commands.add_parser("arena", help="replay the LLM market from Chatbot Arena's data")
    which = arena.add_subparsers(dest="arena_command", required=True, metavar="WHAT")

    history = which.add_parser("history", help="weekly replay 2023-05..2025-03 (arena-history)")
    categories = which.add_parser("categories", help="the 2025-12 board by category")
    for sub, name in ((history, "arena-history"), (categories, "arena-categories")):
        sub.add_argument("--scenario", default=name, help=f"a TOML with an [arena] table ({name})")
        sub.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
        sub.add_argument("--steps", type=int, help="number of steps (default: the scenario's)")
        sub.add_argument("--agents", type=int, help="hive size (default: the scenario's)")
        sub.add_argument("--requests", type=float, help="requests per step, all tasks together")
        sub.add_argument("--db", help="database URL for the hive run (default: SQLite in --out)")
        sub.add_argument("--out", type=Path, help=f"output folder (default: out/{name})")
    history.set_defaults(handler=_history)
    categories.set_defaults(handler=_categories)

    ballots = which.add_parser("ballots", help="the hive votes pairwise, as Arena's crowd does")
    ballots.add_argument("--category", default="full", help="board category (default: full)")
    ballots.add_argument("--top", type=int, default=0, help="only the top N models (0: all)")
    ballots.add_argument("--votes", type=int, default=64_000, help="ballots in all")
    ballots.add_argument("--agents", type=int, default=100, help="voters")
    ballots.add_argument("--seed", type=int, default=0, help="random seed")
    ballots.add_argument("--out", type=Path, default=Path("out/arena-ballots"))
    ballots.set_defaults(handler=_ballots)


def _spec(args: argparse.Namespace) -> ScenarioSpec:
    from scenarios.spec import load_scenario

    spec = load_scenario(args.scenario)
    overrides: dict[str, Any] = {
        k: v for k, v in (("seed", args.seed), ("steps", args.steps)) if v is not None
    }
    if args.requests is not None:
        if not args.requests > 0:  # NaN too
            raise ValueError("--requests must be above 0")
        total = sum(t.rate for t in spec.traffic.values())
        overrides["traffic"] = {
            task: {**t.model_dump(), "rate": t.rate * args.requests / total}
            for task, t in spec.traffic.items()
        }
    if args.agents is not None:
        overrides["agents.count"] = args.agents
    # Validated as a scenario file's values are (a hive of at least one agent, a rate that
    # fits a step), before anything is written.
    return spec.with_overrides(**overrides) if overrides else spec


def _run_both(spec: ScenarioSpec, out: Path, db: str | None) -> dict[str, RunResult]:
    from scenarios.eventlog import EventLog

    # Replaces only what an earlier arena run wrote here; refuses anything else.
    from scenarios.run import run_scenario

    files = [f"events{'' if p == 'hive' else f'-{p}'}.jsonl.gz" for p in POLICIES]
    files += [f"records-{p}.db{suffix}" for p in POLICIES for suffix in ("", "-wal", "-shm")]
    folder = RunFolder(out, files, command=f"arena {spec.name}", overwrite=True)
    runs = {}
    try:
        for policy in POLICIES:
            db_url = (
                db if db and policy == "hive" else None
            ) or f"sqlite:///{out / f'records-{policy}.db'}"
            name = "events.jsonl.gz" if policy == "hive" else f"events-{policy}.jsonl.gz"
            with EventLog(out / name) as log:
                runs[policy] = run_scenario(spec, policy=policy, db_url=db_url, log=log)
    except BaseException as exc:
        folder.fail(exc)
        raise
    folder.complete()
    return runs


async def _history(args: argparse.Namespace, console: Console) -> None:
    import asyncio

    from rich.table import Table

    from scenarios.arena.history import RULES, analyse_history
    from scenarios.arena.loader import load_history
    from scenarios.arena.plots import plot_market
    from scenarios.outputs import write_rows
    from scenarios.spec import load_scenario

    spec = _spec(args)
    out = args.out or Path("out") / spec.name
    out.mkdir(parents=True, exist_ok=True)
    runs = await asyncio.to_thread(_run_both, spec, out, args.db)
    # The scenario's own models, not only those a shortened run (--steps) reaches.
    report = analyse_history(spec, runs, routed=[m.id for m in load_scenario(args.scenario).models])
    write_rows(out / "arena_history.csv", report.rows)
    write_rows(out / "arena_adoption.csv", report.adoption)
    write_rows(out / "arena_totals.csv", [{"policy": k, **v} for k, v in report.totals.items()])
    for policy, run in runs.items():
        write_rows(out / f"metrics-{policy}.csv", run.metrics)
    plot = plot_market(out / "market", runs["hive"], report.rows)[0]
    table = Table(title=f"{spec.name}: who serves the traffic, as the board changes")
    for column in ("date", "arena #1", "#1 priced", "oracle", "hive", "selector"):
        table.add_column(column)
    stride = max(1, len(report.rows) // 12)
    for row in report.rows[::stride]:
        table.add_row(row["date"], str(row["arena_leader"]), row["top_priced"], row["oracle"],
                      str(row["hive"]), str(row["selector"]))  # fmt: skip
    console.print(table)
    totals = Table(title="per policy (rules read the hidden ratings)")
    for column in ("policy", "regret/request", "mean strength", "cost $"):
        totals.add_column(column, justify="right")
    for name in (*POLICIES, *RULES):
        t = report.totals[name]
        totals.add_row(name, f"{t['regret_per_request']:.4f}", f"{t['mean_quality']:.3f}",
                       f"{t['cost']:,.2f}")  # fmt: skip
    console.print(totals)
    adopted = Table(title="time to adopt each new #1 (80% of traffic)")
    for column in ("model", "#1 from", "hive requests", "hive days", "selector requests",
                   "selector days"):  # fmt: skip
        adopted.add_column(column)
    for a in report.adoption:
        adopted.add_row(a["model"], a["top_from"], *(_never(a[f"{p}_{k}"]) for p in POLICIES
                        for k in ("requests", "days")))  # fmt: skip
    console.print(adopted)
    console.print(
        f"{len(report.unpriced)} of {len(load_history().ratings)} history models have "
        f"no known price and are left out of routing; wrote {out}/ (market: {plot})"
    )


def _never(value: object) -> str:
    return "never" if value is None else f"{value:,}" if isinstance(value, int) else str(value)


async def _categories(args: argparse.Namespace, console: Console) -> None:
    import asyncio

    from rich.table import Table

    from scenarios.arena.categories import analyse_categories
    from scenarios.outputs import write_rows

    spec = _spec(args)
    out = args.out or Path("out") / spec.name
    out.mkdir(parents=True, exist_ok=True)
    runs = await asyncio.to_thread(_run_both, spec, out, args.db)
    rows, frontiers = analyse_categories(spec, runs)
    write_rows(out / "arena_categories.csv", rows)
    write_rows(out / "arena_frontier.csv", [f for task in frontiers.values() for f in task])
    table = Table(title=f"{spec.name}: chosen model per task (last fifth of the run) vs hindsight")
    for column in ("task", "hindsight", "value", "hive", "value", "selector", "value"):
        table.add_column(column)
    for r in rows:
        picks = [
            str(r["hive"]),
            _fmt(r["hive_value"]),
            str(r["selector"]),
            _fmt(r["selector_value"]),
        ]
        table.add_row(r["task"], r["hindsight"], f"{r['hindsight_value']:.3f}", *picks)
    console.print(table)
    for name, run in runs.items():
        s = run.summary
        console.print(
            f"{name}: regret/request {s['regret_per_request']:.4f}, "
            f"mean strength {s['mean_quality']:.3f}, cost ${s['total_cost']:,.2f}"
        )
    console.print(f"frontier sizes: {', '.join(f'{t} {len(f)}' for t, f in frontiers.items())}")
    console.print(f"wrote {out}/")


def _fmt(value: float | None) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.3f}"


async def _ballots(args: argparse.Namespace, console: Console) -> None:
    import asyncio

    import numpy as np
    from rich.table import Table

    from scenarios.arena.ballots import ballot_curve
    from scenarios.arena.loader import load_board
    from scenarios.arena.plots import plot_ballots
    from scenarios.outputs import write_rows

    if args.votes < 2:
        raise ValueError("--votes must be at least 2")
    board = load_board()
    ranked = board.ranking(args.category)
    models = ranked[: args.top] if args.top > 0 else ranked
    category = board.category(args.category)
    checkpoints = sorted({min(args.votes, 250 * 2**k) for k in range(20)})
    curve = await asyncio.to_thread(
        ballot_curve, {m: category[m] for m in models}, checkpoints=checkpoints,
        agents=args.agents, rng=np.random.default_rng(args.seed),
    )  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    write_rows(args.out / "ballots.csv", curve.rows)
    title = f"{args.category}: {len(models)} models, {args.agents} agents voting pairwise"
    plot = plot_ballots(args.out / "ballots", curve.rows, title)[0]
    table = Table(title=f"the hive's board vs the published {args.category} board")
    for column in ("ballots", "Kendall tau", "hive #1", "inside #1's 95% interval"):
        table.add_column(column, justify="right")
    for r in curve.rows:
        table.add_row(f"{r['votes']:,}", f"{r['kendall_tau']:.3f}", str(r["hive_top"]),
                      "yes" if r["top_inside"] else "no")  # fmt: skip
    console.print(table)
    needed = (
        "not within the votes cast" if curve.votes_needed is None else f"{curve.votes_needed:,}"
    )
    console.print(f"published #1: {ranked[0]}; ballots until the hive's #1 stays inside: {needed}")
    console.print(f"wrote {args.out / 'ballots.csv'} and {plot}")
