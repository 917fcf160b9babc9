"""OpenAI chat-completions bodies passed through whole, plain and streamed.

An application speaks OpenAI's wire format; :class:`OpenAICompatibleClient` forwards its body
unchanged but for ``model`` (tools, images, ``response_format``, ``seed``... all reach the
provider) and streams the server-sent events back. Clients of other wire formats answer
through their text :meth:`complete` (see :func:`chat_via_complete`): text-only conversations
work, while a request using tools, images or another feature they cannot translate is refused
with a classified 400 (not retried, not held against the model's health), so a fallback chain
moves on to a model that can serve it.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from selection.errors import ProviderResponseError, http_error
from selection.providers._types import (
    ChatClient,
    Completion,
    GenerationParams,
    Message,
    Prices,
    resolve_cost,
)

__all__ = [
    "ChatReply",
    "ChatStream",
    "JSONBody",
    "chat_via_complete",
    "sse_chunks",
    "sse_json",
    "stream_via_complete",
]

JSONBody = dict[str, Any]

# Fields a text-only client can honour; any other field needs the OpenAI wire itself.
_TEXT_FIELDS = frozenset(
    {"model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "stop"}
    | {"stream", "stream_options", "n", "user"}
)


@dataclass(frozen=True, slots=True)
class ChatReply:
    """A plain answer in OpenAI's shape and its summary for recording.

    Attributes:
        body: The ``chat.completion`` object, as the provider sent it (or translated).
        completion: What the call cost and took, for the tracker.
    """

    body: JSONBody
    completion: Completion


class ChatStream:
    """A streamed answer whose upstream has already accepted the request (status 2xx).

    Iterate it for ``chat.completion.chunk`` objects; once it is exhausted,
    :attr:`completion` sums the call up (text, usage, time to first token, total time).
    Always :meth:`aclose` it (closing early releases the connection).

    Args:
        chunks: The parsed chunks.
        close: Releases the upstream response.
        provider: The provider name.
        model: The upstream model requested.
        prices: For the cost when the provider reports none.
        started: ``time.monotonic()`` when the request was sent.
    """

    def __init__(
        self,
        chunks: AsyncIterator[JSONBody],
        *,
        close: Callable[[], Awaitable[None]],
        provider: str,
        model: str,
        prices: Prices | None,
        started: float,
    ) -> None:
        self._chunks = chunks
        self._close = close
        self.provider = provider
        self._model = model
        self._prices = prices
        self._started = started
        self._first: float | None = None
        self._text: list[str] = []
        self._usage: Mapping[str, Any] = {}
        self._finish: str | None = None
        self._served: str | None = None
        self._done = False

    def __repr__(self) -> str:
        return f"ChatStream(provider={self.provider!r}, model={self._model!r})"

    async def __aiter__(self) -> AsyncIterator[JSONBody]:
        async for chunk in self._chunks:
            self._observe(chunk)
            yield chunk
        self._done = True

    async def aclose(self) -> None:
        """Release the upstream connection."""
        await self._close()

    @property
    def finished(self) -> bool:
        """Whether the stream was read to its end."""
        return self._done

    @property
    def completion(self) -> Completion:
        """The call summed up from the chunks seen so far."""
        prompt = self._usage.get("prompt_tokens")
        output = self._usage.get("completion_tokens")
        cost, source = resolve_cost(
            reported=self._usage.get("cost"),
            input_tokens=prompt,
            output_tokens=output,
            prices=self._prices,
        )
        first = self._first - self._started if self._first is not None else None
        return Completion(
            text="".join(self._text),
            input_tokens=prompt,
            output_tokens=output,
            latency_s=time.monotonic() - self._started,
            finish_reason=self._finish,
            model=self._served or self._model,
            provider=self.provider,
            cost_usd=cost,
            cost_source=source,
            first_token_s=first,
        )

    def _observe(self, chunk: JSONBody) -> None:
        if isinstance(chunk.get("usage"), dict):
            self._usage = chunk["usage"]
        self._served = self._served or chunk.get("model")
        for choice in chunk.get("choices") or ():
            delta = choice.get("delta") or {}
            if self._first is None and (delta.get("content") or delta.get("tool_calls")):
                self._first = time.monotonic()
            if isinstance(delta.get("content"), str):
                self._text.append(delta["content"])
            if choice.get("finish_reason"):
                self._finish = choice["finish_reason"]


async def sse_chunks(lines: AsyncIterator[str], *, provider: str) -> AsyncIterator[JSONBody]:
    """Parse OpenAI's server-sent events (``data: {...}`` lines up to ``data: [DONE]``)."""
    async for line in lines:
        if not line.startswith("data:"):
            continue  # blank separators, ": keep-alive" comments, "event:" lines
        data = line[5:].strip()
        if data == "[DONE]":
            return
        try:
            chunk = json.loads(data)
        except json.JSONDecodeError as exc:
            raise ProviderResponseError(
                f"unreadable stream event: {data[:80]}", provider=provider
            ) from exc
        if isinstance(chunk, dict) and "error" in chunk and not chunk.get("choices"):
            raise ProviderResponseError("error event in the stream", provider=provider)
        yield chunk


