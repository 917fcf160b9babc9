"""A hive consensus, straight from hive.consensus.aggregate, adjusts the real selector."""

from __future__ import annotations

from datetime import UTC, datetime

from agents import Ballot
from hive.consensus import aggregate
from selection import DynamicModelManager, SimClock


async def test_a_consensus_object_adjusts_and_is_stored(sqlite_url):
    task = "creative_generation"
    models = ["openrouter/gpt-4-turbo", "openrouter/llama-3-70b", "openrouter/mixtral-8x7b"]
    ballots = [
        Ballot(voter=f"agent-{i}", task=task, ranking=models if i % 4 else models[::-1])
        for i in range(20)
    ]
    consensus = aggregate(ballots, "schulze", known_models=models)
    assert consensus.preferred_model == "openrouter/gpt-4-turbo"
    async with DynamicModelManager(
        sqlite_url, clock=SimClock(datetime(2026, 1, 1, tzinfo=UTC))
    ) as manager:
        result = await manager.model_selector.update_recommendations_from_collective_intelligence(
            consensus
        )
        evidence = result[task].expected_performance["collective"]
        assert evidence["preferred_model"] == "openrouter/gpt-4-turbo"
        assert evidence["collective_approval"] == consensus.collective_approval
        assert evidence["evidence"]["method"] == "schulze"
        stored = await manager.store.latest_recommendations()
        assert stored[task].expected_performance["collective"] == evidence
        assert consensus.insight in stored[task].reasoning


async def test_models_the_hive_never_judged_are_not_held_back(sqlite_url):
    from selection import ModelCatalog, ModelSpec

    def spec(model_id: str) -> ModelSpec:
        return ModelSpec(
            id=model_id,
            provider="t",
            input_cost_per_1k_tokens=0.001,
            output_cost_per_1k_tokens=0.001,
            context_length=8000,
        )

    task = "logical_reasoning"
    catalog = ModelCatalog([spec("old"), spec("other")])
    ballots = [Ballot(voter=f"a{i}", task=task, ranking=["old", "other"]) for i in range(5)]
    consensus = aggregate(ballots, "borda")  # nobody has seen "new" yet
    async with DynamicModelManager(
        sqlite_url, catalog=catalog, clock=SimClock(datetime(2026, 1, 1, tzinfo=UTC))
    ) as manager:
        catalog.add(spec("new"))  # released after the vote
        await manager.model_selector.update_recommendations_from_collective_intelligence(consensus)
        table = manager.model_selector.score_table(task, {"quality": 1})
        scores = dict(zip(table.model_ids, table.scores, strict=True))
        assert scores["new"] == scores["old"] > scores["other"]  # judged worse: no bonus
