"""Google Gemini ``generateContent``: ``POST {base_url}/v1beta/models/{model}:generateContent``."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from selection.errors import ContentFilteredError, ErrorType, ProviderResponseError
from selection.providers._base import HTTPChatClient, JSONBody
from selection.providers._http import stream_lines, stream_open
from selection.providers._types import (
    Completion,
    GenerationParams,
    Message,
    Prices,
    resolve_cost,
)
from selection.providers.gemini_wire import FILTER_FINISH_REASONS, gemini_chunks, gemini_request
from selection.providers.gemini_wire import openai_reply as _openai_reply
from selection.providers.wire import ChatReply, ChatStream, sse_json

__all__ = ["FILTER_FINISH_REASONS", "GeminiClient"]

_ROLES = {"user": "user", "assistant": "model"}


class _Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel)


class _WirePart(_Wire):
    text: str | None = None
    thought: bool = False


class _WireContent(_Wire):
    parts: list[_WirePart] = []


class _WireCandidate(_Wire):
    content: _WireContent | None = None
    finish_reason: str | None = None


class _WireFeedback(_Wire):
    block_reason: str | None = None


class _WireUsage(_Wire):
    prompt_token_count: int | None = None
    candidates_token_count: int = 0  # omitted when nothing was generated
    thoughts_token_count: int = 0


class _WireResponse(_Wire):
    candidates: list[_WireCandidate] = []
    prompt_feedback: _WireFeedback | None = None
    usage_metadata: _WireUsage | None = None
    model_version: str | None = None


class _WireStatusDetail(BaseModel):
    type: str = Field("", alias="@type")
    reason: str | None = None
    retry_delay: str | None = Field(None, alias="retryDelay")


class _WireStatus(BaseModel):
    details: list[_WireStatusDetail] = []


class _WireErrorBody(BaseModel):
    error: _WireStatus


def _seconds(duration: str) -> float | None:
    # google.protobuf.Duration in JSON: "38s", "1.500s"
    try:
        value = float(duration.removesuffix("s"))
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


class GeminiClient(HTTPChatClient):
    """Client for Gemini's ``generateContent``.

    The key goes in the ``x-goog-api-key`` header (never the URL). System messages become
    ``systemInstruction``; assistant turns use Gemini's ``"model"`` role. A prompt blocked
    (``promptFeedback.blockReason``) or a candidate stopped for safety (``finishReason``
    in :data:`FILTER_FINISH_REASONS`) raises :class:`ContentFilteredError`.

    Output tokens are ``candidatesTokenCount`` plus ``thoughtsTokenCount``, since thinking
    tokens are billed as output. Wire quirks: an invalid key is HTTP 400 with reason
    ``API_KEY_INVALID`` (classified as authentication), and the wait after a 429 comes in
    the body (``google.rpc.RetryInfo.retryDelay``) rather than a ``Retry-After`` header.
    :meth:`chat` and :meth:`open_stream` speak OpenAI's chat-completions wire natively, tool
    calls, images and ``streamGenerateContent`` included (see
    :mod:`selection.providers.gemini_wire`).
    """

    default_base_url = "https://generativelanguage.googleapis.com"
    default_provider = "gemini"

    def _url(self, model: str) -> str:
        return f"{self._base_url}/v1beta/models/{model.removeprefix('models/')}:generateContent"

    def _headers(self) -> dict[str, str]:
        key = self._key()
        return {"x-goog-api-key": key} if key is not None else {}

    def _body(self, model: str, messages: Sequence[Message], params: GenerationParams) -> JSONBody:
        body: JSONBody = {
            "contents": [
                {"role": _ROLES[m.role], "parts": [{"text": m.content}]}
                for m in messages
                if m.role != "system"
            ]
        }
        system = [{"text": m.content} for m in messages if m.role == "system"]
        if system:
            body["systemInstruction"] = {"parts": system}
        config = {
            "maxOutputTokens": params.max_tokens,
            "temperature": params.temperature,
            "topP": params.top_p,
            "stopSequences": list(params.stop) or None,
        }
        config = {name: value for name, value in config.items() if value is not None}
        if config:
            body["generationConfig"] = config
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
        blocked = wire.prompt_feedback.block_reason if wire.prompt_feedback else None
        if blocked:
            raise self._filtered(f"prompt blocked ({blocked})", blocked)
        if not wire.candidates:
            raise ProviderResponseError(
                f"no candidate in the answer: {self._excerpt(response)}", provider=self._provider
            )
        candidate = wire.candidates[0]
        reason = candidate.finish_reason or ""
        if reason in FILTER_FINISH_REASONS:
            raise self._filtered(f"candidate stopped ({reason})", reason)
        usage = wire.usage_metadata
        input_tokens = usage.prompt_token_count if usage else None
        output_tokens = usage.candidates_token_count + usage.thoughts_token_count if usage else None
        cost, source = resolve_cost(
            reported=None, input_tokens=input_tokens, output_tokens=output_tokens, prices=prices
        )
        parts = candidate.content.parts if candidate.content else []
        return Completion(
            text="".join(p.text or "" for p in parts if not p.thought),
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            latency_s=latency,
            finish_reason=candidate.finish_reason,
            model=wire.model_version or model,
            provider=self._provider,
            cost_usd=cost,
            cost_source=source,
        )

    async def chat(self, model: str, body: JSONBody, *, prices: Prices | None = None) -> ChatReply:
        """Answer an OpenAI chat-completions body through ``generateContent``.

        Raises:
            selection.errors.ProviderError: Classified; a 400 for what cannot be translated.
        """
        request = self._request(self._url(model), gemini_request(body, provider=self._provider))
        return await self._send_chat(
            request,
            model=model,
            prices=prices,
            reply_of=lambda raw: _openai_reply(raw, provider=self._provider),
        )

    async def open_stream(
        self, model: str, body: JSONBody, *, prices: Prices | None = None
    ) -> ChatStream:
        """Stream an OpenAI chat-completions body through ``streamGenerateContent``.

        Raises:
            selection.errors.ProviderError: Classified, before any chunk is read.
        """
        url = self._url(model).removesuffix(":generateContent") + ":streamGenerateContent?alt=sse"
        request = self._request(url, gemini_request(body, provider=self._provider))
        started = time.monotonic()
        response = await stream_open(
            self._http, request, provider=self._provider, status_error=self._status_error
        )
        events = sse_json(stream_lines(response, provider=self._provider), provider=self._provider)
        return ChatStream(
            gemini_chunks(events, provider=self._provider),
            close=response.aclose,
            provider=self._provider,
            model=model,
            prices=prices,
            started=started,
        )

    def _classify(self, response: httpx.Response) -> ErrorType:
        if any(detail.reason == "API_KEY_INVALID" for detail in self._status_details(response)):
            return ErrorType.AUTHENTICATION
        return super()._classify(response)

    def _retry_after(self, response: httpx.Response) -> float | None:
        from_headers = super()._retry_after(response)
        if from_headers is not None:
            return from_headers
        for detail in self._status_details(response):
            if detail.type.endswith("google.rpc.RetryInfo") and detail.retry_delay:
                return _seconds(detail.retry_delay)
        return None

    @staticmethod
    def _status_details(response: httpx.Response) -> list[_WireStatusDetail]:
        try:
            return _WireErrorBody.model_validate_json(response.content).error.details
        except ValidationError:
            return []

    def _filtered(self, message: str, reason: str) -> ContentFilteredError:
        return ContentFilteredError(message, provider=self._provider, reason=reason)
