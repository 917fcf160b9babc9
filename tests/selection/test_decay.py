"""Forgetting: time-decayed sums, checked against weights computed independently with numpy,
and rebuilt from SQL after a restart on SQLite and on PostgreSQL."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from selection import ModelCatalog, PerformanceRecord, PerformanceTracker, Router, open_store
from selection.decay import DecayedSums
from selection.metrics import METRIC_COLUMNS

T0 = datetime(2026, 3, 1, tzinfo=UTC)
SONNET = "openrouter/claude-3-sonnet"
MIXTRAL = "openrouter/mixtral-8x7b"
TASK = "logical_reasoning"
OTHER = "creative_generation"


def record(i: int, *, model: str, task: str, at: datetime, quality: float | None, ms: float,
           error: bool = False) -> PerformanceRecord:  # fmt: skip
    return PerformanceRecord(
        record_id=f"r{i}",
        model_id=model,
        task_type=task,
        quality_score=quality,
        response_time_ms=ms,
        cost=0.001 * (1 + i % 3),
        error_occurred=error,
        error_type="server_error" if error else None,
        timestamp=at,
    )


def random_records(n: int, seed: int) -> list[PerformanceRecord]:
    """Records over three days, out of time order, some failed, some without a quality."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        at = T0 + timedelta(seconds=float(rng.uniform(0, 3 * 86400)), microseconds=int(i))
        failed = bool(rng.random() < 0.1)
        quality = None if failed or rng.random() < 0.2 else round(float(rng.uniform(0, 1)), 6)
        out.append(
            record(
                i,
                model=(SONNET, MIXTRAL)[i % 2],
                task=(TASK, OTHER)[i % 3 == 0],
                at=at,
                quality=quality,
                ms=float(rng.lognormal(7, 0.5)),
                error=failed,
            )
        )
    return out


def expected_sums(records: list[PerformanceRecord], half_life_hours: float) -> dict:
    """Per (model, task): weighted record count, error count, and per column (n, sum, sum sq),
    each record weighed 0.5 ** (age / half-life) from its task's latest record."""
    anchors: dict[str, datetime] = {}
    for r in records:
        assert r.timestamp is not None
        anchors[r.task_type] = max(anchors.get(r.task_type, r.timestamp), r.timestamp)
    out: dict[tuple[str, str], dict[str, float]] = {}
    for r in records:
        assert r.timestamp is not None
        age_h = (anchors[r.task_type] - r.timestamp) / timedelta(hours=1)
        w = 0.5 ** (age_h / half_life_hours)
        sums = out.setdefault((r.model_id, r.task_type), {"records": 0.0, "errors": 0.0})
        sums["records"] += w
        sums["errors"] += w * r.error_occurred
        for column, value in zip(METRIC_COLUMNS, r.metric_values(), strict=True):
            if value is not None:
                sums[f"n:{column}"] = sums.get(f"n:{column}", 0.0) + w
                sums[f"s:{column}"] = sums.get(f"s:{column}", 0.0) + w * value
                sums[f"q:{column}"] = sums.get(f"q:{column}", 0.0) + w * value * value
    return out


def assert_sums_match(found, expected: dict) -> None:
    assert set(found) == set(expected)
    for key, want in expected.items():
        agg = found[key]
        assert agg.records == pytest.approx(want["records"], rel=1e-9), key
        assert agg.errors == pytest.approx(want["errors"], rel=1e-9, abs=1e-12), key
        for i, column in enumerate(METRIC_COLUMNS):
            assert agg.count[i] == pytest.approx(want.get(f"n:{column}", 0.0), rel=1e-9, abs=1e-12)
            assert agg.total[i] == pytest.approx(want.get(f"s:{column}", 0.0), rel=1e-9, abs=1e-9)
            assert agg.total_sq[i] == pytest.approx(
                want.get(f"q:{column}", 0.0), rel=1e-9, abs=1e-9
            )


def test_a_record_one_half_life_old_counts_half():
    sums = DecayedSums(6.0)
    sums.absorb([record(0, model=SONNET, task=TASK, at=T0, quality=1.0, ms=100)])
    sums.absorb([record(1, model=MIXTRAL, task=TASK, at=T0 + timedelta(hours=6), quality=0.0,
                        ms=100)])  # fmt: skip
    assert sums.task_sums(TASK)[SONNET].records == pytest.approx(0.5)
    assert sums.task_sums(TASK)[MIXTRAL].records == pytest.approx(1.0)
    # a late record (older than the anchor) comes in at its own, smaller weight
    sums.absorb([record(2, model=SONNET, task=TASK, at=T0 - timedelta(hours=6), quality=1.0,
                        ms=100)])  # fmt: skip
    assert sums.task_sums(TASK)[SONNET].records == pytest.approx(0.75)
    assert sums.anchor(TASK) == T0 + timedelta(hours=6)


def test_each_task_ages_on_its_own_records():
    sums = DecayedSums(1.0)
    sums.absorb([record(0, model=SONNET, task=TASK, at=T0, quality=0.5, ms=100)])
    sums.absorb([record(1, model=SONNET, task=OTHER, at=T0 + timedelta(hours=10), quality=0.5,
                        ms=100)])  # fmt: skip
    assert sums.task_sums(TASK)[SONNET].records == 1.0


