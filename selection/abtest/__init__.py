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

import importlib
from typing import TYPE_CHECKING, Any

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
    from selection.abtest.results import analysis_report
    from selection.abtest.service import ABTestManager, winner_of

_HOMES: dict[str, str] = {
    "ABTest": "selection.abtest.config",
    "ABTestManager": "selection.abtest.service",
    "ABTestSpec": "selection.abtest.config",
    "ACTIVE_STATUSES": "selection.abtest.config",
    "Analysis": "selection.abtest.analysis",
    "ArmData": "selection.abtest.analysis",
    "Assignment": "selection.abtest.assignment",
    "DEFAULT_GUARDRAILS": "selection.abtest.config",
    "Decision": "selection.abtest.config",
    "Guardrail": "selection.abtest.config",
    "Phase": "selection.abtest.config",
    "Plan": "selection.abtest.config",
    "RampPlan": "selection.abtest.config",
    "analysis_report": "selection.abtest.results",
    "analyze": "selection.abtest.analysis",
    "assign": "selection.abtest.assignment",
    "bucket": "selection.abtest.assignment",
    "plan_test": "selection.abtest.planning",
    "winner_of": "selection.abtest.service",
}
"""Public name -> the module that defines it."""

__all__ = [
    "ACTIVE_STATUSES",
    "DEFAULT_GUARDRAILS",
    "ABTest",
    "ABTestManager",
    "ABTestSpec",
    "Analysis",
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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