async def sse_json(lines: AsyncIterator[str], *, provider: str) -> AsyncIterator[JSONBody]:
    """Parse server-sent events whose ``data:`` lines are JSON objects (Anthropic, Gemini)."""
    async for line in lines:
        if not line.startswith("data:"):
            continue  # blank separators, "event:" lines, comments
        data = line[5:].strip()
        try:
            event = json.loads(data)
        except json.JSONDecodeError as exc:
            raise ProviderResponseError(
                f"unreadable stream event: {data[:80]}", provider=provider
            ) from exc
        if not isinstance(event, dict):
            raise ProviderResponseError("a stream event is not a JSON object", provider=provider)
        yield event


def _text_request(body: JSONBody, provider: str) -> tuple[list[Message], GenerationParams]:
    unsupported = sorted(set(body) - _TEXT_FIELDS)
    messages: list[Message] = []
    for m in body.get("messages", []):
        role, content = m.get("role"), m.get("content")
        if role not in ("system", "user", "assistant") or not isinstance(content, str):
            unsupported.append(f"messages with role {role!r} or non-text content")
            break
        messages.append(Message(role, content))
    if unsupported or body.get("n", 1) != 1:
        raise http_error(
            400,
            f"{', '.join(unsupported) or 'n > 1'} not supported by {provider}'s wire translation",
            provider=provider,
            where="unsupported request",
        )
    stop = body.get("stop")
    params = GenerationParams(
        max_tokens=body.get("max_completion_tokens") or body.get("max_tokens"),
        temperature=body.get("temperature"),
        top_p=body.get("top_p"),
        stop=(stop,) if isinstance(stop, str) else tuple(stop or ()),
    )
    return messages, params


def _finish(reason: str | None) -> str:
    # Anthropic's and Gemini's stop reasons, in OpenAI's words.
    return {"max_tokens": "length", "MAX_TOKENS": "length", "tool_use": "tool_calls"}.get(
        reason or "", "stop"
    )


def _usage(completion: Completion) -> JSONBody:
    prompt, output = completion.input_tokens or 0, completion.output_tokens or 0
    return {"prompt_tokens": prompt, "completion_tokens": output, "total_tokens": prompt + output}


async def chat_via_complete(
    client: ChatClient, model: str, body: JSONBody, *, prices: Prices | None
) -> ChatReply:
    """Answer an OpenAI-shaped text request through a client's own :meth:`complete`."""
    messages, params = _text_request(body, client.provider)
    completion = await client.complete(model, messages, params=params, prices=prices)
    reply = {
        "id": "chatcmpl-translated",
        "object": "chat.completion",
        "created": 0,
        "model": completion.model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": completion.text},
                "finish_reason": _finish(completion.finish_reason),
            }
        ],
        "usage": _usage(completion),
    }
    return ChatReply(reply, completion)


async def stream_via_complete(
    client: ChatClient, model: str, body: JSONBody, *, prices: Prices | None
) -> ChatStream:
    """Answer a streamed text request in one content chunk (the client cannot stream)."""
    started = time.monotonic()
    reply = await chat_via_complete(client, model, body, prices=prices)
    completion = reply.completion
    base = {"id": "chatcmpl-translated", "object": "chat.completion.chunk", "created": 0}
    base["model"] = completion.model
    text = {"role": "assistant", "content": completion.text}
    chunks = [
        {**base, "choices": [{"index": 0, "delta": text, "finish_reason": None}]},
        {
            **base,
            "choices": [
                {"index": 0, "delta": {}, "finish_reason": _finish(completion.finish_reason)}
            ],
        },
        {**base, "choices": [], "usage": _usage(completion)},
    ]

    async def replay() -> AsyncIterator[JSONBody]:
        for chunk in chunks:
            yield chunk

    async def nothing() -> None:
        return None

    return ChatStream(
        replay(),
        close=nothing,
        provider=client.provider,
        model=model,
        prices=prices,
        started=started,
    )
