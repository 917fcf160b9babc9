"""Replay with bandit feedback: unchosen outcomes stay hidden, records are real, seeds repeat."""

from __future__ import annotations

import dataclasses
import types

import numpy as np
import pytest

from scenarios.evaluation import (
    POLICIES,
    EvaluationConfig,
    PolicySpec,
    Request,
    Trace,
    TraceError,
    build_report,
    evaluate,
    load_trace,
    per_prompt_oracle,
    summarize,
    write_csv,
)
from scenarios.evaluation.policies import Outcome, PolicyContext
from selection import ConfigError, open_store

# -- bandit feedback ---------------------------------------------------------------------


def _walk(roots, max_depth=8):
    """Every object reachable from ``roots`` through attributes, slots and containers."""
    seen: set[int] = set()
    frontier = list(roots)
    for _ in range(max_depth):
        found: list[object] = []
        for obj in frontier:
            if id(obj) in seen or isinstance(
                obj, str | bytes | int | float | type | types.ModuleType | types.FunctionType
            ):
                continue
            seen.add(id(obj))
            yield obj
            if isinstance(obj, dict):
                found.extend(obj.keys())
                found.extend(obj.values())
            elif isinstance(obj, list | tuple | set | frozenset):
                found.extend(obj)
            if hasattr(obj, "__dict__"):
                found.extend(vars(obj).values())
            for cls in type(obj).__mro__:
                for slot in getattr(cls, "__slots__", ()):
                    if hasattr(obj, slot):
                        found.append(getattr(obj, slot))
        frontier = found


class Peeker:
    """An adversary: looks through everything it is handed for other models' outcomes.

    If it ever reaches a table of outcomes (the Trace, or an array of one value per prompt
    and model) it routes each prompt to the cheapest model that got it right, which would
    score exactly the per-prompt oracle. Otherwise it can only guess (round robin).
    """

    def __init__(self, ctx: PolicyContext, n_prompts: int) -> None:
        self.ctx = ctx
        self.n = n_prompts
        self.leaks: list[object] = []
        self.outcomes: list[Outcome] = []
        self.chosen: list[str] = []
        self.looked_at: set[str] = set()

    def _leaks(self, *roots: object) -> list[object]:
        reached = list(_walk(roots))
        self.looked_at.update(type(obj).__name__ for obj in reached)
        return [
            obj
            for obj in reached
            if isinstance(obj, Trace)
            or (isinstance(obj, np.ndarray) and obj.ndim == 2 and obj.shape[0] >= self.n)
        ]

    def choose(self, request: Request) -> str:
        # The request carries nothing but its position, prompt id and task.
        assert [f.name for f in dataclasses.fields(request)] == ["step", "prompt_id", "task"]
        self.leaks.extend(self._leaks(request, self.ctx, self.outcomes))
        for leak in self.leaks:
            if isinstance(leak, Trace):
                row = leak.prompt_ids.index(request.prompt_id)
                return leak.models[int(per_prompt_oracle(leak)[row])]
        model = self.ctx.model_ids[request.step % len(self.ctx.model_ids)]
        self.chosen.append(model)
        return model

    def observe(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)


async def test_a_peeking_policy_cannot_reach_unchosen_outcomes(gsm8k_slice):
    trace = load_trace(gsm8k_slice)
    peekers: list[Peeker] = []

    def build(ctx: PolicyContext) -> Peeker:
        peekers.append(Peeker(ctx, trace.n_prompts))
        return peekers[-1]

    evaluation = await evaluate(
        trace, [PolicySpec("peeker", build)], EvaluationConfig(weights=(0.5,), batch_size=7)
    )
    (peeker,) = peekers
    # It searched the core, the catalog and its outcomes; the core holds no path to the
    # tracker or the store...
    assert {"Router", "ModelCatalog", "ModelSpec", "Aggregate", "Outcome",
            "Generator"} <= peeker.looked_at  # fmt: skip
    assert not {"PerformanceTracker", "SqliteStore"} & peeker.looked_at
    # ...and found no table of outcomes.
    assert peeker.leaks == []
    # It was shown exactly one outcome per request: the chosen model's, with its true values.
    assert [o.model_id for o in peeker.outcomes] == peeker.chosen
    for o in peeker.outcomes:
        row = trace.prompt_ids.index(o.request.prompt_id)
        j = trace.models.index(o.model_id)
        assert (o.quality, o.cost) == (trace.quality[row, j], trace.cost[row, j])
    got = summarize(trace, evaluation.runs[0].choices, evaluation.order)
    oracle = summarize(trace, per_prompt_oracle(trace))
    assert got.quality < oracle.quality - 0.1


async def test_a_policy_that_could_peek_would_score_the_oracle(gsm8k_slice):
    # The contrast: the same adversary handed the trace (which the replay never does).
    trace = load_trace(gsm8k_slice)

    def build(ctx: PolicyContext) -> Peeker:
        peeker = Peeker(ctx, trace.n_prompts)
        peeker.leaks.append(trace)
        return peeker

    evaluation = await evaluate(trace, [PolicySpec("cheat", build)], EvaluationConfig())
    got = summarize(trace, evaluation.runs[0].choices, evaluation.order)
    assert got == summarize(trace, per_prompt_oracle(trace))


