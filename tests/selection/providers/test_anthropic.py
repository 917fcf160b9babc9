"""Anthropic Messages: headers, system prompt, content blocks, refusal, 529 overloaded."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from selection.providers import (
    AnthropicClient,
    ContentFilteredError,
    ErrorType,
    GenerationParams,
    Message,
    ProviderHTTPError,
)
from tests.selection.providers.fakes import KEY, anthropic_fake, anthropic_ok
from tests.selection.providers.support import Sleeps, gateway_for

CHAT = [
    Message.system("You are terse."),
    Message.system("Answer in English."),
    Message.user("ping"),
]


@pytest.fixture
def fake():
    return anthropic_fake()


@pytest.fixture
async def http(fake) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake.handler)) as client:
        yield client


@pytest.fixture
def client(http) -> AnthropicClient:
    return AnthropicClient(http=http, api_key=SecretStr(KEY), base_url="https://anthropic.test")


async def test_request_speaks_messages_api(fake, client):
    fake.script(anthropic_ok())

    await client.complete(
        "claude-3-opus-20240229", CHAT, params=GenerationParams(temperature=0.0, stop=("END",))
    )

    request = fake.requests[0]
    assert request.url == "https://anthropic.test/v1/messages"
    assert request.headers["x-api-key"] == KEY
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in request.headers
    assert fake.body() == {
        "model": "claude-3-opus-20240229",
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": "ping"}],
        "system": "You are terse.\n\nAnswer in English.",
        "temperature": 0.0,
        "stop_sequences": ["END"],
    }


async def test_max_tokens_from_params_or_default(fake, http):
    fake.script(anthropic_ok())
    client = AnthropicClient(
        http=http, api_key=SecretStr(KEY), base_url="https://anthropic.test", default_max_tokens=77
    )
    await client.complete("claude-3-haiku-20240307", [Message.user("hi")])
    await client.complete(
        "claude-3-haiku-20240307", [Message.user("hi")], params=GenerationParams(max_tokens=5)
    )
    assert [fake.body(0)["max_tokens"], fake.body(1)["max_tokens"]] == [77, 5]


async def test_text_blocks_are_joined_and_usage_read(fake, client):
    body = json.loads(anthropic_ok(prompt=40, completion=9).content)
    body["content"] = [
        {"type": "thinking", "thinking": "hmm", "signature": "sig"},
        {"type": "text", "text": "Hello, "},
        {"type": "text", "text": "world"},
    ]
    fake.script(httpx.Response(200, json=body))

    completion = await client.complete("claude-3-7-sonnet-latest", CHAT)

    assert completion.text == "Hello, world"
    assert (completion.input_tokens, completion.output_tokens) == (40, 9)
    assert completion.finish_reason == "end_turn"
    assert completion.model == "claude-3-opus-20240229"


async def test_refusal_is_content_filtered(fake, client):
    fake.script(anthropic_ok("", stop_reason="refusal"))

    with pytest.raises(ContentFilteredError) as exc_info:
        await client.complete("claude-sonnet-4-20250514", CHAT)

    assert exc_info.value.error_type is ErrorType.CONTENT_FILTERED
    assert exc_info.value.reason == "refusal"


async def test_529_overloaded_is_retried(fake, http):
    sleeps = Sleeps()
    fake.script(fake.errors["529"], anthropic_ok())
    gateway = gateway_for(fake, http, sleeps)

    completion = await gateway.complete("anthropic/claude-3-opus-20240229", CHAT)

    assert completion.text == "pong"
    assert len(fake.requests) == 2
    assert sleeps == [0.5]


async def test_529_overloaded_error_when_it_persists(fake, http):
    sleeps = Sleeps()
    fake.script(fake.errors["529"])
    gateway = gateway_for(fake, http, sleeps)

    with pytest.raises(ProviderHTTPError) as exc_info:
        await gateway.complete("anthropic/claude-3-opus-20240229", CHAT)

    assert exc_info.value.status_code == 529
    assert exc_info.value.error_type is ErrorType.OVERLOADED
    assert "overloaded_error" in str(exc_info.value)
    assert len(fake.requests) == 3


async def test_overloaded_error_body_on_a_500_is_overloaded(fake, client):
    fake.script(httpx.Response(500, json=json.loads(fake.errors["529"].content)))
    with pytest.raises(ProviderHTTPError) as exc_info:
        await client.complete("claude-3-opus-20240229", CHAT)
    assert exc_info.value.error_type is ErrorType.OVERLOADED


async def test_retry_after_ms_header_wins(fake, client):
    fake.script(
        httpx.Response(
            429,
            json={"type": "error", "error": {"type": "rate_limit_error", "message": "slow"}},
            headers={"retry-after": "3", "retry-after-ms": "1500"},
        )
    )
    with pytest.raises(ProviderHTTPError) as exc_info:
        await client.complete("claude-3-opus-20240229", CHAT)
    assert exc_info.value.retry_after == 1.5
