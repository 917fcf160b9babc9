"""Wisdom of the crowd, measured: does a bigger hive name the best model more often?

A jury of ``n`` real :class:`agents.GenesisAgent` objects, each judging answers through its own
leniency, taste and noise, ranks ``K`` models whose true mean qualities are known; every
:data:`hive.METHODS` consensus method counts their ballots. Two regimes:

- ``own``: each agent judges its own ``calls`` answers per model, so a bigger jury has more
  evidence in all;
- ``split``: a fixed ``stream`` of answers per model is split among the agents, so a bigger jury
  has the same evidence, thinner per agent.

Against the consensus: one agent (the mean over the jury's members), pooling the same records
(the mean recorded score per model over every answer the jury saw: what the selector does),
the median of the agents' reports (the hive's evidence channel), and the Condorcet jury
theorem's curve for the measured single-agent accuracy ``p``: the chance that a majority of
``n`` independent voters, each right with probability ``p``, is right (a tie counts half).
That curve is for two alternatives; with more models it is the reference the theorem offers,
not a prediction.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

import numpy as np
from scipy import stats

from agents import BeliefConfig, GenesisAgent, Persona
from hive import METHODS, HiveMind, aggregate
from selection import PerformanceRecord

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "JURY_COLUMNS",
    "JuryConfig",
    "JuryRow",
    "condorcet",
    "jury_curves",
    "plot_jury",
    "write_csv",
]

JURY_COLUMNS = ("regime", "agents", "method", "p_best", "tau", "trials")
"""The CSV's columns: one row per (regime, jury size, method)."""


class JuryRow(TypedDict):
    """One (regime, jury size, method): how often it named the best model, its mean tau."""

    regime: str
    agents: int
    method: str
    p_best: float
    tau: float
    trials: int


_TASK = "logical_reasoning"
_JUDGE = Persona(name="judge", weights={"quality": 1.0}, description="The best answer.")
_REFERENCES = ("one agent", "pooled records", "median of reports")
_T0 = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class JuryConfig:
    """What the jury judges and how often.

    Attributes:
        qualities: True mean quality per model (labelled ``m0``... at random in each trial).
        quality_sd: Spread of single answers' quality around the mean.
        calls: Answers per model each agent judges (``own`` regime).
        stream: Answers per model split among the agents (``split`` regime).
        sizes: Jury sizes.
        trials: Independent juries per size and regime.
        seed: The seed of every draw.
    """

    qualities: tuple[float, ...] = (0.86, 0.80, 0.64)
    quality_sd: float = 0.10
    calls: int = 3
    stream: int = 300
    sizes: tuple[int, ...] = (1, 2, 3, 5, 10, 20, 30, 50, 100, 200)
    trials: int = 100
    seed: int = 0
    methods: tuple[str, ...] = field(default=METHODS)

    def __post_init__(self) -> None:
        if len(self.qualities) < 2 or len(set(self.qualities)) != len(self.qualities):
            raise ValueError("qualities: need at least two distinct true qualities")
        if not all(0.0 <= q <= 1.0 for q in self.qualities):
            raise ValueError("qualities: each must be in [0, 1]")
        if not self.sizes or min(self.sizes) < 1:
            raise ValueError("sizes: each jury needs at least one agent")
        if self.calls < 1 or self.trials < 1:
            raise ValueError("calls and trials must be at least 1")
        if self.stream < max(self.sizes):
            raise ValueError(
                f"stream: {self.stream} answers per model cannot reach {max(self.sizes)} agents"
            )
        unknown = sorted(set(self.methods) - set(METHODS))
        if unknown:
            raise ValueError(f"methods: unknown {unknown[0]!r}; use {', '.join(METHODS)}")


def condorcet(p: float, n: int) -> float:
    """The chance that a majority of ``n`` voters, each right with chance ``p``, is right.

    A tie (even ``n``) is broken by a fair coin. For example ``condorcet(0.6, 3)`` is
    ``0.6**3 + 3 * 0.6**2 * 0.4 = 0.648``.
    """
    if not 0.0 <= p <= 1.0 or n < 1:
        raise ValueError(f"need p in [0, 1] and n >= 1, got p={p!r}, n={n!r}")
    k = np.arange(n + 1)
    mass = stats.binom.pmf(k, n, p)
    return float(mass[2 * k > n].sum() + 0.5 * mass[2 * k == n].sum())


