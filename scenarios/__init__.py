"""Replayable scenarios: Mesa models that drive the real selection core and tracker.

:func:`run_scenario` runs a scenario (a built-in name or a TOML file, see
:func:`load_scenario`) under one policy and returns its metrics (inside an event loop, such as
a notebook's, ``await`` :func:`arun_scenario`); ``replay`` checks a
run's event log bit for bit (:mod:`scenarios.replay`); :mod:`scenarios.sweep` runs many
seeds and settings.
:mod:`scenarios.evaluation` judges routing policies on benchmark traces.

The names load on first use, so that the command line starts without importing Mesa,
matplotlib or scipy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from selection.lazy import lazy_exports

if TYPE_CHECKING:
    from scenarios.evaluation import Evaluation, EvaluationConfig, Trace, evaluate, load_trace
    from scenarios.model import HiveModel
    from scenarios.run import RunResult, arun_scenario, run_scenario
    from scenarios.spec import ScenarioSpec, builtin_names, load_scenario

_HOMES = {
    "Evaluation": "scenarios.evaluation",
    "EvaluationConfig": "scenarios.evaluation",
    "HiveModel": "scenarios.model",
    "RunResult": "scenarios.run",
    "ScenarioSpec": "scenarios.spec",
    "arun_scenario": "scenarios.run",
    "Trace": "scenarios.evaluation",
    "builtin_names": "scenarios.spec",
    "evaluate": "scenarios.evaluation",
    "load_scenario": "scenarios.spec",
    "load_trace": "scenarios.evaluation",
    "run_scenario": "scenarios.run",
}

__all__ = [
    "Evaluation",
    "EvaluationConfig",
    "HiveModel",
    "RunResult",
    "ScenarioSpec",
    "Trace",
    "arun_scenario",
    "builtin_names",
    "evaluate",
    "load_scenario",
    "load_trace",
    "run_scenario",
]

__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
