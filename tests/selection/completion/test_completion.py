"""CompletionService: choose, call with fallbacks, and record every attempt."""

from __future__ import annotations

import hashlib
import hmac
import logging

import httpx
import pytest

from selection.completion import (
    CompletionFailedError,
    CompletionService,
    catalog_prices,
    prompt_hash,
)
from selection.errors import ConfigError
from selection.prompt_key import load_or_create_key
from selection.providers import (
    AllModelsFailedError,
    CircuitBreaker,
    ErrorType,
    Message,
    Prices,
    ResponseCache,
)
from selection.records import PerformanceRecord
from tests.selection.completion.conftest import (
    CLAUDE,
    GPT,
    MISTRAL,
    QUALITY,
    ROUTED,
    TASK,
    small_catalog,
)
from tests.selection.providers.fakes import openai_ok, openrouter_ok, read_timeout

PROMPT = "Explain TCP slow start in two sentences."
ASK = [Message.user(PROMPT)]


def service(manager, gateway, **kw) -> CompletionService:
    return CompletionService.for_manager(manager, gateway, **kw)


async def stored(manager) -> dict[str, PerformanceRecord]:
    return {r.record_id: r for r in await manager.store.fetch_records(limit=100)}


async def test_first_model_answers_and_its_record_carries_usage_and_catalog_cost(
    manager, gateway, fakes
):
    fakes.openai.script(openai_ok("slow start doubles the window", prompt=12, completion=3))

    outcome = await service(manager, gateway).complete(TASK, ASK, QUALITY, request_id="req-1")

    assert outcome.text == "slow start doubles the window"
    assert outcome.model_id == GPT == outcome.recommendation.recommended_model_id
    record = outcome.record
    assert record is not None
    assert [r.record_id for r in outcome.records] == ["req-1"]
    assert record.token_count_input == 12
    assert record.token_count_output == 3
    assert record.cost == pytest.approx(12 * 0.0025 / 1000 + 3 * 0.01 / 1000)
    assert record.context_data["cost_source"] == "prices"
    assert record.response_time_ms == pytest.approx(outcome.completion.latency_s * 1000)
    assert not record.error_occurred
    assert record.timestamp == manager.clock.now()
    assert (await stored(manager))["req-1"] == record
    assert manager.performance_tracker.stats(GPT, TASK).records == 1


@pytest.mark.parametrize(
    ("failure", "error_type", "tries"),
    [
        ("500", ErrorType.SERVER_ERROR, 2),
        ("529", ErrorType.OVERLOADED, 2),
        ("503", ErrorType.OVERLOADED, 2),
        ("429", ErrorType.RATE_LIMITED, 2),
        ("timeout", ErrorType.TIMEOUT, 2),
        ("auth", ErrorType.AUTHENTICATION, 1),
        ("400", ErrorType.BAD_REQUEST, 1),
        ("filtered", ErrorType.CONTENT_FILTERED, 1),
    ],
)
async def test_first_model_fails_second_answers_and_every_attempt_is_recorded(
    manager, gateway, fakes, failure, error_type, tries
):
    answers = {
        "529": httpx.Response(529, json={"error": {"message": "Overloaded"}}),
        "timeout": read_timeout,
        "400": httpx.Response(400, json={"error": {"message": "max_tokens too large"}}),
        "filtered": httpx.Response(
            200,
            json={
                "model": "gpt-4o",
                "choices": [
                    {"index": 0, "finish_reason": "content_filter", "message": {"content": ""}}
                ],
            },
        ),
    }
    if failure == "auth":
        fakes.openai.key = "sk-the-server-expects-another"
    else:
        fakes.openai.script(answers.get(failure) or fakes.openai.errors[failure])
    fakes.anthropic.script(fakes.anthropic.ok("from claude", prompt=20, completion=5))

    outcome = await service(manager, gateway).complete(TASK, ASK, QUALITY, request_id="r")

    assert outcome.text == "from claude"
    assert outcome.model_id == CLAUDE
    failed = [f"r#{n}" for n in range(1, tries + 1)]
    assert [r.record_id for r in outcome.records] == [*failed, "r"]
    for record in outcome.records[:-1]:
        assert record.model_id == GPT
        assert record.error_occurred
        assert record.error_type == error_type.value
        assert record.cost is None  # no usage on a failure: unknown, not free
        # Its latency is kept apart from the answers' (a fast 429 must not flatter GPT).
        assert record.response_time_ms is None
        assert record.context_data["attempt_latency_ms"] >= 0
    answer = outcome.records[-1]
    assert (answer.model_id, answer.error_occurred, answer.error_type) == (CLAUDE, False, None)
    assert answer.cost == pytest.approx(20 * 0.015 / 1000 + 5 * 0.075 / 1000)
    assert answer.context_data["attempt"] == tries + 1

    rows = await stored(manager)
    assert sorted(rows) == sorted([*failed, "r"])
    assert rows["r#1"].error_type == error_type.value
    gpt = manager.performance_tracker.stats(GPT, TASK)
    assert (gpt.records, gpt.errors) == (tries, tries)
    assert gpt.n("response_time_ms") == 0  # failures add nothing to the latency mean
    assert manager.performance_tracker.stats(CLAUDE, TASK).errors == 0


