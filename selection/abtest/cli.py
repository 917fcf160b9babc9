"""``genesis-prime ab create|list|show|stop|monitor``: the A/B test API on the command line.

Each command prints a readable summary, or with ``--json`` exactly what the API returns.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from selection.names import METRIC_NAMES

if TYPE_CHECKING:  # pydantic (the test's models) and rich load when a command runs
    from rich.console import Console
    from rich.table import Table

    from selection.abtest.config import Guardrail

__all__ = ["add_ab_commands", "parse_guardrails"]

ManagerFactory = Callable[[argparse.Namespace], Any]  # -> DynamicModelManager


def parse_guardrails(text: str) -> list[Guardrail]:
    """Parse ``error_rate:0.01:abs,cost:0.1`` (metric:margin[:abs|rel]); ``none`` for none."""
    from pydantic import ValidationError

    from selection.abtest.config import Guardrail

    if text.strip().lower() == "none":
        return []
    guardrails = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        metric, _, rest = part.partition(":")
        margin, _, kind = rest.partition(":")
        if not margin or kind not in ("", "abs", "rel"):
            raise ValueError(f"guardrail {part!r} must look like metric:margin[:abs|rel]")
        try:
            value = float(margin)
        except ValueError:
            raise ValueError(f"guardrail {part!r}: margin {margin!r} is not a number") from None
        try:
            guardrails.append(Guardrail(metric=metric, margin=value, relative=kind != "abs"))
        except ValidationError as exc:
            error = exc.errors()[0]
            raise ValueError(f"guardrail {part!r}: {error['msg']}") from None
    return guardrails


def _winner(test: Any) -> str:
    from selection.abtest.decision import winner_of  # with the analysis (numpy), when used

    return winner_of(test) or "-"


def _emit_json(data: object) -> None:
    print(json.dumps(data, indent=2, default=_iso))  # the API's own output, for scripts


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _table(title: str, columns: list[str], rows: list[list[str]]) -> Table:
    from rich.console import JustifyMethod
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        justify: JustifyMethod = "right" if column in ("n", "share", "p", "seq p") else "left"
        table.add_column(column, justify=justify, overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def _fmt(value: float | None, spec: str = ".4g") -> str:
    return "-" if value is None else format(value, spec)


def _interval(ci: list[float | None], spec: str = ".4g") -> str:
    return f"[{_fmt(ci[0], spec)}, {_fmt(ci[1], spec)}]"


def _guardrail_label(metric: dict[str, Any]) -> str:
    """A guardrail row's state, in the words and the analysis mode of the verdict.

    ``regressed`` (shown beyond the margin: the verdict keeps the champion), ``within
    margin`` (shown non-inferior), or ``not shown yet`` (neither, so no promotion yet).
    """
    if metric.get("passed") is None:
        return ""
    if metric["regressed"]:
        return "regressed"
    return "within margin" if metric["passed"] else "not shown yet"


async def _create(args: argparse.Namespace, console: Console, factory: ManagerFactory) -> None:
    options: dict[str, Any] = {
        key: value
        for key, value in {
            "test_name": args.name,
            "traffic_split": args.split,
            "duration_hours": args.duration_hours,
            "sample_size": args.sample_size,
            "unit": args.unit,
            "mde": args.mde,
            "alpha": args.alpha,
            "power": args.power,
            "min_samples_per_arm": args.min_samples,
            "min_runtime_hours": args.min_runtime_hours,
        }.items()
        if value is not None
    }
    if args.metrics:
        options["success_metrics"] = [m.strip() for m in args.metrics.split(",") if m.strip()]
    if args.guardrails is not None:
        options["guardrails"] = parse_guardrails(args.guardrails)
    async with factory(args) as manager:
        test_id = await manager.create_model_comparison_test(
            args.task, args.challenger, champion_model_id=args.champion, **options
        )
        test = await manager.ab_test_manager.get_test(test_id)
    if args.json:
        _emit_json(test.to_row())
        return
    plan = test.plan
    console.print(f"A/B test created: [bold]{test_id}[/]")
    console.print(f"  {test.spec.name}")
    console.print(f"  challenger share {test.spec.traffic_split:.0%}, by {test.spec.unit}")
    console.print(
        f"  sample size {test.sample_size:,} ({plan.planned_n_per_arm:,} per arm at an even "
        f"split; {plan.baseline_source} baseline for {plan.primary_metric})"
    )


async def _list(args: argparse.Namespace, console: Console, factory: ManagerFactory) -> None:
    async with factory(args) as manager:
        tests = await manager.ab_test_manager.list_tests(status=args.status)
    if args.json:
        _emit_json([t.to_row() for t in tests])
        return
    rows = [
        [
            t.test_id,
            t.status,
            ", ".join(t.spec.task_types),
            t.spec.model_a_id,
            t.spec.model_b_id,
            f"{t.phase.traffic_split:.0%}",
            t.start_time.isoformat(timespec="minutes"),
            _winner(t),
        ]
        for t in tests
    ]
    columns = ["test", "status", "tasks", "champion", "challenger", "share", "started", "winner"]
    console.print(_table(f"{len(tests)} A/B tests", columns, rows))


async def _show(args: argparse.Namespace, console: Console, factory: ManagerFactory) -> None:
    async with factory(args) as manager:
        report = await manager.ab_test_manager.analyze_test_results(
            args.test_id, mode="fixed" if args.fixed else "sequential", phase=args.phase
        )
    if args.json:
        _emit_json(report)
        return
    print_report(report, console)


def print_report(report: dict[str, Any], console: Console) -> None:
    """Print :meth:`ABTestManager.analyze_test_results`' report readably."""
    arms, srm = report["arms"], report["sample_ratio"]
    console.print(f"[bold]{report['test_id']}[/] {report['test_name']}")
    console.print(
        f"  status {report['status']}, phase {report['phase']}, challenger share "
        f"{report['traffic_split']:.0%}, {report['elapsed_hours']:.1f} h, "
        f"{sum(srm['observed']):,}/{report['sample_size']:,} planned units"
    )
    for arm in ("a", "b"):
        info = arms[arm]
        console.print(f"  {arm} {info['role']:<10} {info['model_id']}  {info['records']:,} records")
    verdict = "[bold red]MISMATCH[/]" if srm["mismatch"] else "ok"
    console.print(f"  sample ratio p = {_fmt(srm['p_value'])} ({verdict}, alpha {srm['alpha']})")
    mode = report["statistical_significance"]["mode"]
    rows = []
    for name, m in report["metrics"].items():
        # The intervals shown are those the verdict below rests on (its mode's).
        shown = m["sequential"] if mode == "sequential" else m
        rows.append(
            [
                name,
                m["role"],
                m["test"],
                f"{_fmt(m['control']['mean'])} / {_fmt(m['treatment']['mean'])}",
                f"{_fmt(shown['difference'])} {_interval(shown['ci'])}",
                f"{_fmt(m['relative_lift'], '+.2%')} {_interval(shown['relative_ci'], '+.2%')}",
                _fmt(m.get("p_value_adjusted", m["p_value"])),
                _fmt(m["sequential"].get("p_value_adjusted", m["sequential"]["p_value"])),
                _guardrail_label(m),
            ]
        )
    columns = ["metric", "role", "test", "a / b mean", "diff [CI]", "lift [CI]", "p", "seq p"]
    title = f"metrics (b - a; {mode} intervals, as the verdict uses)"
    console.print(_table(title, [*columns, "guardrail"], rows))
    sig = report["statistical_significance"]
    console.print(
        f"Statistical significance: {sig['status']} ({sig['mode']}, alpha {sig['alpha']})"
    )
    console.print(f"Winner: {report['winner']}  ({report['reason']})")
    if report["decisions"]:
        decisions = [
            [d["time"], d["action"], f"{d['from_status']} -> {d['to_status']}", d["reason"]]
            for d in report["decisions"]
        ]
        console.print(_table("decisions", ["time", "action", "status", "reason"], decisions))


