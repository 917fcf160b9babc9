"""The ``genesis-prime`` command line: catalog, recommendations, status, and a demo run."""

from __future__ import annotations

import argparse
import math
import sys
import warnings
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from selection.abtest.cli import add_ab_commands
from selection.ask_cli import add_ask_command
from selection.cli_options import add_output_options_to_commands
from selection.errors import GenesisError
from selection.names import BUDGET_HELP, BUILTIN_CATALOGS, FORGET_MODES, NO_ELIGIBLE_POLICIES

if TYPE_CHECKING:  # pydantic, rich and the manager (httpx, scipy) load when a command runs
    from rich.console import Console

    from selection.budget import BudgetLike
    from selection.catalog import ModelCatalog
    from selection.catalog_import import PriceEntry
    from selection.manager import DynamicModelManager

__all__ = [
    "add_output_options_to_commands",
    "add_selection_commands",
    "build_parser",
    "configure_logging",
    "main",
    "one_line_error",
    "parse_weights",
    "print_status",
    "run_handler",
]

Handler = Callable[[argparse.Namespace, "Console"], Coroutine[Any, Any, None] | None]
"""A command: a coroutine function if it awaits I/O, else a plain function (no event loop)."""


def parse_weights(text: str) -> dict[str, float]:
    """Parse ``quality=0.5,cost=0.2`` into a dictionary of priority factors."""
    weights: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"weight {part!r} must look like name=number, e.g. quality=0.5")
        try:
            weights[name.strip()] = float(value)
        except ValueError:
            raise ValueError(f"weight {name.strip()!r} is not a number: {value!r}") from None
    if not weights:
        raise ValueError("--weights is empty; give e.g. quality=0.5,cost=0.2")
    return weights


def _catalog(args: argparse.Namespace) -> ModelCatalog:
    from selection.catalog import ModelCatalog

    if args.catalog is not None and not args.catalog.strip():
        raise ValueError("--catalog is empty; give a catalog file or leave it out")
    if args.catalog in BUILTIN_CATALOGS and not Path(args.catalog).exists():
        return ModelCatalog.builtin(args.catalog)
    return ModelCatalog.load(args.catalog) if args.catalog else ModelCatalog.default()


def _manager(args: argparse.Namespace) -> DynamicModelManager:
    if args.db is not None and not args.db.strip():
        raise ValueError("--db is empty; give a database URL or leave it out")
    from selection.manager import DynamicModelManager

    return DynamicModelManager(
        args.db,
        catalog=_catalog(args),
        half_life_hours=getattr(args, "half_life", None),
        forget=getattr(args, "forget", None),
        on_no_eligible=getattr(args, "on_no_eligible", "raise"),
        budget=budget_option(args),
    )


def budget_option(args: argparse.Namespace) -> BudgetLike | None:
    """``--budget``, read (``None`` when not given)."""
    text = getattr(args, "budget", None)
    if text is None:
        return None
    from selection.budget import parse_budget

    return parse_budget(text)


def _check_limits(args: argparse.Namespace) -> None:
    """``--min-context`` and ``--max-price``, where given, must be numbers that can hold."""
    min_context = getattr(args, "min_context", None)
    if min_context is not None and min_context < 0:
        raise ValueError(f"--min-context must be 0 or more tokens, got {min_context}")
    max_price = getattr(args, "max_price", None)
    if max_price is not None and not (math.isfinite(max_price) and max_price >= 0):
        raise ValueError(f"--max-price must be a finite price of 0 or more, got {max_price}")


def _models(args: argparse.Namespace, console: Console) -> None:
    from rich.console import JustifyMethod
    from rich.table import Table

    _check_limits(args)
    if args.source is not None:
        _price_file(args, console)
        return
    if args.file is not None:
        raise ValueError("--file needs --source litellm or --source arena")
    catalog = _catalog(args)
    specs = catalog.filter(
        task=args.task,
        provider=args.provider,
        max_cost_per_1k_tokens=args.max_price,
        min_context_length=args.min_context,
        include_inactive=args.all,
    )
    dated = "" if catalog.valid_on is None else f", prices as of {catalog.valid_on}"
    table = Table(title=f"{len(specs)} models{dated}")
    for column in ("id", "provider", "$ in/1k", "$ out/1k", "context", "status", "specializations"):
        justify: JustifyMethod = "right" if column.startswith(("$", "con")) else "left"
        table.add_column(column, justify=justify, overflow="fold")
    for s in specs:
        table.add_row(
            s.id,
            s.provider,
            _price(s.input_cost_per_1k_tokens),
            _price(s.output_cost_per_1k_tokens),
            f"{s.context_length:,}",
            s.status.value,
            ", ".join(s.specializations),
        )
    console.print(table)


