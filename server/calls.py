"""One served call: resolve the route, call with fallbacks, record every attempt once.

Records follow :mod:`selection.completion`: the answer under the request id, failed attempt
``n`` under ``f"{rid}#{n}"``, the routed model's last record tagged with its A/B arm. A
stream is recorded when it ends (``context_data`` carries ``time_to_first_token_ms``), or,
when it breaks or the client goes away, as a failure of the model that served it.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from selection import (
    ConfigError,
    DynamicModelManager,
    ModelSpec,
    PerformanceRecord,
    failed_attempt_record,
    load_or_create_key,
    wire_prompt_hash,
)
from selection.providers import Attempt, Completion, ModelGateway, Prices
from server.errors import APIError
from server.metrics import ServerMetrics
from server.writer import RecordWriter

__all__ = ["ROUTE_PREFIX", "CallPlan", "CallRecorder", "Hints"]

logger = logging.getLogger(__name__)

ROUTE_PREFIX = "genesis-prime/"
_REMEMBERED = 100_000  # request ids kept for later feedback


@dataclass(frozen=True, slots=True, kw_only=True)
class Hints:
    """What the caller said beyond OpenAI's fields (extra body fields or ``x-genesis-*``)."""

    task: str | None = None
    priority_factors: Mapping[str, float] | None = None
    request_id: str | None = None
    unit_id: str | None = None
    budget: float | None = None  # USD this request may cost at most (estimated beforehand)
    max_tokens: int | None = None  # the request's own cap on output tokens, for the estimate


@dataclass(frozen=True, slots=True, kw_only=True)
class CallPlan:
    """The chain to call for one request and what its records share."""

    rid: str
    task: str
    chain: tuple[str, ...]
    routed: str
    unit_id: str | None
    prices: Mapping[str, Prices]
    prompt_hash: str
    context: dict[str, Any] = field(default_factory=dict)


