"""The metric registry agrees with both stores' schemas, with the seed and with every table
derived from it."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from selection import OBJECTIVES, Direction, Metric, MetricKind, PerformanceRecord, open_store
from selection.abtest.config import METRIC_NAMES
from selection.abtest.config import higher_is_better as ab_higher_is_better
from selection.feedback import RATING_COLUMNS
from selection.metrics import (
    METRIC_COLUMNS,
    REGISTRY,
    SCORE_COLUMNS,
    column_range,
    higher_is_better,
    metric_spec,
)
from selection.priorities import normalise_priorities
from selection.tracker import RANKED_STATISTICS

STORED = [m for m in REGISTRY if m.sql is not None]


async def test_every_metric_column_exists_in_sqlite_with_its_type(sqlite_url):
    async with open_store(sqlite_url):
        pass  # opening creates the schema
    path = sqlite_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        declared = {
            row[1]: row[2] for row in conn.execute("PRAGMA table_info(model_performance_records)")
        }
    for m in STORED:
        assert m.sql is not None
        assert declared.get(m.column) == m.sql.sqlite, m.column


@pytest.mark.postgres
async def test_every_metric_column_exists_in_postgres_with_its_type(pg_url):
    async with open_store(pg_url):
        pass
    with psycopg.connect(pg_url) as conn:
        declared: dict[str, str] = dict(
            conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema() "
                "AND table_name = 'model_performance_records'"
            ).fetchall()
        )
        for m in STORED:
            assert m.sql is not None
            assert declared.get(m.column) == m.sql.postgres.lower(), m.column
            # The COPY type names the same PostgreSQL type as the column's declaration.
            same = conn.execute(
                "SELECT %s::regtype = %s::regtype", (m.sql.postgres, m.sql.copy)
            ).fetchone()
            assert same == (True,), m.column


def test_metric_columns_are_the_records_numeric_fields_in_order():
    fields = list(PerformanceRecord.model_fields)
    assert [c for c in fields if c in METRIC_COLUMNS] == list(METRIC_COLUMNS)
    record = PerformanceRecord(
        model_id="m", task_type="t", response_time_ms=1.0, token_count_input=2,
        token_count_output=3, cost=4.0, quality_score=0.1, consciousness_score=0.2,
        creativity_score=0.3, accuracy_score=0.4, reasoning_depth_score=0.5,
        humor_score=0.6, user_rating=0.7,
    )  # fmt: skip
    assert record.metric_values() == (1.0, 2, 3, 4.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


def test_directions_agree_with_the_seed():
    # The seed maximises quality, cost efficiency, speed and consciousness coherence
    # (calculate_pareto_efficiency), ranks avg_quality_score best first, avg_cost "best
    # value" and avg_response_time_ms "fastest" first, and sets min_*_score / max_*_time_ms.
    higher = ["quality_score", "consciousness_score", "creativity_score", "accuracy_score",
              "reasoning_depth_score", "humor_score", "user_rating", "cost_efficiency"]  # fmt: skip
    lower = ["cost", "response_time_ms", "error_rate", "token_count_input", "token_count_output"]
    assert all(higher_is_better(c) for c in higher)
    assert not any(higher_is_better(c) for c in lower)
    assert {m.column for m in REGISTRY} == set(higher) | set(lower)


def test_the_seeds_ten_metrics_are_registry_entries():
    assert len(Metric) == 10
    for member in Metric:
        assert metric_spec(member.value).column == member.value


def test_derived_tables_take_direction_from_the_registry():
    for statistic, (column, higher) in RANKED_STATISTICS.items():
        assert statistic == f"avg_{column}"
        assert higher == higher_is_better(column)
    assert set(RANKED_STATISTICS) >= {"avg_quality_score", "avg_cost", "avg_response_time_ms"}
    for metric in METRIC_NAMES:
        assert ab_higher_is_better(metric) == higher_is_better(metric)
    for name, objective in OBJECTIVES.items():
        assert objective.higher_is_better == (objective.direction is Direction.HIGHER)
        assert higher_is_better(name) == objective.higher_is_better


def test_score_columns_and_ratings():
    assert tuple(m.column for m in STORED if m.kind is MetricKind.SCORE) == SCORE_COLUMNS
    assert set(RATING_COLUMNS) == {"quality_score", "user_rating"}
    assert set(RATING_COLUMNS) <= set(SCORE_COLUMNS)
    for column in SCORE_COLUMNS:
        assert column_range(column) == (0.0, 1.0)


@pytest.mark.parametrize("spec", REGISTRY, ids=lambda m: m.name)
def test_aliases_resolve_to_their_metric(spec):
    for key in (spec.name, spec.column, *spec.aliases):
        assert metric_spec(key) is spec
        if spec.objective:
            assert normalise_priorities({key: 1.0}) == ((spec.name, 1.0),)


def test_ranges_are_physically_sensible():
    assert column_range("cost") == (0.0, 1e4)
    assert column_range("latency") == (0.0, 86_400_000.0)  # one day
    assert column_range("token_count_input") == (0, 10**9)  # BIGINT columns hold it
    assert column_range("reliability") == (0.0, 1.0)
    for m in REGISTRY:
        assert 0 <= m.low < m.high


def test_an_unknown_metric_is_named():
    with pytest.raises(KeyError, match="'latency_p99'"):
        column_range("latency_p99")


def test_remembered_priorities_still_refuse_what_they_would_refuse_fresh():
    assert normalise_priorities({"quality": 1}) == (("quality", 1.0),)
    assert normalise_priorities({"quality": 1.0}) == (("quality", 1.0),)
    with pytest.raises(ValueError, match="must be a number, got True"):
        normalise_priorities({"quality": True})  # equal to 1 and hashed alike, still refused
    with pytest.raises(ValueError, match=r"must be a number, got \[1\]"):
        normalise_priorities({"quality": [1]})  # type: ignore[dict-item]
    for _ in range(2):
        with pytest.raises(ValueError, match="must be finite"):
            normalise_priorities({"quality": float("nan")})
