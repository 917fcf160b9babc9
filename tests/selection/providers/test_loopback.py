"""Real HTTP over a loopback socket: a tiny server speaking OpenAI's chat completions."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pydantic import SecretStr

from selection.providers import (
    ErrorType,
    Message,
    ModelGateway,
    OpenAICompatibleClient,
    Prices,
    ProviderConnectionError,
    ProviderHTTPError,
    ProviderSettings,
    allow_real_requests,
    default_http_client,
)
from tests.selection.providers.support import Sleeps, retrier

KEY = "sk-loopback"


class ChatServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ChatHandler)
        self.rate_limit_first = 0
        self.seen: list[dict[str, object]] = []

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/v1"


class ChatHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers do
    server: ChatServer

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        self.server.seen.append(body)
        if self.path != "/v1/chat/completions":
            return self._send(404, {"error": {"message": f"no route {self.path}"}})
        if self.headers.get("authorization") != f"Bearer {KEY}":
            return self._send(401, {"error": {"message": "Incorrect API key provided"}})
        if len(self.server.seen) <= self.server.rate_limit_first:
            return self._send(
                429,
                {"error": {"message": "Rate limit reached", "type": "requests"}},
                retry_after="1",
            )
        text = " ".join(m["content"] for m in body["messages"])
        return self._send(
            200,
            {
                "id": "chatcmpl-loop",
                "object": "chat.completion",
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text.upper()},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9},
            },
        )

    def _send(self, status: int, payload: object, *, retry_after: str | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        if retry_after is not None:
            self.send_header("retry-after", retry_after)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


@pytest.fixture
def server() -> Iterator[ChatServer]:
    server = ChatServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


async def test_client_over_a_real_socket(server: ChatServer):
    with allow_real_requests(True):
        http = default_http_client()
    async with http:
        client = OpenAICompatibleClient(http=http, api_key=SecretStr(KEY), base_url=server.base_url)
        completion = await client.complete(
            "llama3", [Message.user("hello loopback")], prices=Prices(1e-6, 2e-6)
        )

    assert completion.text == "HELLO LOOPBACK"
    assert (completion.input_tokens, completion.output_tokens) == (7, 2)
    assert completion.cost_usd == pytest.approx(7e-6 + 4e-6)
    assert 0 < completion.latency_s < 5
    assert server.seen[0]["model"] == "llama3"


async def test_gateway_retries_a_real_429(server: ChatServer):
    server.rate_limit_first = 1
    sleeps = Sleeps()
    settings = ProviderSettings.from_env({"LOCAL_BASE_URL": server.base_url})
    with allow_real_requests(True):
        http = default_http_client()
    async with http:
        client = OpenAICompatibleClient(
            http=http,
            api_key=SecretStr(KEY),
            base_url=settings.providers["local"].base_url,
            provider="local",
        )
        gateway = ModelGateway({"local": client}, retrier=retrier(sleeps))
        completion = await gateway.complete("local/llama3", [Message.user("again")])

    assert completion.text == "AGAIN"
    assert sleeps == [1.0]
    assert len(server.seen) == 2


async def test_real_401_is_not_retried(server: ChatServer):
    sleeps = Sleeps()
    with allow_real_requests(True):
        http = default_http_client()
    async with http:
        client = OpenAICompatibleClient(
            http=http, api_key=SecretStr("sk-wrong"), base_url=server.base_url
        )
        gateway = ModelGateway({"openai": client}, retrier=retrier(sleeps))
        with pytest.raises(ProviderHTTPError) as exc_info:
            await gateway.complete("openai/gpt-4o", [Message.user("hi")])

    assert exc_info.value.error_type is ErrorType.AUTHENTICATION
    assert "sk-wrong" not in str(exc_info.value)
    assert len(server.seen) == 1


async def test_refused_connection_is_a_connection_error():
    closed = ChatServer()
    base_url = closed.base_url
    closed.server_close()  # nothing listens on this port any more
    with allow_real_requests(True):
        http = default_http_client()
    async with http:
        client = OpenAICompatibleClient(http=http, base_url=base_url)
        with pytest.raises(ProviderConnectionError) as exc_info:
            await client.complete("llama3", [Message.user("hi")])
    assert exc_info.value.error_type is ErrorType.CONNECTION
    assert exc_info.value.retryable
