"""``genesis-prime worlds``: a cultural market over influence levels, seeds and parallel worlds."""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from scenarios.markets import load_market, market_names, parse_seeds

if TYPE_CHECKING:
    from hive.market import WorldsRun

__all__ = ["add_worlds_command", "write_worlds"]


def add_worlds_command(commands: Any) -> None:
    """Add ``worlds`` to a subparsers object."""
    worlds = commands.add_parser(
        "worlds", help="parallel worlds of a cultural market under social influence (MusicLab)"
    )
    worlds.add_argument("market", help=f"a built-in ({', '.join(market_names())}) or a .toml path")
    worlds.add_argument("--worlds", type=int, help="worlds per run (default: the market's)")
    worlds.add_argument("--influence", help="comma list of levels in [0, 1], 0 = independent")
    worlds.add_argument("--seeds", help="START:STOP or a comma list (default: the market's)")
    worlds.add_argument("--choices", type=int, help="choices per world (default: the market's)")
    worlds.add_argument("--policy", choices=["signal", "thompson"], help="agents' own choice rule")
    worlds.add_argument("--out", type=Path, help="output folder (default: out/<market>-worlds)")
    worlds.set_defaults(handler=_worlds)


async def _worlds(args: argparse.Namespace, console: Console) -> None:
    import asyncio
    from dataclasses import replace

    from hive.market import summarise, sweep_worlds

    scenario = load_market(args.market)
    changes = {
        k: v
        for k, v in (("worlds", args.worlds), ("choices", args.choices), ("policy", args.policy))
        if v is not None
    }
    config = replace(scenario.config, **changes) if changes else scenario.config
    influence = scenario.influence if args.influence is None else _levels(args.influence)
    seeds = scenario.seeds if args.seeds is None else parse_seeds(args.seeds, where="--seeds")
    rows, runs = await asyncio.to_thread(sweep_worlds, config, influence, seeds)
    table = summarise(rows)
    out = args.out or Path("out") / f"{scenario.name}-worlds"
    written = await asyncio.to_thread(write_worlds, out, rows, table, runs)
    _print(console, scenario.name, config.worlds, len(seeds), table)
    console.print(f"wrote {len(written)} files to {out}/")


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
    return written + plot_worlds(out, table, runs)
