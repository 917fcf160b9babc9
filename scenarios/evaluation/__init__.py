"""Judge routing policies on benchmark traces, the way RouterBench and RouteLLM do.

Load a trace (:func:`load_trace`), replay policies over it with bandit feedback through the
real tracker and selector (:func:`evaluate`), and reduce the runs to the papers' figures
(:func:`build_report`): quality, cost, call shares, oracles, the Zero router, AIQ, CPT, regret.
"""

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
