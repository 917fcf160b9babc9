"""Replayable scenarios: Mesa models that drive the real selector and tracker.

:mod:`scenarios.evaluation` judges routing policies on benchmark traces.
"""

from scenarios.evaluation import Evaluation, EvaluationConfig, Trace, evaluate, load_trace

__all__ = ["Evaluation", "EvaluationConfig", "Trace", "evaluate", "load_trace"]
