"""A loopback HTTP server speaking Anthropic's Messages API and Gemini's generateContent.

Real sockets, real server-sent events, each provider's own wire format (event names, field
spelling, SSE framing as the providers send it). It answers with text ("Hello world") and,
when the request declares tools, a call of the first tool with ``{"city": "Paris"}``. It
keeps every request body so tests can check what the translation sent.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

KEY = "sk-native-canary"
PROMPT_TOKENS, OUTPUT_TOKENS = 21, 7


class NativeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[tuple[str, dict[str, Any]]] = []  # (path with query, body)
        self.stream_error = False  # Anthropic: an error event in the middle of the stream

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


@contextmanager
def native_server() -> Iterator[NativeServer]:
    server = NativeServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _tool(body: dict[str, Any], gemini: bool) -> str | None:
    tools = body.get("tools") or []
    if not tools:
        return None
    if gemini:
        return str(tools[0]["functionDeclarations"][0]["name"])
    return str(tools[0]["name"])


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: NativeServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        self.server.seen.append((self.path, body))
        if self.path == "/v1/messages":
            if self.headers.get("x-api-key") != KEY or not self.headers.get("anthropic-version"):
                error = {"type": "authentication_error", "message": "invalid x-api-key"}
                return self._json(401, {"type": "error", "error": error})
            return self._anthropic(body)
        if self.path.startswith("/v1beta/models/"):
            if self.headers.get("x-goog-api-key") != KEY:
                bad: dict[str, Any] = {"code": 400, "message": "API key not valid"}
                return self._json(400, {"error": {**bad, "status": "INVALID_ARGUMENT"}})
            if self.path.endswith(":generateContent"):
                return self._json(200, self._gemini_answer(body))
            if self.path.endswith(":streamGenerateContent?alt=sse"):
                return self._gemini_stream(body)
        return self._json(404, {"error": {"message": f"no route {self.path}"}})

    # -- Anthropic ---------------------------------------------------------------------

    def _anthropic(self, body: dict[str, Any]) -> None:
        tool = _tool(body, gemini=False)
        content: list[dict[str, Any]] = [{"type": "text", "text": "Hello world"}]
        if tool:
            content.append(
                {"type": "tool_use", "id": "toolu_01A", "name": tool, "input": {"city": "Paris"}}
            )
        stop = "tool_use" if tool else "end_turn"
        if not body.get("stream"):
            return self._json(
                200,
                {
                    "id": "msg_01",
                    "type": "message",
                    "role": "assistant",
                    "model": body["model"],
                    "content": content,
                    "stop_reason": stop,
                    "stop_sequence": None,
                    "usage": {"input_tokens": PROMPT_TOKENS, "output_tokens": OUTPUT_TOKENS},
                },
            )
        message = {
            "id": "msg_01",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": PROMPT_TOKENS, "output_tokens": 1},
        }

        def delta(index: int, kind: str, **fields: str) -> dict[str, Any]:
            return {
                "type": "content_block_delta",
                "index": index,
                "delta": {"type": kind, **fields},
            }

        def start(index: int, block: dict[str, Any]) -> dict[str, Any]:
            return {"type": "content_block_start", "index": index, "content_block": block}

        events: list[dict[str, Any]] = [
            {"type": "message_start", "message": message},
            start(0, {"type": "text", "text": ""}),
            {"type": "ping"},
            delta(0, "text_delta", text="Hello"),
            delta(0, "text_delta", text=" world"),
            {"type": "content_block_stop", "index": 0},
        ]
        if self.server.stream_error:
            error = {"type": "overloaded_error", "message": "Overloaded"}
            events.append({"type": "error", "error": error})
        if tool:
            call = {"type": "tool_use", "id": "toolu_01A", "name": tool, "input": {}}
            events += [
                start(1, call),
                delta(1, "input_json_delta", partial_json=""),
                delta(1, "input_json_delta", partial_json='{"city": "Pa'),
                delta(1, "input_json_delta", partial_json='ris"}'),
                {"type": "content_block_stop", "index": 1},
            ]
        usage = {"output_tokens": OUTPUT_TOKENS}
        stopped = {"stop_reason": stop, "stop_sequence": None}
        events += [
            {"type": "message_delta", "delta": stopped, "usage": usage},
            {"type": "message_stop"},
        ]
        frames = [f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events]
        self._sse(frames)

    # -- Gemini ------------------------------------------------------------------------

    def _gemini_answer(self, body: dict[str, Any]) -> dict[str, Any]:
        parts: list[dict[str, Any]] = [{"text": "Hello world"}]
        tool = _tool(body, gemini=True)
        if tool:
            parts.append({"functionCall": {"name": tool, "args": {"city": "Paris"}}})
        return {
            "candidates": [
                {"content": {"parts": parts, "role": "model"}, "finishReason": "STOP", "index": 0}
            ],
            "usageMetadata": {
                "promptTokenCount": PROMPT_TOKENS,
                "candidatesTokenCount": OUTPUT_TOKENS,
                "totalTokenCount": PROMPT_TOKENS + OUTPUT_TOKENS,
            },
            "modelVersion": "gemini-1.5-pro-002",
            "responseId": "resp-1",
        }

    def _gemini_stream(self, body: dict[str, Any]) -> None:
        def event(parts: list[dict[str, Any]], finish: str | None = None) -> dict[str, Any]:
            candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
            if finish:
                candidate["finishReason"] = finish
            usage = {"promptTokenCount": PROMPT_TOKENS}
            if finish:
                usage |= {"candidatesTokenCount": OUTPUT_TOKENS}
            return {
                "candidates": [candidate],
                "usageMetadata": usage,
                "modelVersion": "gemini-1.5-pro-002",
                "responseId": "resp-1",
            }

        tool = _tool(body, gemini=True)
        events = [event([{"text": "Hello"}]), event([{"text": " world"}])]
        if tool:
            events.append(event([{"functionCall": {"name": tool, "args": {"city": "Paris"}}}]))
        events.append(event([{"text": ""}], "STOP"))
        # Gemini frames its events with CRLF line ends.
        self._sse([f"data: {json.dumps(e)}\r\n\r\n" for e in events])

    # -- framing -----------------------------------------------------------------------

    def _json(self, status: int, payload: object) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _sse(self, frames: list[str]) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        for frame in frames:
            data = frame.encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