@pytest.mark.parametrize("batch", [1, 7, 500])
def test_decayed_sums_equal_weights_computed_independently(batch):
    records = random_records(500, seed=batch)
    sums = DecayedSums(5.0)
    for start in range(0, len(records), batch):
        sums.absorb(records[start : start + batch])
    found = {(m, t): agg for t in (TASK, OTHER) for m, agg in sums.task_sums(t).items()}
    assert_sums_match(found, expected_sums(records, 5.0))


@pytest.mark.parametrize("bad", [0, -1.0, math.inf, math.nan, True, "24"])
def test_a_bad_half_life_is_refused_by_name(bad):
    with pytest.raises(ValueError, match="half_life_hours"):
        Router(ModelCatalog.default(), half_life_hours=bad)


def test_without_a_half_life_scores_read_the_all_time_sums():
    router = Router(ModelCatalog.default())
    router.absorb([record(0, model=SONNET, task=TASK, at=T0, quality=0.9, ms=100)])
    assert router.half_life_hours is None
    assert router.scored_stats(TASK) is router.task_stats(TASK)
    assert router.decay_anchor(TASK) is None


def test_loading_without_decayed_sums_is_refused_when_forgetting():
    router = Router(ModelCatalog.default(), half_life_hours=24)
    with pytest.raises(ValueError, match="forgetting is on"):
        router.load({})
    with pytest.raises(ValueError, match="timestamp"):
        router.amend(SONNET, TASK, {"quality_score": 0.5}, {"quality_score": 0.7})


def test_forgetting_moves_the_estimate_to_recent_evidence():
    old = [record(i, model=SONNET, task=TASK, at=T0 + timedelta(minutes=i), quality=0.9, ms=500)
           for i in range(200)]  # fmt: skip
    new = [record(1000 + i, model=SONNET, task=TASK, at=T0 + timedelta(hours=48, minutes=i),
                  quality=0.3, ms=500) for i in range(50)]  # fmt: skip
    forgetting, remembering = (
        Router(ModelCatalog.default(), half_life_hours=6),
        Router(ModelCatalog.default()),
    )
    for router in (forgetting, remembering):
        router.absorb(old)
        router.absorb(new)
    recent = forgetting.scored_stats(TASK)[SONNET].mean("quality_score")
    all_time = remembering.scored_stats(TASK)[SONNET].mean("quality_score")
    assert all_time == pytest.approx((200 * 0.9 + 50 * 0.3) / 250)
    assert recent is not None
    assert recent < 0.32  # 48 h = 8 half-lives: the old weigh 1/256
    assert forgetting.stats(SONNET, TASK).records == 250  # the all-time sums stay all-time


async def test_decayed_sums_after_a_restart_equal_a_recomputation_from_sql(store_url):
    records = random_records(400, seed=11)
    half_life = 7.5
    async with open_store(store_url) as store:
        before = PerformanceTracker(
            store, Router(ModelCatalog.default(), half_life_hours=half_life)
        )
        await before.start()
        for start in range(0, len(records), 37):
            await before.record_many(records[start : start + 37])
        # a rating given later, applied at the record's own weight
        rated = next(r for r in records if r.quality_score is not None and not r.error_occurred)
        await before.amend(rated.record_id, quality_score=0.123)
        amended = [
            r.model_copy(update={"quality_score": 0.123}) if r.record_id == rated.record_id else r
            for r in records
        ]
        expected = expected_sums(amended, half_life)
        memory = {
            (m, t): a for t in (TASK, OTHER) for m, a in before.router.scored_stats(t).items()
        }
        assert_sums_match(memory, expected)

    async with open_store(store_url) as store:
        after = PerformanceTracker(store, Router(ModelCatalog.default(), half_life_hours=half_life))
        await after.start()
        rebuilt = {
            (m, t): a for t in (TASK, OTHER) for m, a in after.router.scored_stats(t).items()
        }
        assert_sums_match(rebuilt, expected)
        for task in (TASK, OTHER):
            assert after.router.decay_anchor(task) == before.router.decay_anchor(task)
        # and the restarted router scores exactly as the one that saw every record
        for task in (TASK, OTHER):
            a = before.router.score_table(task)
            b = after.router.score_table(task)
            assert a.model_ids == b.model_ids
            np.testing.assert_allclose(a.scores, b.scores, rtol=1e-9)


async def test_a_record_late_in_its_second_ages_to_the_microsecond_after_a_restart(store_url):
    # SQLite's strftime('%s') of a whole timestamp rounds .9995 s and later up to the next second
    rng = np.random.default_rng(5)
    records = [  # two minutes of records, every other one late in its second
        record(i, model=(SONNET, MIXTRAL)[i % 2], task=(TASK, OTHER)[i % 3 == 0],
               at=T0 + timedelta(seconds=2 * i, microseconds=(i % 2) * 999_700),
               quality=round(float(rng.uniform(0, 1)), 6), ms=float(rng.lognormal(7, 0.5)))
        for i in range(60)
    ]  # fmt: skip
    half_life = 0.01  # 36 s: one second off would move a weight by about 2%
    async with open_store(store_url) as store:
        before = PerformanceTracker(
            store, Router(ModelCatalog.default(), half_life_hours=half_life)
        )
        await before.start()
        await before.record_many(records)
    expected = expected_sums(records, half_life)
    async with open_store(store_url) as store:
        after = PerformanceTracker(store, Router(ModelCatalog.default(), half_life_hours=half_life))
        await after.start()
        rebuilt = {
            (m, t): a for t in (TASK, OTHER) for m, a in after.router.scored_stats(t).items()
        }
        assert_sums_match(rebuilt, expected)
