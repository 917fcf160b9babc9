"""Gemini generateContent: URL and header, roles, safety blocks, quirks of its errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from selection.providers import (
    ContentFilteredError,
    ErrorType,
    GeminiClient,
    GenerationParams,
    Message,
    ProviderHTTPError,
    ProviderResponseError,
    RateLimited,
)
from tests.selection.providers.fakes import KEY, gemini_fake, gemini_ok

CHAT = [
    Message.system("Be brief."),
    Message.user("ping"),
    Message.assistant("pong"),
    Message.user("again"),
]


@pytest.fixture
def fake():
    return gemini_fake()


@pytest.fixture
async def http(fake) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake.handler)) as client:
        yield client


@pytest.fixture
def client(http) -> GeminiClient:
    return GeminiClient(http=http, api_key=SecretStr(KEY), base_url="https://gemini.test")


async def test_request_speaks_generate_content(fake, client):
    fake.script(gemini_ok())

    await client.complete(
        "gemini-1.5-pro", CHAT, params=GenerationParams(max_tokens=100, temperature=0.5, top_p=0.8)
    )

    request = fake.requests[0]
    assert request.url == "https://gemini.test/v1beta/models/gemini-1.5-pro:generateContent"
    assert request.headers["x-goog-api-key"] == KEY
    assert not request.url.query  # the key never goes in the URL
    assert fake.body() == {
        "contents": [
            {"role": "user", "parts": [{"text": "ping"}]},
            {"role": "model", "parts": [{"text": "pong"}]},
            {"role": "user", "parts": [{"text": "again"}]},
        ],
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "generationConfig": {"maxOutputTokens": 100, "temperature": 0.5, "topP": 0.8},
    }


async def test_models_prefix_is_accepted(fake, client):
    fake.script(gemini_ok())
    await client.complete("models/gemini-1.5-flash", [Message.user("hi")])
    assert fake.requests[0].url.path == "/v1beta/models/gemini-1.5-flash:generateContent"
    assert "generationConfig" not in fake.body()


async def test_usage_and_model_version(fake, client):
    fake.script(gemini_ok(prompt=30, completion=7, model="gemini-1.5-pro-002"))
    completion = await client.complete("gemini-1.5-pro", CHAT)
    assert (completion.input_tokens, completion.output_tokens) == (30, 7)
    assert completion.model == "gemini-1.5-pro-002"
    assert completion.finish_reason == "STOP"


async def test_thinking_tokens_count_as_output_and_thoughts_are_not_text(fake, client):
    body = json.loads(gemini_ok().content)
    body["candidates"][0]["content"]["parts"] = [
        {"text": "let me think", "thought": True},
        {"text": "42"},
    ]
    body["usageMetadata"] = {
        "promptTokenCount": 10,
        "candidatesTokenCount": 2,
        "thoughtsTokenCount": 50,
    }
    fake.script(httpx.Response(200, json=body))

    completion = await client.complete("gemini-2.5-flash", CHAT)

    assert completion.text == "42"
    assert completion.output_tokens == 52


async def test_missing_candidates_token_count_means_zero_output(fake, client):
    body = json.loads(gemini_ok("").content)
    body["usageMetadata"] = {"promptTokenCount": 10, "totalTokenCount": 10}
    fake.script(httpx.Response(200, json=body))
    completion = await client.complete("gemini-1.5-pro", CHAT)
    assert (completion.input_tokens, completion.output_tokens) == (10, 0)


async def test_blocked_prompt_is_content_filtered(fake, client):
    fake.script(
        httpx.Response(
            200,
            json={
                "promptFeedback": {
                    "blockReason": "SAFETY",
                    "safetyRatings": [
                        {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH"}
                    ],
                },
                "usageMetadata": {"promptTokenCount": 8, "totalTokenCount": 8},
                "modelVersion": "gemini-1.5-pro-002",
            },
        )
    )
    with pytest.raises(ContentFilteredError) as exc_info:
        await client.complete("gemini-1.5-pro", CHAT)
    assert exc_info.value.reason == "SAFETY"
    assert exc_info.value.error_type is ErrorType.CONTENT_FILTERED


async def test_safety_finish_reason_is_content_filtered(fake, client):
    body = json.loads(gemini_ok(finish_reason="SAFETY").content)
    del body["candidates"][0]["content"]
    fake.script(httpx.Response(200, json=body))
    with pytest.raises(ContentFilteredError) as exc_info:
        await client.complete("gemini-1.5-pro", CHAT)
    assert exc_info.value.reason == "SAFETY"


async def test_no_candidates_without_block_is_malformed(fake, client):
    fake.script(httpx.Response(200, json={"usageMetadata": {"promptTokenCount": 1}}))
    with pytest.raises(ProviderResponseError):
        await client.complete("gemini-1.5-pro", CHAT)


async def test_429_retry_delay_comes_from_retry_info_in_body(fake, client):
    fake.script(fake.errors["429"])
    with pytest.raises(RateLimited) as exc_info:
        await client.complete("gemini-1.5-pro", CHAT)
    assert exc_info.value.retry_after == 2.0


async def test_503_model_overloaded(fake, client):
    fake.script(fake.errors["503"])
    with pytest.raises(ProviderHTTPError) as exc_info:
        await client.complete("gemini-1.5-pro", CHAT)
    assert exc_info.value.error_type is ErrorType.OVERLOADED
    assert exc_info.value.retryable


async def test_plain_400_is_bad_request(fake, client):
    fake.script(
        httpx.Response(
            400,
            json={
                "error": {
                    "code": 400,
                    "message": "* GenerateContentRequest.contents: contents is not specified",
                    "status": "INVALID_ARGUMENT",
                }
            },
        )
    )
    with pytest.raises(ProviderHTTPError) as exc_info:
        await client.complete("gemini-1.5-pro", CHAT)
    assert exc_info.value.error_type is ErrorType.BAD_REQUEST
