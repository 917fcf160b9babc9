"""Forgetting after a change: no false alarm in a steady stream, a drift and an outage found
within a bucket or two, and the detector's state rebuilt from SQL equal to memory's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from selection import ModelCatalog, PerformanceRecord, PerformanceTracker, Router, names, open_store
from selection.change import FORGET_MODES, ChangeDetector, bucket_of, buckets_from_records

T0 = datetime(2026, 3, 1, tzinfo=UTC)
SONNET = "openrouter/claude-3-sonnet"
MIXTRAL = "openrouter/mixtral-8x7b"
TASK = "logical_reasoning"
OTHER = "creative_generation"


def stream(
    hours: int,
    *,
    seed: int,
    per_hour: int = 30,
    quality=lambda hour: 0.8,
    error_rate=lambda hour: 0.02,
    model: str = SONNET,
    task: str = TASK,
    start: int = 0,
) -> list[PerformanceRecord]:
    """``per_hour`` records an hour of one model on one task, quality N(q, 0.1) clipped."""
    rng = np.random.default_rng(seed)
    out = []
    for hour in range(hours):
        for j in range(per_hour):
            failed = bool(rng.random() < error_rate(hour))
            q = None if failed else float(np.clip(rng.normal(quality(hour), 0.1), 0, 1))
            out.append(
                PerformanceRecord(
                    record_id=f"{model}/{task}/{seed}/{start + hour}/{j}",
                    model_id=model,
                    task_type=task,
                    quality_score=q,
                    response_time_ms=float(rng.lognormal(7, 0.3)),
                    cost=0.001,
                    error_occurred=failed,
                    error_type="server_error" if failed else None,
                    timestamp=T0 + timedelta(hours=start + hour, seconds=j * 100),
                )
            )
    return out


def absorbed(records: list[PerformanceRecord], **options) -> Router:
    router = Router(ModelCatalog.default(), forget="change", **options)
    for hour_start in range(0, len(records), 30):
        router.absorb(records[hour_start : hour_start + 30])
    return router


@pytest.mark.parametrize("seed", range(5))
def test_a_steady_stream_raises_no_alarm_and_scores_read_the_all_time_sums(seed):
    records = stream(200, seed=seed)
    router = absorbed(records)
    detector = router.change_detector
    assert detector is not None
    assert detector.changes(TASK) == {}
    assert router.scored_stats(TASK)[SONNET] is router.task_stats(TASK)[SONNET]
    # bit for bit the choices of a router that never forgets
    never = Router(ModelCatalog.default())
    never.absorb(records)
    ours, theirs = router.recommend(TASK), never.recommend(TASK)
    assert ours.model_dump(exclude={"timestamp", "id"}) == theirs.model_dump(
        exclude={"timestamp", "id"}
    )


def test_a_quality_drift_is_found_at_its_bucket_and_the_history_before_it_dropped():
    records = stream(100, seed=3, quality=lambda hour: 0.8 if hour < 60 else 0.6)
    router = absorbed(records)
    detector = router.change_detector
    assert detector is not None
    assert detector.changes(TASK) == {SONNET: 1}
    assert detector.changed_since(SONNET, TASK) == T0 + timedelta(hours=60)
    scored = router.scored_stats(TASK)[SONNET]
    # the 40 hours since the change, aged by a 6 h half-life bucket by bucket
    weights = [0.5 ** (age / 6) for age in range(40)]
    assert scored.records == pytest.approx(30 * sum(weights))
    assert scored.mean("quality_score") == pytest.approx(0.6, abs=0.02)
    assert router.stats(SONNET, TASK).records == 3000  # the all-time sums stay all-time


def test_an_outage_and_its_recovery_are_both_changes():
    records = stream(60, seed=4, error_rate=lambda hour: 0.9 if 20 <= hour < 35 else 0.01)
    detector = absorbed(records).change_detector
    assert detector is not None
    assert detector.changes(TASK) == {SONNET: 2}
    assert detector.changed_since(SONNET, TASK) == T0 + timedelta(hours=35)


def test_a_sparse_pair_pools_buckets_into_its_window():
    # two records an hour: the window takes the last five buckets to hold ten records
    records = stream(80, seed=5, per_hour=2, quality=lambda hour: 0.85 if hour < 50 else 0.35)
    router = Router(ModelCatalog.default(), forget="change")
    router.absorb(records)
    detector = router.change_detector
    assert detector is not None
    assert detector.changes(TASK) == {SONNET: 1}
    since = detector.changed_since(SONNET, TASK)
    assert since is not None
    # the pooled window starts at most its five buckets before the change, at most five after
    assert T0 + timedelta(hours=45) <= since <= T0 + timedelta(hours=55)


def test_loading_per_bucket_sums_equals_absorbing_the_records():
    records = stream(90, seed=6, quality=lambda h: 0.8 if h < 40 else 0.65)
    records += stream(90, seed=7, model=MIXTRAL, error_rate=lambda h: 0.5 if h > 70 else 0.02)
    records += stream(50, seed=8, task=OTHER, start=30)
    records.sort(key=lambda r: r.timestamp or T0)
    memory = ChangeDetector(4.0)
    for start in range(0, len(records), 45):
        memory.absorb(records[start : start + 45])
    rebuilt = ChangeDetector(4.0)
    rebuilt.load(buckets_from_records(records, 3600))
    assert_same_state(rebuilt.state(), memory.state())
    assert memory.changes(TASK) == {SONNET: 1, MIXTRAL: 1}


def assert_same_state(found: dict, expected: dict) -> None:
    assert found.keys() == expected.keys()
    for key, want in expected.items():
        since, changes, history, closed, open_, regime, anchor = found[key]
        assert (since, changes, anchor) == (want[0], want[1], want[6]), key
        assert history == pytest.approx(want[2], rel=1e-9, abs=1e-9), key
        assert [b for b, _ in closed] == [b for b, _ in want[3]], key
        for (_, a), (_, b) in zip(closed, want[3], strict=True):
            assert a == pytest.approx(b, rel=1e-9, abs=1e-9), key
        assert (open_ is None) == (want[4] is None), key
        if open_ is not None:
            assert open_[0] == want[4][0]
            assert open_[1] == pytest.approx(want[4][1], rel=1e-9, abs=1e-9), key
        assert (regime is None) == (want[5] is None), key
        if regime is not None:
            assert regime == pytest.approx(want[5], rel=1e-9, abs=1e-9), key


async def test_the_detector_after_a_restart_equals_memory(store_url):
    records = stream(70, seed=9, quality=lambda h: 0.8 if h < 30 else 0.55)
    records += stream(70, seed=10, model=MIXTRAL, task=OTHER)
    # a record a microsecond before an hour's end and one at its start: the same buckets in SQL
    edge = records[0].model_copy(
        update={"record_id": "edge-", "timestamp": T0 + timedelta(hours=69, microseconds=-1)}
    )
    records.append(edge)
    records.sort(key=lambda r: r.timestamp or T0)
    async with open_store(store_url) as store:
        before = PerformanceTracker(store, Router(ModelCatalog.default(), forget="change"))
        await before.start()
        for start in range(0, len(records), 50):
            await before.record_many(records[start : start + 50])
        rated = records[-5]
        await before.amend(rated.record_id, quality_score=0.5)
    detector = before.router.change_detector
    assert detector is not None
    assert detector.changes(TASK) == {SONNET: 1}
    async with open_store(store_url) as store:
        after = PerformanceTracker(store, Router(ModelCatalog.default(), forget="change"))
        await after.start()
    rebuilt = after.router.change_detector
    assert rebuilt is not None
    assert_same_state(rebuilt.state(), detector.state())
    for task in (TASK, OTHER):
        a, b = before.router.score_table(task), after.router.score_table(task)
        assert a.model_ids == b.model_ids
        np.testing.assert_allclose(a.scores, b.scores, rtol=1e-9)


def test_the_command_line_offers_every_forget_mode():
    assert names.FORGET_MODES == FORGET_MODES


def test_buckets_are_whole_seconds_floor_divided():
    assert bucket_of(T0, 3600) * 3600 == int(T0.timestamp())
    assert bucket_of(T0 - timedelta(microseconds=1), 3600) == bucket_of(T0, 3600) - 1
    assert bucket_of(T0.replace(tzinfo=None), 3600) == bucket_of(T0, 3600)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: Router(ModelCatalog.default(), forget="sometimes"),  # type: ignore[arg-type]
            "forget must be one of",
        ),
        (
            lambda: Router(ModelCatalog.default(), forget="never", half_life_hours=6),
            "disagree",
        ),
        (lambda: Router(ModelCatalog.default(), forget="half-life"), "disagree"),
        (lambda: ChangeDetector(bucket_seconds=0), "bucket_seconds must be positive"),
        (lambda: ChangeDetector(-1.0), "half_life_hours must be a positive number"),
        (lambda: Router(ModelCatalog.default(), forget="change").load({}), "forget="),
    ],
)
def test_bad_settings_are_refused_by_name(make, message):
    with pytest.raises(ValueError, match=message):
        make()
