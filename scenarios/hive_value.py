"""The value of the hive, against controls, on common random numbers.

Every policy runs each scenario on the same seeds, so a seed's traffic and outcomes are the
same whatever routes them; the hive's value on a seed is the selector alone's true regret
minus the hive's. Over the seeds: the mean, a 95% t interval, a paired t-test's two-sided
p-value and the seeds the hive won. The controls (:data:`scenarios.policies.HIVE_CONTROLS`)
run on the same seeds: what the hive's channel gives without the agents' information.
"""

from __future__ import annotations

import math
import os
import statistics
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

from scipy import stats

from scenarios.policies import HIVE_CONTROLS
from scenarios.run import run_scenario
from scenarios.spec import ScenarioSpec, load_scenario

__all__ = ["POLICIES", "HiveValue", "hive_value", "measure"]

POLICIES = ("selector", "hive", *HIVE_CONTROLS)
"""What runs on every seed: the selector alone, the hive and the controls."""


@dataclass(frozen=True, slots=True)
class HiveValue:
    """One scenario's runs and the hive's paired value over its seeds.

    Attributes:
        scenario: The scenario's name.
        seeds: The seeds run.
        regret: Policy -> true cumulative regret per seed (failed calls counted).
        failed: Policy -> failed calls per seed.
        judging_cost: Policy -> USD spent on calls only agents saw, per seed.
    """

    scenario: str
    seeds: tuple[int, ...]
    regret: dict[str, list[float]]
    failed: dict[str, list[int]]
    judging_cost: dict[str, list[float]]

    def paired(self, policy: str = "hive", against: str = "selector") -> dict[str, float]:
        """``against`` minus ``policy`` regret per seed: mean, 95% interval, p, seeds won."""
        gains = [a - b for a, b in zip(self.regret[against], self.regret[policy], strict=True)]
        n = len(gains)
        mean = statistics.fmean(gains)
        sd = statistics.stdev(gains) if n > 1 else math.nan
        half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n) if n > 1 else math.nan
        p = math.nan
        if n > 1:
            p = 1.0 if sd == 0 else float(stats.ttest_1samp(gains, 0.0).pvalue)
        base = statistics.fmean(self.regret[against])
        return {
            "value": mean,
            "low": mean - half,
            "high": mean + half,
            "p": p,
            "won": float(sum(g > 0 for g in gains)),
            "relative": mean / base if base else math.nan,
        }


def _run(job: tuple[ScenarioSpec, str]) -> tuple[float, int, float]:
    spec, policy = job
    summary = run_scenario(spec, policy=policy).summary
    return summary["cumulative_regret"], summary["failed_calls"], summary["judging_cost"]


def measure(
    spec: ScenarioSpec,
    seeds: Sequence[int],
    *,
    policies: Sequence[str] = POLICIES,
    workers: int | None = None,
) -> HiveValue:
    """Run every policy on every seed of one scenario (in parallel processes)."""
    jobs = [(spec.with_overrides(seed=seed), p) for p in policies for seed in seeds]
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        results = [_run(job) for job in jobs]
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            results = list(pool.map(_run, jobs))
    regret: dict[str, list[float]] = {p: [] for p in policies}
    failed: dict[str, list[int]] = {p: [] for p in policies}
    cost: dict[str, list[float]] = {p: [] for p in policies}
    for (_, policy), (r, f, c) in zip(jobs, results, strict=True):
        regret[policy].append(r)
        failed[policy].append(f)
        cost[policy].append(c)
    return HiveValue(spec.name, tuple(seeds), regret, failed, cost)


def hive_value(
    scenarios: Sequence[str],
    seeds: Sequence[int],
    *,
    steps: int | None = None,
    overrides: dict[str, Any] | None = None,
    workers: int | None = None,
) -> list[HiveValue]:
    """:func:`measure` for each named scenario, with ``agents`` fields overridden if given."""
    out = []
    for name in scenarios:
        spec = load_scenario(name)
        if steps is not None:
            spec = spec.with_overrides(steps=steps)
        if overrides:
            spec = spec.with_overrides(agents={**spec.agents.model_dump(), **overrides})
        out.append(measure(spec, seeds, workers=workers))
    return out
