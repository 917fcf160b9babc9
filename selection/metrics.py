"""The metric registry: every performance metric, its column, direction, kind, range and types.

One entry per metric; every other table of metrics (the record columns, the seed's
:class:`Metric` names, the priority objectives, the ranked statistics, the score columns a
store may update, the ratings given later, the A/B metric names and the stores' column
types) is derived from :data:`REGISTRY`. Whether higher is better is decided here and
nowhere else (:func:`higher_is_better`), and so is each metric's physically sensible range
(:func:`column_range`), which boundary validation should read rather than restate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

__all__ = [
    "COLUMN_INDEX",
    "COPY_TYPES",
    "METRIC_COLUMNS",
    "REGISTRY",
    "SCORE_COLUMNS",
    "Direction",
    "Metric",
    "MetricKind",
    "MetricSpec",
    "column_range",
    "higher_is_better",
    "metric_spec",
]


class Direction(StrEnum):
    """Whether more of a metric is better or worse."""

    HIGHER = "higher"
    LOWER = "lower"


class MetricKind(StrEnum):
    """What a metric measures, which says its unit and how it may be compared."""

    SCORE = "score"  # a judged quality-like score in [0, 1]
    LATENCY = "latency"  # milliseconds
    TOKENS = "tokens"  # a count of tokens
    COST = "cost"  # USD per call
    RATE = "rate"  # a share of records, in [0, 1] (error rate)
    RATIO = "ratio"  # a derived statistic (quality per dollar)


class Metric(StrEnum):
    """The seed's ten performance metrics, by the column or statistic that carries each."""

    RESPONSE_QUALITY = "quality_score"
    RESPONSE_TIME = "response_time_ms"
    COST_EFFICIENCY = "cost_efficiency"
    CONSCIOUSNESS_SCORE = "consciousness_score"
    CREATIVITY_SCORE = "creativity_score"
    ACCURACY_SCORE = "accuracy_score"
    REASONING_DEPTH = "reasoning_depth_score"
    HUMOR_EFFECTIVENESS = "humor_score"
    ERROR_RATE = "error_rate"
    USER_SATISFACTION = "user_rating"


@dataclass(frozen=True, slots=True)
class SqlTypes:
    """How a record column is declared in each store.

    Attributes:
        sqlite: the SQLite column type.
        postgres: the PostgreSQL column type.
        copy: the PostgreSQL type name that ``COPY ... (FORMAT BINARY)`` is told.
    """

    sqlite: str
    postgres: str
    copy: str


_REAL = SqlTypes("REAL", "DOUBLE PRECISION", "float8")
_BIGINT = SqlTypes("INTEGER", "BIGINT", "int8")  # SQLite's INTEGER is 64-bit already


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """One metric.

    Attributes:
        name: the canonical name, also the priority factor's (``"quality"``, ``"speed"``...).
        column: the record column that carries it, or the statistic (``"error_rate"``,
            ``"cost_efficiency"``) computed from the columns.
        direction: whether higher or lower values are better.
        kind: what it measures (:class:`MetricKind`).
        low: the smallest physically sensible value.
        high: the largest physically sensible value.
        aliases: other names callers may use for it as a priority factor.
        sql: the stores' column types, or ``None`` for a statistic that is not stored.
        objective: whether callers may weigh it as a priority factor.
        rated_later: whether a rating given after the call may set it.
    """

    name: str
    column: str
    direction: Direction
    kind: MetricKind
    low: float
    high: float
    aliases: tuple[str, ...] = ()
    sql: SqlTypes | None = None
    objective: bool = True
    rated_later: bool = False

    @property
    def higher_is_better(self) -> bool:
        """Whether a larger value is an improvement."""
        return self.direction is Direction.HIGHER

    @property
    def on_unit_interval(self) -> bool:
        """Whether values lie in [0, 1] (scores, rates); others are compared by position."""
        return (self.low, self.high) == (0.0, 1.0)

    @property
    def stored(self) -> bool:
        """Whether it is a column of ``model_performance_records``."""
        return self.sql is not None


_TOKEN_MAX = 1_000_000_000  # tokens of one call: far beyond any context window
_LATENCY_MAX_MS = 86_400_000.0  # one day


def _score(name: str, column: str, *aliases: str, rated_later: bool = False) -> MetricSpec:
    return MetricSpec(
        name, column, Direction.HIGHER, MetricKind.SCORE, 0.0, 1.0, aliases, _REAL,
        rated_later=rated_later,
    )  # fmt: skip


