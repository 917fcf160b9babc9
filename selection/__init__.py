"""Genesis Prime's selection core: catalog, records, stores, tracker, selector, manager.

Usable on its own: it never imports Mesa or the upper layers (agents, hive, scenarios).

The names load on first use (PEP 562), so that ``import selection`` and the command line start
without importing scipy, httpx or the stores; ``from selection import Router`` works as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from selection.errors import (
    ConfigError,
    ExperimentError,
    GenesisError,
    InvalidRecordError,
    NoEligibleModelError,
    ProviderError,
    StoreError,
    StoreUnavailableError,
    UnknownModelError,
    UnknownTaskError,
)
from selection.lazy import lazy_exports

if TYPE_CHECKING:
    from selection.abtest import (
        ABTest,
        ABTestManager,
        ABTestSpec,
        Decision,
        Guardrail,
        RampPlan,
    )
    from selection.aggregates import Aggregate
    from selection.batch import RecordBatch
    from selection.batch_sums import BatchSums
    from selection.budget import Budget, BudgetPacer, ShareBudget, paced_factors
    from selection.catalog import (
        SEED_COST_OPTIMIZED_ASSIGNMENT,
        ModelCatalog,
        ModelSpec,
        ModelStatus,
    )
    from selection.clock import Clock, SimClock, SystemClock
    from selection.completion import failed_attempt_record, wire_prompt_hash
    from selection.core import ChoiceMode, Router, Weighing
    from selection.hive_feedback import ConsensusLike
    from selection.judges import JudgeError, parse_score
    from selection.loopthread import CoroutineRunner, EventLoopThread
    from selection.manager import DynamicModelManager
    from selection.metrics import Direction, MetricKind
    from selection.pricing import call_cost, expected_cost
    from selection.priorities import DEFAULT_PRIORITIES, OBJECTIVES, normalise_priorities
    from selection.prompt_key import load_or_create_key
    from selection.recommendation import Recommendation
    from selection.records import PerformanceRecord
    from selection.scoring import pareto_front
    from selection.selector import IntelligentModelSelector
    from selection.store import Store, open_store
    from selection.sync import SyncModelManager
    from selection.tasks import METRICS, TASK_NAME_PATTERN, Metric, TaskLike, TaskType, task_name
    from selection.thresholds import TaskThresholds
    from selection.tracker import PerformanceTracker

    ModelDatabase = ModelCatalog

_HOMES: dict[str, tuple[str, str]] = {
    "ABTest": ("selection.abtest", "ABTest"),
    "ABTestManager": ("selection.abtest", "ABTestManager"),
    "ABTestSpec": ("selection.abtest", "ABTestSpec"),
    "Aggregate": ("selection.aggregates", "Aggregate"),
    "BatchSums": ("selection.batch_sums", "BatchSums"),
    "Budget": ("selection.budget", "Budget"),
    "BudgetPacer": ("selection.budget", "BudgetPacer"),
    "ShareBudget": ("selection.budget", "ShareBudget"),
    "ChoiceMode": ("selection.core", "ChoiceMode"),
    "Clock": ("selection.clock", "Clock"),
    "ConsensusLike": ("selection.hive_feedback", "ConsensusLike"),
    "CoroutineRunner": ("selection.loopthread", "CoroutineRunner"),
    "DEFAULT_PRIORITIES": ("selection.priorities", "DEFAULT_PRIORITIES"),
    "Decision": ("selection.abtest", "Decision"),
    "Direction": ("selection.metrics", "Direction"),
    "DynamicModelManager": ("selection.manager", "DynamicModelManager"),
    "EventLoopThread": ("selection.loopthread", "EventLoopThread"),
    "Guardrail": ("selection.abtest", "Guardrail"),
    "IntelligentModelSelector": ("selection.selector", "IntelligentModelSelector"),
    "METRICS": ("selection.tasks", "METRICS"),
    "Metric": ("selection.tasks", "Metric"),
    "MetricKind": ("selection.metrics", "MetricKind"),
    "ModelCatalog": ("selection.catalog", "ModelCatalog"),
    "ModelDatabase": ("selection.catalog", "ModelCatalog"),
    "ModelSpec": ("selection.catalog", "ModelSpec"),
    "ModelStatus": ("selection.catalog", "ModelStatus"),
    "OBJECTIVES": ("selection.priorities", "OBJECTIVES"),
    "JudgeError": ("selection.judges", "JudgeError"),
    "parse_score": ("selection.judges", "parse_score"),
    "PerformanceRecord": ("selection.records", "PerformanceRecord"),
    "PerformanceTracker": ("selection.tracker", "PerformanceTracker"),
    "RampPlan": ("selection.abtest", "RampPlan"),
    "Recommendation": ("selection.recommendation", "Recommendation"),
    "RecordBatch": ("selection.batch", "RecordBatch"),
    "Router": ("selection.core", "Router"),
    "SEED_COST_OPTIMIZED_ASSIGNMENT": ("selection.catalog", "SEED_COST_OPTIMIZED_ASSIGNMENT"),
    "SimClock": ("selection.clock", "SimClock"),
    "Store": ("selection.store", "Store"),
    "SyncModelManager": ("selection.sync", "SyncModelManager"),
    "SystemClock": ("selection.clock", "SystemClock"),
    "TASK_NAME_PATTERN": ("selection.tasks", "TASK_NAME_PATTERN"),
    "TaskLike": ("selection.tasks", "TaskLike"),
    "TaskThresholds": ("selection.thresholds", "TaskThresholds"),
    "TaskType": ("selection.tasks", "TaskType"),
    "Weighing": ("selection.core", "Weighing"),
    "call_cost": ("selection.pricing", "call_cost"),
    "expected_cost": ("selection.pricing", "expected_cost"),
    "failed_attempt_record": ("selection.completion", "failed_attempt_record"),
    "load_or_create_key": ("selection.prompt_key", "load_or_create_key"),
    "normalise_priorities": ("selection.priorities", "normalise_priorities"),
    "open_store": ("selection.store", "open_store"),
    "paced_factors": ("selection.budget", "paced_factors"),
    "pareto_front": ("selection.scoring", "pareto_front"),
    "task_name": ("selection.tasks", "task_name"),
    "wire_prompt_hash": ("selection.completion", "wire_prompt_hash"),
}
"""Public name -> (module that defines it, its name there)."""

__all__ = [
    "DEFAULT_PRIORITIES",
    "METRICS",
    "OBJECTIVES",
    "SEED_COST_OPTIMIZED_ASSIGNMENT",
    "TASK_NAME_PATTERN",
    "ABTest",
    "ABTestManager",
    "ABTestSpec",
    "Aggregate",
    "BatchSums",
    "Budget",
    "BudgetPacer",
    "ChoiceMode",
    "Clock",
    "ConfigError",
    "ConsensusLike",
    "CoroutineRunner",
    "Decision",
    "Direction",
    "DynamicModelManager",
    "EventLoopThread",
    "ExperimentError",
    "GenesisError",
    "Guardrail",
    "IntelligentModelSelector",
    "InvalidRecordError",
    "JudgeError",
    "Metric",
    "MetricKind",
    "ModelCatalog",
    "ModelDatabase",
    "ModelSpec",
    "ModelStatus",
    "NoEligibleModelError",
    "PerformanceRecord",
    "PerformanceTracker",
    "ProviderError",
    "RampPlan",
    "Recommendation",
    "RecordBatch",
    "Router",
    "ShareBudget",
    "SimClock",
    "Store",
    "StoreError",
    "StoreUnavailableError",
    "SyncModelManager",
    "SystemClock",
    "TaskLike",
    "TaskThresholds",
    "TaskType",
    "UnknownModelError",
    "UnknownTaskError",
    "Weighing",
    "call_cost",
    "expected_cost",
    "failed_attempt_record",
    "load_or_create_key",
    "normalise_priorities",
    "open_store",
    "paced_factors",
    "pareto_front",
    "parse_score",
    "task_name",
    "wire_prompt_hash",
]

__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
