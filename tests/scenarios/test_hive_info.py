"""The hive's own information: the two observation channels, the evidence channel, controls."""

from __future__ import annotations

import asyncio
import math
import statistics
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest

from agents import AdversarialAgent
from scenarios import HiveModel, load_scenario, run_scenario
from scenarios.eventlog import EventLog
from scenarios.hive_value import measure
from scenarios.oracle import true_values
from scenarios.spec import ScenarioSpec, parse_scenario
from scenarios.world import World
from selection import ConfigError, open_store


@contextmanager
def _model(spec: ScenarioSpec, policy: str = "hive") -> Iterator[HiveModel]:
    store = open_store("sqlite:///:memory:")
    with asyncio.Runner() as runner:
        runner.run(store.open())
        try:
            model = HiveModel(
                spec, policy=policy, store=store, runner=runner, log=EventLog(),
                rng=np.random.default_rng(spec.seed),
            )  # fmt: skip
            for _ in range(spec.steps):
                model.step()
            yield model
        finally:
            runner.run(store.aclose())


def _observed(spec: ScenarioSpec, **channels: object) -> ScenarioSpec:
    data = spec.model_dump()
    for path, value in channels.items():
        section, field = path.split("__")
        data["observation"][section][field] = value
    return ScenarioSpec.model_validate(data)


def _stored(model: HiveModel) -> list:
    return model.runner.run(model.tracker.store.fetch_records(limit=100_000))


def test_private_judgements_never_reach_the_store_or_the_selectors_sums():
    # Nothing is recorded of quality; agents judge the answers themselves.
    spec = _observed(load_scenario("steady-state").with_overrides(steps=20), recorded__kind="none")
    spec = spec.with_overrides(agents={**spec.agents.model_dump(), "channel": "evidence"})
    with _model(spec) as model:
        stored = _stored(model)
        assert len(stored) == model.requests_generated
        assert all(r.quality_score is None for r in stored)
        for task in model.tasks:
            sums = model.selector.task_stats(task)
            assert all(agg.n("quality_score") == 0 for agg in sums.values())
            # ...yet the hive knows, and hands it over only through set_evidence.
            reports = model.hive.evidence(task) if model.hive else {}
            assert reports
            assert dict(model.selector.evidence(task)) == reports


def test_agents_judge_the_truth_not_the_judges_score():
    spec = load_scenario("biased-judge").with_overrides(steps=20)
    with _model(spec) as model:
        stored = [r for r in _stored(model) if r.model_id == "sim/frontier" and r.quality_score]
        recorded = statistics.fmean(r.quality_score for r in stored)
        assert model.hive is not None
        truth = model.world.behaviour("sim/frontier", "logical_reasoning").quality
        hive, _ = model.hive.evidence("logical_reasoning")["sim/frontier"]
        assert recorded > truth + 0.07  # the judge's bias (+0.15, clipped at 1, so less on average)
        assert abs(hive - truth) < 0.05  # the agents' own view of the same answers


def test_blind_agents_see_only_the_recorded_channel():
    spec = _observed(
        load_scenario("biased-judge").with_overrides(steps=20),
        recorded__kind="none", recorded__bias={}, recorded__noise_sd=0.0,
    )  # fmt: skip
    with _model(spec, "blind-hive") as model:
        assert model.hive is not None
        assert all(not model.hive.evidence(task) for task in model.tasks)


def test_arena_calls_are_paid_for_and_never_recorded():
    spec = load_scenario("biased-judge").with_overrides(steps=10)
    with _model(spec) as model:
        assert all(not r.record_id.endswith("-arena") for r in _stored(model))
        assert model.datacollector.get_model_vars_dataframe()["judging_cost"].sum() > 0


def test_delayed_ratings_arrive_late_through_the_tracker():
    spec = load_scenario("sparse-ratings").with_overrides(steps=12)
    spec = _observed(spec, recorded__share=0.5, recorded__delay_steps=6)
    with _model(spec, "selector") as model:
        stored = _stored(model)
        rated = [r for r in stored if r.quality_score is not None]
        start = spec.start.timestamp()
        # calls of steps 0-5 are rated by step 11; none of steps 6-11 yet
        hours = [(r.timestamp.timestamp() - start) / 3600 for r in rated]
        assert rated
        assert max(hours) < 6
        early = [r for r in stored if (r.timestamp.timestamp() - start) / 3600 < 6]
        assert 0.4 < len(rated) / len(early) < 0.6


