"""A panel of judge models, asked through the gateway against the local provider fakes."""

from __future__ import annotations

import importlib.util
import json
import logging
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import httpx
import numpy as np
import pytest

from agents import PERSONAS, JudgePanel, PanelJudge
from agents.panel import judge_instructions
from hive import HiveMind
from selection import PerformanceRecord
from selection.completion import CompletionService
from selection.errors import ConfigError
from selection.judges import JudgeError, parse_score
from selection.providers import Message, ModelGateway, Prices
from tests.selection.completion.conftest import CLAUDE, GPT, QUALITY, ROUTED, TASK, Fakes
from tests.selection.providers.fakes import (
    CANARY,
    anthropic_ok,
    openai_ok,
    openrouter_ok,
)

ASK = [Message.user("Explain TCP slow start in two sentences.")]
GPT_PRICES = Prices.per_thousand(0.0025, 0.01)


def answered(model: str = GPT, n: int = 0, *, failed: bool = False) -> PerformanceRecord:
    return PerformanceRecord(
        record_id=f"call-{n}",
        model_id=model,
        task_type=TASK,
        cost=0.001,
        response_time_ms=800,
        error_occurred=failed,
    )


def judged_body(request: httpx.Request) -> str:
    """Everything a judge was sent, as one string (system and user turns alike)."""
    return json.dumps(json.loads(request.content))


async def test_sampling_rate_is_honoured_draw_for_draw(make_gateway) -> None:
    gateway = make_gateway()
    panel = JudgePanel(
        gateway,
        [PanelJudge(PERSONAS["critic"], GPT)],
        rate=0.3,
        rng=np.random.default_rng(11),
        prices={GPT: GPT_PRICES},
    )
    judged = []
    for i in range(200):
        verdict = await panel.consider(answered(n=i), ASK, "an answer")
        if verdict is not None:
            judged.append(i)
        # A failed call is never offered: no draw, no count.
        assert await panel.consider(answered(n=i, failed=True), ASK, "") is None
        assert await panel.consider(None, ASK, "cached") is None
    # One uniform draw per completed call from the panel's own Generator, in call order.
    expected = np.flatnonzero(np.random.default_rng(11).random(200) < 0.3).tolist()
    assert judged == expected
    assert 40 <= len(judged) <= 80  # and it is a rate: binomial(200, 0.3) within ~3 sd
    report = panel.report()
    assert (report.seen, report.judged, report.rate) == (200, len(judged), 0.3)
    assert report.judges[f"critic@{GPT}"].asked == len(judged)


@pytest.mark.parametrize(("rate", "calls"), [(0.0, 0), (1.0, 25)])
async def test_rate_zero_asks_nobody_and_rate_one_asks_on_every_call(
    make_gateway, fakes: Fakes, rate: float, calls: int
) -> None:
    panel = JudgePanel(
        make_gateway(),
        [PanelJudge(PERSONAS["critic"], GPT)],
        rate=rate,
        rng=np.random.default_rng(0),
    )
    for i in range(25):
        await panel.consider(answered(n=i), ASK, "an answer")
    assert len(fakes.openai.requests) == calls


async def test_judges_see_their_persona_and_the_answer_fenced(make_gateway, fakes: Fakes) -> None:
    fakes.openai.script(openai_ok('{"score": 8}'))
    panel = JudgePanel(
        make_gateway(),
        [PanelJudge(PERSONAS["artist"], GPT)],
        rate=1.0,
        rng=np.random.default_rng(0),
    )
    verdict = await panel.consider(answered(), ASK, "A haiku about congestion windows")
    assert verdict is not None
    assert verdict.scores == {f"artist@{GPT}": pytest.approx(0.8)}
    body = fakes.openai.body()
    system, user = body["messages"]
    assert system["content"] == judge_instructions(PERSONAS["artist"])
    # The artist's judged objectives, weights renormalised over what a judge can see.
    assert "creativity (50%)" in system["content"]
    assert "user satisfaction (20%)" in system["content"]
    assert "<answer>\nA haiku about congestion windows\n</answer>" in user["content"]
    assert body["temperature"] == 0.0
    # The score became the agent's private judgement of that model.
    agent = panel.agents[0]
    assert agent.quality_report(TASK) == {GPT: (pytest.approx(0.8), pytest.approx(1.0))}


