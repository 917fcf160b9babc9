"""``genesis-prime jury``: a consensus of 1 to 200 agents against one agent, pooling, Condorcet."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the jury (numpy, scipy, networkx) and rich load when the command runs
    from rich.console import Console
    from rich.table import Table

    from scenarios.jury import JuryRow

__all__ = ["add_jury_command", "render"]


def add_jury_command(commands: Any) -> None:
    """Add ``jury`` to a subparsers object."""
    cmd = commands.add_parser(
        "jury",
        help="wisdom of the crowd: P(the consensus names the best model) by jury size",
    )
    cmd.add_argument("--trials", type=int, default=100, help="juries per size (default 100)")
    cmd.add_argument(
        "--sizes", default="1,2,3,5,10,20,30,50,100,200",
        help="jury sizes, comma-separated (default 1,2,3,5,10,20,30,50,100,200)",
    )  # fmt: skip
    cmd.add_argument("--calls", type=int, default=3, help="answers per model per agent (own)")
    cmd.add_argument("--stream", type=int, default=300, help="answers per model (split)")
    cmd.add_argument("--seed", type=int, default=0)
    cmd.add_argument("--out", type=Path, default=Path("out/jury"), help="folder for CSV and plot")
    cmd.set_defaults(handler=_jury)


async def _jury(args: argparse.Namespace, console: Console) -> None:
    import asyncio

    from scenarios.jury import JuryConfig, jury_curves, plot_jury, write_csv

    try:
        sizes = tuple(int(s) for s in args.sizes.split(",") if s.strip())
    except ValueError:
        raise ValueError(
            f"--sizes must be integers separated by commas, got {args.sizes!r}"
        ) from None
    config = JuryConfig(
        sizes=sizes, trials=args.trials, calls=args.calls, stream=args.stream, seed=args.seed
    )
    rows = await asyncio.to_thread(jury_curves, config)
    args.out.mkdir(parents=True, exist_ok=True)
    written = [write_csv(rows, args.out / "jury.csv")]
    from scenarios.figures import save_figure

    written += save_figure(plot_jury(rows), args.out / "jury")
    for regime in ("own", "split"):
        console.print(render(rows, regime))
    console.print("wrote " + ", ".join(str(p) for p in written))


def render(rows: list[JuryRow], regime: str) -> Table:
    """P(best) (and Kendall tau) per jury size and method for one regime."""
    from rich.table import Table

    mine = [r for r in rows if r["regime"] == regime]
    methods = list(dict.fromkeys(r["method"] for r in mine))
    trials = mine[0]["trials"] if mine else 0
    title = "each agent brings its own calls" if regime == "own" else "a fixed stream split"
    table = Table(title=f"{title}: P(best) / tau over {trials} juries")
    table.add_column("agents", justify="right")
    for name in methods:
        table.add_column(name, justify="right")
    for n in dict.fromkeys(r["agents"] for r in mine):
        cells = []
        for name in methods:
            row = next(r for r in mine if r["agents"] == n and r["method"] == name)
            tau = "" if math.isnan(row["tau"]) else f" / {row['tau']:.2f}"
            cells.append(f"{row['p_best']:.2f}{tau}")
        table.add_row(str(n), *cells)
    return table