async def test_every_request_becomes_one_stored_record_of_the_chosen_model(tmp_path, two_tasks):
    config = EvaluationConfig(weights=(0.2,), batch_size=64, store_dir=tmp_path, shuffle=True)
    evaluation = await evaluate(two_tasks, [POLICIES["selector-thompson"]], config)
    (run,) = evaluation.runs
    async with open_store(f"sqlite:///{tmp_path / 'selector-thompson-00.db'}") as store:
        assert await store.count_records() == two_tasks.n_prompts
        records = await store.fetch_records(limit=two_tasks.n_prompts)
    for record in records:
        step = int(record.record_id)
        row, j = evaluation.order[step], run.choices[step]
        assert record.model_id == two_tasks.models[j]
        assert record.task_type == two_tasks.tasks[two_tasks.task_index[row]]
        assert record.quality_score == two_tasks.quality[row, j]
        assert record.cost == two_tasks.cost[row, j]


async def test_the_batch_size_is_the_feedback_delay(two_tasks):
    seen: list[int] = []

    class Counter:
        def __init__(self, ctx: PolicyContext) -> None:
            self.ctx = ctx

        def choose(self, request: Request) -> str:
            seen.append(self.ctx.selector.total_records())
            return self.ctx.model_ids[0]

        def observe(self, outcome: Outcome) -> None:
            pass

    await evaluate(two_tasks.take(range(250)), [PolicySpec("count", Counter)],
                   EvaluationConfig(batch_size=100))  # fmt: skip
    assert seen == [step // 100 * 100 for step in range(250)]


async def test_the_selector_learns_the_best_model_per_task(two_tasks):
    config = EvaluationConfig(weights=(0.0,), batch_size=50)
    evaluation = await evaluate(
        two_tasks, [POLICIES["selector"], POLICIES["selector-thompson"], POLICIES["random"]], config
    )
    report = build_report(evaluation)
    quality = {r.name: r.summary.quality for r in report.rows}
    per_task = quality["oracle-per-task"]
    assert quality["selector"] > per_task - 0.05
    assert quality["selector-thompson"] > per_task - 0.08
    assert quality["random"] < per_task - 0.15


async def test_same_seed_same_numbers_other_seed_other_numbers(tmp_path, two_tasks):
    policies = [POLICIES[n] for n in ("selector-thompson", "random", "cost-first")]
    trace = two_tasks.take(range(600))

    async def run(seed: int, folder: str) -> bytes:
        config = EvaluationConfig(weights=(0.0, 0.5), seed=seed, shuffle=True, batch_size=40)
        paths = write_csv(build_report(await evaluate(trace, policies, config)), tmp_path / folder)
        return b"".join(p.read_bytes() for p in paths)

    first = await run(7, "a")
    assert await run(7, "b") == first
    assert await run(8, "c") != first


async def test_a_policy_naming_an_unknown_model_is_refused(two_tasks):
    spec = PolicySpec("bad", lambda ctx: _Always("gpt-9"))
    with pytest.raises(ValueError, match="policy 'bad' chose 'gpt-9', which trace"):
        await evaluate(two_tasks.take(range(5)), [spec])


class _Always:
    def __init__(self, model: str) -> None:
        self.model = model

    def choose(self, request: Request) -> str:
        return self.model

    def observe(self, outcome: Outcome) -> None:
        pass


async def test_evaluate_refuses_bad_requests(tmp_path, two_tasks):
    trace = two_tasks.take(range(5))
    with pytest.raises(ValueError, match="needs latency"):
        await evaluate(trace, [POLICIES["latency-first"]])
    with pytest.raises(ValueError, match="policy names repeat"):
        await evaluate(trace, [POLICIES["random"], POLICIES["random"]])
    with pytest.raises(ValueError, match="give at least one policy"):
        await evaluate(trace, [])
    (tmp_path / "random-00.db").write_bytes(b"")
    with pytest.raises(ConfigError, match=r"random-00\.db exists"):
        await evaluate(trace, [POLICIES["random"]], EvaluationConfig(store_dir=tmp_path))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weights": ()}, "at least one cost weight"),
        ({"weights": (0.5, 1.5)}, "must be in \\[0, 1\\], got 1.5"),
        ({"weights": (0.5, 0.5)}, "cost weights repeat"),
        ({"batch_size": 0}, "batch_size must be >= 1"),
        ({"seed": -1}, "seed must be >= 0"),
    ],
)
def test_config_is_validated(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EvaluationConfig(**kwargs)


async def test_a_run_with_a_store_gives_the_numbers_of_a_run_without(tmp_path, two_tasks):
    policies = [POLICIES[n] for n in ("selector-thompson", "selector-shared", "cost-first")]
    trace = two_tasks.take(range(700))
    config = EvaluationConfig(weights=(0.0, 0.6), seed=3, shuffle=True, batch_size=30, budget=0.5)
    stored = await evaluate(trace, policies, dataclasses.replace(config, store_dir=tmp_path))
    memory = await evaluate(trace, policies, config)
    assert len(stored.runs) == len(memory.runs) == 7
    for a, b in zip(stored.runs, memory.runs, strict=True):
        assert (a.policy, a.weight, a.budget) == (b.policy, b.weight, b.budget)
        np.testing.assert_array_equal(a.choices, b.choices)


async def test_a_trace_value_no_record_can_hold_is_refused_before_any_run(two_tasks):
    trace = two_tasks.take(range(20))
    cost = trace.cost.copy()
    cost[7, 1] = 2e4  # USD per call: beyond what a performance record holds
    dear = dataclasses.replace(trace, cost=cost)
    with pytest.raises(TraceError, match=r"cost 20000\.0 is outside \[0, 10000\]") as caught:
        await evaluate(dear, [POLICIES["random"]])
    assert "performance record cannot hold it" in str(caught.value)
