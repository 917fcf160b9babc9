"""Judge routing policies on benchmark traces, the way RouterBench and RouteLLM do.

Load a trace (:func:`load_trace`), replay policies over it with bandit feedback through the
real tracker and selector (:func:`evaluate`), and reduce the runs to the papers' figures
(:func:`build_report`): quality, cost, call shares, oracles, the Zero router, AIQ, CPT, regret.

The names load on first use, so that the command line starts without numpy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from selection.lazy import lazy_exports

if TYPE_CHECKING:
    from scenarios.evaluation.bandit import (
        DEFAULT_BATCH_SIZE,
        DEFAULT_WEIGHTS,
        Evaluation,
        EvaluationConfig,
        Run,
        evaluate,
        replay,
        trace_catalog,
    )
    from scenarios.evaluation.formats import FORMATS, load_trace, trace_from_frame, trace_from_table
    from scenarios.evaluation.hive_policy import (
        CollectiveVote,
        HiveSelectorPolicy,
        HiveSnapshot,
        HiveVoter,
        hive_policy_spec,
    )
    from scenarios.evaluation.measures import (
        Hindsight,
        Summary,
        aiq,
        best_single_model,
        cpt,
        cumulative_regret,
        frontier,
        hindsight,
        oracle_frontier,
        per_prompt_oracle,
        per_task_oracle,
        summarize,
    )
    from scenarios.evaluation.policies import (
        POLICIES,
        SEED_ASSIGNMENT,
        Outcome,
        PolicyContext,
        PolicySpec,
        Request,
        TracePolicy,
    )
    from scenarios.evaluation.summary import Report, build_report, print_report, write_csv
    from scenarios.evaluation.synthetic import synthetic_trace
    from scenarios.evaluation.traces import Trace, TraceError

_HOMES: dict[str, tuple[str, str]] = {
    "CollectiveVote": ("scenarios.evaluation.hive_policy", "CollectiveVote"),
    "DEFAULT_BATCH_SIZE": ("scenarios.evaluation.bandit", "DEFAULT_BATCH_SIZE"),
    "DEFAULT_WEIGHTS": ("scenarios.evaluation.bandit", "DEFAULT_WEIGHTS"),
    "Evaluation": ("scenarios.evaluation.bandit", "Evaluation"),
    "EvaluationConfig": ("scenarios.evaluation.bandit", "EvaluationConfig"),
    "FORMATS": ("scenarios.evaluation.formats", "FORMATS"),
    "Hindsight": ("scenarios.evaluation.measures", "Hindsight"),
    "HiveSelectorPolicy": ("scenarios.evaluation.hive_policy", "HiveSelectorPolicy"),
    "HiveSnapshot": ("scenarios.evaluation.hive_policy", "HiveSnapshot"),
    "HiveVoter": ("scenarios.evaluation.hive_policy", "HiveVoter"),
    "Outcome": ("scenarios.evaluation.policies", "Outcome"),
    "POLICIES": ("scenarios.evaluation.policies", "POLICIES"),
    "PolicyContext": ("scenarios.evaluation.policies", "PolicyContext"),
    "PolicySpec": ("scenarios.evaluation.policies", "PolicySpec"),
    "Report": ("scenarios.evaluation.summary", "Report"),
    "Request": ("scenarios.evaluation.policies", "Request"),
    "Run": ("scenarios.evaluation.bandit", "Run"),
    "SEED_ASSIGNMENT": ("scenarios.evaluation.policies", "SEED_ASSIGNMENT"),
    "Summary": ("scenarios.evaluation.measures", "Summary"),
    "Trace": ("scenarios.evaluation.traces", "Trace"),
    "TraceError": ("scenarios.evaluation.traces", "TraceError"),
    "TracePolicy": ("scenarios.evaluation.policies", "TracePolicy"),
    "aiq": ("scenarios.evaluation.measures", "aiq"),
    "best_single_model": ("scenarios.evaluation.measures", "best_single_model"),
    "build_report": ("scenarios.evaluation.summary", "build_report"),
    "cpt": ("scenarios.evaluation.measures", "cpt"),
    "cumulative_regret": ("scenarios.evaluation.measures", "cumulative_regret"),
    "evaluate": ("scenarios.evaluation.bandit", "evaluate"),
    "frontier": ("scenarios.evaluation.measures", "frontier"),
    "hindsight": ("scenarios.evaluation.measures", "hindsight"),
    "hive_policy_spec": ("scenarios.evaluation.hive_policy", "hive_policy_spec"),
    "load_trace": ("scenarios.evaluation.formats", "load_trace"),
    "oracle_frontier": ("scenarios.evaluation.measures", "oracle_frontier"),
    "per_prompt_oracle": ("scenarios.evaluation.measures", "per_prompt_oracle"),
    "per_task_oracle": ("scenarios.evaluation.measures", "per_task_oracle"),
    "print_report": ("scenarios.evaluation.summary", "print_report"),
    "replay": ("scenarios.evaluation.bandit", "replay"),
    "summarize": ("scenarios.evaluation.measures", "summarize"),
    "synthetic_trace": ("scenarios.evaluation.synthetic", "synthetic_trace"),
    "trace_catalog": ("scenarios.evaluation.bandit", "trace_catalog"),
    "trace_from_frame": ("scenarios.evaluation.formats", "trace_from_frame"),
    "trace_from_table": ("scenarios.evaluation.formats", "trace_from_table"),
    "write_csv": ("scenarios.evaluation.summary", "write_csv"),
}
"""Public name -> (module that defines it, its name there)."""

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_WEIGHTS",
    "FORMATS",
    "POLICIES",
    "SEED_ASSIGNMENT",
    "CollectiveVote",
    "Evaluation",
    "EvaluationConfig",
    "Hindsight",
    "HiveSelectorPolicy",
    "HiveSnapshot",
    "HiveVoter",
    "Outcome",
    "PolicyContext",
    "PolicySpec",
    "Report",
    "Request",
    "Run",
    "Summary",
    "Trace",
    "TraceError",
    "TracePolicy",
    "aiq",
    "best_single_model",
    "build_report",
    "cpt",
    "cumulative_regret",
    "evaluate",
    "frontier",
    "hindsight",
    "hive_policy_spec",
    "load_trace",
    "oracle_frontier",
    "per_prompt_oracle",
    "per_task_oracle",
    "print_report",
    "replay",
    "summarize",
    "synthetic_trace",
    "trace_catalog",
    "trace_from_frame",
    "trace_from_table",
    "write_csv",
]

__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
