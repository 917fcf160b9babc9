"""The FastAPI app: OpenAI's chat-completions API in front of the selector."""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import SecretStr

from selection import DynamicModelManager, GenesisError, ProviderError
from selection.providers import ChatReply, ChatStream, ModelGateway, WireResult
from server.auth import BearerAuth
from server.calls import ROUTE_PREFIX, CallPlan, CallRecorder, Hints
from server.errors import APIError, error_response, from_exception
from server.metrics import ServerMetrics
from server.writer import RecordWriter

__all__ = ["create_app"]

logger = logging.getLogger(__name__)

_OPEN_PATHS = frozenset({"/health"})
# Our fields in a request body; removed before the body goes upstream.
_HINT_FIELDS = ("task", "priority_factors", "request_id", "session_id", "budget", "genesis")


def create_app(  # noqa: C901 - the routes are closures over one app's state
    manager: DynamicModelManager,
    gateway: ModelGateway,
    *,
    api_key: SecretStr | None,
    default_task: str = "technical_explanation",
    writer: RecordWriter | None = None,
) -> FastAPI:
    """Build the app; the manager is opened and closed with it (the gateway is the caller's).

    Records are written in the background by ``writer`` (see :mod:`server.writer`); at
    shutdown everything accepted is written before the manager closes. The writer is on
    ``app.state.writer``.

    Args:
        manager: Chooses and records (an unopened manager is fine).
        gateway: Calls the providers.
        api_key: The bearer key clients must send; ``None`` serves without auth.
        default_task: The task of ``genesis-prime/auto`` when no task hint is given.
        writer: Writes the records; a :class:`RecordWriter` of the manager by default.
    """
    metrics = ServerMetrics()
    writer = writer or RecordWriter(manager)
    recorder = CallRecorder(manager, gateway, metrics, writer, default_task=default_task)
    pending: set[asyncio.Task[Any]] = set()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await manager.initialize()
        writer.start()
        try:
            yield
        finally:
            try:
                if pending:
                    await asyncio.gather(*pending, return_exceptions=True)
                await writer.close()
            finally:
                await manager.close()

    app = FastAPI(title="Genesis Prime", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.writer = writer
    if api_key is not None:
        app.add_middleware(BearerAuth, api_key=api_key, open_paths=_OPEN_PATHS)

    @app.exception_handler(APIError)
    async def api_error(request: Request, exc: APIError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(GenesisError)
    async def library_error(request: Request, exc: GenesisError) -> JSONResponse:
        return error_response(from_exception(exc))

    @app.exception_handler(ValueError)
    async def value_error(request: Request, exc: ValueError) -> JSONResponse:
        return error_response(from_exception(exc))

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        routes = ["auto", *sorted(manager.catalog.tasks)]
        data = [_model(f"{ROUTE_PREFIX}{r}", "genesis-prime") for r in routes]
        data += [_model(s.id, s.provider) for s in manager.catalog.active()]
        return {"object": "list", "data": data}

    @app.get("/status")
    async def status() -> dict[str, Any]:
        return await manager.get_system_status()

    @app.get("/metrics")
    async def prometheus() -> Response:
        return Response(metrics.render(), media_type="text/plain; version=0.0.4")

    @app.post("/v1/feedback")
    async def feedback(request: Request) -> dict[str, Any]:
        body = await _json_object(request)
        rid = body.get("request_id")
        served = recorder.served(rid) if isinstance(rid, str) else None
        if served is None:
            raise APIError(404, f"no answered request {rid!r} on this server", param="request_id")
        performance = dict(body.get("scores") or {})
        if "rating" in body:
            performance["user_rating"] = body["rating"]
        if not performance:
            raise APIError(400, "give a rating or scores", param="rating")
        model_id, task = served
        await writer.flush()  # the answer's record is in the store before it is rated
        await manager.update_model_performance(model_id, task, performance, request_id=rid)
        return {"object": "feedback", "request_id": rid, "model": model_id, "task": task}

    async def chat_completions(request: Request) -> Response:
        body = await _json_object(request)
        model = body.get("model")
        messages = body.get("messages")
        if not isinstance(model, str) or not model:
            raise APIError(400, "'model' must be a non-empty string", param="model")
        if not isinstance(messages, list) or not messages:
            raise APIError(400, "'messages' must be a non-empty list", param="messages")
        hints = _hints(body, request)
        upstream = {k: v for k, v in body.items() if k not in _HINT_FIELDS}
        plan = await recorder.plan(model, messages, hints)
        stream = bool(body.get("stream"))
        try:
            result = await gateway.chat_with_fallback(
                plan.chain, upstream, stream=stream, prices=plan.prices
            )
        except ProviderError as exc:
            await recorder.record(plan, getattr(exc, "attempts", ()), None)
            raise
        if isinstance(result.reply, ChatReply):
            reply = result.reply
            await recorder.record(plan, result.attempts, (result.model_id, reply.completion))
            return _plain(reply, result.model_id, plan)
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        events = _events(result, result.reply, plan, recorder, pending, include_usage)
        headers = {"x-genesis-request-id": plan.rid, "x-genesis-model": result.model_id}
        return StreamingResponse(events, media_type="text/event-stream", headers=headers)

    # A plain Starlette route: the endpoint reads its body itself, so FastAPI's parameter
    # and dependency machinery would only add work to every request.
    app.router.add_route("/v1/chat/completions", chat_completions, methods=["POST"])
    return app


def _model(model_id: str, owner: str) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": 0, "owned_by": owner}


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body())
    except json.JSONDecodeError as exc:
        raise APIError(400, f"the body is not JSON: {exc.msg}") from exc
    if not isinstance(body, dict):
        raise APIError(400, "the body must be a JSON object")
    return body


def _hints(body: dict[str, Any], request: Request) -> Hints:
    headers = request.headers
    factors = body.get("priority_factors")
    raw = headers.get("x-genesis-priority-factors")
    if factors is None and raw:
        try:
            factors = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise APIError(400, "x-genesis-priority-factors is not JSON") from exc
    if factors is not None and not (
        isinstance(factors, dict) and all(isinstance(v, int | float) for v in factors.values())
    ):
        raise APIError(
            400, "priority_factors must map objectives to numbers", param="priority_factors"
        )
    budget = body.get("budget", headers.get("x-genesis-budget"))
    if budget is not None:
        try:
            budget = float(budget)
        except (TypeError, ValueError):
            budget = math.nan
        if not (math.isfinite(budget) and budget > 0):
            raise APIError(400, "budget must be a positive number of USD", param="budget")
    max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
    unit = body.get("session_id") or headers.get("x-genesis-session-id")
    unit = unit or headers.get("x-genesis-user-id") or body.get("user")
    return Hints(
        task=body.get("task") or headers.get("x-genesis-task"),
        priority_factors=factors,
        request_id=body.get("request_id") or headers.get("x-genesis-request-id"),
        unit_id=unit,
        budget=budget,
        max_tokens=max_tokens if isinstance(max_tokens, int) and max_tokens > 0 else None,
    )


def _plain(reply: ChatReply, model_id: str, plan: CallPlan) -> JSONResponse:
    body = dict(reply.body)
    body["model"] = model_id
    usage = dict(body.get("usage") or {})
    completion = reply.completion
    if completion.input_tokens is not None:
        usage.setdefault("prompt_tokens", completion.input_tokens)
    if completion.output_tokens is not None:
        usage.setdefault("completion_tokens", completion.output_tokens)
    usage.setdefault(
        "total_tokens", usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0)
    )
    usage["cost"] = completion.cost_usd
    body["usage"] = usage
    body["genesis"] = {"request_id": plan.rid, "task": plan.task, "routed": plan.routed}
    headers = {"x-genesis-request-id": plan.rid, "x-genesis-model": model_id}
    return JSONResponse(body, headers=headers)


