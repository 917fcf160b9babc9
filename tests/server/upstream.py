"""A fake OpenAI-compatible provider (a MockTransport handler) that streams and calls tools."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx

CANARY = "sk-canary-upstream-XXXX"
"""The provider key: no response, log line, metric or status may ever contain it."""


def chat_body(body: dict[str, Any]) -> dict[str, Any]:
    """OpenAI's chat.completion for ``body``: echo the last user text, or call the first tool."""
    message: dict[str, Any]
    if body.get("tools"):
        tool = body["tools"][0]["function"]["name"]
        call = {"id": "call_1", "type": "function", "function": {"name": tool, "arguments": "{}"}}
        message, finish = {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls"
    else:
        text = body["messages"][-1]["content"]
        message, finish = {"role": "assistant", "content": str(text).upper()}, "stop"
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1721000000,
        "model": body["model"],
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 4, "total_tokens": 14},
    }


def sse(body: dict[str, Any]) -> bytes:
    """The same answer streamed in OpenAI's chunk format, word by word."""
    text = str(body["messages"][-1]["content"]).upper()
    base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1721000000}
    base["model"] = body["model"]
    words = text.split(" ")
    deltas = [{"role": "assistant", "content": ""}]
    deltas += [{"content": w if i == 0 else " " + w} for i, w in enumerate(words)]
    events = [
        {**base, "choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in deltas
    ]
    events.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    if (body.get("stream_options") or {}).get("include_usage"):
        usage = {
            "prompt_tokens": 10,
            "completion_tokens": len(words),
            "total_tokens": 10 + len(words),
        }
        events.append({**base, "choices": [], "usage": usage})
    lines = [f"data: {json.dumps(e)}\n\n" for e in events] + ["data: [DONE]\n\n"]
    return "".join(lines).encode()


@dataclass
class Upstream:
    """Scripted failures first (status codes), then answers; records every body it saw."""

    key: str = CANARY
    fail_first: list[int] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handler(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/chat/completions"):
            return httpx.Response(404, json={"error": {"message": "no route"}})
        if request.headers.get("authorization") != f"Bearer {self.key}":
            return httpx.Response(401, json={"error": {"message": "Incorrect API key provided"}})
        body = json.loads(request.content)
        with self.lock:
            self.bodies.append(body)
            status = self.fail_first.pop(0) if self.fail_first else None
        if status is not None:
            # Echo the key back, as a careless upstream might: it must be redacted.
            message = f"upstream trouble for key {self.key}"
            return httpx.Response(status, json={"error": {"message": message}})
        if body.get("stream"):
            return httpx.Response(
                200, content=sse(body), headers={"content-type": "text/event-stream"}
            )
        return httpx.Response(200, json=chat_body(body))
