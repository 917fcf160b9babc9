"""A rating given later with the request id amends the answer's record, counted once."""

from __future__ import annotations

import pytest

from selection.aggregates import Aggregate
from selection.completion import CompletionService
from selection.errors import InvalidRecordError
from selection.feedback import (
    amend_scores,
    check_ratings,
    rating_changes,
    record_or_amend,
)
from selection.judges import UserRatingJudge
from selection.providers import Message
from selection.records import METRIC_COLUMNS, PerformanceRecord
from tests.selection.completion.conftest import CLAUDE, GPT, QUALITY, TASK

ASK = [Message.user("What is a monad?")]


async def answered(manager, gateway, request_id: str = "rid") -> PerformanceRecord:
    svc = CompletionService.for_manager(manager, gateway, judge=UserRatingJudge())
    outcome = await svc.complete(TASK, ASK, QUALITY, request_id=request_id)
    assert outcome.record is not None
    return outcome.record


async def stored(manager, record_id: str):
    (found,) = [r for r in await manager.store.fetch_records() if r.record_id == record_id]
    return found


def rating(manager, performance, request_id="rid", model_id=GPT, task=TASK) -> PerformanceRecord:
    return PerformanceRecord.from_performance(
        model_id, task, performance, request_id=request_id, timestamp=manager.clock.now()
    )


async def test_a_later_user_rating_amends_the_answer_and_counts_once(manager, gateway):
    await answered(manager, gateway)
    tracker = manager.performance_tracker
    version = tracker.router.version(TASK)
    performance = {"user_rating": 0.9}

    changed = await record_or_amend(
        tracker, manager.store, rating(manager, performance), performance
    )

    assert changed
    assert (await stored(manager, "rid")).user_rating == 0.9
    assert await manager.store.count_records() == 1
    stats = tracker.stats(GPT, TASK)
    assert stats.records == 1
    assert (stats.n("user_rating"), stats.mean("user_rating")) == (1, 0.9)
    assert tracker.router.version(TASK) > version  # the selector's cached scores refresh


async def test_rating_again_replaces_the_old_value(manager, gateway):
    await answered(manager, gateway)
    tracker = manager.performance_tracker
    await amend_scores(tracker, manager.store, "rid", {"user_rating": 0.2, "quality_score": 0.4})

    amended = await amend_scores(tracker, manager.store, "rid", {"user_rating": 0.8})

    assert amended is not None
    assert (amended.model_id, amended.task_type) == (GPT, TASK)
    assert amended.old == {"user_rating": 0.2}
    assert amended.new == {"user_rating": 0.8}
    row = await stored(manager, "rid")
    assert (row.user_rating, row.quality_score) == (0.8, 0.4)
    stats = tracker.stats(GPT, TASK)
    assert (stats.n("user_rating"), stats.mean("user_rating")) == (1, pytest.approx(0.8))
    assert stats.mean("quality_score") == pytest.approx(0.4)
    # memory and database agree after the amendments
    (from_db,) = (await manager.store.aggregates(task=TASK)).values()
    assert from_db.total == pytest.approx(stats.total)
    assert from_db.count == stats.count


async def test_the_rating_lands_on_the_answer_not_on_failed_attempts(manager, gateway, fakes):
    fakes.openai.script(fakes.openai.errors["500"])
    await answered(manager, gateway)
    performance = {"user_rating": 1.0}

    await record_or_amend(
        manager.performance_tracker,
        manager.store,
        rating(manager, performance, model_id=CLAUDE),
        performance,
    )

    assert (await stored(manager, "rid")).user_rating == 1.0
    assert (await stored(manager, "rid#1")).user_rating is None
    assert manager.performance_tracker.stats(GPT, TASK).n("user_rating") == 0


async def test_a_rating_for_another_model_is_refused_and_changes_nothing(manager, gateway):
    await answered(manager, gateway)
    performance = {"user_rating": 0.3}
    with pytest.raises(InvalidRecordError, match="stored for another model or task type"):
        await record_or_amend(
            manager.performance_tracker,
            manager.store,
            rating(manager, performance, model_id=CLAUDE),
            performance,
        )
    assert (await stored(manager, "rid")).user_rating is None


async def test_a_full_performance_for_a_stored_id_is_not_counted_twice(manager, gateway):
    await answered(manager, gateway)
    performance = {"user_rating": 0.3, "response_time_ms": 100.0}

    changed = await record_or_amend(
        manager.performance_tracker, manager.store, rating(manager, performance), performance
    )

    assert not changed
    assert (await stored(manager, "rid")).user_rating is None
    assert manager.performance_tracker.stats(GPT, TASK).records == 1


async def test_a_rating_for_an_unknown_id_is_a_new_record(manager):
    performance = {"user_rating": 0.7}
    changed = await record_or_amend(
        manager.performance_tracker, manager.store, rating(manager, performance, "new"), performance
    )
    assert changed
    assert (await stored(manager, "new")).user_rating == 0.7


async def test_amending_an_unknown_id_changes_nothing(manager):
    assert (
        await amend_scores(manager.performance_tracker, manager.store, "nope", {"user_rating": 1})
        is None
    )


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ({}, "no rating given"),
        ({"cost": 0.1}, "cost: cannot be amended later"),
        ({"user_rating": 1.5}, "user_rating: must be in \\[0, 1\\]"),
        ({"user_rating": True}, "must be a number"),
        ({"quality_score": "high"}, "must be a number"),
    ],
)
def test_check_ratings_names_what_is_wrong(scores, message):
    with pytest.raises(InvalidRecordError, match=message):
        check_ratings(scores)


def test_rating_changes_only_for_rating_only_performances():
    assert rating_changes({"user_rating": 0.5, "timestamp": None}) == {"user_rating": 0.5}
    assert rating_changes({"quality_score": 1, "user_rating": None}) == {"quality_score": 1.0}
    assert rating_changes({"user_rating": 0.5, "cost": 0.01}) is None
    assert rating_changes({}) is None


def test_replace_swaps_one_value():
    def rated(value: float) -> list[float | None]:
        return [value if column == "user_rating" else None for column in METRIC_COLUMNS]

    agg = Aggregate()
    agg.add(rated(0.2), False)
    agg.add(rated(0.6), False)
    agg.replace("user_rating", 0.2, 1.0)
    assert agg.mean("user_rating") == pytest.approx(0.8)
    assert agg.n("user_rating") == 2
    agg.replace("user_rating", 0.6, None)
    assert (agg.n("user_rating"), agg.mean("user_rating")) == (1, pytest.approx(1.0))
    assert agg.variance("user_rating") is None
    assert agg.records == 2
