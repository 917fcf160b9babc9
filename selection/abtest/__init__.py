"""A/B tests between models: specification, assignment, analysis, decisions, the manager.

The flow: :meth:`ABTestManager.create_test` (or the manager's
``create_model_comparison_test``) stores a test; while it runs, each request with a unit id
is routed to its arm by a stable hash and its record is tagged with the arm; the database
keeps per-arm sums as records arrive; :meth:`ABTestManager.analyze_test_results` reads them;
:meth:`ABTestManager.monitor` promotes, ramps, rolls back or expires tests from the
always-valid analysis, and stores every decision with its evidence.

The names load on first use, so that the command line reads a test's configuration without
importing scipy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from selection.lazy import lazy_exports

if TYPE_CHECKING:
    from selection.abtest.analysis import Analysis, ArmData, analyze
    from selection.abtest.assignment import Assignment, assign, bucket
    from selection.abtest.config import (
        ACTIVE_STATUSES,
        DEFAULT_GUARDRAILS,
        ABTest,
        ABTestSpec,
        Decision,
        Guardrail,
        Phase,
        Plan,
        RampPlan,
    )
    from selection.abtest.planning import plan_test
    from selection.abtest.results import AnalysisReport, analysis_report
    from selection.abtest.service import ABTestManager, winner_of

_HOMES: dict[str, tuple[str, str]] = {
    "ABTest": ("selection.abtest.config", "ABTest"),
    "ABTestManager": ("selection.abtest.service", "ABTestManager"),
    "ABTestSpec": ("selection.abtest.config", "ABTestSpec"),
    "ACTIVE_STATUSES": ("selection.abtest.config", "ACTIVE_STATUSES"),
    "Analysis": ("selection.abtest.analysis", "Analysis"),
    "AnalysisReport": ("selection.abtest.results", "AnalysisReport"),
    "ArmData": ("selection.abtest.analysis", "ArmData"),
    "Assignment": ("selection.abtest.assignment", "Assignment"),
    "DEFAULT_GUARDRAILS": ("selection.abtest.config", "DEFAULT_GUARDRAILS"),
    "Decision": ("selection.abtest.config", "Decision"),
    "Guardrail": ("selection.abtest.config", "Guardrail"),
    "Phase": ("selection.abtest.config", "Phase"),
    "Plan": ("selection.abtest.config", "Plan"),
    "RampPlan": ("selection.abtest.config", "RampPlan"),
    "analysis_report": ("selection.abtest.results", "analysis_report"),
    "analyze": ("selection.abtest.analysis", "analyze"),
    "assign": ("selection.abtest.assignment", "assign"),
    "bucket": ("selection.abtest.assignment", "bucket"),
    "plan_test": ("selection.abtest.planning", "plan_test"),
    "winner_of": ("selection.abtest.service", "winner_of"),
}
"""Public name -> (module that defines it, its name there)."""

__all__ = [
    "ACTIVE_STATUSES",
    "DEFAULT_GUARDRAILS",
    "ABTest",
    "ABTestManager",
    "ABTestSpec",
    "Analysis",
    "AnalysisReport",
    "ArmData",
    "Assignment",
    "Decision",
    "Guardrail",
    "Phase",
    "Plan",
    "RampPlan",
    "analysis_report",
    "analyze",
    "assign",
    "bucket",
    "plan_test",
    "winner_of",
]

__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