@pytest.mark.parametrize(
    ("block", "where"),
    [
        ('[observation.recorded]\nkind = "judge"\nshare = 0.5', "observation.recorded"),
        ('[observation.recorded]\nkind = "sometimes"', "observation.recorded.kind"),
        ('[observation.agents]\nsource = "gossip"', "observation.agents.source"),
        ('[observation]\nchannel = "x"', "observation.channel"),
        ('[observation.recorded]\nkind = "judge"\nbias = { "sim/nope" = 0.1 }', "sim/nope"),
    ],
)
def test_a_malformed_observation_block_names_what_is_wrong(block, where):
    text = (
        'name = "x"\nsteps = 5\n[[models]]\nid = "sim/a"\ninput_cost_per_1k_tokens = 0.001\n'
        "output_cost_per_1k_tokens = 0.001\nbehaviour = { quality = 0.8 }\n"
        "[traffic.logical_reasoning]\nrate = 5\n" + block + "\n"
    )
    with pytest.raises(ConfigError, match=where.replace(".", r"\.")) as info:
        parse_scenario(text, source="bad.toml")
    assert "\n" not in str(info.value)


def test_a_failed_call_is_worth_the_failure_value():
    spec = load_scenario("steady-state")
    world = World(spec)
    weights = {"quality": 1.0}
    clean = true_values(world, "logical_reasoning", weights, world.active)
    b = world.behaviour("sim/small", "logical_reasoning")
    assert clean["sim/small"] == pytest.approx((1 - b.error_rate) * b.quality)
    penalised = true_values(world, "logical_reasoning", weights, world.active, failure_value=-1.0)
    assert penalised["sim/small"] == pytest.approx((1 - b.error_rate) * b.quality - b.error_rate)


def test_the_hive_with_private_information_beats_the_selector_on_a_biased_judge():
    # A small, fast version of the bench claim (bench/bench_hive_value.py has the full one).
    spec = load_scenario("biased-judge").with_overrides(steps=40)
    result = measure(
        spec, [0, 1, 2], policies=("selector", "hive", "blind-hive", "self-verdict"), workers=1
    )
    hive = result.paired("hive")
    assert hive["won"] == 3
    assert hive["relative"] > 0.3  # at least 30% less regret than the selector alone
    # Without private information the same channel carries nothing new.
    assert result.paired("blind-hive")["relative"] < 0.1
    assert result.paired("hive", against="self-verdict")["value"] > 0


def test_runs_are_deterministic_with_observation_channels():
    spec = load_scenario("sparse-ratings").with_overrides(steps=8)
    first, second = (run_scenario(spec, policy="hive") for _ in range(2))
    assert first.log_digest == second.log_digest
    assert math.isfinite(first.summary["cumulative_regret"])


def test_the_hive_discredits_shills_that_pull_raters_off_the_honest_choice():
    # A small version of the bench claim: 30% of agents rate sim/small perfect and the rest
    # useless. A mean of ratings follows them; the credibility-weighted median does not.
    spec = load_scenario("shills").with_overrides(steps=60)
    result = measure(spec, [0, 1, 2], policies=("selector", "hive", "raters"), workers=1)
    assert result.paired("hive")["won"] == 3
    assert result.paired("hive", against="raters")["won"] == 3
    assert result.paired("raters")["value"] < 0  # raters do worse than no hive at all


def test_shills_lose_credibility_and_honest_agents_keep_it():
    spec = load_scenario("shills").with_overrides(steps=30)
    with _model(spec) as model:
        assert model.hive is not None
        shills = [a for a in model.hive.agents if isinstance(a, AdversarialAgent)]
        honest = [a for a in model.hive.agents if not isinstance(a, AdversarialAgent)]
        assert len(shills) == 12
        assert max(a.credibility.weight for a in shills) < 0.2
        assert statistics.median(a.credibility.weight for a in honest) > 1.0


def test_ballots_agree_with_each_personas_own_true_value():
    from scenarios.hive_value_ballots import ballot_agreement

    spec = load_scenario("biased-judge").with_overrides(steps=40)
    rows = {r.persona: r for r in ballot_agreement(spec, [0])}
    assert set(rows) == {"artist", "critic", "economist", "engineer"}
    # Quality-minded personas rank by quality; the economist is right to prefer the cheap model.
    assert rows["critic"].tau_quality > 0.5
    assert rows["economist"].tau_quality < 0 < rows["economist"].tau_own
    assert all(r.tau_own > 0.5 for r in rows.values())
