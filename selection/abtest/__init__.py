"""A/B tests between models: specification, assignment, analysis, decisions, the manager.

The flow: :meth:`ABTestManager.create_test` (or the manager's
``create_model_comparison_test``) stores a test; while it runs, each request with a unit id
is routed to its arm by a stable hash and its record is tagged with the arm; the database
keeps per-arm sums as records arrive; :meth:`ABTestManager.analyze_test_results` reads them;
:meth:`ABTestManager.monitor` promotes, ramps, rolls back or expires tests from the
always-valid analysis, and stores every decision with its evidence.
"""

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
