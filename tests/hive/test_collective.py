"""A hive consensus, straight from hive.consensus.aggregate, adjusts the real selector."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

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


class _Reporter:
    def __init__(self, agent_id: str, report: dict[str, tuple[float, float]]) -> None:
        from agents import Reputation, ReputationConfig

        self.agent_id = agent_id
        self._report = report
        self.credibility = Reputation(ReputationConfig(learning_rate=1.0))  # as GenesisAgent's

    def quality_report(self, task: str) -> dict[str, tuple[float, float]]:
        return self._report

    def settle_report(self, task: str, jury: dict[str, float]) -> float | None:
        from agents import report_agreement

        score = report_agreement(self._report, jury)
        if score is not None:
            self.credibility.reward(score)
        return score


def test_hive_evidence_pools_by_weighted_median_or_mean():
    from hive import HiveMind

    agents = [
        _Reporter("x", {"m": (0.2, 1.0)}),
        _Reporter("y", {"m": (0.5, 1.0)}),
        _Reporter("z", {"m": (0.9, 3.0), "n": (0.4, 2.0)}),
    ]
    hive = HiveMind(agents)  # type: ignore[arg-type]
    # weights 1, 1, 3 in value order: half of 5 is first reached at 0.9
    assert hive.evidence("t") == {"m": (0.9, 5.0), "n": (0.4, 2.0)}
    mean = hive.evidence("t", pooling="mean", weight=2.0)
    assert mean["m"] == (pytest.approx((0.2 + 0.5 + 2.7) / 5), 10.0)


def test_a_minority_of_shills_cannot_move_the_median():
    from hive import HiveMind

    honest = [_Reporter(f"h{i}", {"m": (0.6 + 0.01 * i, 1.0)}) for i in range(7)]
    shills = [_Reporter(f"s{i}", {"m": (1.0, 1.0)}) for i in range(3)]
    hive = HiveMind([*honest, *shills])  # type: ignore[list-item]
    assert hive.evidence("t")["m"][0] <= 0.66
    assert hive.evidence("t", pooling="mean")["m"][0] > 0.7


def test_report_agreement_by_hand():
    from agents import report_agreement

    # |0.7 - 0.8| * 1 + |0.5 - 0.8| * 3 over 4 calls = 0.25; tolerance 0.5: 1 - 2 * 0.5 = 0
    report = {"m": (0.7, 1.0), "n": (0.5, 3.0), "unjudged": (0.1, 9.0)}
    assert report_agreement(report, {"m": 0.8, "n": 0.8}, tolerance=0.5) == pytest.approx(0.0)
    assert report_agreement({"m": (0.8, 2.0)}, {"m": 0.8}) == 1.0
    assert report_agreement({"m": (0.0, 2.0)}, {"m": 0.8}) == -1.0
    assert report_agreement({"m": (0.5, 2.0)}, {"other": 0.8}) is None
    with pytest.raises(ValueError, match="tolerance"):
        report_agreement({"m": (0.5, 1.0)}, {"m": 0.5}, tolerance=0.0)


def test_jury_discredits_shills_until_the_evidence_is_honest():
    from hive import HiveMind

    # Four liars rate m perfect and n useless; six honest raters roughly agree on both.
    honest = [_Reporter(f"h{i}", {"m": (0.6 + 0.01 * i, 2.0), "n": (0.8, 2.0)}) for i in range(6)]
    shills = [_Reporter(f"s{i}", {"m": (1.0, 2.0), "n": (0.0, 2.0)}) for i in range(4)]
    hive = HiveMind([*honest, *shills])  # type: ignore[list-item]
    before = hive.evidence("t", pooling="mean", credible=True)
    scores = hive.settle_reports("t")
    assert all(scores[a.agent_id] < 0 for a in shills)
    assert all(scores[a.agent_id] > 0 for a in honest)
    for _ in range(4):
        hive.settle_reports("t")
    assert all(a.credibility.weight == a.credibility.config.min_weight for a in shills)
    after = hive.evidence("t", pooling="mean")
    # Even a mean, once weighted by credibility, is pulled back toward the honest view...
    assert abs(after["m"][0] - 0.625) < abs(before["m"][0] - 0.625) / 5
    assert after["n"][0] > 0.75
    # ...and the liars' calls hardly count toward what the evidence is worth.
    assert after["m"][1] == pytest.approx(12.0 + 8 * 0.05)
    # Without credibility the same reports weigh as cast.
    assert hive.evidence("t", pooling="mean", credible=False)["n"][0] == pytest.approx(0.48)
