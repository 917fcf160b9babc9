"""The official openai client against the server on a loopback socket."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import openai
import pytest

from selection import ModelCatalog, load_or_create_key
from tests.server.conftest import API_KEY, Served
from tests.server.upstream import CANARY


def client(served: Served, key: str = API_KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=served.base_url, api_key=key, max_retries=0)


def test_plain_completion_is_routed_answered_and_recorded(served):
    reply = client(served).chat.completions.create(
        model="genesis-prime/auto",
        messages=[{"role": "user", "content": "hello there"}],
        extra_headers={"x-genesis-task": "logical_reasoning"},
        extra_body={"request_id": "req-plain"},
    )
    assert reply.choices[0].message.content == "HELLO THERE"
    assert reply.usage is not None
    assert reply.usage.prompt_tokens == 10
    [record] = served.records()
    assert record["record_id"] == "req-plain"
    assert record["task_type"] == "logical_reasoning"
    assert record["model_id"] == reply.model  # the catalog id the selector chose
    assert record["token_count_input"] == 10
    assert record["token_count_output"] == 4
    # The prompt stands as the installation's keyed hash, as complete() and ask store it.
    key = load_or_create_key()
    assert record["prompt_hash"] == hmac.new(key, b"hello there", hashlib.sha256).hexdigest()
    assert (reply.usage.model_extra or {}).get("cost") == pytest.approx(record["cost"])
    # Our hint fields do not reach the provider; OpenAI's do, and the upstream model name.
    [sent] = served.upstream.bodies
    assert "request_id" not in sent
    assert sent["messages"][0]["content"] == "hello there"
    assert not sent["model"].startswith(("openai/", "openrouter/", "mistral/"))


def test_streamed_completion_arrives_in_chunks_and_is_recorded_at_the_end(served):
    stream = client(served).chat.completions.create(
        model="genesis-prime/creative_generation",
        messages=[{"role": "user", "content": "one two three"}],
        stream=True,
        extra_body={"request_id": "req-stream"},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "ONE TWO THREE"
    assert chunks[-1].choices[0].finish_reason == "stop"  # no usage chunk: not asked for
    [record] = served.records()
    assert record["record_id"] == "req-stream"
    assert record["model_id"] == chunks[0].model
    assert record["token_count_output"] == 3  # from the usage the server asked upstream for
    context = json.loads(record["context_data"])
    assert 0 <= context["time_to_first_token_ms"] <= record["response_time_ms"]


def test_stream_usage_is_passed_on_when_asked(served):
    stream = client(served).chat.completions.create(
        model="genesis-prime/auto",
        messages=[{"role": "user", "content": "a b"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert chunks[-1].choices == []
    assert chunks[-1].usage.completion_tokens == 2


def test_tools_and_extra_fields_reach_the_provider_whole(served):
    tools: Any = [
        {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}
    ]
    content_parts: Any = [{"role": "user", "content": [{"type": "text", "text": "find it"}]}]
    reply = client(served).chat.completions.create(
        model="openai/gpt-3.5-turbo",
        messages=content_parts,
        tools=tools,
        tool_choice="auto",
        seed=7,
        response_format={"type": "text"},
        max_tokens=50,
    )
    assert reply.model == "openai/gpt-3.5-turbo"
    calls: Any = reply.choices[0].message.tool_calls
    assert calls[0].function.name == "lookup"
    [sent] = served.upstream.bodies
    assert sent["tools"] == tools
    assert sent["seed"] == 7
    assert sent["max_tokens"] == 50
    assert sent["model"] == "gpt-3.5-turbo"
    assert sent["messages"][0]["content"] == [{"type": "text", "text": "find it"}]


def test_models_lists_routes_and_catalog(served):
    ids = {m.id for m in client(served).models.list()}
    assert {"genesis-prime/auto", "genesis-prime/logical_reasoning"} <= ids
    assert "openai/gpt-3.5-turbo" in ids


def test_feedback_rates_a_served_request(served):
    c = client(served)
    c.chat.completions.create(
        model="genesis-prime/auto",
        messages=[{"role": "user", "content": "rate me"}],
        extra_body={"request_id": "req-rated"},
    )
    answer = c.post(
        "/feedback", body={"request_id": "req-rated", "rating": 0.8}, cast_to=httpx.Response
    )
    assert answer.json()["request_id"] == "req-rated"
    [record] = served.records()
    assert record["user_rating"] == pytest.approx(0.8)
    with pytest.raises(openai.NotFoundError):
        c.post("/feedback", body={"request_id": "nope", "rating": 1}, cast_to=httpx.Response)


def test_errors_come_in_openai_shape(served):
    c = client(served)
    with pytest.raises(openai.NotFoundError) as missing:
        c.chat.completions.create(
            model="no/such-model", messages=[{"role": "user", "content": "x"}]
        )
    assert missing.value.code == "model_not_found"
    with pytest.raises(openai.BadRequestError) as bad:
        c.chat.completions.create(model="genesis-prime/auto", messages=[])
    body: Any = bad.value.body
    assert body["param"] == "messages"


def test_upstream_failure_after_fallbacks_is_a_502_and_every_attempt_is_recorded(served):
    served.upstream.fail_first = [500] * 50
    with client(served) as api, pytest.raises(openai.APIStatusError) as failed:
        api.chat.completions.create(
            model="openai/gpt-3.5-turbo",
            messages=[{"role": "user", "content": "x"}],
            extra_body={"request_id": "req-fail"},
        )
    assert failed.value.status_code == 502
    assert failed.value.code == "server_error"
    assert "Traceback" not in failed.value.message
    records = served.records()
    assert [r["record_id"] for r in records] == ["req-fail#1", "req-fail#2"]
    assert all(r["error_occurred"] for r in records)
    # The time lost on failures is kept apart from the answers' latency, in the record and
    # in the metrics.
    assert all(r["response_time_ms"] is None for r in records)
    assert all(json.loads(r["context_data"])["attempt_latency_ms"] >= 0 for r in records)
    with httpx.Client(headers={"authorization": f"Bearer {API_KEY}"}) as http:
        metrics = http.get(served.base_url.removesuffix("/v1") + "/metrics").text
    labels = 'model="openai/gpt-3.5-turbo",type="server_error"'
    assert f"genesis_failed_attempt_seconds_count{{{labels}}} 2.0" in metrics
    assert 'genesis_request_seconds_count{model="openai/gpt-3.5-turbo"' not in metrics


def test_a_request_without_the_server_key_is_refused(served):
    with pytest.raises(openai.AuthenticationError):
        client(served, key="wrong").models.list()
    assert httpx.get(served.base_url.removesuffix("/v1") + "/health").json() == {"status": "ok"}


def test_the_provider_key_never_leaks(served, caplog):
    caplog.set_level(logging.DEBUG)
    served.upstream.fail_first = [400]  # the upstream echoes the key in its error body
    c = client(served)
    seen = []
    with pytest.raises(openai.APIStatusError) as failed:
        c.chat.completions.create(
            model="openai/gpt-3.5-turbo", messages=[{"role": "user", "content": "x"}]
        )
    seen.append(str(failed.value.body))
    reply = c.chat.completions.create(
        model="genesis-prime/auto", messages=[{"role": "user", "content": "y"}]
    )
    seen.append(reply.model_dump_json())
    root = served.base_url.removesuffix("/v1")
    auth = {"authorization": f"Bearer {API_KEY}"}
    seen += [httpx.get(f"{root}{p}", headers=auth).text for p in ("/metrics", "/status")]
    seen += [r.getMessage() for r in caplog.records]
    seen += [json.dumps(r) for r in served.records()]
    assert CANARY not in "\n".join(seen)
    assert "***" in seen[0]  # the key was there, and redacted


def test_concurrent_requests_are_each_recorded_once(served):
    c = client(served)

    def ask(i: int) -> str:
        messages: Any = [{"role": "user", "content": f"n{i}"}]
        if i % 2:
            stream = c.chat.completions.create(
                model="genesis-prime/auto", messages=messages, stream=True
            )
            return "".join(ch.choices[0].delta.content or "" for ch in stream if ch.choices)
        reply = c.chat.completions.create(model="genesis-prime/auto", messages=messages)
        return reply.choices[0].message.content or ""

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(ask, range(24)))
    assert answers == [f"N{i}" for i in range(24)]
    records = served.records()
    assert len(records) == 24
    assert len({r["record_id"] for r in records}) == 24
    with httpx.Client(headers={"authorization": f"Bearer {API_KEY}"}) as http:
        metrics = http.get(served.base_url.removesuffix("/v1") + "/metrics").text
    total = sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("genesis_requests_total{") and 'outcome="ok"' in line
    )
    assert total == 24


def test_a_stream_falls_back_before_its_first_byte_and_records_the_failures(served):
    served.upstream.fail_first = [503, 503]  # the routed model fails both tries
    stream = client(served).chat.completions.create(
        model="genesis-prime/auto",
        messages=[{"role": "user", "content": "still here"}],
        stream=True,
        extra_body={"request_id": "req-fallback"},
    )
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "STILL HERE"
    records = {r["record_id"]: r for r in served.records()}
    assert sorted(records) == ["req-fallback", "req-fallback#1", "req-fallback#2"]
    assert records["req-fallback#1"]["model_id"] == records["req-fallback#2"]["model_id"]
    assert records["req-fallback"]["model_id"] == chunks[0].model
    assert records["req-fallback"]["model_id"] != records["req-fallback#1"]["model_id"]


def test_a_budget_leaves_out_the_models_it_cannot_pay_for(served):
    catalog = ModelCatalog.default()
    messages: Any = [{"role": "user", "content": "a short question"}]
    prompt_tokens = len(json.dumps(messages, ensure_ascii=False)) / 4
    budget = 0.002
    affordable = {
        s.id
        for s in catalog.active()
        if (cost := s.estimate_cost(prompt_tokens, 500)) is not None and cost <= budget
    }
    assert affordable
    assert affordable != {s.id for s in catalog.active()}  # the budget leaves some out
    with client(served) as api:
        for i in range(5):
            reply = api.chat.completions.create(
                model="genesis-prime/logical_reasoning",
                messages=messages,
                max_tokens=500,
                extra_body={"budget": budget, "request_id": f"b{i}"},
            )
            assert reply.model in affordable
        assert all("budget" not in body for body in served.upstream.bodies)
        with pytest.raises(openai.BadRequestError) as refused:
            api.chat.completions.create(
                model="genesis-prime/logical_reasoning",
                messages=messages,
                extra_headers={"x-genesis-budget": "1e-9"},
            )
        assert refused.value.code == "budget_too_low"
        assert "no model fits the budget" in refused.value.message
        with pytest.raises(openai.BadRequestError, match="budget must be a positive"):
            api.chat.completions.create(
                model="genesis-prime/auto", messages=messages, extra_body={"budget": -1}
            )
    assert len(served.records()) == 5  # the refused requests made no call


def test_a_running_ab_test_receives_traffic_sent_without_ids(served):
    champion, challenger = "openai/gpt-3.5-turbo", "openrouter/gpt-4-turbo"
    assert served.manager is not None
    ab = served.manager.ab_test_manager
    served.run(ab.create_test(champion, challenger, "technical_explanation", test_id="srv"))
    openai_client = client(served)
    answered = [
        openai_client.chat.completions.create(
            model="genesis-prime/technical_explanation",
            messages=[{"role": "user", "content": f"question {i}"}],
        ).model
        for i in range(30)
    ]
    records = served.records()
    assert len(records) == 30
    assert {r["ab_test_id"] for r in records} == {"srv"}
    arms = {r["model_id"]: r["ab_arm"] for r in records}
    assert arms == {champion: "a", challenger: "b"}  # both arms served, each under its own
    assert set(answered) == {champion, challenger}


def test_metrics_count_latency_cost_and_first_token_per_model_and_task(served):
    openai_client = client(served)
    plain = openai_client.chat.completions.create(
        model="genesis-prime/auto", messages=[{"role": "user", "content": "a b"}]
    )
    streamed = list(
        openai_client.chat.completions.create(
            model="genesis-prime/auto", messages=[{"role": "user", "content": "a b"}], stream=True
        )
    )
    with httpx.Client(headers={"authorization": f"Bearer {API_KEY}"}) as http:
        metrics = http.get(served.base_url.removesuffix("/v1") + "/metrics").text
    labels = f'model="{plain.model}",task="technical_explanation"'
    assert streamed[0].model == plain.model  # the same route: one series holds both
    assert f"genesis_request_seconds_count{{{labels}}} 2.0" in metrics
    assert f"genesis_first_token_seconds_count{{{labels}}} 1.0" in metrics
    ok = f'model="{plain.model}",outcome="ok",task="technical_explanation"'
    assert f"genesis_requests_total{{{ok}}} 2.0" in metrics
    [cost] = [
        line
        for line in metrics.splitlines()
        if line.startswith(f"genesis_cost_usd_total{{{labels}}}")
    ]
    assert float(cost.split()[-1]) > 0
