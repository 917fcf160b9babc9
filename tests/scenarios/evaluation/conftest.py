"""Traces for the evaluation tests: the real GSM8K slice, a hand-made one, a synthetic one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scenarios.evaluation import Trace, synthetic_trace

DATA = Path(__file__).parent / "data"


@pytest.fixture
def gsm8k_slice() -> Path:
    """The first 200 rows of RouteLLM's GSM8K results (see data/SOURCES.md)."""
    return DATA / "routellm_gsm8k_first200.csv"


@pytest.fixture
def hand_trace() -> Trace:
    """Three prompts, three models (cheap a, mid b, dear c), two tasks; small enough to do by hand.

    ========  ====  ===========  ===========
    prompt    task  quality abc  cost abc
    ========  ====  ===========  ===========
    p0        x     0 1 1        1 2 3
    p1        x     1 1 1        1 2 3
    p2        y     0 0 0        1 2 3
    ========  ====  ===========  ===========
    """
    return Trace(
        name="hand",
        models=("a", "b", "c"),
        tasks=("x", "y"),
        prompt_ids=("p0", "p1", "p2"),
        task_index=np.array([0, 0, 1]),
        quality=np.array([[0.0, 1, 1], [1, 1, 1], [0, 0, 0]]),
        cost=np.array([[1.0, 2, 3], [1, 2, 3], [1, 2, 3]]),
    )


def two_task_trace(n: int = 2000, seed: int = 5, **kwargs) -> Trace:
    """Model 'coder' is best on code, 'writer' on prose; 'cheap' is cheap and weak."""
    return synthetic_trace(
        np.random.default_rng(seed),
        n_prompts=n,
        accuracy={
            "code": {"coder": 0.9, "writer": 0.5, "cheap": 0.4},
            "prose": {"coder": 0.5, "writer": 0.9, "cheap": 0.45},
        },
        cost={"coder": 0.002, "writer": 0.002, "cheap": 0.0002},
        **kwargs,
    )


@pytest.fixture
def two_tasks() -> Trace:
    """A synthetic trace where the best model depends on the task."""
    return two_task_trace()
