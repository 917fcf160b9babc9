"""Sweeps: one scenario over many seeds and parameter values, in parallel processes.

Each run is independent and records into its own store, so runs share nothing and a local
process pool or a Dask cluster runs them side by side. Results are the runs' summaries,
one row per (parameter values, seed), in a deterministic order whatever the pool does.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from scipy import stats

from scenarios.executors import ExecutorName, TaskFailed, map_tasks
from scenarios.policies import HIVE_CONTROLS
from scenarios.run import run_scenario
from scenarios.runstores import fresh_store, run_store_url
from scenarios.spec import ScenarioSpec, first_error
from selection import ConfigError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "SWEPT_METRICS",
    "SweepRows",
    "aggregate_sweep",
    "check_params",
    "parse_param",
    "sweep",
]

SWEPT_METRICS = (
    "cumulative_regret",
    "regret_per_request",
    "failed_calls",
    "mean_quality",
    "total_cost",
    "cost_vs_oracle",
    "mean_agreement",
    "hive_value",
)
"""Summary fields a sweep reports, per run and as mean and spread per setting.

``hive_value`` is the selector alone's cumulative regret on the same setting and seed minus
the run's (common random numbers), for the hive and its controls; ``nan`` for other policies.
"""

_PAIRED = frozenset({"hive", *HIVE_CONTROLS})


class SweepRows(list[dict[str, Any]]):
    """A sweep's rows (one per run, as :func:`sweep` returns them), plus DataFrames.

    Attributes:
        params: The swept parameters' dotted names, in the order given.
    """

    def __init__(self, rows: Iterable[dict[str, Any]] = (), params: Sequence[str] = ()) -> None:
        super().__init__(rows)
        self.params = list(params)

    def to_frame(self) -> pd.DataFrame:
        """One row per run: the parameter values, the seed, the metrics (and any ``error``)."""
        import pandas as pd

        return pd.DataFrame(list(self))

    def summary_frame(self) -> pd.DataFrame:
        """One row per setting: :func:`aggregate_sweep` over its seeds."""
        import pandas as pd

        return pd.DataFrame(aggregate_sweep(self, self.params))


def parse_param(text: str) -> tuple[str, list[Any]]:
    """Parse ``agents.count=20,40`` into a dotted path and its values (numbers when they are).

    Raises:
        ConfigError: the text is not ``path=value[,value...]``.
    """
    path, sep, values = text.partition("=")
    if not sep or not path.strip() or not values.strip():
        raise ConfigError(f"--param {text!r} must look like path=value[,value...]")
    return path.strip(), [_number(v.strip()) for v in values.split(",") if v.strip()]


def _number(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return {"true": True, "false": False}.get(text.lower(), text)


def _with(spec: ScenarioSpec, settings: Mapping[str, Any], seed: int) -> ScenarioSpec:
    data = spec.model_dump()
    for path, value in settings.items():
        node = data
        *parents, leaf = path.split(".")
        for key in parents:
            if not isinstance(node.get(key), dict):
                raise ConfigError(f"--param {path}: {key!r} is not a section of the scenario")
            node = node[key]
        if leaf not in node:
            raise ConfigError(f"--param {path}: the scenario has no field {leaf!r}")
        node[leaf] = value
    data["seed"] = seed
    try:
        return ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"--param {dict(settings)}: {first_error(exc)}") from exc


def check_params(spec: ScenarioSpec, params: Mapping[str, Sequence[Any]]) -> None:
    """Validate every setting a sweep would run, before any runs.

    Raises:
        ConfigError: naming the parameter and the field that is wrong.
    """
    names = list(params)
    for combo in itertools.product(*params.values()):
        _with(spec, dict(zip(names, combo, strict=True)), spec.seed)


def _run_one(job: tuple[ScenarioSpec, str, str]) -> dict[str, Any]:
    spec, policy, db_url = job
    fresh_store(db_url)
    summary = dict(run_scenario(spec, policy=policy, db_url=db_url).summary)
    summary["hive_value"] = math.nan
    if policy in _PAIRED:  # the selector alone on the same seed, in memory: nothing to keep
        alone = run_scenario(spec, policy="selector").summary
        summary["hive_value"] = alone["cumulative_regret"] - summary["cumulative_regret"]
    return {name: summary[name] for name in SWEPT_METRICS}


def sweep(
    spec: ScenarioSpec,
    *,
    seeds: Iterable[int],
    params: Mapping[str, Sequence[Any]] | None = None,
    policy: str = "hive",
    workers: int | None = None,
    executor: ExecutorName = "local",
    scheduler: str | None = None,
    db: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    announce: Callable[[str], None] | None = None,
) -> SweepRows:
    """Run every combination of parameter values for every seed.

    Args:
        spec: The scenario.
        seeds: The seeds to run each setting with.
        params: Dotted field path -> values, e.g. ``{"agents.social_influence": [0, 0.9]}``.
        policy: ``hive``, ``selector`` or a baseline.
        workers: Processes to use; 1 runs in this process; default: one per CPU.
        executor: ``local`` (a process pool) or ``dask`` (see :mod:`scenarios.executors`).
        scheduler: With ``dask``, the address of a running scheduler.
        db: Where runs record: ``sqlite:///FOLDER`` or a PostgreSQL URL, one store per run
            (see :mod:`scenarios.runstores`); default: each run in memory.
        progress: Told (runs done, runs in all) as runs complete.
        announce: Told where a Dask cluster's dashboard is.

    Returns:
        One row per run, in the order settings x seeds: the parameter values, the seed and
        :data:`SWEPT_METRICS`. A run that failed has an ``error`` and NaN metrics instead.
    """
    params = dict(params or {})
    names = list(params)
    settings = [
        dict(zip(names, combo, strict=True)) for combo in itertools.product(*params.values())
    ]
    jobs = [(setting, seed) for setting in settings for seed in seeds]
    if workers is not None and workers < 1:
        raise ConfigError(f"workers must be at least 1, got {workers}")
    specs = [  # fail fast on bad parameters, before any run starts
        (
            _with(spec, setting, seed),
            policy,
            "sqlite:///:memory:" if db is None else run_store_url(db, spec.name, index),
        )
        for index, (setting, seed) in enumerate(jobs)
    ]
    results = map_tasks(
        _run_one,
        specs,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        announce=announce,
    )
    return SweepRows(
        (
            {**setting, "seed": seed, **_metrics(result)}
            for (setting, seed), result in zip(jobs, results, strict=True)
        ),
        params=names,
    )


def _metrics(result: dict[str, Any] | TaskFailed) -> dict[str, Any]:
    if isinstance(result, TaskFailed):
        return {**dict.fromkeys(SWEPT_METRICS, math.nan), "error": result.error}
    return result


def aggregate_sweep(rows: Sequence[dict[str, Any]], params: Sequence[str]) -> list[dict[str, Any]]:
    """Per setting, over its seeds: each metric's mean, SD and 95% t-interval of the mean.

    Failed runs are counted in ``failed`` and left out of the statistics.
    """
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row[p] for p in params), []).append(row)
    table = []
    for key, group in groups.items():
        members = [m for m in group if "error" not in m]
        out: dict[str, Any] = dict(zip(params, key, strict=True))
        out["runs"] = len(members)
        out["failed"] = len(group) - len(members)
        for metric in SWEPT_METRICS:
            values = [
                m[metric]
                for m in members
                if isinstance(m[metric], int | float)
                and not isinstance(m[metric], bool)
                and math.isfinite(m[metric])
            ]
            out.update(_interval(metric, values))
        table.append(out)
    return table


def _interval(metric: str, values: list[float]) -> dict[str, float]:
    mean = statistics.fmean(values) if values else math.nan
    sd = statistics.stdev(values) if len(values) > 1 else math.nan
    half = (
        float(stats.t.ppf(0.975, len(values) - 1)) * sd / math.sqrt(len(values))
        if len(values) > 1
        else math.nan
    )
    return {
        f"{metric}_mean": mean,
        f"{metric}_sd": sd,
        f"{metric}_ci_low": mean - half,
        f"{metric}_ci_high": mean + half,
    }
