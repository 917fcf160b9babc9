"""OpenAI's chat-completions wire translated to Gemini's ``generateContent`` and back.

Requests: system messages become ``systemInstruction``; user content parts become
``text`` and ``inlineData`` parts (images as data URLs; Gemini takes no image URL inline,
so an http image URL is refused); an assistant's ``tool_calls`` become ``functionCall``
parts of a ``model`` turn; a ``tool`` message becomes a ``functionResponse`` part (named
after the call it answers; a JSON object result is passed as is, anything else as
``{"content": text}``); consecutive turns of one role merge. ``tools`` become
``functionDeclarations``; ``tool_choice`` ``auto``/``required``/``none``/a named function
map to ``AUTO``/``ANY``/``NONE``/``ANY`` with that name allowed. ``response_format``
``json_object`` / ``json_schema`` become ``responseMimeType`` (and ``responseJsonSchema``),
``seed`` and the sampling fields go to ``generationConfig``; anything else is refused with
a classified 400, so a fallback chain moves on.

Answers: ``text`` parts (not thoughts) join into ``content``; ``functionCall`` parts become
``tool_calls`` with ids ``call_<n>`` (Gemini gives none) and ``finish_reason``
``tool_calls``. Streams (``streamGenerateContent?alt=sse``): each event's parts become
chunk deltas; the finish reason and ``usageMetadata`` of the last event make the final
chunks.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from selection.errors import ContentFilteredError, ProviderResponseError
from selection.providers._translate import text_of, untranslatable

__all__ = ["FILTER_FINISH_REASONS", "gemini_chunks", "gemini_request", "openai_reply"]

JSONBody = dict[str, Any]

FILTER_FINISH_REASONS = frozenset(
    {"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION", "IMAGE_SAFETY"}
)
"""Candidate finish reasons that mean Gemini withheld the content."""

_FIELDS = frozenset(
    {"model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p"}
    | {"stop", "stream", "stream_options", "n", "user", "tools", "tool_choice", "seed"}
    | {"response_format", "presence_penalty", "frequency_penalty"}
)
_CONFIG = {
    "temperature": "temperature",
    "top_p": "topP",
    "seed": "seed",
    "presence_penalty": "presencePenalty",
    "frequency_penalty": "frequencyPenalty",
}


def gemini_request(body: JSONBody, *, provider: str) -> JSONBody:
    """Gemini's request body for an OpenAI chat-completions ``body``.

    Raises:
        selection.errors.ProviderHTTPError: 400, for what has no Gemini equivalent.
    """
    unsupported = sorted(set(body) - _FIELDS)
    if unsupported or body.get("n", 1) != 1:
        raise untranslatable(", ".join(unsupported) or "n > 1", provider)
    system: list[JSONBody] = []
    contents: list[JSONBody] = []
    names: dict[str, str] = {}  # tool call id -> function name
    for message in body.get("messages") or []:
        role = message.get("role")
        if role in ("system", "developer"):
            system.append({"text": text_of(message.get("content"), provider)})
            continue
        if role == "user":
            parts = _user_parts(message.get("content"), provider)
        elif role == "assistant":
            parts = _model_parts(message, names, provider)
            role = "model"
        elif role == "tool":
            parts = [_function_response(message, names, provider)]
            role = "user"
        else:
            raise untranslatable(f"messages with role {role!r}", provider)
        if contents and contents[-1]["role"] == role:
            contents[-1]["parts"].extend(parts)
        else:
            contents.append({"role": role, "parts": parts})
    out: JSONBody = {"contents": contents}
    if system:
        out["systemInstruction"] = {"parts": system}
    config = _config(body, provider)
    if config:
        out["generationConfig"] = config
    if body.get("tools"):
        out["tools"] = [
            {"functionDeclarations": [_declaration(t, provider) for t in body["tools"]]}
        ]
    choice = _tool_config(body.get("tool_choice"), provider)
    if choice is not None:
        out["toolConfig"] = choice
    return out


def _user_parts(content: Any, provider: str) -> list[JSONBody]:
    if isinstance(content, str):
        return [{"text": content}]
    if not isinstance(content, list):
        raise untranslatable("user content that is neither text nor a list of parts", provider)
    parts: list[JSONBody] = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            parts.append({"text": str(part.get("text", ""))})
        elif kind == "image_url":
            url = str((part.get("image_url") or {}).get("url", ""))
            if not (url.startswith("data:") and ";base64," in url):
                raise untranslatable("image URLs other than base64 data URLs", provider)
            media, data = url[5:].split(";base64,", 1)
            parts.append({"inlineData": {"mimeType": media, "data": data}})
        else:
            raise untranslatable(f"content part {kind!r}", provider)
    return parts


def _model_parts(message: JSONBody, names: dict[str, str], provider: str) -> list[JSONBody]:
    parts: list[JSONBody] = []
    text = text_of(message.get("content"), provider)
    if text:
        parts.append({"text": text})
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        name = str(function.get("name", ""))
        names[str(call.get("id", ""))] = name
        try:
            args = json.loads(function.get("arguments") or "{}")
        except json.JSONDecodeError as exc:
            raise untranslatable(
                f"tool call arguments that are not JSON ({exc.msg})", provider
            ) from exc
        parts.append({"functionCall": {"name": name, "args": args}})
    return parts


def _function_response(message: JSONBody, names: dict[str, str], provider: str) -> JSONBody:
    call_id = str(message.get("tool_call_id", ""))
    name = names.get(call_id)
    if name is None:
        raise untranslatable(f"a tool message answering an unknown call {call_id!r}", provider)
    text = text_of(message.get("content"), provider)
    try:
        result = json.loads(text)
    except json.JSONDecodeError:
        result = None
    response = result if isinstance(result, dict) else {"content": text}
    return {"functionResponse": {"name": name, "response": response}}


def _config(body: JSONBody, provider: str) -> JSONBody:
    config: JSONBody = {
        gemini: body[openai] for openai, gemini in _CONFIG.items() if body.get(openai) is not None
    }
    max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
    if max_tokens is not None:
        config["maxOutputTokens"] = max_tokens
    stop = body.get("stop")
    if stop:
        config["stopSequences"] = [stop] if isinstance(stop, str) else list(stop)
    response_format = body.get("response_format") or {}
    kind = response_format.get("type")
    if kind in ("json_object", "json_schema"):
        config["responseMimeType"] = "application/json"
        schema = (response_format.get("json_schema") or {}).get("schema")
        if kind == "json_schema" and schema is not None:
            config["responseJsonSchema"] = schema
    elif kind not in (None, "text"):
        raise untranslatable(f"response_format {kind!r}", provider)
    return config


def _declaration(tool: Any, provider: str) -> JSONBody:
    if not isinstance(tool, dict) or tool.get("type") != "function":
        raise untranslatable("tools other than functions", provider)
    function = tool.get("function") or {}
    out: JSONBody = {"name": str(function.get("name", ""))}
    if function.get("description"):
        out["description"] = function["description"]
    if function.get("parameters"):
        out["parameters"] = function["parameters"]
    return out


def _tool_config(choice: Any, provider: str) -> JSONBody | None:
    if choice is None:
        return None
    modes = {"auto": "AUTO", "required": "ANY", "none": "NONE"}
    if isinstance(choice, str) and choice in modes:
        return {"functionCallingConfig": {"mode": modes[choice]}}
    if isinstance(choice, dict) and choice.get("type") == "function":
        name = str((choice.get("function") or {}).get("name", ""))
        return {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [name]}}
    raise untranslatable(f"tool_choice {choice!r}", provider)


def _check(response: JSONBody, provider: str) -> JSONBody | None:
    """The first candidate, after the content filters; ``None`` when there is none."""
    blocked = (response.get("promptFeedback") or {}).get("blockReason")
    if blocked:
        raise ContentFilteredError(
            f"prompt blocked ({blocked})", provider=provider, reason=str(blocked)
        )
    candidates = response.get("candidates") or []
    if not candidates:
        return None
    candidate: JSONBody = candidates[0]
    reason = candidate.get("finishReason") or ""
    if reason in FILTER_FINISH_REASONS:
        raise ContentFilteredError(
            f"candidate stopped ({reason})", provider=provider, reason=reason
        )
    return candidate


def _finish(reason: str | None, called: bool) -> str | None:
    if reason is None:
        return None
    if called:
        return "tool_calls"
    return "length" if reason == "MAX_TOKENS" else "stop"


def _usage(metadata: JSONBody | None) -> JSONBody:
    metadata = metadata or {}
    prompt = int(metadata.get("promptTokenCount") or 0)
    output = int(metadata.get("candidatesTokenCount") or 0)
    output += int(metadata.get("thoughtsTokenCount") or 0)
    return {"prompt_tokens": prompt, "completion_tokens": output, "total_tokens": prompt + output}


def _split(parts: list[JSONBody], first_call: int) -> tuple[str, list[JSONBody]]:
    text: list[str] = []
    calls: list[JSONBody] = []
    for part in parts:
        if "functionCall" in part:
            call = part["functionCall"] or {}
            calls.append(
                {
                    "id": f"call_{first_call + len(calls)}",
                    "type": "function",
                    "function": {
                        "name": call.get("name"),
                        "arguments": json.dumps(call.get("args") or {}),
                    },
                }
            )
        elif part.get("text") and not part.get("thought"):
            text.append(str(part["text"]))
    return "".join(text), calls


def openai_reply(response: JSONBody, *, provider: str) -> JSONBody:
    """OpenAI's ``chat.completion`` for a Gemini ``generateContent`` answer.

    Raises:
        ContentFilteredError: The prompt was blocked or the candidate stopped for safety.
        ProviderResponseError: There is no candidate.
    """
    candidate = _check(response, provider)
    if candidate is None:
        raise ProviderResponseError("no candidate in the answer", provider=provider)
    text, calls = _split((candidate.get("content") or {}).get("parts") or [], 0)
    message: JSONBody = {"role": "assistant", "content": text if text or not calls else None}
    if calls:
        message["tool_calls"] = calls
    finish = _finish(candidate.get("finishReason"), bool(calls)) or "stop"
    return {
        "id": response.get("responseId") or "chatcmpl-gemini",
        "object": "chat.completion",
        "created": 0,
        "model": response.get("modelVersion"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": _usage(response.get("usageMetadata")),
    }


async def gemini_chunks(
    events: AsyncIterator[JSONBody], *, provider: str
) -> AsyncIterator[JSONBody]:
    """OpenAI ``chat.completion.chunk`` objects for ``streamGenerateContent`` events.

    Raises:
        ContentFilteredError: The prompt was blocked or the candidate stopped for safety.
        ProviderResponseError: The stream ended without a finish reason.
    """
    base: JSONBody = {"id": "chatcmpl-gemini", "object": "chat.completion.chunk", "created": 0}
    calls = 0
    started = False
    finish: str | None = None
    usage: JSONBody | None = None
    async for event in events:
        candidate = _check(event, provider)
        base["id"] = event.get("responseId") or base["id"]
        base["model"] = event.get("modelVersion") or base.get("model")
        if event.get("usageMetadata"):
            usage = event["usageMetadata"]
        if candidate is None:
            continue
        text, new_calls = _split((candidate.get("content") or {}).get("parts") or [], calls)
        delta: JSONBody = {}
        if not started:
            delta["role"] = "assistant"
            started = True
        if text:
            delta["content"] = text
        if new_calls:
            delta["tool_calls"] = [{"index": calls + i, **c} for i, c in enumerate(new_calls)]
            calls += len(new_calls)
        if delta:
            yield {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
        if candidate.get("finishReason"):
            finish = _finish(candidate["finishReason"], calls > 0)
    if finish is None:
        raise ProviderResponseError("the stream ended without a finish reason", provider=provider)
    yield {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}
    yield {**base, "choices": [], "usage": _usage(usage)}