def _sse(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"


async def _events(
    result: WireResult,
    stream: ChatStream,
    plan: CallPlan,
    recorder: CallRecorder,
    pending: set[asyncio.Task[Any]],
    include_usage: bool,
) -> AsyncIterator[bytes]:
    broken: str | None = "cancelled"
    recorded_broken = False
    try:
        async for chunk in stream:
            chunk["model"] = result.model_id
            if "usage" in chunk and not chunk.get("choices"):
                if not include_usage:
                    continue
                chunk["usage"] = {**chunk["usage"], "cost": stream.completion.cost_usd}
            yield _sse(chunk)
        broken = None
        await recorder.record(plan, result.attempts, (result.model_id, stream.completion))
        yield b"data: [DONE]\n\n"
    except ProviderError as exc:
        broken = str(exc.error_type)
        # Recorded before the client hears of the failure, so a client that reads the store
        # after its error sees the record (a record id is written once whatever happens).
        answer = (result.model_id, stream.completion)
        await recorder.record(plan, result.attempts, answer, broken=broken)
        recorded_broken = True
        error = from_exception(exc)
        yield _sse({"error": {"message": error.message, "type": "upstream_error", "code": broken}})
    finally:
        await stream.aclose()
        if broken is not None and not recorded_broken:
            # The client may be gone (cancellation): record in a task of its own.
            answer = (result.model_id, stream.completion)
            task = asyncio.ensure_future(
                recorder.record(plan, result.attempts, answer, broken=broken)
            )
            pending.add(task)
            task.add_done_callback(pending.discard)
