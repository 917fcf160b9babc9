"""Judges: none, a user rating given later, and another model parsing a score in [0, 1]."""

from __future__ import annotations

import pytest

from selection.completion import CompletionService
from selection.errors import ConfigError, GenesisError
from selection.judges import (
    JudgeError,
    Judgement,
    JudgeRequest,
    ModelJudge,
    NoJudge,
    UserRatingJudge,
    judge_from_spec,
    parse_score,
)
from selection.providers import Message, Prices
from tests.selection.completion.conftest import GPT, QUALITY, ROUTED, TASK
from tests.selection.providers.fakes import openai_ok, openrouter_ok

ASK = [Message.user("Why is the sky blue?")]


@pytest.mark.parametrize(
    ("reply", "score"),
    [
        ('{"score": 0.8}', 0.8),
        ('Sure! {"score": 1}', 1.0),
        ('```json\n{"reason": "ok", "score": 0.25}\n```', 0.25),
        ("Score: 0.7", 0.7),
        ("score = 7/10", 0.7),
        ("Overall score: 85%", 0.85),
        ("0.6", 0.6),
        (" 3 / 4 ", 0.75),
        ("0", 0.0),
    ],
)
def test_parse_score_reads_the_usual_shapes(reply, score):
    assert parse_score(reply) == pytest.approx(score)


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ("I liked it.", "no score"),
        ("8", "outside \\[0, 1\\]"),
        ('{"score": 1.5}', "outside \\[0, 1\\]"),
        ("score: 7/0", "denominator"),
        ("score: -0.1", "outside"),
    ],
)
def test_parse_score_refuses_what_it_cannot_place_in_unit_range(reply, message):
    with pytest.raises(JudgeError, match=message):
        parse_score(reply)


def test_verdict_refuses_a_score_outside_unit_range():
    with pytest.raises(ValueError, match="quality_score must be in"):
        Judgement(judge="x", quality_score=1.2)
    assert Judgement(judge="user", awaiting_rating=True).context() == {
        "name": "user",
        "awaiting_rating": True,
    }


async def test_judge_from_spec(make_gateway):
    gateway = make_gateway()
    assert isinstance(judge_from_spec("none", gateway=gateway), NoJudge)
    assert isinstance(judge_from_spec("user", gateway=gateway), UserRatingJudge)
    judge = judge_from_spec(f"model:{GPT}", gateway=gateway)
    assert judge.name == f"model:{GPT}"
    with pytest.raises(ConfigError, match="unknown judge 'oracle'"):
        judge_from_spec("oracle", gateway=gateway)
    with pytest.raises(ConfigError, match="cannot route"):
        judge_from_spec("model:cohere/command-r", gateway=gateway)
    with pytest.raises(ConfigError, match="MISTRAL_API_KEY"):
        ModelJudge(gateway, "mistral/mistral-large-latest")


async def test_a_model_judge_scores_the_answer_into_its_record(manager, make_gateway, fakes):
    gateway = make_gateway()
    fakes.openai.script(openai_ok("Rayleigh scattering."))
    fakes.openrouter.script(openrouter_ok('{"score": 0.9}', cost=0.0001))
    judge = ModelJudge(gateway, ROUTED)
    svc = CompletionService.for_manager(manager, gateway, judge=judge)

    outcome = await svc.complete(TASK, ASK, QUALITY, request_id="judged")

    assert outcome.verdict.quality_score == 0.9
    assert outcome.record.quality_score == 0.9
    assert outcome.record.context_data["judge"] == {
        "name": f"model:{ROUTED}",
        "judge_model": ROUTED,
        "cost_usd": 0.0001,
    }
    graded = fakes.openrouter.body()
    assert graded["messages"][0]["role"] == "system"
    assert "<answer>\nRayleigh scattering.\n</answer>" in graded["messages"][1]["content"]
    assert "Why is the sky blue?" in graded["messages"][1]["content"]
    assert graded["temperature"] == 0.0
    stats = manager.performance_tracker.stats(GPT, TASK)
    assert stats.mean("quality_score") == 0.9


@pytest.mark.parametrize(
    ("answer", "error"),
    [("500", "server_error"), ("unparseable", "unparseable_score")],
)
async def test_a_failing_judge_leaves_quality_unknown_and_the_record_written(
    manager, make_gateway, fakes, answer, error
):
    gateway = make_gateway()
    fakes.openrouter.script(
        fakes.openrouter.errors["500"] if answer == "500" else openrouter_ok("Nice answer!")
    )
    svc = CompletionService.for_manager(manager, gateway, judge=ModelJudge(gateway, ROUTED))

    outcome = await svc.complete(TASK, ASK, QUALITY, request_id="r")

    assert outcome.verdict.error == error
    assert outcome.record.quality_score is None
    assert outcome.record.context_data["judge"]["error"] == error
    assert [r.record_id for r in await manager.store.fetch_records()] == ["r"]


async def test_a_judge_that_raises_costs_no_record(manager, gateway):
    class Broken:
        name = "broken"

        async def evaluate(self, request: JudgeRequest) -> Judgement:
            raise GenesisError("judge crashed")

    outcome = await CompletionService.for_manager(manager, gateway, judge=Broken()).complete(
        TASK, ASK, QUALITY, request_id="r"
    )

    assert outcome.verdict == Judgement(judge="broken", error="GenesisError")
    assert outcome.record is not None


async def test_user_rating_judge_marks_the_record_awaiting_a_rating(manager, gateway):
    svc = CompletionService.for_manager(manager, gateway)
    outcome = await svc.complete(TASK, ASK, QUALITY, request_id="r", judge=UserRatingJudge())

    assert outcome.record.quality_score is None
    assert outcome.record.context_data["judge"] == {"name": "user", "awaiting_rating": True}


async def test_a_model_judge_is_priced_from_given_prices(make_gateway, fakes):
    gateway = make_gateway()
    fakes.openai.script(openai_ok('{"score": 0.5}', prompt=100, completion=10))
    judge = judge_from_spec(
        f"model:{GPT}", gateway=gateway, prices=Prices.per_thousand(0.0025, 0.01)
    )
    request = JudgeRequest(
        task_type=TASK,
        messages=tuple(ASK),
        completion=(await gateway.complete(GPT, ASK)),
        model_id=GPT,
    )

    verdict = await judge.evaluate(request)

    assert verdict.quality_score == 0.5
    assert verdict.cost_usd == pytest.approx(100 * 0.0025 / 1000 + 10 * 0.01 / 1000)
    assert fakes.openai.body()["messages"][1]["content"].count("<answer>") == 1