def _price_file(args: argparse.Namespace, console: Console) -> None:
    """``models --source``: browse a price file's models under their catalog ids."""
    from importlib.resources import as_file

    from rich.console import JustifyMethod
    from rich.table import Table

    from selection.catalog import ModelStatus
    from selection.catalog_build import data_file
    from selection.catalog_import import read_arena_prices, read_litellm_prices

    if args.task is not None or args.catalog is not None:
        raise ValueError("--source lists a price file: --task and --catalog do not apply")
    with as_file(data_file("litellm")) as shipped:
        litellm = read_litellm_prices(
            args.file if args.source == "litellm" and args.file else shipped
        )
    if args.source == "arena":
        with as_file(data_file("arena")) as shipped:
            report = read_arena_prices(args.file or shipped, context_from=litellm.entries)
    else:
        report = litellm
    day = report.valid_on or litellm.valid_on
    rows = [
        e for e in report.entries
        if (args.all or day is None or e.status_on(day) is ModelStatus.ACTIVE)
        and (args.provider is None or e.provider == args.provider)
        and (args.max_price is None or _entry_price_at_most(e, args.max_price))
        and (args.min_context is None or (e.context_length or 0) >= args.min_context)
    ]  # fmt: skip
    dated = "" if report.valid_on is None else f", prices as of {report.valid_on}"
    table = Table(title=f"{len(rows)} models from {args.source}{dated} (USD per 1k tokens)")
    for column in ("id", "source name", "$ in", "$ out", "$ cache read", "context", "deprecated"):
        justify: JustifyMethod = "right" if column.startswith(("$", "con")) else "left"
        table.add_column(column, justify=justify, overflow="fold")
    for e in rows:
        table.add_row(
            e.model_id,
            e.source_key,
            _usd(e.input_cost_per_1k_tokens),
            _usd(e.output_cost_per_1k_tokens),
            _usd(e.cache_read_cost_per_1k_tokens),
            "unknown" if e.context_length is None else f"{e.context_length:,}",
            "-" if e.deprecation_date is None else e.deprecation_date.isoformat(),
        )
    console.print(table)
    if report.skipped:
        reasons = ", ".join(
            f"{n} {why}" for why, n in sorted(report.skipped.items(), key=lambda p: -p[1])
        )
        console.print(f"left out: {reasons}", markup=False)


def _usd(value: float | None) -> str:
    return "-" if value is None else f"{value:.6g}"


def _entry_price_at_most(entry: PriceEntry, ceiling: float) -> bool:
    prices = (entry.input_cost_per_1k_tokens, entry.output_cost_per_1k_tokens)
    return all(p is not None and p <= ceiling for p in prices)


def _price(value: float | None) -> str:
    return "[bold red]unknown[/]" if value is None else f"{value:.4f}"


async def _recommend(args: argparse.Namespace, console: Console) -> None:
    _check_limits(args)
    weights = parse_weights(args.weights) if args.weights is not None else None
    async with _manager(args) as manager:
        rec = await manager.recommend(args.task, weights, min_context_length=args.min_context)
    console.print(f"[bold]{rec.recommended_model_id}[/] for {rec.task_type}")
    console.print(f"confidence   {rec.confidence_score:.3f}")
    cost = "unknown" if rec.cost_estimate is None else f"${rec.cost_estimate:.5f}"
    console.print(f"cost/request {cost}")
    console.print(
        f"factors      {', '.join(f'{k}={v:.2f}' for k, v in rec.recommendation_factors.items())}"
    )
    console.print(f"alternatives {', '.join(rec.alternative_models) or '(none)'}")
    console.print(f"reasoning    {rec.reasoning}")


async def _status(args: argparse.Namespace, console: Console) -> None:
    async with _manager(args) as manager:
        status = await manager.get_system_status()
    print_status(status, console)


