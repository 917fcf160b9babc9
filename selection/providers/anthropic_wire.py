"""OpenAI's chat-completions wire translated to Anthropic's Messages API and back.

Requests: system messages join the top-level ``system``; user content parts become
``text`` and ``image`` blocks (a data URL as base64, an http URL as a URL source);
an assistant's ``tool_calls`` become ``tool_use`` blocks (arguments parsed from JSON); a
``tool`` message becomes a ``tool_result`` block of a user turn; consecutive turns of one
role merge, as Anthropic requires alternating roles. ``tools`` become
``{name, description, input_schema}``; ``tool_choice`` ``auto``/``required``/``none``/a
named function map to ``auto``/``any``/``none``/``tool``. A field with no Anthropic
equivalent (``response_format``, ``seed``, ``logprobs``, ``n`` > 1...) is refused with a
classified 400, so a fallback chain moves on to a model that can serve it.

Answers: ``text`` blocks join into ``content``, ``tool_use`` blocks become ``tool_calls``
(arguments as JSON text); ``stop_reason`` maps to OpenAI's ``finish_reason``. Streams:
Anthropic's events (``message_start``, ``content_block_start``, ``content_block_delta``
with ``text_delta`` or ``input_json_delta``, ``message_delta``, ``message_stop``,
``ping``, ``error``) become ``chat.completion.chunk`` objects, tool calls indexed in the
order their blocks open, and a final usage chunk.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from selection.errors import ContentFilteredError, ProviderResponseError
from selection.providers._translate import text_of, untranslatable

__all__ = ["anthropic_chunks", "anthropic_request", "openai_reply"]

JSONBody = dict[str, Any]

# OpenAI fields with an Anthropic equivalent (or none needed); anything else is refused.
_FIELDS = frozenset(
    {"model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p"}
    | {"stop", "stream", "stream_options", "n", "user", "tools", "tool_choice"}
    | {"parallel_tool_calls"}
)
_FINISH = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "pause_turn": "stop",
}


def anthropic_request(
    body: JSONBody, model: str, *, default_max_tokens: int, provider: str
) -> JSONBody:
    """Anthropic's request body for an OpenAI chat-completions ``body``.

    Raises:
        selection.errors.ProviderHTTPError: 400, for what has no Anthropic equivalent.
    """
    unsupported = sorted(set(body) - _FIELDS)
    if unsupported or body.get("n", 1) != 1:
        raise untranslatable(", ".join(unsupported) or "n > 1", provider)
    system: list[str] = []
    turns: list[JSONBody] = []
    for message in body.get("messages") or []:
        role = message.get("role")
        if role in ("system", "developer"):
            system.append(text_of(message.get("content"), provider))
            continue
        if role == "user":
            blocks = _user_blocks(message.get("content"), provider)
        elif role == "assistant":
            blocks = _assistant_blocks(message, provider)
            role = "assistant"
        elif role == "tool":
            blocks = [
                {
                    "type": "tool_result",
                    "tool_use_id": str(message.get("tool_call_id", "")),
                    "content": text_of(message.get("content"), provider),
                }
            ]
            role = "user"
        else:
            raise untranslatable(f"messages with role {role!r}", provider)
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    out: JSONBody = {
        "model": model,
        "max_tokens": body.get("max_completion_tokens")
        or body.get("max_tokens")
        or default_max_tokens,
        "messages": turns,
    }
    if system:
        out["system"] = "\n\n".join(system)
    stop = body.get("stop")
    optional = {
        "temperature": body.get("temperature"),
        "top_p": body.get("top_p"),
        "stop_sequences": [stop] if isinstance(stop, str) else (list(stop) if stop else None),
    }
    out.update((k, v) for k, v in optional.items() if v is not None)
    if body.get("tools"):
        out["tools"] = [_tool(t, provider) for t in body["tools"]]
    choice = _tool_choice(body.get("tool_choice"), body.get("parallel_tool_calls"), provider)
    if choice is not None:
        out["tool_choice"] = choice
    if body.get("stream"):
        out["stream"] = True
    return out


def _user_blocks(content: Any, provider: str) -> list[JSONBody]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if not isinstance(content, list):
        raise untranslatable("user content that is neither text nor a list of parts", provider)
    blocks: list[JSONBody] = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            blocks.append({"type": "text", "text": str(part.get("text", ""))})
        elif kind == "image_url":
            url = str((part.get("image_url") or {}).get("url", ""))
            blocks.append({"type": "image", "source": _image_source(url)})
        else:
            raise untranslatable(f"content part {kind!r}", provider)
    return blocks


def _image_source(url: str) -> JSONBody:
    if url.startswith("data:") and ";base64," in url:
        media, data = url[5:].split(";base64,", 1)
        return {"type": "base64", "media_type": media, "data": data}
    return {"type": "url", "url": url}


def _assistant_blocks(message: JSONBody, provider: str) -> list[JSONBody]:
    blocks: list[JSONBody] = []
    text = text_of(message.get("content"), provider)
    if text:
        blocks.append({"type": "text", "text": text})
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        try:
            arguments = json.loads(function.get("arguments") or "{}")
        except json.JSONDecodeError as exc:
            raise untranslatable(
                f"tool call arguments that are not JSON ({exc.msg})", provider
            ) from exc
        blocks.append(
            {
                "type": "tool_use",
                "id": str(call.get("id", "")),
                "name": str(function.get("name", "")),
                "input": arguments,
            }
        )
    return blocks


def _tool(tool: Any, provider: str) -> JSONBody:
    if not isinstance(tool, dict) or tool.get("type") != "function":
        raise untranslatable("tools other than functions", provider)
    function = tool.get("function") or {}
    out: JSONBody = {
        "name": str(function.get("name", "")),
        "input_schema": function.get("parameters") or {"type": "object", "properties": {}},
    }
    if function.get("description"):
        out["description"] = function["description"]
    return out


def _tool_choice(choice: Any, parallel: Any, provider: str) -> JSONBody | None:
    if choice is None and parallel is None:
        return None
    if choice is None or choice == "auto":
        out: JSONBody = {"type": "auto"}
    elif choice == "required":
        out = {"type": "any"}
    elif choice == "none":
        return {"type": "none"}
    elif isinstance(choice, dict) and choice.get("type") == "function":
        out = {"type": "tool", "name": str((choice.get("function") or {}).get("name", ""))}
    else:
        raise untranslatable(f"tool_choice {choice!r}", provider)
    if parallel is False:
        out["disable_parallel_tool_use"] = True
    return out


def _finish(reason: str | None) -> str | None:
    return None if reason is None else _FINISH.get(reason, "stop")


def _refused(provider: str) -> ContentFilteredError:
    return ContentFilteredError("the model refused", provider=provider, reason="refusal")


def openai_reply(message: JSONBody, *, provider: str) -> JSONBody:
    """OpenAI's ``chat.completion`` for an Anthropic Messages answer.

    Raises:
        ContentFilteredError: ``stop_reason`` is ``refusal``.
    """
    if message.get("stop_reason") == "refusal":
        raise _refused(provider)
    text: list[str] = []
    calls: list[JSONBody] = []
    for block in message.get("content") or []:
        if block.get("type") == "text":
            text.append(str(block.get("text", "")))
        elif block.get("type") == "tool_use":
            calls.append(
                {
                    "id": block.get("id"),
                    "type": "function",
                    "function": {
                        "name": block.get("name"),
                        "arguments": json.dumps(block.get("input") or {}),
                    },
                }
            )
    reply: JSONBody = {"role": "assistant", "content": "".join(text) if text or not calls else None}
    if calls:
        reply["tool_calls"] = calls
    usage = message.get("usage") or {}
    prompt, output = int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0)
    return {
        "id": message.get("id") or "chatcmpl-anthropic",
        "object": "chat.completion",
        "created": 0,
        "model": message.get("model"),
        "choices": [
            {"index": 0, "message": reply, "finish_reason": _finish(message.get("stop_reason"))}
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": output,
            "total_tokens": prompt + output,
        },
    }


async def anthropic_chunks(
    events: AsyncIterator[JSONBody], *, provider: str
) -> AsyncIterator[JSONBody]:
    """OpenAI ``chat.completion.chunk`` objects for Anthropic's stream events.

    Raises:
        ProviderResponseError: An ``error`` event, or a stream that ends before
            ``message_stop``.
        ContentFilteredError: The message stopped with ``refusal``.
    """
    state = _StreamState(provider)
    async for event in events:
        for chunk in state.read(event):
            yield chunk
        if state.stopped:
            return
    raise ProviderResponseError("the stream ended before message_stop", provider=provider)


class _StreamState:
    """What a stream has said so far: its id and model, tool blocks, token counts."""

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.base: JSONBody = {
            "id": "chatcmpl-anthropic",
            "object": "chat.completion.chunk",
            "created": 0,
        }
        self.tools: dict[int, int] = {}  # content block index -> tool call index
        self.prompt = self.output = 0
        self.stopped = False

    def chunk(self, delta: JSONBody, finish: str | None = None) -> JSONBody:
        return {**self.base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    def read(self, event: JSONBody) -> list[JSONBody]:
        kind = event.get("type")
        if kind == "message_start":
            return self._start(event.get("message") or {})
        if kind == "content_block_start":
            return self._block(int(event.get("index", 0)), event.get("content_block") or {})
        if kind == "content_block_delta":
            return self._delta(int(event.get("index", 0)), event.get("delta") or {})
        if kind == "message_delta":
            usage = event.get("usage") or {}
            self.output = int(usage.get("output_tokens") or self.output)
            reason = (event.get("delta") or {}).get("stop_reason")
            if reason == "refusal":
                raise _refused(self.provider)
            return [self.chunk({}, _finish(reason))] if reason else []
        if kind == "message_stop":
            self.stopped = True
            usage = {
                "prompt_tokens": self.prompt,
                "completion_tokens": self.output,
                "total_tokens": self.prompt + self.output,
            }
            return [{**self.base, "choices": [], "usage": usage}]
        if kind == "error":
            error = event.get("error") or {}
            raise ProviderResponseError(
                f"error event in the stream ({error.get('type', 'unknown')})",
                provider=self.provider,
            )
        return []  # ping, content_block_stop, and event types added later

    def _start(self, message: JSONBody) -> list[JSONBody]:
        self.base["id"] = message.get("id") or self.base["id"]
        self.base["model"] = message.get("model")
        usage = message.get("usage") or {}
        self.prompt = int(usage.get("input_tokens") or 0)
        self.output = int(usage.get("output_tokens") or 0)
        return [self.chunk({"role": "assistant", "content": ""})]

    def _block(self, index: int, block: JSONBody) -> list[JSONBody]:
        if block.get("type") == "tool_use":
            call = self.tools[index] = len(self.tools)
            function = {"name": block.get("name"), "arguments": ""}
            opened = {"index": call, "id": block.get("id"), "type": "function"}
            return [self.chunk({"tool_calls": [{**opened, "function": function}]})]
        if block.get("type") == "text" and block.get("text"):
            return [self.chunk({"content": block["text"]})]
        return []

    def _delta(self, index: int, delta: JSONBody) -> list[JSONBody]:
        if delta.get("type") == "text_delta":
            return [self.chunk({"content": str(delta.get("text", ""))})]
        call = self.tools.get(index)
        if delta.get("type") == "input_json_delta" and call is not None:
            arguments = str(delta.get("partial_json", ""))
            return [
                self.chunk({"tool_calls": [{"index": call, "function": {"arguments": arguments}}]})
            ]
        return []