async def _stop(args: argparse.Namespace, console: Console, factory: ManagerFactory) -> None:
    async with factory(args) as manager:
        decision = await manager.ab_test_manager.stop_test(args.test_id, reason=args.reason)
    if args.json:
        _emit_json(decision.model_dump(mode="json"))
        return
    console.print(f"A/B test {args.test_id} stopped: {decision.reason}")


async def _monitor(args: argparse.Namespace, console: Console, factory: ManagerFactory) -> None:
    async with factory(args) as manager:
        if args.test_id is not None:
            await manager.ab_test_manager.get_test(args.test_id)  # an unknown id is an error
        decisions = await manager.ab_test_manager.monitor(args.test_id)
    if args.json:
        _emit_json([d.model_dump(mode="json") for d in decisions])
        return
    if not decisions:
        console.print("no decision: every active test carries on")
    for d in decisions:
        console.print(f"{d.test_id}: {d.action} ({d.from_status} -> {d.to_status}): {d.reason}")


def add_ab_commands(
    commands: Any, common: argparse.ArgumentParser, factory: ManagerFactory
) -> None:
    """Add the ``ab`` command group to a subparsers object."""
    ab = commands.add_parser("ab", help="A/B tests between models")
    sub = ab.add_subparsers(dest="ab_command", required=True, metavar="ACTION")
    out = argparse.ArgumentParser(add_help=False)
    out.add_argument("--json", action="store_true", help="print the API's output as JSON")

    def handler(fn: Callable[..., Any]) -> Callable[..., Any]:
        async def run(args: argparse.Namespace, console: Console) -> None:
            await fn(args, console, factory)

        return run

    create = sub.add_parser("create", parents=[common, out], help="start a test on a task")
    create.add_argument("task", help="task type, e.g. consciousness_processing")
    create.add_argument("challenger", help="the model to try")
    create.add_argument("--champion", help="the control (default: the task's current model)")
    create.add_argument("--split", type=float, help="challenger's traffic share (default 0.5)")
    create.add_argument(
        "--metrics", help=f"success metrics, comma-separated, of: {', '.join(METRIC_NAMES)}"
    )
    create.add_argument(
        "--guardrails", help="metric:margin[:abs|rel],... or none (default error/cost/latency)"
    )
    create.add_argument("--duration-hours", type=int, help="run at most this long (168)")
    create.add_argument("--sample-size", type=int, help="units over both arms (default: power)")
    create.add_argument("--mde", type=float, help="relative minimum detectable effect (0.05)")
    create.add_argument("--alpha", type=float, help="significance level (0.05)")
    create.add_argument("--power", type=float, help="power at the mde (0.8)")
    create.add_argument("--unit", choices=["request", "session", "user"], help="assignment unit")
    create.add_argument("--min-samples", type=int, help="records per arm before deciding (100)")
    create.add_argument("--min-runtime-hours", type=float, help="hours before promoting (24)")
    create.add_argument("--name", help="a name for the test")
    create.set_defaults(handler=handler(_create))

    listing = sub.add_parser("list", parents=[common, out], help="list tests")
    listing.add_argument(
        "--status",
        choices=["running", "ramping", "promoted", "rolled_back", "stopped", "completed"],
    )
    listing.set_defaults(handler=handler(_list))

    show = sub.add_parser("show", parents=[common, out], help="analyse a test")
    show.add_argument("test_id")
    show.add_argument("--fixed", action="store_true", help="decide by the fixed-horizon tests")
    show.add_argument("--phase", type=int, default=0, help="0: the test; 1, 2...: ramp steps")
    show.set_defaults(handler=handler(_show))

    stop = sub.add_parser("stop", parents=[common, out], help="stop a test by hand")
    stop.add_argument("test_id")
    stop.add_argument("--reason", default="stopped by hand", help="recorded with the decision")
    stop.set_defaults(handler=handler(_stop))

    monitor = sub.add_parser("monitor", parents=[common, out], help="run the automated decisions")
    monitor.add_argument("test_id", nargs="?", help="only this test")
    monitor.set_defaults(handler=handler(_monitor))