def print_status(status: dict[str, Any], console: Console) -> None:
    """Print the seed's dashboard from :meth:`DynamicModelManager.get_system_status`."""
    from rich.console import JustifyMethod
    from rich.table import Table

    console.print("[bold]Dynamic Model Selection Status[/]")
    console.print(f"  database            {status['database']}")
    console.print(f"  current assignments {len(status['current_assignments'])}")
    console.print(f"  active A/B tests    {status['active_ab_tests']}")
    console.print(f"  available models    {status['available_models']}")
    console.print(f"  records             {status['total_records']:,}")
    half_life = status.get("half_life_hours")
    memory = "all-time sums" if half_life is None else f"half-life {half_life:g} h"
    if status.get("forget") == "change":
        memory = "all-time sums until a change, then the evidence since it, aged"
    console.print(f"  evidence            {memory}")
    for task, models in (status.get("changes") or {}).items():
        for model_id, since in models.items():
            console.print(f"  [yellow]changed[/] {model_id} on {task} since {since}")
    for scope, row in (status.get("budgets") or {}).items():
        name = "all tasks" if scope == "*" else scope
        if "error" in row:
            console.print(f"  budget {name}: {row['target']} [bold red]{row['error']}[/]")
            continue
        console.print(
            f"  budget {name}: {row['target']}; spent today ${row['spent']:.4f} of "
            f"${row['allowed']:.4f} allowed so far ({row['spent_share']:.1%}) over "
            f"{row['requests']:,} requests, cost weight {row['cost_weight']:.3f}"
        )
    for task, why in (status.get("degraded_tasks") or {}).items():
        console.print(f"  [bold red]DEGRADED[/] {task}: {why}")
    if status["unpriced_models"]:
        names = ", ".join(status["unpriced_models"])
        console.print(f"  [bold red]price unknown[/]       {names} (their cost is not counted)")
    hours = status["recent_window_hours"]
    table = Table(title=f"Assignments and the last {hours} h")
    for column in ("task", "model", "quality", "avg cost", "avg ms", "errors", "requests"):
        justify: JustifyMethod = "left" if column in ("task", "model") else "right"
        table.add_column(column, justify=justify, overflow="fold")
    for task, perf in status["recent_performance"].items():
        model = status["current_assignments"].get(task, "[red]none eligible[/]")
        if task in (status.get("degraded_tasks") or {}):
            model = f"{model} [bold red](degraded)[/]"
        if "error" in perf:
            table.add_row(task, model, "-", "-", "-", "-", "0")
            continue
        ms = perf["avg_response_time_ms"]
        table.add_row(
            task,
            model,
            f"{perf['avg_quality_score']:.3f}",
            f"${perf['avg_cost']:.4f}",
            "-" if ms is None else f"{ms:,.0f}",
            f"{perf['error_rate']:.1%}",
            f"{perf['total_requests']:,}",
        )
    console.print(table)
    _print_ab(status, console)


def _print_ab(status: dict[str, Any], console: Console) -> None:
    from rich.table import Table

    tests = status.get("ab_tests") or []
    if tests:
        table = Table(title="A/B tests")
        for column in ("test", "status", "tasks", "champion", "challenger", "share", "last"):
            table.add_column(column, overflow="fold")
        for t in tests:
            last = t["last_decision"]
            table.add_row(
                t["test_id"],
                t["status"],
                ", ".join(t["task_types"]),
                t["champion"],
                t["challenger"],
                f"{t['traffic_split']:.0%}",
                "-" if last is None else f"{last['action']}: {last['reason']}",
            )
        console.print(table)
    for d in (status.get("ab_decisions") or [])[:5]:
        console.print(f"  {d['time']} {d['test_id']} {d['action']}: {d['reason']}")


async def _demo(args: argparse.Namespace, console: Console) -> None:
    import tempfile

    from selection.demo import run_demo

    if args.db is not None:
        async with _manager(args) as manager:
            await run_demo(manager, rounds=args.rounds, seed=args.seed, console=console)
            console.print()
            print_status(await manager.get_system_status(), console)
        return
    # Simulated records never land in a real database (nor in $GENESIS_DATABASE_URL's)
    # unless --db names one.
    with tempfile.TemporaryDirectory(prefix="genesis-demo-") as folder:
        temporary = argparse.Namespace(**{**vars(args), "db": f"sqlite:///{folder}/demo.db"})
        async with _manager(temporary) as manager:
            await run_demo(manager, rounds=args.rounds, seed=args.seed, console=console)
            console.print()
            print_status(await manager.get_system_status(), console)
    console.print(
        "(the demo recorded into a temporary database, now deleted: give --db URL to keep it)"
    )


