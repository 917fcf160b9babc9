"""The live home: an agent fed, from a real SQLite store, the records of the calls it handled."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from agents import HANDLED_BY, PERSONAS, BeliefConfig, GenesisAgent, StoreFeed
from selection import ModelCatalog, PerformanceTracker, Router, SimClock, open_store
from tests.agents._calls import CLEAR_EYES, T0, TASK, belief

CHEAP, DEAR = "openrouter/mixtral-8x7b", "openrouter/claude-3-opus"


def handled(agent_id: str, model: str, quality: float, *, task: str = TASK) -> dict[str, object]:
    return {
        "model_id": model,
        "task_type": task,
        "quality_score": quality,
        "cost": 0.001,
        "response_time_ms": 900,
        "context_data": {HANDLED_BY: agent_id, "session": "s-1"},
    }


def engineer(agent_id: str = "eng-1") -> GenesisAgent:
    return GenesisAgent(
        agent_id,
        PERSONAS["critic"],
        rng=np.random.default_rng(0),
        perception=CLEAR_EYES,
        beliefs=BeliefConfig(decay=0.8),
    )


async def test_feed_observes_only_its_own_calls_oldest_first_each_once(sqlite_url: str) -> None:
    clock = SimClock(T0)
    async with open_store(sqlite_url) as store:
        tracker = PerformanceTracker(store, Router(ModelCatalog.default(), clock=clock))
        agent = engineer()
        feed = StoreFeed.from_tracker(agent, tracker, task=TASK)
        assert await feed.pull() == 0
        # The agent's calls of DEAR were excellent, then fell off; another agent's were awful.
        for quality in [0.95] * 10 + [0.3] * 10:
            clock.advance(60)
            await tracker.record(handled("eng-1", DEAR, quality))
            await tracker.record(handled("other", DEAR, 0.0))
        await tracker.record(handled("eng-1", CHEAP, 0.6, task="humor_generation"))
        assert await feed.pull() == 20
        assert (
            belief(agent, DEAR) < 0.45
        )  # fed in time order it knows of the fall (newest first: ~0.78)
        assert await feed.pull() == 0  # nothing new: nothing fed twice
        # A call stamped at the very same instant as the last one pulled still arrives once.
        await tracker.record(handled("eng-1", CHEAP, 0.7))
        assert await feed.pull() == 1
        assert await feed.pull() == 0
        clock.advance(timedelta(minutes=5))
        await tracker.record(handled("eng-1", CHEAP, 0.75))
        assert await feed.pull() == 1
        assert agent.observed == 22
        assert agent.ballot(TASK).ranking == (CHEAP, DEAR)


async def test_watching_all_traffic_and_all_tasks(sqlite_url: str) -> None:
    clock = SimClock(T0)
    async with open_store(sqlite_url) as store:
        tracker = PerformanceTracker(store, Router(ModelCatalog.default(), clock=clock))
        await tracker.record_many(
            [
                handled("a", CHEAP, 0.7),
                handled("b", DEAR, 0.9),
                handled("b", DEAR, 0.8, task="humor_generation"),
            ]
        )
        watcher = engineer("watcher")
        assert await StoreFeed(watcher, store, handled_only=False).pull() == 3
        assert set(watcher.tasks) == {TASK, "humor_generation"}
        late = StoreFeed(engineer("late"), store, handled_only=False, since=T0 + timedelta(hours=1))
        assert await late.pull() == 0


async def test_a_pull_that_fills_its_limit_warns(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    clock = SimClock(T0)
    async with open_store(sqlite_url) as store:
        tracker = PerformanceTracker(store, Router(ModelCatalog.default(), clock=clock))
        for _ in range(5):
            clock.advance(1)
            await tracker.record(handled("a", CHEAP, 0.7))
        agent = engineer("a")
        assert await StoreFeed(agent, store, limit=3).pull() == 3
        assert "fetched its limit of 3 records" in caplog.text
    with pytest.raises(ValueError, match="limit"):
        StoreFeed(agent, store, limit=0)