async def test_malformed_and_failed_judges_are_counted_not_fed(
    make_gateway, fakes: Fakes, caplog: pytest.LogCaptureFixture
) -> None:
    fakes.openai.script(
        openai_ok("I liked it."),  # no score
        openai_ok('{"score": 14}'),  # off the 0..10 scale
        openai_ok("Score: 7"),
        openai_ok("score = 3/10"),
    )
    fakes.anthropic.script(fakes.anthropic.errors["500"])
    caplog.set_level(logging.INFO, logger="agents.panel")
    critic, empath = PanelJudge(PERSONAS["critic"], GPT), PanelJudge(PERSONAS["empath"], CLAUDE)
    panel = JudgePanel(make_gateway(), [critic, empath], rate=1.0, rng=np.random.default_rng(0))
    seen = [await panel.consider(answered(n=i), ASK, "an answer") for i in range(4)]
    assert [v.scores[critic.name] for v in seen if v] == [None, None, 0.7, 0.3]
    assert all(v is not None and v.scores[empath.name] is None for v in seen)
    report = panel.report()
    tally = report.judges[critic.name]
    assert (tally.asked, tally.scored, tally.malformed, tally.failed) == (4, 2, 2, 0)
    failing = report.judges[empath.name]
    assert (failing.asked, failing.scored, failing.malformed, failing.failed) == (4, 0, 0, 4)
    assert (report.malformed, report.failed) == (2, 4)
    assert [agent.observed for agent in panel.agents] == [2, 0]
    # 0.7 then 0.3, the older one discounted once by the beliefs' forgetting.
    decay = panel.agents[0].beliefs.config.decay
    expected = (0.7 * decay + 0.3) / (decay + 1)
    assert panel.agents[0].quality_report(TASK)[GPT][0] == pytest.approx(expected)
    assert "no score in 0..10" in caplog.text


async def test_a_judges_cost_and_latency_are_recorded(make_gateway, fakes: Fakes) -> None:
    fakes.openai.script(openai_ok('{"score": 6}', prompt=250, completion=6))
    fakes.openrouter.script(openrouter_ok("Score: 9", cost=0.00031))
    fakes.anthropic.script(anthropic_ok("8"))  # no prices given: its cost is unknown
    seats = [
        PanelJudge(PERSONAS["critic"], GPT),
        PanelJudge(PERSONAS["engineer"], ROUTED),
        PanelJudge(PERSONAS["analyst"], CLAUDE),
    ]
    panel = JudgePanel(
        make_gateway(), seats, rate=1.0, rng=np.random.default_rng(0), prices={GPT: GPT_PRICES}
    )
    verdicts = [await panel.consider(answered(n=i), ASK, "an answer") for i in range(3)]
    per_call_gpt = 250 * 0.0025 / 1000 + 6 * 0.01 / 1000  # catalog prices x reported usage
    report = panel.report()
    assert report.judges[seats[0].name].cost_usd == pytest.approx(3 * per_call_gpt)
    assert report.judges[seats[1].name].cost_usd == pytest.approx(3 * 0.00031)  # as reported
    assert (report.judges[seats[2].name].cost_usd, report.judges[seats[2].name].unpriced) == (
        0.0,
        3,
    )
    assert report.cost_usd == pytest.approx(3 * (per_call_gpt + 0.00031))
    assert report.cost_per_judged_call == pytest.approx(per_call_gpt + 0.00031)
    for verdict in verdicts:
        assert verdict is not None
        assert verdict.cost_usd == pytest.approx(per_call_gpt + 0.00031)
        assert verdict.latency_s > 0.0
    assert all(t.latency_s > 0.0 for t in report.judges.values())
    # The report is a copy: editing it does not touch the panel's tally.
    report.judges[seats[0].name].asked = 99
    assert panel.report().judges[seats[0].name].asked == 3


async def test_the_panels_consensus_reaches_the_router_through_the_evidence_channel(
    manager, make_gateway, fakes: Fakes
) -> None:
    # GPT (catalog prior 0.95) answers poorly, Claude (0.85) well; only the judges can tell.
    def provider(ok: Callable[..., httpx.Response], answer: str):
        def handle(request: httpx.Request) -> httpx.Response:
            body = judged_body(request)
            if "You judge answers" not in body:
                return ok(answer)
            return ok(f'{{"score": {9 if "STRONG" in body else 2}}}')

        return handle

    fakes.openai.script(provider(openai_ok, "WEAK: it is a TCP thing."))
    fakes.anthropic.script(provider(anthropic_ok, "STRONG: cwnd grows by one MSS per ACK."))
    gateway = make_gateway()
    service = CompletionService.for_manager(manager, gateway)
    seats = [
        PanelJudge(PERSONAS["critic"], GPT),
        PanelJudge(PERSONAS["engineer"], CLAUDE),
        PanelJudge(PERSONAS["economist"], GPT, agent_id="economist-on-gpt"),
    ]
    panel = JudgePanel(gateway, seats, rate=1.0, rng=np.random.default_rng(3))
    router = manager.model_selector
    for i in range(6):
        outcome = await service.complete(TASK, ASK, QUALITY, request_id=f"a-{i}")
        assert outcome.model_id == GPT  # the selector alone keeps its prior's favourite
        await panel.consider(outcome.record, ASK, outcome.text)
    # Claude is tried only through an explicit call (as an A/B arm or a fallback would).
    for i in range(6):
        completion = await gateway.complete(CLAUDE, ASK)
        record = answered(CLAUDE, n=100 + i)
        await panel.consider(record, ASK, completion.text)

    hive = HiveMind(panel.agents)
    estimates = hive.evidence(TASK)
    assert {m: q for m, (q, _) in estimates.items()} == {
        GPT: pytest.approx(0.2),
        CLAUDE: pytest.approx(0.9),
    }
    assert all(calls > 0 for _, calls in estimates.values())
    # The same channel a simulation's hive uses: pseudo-observations in the Router.
    router.set_evidence(TASK, estimates)
    outcome = await service.complete(TASK, ASK, QUALITY, request_id="after")
    assert outcome.model_id == CLAUDE
    # Ballots carry the same judgement: the critic ranks Claude first.
    assert panel.agents[0].ballot(TASK).ranking[0] == CLAUDE


