"""``genesis-prime hive-value``: the hive against the selector alone and the controls."""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING, Any

from scenarios.names import builtin_names

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from scenarios.hive_value import HiveValue

__all__ = ["add_hive_value_command", "render"]


def add_hive_value_command(commands: Any) -> None:
    """Add ``hive-value`` to a subparsers object."""
    cmd = commands.add_parser(
        "hive-value",
        help="paired regret of the hive against the selector alone and the controls",
    )
    cmd.add_argument(
        "scenarios", nargs="*", help="built-in names or .toml paths (default: every built-in)"
    )
    cmd.add_argument("--seeds", type=int, default=10, help="seeds 0..N-1 (default 10)")
    cmd.add_argument("--steps", type=int, help="number of steps (default: each scenario's)")
    cmd.add_argument(
        "--channel", choices=("evidence", "verdict"),
        help="override agents.channel in every scenario (default: each scenario's own)",
    )  # fmt: skip
    cmd.add_argument("--workers", type=int, help="processes (default: one per CPU)")
    cmd.set_defaults(handler=_hive_value)


async def _hive_value(args: argparse.Namespace, console: Console) -> None:
    import asyncio

    from scenarios.hive_value import hive_value

    if args.seeds < 2:
        raise ValueError("--seeds must be at least 2 for a paired interval")
    names = args.scenarios or builtin_names()
    overrides = {"channel": args.channel} if args.channel else None
    results = await asyncio.to_thread(
        hive_value, names, range(args.seeds), steps=args.steps, overrides=overrides,
        workers=args.workers,
    )  # fmt: skip
    console.print(render(results))


def render(results: list[HiveValue]) -> Table:
    """One row per scenario: mean regret per policy, the hive's paired value, failures."""
    import statistics

    from rich.table import Table

    from scenarios.hive_value import POLICIES

    seeds = len(results[0].seeds) if results else 0
    table = Table(title=f"true regret, mean over {seeds} seeds (common random numbers)")
    table.add_column("scenario")
    for policy in POLICIES:
        table.add_column(policy, justify="right")
    for name in ("value of hive [95% CI]", "p", "hive won", "failed calls hive/sel"):
        table.add_column(name, justify="right")
    for r in results:
        v = r.paired()
        table.add_row(
            r.scenario,
            *(f"{statistics.fmean(r.regret[p]):.1f}" for p in POLICIES),
            f"{v['value']:+.1f} [{v['low']:+.1f}, {v['high']:+.1f}]",
            "-" if math.isnan(v["p"]) else f"{v['p']:.2g}",
            f"{int(v['won'])}/{len(r.seeds)}",
            f"{statistics.fmean(r.failed['hive']):.0f}/"
            f"{statistics.fmean(r.failed['selector']):.0f}",
        )
    return table
