"""Run a scenario: the one place that owns the run's Generator, clock, store and log."""

from __future__ import annotations

import asyncio
import gc
import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scenarios.eventlog import EventLog
from scenarios.model import SCALAR_METRICS, HiveModel
from scenarios.spec import ScenarioSpec
from selection import ConfigError, Store, open_store

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["LOG_FORMAT", "RUN_ID_PATTERN", "RunResult", "arun_scenario", "run_scenario"]

RUN_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
"""What a run id may be: it prefixes the run's record ids (``<run id>/...``)."""

LOG_FORMAT = 4
"""Version of the event log; 2 prices the oracle's calls as they are billed (failed calls
bill no output tokens); 3 counts failed calls in regret; 4 changes the hive's ballots and
evidence (see :mod:`agents.assessment`, :meth:`hive.HiveMind.settle_reports`). Older logs
still replay (see :mod:`scenarios.replay`)."""
SHARE_TO_WIN = 0.8


@dataclass
class RunResult:
    """What a run produced: per-step metrics, traffic shares, a summary and the log digest."""

    spec: ScenarioSpec
    policy: str
    metrics: list[dict[str, float]]
    traffic: list[dict[str, Any]]
    summary: dict[str, Any]
    log_digest: str
    requests_generated: int
    records_written: int
    consensus: list[dict[str, Any]] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """The per-step metrics as a DataFrame, one row per step, with a ``policy`` column."""
        import pandas as pd

        return pd.DataFrame(self.metrics).assign(policy=self.policy)

    def traffic_frame(self) -> pd.DataFrame:
        """The traffic table as a DataFrame: one row per (step, task, active model)."""
        import pandas as pd

        return pd.DataFrame(self.traffic).assign(policy=self.policy)


def run_scenario(
    spec: ScenarioSpec,
    *,
    policy: str = "hive",
    db_url: str = "sqlite:///:memory:",
    log: EventLog | None = None,
    progress: Callable[[int, int], None] | None = None,
    run_id: str | None = None,
) -> RunResult:
    """Run ``spec`` under ``policy`` (``hive``, ``selector`` or a baseline), step by step.

    Every call is recorded through the real tracker into ``db_url``. The same spec (seed
    included) and policy always give the same log, metrics and summary, bit for bit.

    A run records into an empty database, or, under a ``run_id``, beside other runs'
    records: its record ids become ``<run_id>/...`` and it learns from its own calls only,
    so the summary is the same as in an empty database.

    Raises:
        RuntimeError: when called inside a running event loop (a notebook, an async
            application): ``await arun_scenario(...)`` there instead.
        ConfigError: the database holds records and no ``run_id`` is given, or the
            ``run_id`` is used already or malformed, or A/B automation meets a database
            holding A/B tests.
    """
    _refuse_inside_event_loop()
    if run_id is not None and not RUN_ID_PATTERN.fullmatch(run_id):
        raise ConfigError(
            f"run id {run_id!r}: use 1-64 letters, digits, '.', '_' or '-', starting with a "
            "letter or digit"
        )
    log = log if log is not None else EventLog()
    log.write(
        {"kind": "header", "format": LOG_FORMAT, "policy": policy,
         "scenario": spec.model_dump(mode="json"),
         **({} if run_id is None else {"run_id": run_id})}
    )  # fmt: skip
    store = open_store(db_url)
    with asyncio.Runner() as runner:
        runner.run(store.open())
        try:
            runner.run(_check_store(store, spec, run_id))
            model = HiveModel(
                spec,
                policy=policy,
                store=store,
                runner=runner,
                log=log,
                rng=np.random.default_rng(spec.seed),
                run_id=run_id,
            )
            with _collector_paused():
                for done in range(spec.steps):
                    model.step()
                    if progress is not None:
                        progress(done + 1, spec.steps)
                model.flush()
        finally:
            runner.run(store.aclose())
    metrics = [
        {"step": i, **{name: float(row[name]) for name in SCALAR_METRICS}}
        for i, row in enumerate(model.datacollector.get_model_vars_dataframe().to_dict("records"))
    ]
    traffic = model.traffic_rows()
    summary = _summarise(model, metrics, traffic)
    log.write({"kind": "summary", **_finite(summary)})
    return RunResult(
        spec=spec,
        policy=policy,
        metrics=metrics,
        traffic=traffic,
        summary=summary,
        log_digest=log.digest,
        requests_generated=model.requests_generated,
        records_written=model.records_written,
    )


