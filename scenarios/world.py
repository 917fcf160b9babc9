"""The simulated world: which models exist, what they cost, and how they truly behave now.

The selector never sees this; it sees only the catalog (prices, context) and the records the
simulation draws from here. Events change the world at their step.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri, pdtr, pdtrik

from scenarios.spec import (
    Behaviour,
    Event,
    ModelTruth,
    Outage,
    PriceChange,
    QualityDrift,
    Release,
    Retirement,
    ScenarioSpec,
)
from selection import ModelCatalog, ModelSpec, call_cost

__all__ = ["Outcomes", "World"]


@dataclass
class _Live:
    truth: ModelTruth
    input_price: float
    output_price: float
    drift: dict[str | None, float] = field(default_factory=dict)  # task (None: all) -> delta
    outage_until: int = -1
    outage: Outage | None = None


@dataclass(frozen=True)
class Outcomes:
    """Drawn outcomes of a batch of calls, one entry per request."""

    quality: npt.NDArray[np.float64]
    latency_ms: npt.NDArray[np.float64]
    failed: npt.NDArray[np.bool_]
    timed_out: npt.NDArray[np.bool_]
    tokens_in: npt.NDArray[np.int64]
    tokens_out: npt.NDArray[np.int64]
    cost: npt.NDArray[np.float64]


class World:
    """Hidden truth plus the catalog the selector sees, kept in step by events."""

    def __init__(self, spec: ScenarioSpec) -> None:
        self.spec = spec
        self.step = 0
        released_later = {e.model for e in spec.events if isinstance(e, Release)}
        self._live: dict[str, _Live] = {}
        self.catalog = ModelCatalog(tasks=spec.traffic)
        for truth in spec.models:
            if truth.id not in released_later:
                self._enter(truth)

    def _enter(self, truth: ModelTruth) -> None:
        live = _Live(truth, truth.input_cost_per_1k_tokens, truth.output_cost_per_1k_tokens)
        self._live[truth.id] = live
        self.catalog.add(self._spec_of(live))

    @staticmethod
    def _spec_of(live: _Live) -> ModelSpec:
        truth = live.truth
        return ModelSpec(
            id=truth.id,
            provider=truth.provider,
            input_cost_per_1k_tokens=live.input_price,
            output_cost_per_1k_tokens=live.output_price,
            context_length=truth.context_length,
            specializations=truth.specializations,
            quality_prior=truth.quality_prior,
            typical_latency_ms=truth.behaviour.latency_ms,  # the advertised figure
        )

    @property
    def active(self) -> list[str]:
        """Models the catalog offers now."""
        return [s.id for s in self.catalog.active()]

    def apply(self, event: Event) -> None:
        """Change the world as an event says."""
        if isinstance(event, Release):
            self._enter(next(m for m in self.spec.models if m.id == event.model))
            return
        live = self._live[event.model]
        if isinstance(event, PriceChange):
            live.input_price = event.input_cost_per_1k_tokens
            live.output_price = event.output_cost_per_1k_tokens
            self.catalog.add(self._spec_of(live))
        elif isinstance(event, QualityDrift):
            live.drift[event.task] = live.drift.get(event.task, 0.0) + event.delta
        elif isinstance(event, Outage):
            live.outage, live.outage_until = event, event.step + event.duration
        elif isinstance(event, Retirement):
            self.catalog.retire(event.model)

    def behaviour(self, model_id: str, task: str) -> Behaviour:
        """The true behaviour now, drift and outages included."""
        live = self._live[model_id]
        base = live.truth.on(task)
        delta = live.drift.get(None, 0.0) + live.drift.get(task, 0.0)
        changes: dict[str, float] = {}
        if delta:
            changes["quality"] = min(1.0, max(0.0, base.quality + delta))
        if live.outage is not None and self.step < live.outage_until:
            changes["error_rate"] = max(base.error_rate, live.outage.error_rate)
        return base.model_copy(update=changes) if changes else base

    def in_outage(self, model_id: str) -> bool:
        """Whether the model is down now."""
        live = self._live[model_id]
        return live.outage is not None and self.step < live.outage_until

    def prices(self, model_id: str) -> tuple[float, float]:
        """Current USD per 1,000 input and output tokens."""
        live = self._live[model_id]
        return live.input_price, live.output_price

    def draw(self, model_id: str, task: str, noise: npt.NDArray[np.float64]) -> Outcomes:
        """Outcomes for calls to one model, from pre-drawn noise (rows: requests).

        ``noise`` has five columns of uniform [0, 1) draws per request, drawn before the
        choice of model, so every policy faces the same luck (common random numbers).
        """
        b = self.behaviour(model_id, task)
        failed = noise[:, 0] < b.error_rate
        if b.outcome == "win":
            quality = (noise[:, 1] < b.quality).astype(np.float64)
        else:
            quality = np.clip(b.quality + b.quality_sd * ndtri(noise[:, 1]), 0.0, 1.0)
        latency = b.latency_ms * np.exp(b.latency_sigma * ndtri(noise[:, 2]))
        timed_out = failed & self.in_outage(model_id)
        outage = self._live[model_id].outage
        if outage is not None and timed_out.any():
            latency = np.where(timed_out, outage.timeout_ms, latency)
        tokens_in = _poisson_quantile(b.tokens_in, noise[:, 3])
        tokens_out = np.where(failed, 0, _poisson_quantile(b.tokens_out, noise[:, 4]))
        price_in, price_out = self.prices(model_id)
        cost = call_cost(tokens_in, tokens_out, price_in=price_in, price_out=price_out)
        return Outcomes(quality, latency, failed, timed_out, tokens_in, tokens_out, cost)


def _poisson_quantile(mean: float, u: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Poisson draws by inversion of uniforms: ``scipy.stats.poisson.ppf(u, mean)``, exactly.

    The smallest ``k`` with ``P(X <= k) >= u``, found in a cached CDF table. scipy inverts
    with ``pdtrik``, which is not exact at the last bits: the few draws that fall in the far
    tails or within 1e-7 (relative) of a step of the CDF take scipy's own formula, so the
    draws are scipy's (``tests/scenarios/test_world_poisson.py``).
    """
    if mean <= 0:
        return np.zeros(len(u), dtype=np.int64)
    cdf = _poisson_cdf(float(mean))
    draws = np.searchsorted(cdf, u, side="left")
    below = cdf[np.maximum(draws - 1, 0)]
    near = (u < _TAIL) | (u > 1.0 - _TAIL)
    near |= np.abs(u - below) <= _STEP * u
    near |= np.abs(cdf[draws] - u) <= _STEP * u
    if near.any():
        draws[near] = _scipy_poisson_ppf(u[near], mean)
    return draws.astype(np.int64)


_TAIL = 1e-6
_STEP = 1e-7


def _scipy_poisson_ppf(u: npt.NDArray[np.float64], mean: float) -> npt.NDArray[np.int64]:
    """``scipy.stats.poisson.ppf``'s formula on its own special functions (-1 at ``u == 0``)."""
    vals = np.ceil(pdtrik(u, mean))
    below = np.maximum(vals - 1.0, 0.0)
    draws = np.where(pdtr(below, mean) >= u, below, vals)
    return np.where(u == 0.0, -1, draws).astype(np.int64)


@functools.lru_cache(maxsize=1024)
def _poisson_cdf(mean: float) -> npt.NDArray[np.float64]:
    """``P(X <= k)`` for ``k = 0, 1, ...`` until it rounds to 1 (scipy's ``pdtr``)."""
    size = int(mean + 16.0 * math.sqrt(mean) + 64.0)
    while True:
        cdf = pdtr(np.arange(size), mean)
        if cdf[-1] >= 1.0:
            return np.asarray(cdf, dtype=np.float64)
        size *= 2