async def test_every_model_failing_raises_after_recording_each_attempt(manager, gateway, fakes):
    fakes.openai.script(fakes.openai.errors["500"])
    fakes.anthropic.script(fakes.anthropic.errors["529"])
    fakes.openrouter.script(fakes.openrouter.errors["500"])

    with pytest.raises(CompletionFailedError) as exc_info:
        await service(manager, gateway).complete(TASK, ASK, QUALITY, request_id="doomed")

    error = exc_info.value
    assert isinstance(error, AllModelsFailedError)
    assert error.request_id == "doomed"
    assert [r.record_id for r in error.records] == [f"doomed#{n}" for n in range(1, 7)]
    assert [r.error_type for r in error.records] == [
        "server_error",
        "server_error",
        "overloaded",
        "overloaded",
        "server_error",
        "server_error",
    ]
    assert sorted(await stored(manager)) == sorted(r.record_id for r in error.records)
    assert isinstance(error.__cause__, AllModelsFailedError)


async def test_provider_reported_cost_wins_and_unknown_cost_is_none_never_zero(
    manager, gateway, fakes, caplog
):
    for model_id in (GPT, CLAUDE):
        manager.catalog.retire(model_id)
    fakes.openrouter.script(openrouter_ok(cost=0.000405), openrouter_ok(cost=None))
    svc = service(manager, gateway)

    reported = await svc.complete(TASK, ASK, QUALITY, request_id="paid")
    with caplog.at_level(logging.WARNING, logger="selection.completion"):
        unknown = await svc.complete(TASK, ASK, QUALITY, request_id="unpriced")

    assert reported.model_id == unknown.model_id == ROUTED
    assert reported.record.cost == pytest.approx(0.000405)
    assert reported.record.context_data["cost_source"] == "provider"
    assert unknown.record.cost is None
    assert unknown.record.context_data["cost_source"] is None
    assert "cost of openrouter/anthropic/claude-3-opus unknown" in caplog.text
    assert (await stored(manager))["unpriced"].cost is None
    status = await manager.get_system_status()
    assert ROUTED in status["unpriced_models"]


async def test_models_without_a_client_are_left_out_of_the_chain(manager, make_gateway, fakes):
    gateway = make_gateway(providers=("anthropic",))
    fakes.anthropic.script(fakes.anthropic.ok("only claude"))

    outcome = await service(manager, gateway).complete(TASK, ASK, QUALITY, request_id="r")

    assert outcome.model_id == CLAUDE
    assert set(outcome.unroutable) == {GPT, ROUTED, MISTRAL}
    assert "OPENAI_API_KEY" in outcome.unroutable[GPT]
    assert [r.record_id for r in outcome.records] == ["r"]


async def test_no_routable_model_is_a_config_error_naming_each(manager, make_gateway):
    gateway = make_gateway(providers=())
    with pytest.raises(ConfigError, match="no model for 'technical_explanation' can be called"):
        await service(manager, gateway).complete(TASK, ASK, QUALITY)
    assert await stored(manager) == {}


async def test_a_model_behind_an_open_breaker_is_skipped_and_not_recorded(
    manager, make_gateway, fakes
):
    gateway = make_gateway(breaker=CircuitBreaker(failure_threshold=1, cooldown=60))
    fakes.openai.script(fakes.openai.errors["500"])
    svc = service(manager, gateway)
    await svc.complete(TASK, ASK, QUALITY, request_id="opens")
    fakes.openai.requests.clear()

    outcome = await svc.complete(TASK, ASK, QUALITY, request_id="skips")

    assert fakes.openai.requests == []
    assert outcome.skipped == (GPT,)
    assert [(r.record_id, r.model_id) for r in outcome.records] == [("skips", CLAUDE)]


async def test_a_cached_answer_records_no_call(manager, make_gateway, fakes):
    gateway = make_gateway(cache=ResponseCache())
    svc = service(manager, gateway)
    first = await svc.complete(TASK, ASK, QUALITY, request_id="fresh")

    again = await svc.complete(TASK, ASK, QUALITY, request_id="cached")

    assert again.completion.cached
    assert again.text == first.text
    assert again.records == ()
    assert again.record is None
    assert sorted(await stored(manager)) == ["fresh"]


