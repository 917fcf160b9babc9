"""Genesis Prime's selection core: catalog, records, stores, tracker, selector, manager.

Usable on its own: it never imports Mesa or the upper layers (agents, hive, scenarios).
"""

from selection.abtest import (
    ABTest,
    ABTestManager,
    ABTestSpec,
    Decision,
    Guardrail,
    RampPlan,
)
from selection.aggregates import Aggregate
from selection.budget import Budget, BudgetPacer
from selection.catalog import SEED_COST_OPTIMIZED_ASSIGNMENT, ModelCatalog, ModelSpec, ModelStatus
from selection.clock import Clock, SimClock, SystemClock
from selection.completion import failed_attempt_record, wire_prompt_hash
from selection.core import ChoiceMode, Router
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
from selection.hive_feedback import ConsensusLike
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

# The seed document's names for the same parts.
ModelDatabase = ModelCatalog

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
    "Router",
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
    "call_cost",
    "expected_cost",
    "failed_attempt_record",
    "load_or_create_key",
    "normalise_priorities",
    "open_store",
    "pareto_front",
    "task_name",
    "wire_prompt_hash",
]
