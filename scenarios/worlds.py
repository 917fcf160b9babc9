"""``genesis-prime worlds`` and ``genesis-prime crowds``: markets and crowds under influence.

``worlds`` runs a cultural market over influence levels, seeds and parallel worlds; ``crowds``
measures the wisdom of crowds on networks (Golub & Jackson 2010; Lorenz et al. 2011).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from hive.market import FOLLOWS, NETWORKS
from scenarios.executors import EXECUTORS, ExecutorName
from scenarios.markets import load_market, market_names, parse_seeds
from selection import GenesisError

if TYPE_CHECKING:
    from rich.console import Console

    from hive.market import WorldsRun

__all__ = ["add_worlds_command", "crowds_tables", "tasks_mapper", "write_worlds"]

_CROWD_GRAPHS = ("complete", "small_world", "scale_free", "star")

T = TypeVar("T")
R = TypeVar("R")


def add_worlds_command(commands: Any) -> None:
    """Add ``worlds`` and ``crowds`` to a subparsers object."""
    worlds = commands.add_parser(
        "worlds", help="parallel worlds of a cultural market under social influence (MusicLab)"
    )
    worlds.add_argument("market", help=f"a built-in ({', '.join(market_names())}) or a .toml path")
    worlds.add_argument("--worlds", type=int, help="worlds per run (default: the market's)")
    worlds.add_argument("--influence", help="comma list of levels in [0, 1], 0 = independent")
    worlds.add_argument("--seeds", help="START:STOP or a comma list (default: the market's)")
    worlds.add_argument("--choices", type=int, help="choices per world (default: the market's)")
    worlds.add_argument("--policy", choices=["signal", "thompson"], help="agents' own choice rule")
    worlds.add_argument(
        "--network", choices=NETWORKS, help="whose choices a follower sees (default: the market's)"
    )
    worlds.add_argument(
        "--follow", choices=FOLLOWS, help="what a follower weighs (default: the market's)"
    )
    worlds.add_argument(
        "--executor", choices=EXECUTORS,
        help="one task per (influence, seed) on a local process pool or a Dask cluster "
        "(default: every run in this process)",
    )  # fmt: skip
    worlds.add_argument("--workers", type=int, help="processes (with --executor; default: CPUs)")
    worlds.add_argument("--scheduler", help="with --executor dask: a scheduler address")
    worlds.add_argument("--out", type=Path, help="output folder (default: out/<market>-worlds)")
    worlds.set_defaults(handler=_worlds)
    crowds = commands.add_parser(
        "crowds", help="wisdom of crowds on networks (Golub & Jackson; Lorenz et al. 2011)"
    )
    crowds.add_argument("--sizes", default="25,100,400", help="crowd sizes for Golub-Jackson")
    crowds.add_argument("--trials", type=int, default=100, help="signal draws per crowd")
    crowds.add_argument("--agents", type=int, default=12, help="group size for Lorenz rounds")
    crowds.add_argument("--influence", type=float, default=0.3, help="Lorenz: step to neighbours")
    crowds.add_argument("--rounds", type=int, default=5, help="Lorenz: rounds after the first")
    crowds.add_argument("--seed", type=int, default=0)
    crowds.add_argument("--out", type=Path, help="also write crowds_wisdom.csv, crowds_lorenz.csv")
    crowds.set_defaults(handler=_crowds)


async def _worlds(args: argparse.Namespace, console: Console) -> None:
    import asyncio
    from dataclasses import replace

    from hive.market import summarise, sweep_worlds

    scenario = load_market(args.market)
    changes = {
        k: v
        for k, v in (
            ("worlds", args.worlds),
            ("choices", args.choices),
            ("policy", args.policy),
            ("network", args.network),
            ("follow", args.follow),
        )
        if v is not None
    }
    config = replace(scenario.config, **changes) if changes else scenario.config
    influence = scenario.influence if args.influence is None else _levels(args.influence)
    seeds = scenario.seeds if args.seeds is None else parse_seeds(args.seeds, where="--seeds")
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be at least 1, got {args.workers}")
    parallel = args.executor is not None or args.workers is not None or args.scheduler is not None
    map_runs = (
        tasks_mapper(args.executor or "local", args.workers, args.scheduler, console.print)
        if parallel
        else None
    )
    rows, runs = await asyncio.to_thread(sweep_worlds, config, influence, seeds, map_runs=map_runs)
    table = summarise(rows)
    out = args.out or Path("out") / f"{scenario.name}-worlds"
    written = await asyncio.to_thread(write_worlds, out, rows, table, runs)
    _print(console, scenario.name, config.worlds, len(seeds), table)
    console.print(f"wrote {len(written)} files to {out}/")
    failed = [row for row in rows if "error" in row]
    for row in failed:
        console.print(
            f"run failed (influence={row['influence']:g}, seed={row['seed']}): {row['error']}",
            markup=False,
        )
    if failed:
        raise GenesisError(f"{len(failed)} of {len(rows)} runs failed (see above)")


def tasks_mapper(
    executor: ExecutorName,
    workers: int | None = None,
    scheduler: str | None = None,
    announce: Callable[[str], None] | None = None,
) -> Callable[[Callable[[T], R], Sequence[T]], list[R | str]]:
    """A ``map_runs`` for :func:`hive.market.sweep_worlds` on :func:`scenarios.executors.map_tasks`.

    A task that raised gives its error message in its place, so the other runs still finish.
    """
    from scenarios.executors import TaskFailed, map_tasks

    def map_runs(fn: Callable[[T], R], items: Sequence[T]) -> list[R | str]:
        outcomes = map_tasks(
            fn, items, executor=executor, workers=workers, scheduler=scheduler, announce=announce
        )
        return [o.error if isinstance(o, TaskFailed) else o for o in outcomes]

    return map_runs


def _levels(text: str) -> tuple[float, ...]:
    try:
        levels = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise ValueError(f"--influence {text!r}: use a comma list of numbers in [0, 1]") from None
    if not levels or any(not 0.0 <= v <= 1.0 for v in levels):
        raise ValueError(f"--influence {text!r}: use a comma list of numbers in [0, 1]")
    return levels


def _print(
    console: Console, name: str, worlds: int, seeds: int, table: Sequence[dict[str, Any]]
) -> None:
    from rich.table import Table

    out = Table(title=f"{name}: {worlds} worlds x {seeds} seeds per level (95% interval)")
    for title in ("influence", "Gini", "U", "tau quality-success", "lock-in", "wrong lock-in"):
        out.add_column(title, justify="right")
    for row in table:
        out.add_row(
            f"{row['influence']:g}",
            _ci(row, "gini"),
            _ci(row, "u", ".4f"),
            _ci(row, "quality_success_tau"),
            _ci(row, "lock_in_share", ".2f"),
            _ci(row, "wrong_lock_in_share", ".2f"),
        )
    console.print(out)


def _ci(row: dict[str, Any], metric: str, fmt: str = ".3f") -> str:
    mean, lo, hi = row[f"{metric}_mean"], row[f"{metric}_lo"], row[f"{metric}_hi"]
    if math.isnan(lo):
        return format(mean, fmt)
    return f"{mean:{fmt}} [{lo:{fmt}}, {hi:{fmt}}]"


def write_worlds(
    out: Path,
    rows: Sequence[dict[str, Any]],
    table: Sequence[dict[str, Any]],
    runs: dict[tuple[float, int], WorldsRun],
) -> list[Path]:
    """Write worlds_summary.csv, worlds_runs.csv, worlds_shares.csv and the plots."""
    from scenarios.market_plots import plot_worlds
    from scenarios.outputs import write_rows

    out.mkdir(parents=True, exist_ok=True)
    shares = [
        {"influence": influence, "seed": seed, "world": w, "model": m,
         "quality": float(run.quality[m]), "choices": int(run.counts[w, m]),
         "share": float(run.shares[w, m])}
        for (influence, seed), run in runs.items()
        for w in range(run.counts.shape[0])
        for m in range(run.counts.shape[1])
    ]  # fmt: skip
    written = [
        write_rows(out / "worlds_summary.csv", table),
        write_rows(out / "worlds_runs.csv", rows),
        write_rows(out / "worlds_shares.csv", shares),
    ]
    return written + (plot_worlds(out, table, runs) if runs else [])


def crowds_tables(
    sizes: Sequence[int], *, trials: int, agents: int, influence: float, rounds: int, seed: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Golub-Jackson rows (graph x size) and Lorenz rows (graph x round, and the control)."""
    import networkx as nx
    import numpy as np

    from hive import build_graph
    from hive.market import crowd_wisdom, lorenz_rounds

    def graph(kind: str, n: int, rng: np.random.Generator) -> nx.Graph:
        return nx.star_graph(n - 1) if kind == "star" else build_graph(kind, n, rng=rng)

    wisdom: list[dict[str, Any]] = []
    for kind in _CROWD_GRAPHS:
        for n in sizes:
            shape, luck = np.random.default_rng([seed, n]).spawn(2)
            result = crowd_wisdom(graph(kind, n, shape), rng=luck, trials=trials, tol=1e-8)
            wisdom.append({"graph": kind, **vars(result)})
    lorenz: list[dict[str, Any]] = []
    for kind in ("control", *_CROWD_GRAPHS[:3]):
        shape, luck = np.random.default_rng(seed).spawn(2)  # one crowd of signals for all graphs
        g = build_graph("complete" if kind == "control" else kind, agents, rng=shape)
        level = 0.0 if kind == "control" else influence
        rows = lorenz_rounds(g, level, rng=luck, rounds=rounds, trials=max(trials, 1000))
        lorenz.extend({"graph": kind, **row} for row in rows)
    return wisdom, lorenz


