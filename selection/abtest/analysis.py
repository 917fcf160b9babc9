"""Reading a test phase: every metric, the sample-ratio check, Holm, significance, winner.

Pure: it takes the per-arm sums and latency histograms the store keeps (and raw latency
values for small phases) and returns an :class:`Analysis`. Nothing here reads a record.

* **Sample ratio**: chi-square of records per arm against the phase's split, alpha 0.001;
  a mismatch voids the results (no winner, no promotion).
* **Success metrics**: Holm across them, separately for the fixed-horizon p-values and the
  always-valid ones. The challenger is *better* when some success metric is significantly
  better and none significantly worse.
* **Guardrails**: each must be shown non-inferior within its margin (all of them: an
  intersection-union test, so no multiplicity correction is needed).
* ``mode`` says which p-values and intervals decide: ``"sequential"`` (always-valid, safe
  to read at any time; what the automation uses) or ``"fixed"`` (valid once, at the
  planned sample size). Both are always computed and reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from selection.abtest.config import ABTest, Guardrail, higher_is_better
from selection.abtest.latency import compare_latency
from selection.abtest.metrics import (
    LATENCY,
    AnalysisMode,
    MetricResult,
    Role,
    compare_metric,
    decode_state,
    encode_state,
)
from selection.aggregates import Aggregate
from selection.stats import SRMResult, holm, srm_check

__all__ = ["SRM_ALPHA", "Analysis", "ArmData", "SignificanceStatus", "analyze"]

SRM_ALPHA = 0.001
SignificanceStatus = Literal["significant", "not significant", "insufficient data"]


@dataclass(frozen=True, slots=True)
class ArmData:
    """What the store holds about one arm in one phase."""

    sums: Aggregate = field(default_factory=Aggregate)
    histogram: Mapping[int, int] = field(default_factory=dict)
    latency_values: Sequence[float] | None = None


@dataclass(frozen=True, slots=True)
class Analysis:
    """One look at one phase of a test.

    Attributes:
        status: ``significant`` when a success metric's (Holm-adjusted) p-value is at most
            alpha, ``insufficient data`` when an arm has fewer than ``min_samples_per_arm``
            observations of a success metric (or no estimate exists), else
            ``not significant``.
        winner: The challenger when it is better with every guardrail non-inferior and no
            sample-ratio mismatch; the champion when the challenger is significantly worse
            on a success metric or beyond a guardrail's margin; otherwise ``None``.
        state: The always-valid tests' state after this look, to store for the next one.
    """

    test: ABTest
    phase: int
    mode: AnalysisMode
    time: datetime
    records: tuple[int, int]
    srm: SRMResult
    metrics: tuple[MetricResult, ...]
    status: SignificanceStatus
    winner: str | None
    reason: str
    state: dict[str, Any]

    @property
    def success(self) -> tuple[MetricResult, ...]:
        """The success metrics' results."""
        return tuple(m for m in self.metrics if m.role == "success")

    @property
    def guardrails(self) -> tuple[MetricResult, ...]:
        """The guardrails' results."""
        return tuple(m for m in self.metrics if m.role == "guardrail")

    @property
    def min_records(self) -> int:
        """Records in the smaller arm."""
        return min(self.records)

    def challenger_better(self) -> bool:
        """Some success metric significantly better, none significantly worse."""
        alpha = self.test.spec.alpha
        return any(m.better(self.mode, alpha) for m in self.success) and not (
            self.challenger_worse()
        )

    def challenger_worse(self) -> bool:
        """Some success metric significantly worse."""
        return any(m.worse(self.mode, self.test.spec.alpha) for m in self.success)

    def guardrails_passed(self) -> bool:
        """Every guardrail shown non-inferior within its margin."""
        return all(m.noninferior(self.mode) for m in self.guardrails)

    def regressed(self) -> list[str]:
        """Guardrails on which the challenger is shown worse than the margin."""
        return [m.metric for m in self.guardrails if m.inferior(self.mode)]