async def test_secrets_never_reach_logs_reprs_or_judges(
    make_gateway, fakes: Fakes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    gateway = make_gateway(key=CANARY)
    fakes.openai.script(openai_ok('{"score": 5}'))
    fakes.anthropic.key = "sk-another-key"  # the canary is refused: an auth failure
    seats = [PanelJudge(PERSONAS["critic"], GPT), PanelJudge(PERSONAS["empath"], CLAUDE)]
    panel = JudgePanel(gateway, seats, rate=1.0, rng=np.random.default_rng(0))
    verdict = await panel.consider(answered(), ASK, "an answer")
    assert verdict is not None
    assert verdict.scores[seats[1].name] is None
    assert panel.report().failed == 1
    shown = [caplog.text, repr(panel), repr(panel.report()), repr(verdict), repr(panel.agents)]
    shown += [r.content.decode() for r in fakes.openai.requests + fakes.anthropic.requests]
    assert all(CANARY not in text for text in shown)


def test_a_panel_refuses_what_it_cannot_run(gateway: ModelGateway) -> None:
    critic = PanelJudge(PERSONAS["critic"], GPT)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="at least one judge"):
        JudgePanel(gateway, [], rate=0.1, rng=rng)
    with pytest.raises(ValueError, match=r"rate must be in \[0, 1\], got 1.5"):
        JudgePanel(gateway, [critic], rate=1.5, rng=rng)
    with pytest.raises(ValueError, match="share an agent id"):
        JudgePanel(gateway, [critic, critic], rate=0.1, rng=rng)
    with pytest.raises(ConfigError, match="MISTRAL_API_KEY"):
        JudgePanel(
            gateway,
            [PanelJudge(PERSONAS["critic"], "mistral/mistral-large-latest")],
            rate=0.1,
            rng=rng,
        )


@pytest.mark.parametrize(
    ("reply", "score"),
    [("8", 0.8), ('{"score": 10}', 1.0), ("Score: 7.5", 0.75), ("7/10", 0.7), ("85%", 0.85)],
)
def test_scores_on_a_ten_point_scale(reply: str, score: float) -> None:
    assert parse_score(reply, scale=10) == pytest.approx(score)


@pytest.mark.parametrize("reply", ["11", '{"score": -1}', "great", "Score: 12/10"])
def test_scores_off_a_ten_point_scale_are_refused(reply: str) -> None:
    with pytest.raises(JudgeError):
        parse_score(reply, scale=10)
    with pytest.raises(ValueError, match="scale must be"):
        parse_score("1", scale=0)


def load_example() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "examples" / "judge_panel.py"
    spec = importlib.util.spec_from_file_location("judge_panel_example", path)
    assert spec is not None
    assert spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    return example


async def test_the_readme_cost_example_runs_and_the_jury_is_cheaper() -> None:
    example = load_example()
    seats = [PanelJudge(PERSONAS[p], m) for p, m in example.JUDGES.items()]
    jury = await example.judged(seats, 1200)
    large = await example.judged([PanelJudge(PERSONAS["critic"], example.LARGE)], 1200)
    assert (jury.judged, jury.malformed, jury.failed) == (10, 0, 0)
    assert all(t.unpriced == 0 and t.scored == 10 for t in jury.judges.values())
    per_judge = sum(t.cost_usd / t.asked for t in jury.judges.values())
    assert jury.cost_per_judged_call == pytest.approx(per_judge)
    assert jury.cost_per_judged_call == pytest.approx(0.000874, abs=5e-7)  # the README's figure
    assert jury.cost_per_judged_call < 0.2 * large.cost_per_judged_call
