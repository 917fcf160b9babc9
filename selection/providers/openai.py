"""OpenAI-compatible chat completions: OpenAI, Mistral, and local servers (Ollama, vLLM...)."""

from __future__ import annotations

import time
from collections.abc import Sequence

import httpx
from pydantic import BaseModel

from selection.errors import (
    ContentFilteredError,
    ProviderError,
    ProviderResponseError,
    UpstreamError,
    http_error,
)
from selection.providers._base import HTTPChatClient, JSONBody
from selection.providers._http import excerpt, stream_lines, stream_open
from selection.providers._types import (
    Completion,
    GenerationParams,
    Message,
    Prices,
    resolve_cost,
)
from selection.providers.wire import ChatReply, ChatStream, sse_chunks

__all__ = ["OpenAICompatibleClient"]


class _WireError(BaseModel):
    message: str = ""
    code: int | str | None = None


class _WireMessage(BaseModel):
    content: str | None = None
    refusal: str | None = None


class _WireChoice(BaseModel):
    message: _WireMessage | None = None
    finish_reason: str | None = None
    error: _WireError | None = None


class _WireUsage(BaseModel):
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost: float | None = None  # OpenRouter reports the charge in USD


class _WireResponse(BaseModel):
    model: str | None = None
    choices: list[_WireChoice] = []
    usage: _WireUsage | None = None
    error: _WireError | None = None


class OpenAICompatibleClient(HTTPChatClient):
    """Client for ``POST {base_url}/chat/completions``.

    Serves OpenAI (the default), Mistral (``base_url="https://api.mistral.ai/v1"``,
    ``provider="mistral"``) and local OpenAI-compatible servers such as Ollama, vLLM and
    llama.cpp (``api_key=None``, ``provider="local"``). The key goes in
    ``Authorization: Bearer``; no header is sent without one.

    Some gateways (OpenRouter) answer HTTP 200 with an ``error`` object or a choice whose
    ``finish_reason`` is ``"error"``; both raise. ``finish_reason: "content_filter"`` or a
    ``refusal`` raises :class:`ContentFilteredError`.
    """

    default_base_url = "https://api.openai.com/v1"
    default_provider = "openai"

    def _url(self, model: str) -> str:
        return f"{self._base_url}/chat/completions"

    def _headers(self) -> dict[str, str]:
        key = self._key()
        return {"authorization": f"Bearer {key}"} if key is not None else {}

    def _body(self, model: str, messages: Sequence[Message], params: GenerationParams) -> JSONBody:
        body: JSONBody = {
            "model": model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
        }
        optional = {
            "max_tokens": params.max_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "stop": list(params.stop) or None,
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
        wire = self._wire(_WireResponse, response, raw)
        if wire.error is not None:
            raise self._body_error(wire.error, self._excerpt(response), where="error in a 200 body")
        if not wire.choices:
            raise ProviderResponseError(
                f"no choice in the answer: {self._excerpt(response)}", provider=self._provider
            )
        choice = wire.choices[0]
        if choice.error is not None:
            detail = excerpt(choice.error.message, self._secrets())
            raise self._body_error(choice.error, detail, where="error in the choice")
        if choice.finish_reason == "error":
            raise UpstreamError(
                f"the choice ended in an error: {self._excerpt(response)}",
                provider=self._provider,
            )
        message = choice.message
        if message is None:
            raise ProviderResponseError(
                f"no message in the choice: {self._excerpt(response)}", provider=self._provider
            )
        if choice.finish_reason == "content_filter" or message.refusal:
            raise ContentFilteredError(
                f"content filtered: {self._excerpt(response)}",
                provider=self._provider,
                reason=message.refusal or "content_filter",
            )
        usage = wire.usage or _WireUsage()
        cost, source = resolve_cost(
            reported=usage.cost,
            input_tokens=usage.prompt_tokens,
            output_tokens=usage.completion_tokens,
            prices=prices,
        )
        return Completion(
            text=message.content or "",
            input_tokens=usage.prompt_tokens,
            output_tokens=usage.completion_tokens,
            latency_s=latency,
            finish_reason=choice.finish_reason,
            model=wire.model or model,
            provider=self._provider,
            cost_usd=cost,
            cost_source=source,
        )

    async def chat(self, model: str, body: JSONBody, *, prices: Prices | None = None) -> ChatReply:
        """Forward an OpenAI chat-completions body whole (only ``model`` is replaced).

        Raises:
            selection.errors.ProviderError: Classified, as for :meth:`complete`.
        """
        request = self._request(self._url(model), {**body, "model": model})
        return await self._send_chat(request, model=model, prices=prices, reply_of=lambda raw: raw)

    async def open_stream(
        self, model: str, body: JSONBody, *, prices: Prices | None = None
    ) -> ChatStream:
        """Forward a streamed body whole; usage is asked for so the call can be priced.

        Raises:
            selection.errors.ProviderError: Classified, before any chunk is read.
        """
        upstream = {**body, "model": model, "stream": True}
        upstream["stream_options"] = {**(body.get("stream_options") or {}), "include_usage": True}
        request = self._request(self._url(model), upstream)
        started = time.monotonic()
        response = await stream_open(
            self._http, request, provider=self._provider, status_error=self._status_error
        )
        return ChatStream(
            sse_chunks(stream_lines(response, provider=self._provider), provider=self._provider),
            close=response.aclose,
            provider=self._provider,
            model=model,
            prices=prices,
            started=started,
        )

    def _body_error(self, error: _WireError, detail: str, *, where: str) -> ProviderError:
        if isinstance(error.code, int) and 400 <= error.code <= 599:
            # OpenRouter puts the upstream's HTTP-like status in "code"; classify it as one.
            return http_error(error.code, detail, provider=self._provider, where=where)
        return UpstreamError(f"{where}: {detail}", provider=self._provider)
