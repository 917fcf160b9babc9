"""Task types and the performance metrics they are judged by (:mod:`selection.metrics`).

The seed's task types are built in as :class:`TaskType`. Users declare their own by name
(a catalog, a scenario or a benchmark trace brings its own); everything that takes a task
type takes such a name too. Names are lower snake case: ``"legal_review"``.
"""

from __future__ import annotations

import re
from enum import StrEnum

from selection.metrics import Metric

__all__ = [
    "METRICS",
    "TASK_NAME_PATTERN",
    "Metric",
    "TaskLike",
    "TaskType",
    "task_name",
]


class TaskType(StrEnum):
    """The task types the seed document names; custom ones are plain strings."""

    CONSCIOUSNESS_PROCESSING = "consciousness_processing"
    LOGICAL_REASONING = "logical_reasoning"
    CREATIVE_GENERATION = "creative_generation"
    PATTERN_RECOGNITION = "pattern_recognition"
    MEMORY_INTEGRATION = "memory_integration"
    PHILOSOPHICAL_ANALYSIS = "philosophical_analysis"
    TECHNICAL_EXPLANATION = "technical_explanation"
    EMOTIONAL_UNDERSTANDING = "emotional_understanding"
    HUMOR_GENERATION = "humor_generation"
    DECISION_MAKING = "decision_making"


TaskLike = TaskType | str
"""A built-in task type or the name of a declared one."""

TASK_NAME_PATTERN = r"^[a-z][a-z0-9_]{0,99}$"
"""What a canonical task type name looks like: lower snake case, at most 100 characters."""
_TASK_NAME = re.compile(TASK_NAME_PATTERN)


def task_name(task: TaskLike) -> str:
    """Return the canonical name of a task type, accepting members and names alike.

    Raises:
        ValueError: if the name is not lower snake case (letters, digits, ``_``), at most 100
            characters, starting with a letter.
    """
    if isinstance(task, TaskType):
        return task.value
    if not isinstance(task, str):
        raise TypeError(f"a task type must be a TaskType or a str, not {type(task).__name__}")
    name = task.strip().lower()
    if not _TASK_NAME.match(name):
        raise ValueError(
            f"invalid task type name {task!r}: use lower snake case, e.g. 'legal_review'"
        )
    return name


METRICS: tuple[Metric, ...] = tuple(Metric)
"""All ten metrics, in the seed's order."""
