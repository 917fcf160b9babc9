"""Anthropic Messages API: ``POST {base_url}/v1/messages``."""

from __future__ import annotations

import time
from collections.abc import Sequence

import httpx
from pydantic import BaseModel, SecretStr

from selection.errors import ContentFilteredError
from selection.providers._base import HTTPChatClient, JSONBody
from selection.providers._http import stream_lines, stream_open
from selection.providers._types import (
    Completion,
    GenerationParams,
    Message,
    Prices,
    resolve_cost,
)
from selection.providers.anthropic_wire import anthropic_chunks, anthropic_request, openai_reply
from selection.providers.wire import ChatReply, ChatStream, sse_json

__all__ = ["ANTHROPIC_VERSION", "AnthropicClient"]

ANTHROPIC_VERSION = "2023-06-01"


class _WireBlock(BaseModel):
    type: str
    text: str | None = None


class _WireUsage(BaseModel):
    input_tokens: int
    output_tokens: int


class _WireMessage(BaseModel):
    model: str | None = None
    content: list[_WireBlock]
    stop_reason: str | None = None
    usage: _WireUsage


class AnthropicClient(HTTPChatClient):
    """Client for Anthropic's Messages API.

    System messages are joined into the top-level ``system`` field; the reply's ``text``
    content blocks are concatenated. ``stop_reason: "refusal"`` raises
    :class:`ContentFilteredError`. Anthropic requires ``max_tokens``: when the parameters
    leave it ``None``, ``default_max_tokens`` is sent. :meth:`chat` and :meth:`open_stream`
    speak OpenAI's chat-completions wire natively, tool calls, images and streaming
    included (see :mod:`selection.providers.anthropic_wire`).

    Args:
        http: The client to send requests with.
        api_key: The key, sent in ``x-api-key``.
        base_url: The API root (``https://api.anthropic.com`` by default).
        provider: The provider name ("anthropic" by default).
        default_max_tokens: ``max_tokens`` to send when the parameters give none.
    """

    default_base_url = "https://api.anthropic.com"
    default_provider = "anthropic"

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        api_key: SecretStr | None = None,
        base_url: str | None = None,
        provider: str | None = None,
        default_max_tokens: int = 1024,
    ) -> None:
        super().__init__(http=http, api_key=api_key, base_url=base_url, provider=provider)
        self._default_max_tokens = default_max_tokens

    def _url(self, model: str) -> str:
        return f"{self._base_url}/v1/messages"

    def _headers(self) -> dict[str, str]:
        headers = {"anthropic-version": ANTHROPIC_VERSION}
        key = self._key()
        if key is not None:
            headers["x-api-key"] = key
        return headers

    def _body(self, model: str, messages: Sequence[Message], params: GenerationParams) -> JSONBody:
        system = "\n\n".join(m.content for m in messages if m.role == "system")
        body: JSONBody = {
            "model": model,
            "max_tokens": params.max_tokens or self._default_max_tokens,
            "messages": [
                {"role": m.role, "content": m.content} for m in messages if m.role != "system"
            ],
        }
        optional = {
            "system": system or None,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "stop_sequences": list(params.stop) or None,
        }
        body.update((name, value) for name, value in optional.items() if value is not None)
        return body

    def _parse(
        self,
        response: httpx.Response,
        *,
        model: str,
        latency: float,
        prices: Prices | None,
        raw: JSONBody | None = None,
    ) -> Completion:
        wire = self._wire(_WireMessage, response, raw)
        if wire.stop_reason == "refusal":
            raise ContentFilteredError(
                f"the model refused: {self._excerpt(response)}",
                provider=self._provider,
                reason="refusal",
            )
        cost, source = resolve_cost(
            reported=None,
            input_tokens=wire.usage.input_tokens,
            output_tokens=wire.usage.output_tokens,
            prices=prices,
        )
        return Completion(
            text="".join(b.text or "" for b in wire.content if b.type == "text"),
            input_tokens=wire.usage.input_tokens,
            output_tokens=wire.usage.output_tokens,
            latency_s=latency,
            finish_reason=wire.stop_reason,
            model=wire.model or model,
            provider=self._provider,
            cost_usd=cost,
            cost_source=source,
        )

    async def chat(self, model: str, body: JSONBody, *, prices: Prices | None = None) -> ChatReply:
        """Answer an OpenAI chat-completions body through the Messages API.

        Raises:
            selection.errors.ProviderError: Classified; a 400 for what cannot be translated.
        """
        upstream = anthropic_request(
            {**body, "stream": False},
            model,
            default_max_tokens=self._default_max_tokens,
            provider=self._provider,
        )
        upstream.pop("stream", None)
        request = self._request(self._url(model), upstream)
        return await self._send_chat(
            request,
            model=model,
            prices=prices,
            reply_of=lambda raw: openai_reply(raw, provider=self._provider),
        )

    async def open_stream(
        self, model: str, body: JSONBody, *, prices: Prices | None = None
    ) -> ChatStream:
        """Stream an OpenAI chat-completions body through the Messages API's events.

        Raises:
            selection.errors.ProviderError: Classified, before any chunk is read.
        """
        upstream = anthropic_request(
            {**body, "stream": True},
            model,
            default_max_tokens=self._default_max_tokens,
            provider=self._provider,
        )
        request = self._request(self._url(model), upstream)
        started = time.monotonic()
        response = await stream_open(
            self._http, request, provider=self._provider, status_error=self._status_error
        )
        events = sse_json(stream_lines(response, provider=self._provider), provider=self._provider)
        return ChatStream(
            anthropic_chunks(events, provider=self._provider),
            close=response.aclose,
            provider=self._provider,
            model=model,
            prices=prices,
            started=started,
        )
