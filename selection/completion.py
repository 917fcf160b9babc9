"""Real model calls: choose a model, call it with fallbacks, record every attempt.

:meth:`CompletionService.complete` asks the selector for a recommendation, calls
``[recommended, *alternatives]`` through :meth:`ModelGateway.complete_with_fallback`, has the
answer judged, and records one :class:`PerformanceRecord` per attempt, failures included,
through the tracker in one transaction.

Record ids. Each call has one request id (given, else a fresh UUID hex). Attempts are
numbered from 1 in the order they were made, retries of one model included. The attempt
that answered is recorded under the request id itself; every failed attempt ``n`` under
``f"{request_id}#{n}"``. So ``[500, 500, answer]`` gives ``rid#1``, ``rid#2`` and ``rid``, and
a rating given later with the request id lands on the answer. A call that fails everywhere
has no record named ``rid``. Reusing a request id records nothing new (the tracker skips ids
already stored). Not recorded: a model skipped because its breaker was open (no call was
made), a model the gateway cannot route (no key), and an answer served from the response
cache (no call, so no record named ``rid`` either).

A/B tests. The request id (or ``unit_id``) is passed to ``recommend``, so a running test picks
the arm; then the routed model's last record (its answer, or its last failure when a fallback
answered) is tagged with the test and arm, so each request counts once in the test.

What a record holds. ``response_time_ms`` is the latency of an answer only. A failed
attempt's latency (the time lost on it) is kept apart, in
``context_data["attempt_latency_ms"]``, with ``response_time_ms`` left empty: a 429 that
comes back in 5 ms must not make a model's mean latency look better than its answers are.
Tokens come from the provider's usage fields. ``cost`` is the provider's reported charge,
else the catalog's prices times the tokens, else ``None`` (unknown, never 0); failed
attempts carry no usage, so their cost is ``None``. The prompt is kept only as
``prompt_hash`` (see :func:`prompt_hash`) unless ``store_prompt`` is set, when
``context_data["messages"]`` holds the conversation. Keys never reach a record.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, Self

from selection.catalog import ModelCatalog, ModelSpec
from selection.clock import Clock
from selection.core import ChoiceMode
from selection.errors import ConfigError, GenesisError
from selection.judges import Judge, Judgement, JudgeRequest, NoJudge
from selection.prompt_key import load_or_create_key
from selection.providers import (
    AllModelsFailedError,
    Attempt,
    Completion,
    FallbackResult,
    GenerationParams,
    Message,
    ModelGateway,
    Prices,
)
from selection.recommendation import Recommendation
from selection.records import PerformanceRecord
from selection.tasks import TaskLike
from selection.tracker import PerformanceTracker

if TYPE_CHECKING:
    from selection.manager import DynamicModelManager

__all__ = [
    "CompletionFailedError",
    "CompletionOutcome",
    "CompletionService",
    "Experiments",
    "Recommender",
    "catalog_prices",
    "failed_attempt_record",
    "prompt_hash",
    "wire_prompt_hash",
]

logger = logging.getLogger(__name__)

_MAX_REQUEST_ID = 240  # record ids hold 255 characters; leave room for "#<attempt>"


class Recommender(Protocol):
    """What recommends a model for a task (``DynamicModelManager`` is one)."""

    async def recommend(
        self,
        task: TaskLike,
        priority_factors: Mapping[str, float] | None = None,
        *,
        mode: ChoiceMode = "greedy",
        min_context_length: int | None = None,
        unit_id: str | None = None,
        request_id: str | None = None,
    ) -> Recommendation:
        """Return the recommendation for ``task`` (an A/B test routes by the ids)."""
        ...


class Experiments(Protocol):
    """What tags a record with its A/B test arm (``ABTestManager`` is one)."""

    def tag(
        self,
        record: PerformanceRecord,
        *,
        unit_id: str | None = None,
        request_id: str | None = None,
    ) -> PerformanceRecord:
        """Return the record tagged with its test and arm, if its unit was routed by one."""
        ...

    async def maybe_monitor(self, test_id: str) -> object:
        """Let the test check its guardrails and stopping rule when due."""
        ...


def prompt_hash(messages: Sequence[Message], *, key: bytes) -> str:
    """Return the keyed hash (HMAC-SHA-256, hex) that stands for the prompt in stored records.

    Keyed with the installation's secret (:mod:`selection.prompt_key`), so a short prompt
    cannot be recovered by hashing likely ones. A single user message hashes its text
    (UTF-8), so ``ask TASK "prompt"`` stores ``hmac(key, prompt)``; any other conversation
    hashes its canonical JSON, ``[{"role": ..., "content": ...}, ...]`` with no spaces and
    UTF-8 kept as is.
    """
    if len(messages) == 1 and messages[0].role == "user":
        text = messages[0].content
    else:
        text = json.dumps(_as_dicts(messages), separators=(",", ":"), ensure_ascii=False)
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def wire_prompt_hash(messages: Sequence[Any], *, key: bytes) -> str:
    """:func:`prompt_hash` of an OpenAI-shaped conversation (dicts, as a server receives it).

    A conversation of plain text messages (``role`` and string ``content`` only) hashes
    exactly as :func:`prompt_hash` hashes the same :class:`Message` list, so one
    conversation stands for one hash whether it came through ``complete`` or the server;
    anything richer (tools, images...) hashes its canonical JSON (sorted keys).
    """
    if all(
        isinstance(m, dict)
        and set(m) == {"role", "content"}
        and m["role"] in ("system", "user", "assistant")
        and isinstance(m["content"], str)
        for m in messages
    ):
        return prompt_hash([Message(m["role"], m["content"]) for m in messages], key=key)
    text = json.dumps(messages, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def catalog_prices(spec: ModelSpec) -> Prices | None:
    """The per-token prices of a catalog model, or ``None`` when either price is unknown."""
    if spec.input_cost_per_1k_tokens is None or spec.output_cost_per_1k_tokens is None:
        return None
    return Prices.per_thousand(spec.input_cost_per_1k_tokens, spec.output_cost_per_1k_tokens)


def _as_dicts(messages: Sequence[Message]) -> list[dict[str, str]]:
    return [{"role": m.role, "content": m.content} for m in messages]


@dataclass(frozen=True, slots=True, kw_only=True)
class CompletionOutcome:
    """The answer of one :meth:`CompletionService.complete` call and what was recorded.

    Attributes:
        request_id: The call's request id (the answer's record id).
        completion: The answer.
        model_id: The catalog id of the model that answered.
        recommendation: What the selector recommended.
        records: Every record written for the call, in attempt order (the answer's last).
        verdict: The judge's verdict on the answer.
        skipped: Models passed over because their breaker was open.
        unroutable: Models left out of the chain, with the reason (no client configured).
    """

    request_id: str
    completion: Completion
    model_id: str
    recommendation: Recommendation
    records: tuple[PerformanceRecord, ...]
    verdict: Judgement
    skipped: tuple[str, ...] = ()
    unroutable: Mapping[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The answer's text."""
        return self.completion.text

    @property
    def record(self) -> PerformanceRecord | None:
        """The answer's record, or ``None`` when the answer came from the response cache."""
        for record in self.records:
            if record.record_id == self.request_id:
                return record
        return None


class CompletionFailedError(AllModelsFailedError):
    """Every model of the chain failed; every failed attempt was recorded.

    Attributes:
        request_id: The call's request id.
        records: The records written, one per failed attempt.
    """

    def __init__(
        self, request_id: str, failure: AllModelsFailedError, records: Sequence[PerformanceRecord]
    ) -> None:
        super().__init__(failure.attempts, failure.skipped)
        self.request_id = request_id
        self.records = tuple(records)


class CompletionService:
    """Choose, call, judge and record: the manager's ``complete``.

    Args:
        recommender: Chooses the model (the manager, so that recommendations are stored).
        tracker: Records every attempt (its catalog prices the calls).
        gateway: Calls the models.
        judge: Scores answers; :class:`NoJudge` by default.
        clock: Stamps the records; the tracker's clock by default.
        store_prompt: Keep the conversation in ``context_data["messages"]`` (opt-in).
        prompt_key: Keys the prompt hash; the installation's (see
            :mod:`selection.prompt_key`) by default, read on the first call.
        experiments: Tags the routed model's record with its A/B test arm, if any.
    """

    def __init__(
        self,
        recommender: Recommender,
        tracker: PerformanceTracker,
        gateway: ModelGateway,
        *,
        judge: Judge | None = None,
        clock: Clock | None = None,
        store_prompt: bool = False,
        prompt_key: bytes | None = None,
        experiments: Experiments | None = None,
    ) -> None:
        self._prompt_key = prompt_key
        self._recommender = recommender
        self._tracker = tracker
        self._gateway = gateway
        self._judge: Judge = judge or NoJudge()
        self._clock: Clock = clock or tracker.clock
        self._store_prompt = store_prompt
        self._experiments = experiments

    @classmethod
    def for_manager(
        cls,
        manager: DynamicModelManager,
        gateway: ModelGateway,
        *,
        judge: Judge | None = None,
        store_prompt: bool = False,
    ) -> Self:
        """A service that recommends, records, stamps and runs A/B tests through ``manager``."""
        return cls(
            manager,
            manager.performance_tracker,
            gateway,
            judge=judge,
            clock=manager.clock,
            store_prompt=store_prompt,
            experiments=manager.ab_test_manager,
        )

    def __repr__(self) -> str:
        return f"CompletionService(judge={self._judge.name!r}, store_prompt={self._store_prompt})"

    @property
    def catalog(self) -> ModelCatalog:
        """The catalog that names and prices the models."""
        return self._tracker.catalog

    async def complete(
        self,
        task: TaskLike,
        messages: Sequence[Message],
        priority_factors: Mapping[str, float] | None = None,
        *,
        mode: ChoiceMode = "greedy",
        min_context_length: int | None = None,
        params: GenerationParams | None = None,
        request_id: str | None = None,
        unit_id: str | None = None,
        judge: Judge | None = None,
    ) -> CompletionOutcome:
        """Choose a model for ``task``, call it (with fallbacks), judge and record the call.

        While an A/B test runs on the task, the request id (or ``unit_id``, for tests by
        session or user) picks the arm; the last record of the arm's model (its answer, or
        its last failure) is tagged with the test and arm, so each request counts once.

        Args:
            task: A built-in or declared task type.
            messages: The conversation; the last user message is what gets answered.
            priority_factors: Weights over objectives, as for ``recommend``.
            mode: ``"greedy"`` or ``"thompson"`` (explores).
            min_context_length: Exclude models whose context is shorter.
            params: Sampling parameters.
            request_id: The call's id (see the module docstring); a UUID hex by default.
            unit_id: The session or user, for A/B tests assigned by unit.
            judge: Overrides the service's judge for this call.

        Returns:
            The answer, the model that gave it, the verdict and every record written.

        Raises:
            CompletionFailedError: Every model failed; the attempts were recorded.
            ConfigError: No model of the chain can be routed (no provider key set).
            NoEligibleModelError: Every model breaches the task's limits.
            UnknownTaskError: The task type is unknown.
            ValueError: ``messages`` is empty, or ``request_id`` is malformed.
        """
        if not messages:
            raise ValueError("messages is empty; give at least one Message")
        rid = _check_request_id(request_id)
        messages = tuple(messages)
        rec = await self._recommender.recommend(
            task,
            priority_factors,
            mode=mode,
            min_context_length=min_context_length,
            unit_id=unit_id,
            request_id=rid,
        )
        chain, unroutable = self._chain(rec)
        prices = {m: p for m in chain if (p := catalog_prices(self.catalog.get(m))) is not None}
        if self._prompt_key is None:
            self._prompt_key = load_or_create_key()
        hashed = prompt_hash(messages, key=self._prompt_key)
        call = _Call(rid, rec.task_type, hashed, self._context(rid, rec, messages))
        try:
            result = await self._gateway.complete_with_fallback(
                chain, messages, params=params, prices=prices
            )
        except AllModelsFailedError as exc:
            now = self._clock.now()
            records = [call.failure(n, a, now) for n, a in enumerate(exc.attempts, 1)]
            records = self._tag(records, rec.recommended_model_id, rid, unit_id)
            await self._record(rid, records)
            raise CompletionFailedError(rid, exc, records) from exc
        verdict = await self._evaluate(judge or self._judge, rec.task_type, messages, result)
        records = call.records(result, verdict, self._clock.now())
        records = self._tag(records, rec.recommended_model_id, rid, unit_id)
        await self._record(rid, records)
        return CompletionOutcome(
            request_id=rid,
            completion=result.completion,
            model_id=result.model_id,
            recommendation=rec,
            records=tuple(records),
            verdict=verdict,
            skipped=result.skipped,
            unroutable=unroutable,
        )

    # -- steps --------------------------------------------------------------------------

    def _chain(self, rec: Recommendation) -> tuple[list[str], dict[str, str]]:
        # Route every model first: the gateway raises ConfigError for an unroutable id in
        # the middle of the chain, which would lose the attempts already made.
        chain: list[str] = []
        unroutable: dict[str, str] = {}
        for model_id in (rec.recommended_model_id, *rec.alternative_models):
            try:
                self._gateway.route(model_id)
            except ConfigError as exc:
                unroutable[model_id] = str(exc)
                continue
            chain.append(model_id)
        if not chain:
            reasons = "; ".join(f"{m}: {why}" for m, why in unroutable.items())
            raise ConfigError(f"no model for {rec.task_type!r} can be called: {reasons}")
        if unroutable:
            logger.info("left out of the chain (no client): %s", ", ".join(unroutable))
        return chain, unroutable

    def _context(
        self, rid: str, rec: Recommendation, messages: Sequence[Message]
    ) -> dict[str, Any]:
        context: dict[str, Any] = {
            "request_id": rid,
            "recommended_model": rec.recommended_model_id,
        }
        if self._store_prompt:
            context["messages"] = _as_dicts(messages)
        return context

    async def _evaluate(
        self,
        judge: Judge,
        task_type: str,
        messages: tuple[Message, ...],
        result: FallbackResult,
    ) -> Judgement:
        request = JudgeRequest(
            task_type=task_type,
            messages=messages,
            completion=result.completion,
            model_id=result.model_id,
        )
        try:
            return await judge.evaluate(request)
        except GenesisError as exc:
            # The answer is paid for: a failing judge must not cost us its record.
            name = type(exc).__name__
            logger.warning("judge %s failed (%s); quality left unknown", judge.name, name)
            return Judgement(judge=judge.name, error=name)

    def _tag(
        self, records: list[PerformanceRecord], routed: str, rid: str, unit_id: str | None
    ) -> list[PerformanceRecord]:
        # One record per request takes part in a test: the routed model's last attempt.
        if self._experiments is None:
            return records
        for i in range(len(records) - 1, -1, -1):
            if records[i].model_id == routed:
                records[i] = self._experiments.tag(records[i], unit_id=unit_id, request_id=rid)
                break
        return records

    async def _record(self, rid: str, records: Sequence[PerformanceRecord]) -> None:
        if not records:
            return
        new = await self._tracker.record_many(records)
        if new < len(records):
            logger.warning(
                "request %s: %d of %d records were stored before and not counted again",
                rid,
                len(records) - new,
                len(records),
            )
        if self._experiments is not None and new:
            for test_id in {r.ab_test_id for r in records if r.ab_test_id is not None}:
                await self._experiments.maybe_monitor(test_id)


def failed_attempt_record(
    attempt: Attempt,
    *,
    request_id: str,
    number: int,
    task_type: str,
    prompt_hash: str,
    context: Mapping[str, Any],
    now: datetime,
) -> PerformanceRecord:
    """The record of a request's ``number``-th attempt, which failed (id ``request_id#number``).

    Shared by every caller that makes real calls (:class:`CompletionService`, the server), so
    a failed attempt is recorded the same way wherever it happened. Its latency goes to
    ``context_data["attempt_latency_ms"]``, not ``response_time_ms``, which holds answers'
    latencies only (see the module docstring).
    """
    error = attempt.error_type.value if attempt.error_type is not None else "unknown"
    return PerformanceRecord(
        record_id=f"{request_id}#{number}",
        model_id=attempt.model_id,
        task_type=task_type,
        prompt_hash=prompt_hash,
        error_occurred=True,
        error_type=error,
        timestamp=now,
        context_data={
            **context,
            "attempt": number,
            "attempt_latency_ms": attempt.latency_s * 1000.0,
        },
    )


@dataclass(frozen=True, slots=True)
class _Call:
    """What every record of one request shares; builds the records of its attempts."""

    rid: str
    task_type: str
    prompt_hash: str
    context: dict[str, Any]

    def records(
        self, result: FallbackResult, verdict: Judgement, now: datetime
    ) -> list[PerformanceRecord]:
        attempts = result.attempts
        # A cache hit adds no attempt: then the last attempt (if any) is a failure.
        answered = bool(attempts) and attempts[-1].error_type is None
        failed = attempts[:-1] if answered else attempts
        records = [self.failure(n, a, now) for n, a in enumerate(failed, 1)]
        if answered:
            records.append(self.answer(len(attempts), result, verdict, now))
        else:
            logger.debug("request %s was answered from the cache; no answer record", self.rid)
        return records

    def failure(self, n: int, attempt: Attempt, now: datetime) -> PerformanceRecord:
        return failed_attempt_record(
            attempt, request_id=self.rid, number=n, task_type=self.task_type,
            prompt_hash=self.prompt_hash, context=self.context, now=now,
        )  # fmt: skip

    def answer(
        self, n: int, result: FallbackResult, verdict: Judgement, now: datetime
    ) -> PerformanceRecord:
        completion = result.completion
        if completion.cost_usd is None:
            logger.warning(
                "cost of %s unknown: no catalog price and none reported; recorded as unknown",
                result.model_id,
            )
        context = {
            **self.context,
            "attempt": n,
            "provider": completion.provider,
            "served_model": completion.model,
            "finish_reason": completion.finish_reason,
            "cost_source": completion.cost_source,
            "judge": verdict.context(),
        }
        return PerformanceRecord(
            record_id=self.rid,
            model_id=result.model_id,
            task_type=self.task_type,
            prompt_hash=self.prompt_hash,
            response_time_ms=completion.latency_s * 1000.0,
            token_count_input=completion.input_tokens,
            token_count_output=completion.output_tokens,
            cost=completion.cost_usd,
            quality_score=verdict.quality_score,
            timestamp=now,
            context_data=context,
        )


def _check_request_id(request_id: str | None) -> str:
    if request_id is None:
        return uuid.uuid4().hex
    if not request_id or len(request_id) > _MAX_REQUEST_ID or "#" in request_id:
        raise ValueError(
            f"request_id must be 1-{_MAX_REQUEST_ID} characters without '#', "
            f"got {request_id[:40]!r}"
        )
    return request_id
