"""An :class:`~selection.abtest.analysis.Analysis` as the API's dictionary (JSON-ready).

Non-finite numbers (an interval not yet bounded, an estimate that does not exist) become
``None``, since JSON has no NaN or infinity.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from selection.abtest.analysis import SRM_ALPHA, Analysis
from selection.abtest.config import ABTest
from selection.abtest.metrics import AnalysisMode, MetricResult
from selection.extras import missing_extra
from selection.stats import Moments, QuantileComparison

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["AnalysisReport", "analysis_report", "evidence", "num", "pair", "test_summary"]


class AnalysisReport(dict[str, Any]):
    """The analysis dictionary, plus :meth:`to_frame` for notebooks."""

    def to_frame(self) -> pd.DataFrame:
        """The analysis as a table, one row per metric.

        Columns: role, both arms' n and mean, the difference and relative lift with their
        intervals (fixed and sequential), p-values and the verdict columns. Relative lifts
        and their intervals are fractions (0.05 is +5%), in the same unit.

        Raises:
            MissingExtraError: pandas is not installed.
        """
        try:
            import pandas as pd
        except ModuleNotFoundError as exc:
            raise missing_extra(exc, feature="AnalysisReport.to_frame()") or exc from exc
        rows = []
        for metric, m in self["metrics"].items():
            seq = m["sequential"]
            rows.append(
                {
                    "metric": metric,
                    "role": m["role"],
                    "higher_is_better": m["higher_is_better"],
                    "control_model": m["control"]["model_id"],
                    "control_n": m["control"]["n"],
                    "control_mean": m["control"]["mean"],
                    "treatment_model": m["treatment"]["model_id"],
                    "treatment_n": m["treatment"]["n"],
                    "treatment_mean": m["treatment"]["mean"],
                    "difference": m["difference"],
                    "ci_low": m["ci"][0],
                    "ci_high": m["ci"][1],
                    "relative_lift": m["relative_lift"],
                    "relative_ci_low": m["relative_ci"][0],
                    "relative_ci_high": m["relative_ci"][1],
                    "p_value": m["p_value"],
                    "p_value_adjusted": m.get("p_value_adjusted"),
                    "significant": m["significant"],
                    "sequential_ci_low": seq["ci"][0],
                    "sequential_ci_high": seq["ci"][1],
                    "sequential_p_value": seq["p_value"],
                    "sequential_significant": seq["significant"],
                    "guardrail_passed": m.get("passed"),
                }
            )
        return pd.DataFrame(rows).astype({"p_value_adjusted": "float64"})


def num(value: float | None) -> float | None:
    """``value`` if it is a finite number, else ``None``."""
    return value if value is not None and math.isfinite(value) else None


def pair(values: tuple[float, float]) -> list[float | None]:
    """An interval as a two-item list, unbounded or undefined ends as ``None``."""
    return [num(values[0]), num(values[1])]


def _arm(model_id: str, m: Moments) -> dict[str, Any]:
    return {"model_id": model_id, "n": m.n, "mean": num(m.mean), "std": num(m.std)}


def _quantile(q: QuantileComparison) -> dict[str, Any]:
    return {
        "control": num(q.control_quantile),
        "treatment": num(q.treatment_quantile),
        "difference": num(q.difference),
        "ci": pair(q.ci),
        "relative_lift": num(q.relative_lift),
        "relative_ci": pair(q.relative_ci),
        "error": q.error,
    }


def _metric(m: MetricResult, analysis: Analysis) -> dict[str, Any]:
    spec, alpha, mode = analysis.test.spec, analysis.test.spec.alpha, analysis.mode
    fixed, seq = m.fixed, m.sequential
    report: dict[str, Any] = {
        "role": m.role,
        "higher_is_better": m.higher_is_better,
        "test": m.test,
        "control": _arm(spec.model_a_id, m.control),
        "treatment": _arm(spec.model_b_id, m.treatment),
        "difference": num(fixed.difference),
        "ci": pair(fixed.ci),
        "relative_lift": num(fixed.relative_lift),
        "relative_ci": pair(fixed.relative_ci),
        "p_value": num(m.p_value),
        "significant": m.significant("fixed", alpha),
        "error": m.error,
        "sequential": {
            "difference": num(seq.difference),
            "ci": pair(seq.ci),
            "relative_ci": pair(seq.relative_ci),
            "p_value": num(seq.p_value),
            "significant": m.significant("sequential", alpha),
            "looks": seq.looks,
        },
    }
    if m.role == "success":
        report["p_value_adjusted"] = num(m.p_adjusted)
        report["sequential"]["p_value_adjusted"] = num(m.sequential_p_adjusted)
        report["better"] = m.better(mode, alpha)
        report["worse"] = m.worse(mode, alpha)
    if m.guardrail is not None:
        ni = m.noninferiority
        report |= {
            "margin": m.guardrail.margin,
            "relative": m.guardrail.relative,
            "passed": m.noninferior(mode),
            "regressed": m.inferior(mode),
            "noninferiority": {
                "bound": num(ni.bound) if ni else None,
                "p_value": num(ni.p_value) if ni else None,
                "noninferior": m.noninferior("fixed"),
            },
        }
        report["sequential"] |= {
            "noninferior": m.noninferior("sequential"),
            "regressed": m.inferior("sequential"),
        }
    if m.latency is not None:
        rank = m.latency.rank
        report["mean_p_value"] = num(fixed.p_value)
        report["rank_test"] = {
            "method": m.latency.method,
            "u_statistic": num(rank.statistic),
            "p_value": num(rank.p_value),
            "prob_superiority": num(rank.prob_superiority),
            "error": rank.error,
        }
        report["quantiles"] = {
            f"p{round(q.quantile * 100)}": _quantile(q) for q in m.latency.quantiles
        }
    return report


def _sort_p(p: float) -> float:
    return 2.0 if math.isnan(p) else p


def analysis_report(analysis: Analysis) -> AnalysisReport:
    """The dictionary :meth:`ABTestManager.analyze_test_results` returns."""
    test, spec = analysis.test, analysis.test.spec
    phase = test.phases[analysis.phase]
    success = analysis.success
    primary = min(success, key=lambda m: _sort_p(m.p(analysis.mode)))
    return AnalysisReport(
        {
            "test_id": test.test_id,
            "test_name": spec.name,
            "status": test.status,
            "task_types": list(spec.task_types),
            "champion": spec.model_a_id,
            "challenger": spec.model_b_id,
            "unit": spec.unit,
            "phase": analysis.phase,
            "traffic_split": phase.traffic_split,
            "analysed_at": analysis.time.isoformat(),
            "start_time": test.start_time.isoformat(),
            "elapsed_hours": round(test.hours_since(phase.start_time, analysis.time), 3),
            "duration_hours": spec.duration_hours,
            "sample_size": test.sample_size,
            "progress": round(sum(analysis.records) / test.sample_size, 4),
            "arms": {
                arm: {"model_id": test.model(arm), "role": role, "records": n}
                for arm, role, n in zip(
                    "ab", ("champion", "challenger"), analysis.records, strict=True
                )
            },
            "sample_ratio": {
                "observed": list(analysis.records),
                "expected": [num(e) for e in analysis.srm.expected],
                "p_value": num(analysis.srm.p_value),
                "mismatch": analysis.srm.mismatch,
                "alpha": SRM_ALPHA,
            },
            "metrics": {m.metric: _metric(m, analysis) for m in analysis.metrics},
            "statistical_significance": {
                "status": analysis.status,
                "mode": analysis.mode,
                "alpha": spec.alpha,
                "metric": primary.metric,
                "p_value": num(primary.p(analysis.mode)),
                "correction": "holm",
            },
            "guardrails_passed": analysis.guardrails_passed(),
            "winner": analysis.winner,
            "reason": analysis.reason,
        }
    )


def evidence(analysis: Analysis, mode: AnalysisMode = "sequential") -> dict[str, Any]:
    """The numbers a decision rests on, compact enough to store with it."""
    metrics = {}
    for m in analysis.metrics:
        seq = m.sequential
        item: dict[str, Any] = {
            "n": [m.control.n, m.treatment.n],
            "means": [num(m.control.mean), num(m.treatment.mean)],
            "ci": pair(seq.ci if mode == "sequential" else m.fixed.ci),
            "relative_ci": pair(seq.relative_ci if mode == "sequential" else m.fixed.relative_ci),
            "p_value": num(m.p(mode)),
        }
        if m.guardrail is not None:
            item["margin"] = m.guardrail.margin
            item["noninferior"] = m.noninferior(mode)
        metrics[m.metric] = item
    return {
        "phase": analysis.phase,
        "mode": mode,
        "records": list(analysis.records),
        "srm_p_value": num(analysis.srm.p_value),
        "metrics": metrics,
    }


def test_summary(test: ABTest, winner: str | None) -> dict[str, Any]:
    """One line of the status dashboard for a test."""
    last = test.decisions[-1] if test.decisions else None
    return {
        "test_id": test.test_id,
        "test_name": test.spec.name,
        "status": test.status,
        "task_types": list(test.spec.task_types),
        "champion": test.spec.model_a_id,
        "challenger": test.spec.model_b_id,
        "traffic_split": test.phase.traffic_split,
        "sample_size": test.sample_size,
        "start_time": test.start_time.isoformat(),
        "end_time": None if test.end_time is None else test.end_time.isoformat(),
        "winner": winner,
        "last_decision": None
        if last is None
        else {"time": last.time.isoformat(), "action": last.action, "reason": last.reason},
    }
