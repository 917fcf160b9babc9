"""Sweeps: one scenario over many seeds and parameter values, in parallel processes.

Each run is independent and records into its own in-memory SQLite store, so runs share
nothing and a local process pool runs them side by side. Results are the runs' summaries,
one row per (parameter values, seed), in a deterministic order whatever the pool does.
"""

from __future__ import annotations

import itertools
import math
import os
import statistics
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from pydantic import ValidationError

from scenarios.run import run_scenario
from scenarios.spec import ScenarioSpec, first_error
from selection import ConfigError

__all__ = ["SWEPT_METRICS", "aggregate_sweep", "check_params", "parse_param", "sweep"]

SWEPT_METRICS = (
    "cumulative_regret",
    "regret_per_request",
    "mean_quality",
    "total_cost",
    "cost_vs_oracle",
    "mean_agreement",
)
"""Summary fields a sweep reports, per run and as mean and spread per setting."""


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


def _run_one(job: tuple[ScenarioSpec, str]) -> dict[str, Any]:
    spec, policy = job
    summary = run_scenario(spec, policy=policy).summary
    return {name: summary[name] for name in SWEPT_METRICS}


def sweep(
    spec: ScenarioSpec,
    *,
    seeds: Iterable[int],
    params: Mapping[str, Sequence[Any]] | None = None,
    policy: str = "hive",
    workers: int | None = None,
) -> list[dict[str, Any]]:
    """Run every combination of parameter values for every seed.

    Args:
        spec: The scenario.
        seeds: The seeds to run each setting with.
        params: Dotted field path -> values, e.g. ``{"agents.social_influence": [0, 0.9]}``.
        policy: ``hive``, ``selector`` or a baseline.
        workers: Processes to use; 1 runs in this process; default: one per CPU.

    Returns:
        One row per run: the parameter values, the seed and :data:`SWEPT_METRICS`.
    """
    params = dict(params or {})
    names = list(params)
    settings = [
        dict(zip(names, combo, strict=True)) for combo in itertools.product(*params.values())
    ]
    jobs = [(setting, seed) for setting in settings for seed in seeds]
    specs = [(_with(spec, setting, seed), policy) for setting, seed in jobs]  # fail fast
    if workers is not None and workers < 1:
        raise ConfigError(f"workers must be at least 1, got {workers}")
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(specs) == 1:
        results = [_run_one(job) for job in specs]
    else:
        # spawn: every worker starts clean (no inherited event loop, threads or locks).
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            results = list(pool.map(_run_one, specs))
    return [
        {**setting, "seed": seed, **result}
        for (setting, seed), result in zip(jobs, results, strict=True)
    ]


def aggregate_sweep(rows: Sequence[dict[str, Any]], params: Sequence[str]) -> list[dict[str, Any]]:
    """Mean and standard deviation of each metric per setting, over its seeds."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row[p] for p in params), []).append(row)
    table = []
    for key, members in groups.items():
        out: dict[str, Any] = dict(zip(params, key, strict=True))
        out["runs"] = len(members)
        for metric in SWEPT_METRICS:
            values = [
                m[metric]
                for m in members
                if isinstance(m[metric], float) and math.isfinite(m[metric])
            ]
            out[f"{metric}_mean"] = statistics.fmean(values) if values else math.nan
            out[f"{metric}_sd"] = statistics.stdev(values) if len(values) > 1 else math.nan
        table.append(out)
    return table
