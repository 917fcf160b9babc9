"""One metric of one test phase, challenger (b) against champion (a), fixed and always-valid.

* ``error_rate``: the two-proportion z test (pooled), Wald interval, delta-method lift.
* ``response_time_ms``: the p-value is Mann-Whitney's (latency is heavy-tailed); p50 and
  p95 differences come with it (:mod:`selection.abtest.latency`); the mean's Welch
  interval is reported too and feeds the guardrail.
* any other column: Welch's t test.

Each metric also gets the always-valid test (:func:`~selection.stats.sequential_mean_test`
or :func:`~selection.stats.sequential_proportion_test`), whose state is carried from look to
look, and a guardrail its non-inferiority verdicts: fixed-horizon, the one-sided test at
``alpha``; always-valid, the confidence sequence's bound against the margin (one-sided at
``alpha / 2``, conservative).

Degenerate error rates (no errors, or only errors, in both arms) have no Wald variance; for
the guardrail verdicts they use the Agresti-Caffo adjustment (one error and one success
added to each arm). Constant means (zero variance in both arms) are compared exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from selection.abtest.config import ERROR_RATE, Guardrail
from selection.abtest.latency import LatencyComparison
from selection.aggregates import Aggregate
from selection.stats import (
    ComparisonResult,
    Moments,
    NonInferiorityResult,
    SequentialResult,
    noninferiority_proportion_test,
    noninferiority_test,
    sequential_mean_test,
    sequential_proportion_test,
    two_proportion_test,
    welch_ttest,
)

__all__ = [
    "AnalysisMode",
    "MetricResult",
    "Role",
    "compare_metric",
    "decode_state",
    "encode_state",
    "moments",
]

AnalysisMode = Literal["sequential", "fixed"]
Role = Literal["success", "guardrail"]
LATENCY = "response_time_ms"


def moments(agg: Aggregate, column: str) -> Moments:
    """The moments of one column (rounding residue of removed records cleared)."""
    return agg.moments(column)


@dataclass(frozen=True, slots=True)
class MetricResult:
    """Everything the analysis knows about one metric; see the module docstring."""

    metric: str
    role: Role
    higher_is_better: bool
    test: Literal["welch", "two_proportion_z", "mann_whitney"]
    control: Moments
    treatment: Moments
    fixed: ComparisonResult
    sequential: SequentialResult
    p_value: float
    guardrail: Guardrail | None = None
    noninferiority: NonInferiorityResult | None = None
    latency: LatencyComparison | None = None
    p_adjusted: float = math.nan
    sequential_p_adjusted: float = math.nan

    @property
    def error(self) -> str | None:
        """Why the fixed-horizon test has no estimate, if it has none."""
        if self.latency is not None and self.test == "mann_whitney":
            return self.latency.rank.error or self.fixed.error
        return self.fixed.error

    def p(self, mode: AnalysisMode) -> float:
        """The p-value a decision reads: Holm-adjusted for success metrics."""
        if self.role == "success":
            return self.sequential_p_adjusted if mode == "sequential" else self.p_adjusted
        return self.sequential.p_value if mode == "sequential" else self.p_value

    def direction(self, mode: AnalysisMode) -> int:
        """+1 if the challenger looks better, -1 if worse, 0 if undecided (by the sign)."""
        if mode == "sequential":
            low, high = self.sequential.ci
            sign = 1 if low > 0 else -1 if high < 0 else 0
        elif self.test == "mann_whitney" and self.latency is not None:
            shift = self.latency.rank.prob_superiority - 0.5
            sign = 0 if math.isnan(shift) else (shift > 0) - (shift < 0)
        else:
            diff = self.fixed.difference
            sign = 0 if math.isnan(diff) else (diff > 0) - (diff < 0)
        return sign if self.higher_is_better else -sign

    def significant(self, mode: AnalysisMode, alpha: float) -> bool:
        """Whether the (adjusted) p-value is at most ``alpha``."""
        return self.p(mode) <= alpha

    def better(self, mode: AnalysisMode, alpha: float) -> bool:
        """Significantly better for the challenger."""
        return self.significant(mode, alpha) and self.direction(mode) > 0

    def worse(self, mode: AnalysisMode, alpha: float) -> bool:
        """Significantly worse for the challenger."""
        return self.significant(mode, alpha) and self.direction(mode) < 0

    def _exact_effect(self) -> float | None:
        if self.fixed.error != "zero_variance" or self.metric == ERROR_RATE:
            return None
        mean_c, mean_t = self.fixed.control_mean, self.fixed.treatment_mean
        g = self.guardrail
        if g is not None and g.relative and mean_c:
            return mean_t / mean_c - 1.0
        return mean_t - mean_c

    def _interval(self, mode: AnalysisMode) -> tuple[float, float]:
        g = self.guardrail
        assert g is not None
        if mode == "sequential":
            return self.sequential.relative_ci if g.relative else self.sequential.ci
        return self.fixed.relative_ci if g.relative else self.fixed.ci

    def noninferior(self, mode: AnalysisMode) -> bool:
        """Guardrail: the challenger is shown not worse than the margin."""
        g = self.guardrail
        if g is None:
            return True
        exact = self._exact_effect()
        if exact is not None:
            return exact > -g.margin if g.higher_is_better else exact < g.margin
        if mode == "fixed":
            return self.noninferiority is not None and self.noninferiority.noninferior
        low, high = self._interval(mode)
        return low > -g.margin if g.higher_is_better else high < g.margin

    def inferior(self, mode: AnalysisMode) -> bool:
        """Guardrail: the challenger is shown worse than the margin (a regression)."""
        g = self.guardrail
        if g is None:
            return False
        exact = self._exact_effect()
        if exact is not None:
            return exact < -g.margin if g.higher_is_better else exact > g.margin
        low, high = self._interval(mode)
        return high < -g.margin if g.higher_is_better else low > g.margin


def compare_metric(
    metric: str,
    role: Role,
    higher_is_better: bool,
    control: Aggregate,
    treatment: Aggregate,
    *,
    alpha: float,
    planned_n_per_arm: int,
    previous: SequentialResult | None,
    guardrail: Guardrail | None = None,
    latency: LatencyComparison | None = None,
) -> MetricResult:
    """Compare one metric between the arms; see the module docstring for the tests used."""
    if metric == ERROR_RATE:
        return _rates(control, treatment, role, alpha, planned_n_per_arm, previous, guardrail)
    m_c, m_t = moments(control, metric), moments(treatment, metric)
    fixed = welch_ttest(m_c, m_t, alpha=alpha)
    sequential = sequential_mean_test(
        m_c, m_t, planned_n_per_arm=planned_n_per_arm, alpha=alpha, previous=previous
    )
    ni = None
    if guardrail is not None:
        ni = noninferiority_test(
            m_c,
            m_t,
            margin=guardrail.margin,
            higher_is_better=higher_is_better,
            relative=guardrail.relative,
            alpha=alpha,
        )
    use_ranks = metric == LATENCY and latency is not None
    return MetricResult(
        metric=metric,
        role=role,
        higher_is_better=higher_is_better,
        test="mann_whitney" if use_ranks else "welch",
        control=m_c,
        treatment=m_t,
        fixed=fixed,
        sequential=sequential,
        p_value=latency.rank.p_value if use_ranks and latency else fixed.p_value,
        guardrail=guardrail,
        noninferiority=ni,
        latency=latency if metric == LATENCY else None,
    )


def _rates(
    control: Aggregate,
    treatment: Aggregate,
    role: Role,
    alpha: float,
    planned: int,
    previous: SequentialResult | None,
    guardrail: Guardrail | None,
) -> MetricResult:
    n_c, x_c, n_t, x_t = control.records, control.errors, treatment.records, treatment.errors
    fixed = two_proportion_test(n_c, x_c, n_t, x_t, alpha=alpha)
    # Agresti-Caffo when the pooled rate is 0 or 1: the Wald variance would be zero.
    adjust = 1 if n_c and n_t and (x_c + x_t) in (0, n_c + n_t) else 0
    counts = (n_c + 2 * adjust, x_c + adjust, n_t + 2 * adjust, x_t + adjust)
    sequential = sequential_proportion_test(
        *counts, planned_n_per_arm=planned, alpha=alpha, previous=previous
    )
    ni = None
    if guardrail is not None:
        ni = noninferiority_proportion_test(
            *counts,
            margin=guardrail.margin,
            higher_is_better=False,
            relative=guardrail.relative,
            alpha=alpha,
        )
    return MetricResult(
        metric=ERROR_RATE,
        role=role,
        higher_is_better=False,
        test="two_proportion_z",
        control=Moments(n_c, float(x_c), float(x_c)),
        treatment=Moments(n_t, float(x_t), float(x_t)),
        fixed=fixed,
        sequential=sequential,
        p_value=fixed.p_value,
        guardrail=guardrail,
        noninferiority=ni,
    )


def _pair(values: tuple[float, float]) -> list[float | str]:
    return [v if math.isfinite(v) else str(v) for v in values]


def encode_state(result: SequentialResult) -> dict[str, Any]:
    """The part of an always-valid result the next look needs, as JSON."""
    return {
        "p_value": result.p_value,
        "ci": _pair(result.ci),
        "relative_ci": _pair(result.relative_ci),
        "looks": result.looks,
        "alpha": result.alpha,
        "planned_n_per_arm": result.planned_n_per_arm,
    }


def decode_state(data: dict[str, Any]) -> SequentialResult:
    """Rebuild the ``previous`` argument of the next look from :func:`encode_state`."""
    nan = math.nan
    low, high = (float(v) for v in data["ci"])
    rel_low, rel_high = (float(v) for v in data["relative_ci"])
    return SequentialResult(
        control_mean=nan,
        treatment_mean=nan,
        difference=nan,
        ci=(low, high),
        relative_lift=nan,
        relative_ci=(rel_low, rel_high),
        p_value=float(data["p_value"]),
        alpha=float(data["alpha"]),
        planned_n_per_arm=int(data["planned_n_per_arm"]),
        information_fraction=nan,
        looks=int(data["looks"]),
    )
