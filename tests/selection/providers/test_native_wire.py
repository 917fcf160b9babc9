"""Anthropic and Gemini speak OpenAI's chat wire natively: tools, images, streams, on loopback."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from selection.providers import (
    AnthropicClient,
    GeminiClient,
    Prices,
    ProviderHTTPError,
    ProviderResponseError,
    allow_real_requests,
    default_http_client,
)
from selection.providers.wire import ChatStream
from tests.selection.providers.native import (
    KEY,
    OUTPUT_TOKENS,
    PROMPT_TOKENS,
    NativeServer,
    native_server,
)

PRICES = Prices(1e-6, 5e-6)
PIXEL = "iVBORw0KGgo="
REMOTE_IMAGE = {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}}
WEATHER: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
# A conversation with everything: a system prompt, an image, a tool call and its result.
CONVERSATION: list[dict[str, Any]] = [
    {"role": "system", "content": "Be brief."},
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is in this picture, and the weather in Paris?"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PIXEL}"}},
        ],
    },
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_9",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            }
        ],
    },
    {"role": "tool", "tool_call_id": "call_9", "content": '{"temp_c": 18}'},
    {"role": "user", "content": "And tomorrow?"},
]


@pytest.fixture
def server() -> Iterator[NativeServer]:
    with native_server() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    with allow_real_requests(True):
        client = default_http_client()
    async with client:
        yield client


def anthropic(http: httpx.AsyncClient, server: NativeServer) -> AnthropicClient:
    return AnthropicClient(http=http, api_key=SecretStr(KEY), base_url=server.base_url)


def gemini(http: httpx.AsyncClient, server: NativeServer) -> GeminiClient:
    return GeminiClient(http=http, api_key=SecretStr(KEY), base_url=server.base_url)


async def drain(stream: ChatStream) -> list[dict[str, Any]]:
    try:
        return [chunk async for chunk in stream]
    finally:
        await stream.aclose()


def assemble(chunks: list[dict[str, Any]]) -> tuple[str, dict[int, dict[str, str]], str | None]:
    """Text, tool calls by index and finish reason, put together as an OpenAI client does."""
    text, finish = "", None
    calls: dict[int, dict[str, str]] = {}
    for chunk in chunks:
        for choice in chunk["choices"]:
            delta = choice["delta"]
            text += delta.get("content") or ""
            for call in delta.get("tool_calls") or []:
                slot = calls.setdefault(call["index"], {"id": "", "name": "", "arguments": ""})
                slot["id"] = call.get("id") or slot["id"]
                function = call.get("function") or {}
                slot["name"] = function.get("name") or slot["name"]
                slot["arguments"] += function.get("arguments") or ""
            finish = choice["finish_reason"] or finish
    return text, calls, finish


# --- Anthropic --------------------------------------------------------------------------


async def test_anthropic_request_is_translated_to_the_messages_wire(http, server):
    body: dict[str, Any] = {"messages": CONVERSATION, "tools": [WEATHER]}
    body["tool_choice"] = "required"
    body |= {"max_tokens": 50, "temperature": 0.2, "stop": "END"}
    await anthropic(http, server).chat("claude-3-5-sonnet", body, prices=PRICES)

    path, sent = server.seen[-1]
    assert path == "/v1/messages"
    assert sent["system"] == "Be brief."
    assert sent["max_tokens"] == 50
    assert sent["stop_sequences"] == ["END"]
    assert sent["tools"] == [
        {
            "name": "get_weather",
            "description": "The weather in a city",
            "input_schema": WEATHER["function"]["parameters"],
        }
    ]
    assert sent["tool_choice"] == {"type": "any"}
    user, assistant, result = sent["messages"]  # the tool result and the question merge
    assert user["content"][1] == {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": PIXEL},
    }
    assert assistant["content"] == [
        {"type": "tool_use", "id": "call_9", "name": "get_weather", "input": {"city": "Paris"}}
    ]
    assert result["role"] == "user"
    assert result["content"] == [
        {"type": "tool_result", "tool_use_id": "call_9", "content": '{"temp_c": 18}'},
        {"type": "text", "text": "And tomorrow?"},
    ]


async def test_anthropic_tool_call_comes_back_in_openai_shape(http, server):
    body = {"messages": [{"role": "user", "content": "weather?"}], "tools": [WEATHER]}
    reply = await anthropic(http, server).chat("claude-3-5-sonnet", body, prices=PRICES)

    [choice] = reply.body["choices"]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] == "Hello world"
    [call] = choice["message"]["tool_calls"]
    assert call["id"] == "toolu_01A"
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "Paris"}
    assert reply.body["usage"] == {
        "prompt_tokens": PROMPT_TOKENS,
        "completion_tokens": OUTPUT_TOKENS,
        "total_tokens": PROMPT_TOKENS + OUTPUT_TOKENS,
    }
    assert reply.completion.cost_usd == pytest.approx(PROMPT_TOKENS * 1e-6 + OUTPUT_TOKENS * 5e-6)


async def test_anthropic_stream_becomes_openai_chunks_text_tools_and_usage(http, server):
    body = {"messages": [{"role": "user", "content": "weather?"}], "tools": [WEATHER]}
    stream = await anthropic(http, server).open_stream("claude-3-5-sonnet", body, prices=PRICES)
    chunks = await drain(stream)

    assert server.seen[-1][1]["stream"] is True
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    text, calls, finish = assemble(chunks)
    assert text == "Hello world"
    assert calls == {
        0: {"id": "toolu_01A", "name": "get_weather", "arguments": '{"city": "Paris"}'}
    }
    assert finish == "tool_calls"
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] == OUTPUT_TOKENS
    completion = stream.completion
    assert (completion.input_tokens, completion.output_tokens) == (PROMPT_TOKENS, OUTPUT_TOKENS)
    assert completion.text == "Hello world"
    assert completion.first_token_s is not None
    assert 0 <= completion.first_token_s <= completion.latency_s
    assert completion.cost_usd == pytest.approx(PROMPT_TOKENS * 1e-6 + OUTPUT_TOKENS * 5e-6)


async def test_an_anthropic_error_event_breaks_the_stream(http, server):
    server.stream_error = True
    body = {"messages": [{"role": "user", "content": "hi"}]}
    stream = await anthropic(http, server).open_stream("claude-3-5-sonnet", body)
    with pytest.raises(ProviderResponseError, match="overloaded_error"):
        await drain(stream)


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"logprobs": True}, "logprobs"),
        ({"response_format": {"type": "json_object"}}, "response_format"),
        ({"n": 2}, "n > 1"),
    ],
)
async def test_anthropic_refuses_what_it_cannot_translate_as_a_400(http, server, extra, named):
    body = {"messages": [{"role": "user", "content": "hi"}], **extra}
    with pytest.raises(ProviderHTTPError, match=named) as refused:
        await anthropic(http, server).chat("claude-3-5-sonnet", body)
    assert refused.value.status_code == 400
    assert not refused.value.retryable
    assert not server.seen  # refused before any call


# --- Gemini -----------------------------------------------------------------------------


async def test_gemini_request_is_translated_to_generate_content(http, server):
    body: dict[str, Any] = {"messages": CONVERSATION, "tools": [WEATHER]}
    body["tool_choice"] = "auto"
    body |= {"max_tokens": 50, "seed": 7, "response_format": {"type": "json_object"}}
    await gemini(http, server).chat("gemini-1.5-pro", body, prices=PRICES)

    path, sent = server.seen[-1]
    assert path == "/v1beta/models/gemini-1.5-pro:generateContent"
    assert sent["systemInstruction"] == {"parts": [{"text": "Be brief."}]}
    assert sent["generationConfig"] == {
        "seed": 7,
        "maxOutputTokens": 50,
        "responseMimeType": "application/json",
    }
    assert sent["tools"] == [
        {
            "functionDeclarations": [
                {
                    "name": "get_weather",
                    "description": "The weather in a city",
                    "parameters": WEATHER["function"]["parameters"],
                }
            ]
        }
    ]
    assert sent["toolConfig"] == {"functionCallingConfig": {"mode": "AUTO"}}
    user, model, result = sent["contents"]
    assert user["parts"][1] == {"inlineData": {"mimeType": "image/png", "data": PIXEL}}
    assert model == {
        "role": "model",
        "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}],
    }
    assert result["parts"] == [
        {"functionResponse": {"name": "get_weather", "response": {"temp_c": 18}}},
        {"text": "And tomorrow?"},
    ]


async def test_gemini_function_call_comes_back_as_tool_calls(http, server):
    body = {"messages": [{"role": "user", "content": "weather?"}], "tools": [WEATHER]}
    reply = await gemini(http, server).chat("gemini-1.5-pro", body, prices=PRICES)

    [choice] = reply.body["choices"]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] == "Hello world"
    [call] = choice["message"]["tool_calls"]
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "Paris"}
    assert reply.body["usage"]["prompt_tokens"] == PROMPT_TOKENS
    assert reply.completion.output_tokens == OUTPUT_TOKENS


async def test_gemini_stream_generate_content_becomes_openai_chunks(http, server):
    body = {"messages": [{"role": "user", "content": "weather?"}], "tools": [WEATHER]}
    stream = await gemini(http, server).open_stream("gemini-1.5-pro", body, prices=PRICES)
    chunks = await drain(stream)

    assert server.seen[-1][0] == "/v1beta/models/gemini-1.5-pro:streamGenerateContent?alt=sse"
    text, calls, finish = assemble(chunks)
    assert text == "Hello world"
    assert calls == {0: {"id": "call_0", "name": "get_weather", "arguments": '{"city": "Paris"}'}}
    assert finish == "tool_calls"
    assert chunks[-1]["usage"] == {
        "prompt_tokens": PROMPT_TOKENS,
        "completion_tokens": OUTPUT_TOKENS,
        "total_tokens": PROMPT_TOKENS + OUTPUT_TOKENS,
    }
    assert stream.completion.cost_usd == pytest.approx(PROMPT_TOKENS * 1e-6 + OUTPUT_TOKENS * 5e-6)
    assert stream.completion.first_token_s is not None


async def test_gemini_plain_text_stream_ends_with_stop(http, server):
    body = {"messages": [{"role": "user", "content": "hi"}]}
    chunks = await drain(await gemini(http, server).open_stream("gemini-1.5-pro", body))
    text, calls, finish = assemble(chunks)
    assert (text, calls, finish) == ("Hello world", {}, "stop")


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"logprobs": True}, "logprobs"),
        ({"messages": [{"role": "user", "content": [REMOTE_IMAGE]}]}, "image URLs"),
        ({"messages": [{"role": "tool", "tool_call_id": "nope", "content": "1"}]}, "unknown call"),
    ],
)
async def test_gemini_refuses_what_it_cannot_translate_as_a_400(http, server, extra, named):
    body = {"messages": [{"role": "user", "content": "hi"}], **extra}
    with pytest.raises(ProviderHTTPError, match=named) as refused:
        await gemini(http, server).chat("gemini-1.5-pro", body)
    assert refused.value.status_code == 400
    assert not refused.value.retryable
    assert not server.seen