async def _crowds(args: argparse.Namespace, console: Console) -> None:
    import asyncio

    from rich.table import Table

    from scenarios.outputs import write_rows

    try:
        sizes = tuple(int(v) for v in args.sizes.split(",") if v.strip())
    except ValueError:
        raise ValueError(f"--sizes {args.sizes!r}: use a comma list of integers >= 5") from None
    if not sizes or min(sizes) < 5:
        raise ValueError(f"--sizes {args.sizes!r}: use a comma list of integers >= 5")
    if args.agents < 5 or args.trials < 1 or args.rounds < 1:
        raise ValueError("--agents must be >= 5, --trials and --rounds >= 1")
    wisdom, lorenz = await asyncio.to_thread(
        crowds_tables,
        sizes,
        trials=args.trials,
        agents=args.agents,
        influence=args.influence,
        rounds=args.rounds,
        seed=args.seed,
    )
    table = Table(title="Golub & Jackson: DeGroot consensus error (truth 0, signal sd 1)")
    for title in ("graph", "agents", "max weight", "predicted sd", "observed RMS", "iterations"):
        table.add_column(title, justify="right")
    for row in wisdom:
        table.add_row(
            row["graph"], str(row["agents"]), f"{row['max_weight']:.4f}",
            f"{row['predicted_error']:.4f}", f"{row['observed_error']:.4f}", str(row["iterations"]),
        )  # fmt: skip
    console.print(table)
    table = Table(title=f"Lorenz et al.: {args.agents} agents, influence {args.influence:g}")
    for title in ("graph", "round", "diversity", "collective error", "truth in range",
                  "wisdom indicator", "confidence"):  # fmt: skip
        table.add_column(title, justify="right")
    for row in lorenz:
        if row["round"] in (0, args.rounds):
            table.add_row(
                row["graph"], str(row["round"]), f"{row['diversity']:.3f}",
                f"{row['collective_error']:.3f}", f"{row['truth_in_range']:.3f}",
                f"{row['wisdom_indicator']:.3f}", f"{row['confidence']:.2f}",
            )  # fmt: skip
    console.print(table)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        write_rows(args.out / "crowds_wisdom.csv", wisdom)
        write_rows(args.out / "crowds_lorenz.csv", lorenz)
        console.print(f"wrote crowds_wisdom.csv and crowds_lorenz.csv to {args.out}/")