def add_selection_commands(commands: Any) -> None:
    """Add ``models``, ``recommend``, ``status``, ``demo`` and ``ab`` to a subparsers object."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        help="database URL (default: $GENESIS_DATABASE_URL, else $DATABASE_URL, "
        "else sqlite:///genesis_prime.db)",
    )
    common.add_argument(
        "--catalog",
        help=f"a catalog JSON file, or a built-in catalog: {', '.join(BUILTIN_CATALOGS)} "
        "(default: seed, the seed document's models)",
    )
    common.add_argument(
        "--half-life", type=float, metavar="HOURS",
        help="forget old evidence: a record counts half after HOURS (default: never forget)",
    )  # fmt: skip
    common.add_argument(
        "--on-no-eligible", choices=NO_ELIGIBLE_POLICIES, default="raise",
        help="when every model breaches a task's limits: raise (default), or degrade: serve "
        "the best of them and flag it",
    )  # fmt: skip
    common.add_argument(
        "--forget", choices=FORGET_MODES,
        help="never, half-life (with --half-life) or change: forget a model's history on a task "
        "only after its outcomes change (the evidence since then ages with --half-life, 6 h by "
        "default); default: half-life when --half-life is given, else never",
    )  # fmt: skip
    common.add_argument("--budget", metavar="TARGET", help=BUDGET_HELP)

    models = commands.add_parser("models", parents=[common], help="list the model catalog")
    models.add_argument("--task", help="only models specialised in this task type")
    models.add_argument("--provider", help="only this provider's models")
    models.add_argument("--max-price", type=float, help="USD per 1k tokens, input and output")
    models.add_argument("--min-context", type=int, help="minimum context length in tokens")
    models.add_argument("--all", action="store_true", help="include deprecated and retired models")
    models.add_argument(
        "--source",
        choices=("litellm", "arena"),
        help="browse a price file instead of a catalog: LiteLLM's price map or Arena's prices",
    )
    models.add_argument(
        "--file", help="with --source: your own copy of that file (default: the shipped slice)"
    )
    models.set_defaults(handler=_models)

    recommend = commands.add_parser(
        "recommend", parents=[common], help="recommend a model for a task"
    )
    recommend.add_argument("task", help="task type, e.g. consciousness_processing")
    recommend.add_argument(
        "--weights", help="priority factors, e.g. quality=0.5,cost=0.2,speed=0.3"
    )
    recommend.add_argument("--min-context", type=int, help="minimum context length in tokens")
    recommend.set_defaults(handler=_recommend)

    status = commands.add_parser("status", parents=[common], help="the system status dashboard")
    status.set_defaults(handler=_status)

    demo = commands.add_parser(
        "demo",
        parents=[common],
        help="record simulated calls, then show status (into a temporary database unless --db)",
    )
    demo.add_argument("--rounds", type=int, default=60, help="rounds of traffic (default 60)")
    demo.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    demo.set_defaults(handler=_demo)

    add_ab_commands(commands, common, _manager)
    add_ask_command(commands)


def build_parser() -> argparse.ArgumentParser:
    """The ``genesis-prime`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="genesis-prime",
        description="Choose which LLM serves which job, and learn from every call.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_selection_commands(commands)
    add_output_options_to_commands(parser)
    return parser


def run_handler(args: argparse.Namespace) -> int:
    """Run the handler a parsed command line chose; return the exit status."""
    from selection.cli_output import JsonConsole, make_console

    console = make_console(args)
    handler: Handler = args.handler
    try:
        with warnings.catch_warnings():
            # A library warning reaches the command line's reader as one line on stderr.
            warnings.simplefilter("always", UserWarning)
            warnings.showwarning = _warning_line
            pending = handler(args, console)
            if pending is not None:
                import asyncio  # only for commands that await: its import costs more than `models`

                asyncio.run(pending)
        if isinstance(console, JsonConsole):
            console.flush_json()
    except (GenesisError, ValueError, OSError) as exc:
        print(f"genesis-prime: error: {one_line_error(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


def _warning_line(message: Warning | str, *_: object, **__: object) -> None:
    print(f"genesis-prime: warning: {message}", file=sys.stderr)


def one_line_error(exc: BaseException) -> str:
    """An error as one line: pydantic's dumps cut to the first complaint and its field."""
    line = _validation_line(exc)
    if line is not None:
        return line
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror}{where}"
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _validation_line(exc: BaseException) -> str | None:
    if "pydantic" not in sys.modules:  # nothing raised a ValidationError: pydantic never loaded
        return None
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError):
        return None
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"])
    msg = error["msg"].removeprefix("Value error, ")
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{exc.title}: {where + ': ' if where else ''}{msg}{more}"


_TEXT_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str, form: str = "text") -> None:
    """Send log records at ``level`` and above to stderr, as text lines or JSON lines.

    Replaces the handler an earlier call installed; leaves every other handler alone.
    """
    import logging

    from selection.log_json import JsonLogFormatter

    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "genesis_prime", False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.genesis_prime = True  # type: ignore[attr-defined]  # marks the CLI's own handler
    formatter = JsonLogFormatter() if form == "json" else logging.Formatter(_TEXT_LOG_FORMAT)
    handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(level.upper())


def main(argv: Sequence[str] | None = None) -> int:
    """Run selection's own commands; the ``genesis-prime`` script adds the upper layers'."""
    return run_handler(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
