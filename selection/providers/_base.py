"""The shared shell of the HTTP provider clients: build, send, parse, classify."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, TypeVar

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from selection.errors import (
    ErrorType,
    ProviderError,
    ProviderResponseError,
    classify_status,
    http_error,
)
from selection.providers._http import Endpoint, excerpt, parse_retry_after, send
from selection.providers._types import Completion, GenerationParams, Message, Prices
from selection.providers.wire import ChatReply, ChatStream, chat_via_complete, stream_via_complete

__all__ = ["HTTPChatClient", "JSONBody"]

JSONBody = dict[str, Any]
_DEFAULT_PARAMS = GenerationParams()
_MAX_ENDPOINTS = 256  # per client; URLs that vary by model (Gemini) are cached up to this
_Wire = TypeVar("_Wire", bound=BaseModel)


class HTTPChatClient(ABC):
    """Base of the clients that call a provider's HTTP API on an injected ``httpx.AsyncClient``.

    Subclasses say how to build the URL, headers and body, and how to read the answer; this
    class sends, times and maps errors. The client never owns ``http``: whoever made it
    closes it. The API key lives in a ``SecretStr`` and is read only to build headers.

    Args:
        http: The client to send requests with.
        api_key: The provider's key; ``None`` for servers that need none (local models).
        base_url: The API root; the class default when ``None``.
        provider: The provider name reported in results and errors; the class default when
            ``None`` (an OpenAI-compatible client serves "openai", "mistral", "local"...).
    """

    default_base_url: ClassVar[str]
    default_provider: ClassVar[str]

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        api_key: SecretStr | None = None,
        base_url: str | None = None,
        provider: str | None = None,
    ) -> None:
        self._http = http
        self._api_key = api_key
        self._base_url = (base_url or self.default_base_url).rstrip("/")
        self._provider = provider or self.default_provider
        self._endpoints: dict[str, Endpoint] = {}

    @property
    def provider(self) -> str:
        """The provider name this client speaks to."""
        return self._provider

    @property
    def base_url(self) -> str:
        """The API root requests go to."""
        return self._base_url

    def __repr__(self) -> str:
        key = "'**********'" if self._api_key is not None else "None"
        return (
            f"{type(self).__name__}(provider={self._provider!r}, "
            f"base_url={self._base_url!r}, api_key={key})"
        )

    async def complete(
        self,
        model: str,
        messages: Sequence[Message],
        *,
        params: GenerationParams | None = None,
        prices: Prices | None = None,
    ) -> Completion:
        """Send one chat request and return its completion.

        For a deadline on the whole call, wrap it in ``asyncio.timeout``;
        :class:`ModelGateway` does so with its ``call_timeout``. httpx's own timeouts
        (see ``DEFAULT_TIMEOUT``) raise :class:`ProviderTimeout`.

        Args:
            model: The upstream model name (as the provider spells it).
            messages: The conversation.
            params: Sampling parameters.
            prices: Per-token prices for computing the cost when the provider reports none.

        Returns:
            The frozen completion.

        Raises:
            selection.errors.ProviderError: A subclass carrying its ``error_type``.
        """
        request = self._request(
            self._url(model), self._body(model, messages, params or _DEFAULT_PARAMS)
        )
        response, latency = await send(
            self._http, request, provider=self._provider, status_error=self._status_error
        )
        try:
            return self._parse(response, model=model, latency=latency, prices=prices)
        except ValidationError as exc:
            where = "; ".join(
                f"{'.'.join(map(str, err['loc'])) or 'body'}: {err['msg']}"
                for err in exc.errors()[:3]
            )
            raise ProviderResponseError(
                f"unexpected body ({where}): {self._excerpt(response)}", provider=self._provider
            ) from exc

    async def chat(self, model: str, body: JSONBody, *, prices: Prices | None = None) -> ChatReply:
        """Answer an OpenAI chat-completions body; text-only here, whole for OpenAI's wire.

        Raises:
            selection.errors.ProviderError: Classified; a 400 for what cannot be translated.
        """
        return await chat_via_complete(self, model, body, prices=prices)

    async def _send_chat(
        self,
        request: httpx.Request,
        *,
        model: str,
        prices: Prices | None,
        reply_of: Callable[[JSONBody], JSONBody],
    ) -> ChatReply:
        """Send a built chat request: the answer in OpenAI's form and as a priced completion.

        Raises:
            selection.errors.ProviderError: Classified; an unreadable body is a
                :class:`~selection.errors.ProviderResponseError`.
        """
        response, latency = await send(
            self._http, request, provider=self._provider, status_error=self._status_error
        )
        try:
            raw = response.json()
            completion = self._parse(response, model=model, latency=latency, prices=prices, raw=raw)
            reply = reply_of(raw)
        except (ValueError, ValidationError) as exc:
            raise ProviderResponseError(
                f"unexpected body: {self._excerpt(response)}", provider=self._provider
            ) from exc
        return ChatReply(reply, completion)

    async def open_stream(
        self, model: str, body: JSONBody, *, prices: Prices | None = None
    ) -> ChatStream:
        """Send a streamed OpenAI chat-completions body; returns once the upstream accepted it.

        Raises:
            selection.errors.ProviderError: Classified, before any chunk is read.
        """
        return await stream_via_complete(self, model, body, prices=prices)

    def _request(self, url: str, body: JSONBody) -> httpx.Request:
        """The POST of ``body`` to ``url``, from the endpoint prepared for it."""
        endpoint = self._endpoints.get(url)
        if endpoint is None:
            if len(self._endpoints) >= _MAX_ENDPOINTS:
                self._endpoints.clear()
            endpoint = self._endpoints[url] = Endpoint(self._http, url, self._headers())
        return endpoint.request(body)

    @staticmethod
    def _wire(model: type[_Wire], response: httpx.Response, raw: JSONBody | None) -> _Wire:
        """Validate the answer as ``model``: from ``raw`` when already decoded, else its bytes."""
        if raw is not None:
            return model.model_validate(raw)
        return model.model_validate_json(response.content)

    def _status_error(self, response: httpx.Response) -> ProviderError:
        return http_error(
            response.status_code,
            self._excerpt(response),
            provider=self._provider,
            retry_after=self._retry_after(response),
            error_type=self._classify(response),
        )

    def _classify(self, response: httpx.Response) -> ErrorType:
        """Classify an error response; override for a provider's wire quirks."""
        return classify_status(response.status_code, response.text)

    def _retry_after(self, response: httpx.Response) -> float | None:
        """Seconds the provider asked us to wait; override when it says so in the body."""
        return parse_retry_after(response.headers)

    def _secrets(self) -> tuple[str, ...]:
        return (self._api_key.get_secret_value(),) if self._api_key is not None else ()

    def _key(self) -> str | None:
        return self._api_key.get_secret_value() if self._api_key is not None else None

    def _excerpt(self, response: httpx.Response) -> str:
        return excerpt(response.text, self._secrets())

    @abstractmethod
    def _url(self, model: str) -> str:
        """Return the endpoint URL for ``model``."""

    @abstractmethod
    def _headers(self) -> dict[str, str]:
        """Return the request headers, including authentication."""

    @abstractmethod
    def _body(self, model: str, messages: Sequence[Message], params: GenerationParams) -> JSONBody:
        """Return the JSON request body."""

    @abstractmethod
    def _parse(
        self,
        response: httpx.Response,
        *,
        model: str,
        latency: float,
        prices: Prices | None,
        raw: JSONBody | None = None,
    ) -> Completion:
        """Read a 2xx response into a completion, raising classified errors.

        ``raw`` is the body already decoded, when it is (read it with :meth:`_wire`, so
        it is not parsed twice). A ``pydantic.ValidationError`` raised here becomes a
        ``ProviderResponseError``.
        """