async def test_reusing_a_request_id_counts_nothing_twice(manager, gateway, caplog):
    svc = service(manager, gateway)
    await svc.complete(TASK, ASK, QUALITY, request_id="same")
    with caplog.at_level(logging.WARNING, logger="selection.completion"):
        await svc.complete(TASK, ASK, QUALITY, request_id="same")

    assert manager.performance_tracker.stats(GPT, TASK).records == 1
    assert "1 of 1 records were stored before" in caplog.text


async def test_a_fresh_request_id_is_made_when_none_is_given(manager, gateway):
    svc = service(manager, gateway)
    one = await svc.complete(TASK, ASK, QUALITY)
    two = await svc.complete(TASK, ASK, QUALITY)
    assert one.request_id != two.request_id
    assert len(one.request_id) == 32
    assert one.record.record_id == one.request_id


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"request_id": "a#1"}, "without '#'"),
        ({"request_id": ""}, "request_id must be"),
        ({"request_id": "x" * 241}, "request_id must be"),
        ({"messages": []}, "messages is empty"),
    ],
)
async def test_bad_arguments_are_refused_before_any_call(manager, gateway, fakes, kwargs, message):
    kwargs = dict(kwargs)
    messages = kwargs.pop("messages", ASK)
    with pytest.raises(ValueError, match=message):
        await service(manager, gateway).complete(TASK, messages, **kwargs)
    assert fakes.openai.requests == []


async def test_the_prompt_is_stored_as_its_hash_unless_opted_in(manager, gateway):
    await service(manager, gateway).complete(TASK, ASK, QUALITY, request_id="p")
    await service(manager, gateway, store_prompt=True).complete(TASK, ASK, QUALITY, request_id="s")

    expected = hmac.new(load_or_create_key(), PROMPT.encode(), hashlib.sha256).hexdigest()
    rows = await stored(manager)
    assert rows["p"].prompt_hash == rows["s"].prompt_hash == expected
    assert expected != hashlib.sha256(PROMPT.encode()).hexdigest()  # keyed, not a bare hash
    assert PROMPT not in rows["p"].model_dump_json()
    assert "messages" not in rows["p"].context_data
    assert rows["s"].context_data["messages"] == [{"role": "user", "content": PROMPT}]


def test_prompt_hash_of_a_conversation_covers_roles_and_order():
    one = prompt_hash([Message.system("be brief"), Message.user("hi")], key=b"k")
    two = prompt_hash([Message.user("be brief"), Message.user("hi")], key=b"k")
    assert one != two
    assert len(one) == 64
    expected = hmac.new(b"k", "hé".encode(), hashlib.sha256).hexdigest()
    assert prompt_hash([Message.user("hé")], key=b"k") == expected
    assert prompt_hash([Message.user("hé")], key=b"other") != expected


async def test_the_recommendation_is_stored_and_alternatives_form_the_chain(manager, gateway):
    outcome = await service(manager, gateway).complete(TASK, ASK, QUALITY)

    rec = outcome.recommendation
    assert (rec.recommended_model_id, rec.alternative_models) == (GPT, (CLAUDE, ROUTED, MISTRAL))
    latest = await manager.store.latest_recommendations()
    assert latest[TASK].recommended_model_id == GPT
    assert outcome.record.context_data["recommended_model"] == GPT


def test_catalog_prices_are_per_token_or_none():
    catalog = small_catalog()
    assert catalog_prices(catalog.get(GPT)) == Prices.per_thousand(0.0025, 0.01)
    assert catalog_prices(catalog.get(ROUTED)) is None


async def test_an_ab_test_routes_by_request_id_and_tags_one_record_per_request(
    manager, gateway, fakes
):
    test_id = await manager.create_model_comparison_test(TASK, CLAUDE, champion_model_id=GPT)
    svc = service(manager, gateway)

    outcomes = [await svc.complete(TASK, ASK, QUALITY, request_id=f"ab-{i}") for i in range(20)]

    assert {o.model_id for o in outcomes} == {GPT, CLAUDE}  # both arms served
    for outcome in outcomes:
        (record,) = outcome.records
        assert (record.ab_test_id, record.model_id) == (test_id, outcome.model_id)
        assert record.ab_arm == ("a" if outcome.model_id == GPT else "b")

    fakes.openai.script(fakes.openai.errors["500"])
    for i in range(20):  # until a request lands in the champion's arm
        failed = await svc.complete(TASK, ASK, QUALITY, request_id=f"fails-{i}")
        if failed.recommendation.recommended_model_id == GPT:
            break
    tagged = [r for r in failed.records if r.ab_test_id is not None]
    assert [(r.record_id, r.ab_arm, r.error_type) for r in tagged] == [
        (f"fails-{i}#2", "a", "server_error")  # the champion's last failure counts, once
    ]
    assert failed.record.ab_test_id is None  # the fallback's answer is outside the test
