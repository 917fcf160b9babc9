"""Baselines, the seed's static assignment, the trace's catalog, and the hive's seam."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from scenarios.evaluation import (
    POLICIES,
    EvaluationConfig,
    HiveSnapshot,
    Trace,
    evaluate,
    hive_policy_spec,
    synthetic_trace,
    trace_catalog,
)
from scenarios.evaluation.policies import PolicyContext, cost_weight_factors
from selection import ModelCatalog
from tests.scenarios.evaluation.support import spec


def names(trace: Trace, choices) -> list[str]:
    return [trace.models[j] for j in choices]


async def run_one(trace: Trace, policy: str, **config) -> list[str]:
    evaluation = await evaluate(trace, [POLICIES[policy]], EvaluationConfig(**config))
    return names(trace, evaluation.runs[0].choices)


def flat_trace(n: int, *, tasks=("x",), latency=None, models=("a", "b", "c")) -> Trace:
    """Equal quality everywhere; costs 3, 1, 2 for a, b, c."""
    m = len(models)
    return Trace(
        name="flat",
        models=models,
        tasks=tasks,
        prompt_ids=tuple(f"p{i}" for i in range(n)),
        task_index=np.arange(n) % len(tasks),
        quality=np.full((n, m), 0.5),
        cost=np.tile([3.0, 1.0, 2.0][:m], (n, 1)),
        latency_ms=None if latency is None else np.tile(latency, (n, 1)),
    )


async def test_cheapest_takes_the_lowest_list_price():
    assert set(await run_one(flat_trace(20), "cheapest")) == {"b"}


async def test_random_is_uniform():
    counts = Counter(await run_one(flat_trace(3000), "random"))
    assert set(counts) == {"a", "b", "c"}
    assert all(900 < c < 1100 for c in counts.values())


async def test_cost_first_tries_each_model_once_per_batch_then_keeps_the_cheapest_seen():
    # list prices all equal (a made-up catalog), observed costs differ: a 3, b 1, c 2
    trace = flat_trace(60)
    base = ModelCatalog(spec(m, 1.0) for m in trace.models)
    evaluation = await evaluate(
        trace, [POLICIES["cost-first"]], EvaluationConfig(batch_size=10), catalog=base
    )
    chosen = names(trace, evaluation.runs[0].choices)
    # untried models first (one batch each, feedback waits for the batch), then the cheapest
    assert chosen == ["a"] * 10 + ["b"] * 10 + ["c"] * 10 + ["b"] * 30


async def test_latency_first_follows_observed_latency():
    trace = flat_trace(40, latency=[50.0, 500.0, 5.0])
    chosen = await run_one(trace, "latency-first", batch_size=10)
    assert chosen[:10] == ["c"] * 10  # the lowest mean latency in the trace is tried first
    assert chosen[-10:] == ["c"] * 10


async def test_best_single_uses_hindsight_at_the_cost_weight(two_tasks):
    evaluation = await evaluate(
        two_tasks, [POLICIES["best-single"]], EvaluationConfig(weights=(0.0, 1.0))
    )
    by_weight = {r.weight: set(names(two_tasks, r.choices)) for r in evaluation.runs}
    # quality only: coder and writer tie on average (.7), writer/coder are equal cost; the
    # winner is one of them; cost only: the cheap model
    assert by_weight[0.0] <= {"coder", "writer"}
    assert len(by_weight[0.0]) == 1
    assert by_weight[1.0] == {"cheap"}


async def test_seed_assignment_where_the_trace_has_its_tasks_and_models():
    trace = synthetic_trace(
        np.random.default_rng(0),
        n_prompts=50,
        accuracy={
            "logical_reasoning": {"openrouter/mixtral-8x7b-instruct": 0.6, "gpt-4-turbo": 0.9,
                                  "tiny": 0.3},
            "creative_generation": {"openrouter/mixtral-8x7b-instruct": 0.6, "gpt-4-turbo": 0.9,
                                    "tiny": 0.3},
            "legal_review": {"openrouter/mixtral-8x7b-instruct": 0.6, "gpt-4-turbo": 0.9,
                             "tiny": 0.3},
        },
        cost={"openrouter/mixtral-8x7b-instruct": 0.001, "gpt-4-turbo": 0.04, "tiny": 0.0001},
    )  # fmt: skip
    evaluation = await evaluate(trace, [POLICIES["seed-assignment"]])
    chosen = names(trace, evaluation.runs[0].choices)
    expected = {
        "logical_reasoning": "openrouter/mixtral-8x7b-instruct",  # the seed's mixtral-8x7b
        "creative_generation": "gpt-4-turbo",  # the seed's gpt-4-turbo
        "legal_review": "tiny",  # a task the seed does not name: the cheapest model
    }
    tasks = [trace.tasks[trace.task_index[row]] for row in evaluation.order]
    assert chosen == [expected[t] for t in tasks]


def test_trace_catalog_prices_models_at_their_mean_cost(two_tasks):
    catalog = trace_catalog(two_tasks)
    assert set(catalog.tasks) >= {"code", "prose"}
    for j, model in enumerate(two_tasks.models):
        entry = catalog.get(model)
        assert entry.provider == "trace"
        assert entry.estimate_cost() == pytest.approx(two_tasks.cost[:, j].mean())
    base = ModelCatalog([spec("coder", 0.5, provider="acme")])
    assert trace_catalog(two_tasks, base).get("coder").provider == "acme"


def test_cost_weight_factors():
    assert cost_weight_factors(0.25) == {"quality": 0.75, "cost": 0.25}
    with pytest.raises(ValueError, match="cost weight must be in"):
        cost_weight_factors(1.5)


async def test_the_hive_seam_steers_the_selector_every_n_requests():
    # Two identical models whose prior is their true quality (.5, exact in binary), so their
    # scores stay tied: the selector breaks the tie by id ('a'); the hive prefers 'b'.
    flat = flat_trace(100, models=("a", "b"))
    trace = Trace(
        name="twins", models=("a", "b"), tasks=("x",), prompt_ids=flat.prompt_ids,
        task_index=flat.task_index, quality=flat.quality, cost=np.ones((100, 2)),
    )  # fmt: skip
    base = ModelCatalog(spec(m, 1.0, quality_prior=0.5) for m in trace.models)
    votes: list[tuple[int, int]] = []

    class Hive:
        def __init__(self, ctx: PolicyContext) -> None:
            self.ctx = ctx

        def vote(self, snapshot: HiveSnapshot):
            votes.append((snapshot.step, snapshot.router.total_records()))
            return {"x": {"preferred_model": "b", "collective_approval": 1.0}}

    steered = hive_policy_spec(Hive, every=30)
    evaluation = await evaluate(
        trace,
        [POLICIES["selector"], steered],
        EvaluationConfig(weights=(0.5,), batch_size=10),
        catalog=base,
    )
    plain, with_hive = (names(trace, r.choices) for r in evaluation.runs)
    assert set(plain) == {"a"}
    assert with_hive[:30] == ["a"] * 30
    assert set(with_hive[30:]) == {"b"}
    # it votes before requests 30, 60 and 90, seeing the records written by then
    assert votes == [(30, 30), (60, 60), (90, 90)]


async def test_a_hive_vote_naming_an_unknown_model_is_refused():
    class Hive:
        def __init__(self, ctx: PolicyContext) -> None:
            pass

        def vote(self, snapshot: HiveSnapshot):
            return {"x": {"preferred_model": "zeta"}}

    with pytest.raises(KeyError, match="unknown model 'zeta'"):
        await evaluate(flat_trace(10), [hive_policy_spec(Hive, every=5)])
    with pytest.raises(ValueError, match="every N >= 1"):
        hive_policy_spec(Hive, every=0)


async def test_a_hive_of_agents_steers_the_selector_from_chosen_outcomes_only():
    from scenarios.evaluation.agents_voter import AgentsVoter, agents_hive_policy
    from scenarios.evaluation.bandit import EvaluationConfig

    seen: list[AgentsVoter] = []

    def voter(ctx):
        built = AgentsVoter(ctx, count=6)
        seen.append(built)
        return built

    one_weight = EvaluationConfig(weights=(0.2,))
    spec = agents_hive_policy(every=40)
    first = await evaluate(flat_trace(200), [spec], one_weight)
    again = await evaluate(flat_trace(200), [spec], one_weight)
    assert [r.choices.tolist() for r in first.runs] == [r.choices.tolist() for r in again.runs]
    await evaluate(flat_trace(200), [hive_policy_spec(voter, every=40)], one_weight)
    [hive] = seen
    # every served request reached exactly one agent (the last 40 after the final vote wait)
    assert sum(a.observed for a in hive.agents) + hive.waiting == 200
    assert hive.hive.vote("x", known_models=["a", "b", "c"]).n_ballots == 6