def analyze(
    test: ABTest,
    arms: Mapping[str, ArmData],
    *,
    phase: int,
    now: datetime,
    mode: AnalysisMode = "sequential",
) -> Analysis:
    """Analyse one phase of a test from its arms' data (``"a"`` champion, ``"b"`` challenger).

    Raises:
        ValueError: if ``mode`` is not ``"sequential"`` or ``"fixed"``.
    """
    if mode not in ("sequential", "fixed"):
        raise ValueError(f"mode must be 'sequential' or 'fixed', got {mode!r}")
    spec = test.spec
    a, b = arms.get("a", ArmData()), arms.get("b", ArmData())
    split = test.phases[phase].traffic_split
    records = (a.sums.records, b.sums.records)
    srm = srm_check(list(records), [1.0 - split, split], alpha=SRM_ALPHA)
    state = dict(test.monitor_state.get(str(phase), {}))
    latency = None
    roles: list[tuple[str, Role, Guardrail | None]] = [
        (m, "success", None) for m in spec.success_metrics
    ]
    roles += [(g.metric, "guardrail", g) for g in spec.guardrails]
    if any(metric == LATENCY for metric, _, _ in roles):
        raw = None
        if a.latency_values is not None and b.latency_values is not None:
            raw = (a.latency_values, b.latency_values)
        latency = compare_latency(a.histogram, b.histogram, raw=raw, alpha=spec.alpha)
    results = []
    for metric, role, guardrail in roles:
        previous = state.get(metric)
        result = compare_metric(
            metric,
            role,
            higher_is_better(metric),
            a.sums,
            b.sums,
            alpha=spec.alpha,
            planned_n_per_arm=test.plan.planned_n_per_arm,
            previous=None if previous is None else decode_state(previous),
            guardrail=guardrail,
            latency=latency,
        )
        state[metric] = encode_state(result.sequential)
        results.append(result)
    results = _holm(results, spec.alpha)
    status = _status(results, spec.min_samples_per_arm, mode, spec.alpha)
    analysis = Analysis(
        test, phase, mode, now, records, srm, tuple(results), status, None, "", state
    )
    winner, reason = _verdict(analysis)
    return replace(analysis, winner=winner, reason=reason)


def _holm(results: list[MetricResult], alpha: float) -> list[MetricResult]:
    success = [i for i, m in enumerate(results) if m.role == "success"]
    fixed = holm([results[i].p_value for i in success], alpha=alpha).adjusted
    sequential = holm([results[i].sequential.p_value for i in success], alpha=alpha).adjusted
    out = list(results)
    for i, p_fixed, p_seq in zip(success, fixed, sequential, strict=True):
        out[i] = replace(results[i], p_adjusted=p_fixed, sequential_p_adjusted=p_seq)
    return out


def _status(
    results: list[MetricResult], min_n: int, mode: AnalysisMode, alpha: float
) -> SignificanceStatus:
    success = [m for m in results if m.role == "success"]
    if any(min(m.control.n, m.treatment.n) < min_n or m.error for m in success):
        return "insufficient data"
    if any(m.significant(mode, alpha) for m in success):
        return "significant"
    return "not significant"


def _verdict(analysis: Analysis) -> tuple[str | None, str]:
    spec = analysis.test.spec
    champion, challenger = spec.model_a_id, spec.model_b_id
    if analysis.status == "insufficient data":
        n, need = analysis.min_records, spec.min_samples_per_arm
        return None, f"insufficient data: {n} records in the smaller arm, need {need}"
    if analysis.srm.mismatch:
        return None, (
            f"sample ratio mismatch (p = {analysis.srm.p_value:.2g} < {SRM_ALPHA}): "
            f"{analysis.records[0]} vs {analysis.records[1]} records; results are void"
        )
    worse = [m.metric for m in analysis.success if m.worse(analysis.mode, spec.alpha)]
    if worse or (regressed := analysis.regressed()):
        what = (
            f"worse on {', '.join(worse)}"
            if worse
            else f"beyond the margin on {', '.join(regressed)}"
        )
        return champion, f"the challenger is significantly {what}"
    better = [m.metric for m in analysis.success if m.better(analysis.mode, spec.alpha)]
    if better:
        pending = [m.metric for m in analysis.guardrails if not m.noninferior(analysis.mode)]
        if not pending:
            return challenger, (
                f"the challenger is significantly better on {', '.join(better)} and within "
                "every guardrail's margin"
            )
        return None, (
            f"the challenger is better on {', '.join(better)}, but not yet shown within the "
            f"margin on {', '.join(pending)}"
        )
    return None, "no significant difference on the success metrics"