# Record columns in storage order (the schemas' order), then the statistics.
REGISTRY: tuple[MetricSpec, ...] = (
    MetricSpec(
        "speed", Metric.RESPONSE_TIME.value, Direction.LOWER, MetricKind.LATENCY,
        0.0, _LATENCY_MAX_MS,
        ("latency", "response_time", "response_time_ms"), _REAL,
    ),
    MetricSpec(
        "tokens_in", "token_count_input", Direction.LOWER, MetricKind.TOKENS, 0, _TOKEN_MAX,
        sql=_BIGINT, objective=False,
    ),
    MetricSpec(
        "tokens_out", "token_count_output", Direction.LOWER, MetricKind.TOKENS, 0, _TOKEN_MAX,
        sql=_BIGINT, objective=False,
    ),
    MetricSpec("cost", "cost", Direction.LOWER, MetricKind.COST, 0.0, 1e4, ("price",), _REAL),
    _score("quality", Metric.RESPONSE_QUALITY.value, "response_quality", "quality_score",
           rated_later=True),
    _score("consciousness", Metric.CONSCIOUSNESS_SCORE.value, "consciousness_score",
           "consciousness_coherence"),
    _score("creativity", Metric.CREATIVITY_SCORE.value, "creativity_score"),
    _score("accuracy", Metric.ACCURACY_SCORE.value, "accuracy_score"),
    _score("reasoning", Metric.REASONING_DEPTH.value, "reasoning_depth", "reasoning_depth_score"),
    _score("humor", Metric.HUMOR_EFFECTIVENESS.value, "humor_effectiveness", "humor_score"),
    _score("user_satisfaction", Metric.USER_SATISFACTION.value, "user_rating", rated_later=True),
    MetricSpec(
        "reliability", Metric.ERROR_RATE.value, Direction.LOWER, MetricKind.RATE, 0.0, 1.0,
        ("error_rate",),
    ),
    MetricSpec(
        "cost_efficiency", Metric.COST_EFFICIENCY.value, Direction.HIGHER, MetricKind.RATIO, 0.0,
        float("inf"),
    ),
)  # fmt: skip
"""Every metric, record columns first in storage order."""

_BY_NAME = {m.name: m for m in REGISTRY}
_BY_COLUMN = {m.column: m for m in REGISTRY}
_BY_ALIAS = {alias: m for m in REGISTRY for alias in m.aliases}

METRIC_COLUMNS: tuple[str, ...] = tuple(m.column for m in REGISTRY if m.stored)
"""The numeric record columns that the tracker aggregates, in storage order."""

COLUMN_INDEX: Mapping[str, int] = MappingProxyType({c: i for i, c in enumerate(METRIC_COLUMNS)})
"""Position of each metric column in :data:`METRIC_COLUMNS` (and in the aggregates' sums)."""

COPY_TYPES: Mapping[str, str] = MappingProxyType(
    {m.column: m.sql.copy for m in REGISTRY if m.sql is not None}
)
"""PostgreSQL ``COPY`` binary type name of each metric column."""

SCORE_COLUMNS: tuple[str, ...] = tuple(
    m.column for m in REGISTRY if m.stored and m.kind is MetricKind.SCORE
)
"""The judged score columns, each in [0, 1], in storage order."""


def metric_spec(key: str) -> MetricSpec:
    """The metric with this name, column or alias.

    Raises:
        KeyError: naming the key and the known metric names.
    """
    found = _BY_NAME.get(key) or _BY_COLUMN.get(key) or _BY_ALIAS.get(key)
    if found is None:
        raise KeyError(f"unknown metric {key!r}; use one of {', '.join(_BY_NAME)}")
    return found


def higher_is_better(key: str) -> bool:
    """Whether a larger value of the metric (by name, column or alias) is an improvement.

    Raises:
        KeyError: the metric is unknown.
    """
    return metric_spec(key).higher_is_better


def column_range(key: str) -> tuple[float, float]:
    """The physically sensible ``(low, high)`` of a metric, by name, column or alias.

    Quality-like scores and rates lie in [0, 1], latency in [0, 86,400,000] ms (one day),
    cost per call in [0, 1e4] USD, token counts in [0, 10**9]. A value outside is refused at
    the boundary, and the SQL aggregates ignore any stored value outside, so sums of squares
    cannot overflow a double whatever a table holds.

    Raises:
        KeyError: the metric is unknown.
    """
    spec = metric_spec(key)
    return spec.low, spec.high
