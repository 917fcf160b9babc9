"""OpenAI-compatible chat completions: request shape and OpenAI's own answers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from selection.providers import (
    ContentFilteredError,
    ErrorType,
    GenerationParams,
    Message,
    OpenAICompatibleClient,
    Prices,
    ProviderHTTPError,
    ProviderResponseError,
)
from tests.selection.providers.fakes import KEY, OPENAI_ERRORS, openai_fake, openai_ok

CHAT = [Message.system("Be brief."), Message.user("ping"), Message.assistant("pong")]


@pytest.fixture
def fake():
    return openai_fake()


@pytest.fixture
async def client(fake) -> AsyncIterator[OpenAICompatibleClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake.handler)) as http:
        yield OpenAICompatibleClient(
            http=http, api_key=SecretStr(KEY), base_url="https://openai.test/v1/"
        )


async def test_request_speaks_chat_completions(fake, client):
    fake.script(openai_ok())
    params = GenerationParams(max_tokens=64, temperature=0.2, top_p=0.9, stop=("\n\n",))

    await client.complete("gpt-4o", CHAT, params=params)

    request = fake.requests[0]
    assert request.url == "https://openai.test/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "ping"},
            {"role": "assistant", "content": "pong"},
        ],
        "max_tokens": 64,
        "temperature": 0.2,
        "top_p": 0.9,
        "stop": ["\n\n"],
    }


async def test_unset_params_are_not_sent(fake, client):
    fake.script(openai_ok())
    await client.complete("gpt-4o", [Message.user("hi")])
    assert set(fake.body()) == {"model", "messages"}


async def test_reports_the_served_model(fake, client):
    fake.script(openai_ok(model="gpt-4o-2024-08-06"))
    completion = await client.complete("gpt-4o", CHAT)
    assert completion.model == "gpt-4o-2024-08-06"
    assert completion.provider == "openai"


async def test_content_filter_finish_reason_is_content_filtered(fake, client):
    body = json.loads(openai_ok("partial").content)
    body["choices"][0]["finish_reason"] = "content_filter"
    fake.script(httpx.Response(200, json=body))

    with pytest.raises(ContentFilteredError) as exc_info:
        await client.complete("gpt-4o", CHAT)

    assert exc_info.value.error_type is ErrorType.CONTENT_FILTERED
    assert exc_info.value.reason == "content_filter"
    assert not exc_info.value.retryable


async def test_refusal_is_content_filtered(fake, client):
    body = json.loads(openai_ok().content)
    body["choices"][0]["message"] = {
        "role": "assistant",
        "content": None,
        "refusal": "I'm sorry, I can't help with that.",
    }
    fake.script(httpx.Response(200, json=body))

    with pytest.raises(ContentFilteredError) as exc_info:
        await client.complete("gpt-4o", CHAT)

    assert exc_info.value.reason == "I'm sorry, I can't help with that."


async def test_missing_usage_leaves_tokens_and_cost_unknown(fake, client):
    body = json.loads(openai_ok().content)
    del body["usage"]
    fake.script(httpx.Response(200, json=body))

    completion = await client.complete("gpt-4o", CHAT, prices=Prices(1e-6, 2e-6))

    assert (completion.input_tokens, completion.output_tokens) == (None, None)
    assert (completion.cost_usd, completion.cost_source) == (None, None)


async def test_unknown_price_means_unknown_cost_not_zero(fake, client):
    fake.script(openai_ok())
    completion = await client.complete("gpt-4o", CHAT)
    assert completion.cost_usd is None
    assert completion.cost_source is None


async def test_known_zero_price_means_zero_cost(fake, client):
    fake.script(openai_ok())
    completion = await client.complete("gpt-4o", CHAT, prices=Prices(0.0, 0.0))
    assert (completion.cost_usd, completion.cost_source) == (0.0, "prices")


async def test_no_choices_is_malformed(fake, client):
    body = json.loads(openai_ok().content)
    body["choices"] = []
    fake.script(httpx.Response(200, json=body))
    with pytest.raises(ProviderResponseError, match="no choice"):
        await client.complete("gpt-4o", CHAT)


async def test_503_overloaded_is_classified_overloaded(fake, client):
    fake.script(OPENAI_ERRORS["503"])
    with pytest.raises(ProviderHTTPError) as exc_info:
        await client.complete("gpt-4o", CHAT)
    assert exc_info.value.status_code == 503
    assert exc_info.value.error_type is ErrorType.OVERLOADED
    assert exc_info.value.retryable


async def test_404_unknown_model_is_bad_request(fake, client):
    fake.script(
        httpx.Response(
            404,
            json={
                "error": {
                    "message": "The model `gpt-9` does not exist or you do not have access to it.",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "model_not_found",
                }
            },
        )
    )
    with pytest.raises(ProviderHTTPError) as exc_info:
        await client.complete("gpt-9", CHAT)
    assert exc_info.value.error_type is ErrorType.BAD_REQUEST
    assert not exc_info.value.retryable
    assert "gpt-9" in str(exc_info.value)


async def test_local_server_without_key_sends_no_authorization():
    seen: list[httpx.Request] = []

    def ollama(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return openai_ok(model="llama3")

    async with httpx.AsyncClient(transport=httpx.MockTransport(ollama)) as http:
        client = OpenAICompatibleClient(
            http=http, base_url="http://127.0.0.1:11434/v1", provider="local"
        )
        completion = await client.complete("llama3", CHAT)

    assert "authorization" not in seen[0].headers
    assert seen[0].url == "http://127.0.0.1:11434/v1/chat/completions"
    assert completion.provider == "local"
    assert "api_key=None" in repr(client)
