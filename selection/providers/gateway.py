"""ModelGateway: route a catalog model id to its client, with cache, breaker, retries, fallback."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Self, TypeVar

import httpx

from selection.errors import (
    CircuitOpenError,
    ConfigError,
    ErrorType,
    ProviderError,
    ProviderTimeout,
)
from selection.providers._base import HTTPChatClient
from selection.providers._breaker import CircuitBreaker
from selection.providers._cache import ResponseCache, cache_key
from selection.providers._http import default_http_client
from selection.providers._retry import Retrier
from selection.providers._types import ChatClient, Completion, GenerationParams, Message, Prices
from selection.providers.routing import DEFAULT_PREFIXES, Route, resolve_route
from selection.providers.settings import PROVIDERS, ProviderSettings, build_clients
from selection.providers.wire import (
    ChatReply,
    ChatStream,
    JSONBody,
    chat_via_complete,
    stream_via_complete,
)

__all__ = ["AllModelsFailedError", "Attempt", "FallbackResult", "ModelGateway", "WireResult"]

R = TypeVar("R")

logger = logging.getLogger(__name__)

_DEFAULT_PARAMS = GenerationParams()
# Failures that say something about the request rather than the model's health.
_NOT_HEALTH = frozenset({ErrorType.BAD_REQUEST, ErrorType.CLIENT_ERROR, ErrorType.CONTENT_FILTERED})


@dataclass(frozen=True, slots=True)
class Attempt:
    """One HTTP try of one model.

    Attributes:
        model_id: The catalog model id.
        error_type: Why it failed; ``None`` for the successful try.
        latency_s: Seconds it took.
    """

    model_id: str
    error_type: ErrorType | None
    latency_s: float


@dataclass(frozen=True, slots=True)
class FallbackResult:
    """The answer of a fallback chain and how it was reached.

    Attributes:
        completion: The completion that was returned.
        model_id: The catalog id of the model that served it.
        attempts: Every try in order, failed ones included (empty on a cache hit).
        skipped: Models passed over because their breaker was open.
    """

    completion: Completion
    model_id: str
    attempts: tuple[Attempt, ...]
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class WireResult:
    """The answer of :meth:`ModelGateway.chat_with_fallback`.

    Attributes:
        reply: The plain answer, or the open stream (read it, then record its completion).
        model_id: The catalog id of the model that serves it.
        attempts: Every try in order; a stream's successful try is the one that opened it.
        skipped: Models passed over because their breaker was open.
    """

    reply: ChatReply | ChatStream
    model_id: str
    attempts: tuple[Attempt, ...]
    skipped: tuple[str, ...] = ()


class AllModelsFailedError(ProviderError):
    """Every model of a fallback chain failed or was skipped; ``__cause__`` is the last error."""

    def __init__(self, attempts: Sequence[Attempt], skipped: Sequence[str]) -> None:
        self.attempts = tuple(attempts)
        self.skipped = tuple(skipped)
        tried = ", ".join(f"{a.model_id}={a.error_type}" for a in self.attempts) or "none"
        super().__init__(
            f"every model failed (tries: {tried}; skipped: {', '.join(skipped) or 'none'})",
            provider="fallback",
        )


class ModelGateway:
    """Call models by catalog id through the right provider client.

    Each model call goes: response cache (if any) -> circuit breaker -> retries -> client.
    The gateway owns the ``httpx.AsyncClient`` only when :meth:`from_settings` created it.

    Args:
        clients: Provider name -> client.
        retrier: Retry behaviour; default :class:`Retrier`.
        breaker: Per-model circuit breaker; default :class:`CircuitBreaker`.
        cache: Optional response cache; ``None`` disables caching.
        call_timeout: Seconds for each HTTP try; ``None`` leaves httpx's own timeouts.
        prefixes: Model id prefix -> provider name.
    """

    def __init__(
        self,
        clients: Mapping[str, ChatClient],
        *,
        retrier: Retrier | None = None,
        breaker: CircuitBreaker | None = None,
        cache: ResponseCache | None = None,
        call_timeout: float | None = None,
        prefixes: Mapping[str, str] = DEFAULT_PREFIXES,
    ) -> None:
        self._clients = dict(clients)
        self._retrier = retrier or Retrier()
        self._breaker = breaker or CircuitBreaker()
        self._cache = cache
        self._call_timeout = call_timeout
        self._prefixes = prefixes
        self._owned_http: httpx.AsyncClient | None = None

    @classmethod
    def from_settings(
        cls,
        settings: ProviderSettings,
        *,
        http: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        retrier: Retrier | None = None,
        breaker: CircuitBreaker | None = None,
        cache: ResponseCache | None = None,
        call_timeout: float | None = None,
    ) -> Self:
        """Build a gateway with a client for every configured provider.

        Args:
            settings: Keys and base URLs (see :meth:`ProviderSettings.from_env`).
            http: The client to share; when ``None`` one is made by ``default_http_client``
                and closed by :meth:`aclose`.
            transport: The transport of the client made here (not with ``http``), such as
                the server's pooled one.
            retrier: Retry behaviour.
            breaker: Circuit breaker.
            cache: Optional response cache.
            call_timeout: Seconds for each HTTP try.
        """
        if http is not None and transport is not None:
            raise ValueError("give http or transport, not both")
        owned = http is None
        http = http or default_http_client(transport=transport)
        gateway = cls(
            build_clients(settings, http=http),
            retrier=retrier,
            breaker=breaker,
            cache=cache,
            call_timeout=call_timeout,
        )
        if owned:
            gateway._owned_http = http
        return gateway

    async def aclose(self) -> None:
        """Close the HTTP client if this gateway created it."""
        if self._owned_http is not None:
            await self._owned_http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    @property
    def breaker(self) -> CircuitBreaker:
        """The per-model circuit breaker."""
        return self._breaker

    def route(self, model_id: str) -> tuple[Route, ChatClient]:
        """Return the route of ``model_id`` and the client that serves it.

        Raises:
            ConfigError: The id cannot be routed, or its provider has no client (no key).
        """
        route = resolve_route(model_id, prefixes=self._prefixes)
        client = self._clients.get(route.provider)
        if client is None:
            spec = PROVIDERS.get(route.provider)
            hint = f" (set {spec.key_env})" if spec is not None and spec.key_env else ""
            raise ConfigError(f"no client configured for provider {route.provider!r}{hint}")
        return route, client

    async def complete(
        self,
        model_id: str,
        messages: Sequence[Message],
        *,
        params: GenerationParams | None = None,
        prices: Prices | None = None,
    ) -> Completion:
        """Call one model, with cache, breaker and retries.

        To learn about every try (for recording failures too), call
        ``complete_with_fallback([model_id], ...)`` instead.

        Raises:
            CircuitOpenError: The model's breaker is open.
            selection.errors.ProviderError: The last failure once retries are over.
            ConfigError: The model id cannot be routed.
        """
        route, client = self.route(model_id)
        params = params or _DEFAULT_PARAMS
        cached = self._cached(model_id, messages, params)
        if cached is not None:
            return cached
        if not self._breaker.allow(model_id):
            raise CircuitOpenError(model_id, provider=route.provider)
        return await self._call(model_id, route, client, messages, params, prices, [])

    async def complete_with_fallback(
        self,
        model_ids: Sequence[str],
        messages: Sequence[Message],
        *,
        params: GenerationParams | None = None,
        prices: Mapping[str, Prices] | None = None,
    ) -> FallbackResult:
        """Try ``model_ids`` in order, skipping open breakers, until one answers.

        Args:
            model_ids: Catalog ids, best first.
            messages: The conversation.
            params: Sampling parameters.
            prices: Catalog id -> per-token prices, for models whose provider reports no cost.

        Returns:
            The completion, which model served it, and every try (record each one).

        Raises:
            AllModelsFailedError: Nothing answered; carries the tries and the skipped models.
            ConfigError: A model id cannot be routed.
        """
        params = params or _DEFAULT_PARAMS
        attempts: list[Attempt] = []
        skipped: list[str] = []
        last: ProviderError | None = None
        for model_id in model_ids:
            route, client = self.route(model_id)
            cached = self._cached(model_id, messages, params)
            if cached is not None:
                return FallbackResult(cached, model_id, tuple(attempts), tuple(skipped))
            if not self._breaker.allow(model_id):
                skipped.append(model_id)
                continue
            price = prices.get(model_id) if prices is not None else None
            try:
                completion = await self._call(
                    model_id, route, client, messages, params, price, attempts
                )
            except ProviderError as exc:
                logger.info("model %s failed (%s); trying the next", model_id, exc.error_type)
                last = exc
                continue
            return FallbackResult(completion, model_id, tuple(attempts), tuple(skipped))
        raise AllModelsFailedError(attempts, skipped) from last

    async def chat_with_fallback(
        self,
        model_ids: Sequence[str],
        body: JSONBody,
        *,
        stream: bool = False,
        prices: Mapping[str, Prices] | None = None,
    ) -> WireResult:
        """Send an OpenAI chat-completions body to ``model_ids`` in order until one answers.

        Breakers and retries apply as for :meth:`complete_with_fallback`; the response cache
        does not (a body may carry tools, seeds...). A stream falls back only until its
        upstream accepts the request: once chunks flow, a failure ends the stream.

        Raises:
            AllModelsFailedError: Nothing answered; carries the tries and the skipped models.
            ConfigError: A model id cannot be routed.
        """
        attempts: list[Attempt] = []
        skipped: list[str] = []
        last: ProviderError | None = None
        for model_id in model_ids:
            route, client = self.route(model_id)
            if not self._breaker.allow(model_id):
                skipped.append(model_id)
                continue
            price = prices.get(model_id) if prices is not None else None
            upstream = route.upstream_model

            def call(
                client: ChatClient = client, upstream: str = upstream, price: Prices | None = price
            ) -> Awaitable[ChatReply | ChatStream]:
                if stream:
                    return _open_stream(client, upstream, body, price)
                return _chat(client, upstream, body, price)

            try:
                reply = await self._guarded(model_id, route, call, attempts)
            except ProviderError as exc:
                logger.info("model %s failed (%s); trying the next", model_id, exc.error_type)
                last = exc
                continue
            return WireResult(reply, model_id, tuple(attempts), tuple(skipped))
        raise AllModelsFailedError(attempts, skipped) from last

    def _cached(
        self, model_id: str, messages: Sequence[Message], params: GenerationParams
    ) -> Completion | None:
        if self._cache is None:
            return None
        return self._cache.get(cache_key(model_id, messages, params))

    async def _call(
        self,
        model_id: str,
        route: Route,
        client: ChatClient,
        messages: Sequence[Message],
        params: GenerationParams,
        prices: Prices | None,
        attempts: list[Attempt],
    ) -> Completion:
        def call() -> Awaitable[Completion]:
            return client.complete(route.upstream_model, messages, params=params, prices=prices)

        completion = await self._guarded(model_id, route, call, attempts)
        if self._cache is not None:
            self._cache.put(cache_key(model_id, messages, params), completion)
        return completion

    async def _guarded(
        self,
        model_id: str,
        route: Route,
        call: Callable[[], Awaitable[R]],
        attempts: list[Attempt],
    ) -> R:
        # The caller has claimed the breaker with allow(); every path below settles it.
        def failed(error_type: ErrorType, latency: float) -> None:
            attempts.append(Attempt(model_id, error_type, latency))

        async def one_try() -> R:
            try:
                async with asyncio.timeout(self._call_timeout):
                    return await call()
            except TimeoutError as exc:
                raise ProviderTimeout(
                    f"no answer within {self._call_timeout}s", provider=route.provider
                ) from exc

        start = time.monotonic()
        try:
            result = await self._retrier.run(one_try, on_failure=failed)
        except ProviderError as exc:
            if exc.error_type in _NOT_HEALTH:
                self._breaker.release(model_id)
            else:
                self._breaker.record_failure(model_id)
            raise
        except BaseException:  # cancelled: free a half-open probe, then propagate
            self._breaker.release(model_id)
            raise
        self._breaker.record_success(model_id)
        latency = result.latency_s if isinstance(result, Completion) else None
        failed_time = sum(a.latency_s for a in attempts if a.model_id == model_id)
        attempts.append(
            Attempt(model_id, None, latency or max(time.monotonic() - start - failed_time, 0.0))
        )
        return result


async def _chat(client: ChatClient, model: str, body: JSONBody, prices: Prices | None) -> ChatReply:
    if isinstance(client, HTTPChatClient):
        return await client.chat(model, body, prices=prices)
    return await chat_via_complete(client, model, body, prices=prices)


async def _open_stream(
    client: ChatClient, model: str, body: JSONBody, prices: Prices | None
) -> ChatStream:
    if isinstance(client, HTTPChatClient):
        return await client.open_stream(model, body, prices=prices)
    return await stream_via_complete(client, model, body, prices=prices)
