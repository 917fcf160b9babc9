"""``genesis-prime evaluate TRACE``: replay a benchmark trace, print and write the figures."""

from __future__ import annotations

import argparse
import functools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the evaluation (numpy, the Router) loads when the command runs
    from rich.console import Console

    from scenarios.evaluation.policies import PolicySpec
    from scenarios.evaluation.traces import Trace
    from selection import ModelCatalog

__all__ = ["SEED_WEIGHTS", "add_evaluate_command", "parse_weight_list", "resolve_policies"]

SEED_WEIGHTS = (0.0, 0.5, 1.0)
"""The weights every weighted policy runs at first when ``--weights`` is not given."""


def parse_weight_list(text: str) -> tuple[float, ...]:
    """Parse ``0,0.25,0.5`` into cost weights."""
    weights = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        try:
            weights.append(float(part))
        except ValueError:
            raise ValueError(f"cost weight {part!r} is not a number") from None
    if not weights:
        raise ValueError("--weights is empty; give e.g. 0,0.1,0.2")
    return tuple(weights)


@functools.cache
def all_policies() -> dict[str, PolicySpec]:
    """Every policy the command knows by name.

    The baselines, the selector, and the selector with a hive of 12 agents voting every 500
    requests.
    """
    from scenarios.evaluation.agents_voter import agents_hive_policy
    from scenarios.evaluation.policies import POLICIES

    return {**POLICIES, "selector+hive": agents_hive_policy(every=500)}


def resolve_policies(names: Sequence[str] | None, trace: Trace) -> tuple[list[PolicySpec], str]:
    """The named policies (comma lists allowed), or every one that applies to the trace.

    Returns:
        The specs, and a note on any default policy left out (empty if none).

    Raises:
        ValueError: naming an unknown policy.
    """
    known = all_policies()
    if not names:
        chosen = [p for p in known.values() if trace.has_latency or not p.needs_latency]
        left = [p.name for p in known.values() if p not in chosen]
        note = f"left out {', '.join(left)}: the trace has no latency" if left else ""
        return chosen, note
    picked: dict[str, PolicySpec] = {}
    for name in (n.strip() for group in names for n in group.split(",")):
        if not name:
            continue
        spec = known.get(name)
        if spec is None:
            raise ValueError(f"unknown policy {name!r}; use one of: {', '.join(known)}")
        picked[name] = spec
    if not picked:
        raise ValueError("--policy is empty")
    return list(picked.values()), ""


def _catalog(name: str) -> ModelCatalog:
    """A catalog file, else a built-in catalog by name (``seed``, ``current``), as elsewhere."""
    from selection import ConfigError, ModelCatalog

    if not Path(name).exists():
        try:
            return ModelCatalog.builtin(name)
        except ConfigError:
            pass  # not a built-in name either: say that the file cannot be read
    return ModelCatalog.load(name)


