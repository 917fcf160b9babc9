"""The official openai client, through the server, to Anthropic and Gemini on their own wires."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

from tests.selection.providers.native import OUTPUT_TOKENS, PROMPT_TOKENS
from tests.server.conftest import API_KEY, NATIVE_MODELS

WEATHER: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
ASK: list[Any] = [{"role": "user", "content": "weather in Paris?"}]


@pytest.mark.parametrize("model", NATIVE_MODELS)
def test_a_tool_call_comes_back_in_openai_shape(native_served, model):
    served, _ = native_served
    with openai.OpenAI(base_url=served.base_url, api_key=API_KEY, max_retries=0) as api:
        reply = api.chat.completions.create(
            model=model, messages=ASK, tools=[WEATHER], extra_body={"request_id": "r-tool"}
        )
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    [call] = choice.message.tool_calls or []
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    assert reply.model == model
    [record] = served.records()
    assert (record["record_id"], record["model_id"]) == ("r-tool", model)
    assert (record["token_count_input"], record["token_count_output"]) == (
        PROMPT_TOKENS,
        OUTPUT_TOKENS,
    )
    assert record["cost"] == pytest.approx(PROMPT_TOKENS * 0.003e-3 + OUTPUT_TOKENS * 0.015e-3)


@pytest.mark.parametrize("model", NATIVE_MODELS)
def test_a_streamed_tool_call_is_assembled_by_the_openai_client(native_served, model):
    served, _ = native_served
    with openai.OpenAI(base_url=served.base_url, api_key=API_KEY, max_retries=0) as api:
        stream = api.chat.completions.create(
            model=model,
            messages=ASK,
            tools=[WEATHER],
            stream=True,
            stream_options={"include_usage": True},
            extra_body={"request_id": "r-stream"},
        )
        chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    arguments = "".join(
        call.function.arguments or ""
        for c in chunks
        if c.choices
        for call in c.choices[0].delta.tool_calls or []
        if call.function is not None
    )
    assert text == "Hello world"
    assert json.loads(arguments) == {"city": "Paris"}
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "tool_calls"
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == OUTPUT_TOKENS
    assert {c.model for c in chunks} == {model}
    [record] = served.records()
    assert record["record_id"] == "r-stream"
    assert record["token_count_output"] == OUTPUT_TOKENS
    context = json.loads(record["context_data"])
    assert 0 <= context["time_to_first_token_ms"] <= record["response_time_ms"]


def test_anthropic_breaking_mid_stream_is_recorded_as_its_failure(native_served):
    served, native = native_served
    native.stream_error = True
    with openai.OpenAI(base_url=served.base_url, api_key=API_KEY, max_retries=0) as api:
        stream = api.chat.completions.create(
            model=NATIVE_MODELS[0], messages=ASK, stream=True, extra_body={"request_id": "r-br"}
        )
        with pytest.raises(openai.APIError):
            list(stream)
    [record] = served.records()
    assert record["record_id"] == "r-br#1"
    assert record["error_occurred"]
    assert record["response_time_ms"] is None  # a failure's time is kept apart
