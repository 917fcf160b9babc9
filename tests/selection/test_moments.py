"""One statistics type: Moments' arithmetic, and the tracker's Aggregate read through it,
checked against numpy and the statistics module computed on the raw values."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from selection import Aggregate
from selection.metrics import METRIC_COLUMNS
from selection.stats import Moments

values = st.floats(min_value=0.0, max_value=1e4, allow_nan=False, allow_infinity=False)
samples = st.lists(values, min_size=0, max_size=40)
QUALITY = METRIC_COLUMNS.index("quality_score")


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-7, abs_tol=1e-6)


def check_against_raw(m: Moments, xs: list[float]) -> None:
    assert m.n == len(xs)
    if xs:
        assert close(m.mean, float(np.mean(xs)))
    else:
        assert math.isnan(m.mean)
    if len(xs) >= 2:
        expected = statistics.variance(xs)
        assert close(m.variance, expected) or (m.variance == 0.0 and expected < 1e-6)
        assert close(m.variance, float(np.var(xs, ddof=1))) or m.variance == 0.0
    else:
        assert math.isnan(m.variance)


@given(samples, samples)
def test_merge_and_remove(xs, ys):
    merged = Moments.of(xs) + Moments.of(ys)
    check_against_raw(merged, xs + ys)
    check_against_raw(merged - Moments.of(ys), xs)


@given(samples, values)
def test_add_one(xs, y):
    check_against_raw(Moments.of(xs).added(y), [*xs, y])


@given(st.lists(values, min_size=1, max_size=40), st.data())
def test_replace_one(xs, data):
    i = data.draw(st.integers(0, len(xs) - 1))
    new = data.draw(st.one_of(st.none(), values))
    replaced = Moments.of(xs).replaced(xs[i], new)
    rest = xs[:i] + xs[i + 1 :]
    check_against_raw(replaced, rest if new is None else [*rest, new])


def test_a_constant_column_has_zero_variance_exactly():
    m = Moments.of([0.1] * 1000)
    assert m.variance == 0.0
    agg = Aggregate()
    for _ in range(1000):
        agg.add([None] * QUALITY + [0.1] + [None] * (len(METRIC_COLUMNS) - QUALITY - 1), False)
    assert agg.variance("quality_score") == 0.0


def test_removing_everything_leaves_empty_moments():
    m = Moments.of([0.1, 0.7, 0.3]).replaced(0.1, None).replaced(0.7, None).replaced(0.3, None)
    assert m == Moments(0, 0.0, 0.0)
    with pytest.raises(ValueError, match="empty"):
        m.replaced(0.5, None)
    with pytest.raises(ValueError, match="remove"):
        Moments.of([1.0]) - Moments.of([1.0, 2.0])


@given(st.lists(st.tuples(st.one_of(st.none(), values), st.booleans()), max_size=40))
def test_aggregate_columns_are_moments(rows):
    agg = Aggregate()
    for value, error in rows:
        agg.add([value] * len(METRIC_COLUMNS), error)
    present = [v for v, _ in rows if v is not None]
    assert agg.records == len(rows)
    assert agg.errors == sum(e for _, e in rows)
    for column in ("quality_score", "cost"):
        m = agg.moments(column)
        check_against_raw(m, present)
        assert agg.n(column) == m.n
        assert agg.mean(column) == (m.mean if present else None)
        assert agg.variance(column) == (m.variance if len(present) >= 2 else None)


@given(st.lists(values, min_size=1, max_size=30), st.data())
def test_aggregate_replace_agrees_with_recomputing(xs, data):
    agg = Aggregate()
    for x in xs:
        agg.add([x] * len(METRIC_COLUMNS), False)
    i = data.draw(st.integers(0, len(xs) - 1))
    new = data.draw(values)
    agg.replace("user_rating", xs[i], new)
    after = [*xs[:i], new, *xs[i + 1 :]]
    check_against_raw(agg.moments("user_rating"), after)
    check_against_raw(agg.moments("cost"), xs)  # other columns untouched
    assert agg.records == len(xs)


@given(samples, samples)
def test_aggregate_merge_is_moments_addition(xs, ys):
    a, b = Aggregate(), Aggregate()
    for x in xs:
        a.add([x] * len(METRIC_COLUMNS), False)
    for y in ys:
        b.add([y] * len(METRIC_COLUMNS), True)
    before = a.moments("cost")
    a.merge(b)
    assert a.moments("cost") == before + b.moments("cost")
    assert (a.records, a.errors) == (len(xs) + len(ys), len(ys))