class CallRecorder:
    """Plans calls through the manager's selector and records their outcomes.

    Args:
        manager: Chooses models and owns the tracker and the A/B tests.
        gateway: Says which models can be called (a key is configured).
        metrics: Counted for every recorded outcome.
        writer: Writes the records in the background.
        default_task: The task of ``genesis-prime/auto`` without a task hint.
    """

    def __init__(
        self,
        manager: DynamicModelManager,
        gateway: ModelGateway,
        metrics: ServerMetrics,
        writer: RecordWriter,
        *,
        default_task: str,
    ) -> None:
        self._manager = manager
        self._gateway = gateway
        self._metrics = metrics
        self._writer = writer
        self._default_task = default_task
        self._served: OrderedDict[str, tuple[str, str]] = OrderedDict()
        self._prompt_key: bytes | None = None
        # Answers that do not change between requests, worked out once: whether the gateway
        # can call a model (its clients are fixed), and a catalog entry's prices (kept with
        # the entry they came from, so a replaced entry is priced anew).
        self._callable_ids: dict[str, bool] = {}
        self._prices: dict[str, tuple[ModelSpec, Prices | None]] = {}

    async def plan(self, model: str, messages: Sequence[Any], hints: Hints) -> CallPlan:
        """Resolve ``model`` (a route or a catalog id) to the chain of models to try.

        Raises:
            APIError: The model or task is unknown, or nothing can be called.
            selection.GenesisError, ValueError: From the selector (mapped by the app).
        """
        rid = hints.request_id or uuid.uuid4().hex
        if not rid or len(rid) > 240 or "#" in rid:
            raise APIError(
                400, "request id must be 1-240 characters without '#'", param="request_id"
            )
        catalog = self._manager.catalog
        if model.startswith(ROUTE_PREFIX):
            route = model.removeprefix(ROUTE_PREFIX)
            task = catalog.check_task(
                (hints.task or self._default_task) if route == "auto" else route
            )
            rec = await self._manager.recommend(
                task, hints.priority_factors, unit_id=hints.unit_id, request_id=rid
            )
            candidates = [rec.recommended_model_id, *rec.alternative_models]
            routed = rec.recommended_model_id
        else:
            catalog.get(model)
            task = catalog.check_task(hints.task or self._default_task)
            candidates, routed = [model], model
        chain = tuple(m for m in candidates if self._callable(m))
        if chain and hints.budget is not None:
            chain = self._within(chain, messages, hints)
        if not chain:
            raise APIError(
                503,
                f"no model for {model!r} can be called: set a provider key",
                type="server_error",
                code="not_configured",
            )
        prices = {m: p for m in chain if (p := self._prices_of(m)) is not None}
        context = {"request_id": rid, "recommended_model": routed, "served_by": "server"}
        return CallPlan(
            rid=rid,
            task=task,
            chain=chain,
            routed=routed,
            unit_id=hints.unit_id,
            prices=prices,
            prompt_hash=self._hash(messages),
            context=context,
        )

    async def record(
        self,
        plan: CallPlan,
        attempts: Sequence[Attempt],
        answer: tuple[str, Completion] | None,
        *,
        broken: str | None = None,
    ) -> list[PerformanceRecord]:
        """Record the failed attempts and the answer (``(model_id, completion)``), once.

        The records are tagged with their A/B arm and counted in the metrics now, and
        queued for the background writer (stored within milliseconds, see
        :mod:`server.writer`). ``broken`` names the error type of a stream that failed after
        it opened: its answer is recorded as that model's failure.
        """
        now = self._manager.clock.now()
        failed = [a for a in attempts if a.error_type is not None]
        records = [
            failed_attempt_record(
                a, request_id=plan.rid, number=n, task_type=plan.task,
                prompt_hash=plan.prompt_hash, context=plan.context, now=now,
            )
            for n, a in enumerate(failed, 1)
        ]  # fmt: skip
        if answer is not None:
            model_id, completion = answer
            records.append(self._answer(plan, len(failed) + 1, model_id, completion, broken, now))
        selector = self._manager.model_selector
        for i in range(len(records) - 1, -1, -1):
            if records[i].model_id == plan.routed:
                records[i] = selector.tag(records[i], unit_id=plan.unit_id, request_id=plan.rid)
                break
        self._count(plan, records)
        if answer is not None and broken is None:
            self._remember(plan.rid, answer[0], plan.task)
        await self._writer.submit(records)
        return records

    def served(self, request_id: str) -> tuple[str, str] | None:
        """``(model_id, task)`` of a request this server answered, for feedback."""
        return self._served.get(request_id)

    def _within(
        self, chain: tuple[str, ...], messages: Sequence[Any], hints: Hints
    ) -> tuple[str, ...]:
        # The cost estimate: about 4 characters a token for the prompt, and the request's
        # max_tokens (else the catalog's default) for the answer. Unpriced models are left
        # out: an unknown cost is not within any budget.
        assert hints.budget is not None
        prompt_tokens = len(json.dumps(messages, ensure_ascii=False)) / 4
        catalog = self._manager.catalog
        costs = {
            m: catalog.get(m).estimate_cost(prompt_tokens, hints.max_tokens)
            if hints.max_tokens
            else catalog.get(m).estimate_cost(prompt_tokens)
            for m in chain
        }
        within = tuple(m for m in chain if (c := costs[m]) is not None and c <= hints.budget)
        if not within:
            known = [c for c in costs.values() if c is not None]
            cheapest = (
                f"the cheapest is estimated at ${min(known):.6f}" if known else "none is priced"
            )
            raise APIError(
                400,
                f"no model fits the budget of ${hints.budget:g}: {cheapest}",
                param="budget",
                code="budget_too_low",
            )
        return within

    def _hash(self, messages: Sequence[Any]) -> str:
        # Keyed with the installation's secret, as complete() and ask hash prompts.
        if self._prompt_key is None:
            self._prompt_key = load_or_create_key()
        return wire_prompt_hash(messages, key=self._prompt_key)

    def _callable(self, model_id: str) -> bool:
        known = self._callable_ids.get(model_id)
        if known is None:
            try:
                self._gateway.route(model_id)
                known = True
            except ConfigError:  # no client (no key): left out of the chain
                known = False
            self._callable_ids[model_id] = known
        return known

    def _prices_of(self, model_id: str) -> Prices | None:
        spec = self._manager.catalog.get(model_id)
        cached = self._prices.get(model_id)
        if cached is not None and cached[0] is spec:
            return cached[1]
        prices = _prices(spec)
        self._prices[model_id] = (spec, prices)
        return prices

    def _remember(self, rid: str, model_id: str, task: str) -> None:
        self._served[rid] = (model_id, task)
        if len(self._served) > _REMEMBERED:
            self._served.popitem(last=False)

    def _count(self, plan: CallPlan, records: Sequence[PerformanceRecord]) -> None:
        m = self._metrics
        for r in records:
            if r.error_occurred:
                error_type = r.error_type or "unknown"
                m.count(m.requests, r.model_id, plan.task, "error").inc()
                m.count(m.errors, error_type).inc()
                lost = r.context_data.get("attempt_latency_ms")
                if lost is not None:
                    m.timing(m.failed_latency, r.model_id, error_type).observe(lost / 1e3)
                continue
            m.count(m.requests, r.model_id, plan.task, "ok").inc()
            if r.response_time_ms is not None:
                m.timing(m.latency, r.model_id, plan.task).observe(r.response_time_ms / 1e3)
            ttft = r.context_data.get("time_to_first_token_ms")
            if ttft is not None:
                m.timing(m.first_token, r.model_id, plan.task).observe(ttft / 1e3)
            if r.cost is not None:
                m.count(m.cost, r.model_id, plan.task).inc(r.cost)

    @staticmethod
    def _answer(
        plan: CallPlan,
        n: int,
        model_id: str,
        completion: Completion,
        broken: str | None,
        now: Any,
    ) -> PerformanceRecord:
        context: dict[str, Any] = {
            **plan.context,
            "attempt": n,
            "provider": completion.provider,
            "served_model": completion.model,
            "finish_reason": completion.finish_reason,
            "cost_source": completion.cost_source,
        }
        if completion.first_token_s is not None:
            context["time_to_first_token_ms"] = completion.first_token_s * 1000.0
        latency_ms = completion.latency_s * 1000.0
        if broken is not None:  # a failure's latency is kept apart from the answers'
            context["attempt_latency_ms"] = latency_ms
        return PerformanceRecord(
            record_id=plan.rid if broken is None else f"{plan.rid}#{n}",
            model_id=model_id,
            task_type=plan.task,
            prompt_hash=plan.prompt_hash,
            response_time_ms=latency_ms if broken is None else None,
            token_count_input=completion.input_tokens,
            token_count_output=completion.output_tokens,
            cost=completion.cost_usd,
            error_occurred=broken is not None,
            error_type=broken,
            timestamp=now,
            context_data=context,
        )


def _prices(spec: ModelSpec) -> Prices | None:
    if spec.input_cost_per_1k_tokens is None or spec.output_cost_per_1k_tokens is None:
        return None
    return Prices.per_thousand(spec.input_cost_per_1k_tokens, spec.output_cost_per_1k_tokens)