async def _evaluate(args: argparse.Namespace, console: Console) -> None:
    from scenarios.evaluation.bandit import DEFAULT_WEIGHTS, EvaluationConfig, evaluate
    from scenarios.evaluation.builtin_traces import trace_file
    from scenarios.evaluation.formats import load_trace
    from scenarios.evaluation.plots import draw_frontier, draw_regret
    from scenarios.evaluation.summary import build_report, print_report, write_csv
    from scenarios.figures import save_figure

    catalog = _catalog(args.catalog) if args.catalog else None
    trace = load_trace(trace_file(args.trace), format=args.format, catalog=catalog)
    policies, note = resolve_policies(args.policy, trace)
    if args.weights is not None:
        weights = parse_weight_list(args.weights)
        points = args.frontier_points
    else:  # spread the default's eleven points along cost, not along the weight
        weights = SEED_WEIGHTS
        points = len(DEFAULT_WEIGHTS) if args.frontier_points is None else args.frontier_points
    config = EvaluationConfig(
        weights=weights,
        frontier_points=points,
        budget=args.budget,
        seed=args.seed,
        shuffle=args.shuffle,
        batch_size=args.batch_size,
        store_dir=Path(args.store_dir) if args.store_dir else None,
    )
    out = Path(args.out) if args.out else Path(f"evaluation-{trace.name}")
    if out.exists() and not out.is_dir():  # said now, not after the whole replay
        raise ValueError(f"--out {out} is a file, not a folder")
    if note:
        console.print(f"[yellow]{note}[/]")
    evaluation = await evaluate(trace, policies, config, catalog=catalog)
    report = build_report(evaluation)
    print_report(report, console)
    written = write_csv(report, out)
    meta = {
        "trace": str(args.trace),
        "format": args.format,
        "prompts": trace.n_prompts,
        "models": list(trace.models),
        "policies": [p.name for p in policies],
        "weights": list(config.weights),
        "seed": config.seed,
        "shuffle": config.shuffle,
        "batch_size": config.batch_size,
        "regret_weight": report.regret_weight,
        "frontier_points": config.frontier_points,
        "weights_run": sorted({r.weight for r in evaluation.runs if r.weight is not None}),
        "budget": config.budget,
    }
    (out / "evaluation.json").write_text(json.dumps(meta, indent=2) + "\n", "utf-8")
    written.append(out / "evaluation.json")
    try:
        written += save_figure(draw_frontier(report), out / "frontier")
        written += save_figure(draw_regret(report), out / "regret")
    except ImportError as exc:
        console.print(f"[yellow]plots skipped: {exc}[/]")
    console.print("wrote " + ", ".join(str(p) for p in written))


def add_evaluate_command(commands: Any) -> None:
    """Add ``evaluate`` to a subparsers object."""
    parser = commands.add_parser(
        "evaluate",
        help="replay a benchmark trace; score the selector and baselines on cost and quality",
        description=(
            "Replay a trace in which every model answered every prompt, with bandit feedback "
            "(each policy sees only its chosen model's outcome), and report quality, cost, "
            "AIQ, CPT and regret against oracles and baselines."
        ),
    )
    parser.set_defaults(handler=_evaluate)
    # Its options list the formats and policies, whose modules import numpy and the Router:
    # they are added when ``evaluate`` is parsed, so that other commands start without them.
    parse = parser.parse_known_args
    added = False

    def parse_known_args(*args: Any, **kwargs: Any) -> Any:
        nonlocal added
        if not added:
            added = True
            _add_arguments(parser)
        return parse(*args, **kwargs)

    parser.parse_known_args = parse_known_args


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    from scenarios.evaluation.bandit import DEFAULT_BATCH_SIZE
    from scenarios.evaluation.formats import FORMATS

    parser.add_argument(
        "trace",
        help="trace file (.csv, .jsonl, or .parquet with pyarrow), or the built-in trace gsm8k",
    )
    parser.add_argument(
        "--format", default="auto", choices=["auto", *FORMATS], help="trace layout (default auto)"
    )
    parser.add_argument(
        "--policy",
        action="append",
        metavar="NAME",
        help=f"repeat or comma-separate; default all that apply: {', '.join(all_policies())}",
    )
    parser.add_argument(
        "--weights",
        help="cost weights in [0, 1], comma-separated; without it, 0, 0.5 and 1, then "
        "weights chosen where the frontier moves (11 points in all)",
    )
    parser.add_argument(
        "--frontier-points",
        type=int,
        metavar="N",
        help="run each weighted policy at N weights: --weights first, then bisecting the "
        "widest gap in cost",
    )
    parser.add_argument(
        "--budget",
        type=float,
        metavar="R",
        help="also run each selector policy paced to R times the strongest single model's "
        "mean cost per request (e.g. 0.5)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--shuffle", action="store_true", help="serve prompts in a seeded order")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH_SIZE,
        help=f"records per write, i.e. the feedback delay (default {DEFAULT_BATCH_SIZE})",
    )
    parser.add_argument(
        "--catalog",
        help="catalog JSON file, or a built-in catalog (seed, current), pricing the trace's "
        "token counts",
    )
    parser.add_argument(
        "--store-dir",
        help="write each run's performance records to a SQLite file here (default: none; "
        "the selector keeps its sums in memory)",
    )
    parser.add_argument("--out", help="output folder (default evaluation-<trace name>)")