async def _check_store(store: Store, spec: ScenarioSpec, run_id: str | None) -> None:
    """Refuse a store whose records would mix with the run's (see :func:`run_scenario`)."""
    held = await store.count_records()
    if held and run_id is None:
        raise ConfigError(
            f"the database already holds {held:,} records; to add this run's records beside "
            "them give it a run id (genesis-prime run --run-id ID; run_scenario(run_id=...))"
        )
    if run_id is not None and spec.ab_automation and await store.ab_tests():
        raise ConfigError(
            "A/B automation records its tests by id, and this database holds A/B tests of "
            "another run: give the run a database of its own"
        )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Run with the cyclic garbage collector paused, collecting once every 20 steps' worth.

    A step allocates hundreds of thousands of short-lived objects (records, rows) and no
    reference cycles worth chasing; left on, the collector rescans the agents' long-lived
    beliefs again and again and costs a third of the run.
    """
    was_enabled = gc.isenabled()
    gc.freeze()  # what exists before the run (agents, catalog) is never garbage
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def _summarise(
    model: HiveModel, metrics: list[dict[str, float]], traffic: list[dict[str, Any]]
) -> dict[str, Any]:
    requests = sum(m["requests"] for m in metrics)
    cost = sum(m["cost"] for m in metrics)
    oracle_cost = sum(m["oracle_cost"] for m in metrics)
    qualities = [(m["quality"], m["requests"]) for m in metrics if not math.isnan(m["quality"])]
    agreements = [m["agreement"] for m in metrics if not math.isnan(m["agreement"])]
    weight = sum(n for _, n in qualities)
    return {
        "policy": model.policy.name,
        "requests": int(requests),
        "records": model.records_written,
        "mean_quality": sum(q * n for q, n in qualities) / weight if weight else math.nan,
        "total_cost": cost,
        "oracle_cost": oracle_cost,
        "cost_vs_oracle": cost / oracle_cost if oracle_cost else math.nan,
        "cumulative_regret": model.cumulative_regret,
        "failed_calls": int(sum(m["failed_calls"] for m in metrics)),
        "judging_cost": sum(m["judging_cost"] for m in metrics),
        "regret_per_request": model.cumulative_regret / requests if requests else math.nan,
        "mean_agreement": sum(agreements) / len(agreements) if agreements else math.nan,
        "requests_to_80pct": _requests_to_win(model, traffic),
        "ab_promotions": len(model.ab.promotions) if model.ab else 0,
        "wrong_promotions": model.ab.wrong_promotions if model.ab else 0,
        "wrong_rejections": model.ab.wrong_rejections if model.ab else 0,
    }


async def arun_scenario(
    spec: ScenarioSpec,
    *,
    policy: str = "hive",
    db_url: str = "sqlite:///:memory:",
    log: EventLog | None = None,
    progress: Callable[[int, int], None] | None = None,
    run_id: str | None = None,
) -> RunResult:
    """:func:`run_scenario` for code already inside an event loop (Jupyter, async apps).

    The run gets a worker thread and an event loop of its own, so the caller's loop keeps
    serving while it runs; the result is the same, bit for bit, as the synchronous form's.
    """
    return await asyncio.to_thread(
        run_scenario, spec, policy=policy, db_url=db_url, log=log, progress=progress,
        run_id=run_id,
    )  # fmt: skip


def _refuse_inside_event_loop() -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(
        "run_scenario() was called inside a running event loop (a notebook or an async "
        "application); use `await scenarios.arun_scenario(...)` there instead"
    )


def _requests_to_win(model: HiveModel, traffic: list[dict[str, Any]]) -> dict[str, int | None]:
    """Per released model that is its task's oracle: requests until it holds 80% of them."""
    found: dict[str, int | None] = {}
    for model_id, released in model.release_steps().items():
        for task in model.tasks:
            rows = [
                r for r in traffic
                if r["task"] == task and r["step"] >= released and r["model"] == model_id
            ]  # fmt: skip
            if not rows or not rows[0]["oracle"]:
                continue
            seen = 0
            found[f"{model_id}@{task}"] = None
            for row in rows:
                total = sum(
                    r["requests"] for r in traffic
                    if r["task"] == task and r["step"] == row["step"]
                )  # fmt: skip
                seen += total
                if row["share"] >= SHARE_TO_WIN:
                    found[f"{model_id}@{task}"] = seen
                    break
    return found


def _finite(summary: dict[str, Any]) -> dict[str, Any]:
    """JSON has no NaN: write None instead."""
    return {
        k: (None if isinstance(v, float) and not math.isfinite(v) else v)
        for k, v in summary.items()
    }


def default_db_url(out_dir: Path, policy: str) -> str:
    """Where ``genesis-prime run`` records calls unless told otherwise."""
    return f"sqlite:///{out_dir / f'records-{policy}.db'}"
