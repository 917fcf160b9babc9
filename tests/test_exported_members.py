"""The public API is each package's __all__; pin it so changes are deliberate."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("package", ["selection", "agents", "hive", "scenarios", "server"])
def test_all_names_exist(package):
    module = importlib.import_module(package)
    for name in getattr(module, "__all__", []):
        assert hasattr(module, name), f"{package}.{name} is in __all__ but missing"


PUBLIC = {
    "selection": {
        "ABTest", "ABTestManager", "ABTestSpec", "Aggregate", "BatchSums", "Budget",
        "BudgetPacer", "ChoiceMode",
        "Clock", "ConfigError", "ConsensusLike", "CoroutineRunner", "DEFAULT_PRIORITIES",
        "Decision", "Direction", "DynamicModelManager", "EventLoopThread", "ExperimentError",
        "GenesisError", "Guardrail",
        "IntelligentModelSelector", "InvalidRecordError", "JudgeError", "METRICS", "Metric",
        "MetricKind",
        "ModelCatalog",
        "ModelDatabase", "ModelSpec", "ModelStatus", "NoEligibleModelError", "OBJECTIVES",
        "PerformanceRecord", "PerformanceTracker", "ProviderError", "RampPlan", "Recommendation",
        "Router", "SEED_COST_OPTIMIZED_ASSIGNMENT", "ShareBudget",
        "SimClock", "Store", "StoreError",
        "StoreUnavailableError", "SyncModelManager", "SystemClock", "TASK_NAME_PATTERN",
        "TaskLike", "TaskThresholds",
        "TaskType", "UnknownModelError", "UnknownTaskError", "call_cost", "expected_cost",
        "failed_attempt_record",
        "normalise_priorities",
        "open_store", "pareto_front", "parse_score", "task_name", "wire_prompt_hash",
        "load_or_create_key", "RecordBatch", "Weighing", "paced_factors",
    },
    "hive": {
        "BallotError", "Consensus", "DelegatedVote", "DelegationError", "DelegationResult",
        "GraphKind", "HiveError", "HiveMind", "METHODS", "MethodOptions", "OpinionDynamics",
        "Tie", "UnknownMethodError", "aggregate", "build_graph", "count_profile", "Profile",
        "profile_from_orders", "complete", "degroot",
        "delegate_ballots", "friedkin_johnsen", "label_agents", "resolve_delegations",
        "scale_free", "small_world", "trust_matrix",
    },
    "hive.market": {
        "CrowdWisdom", "FOLLOWS", "MarketConfig", "NETWORKS", "SUMMARY_METRICS", "WorldsRun",
        "crowd_wisdom", "gini", "lock_in", "lorenz_rounds", "measure_run",
        "quality_success_tau", "run_worlds", "summarise", "sweep_worlds", "unpredictability",
    },
    "scenarios": {
        "Evaluation", "EvaluationConfig", "HiveModel", "RunResult", "ScenarioSpec", "Trace",
        "arun_scenario", "builtin_names", "evaluate", "load_scenario", "load_trace", "run_scenario",
    },
    "server": {
        "APIError", "Hints", "ROUTE_PREFIX", "add_serve_command", "create_app", "is_loopback",
    },
}  # fmt: skip
"""Each package's public API (agents' is pinned in tests/agents)."""

# Sub-packages with an API of their own, and the command registration the entry point composes.
_API_MODULES = {
    "selection.abtest",
    "selection.providers",
    "selection.stats",
    "selection.cli",
    "selection.extras",
    "selection.lazy",  # how a package root loads its names on first use
    "hive.market",
}


@pytest.mark.parametrize("package", sorted(PUBLIC))
def test_public_names_are_pinned(package):
    module = importlib.import_module(package)
    assert set(module.__all__) == PUBLIC[package]


def test_the_seed_names_are_public():
    import selection

    assert {
        "DynamicModelManager",
        "TaskType",
        "PerformanceRecord",
        "ModelSpec",
        "ModelCatalog",
        "Recommendation",
        "PerformanceTracker",
        "IntelligentModelSelector",
        "Store",
        "open_store",
    } <= set(selection.__all__)


def test_upper_layers_use_the_public_api_of_lower_ones():
    """An import from another package names its root (or a sub-package with its own API)."""
    import ast
    from pathlib import Path

    layers = ("selection", "agents", "hive", "scenarios", "server")
    root = Path(__file__).resolve().parent.parent
    found = []
    for package in layers:
        for path in sorted((root / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.ImportFrom) or node.module is None:
                    continue
                top = node.module.split(".")[0]
                if top in layers and top != package and node.module != top:
                    if node.module not in _API_MODULES:
                        found.append(f"{path.relative_to(root)}: from {node.module}")
                    continue
                if top in layers and top != package:
                    exported = set(importlib.import_module(top).__all__)
                    hidden = [a.name for a in node.names if a.name not in exported]
                    if hidden:
                        found.append(f"{path.relative_to(root)}: {top}.{hidden} not exported")
    assert found == []


def test_selection_imports_without_mesa_or_upper_layers():
    import subprocess
    import sys

    code = (
        "import sys, selection, selection.cli;"
        "upper = ('mesa', 'agents', 'hive', 'scenarios');"
        "bad = [m for m in sys.modules if m.split('.')[0] in upper];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