def jury_curves(config: JuryConfig) -> list[JuryRow]:
    """Every (regime, size, method) row of :data:`JURY_COLUMNS`, plus the Condorcet curve."""
    names = (*config.methods, *_REFERENCES)
    rows: list[JuryRow] = []
    for regime in ("own", "split"):
        for n in config.sizes:
            hits = dict.fromkeys(names, 0.0)
            taus: dict[str, list[float]] = {name: [] for name in names}
            rng = np.random.default_rng([config.seed, n, 0 if regime == "own" else 1])
            for _ in range(config.trials):
                # Fresh labels each trial: ties broken by model id favour no model.
                models = [f"m{j}" for j in rng.permutation(len(config.qualities))]
                truth = dict(zip(models, config.qualities, strict=True))
                best = max(models, key=truth.__getitem__)
                ranked, single = _trial(config, regime, n, models, rng)
                hits["one agent"] += single[0]
                taus["one agent"].append(single[1])
                for name, ranking in ranked.items():
                    hits[name] += ranking[0] == best
                    taus[name].append(_tau(ranking, truth))
            p = hits["one agent"] / config.trials
            for name in names:
                rows.append(
                    {"regime": regime, "agents": n, "method": name,
                     "p_best": hits[name] / config.trials,
                     "tau": float(np.nanmean(taus[name])), "trials": config.trials}
                )  # fmt: skip
            rows.append(
                {"regime": regime, "agents": n, "method": "condorcet",
                 "p_best": condorcet(p, n), "tau": math.nan, "trials": config.trials}
            )  # fmt: skip
    return rows


def _trial(
    config: JuryConfig, regime: str, n: int, models: list[str], rng: np.random.Generator
) -> tuple[dict[str, list[str]], tuple[float, float]]:
    """One jury: the consensus per method and the references' rankings; one agent's score."""
    per_model = config.calls * n if regime == "own" else config.stream
    draws = rng.normal(size=(len(models), per_model)) * config.quality_sd
    quality = np.clip(np.array(config.qualities)[:, None] + draws, 0.0, 1.0)
    owner = np.arange(per_model) % n if regime == "own" else rng.permutation(per_model) % n
    agents = [
        GenesisAgent(f"a{i}", _JUDGE, rng=rng.spawn(1)[0], beliefs=BeliefConfig(decay=1.0))
        for i in range(n)
    ]
    inbox: list[list[PerformanceRecord]] = [[] for _ in range(n)]
    for m, model in enumerate(models):
        for j in range(per_model):
            inbox[int(owner[j])].append(
                PerformanceRecord(
                    model_id=model, task_type=_TASK, quality_score=float(quality[m, j]),
                    cost=0.001, response_time_ms=1000.0, timestamp=_T0,
                )
            )  # fmt: skip
    for agent, calls in zip(agents, inbox, strict=True):
        agent.observe_many(calls)
    ballots = [b for b in (a.ballot(_TASK) for a in agents) if b is not None]
    truth = dict(zip(models, config.qualities, strict=True))
    best = max(models, key=truth.__getitem__)
    single = (
        float(np.mean([b.ranking[0] == best for b in ballots])),
        float(np.nanmean([_tau(list(b.ranking), truth) for b in ballots])),
    )
    ranked = {
        method: list(aggregate(ballots, method, task=_TASK, weighted=False).ranking)
        for method in config.methods
    }
    pooled = quality.mean(axis=1)
    ranked["pooled records"] = [models[i] for i in np.argsort(-pooled, kind="stable")]
    reports = HiveMind(agents, reputation=False).evidence(_TASK)
    ranked["median of reports"] = sorted(reports, key=lambda m: (-reports[m][0], m))
    return ranked, single


def _tau(ranking: Sequence[str], truth: dict[str, float]) -> float:
    """Kendall's tau-b of a ranking (best first; missing models last) with the true order."""
    place = {m: i for i, m in enumerate(ranking)}
    models = sorted(truth)
    predicted = [-place.get(m, len(ranking)) for m in models]
    if len(set(predicted)) < 2:
        return math.nan
    return float(stats.kendalltau(predicted, [truth[m] for m in models]).statistic)


def write_csv(rows: Sequence[JuryRow], path: Path) -> Path:
    """Write the rows with :data:`JURY_COLUMNS` as the header."""
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(JURY_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return path


def plot_jury(rows: Sequence[JuryRow]) -> Figure:
    """P(the consensus names the best model) against jury size, one panel per regime."""
    from scenarios.figures import legend_outside, new_figure, policy_style

    figure = new_figure(11.0, 4.2)
    regimes = ("own", "split")
    axes = figure.subplots(1, len(regimes), sharey=True)
    names = list(dict.fromkeys(r["method"] for r in rows))
    for ax, regime in zip(axes, regimes, strict=True):
        for index, name in enumerate(names):
            mine = [r for r in rows if r["regime"] == regime and r["method"] == name]
            ax.plot(
                [r["agents"] for r in mine], [r["p_best"] for r in mine],
                label=name, linewidth=2.2 if name in ("condorcet", "pooled records") else 1.2,
                **policy_style(index),
            )  # fmt: skip
        ax.set_xscale("log")
        ax.set_xlabel("agents in the jury")
        ax.set_title("each agent brings its own calls" if regime == "own" else
                     "a fixed stream split among the agents")  # fmt: skip
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("P(consensus names the best model)")
    legend_outside(axes[-1])
    return figure
