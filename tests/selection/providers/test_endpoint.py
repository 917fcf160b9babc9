"""Prepared endpoints and the direct send: the bytes httpx sends, nothing of the client lost."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from typing import Any, cast

import httpx
import pytest
from pydantic import BaseModel, SecretStr

from selection.errors import ProviderError
from selection.providers import (
    AnthropicClient,
    GeminiClient,
    Message,
    OpenAICompatibleClient,
    _http,
)
from selection.providers._http import Endpoint, send, stream_lines, stream_open

_ANSWER = {
    "model": "gpt-x",
    "choices": [{"message": {"content": "pong"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 3, "completion_tokens": 1},
}
_BODIES = [
    {"model": "m", "messages": [{"role": "user", "content": "Say pong."}]},
    {"model": "m", "messages": [{"role": "user", "content": 'Grüße, 你好 \u2028 "q" \\'}]},
    {"a": [1, 2.5, None, True], "b": {"c": 1e300, "d": -0.0}},
]


@pytest.mark.parametrize("body", _BODIES)
@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("https://api.openai.com/v1/chat/completions", {"authorization": "Bearer sk-1"}),
        ("https://g.test/v1beta/models/m:streamGenerateContent?alt=sse", {"x-goog-api-key": "k"}),
        ("http://127.0.0.1:8080/v1/messages", {}),
    ],
)
def test_a_prepared_request_is_the_one_httpx_builds(url, headers, body):
    http = httpx.AsyncClient(headers={"x-team": "a"}, timeout=httpx.Timeout(3.0, read=9.0))
    built = http.build_request("POST", url, headers=headers, json=body)
    prepared = Endpoint(http, url, headers).request(body)
    assert prepared.method == built.method
    assert prepared.url == built.url
    assert prepared.headers.raw == built.headers.raw  # names, values, case and order
    assert prepared.content == built.content
    assert prepared.extensions == built.extensions


def test_the_gemini_stream_url_matches_httpx_params():
    http = httpx.AsyncClient()
    base = "https://g.test/v1beta/models/m:streamGenerateContent"
    built = http.build_request("POST", base, params={"alt": "sse"}, json={})
    assert Endpoint(http, base + "?alt=sse", {}).request({}).url == built.url


def test_a_body_json_cannot_carry_is_refused_like_httpx():
    endpoint = Endpoint(httpx.AsyncClient(), "https://x.test/v1", {})
    with pytest.raises(ValueError, match="JSON"):
        endpoint.request({"temperature": math.nan})
    with pytest.raises(TypeError):
        endpoint.request({"when": object()})


def test_the_repr_of_an_endpoint_names_no_key():
    endpoint = Endpoint(httpx.AsyncClient(), "https://x.test/v1", {"x-api-key": "sk-canary-1"})
    assert "sk-canary-1" not in repr(endpoint)
    assert "https://x.test/v1" in repr(endpoint)


def _unexpected(response: httpx.Response) -> ProviderError:
    raise AssertionError(f"unexpected status {response.status_code}")


def _client(handler, **options):
    return httpx.AsyncClient(transport=httpx.MockTransport(handler), **options)


async def test_a_cookie_the_provider_sets_is_sent_back_as_httpx_would():
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("cookie"))
        return httpx.Response(200, json=_ANSWER, headers={"set-cookie": "cf=abc; Path=/"})

    async with _client(handler) as http:
        client = OpenAICompatibleClient(http=http, api_key=SecretStr("sk-1"))
        for _ in range(2):
            await client.complete("gpt-x", [Message(role="user", content="hi")])
    assert seen == [None, "cf=abc"]


async def test_event_hooks_and_auth_of_an_injected_client_still_run():
    hooked: list[str] = []

    async def on_request(request: httpx.Request) -> None:
        hooked.append(request.headers["authorization"])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=_ANSWER)

    async with _client(handler, event_hooks={"request": [on_request]}) as http:
        client = OpenAICompatibleClient(http=http, api_key=SecretStr("sk-1"))
        await client.complete("gpt-x", [Message(role="user", content="hi")])
    assert hooked == ["Bearer sk-1"]


async def test_an_httpx_without_its_private_mount_lookup_still_sends(monkeypatch):
    sent: list[httpx.Request] = []
    real_send = httpx.AsyncClient.send

    async def counted_send(self: httpx.AsyncClient, request: httpx.Request, **kw: Any) -> Any:
        sent.append(request)
        return await real_send(self, request, **kw)

    monkeypatch.setattr(_http, "_MOUNT_LOOKUP", "_a_lookup_this_httpx_lacks")
    monkeypatch.setattr(httpx.AsyncClient, "send", counted_send)
    async with _client(lambda request: httpx.Response(200, json=_ANSWER)) as http:
        client = OpenAICompatibleClient(http=http, api_key=SecretStr("sk-1"))
        reply = await client.complete("gpt-x", [Message(role="user", content="hi")])
    assert reply.text == "pong"
    assert len(sent) == 1


async def test_a_closed_client_still_refuses_to_send():
    http = _client(lambda request: httpx.Response(200, json=_ANSWER))
    await http.aclose()
    request = Endpoint(http, "https://x.test/v1", {}).request({})
    with pytest.raises(RuntimeError, match="closed"):
        await send(http, request, provider="openai", status_error=_unexpected)


async def test_the_answer_is_read_whole_and_tied_to_its_request():
    http = _client(lambda request: httpx.Response(200, json=_ANSWER))
    request = Endpoint(http, "https://x.test/v1", {}).request({})
    response, latency = await send(http, request, provider="openai", status_error=_unexpected)
    assert response.json() == _ANSWER
    assert response.request is request
    assert response.is_closed
    assert latency >= 0


@pytest.mark.parametrize(
    ("make", "answer"),
    [
        (OpenAICompatibleClient, _ANSWER),
        (
            AnthropicClient,
            {
                "model": "claude-x",
                "content": [{"type": "text", "text": "pong"}],
                "stop_reason": "end_turn",
                "usage": {"input_tokens": 3, "output_tokens": 1},
            },
        ),
        (
            GeminiClient,
            {
                "candidates": [{"content": {"parts": [{"text": "pong"}]}, "finishReason": "STOP"}],
                "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 1},
            },
        ),
    ],
)
async def test_chat_decodes_the_answer_once(make, answer, monkeypatch):
    decoded = 0
    json_of = httpx.Response.json
    validate_json = BaseModel.model_validate_json.__func__  # type: ignore[attr-defined]

    def counting_json(self: httpx.Response, **kwargs: Any) -> Any:
        nonlocal decoded
        decoded += 1
        return json_of(self, **kwargs)

    def counting_validate(cls: type[BaseModel], /, data: Any, **kwargs: Any) -> BaseModel:
        nonlocal decoded
        decoded += 1
        return cast(BaseModel, validate_json(cls, data, **kwargs))

    monkeypatch.setattr(httpx.Response, "json", counting_json)
    monkeypatch.setattr(BaseModel, "model_validate_json", classmethod(counting_validate))
    async with _client(lambda request: httpx.Response(200, json=answer)) as http:
        client = make(http=http, api_key=SecretStr("sk-1"))
        reply = await client.chat("m", {"messages": [{"role": "user", "content": "hi"}]})
    assert decoded == 1
    assert reply.completion.text == "pong"
    assert reply.completion.output_tokens == 1


async def test_a_streamed_answer_is_handed_over_unread():
    class Chunks(httpx.AsyncByteStream):
        def __init__(self) -> None:
            self.sent = 0

        async def __aiter__(self) -> AsyncIterator[bytes]:
            for line in (b"data: 1\n\n", b"data: 2\n\n"):
                self.sent += 1
                yield line

    chunks = Chunks()
    http = _client(
        lambda request: httpx.Response(200, stream=chunks, headers={"set-cookie": "s=1"})
    )
    request = Endpoint(http, "https://x.test/v1", {}).request({"stream": True})
    response = await stream_open(http, request, provider="openai", status_error=_unexpected)
    assert chunks.sent == 0  # nothing read before the caller reads
    lines = [line async for line in stream_lines(response, provider="openai")]
    assert lines == ["data: 1", "", "data: 2", ""]
    assert http.cookies.get("s") == "1"
    await http.aclose()
