"""``genesis-prime run``, ``replay`` and ``scenarios``: the scenario commands."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scenarios.names import BASELINES, POLICY_NAMES, builtin_names
from scenarios.runfolder import MANIFEST, RunFolder
from selection import GenesisError
from selection.cli import one_line_error

if TYPE_CHECKING:  # rich and the scenario models (pydantic) load when a command runs
    from rich.console import Console

    from scenarios.eventlog import EventLog
    from scenarios.run import RunResult
    from scenarios.spec import ScenarioSpec

__all__ = ["add_scenario_commands"]


def add_scenario_commands(commands: Any) -> None:
    """Add ``run``, ``replay`` and ``scenarios`` to a subparsers object."""
    run = commands.add_parser("run", help="run a scenario (built-in name or TOML file)")
    run.add_argument("scenario", help=f"a built-in ({', '.join(builtin_names())}) or a .toml path")
    run.add_argument("--db", help="database URL (default: SQLite files in the output folder)")
    run.add_argument(
        "--run-id", help="with --db: add this run's records beside those already there, "
        "under ids <RUN_ID>/... (the run learns from its own records only)",
    )  # fmt: skip
    run.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    run.add_argument("--steps", type=int, help="number of steps (default: the scenario's)")
    run.add_argument("--ab", action="store_true", help="A/B automation: test each released model")
    run.add_argument(
        "--half-life", type=float, metavar="HOURS",
        help="forget old evidence: a record counts half after HOURS (default: the scenario's "
        "selector.half_life_hours; none in the built-ins)",
    )  # fmt: skip
    run.add_argument(
        "--forget", choices=("never", "half-life", "change"),
        help="how the selector forgets: never, half-life (by --half-life) or change (only after "
        "a detected change; default: the scenario's selector.forget)",
    )  # fmt: skip
    run.add_argument("--out", type=Path, help="output folder (default: out/<scenario>)")
    run.add_argument(
        "--overwrite", action="store_true", help="replace a previous run's files in the folder"
    )
    run.add_argument(
        "--compare", action="store_true", help="also run the selector without the hive and "
        f"the baselines ({', '.join(BASELINES)}) on the same traffic and seed"
    )  # fmt: skip
    run.set_defaults(handler=_run)

    again = commands.add_parser("replay", help="re-run a run's event log and verify it")
    again.add_argument("log", type=Path, help="the events.jsonl.gz a run wrote")
    again.set_defaults(handler=_replay)

    listing = commands.add_parser("scenarios", help="list the built-in scenarios")
    listing.set_defaults(handler=_list)

    many = commands.add_parser("sweep", help="run a scenario over seeds and parameter values")
    many.add_argument("scenario", help="a built-in name or a .toml path")
    many.add_argument("--seeds", default="0:5", help="START:STOP or a comma list (default 0:5)")
    many.add_argument(
        "--param", action="append", default=[], metavar="PATH=V1,V2",
        help="a field to vary, e.g. agents.social_influence=0,0.5,0.9 (repeatable)",
    )  # fmt: skip
    many.add_argument("--steps", type=int, help="number of steps (default: the scenario's)")
    many.add_argument("--policy", default="hive", help="hive, selector or a baseline")
    many.add_argument("--workers", type=int, help="processes (default: one per CPU)")
    many.add_argument("--out", type=Path, help="output folder (default: out/<scenario>-sweep)")
    many.add_argument(
        "--overwrite", action="store_true", help="replace a previous sweep's files in the folder"
    )
    many.add_argument(
        "--executor", choices=["local", "dask"], default="local",
        help="local: a process pool; dask: a Dask cluster (needs the [dask] extra)",
    )  # fmt: skip
    many.add_argument("--scheduler", help="with --executor dask: a scheduler address")
    many.add_argument(
        "--db", help="sqlite:///FOLDER or postgresql://... : one store per run "
        "(default: a SQLite file per run in <out>/runs)",
    )  # fmt: skip
    many.set_defaults(handler=_sweep)


async def _run(args: argparse.Namespace, console: Console) -> None:
    from scenarios.outputs import write_outputs
    from scenarios.spec import load_scenario

    if args.run_id is not None and args.db is None:
        raise ValueError("--run-id needs --db: without it each run has new files of its own")
    if args.db is not None:
        _check_db(args.db, new=args.run_id is None)
    spec = _shortened(load_scenario(args.scenario), args.steps)
    overrides: dict[str, object] = {"seed": args.seed} if args.seed is not None else {}
    if args.ab:
        overrides["ab_automation"] = True
    selector: dict[str, Any] = {}
    if args.half_life is not None:
        selector["half_life_hours"] = args.half_life
    if args.forget is not None:
        selector["forget"] = args.forget
    if selector:
        overrides["selector"] = {**spec.selector.model_dump(), **selector}
    if overrides:
        spec = spec.with_overrides(**overrides)
    policies = ["hive", *(["selector", *BASELINES] if args.compare else [])]
    out = args.out or Path("out") / spec.name
    folder = RunFolder(
        out, _run_files(policies, args.db), command=f"run {spec.name}", overwrite=args.overwrite
    )
    try:
        results = await _run_policies(spec, policies, args.db, out, console, args.run_id)
        written = write_outputs(out, results[0], results[1:])
    except BaseException as exc:
        folder.fail(exc)
        if isinstance(exc, GenesisError | ValueError | OSError):
            raise GenesisError(f"{one_line_error(exc)} (the run stopped: {out / MANIFEST} marks "
                               f"{out}/ incomplete)") from exc  # fmt: skip
        raise
    folder.complete()
    _summary_table(console, results)
    console.print(f"wrote {len(written)} files to {out}/ (report: {out / 'report.md'})")


def _shortened(spec: ScenarioSpec, steps: int | None) -> ScenarioSpec:
    """``--steps``: drop (never move) the events past the new end, and say so."""
    if steps is None:
        return spec
    for event in spec.events_past(steps) if steps > 0 else ():
        what = " (the model never enters the run)" if event.kind == "release" else ""
        print(
            f"genesis-prime: warning: --steps {steps} drops the {event.kind} of {event.model} "
            f"at step {event.step}{what}",
            file=sys.stderr,
        )
    return spec.truncated(steps)  # said above, in the CLI's words


def _run_files(policies: list[str], db: str | None) -> list[str]:
    from scenarios.outputs import OUTPUT_FILES

    files = [*OUTPUT_FILES]
    for policy in policies:
        files.append("events.jsonl.gz" if policy == "hive" else f"events-{policy}.jsonl.gz")
        if db is None or policy != "hive":
            files += [f"records-{policy}.db{suffix}" for suffix in ("", "-wal", "-shm")]
    return files


async def _run_policies(
    spec: ScenarioSpec,
    policies: list[str],
    db: str | None,
    out: Path,
    console: Console,
    run_id: str | None = None,
) -> list[RunResult]:
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from scenarios.eventlog import EventLog
    from scenarios.run import default_db_url

    results: list[RunResult] = []
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(), console=console, transient=True,
    ) as bar:  # fmt: skip
        for policy in policies:
            job = bar.add_task(f"{spec.name} [{policy}]", total=spec.steps)
            # Baselines never mix with the main run: each has its own file in the folder.
            db_url = db if db is not None and policy == "hive" else default_db_url(out, policy)
            log_path = out / (
                "events.jsonl.gz" if policy == "hive" else f"events-{policy}.jsonl.gz"
            )
            with EventLog(log_path) as log:
                results.append(
                    await _in_thread(
                        spec,
                        policy,
                        db_url,
                        log,
                        lambda done, _t, j=job: bar.update(j, completed=done),
                        run_id if policy == "hive" else None,
                    )
                )
    return results


def _check_db(db_url: str, *, new: bool) -> None:
    """A URL a store takes, before the output folder is made; for a new run, a new database.

    A run records into a new database (``new``): never into (or over) a SQLite file already
    there.
    """
    from selection import open_store

    if not db_url.strip():
        raise ValueError("--db is empty; give a database URL or leave it out")
    open_store(db_url)  # the scheme and the URL's shape; it connects only when opened
    if not new:
        return
    if db_url.startswith("sqlite:///") and ":memory:" not in db_url:
        path = Path(db_url.removeprefix("sqlite:///"))
        if path.exists() and path.stat().st_size > 0:
            raise GenesisError(
                f"--db {db_url}: the file already exists; a run records into a new database, "
                "so name another, or give --run-id ID to add this run's records beside those"
            )


async def _in_thread(
    spec: Any, policy: str, db_url: str, log: EventLog, progress: Any, run_id: str | None = None
) -> RunResult:
    import asyncio

    from scenarios.run import run_scenario

    # run_scenario drives its own event loop for the store; keep it off the CLI's loop.
    return await asyncio.to_thread(
        run_scenario, spec, policy=policy, db_url=db_url, log=log, progress=progress,
        run_id=run_id,
    )  # fmt: skip


def _summary_table(console: Console, results: list[RunResult]) -> None:
    from rich.table import Table

    from scenarios.outputs import SUMMARY_COLUMNS

    table = Table(title=f"{results[0].spec.name}, seed {results[0].spec.seed}")
    for _, title in SUMMARY_COLUMNS:
        table.add_column(title, justify="left" if title == "policy" else "right")
    for result in results:
        cells = []
        for key, _ in SUMMARY_COLUMNS:
            value = result.summary.get(key)
            if isinstance(value, float):
                cells.append("n/a" if math.isnan(value) else f"{value:,.4g}")
            else:
                cells.append(str(value))
        table.add_row(*cells)
    console.print(table)
    for key, n in (results[0].summary.get("requests_to_80pct") or {}).items():
        console.print(
            f"  {key} reached 80% of its task after {'never' if n is None else f'{n:,}'} requests"
        )


async def _replay(args: argparse.Namespace, console: Console) -> None:
    import asyncio

    from scenarios.replay import replay

    report = await asyncio.to_thread(replay, args.log)
    if report.identical:
        console.print(f"identical: {report.entries} entries replayed bit for bit")
        if report.not_compared:
            console.print(
                f"(an older log: its summary's {', '.join(report.not_compared)} not compared)"
            )
        return
    d = report.divergence
    assert d is not None
    raise GenesisError(f"replay diverges at entry {d.entry} ({d.kind}, step {d.step}): {d.detail}")


def _seeds(text: str) -> list[int]:
    try:
        if ":" in text:
            start, stop = (int(part) for part in text.split(":", 1))
            return list(range(start, stop))
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ValueError(f"--seeds {text!r}: use START:STOP or a comma list of integers") from None


async def _sweep(args: argparse.Namespace, console: Console) -> None:
    import asyncio

    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.table import Table

    from scenarios.spec import load_scenario
    from scenarios.sweep import aggregate_sweep, check_params, parse_param, sweep
    from scenarios.sweep_report import sweep_plot_name, write_sweep_outputs

    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be at least 1, got {args.workers}")
    if args.policy not in POLICY_NAMES:
        raise ValueError(f"--policy {args.policy!r}: use one of {', '.join(POLICY_NAMES)}")
    spec = _shortened(load_scenario(args.scenario), args.steps)
    params = dict(parse_param(text) for text in args.param)
    check_params(spec, params)
    seeds = _seeds(args.seeds)
    if not seeds:
        raise ValueError("--seeds is empty")
    out = args.out or Path("out") / f"{spec.name}-sweep"
    files = ["sweep_runs.csv", "sweep_summary.csv", *(sweep_plot_name(p) for p in params)]
    folder = RunFolder(out, files, command=f"sweep {spec.name}", overwrite=args.overwrite)
    try:
        with Progress(
            TextColumn("{task.description}"), BarColumn(),
            TextColumn("{task.completed}/{task.total}"), TimeRemainingColumn(),
            console=console, transient=True,
        ) as bar:  # fmt: skip
            job = bar.add_task(f"{spec.name} sweep", total=None)
            rows = await asyncio.to_thread(
                sweep, spec, seeds=seeds, params=params, policy=args.policy,
                workers=args.workers, executor=args.executor, scheduler=args.scheduler,
                db=args.db or f"sqlite:///{out / 'runs'}",
                progress=lambda done, total: bar.update(job, completed=done, total=total),
                announce=console.print,
            )  # fmt: skip
        table_rows = aggregate_sweep(rows, list(params))
        written = write_sweep_outputs(out, rows, list(params))
    except BaseException as exc:
        folder.fail(exc)
        raise
    folder.complete()
    table = Table(title=f"{spec.name}: {len(rows)} runs ({len(seeds)} seeds per setting)")
    columns = [*params, "runs", "regret", "failed calls", "quality", "cost / oracle", "agreement"]
    for name in [*columns, "value of hive [95% CI]"]:
        table.add_column(name, justify="right")
    for row in table_rows:
        table.add_row(
            *(str(row[p]) for p in params),
            str(row["runs"]),
            _mean_sd(row, "cumulative_regret"),
            _mean_sd(row, "failed_calls"),
            _mean_sd(row, "mean_quality"),
            _mean_sd(row, "cost_vs_oracle"),
            _mean_sd(row, "mean_agreement"),
            _interval(row, "hive_value"),
        )
    console.print(table)
    console.print(f"wrote {', '.join(str(path) for path in written)}")
    failed = [row for row in rows if "error" in row]
    for row in failed:
        setting = ", ".join(f"{p}={row[p]}" for p in params)
        console.print(f"run failed ({setting}{', ' if setting else ''}seed={row['seed']}): "
                      f"{row['error']}", markup=False)  # fmt: skip
    if failed:
        raise GenesisError(f"{len(failed)} of {len(rows)} runs failed (see above)")


def _interval(row: dict[str, Any], metric: str) -> str:
    mean, low, high = (row[f"{metric}_{k}"] for k in ("mean", "ci_low", "ci_high"))
    if math.isnan(mean):
        return "-"
    return f"{mean:+,.4g}" if math.isnan(low) else f"{mean:+,.4g} [{low:+,.4g}, {high:+,.4g}]"


def _mean_sd(row: dict[str, Any], metric: str) -> str:
    mean, sd = row[f"{metric}_mean"], row[f"{metric}_sd"]
    return f"{mean:,.4g}" if math.isnan(sd) else f"{mean:,.4g} ± {sd:,.2g}"


async def _list(args: argparse.Namespace, console: Console) -> None:
    from rich.table import Table

    from scenarios.spec import load_scenario

    table = Table(title="built-in scenarios")
    table.add_column("name")
    table.add_column("steps", justify="right")
    table.add_column("description")
    for name in builtin_names():
        spec = load_scenario(name)
        table.add_row(name, str(spec.steps), spec.description)
    console.print(table)
