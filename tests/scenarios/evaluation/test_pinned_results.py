"""Evaluation results stay bit-identical: digests of runs.csv, summary.csv and every choice.

The digests were taken on main before the replay was made faster (issue #19); a change that
moves any of them changes what ``evaluate`` reports and must say so as a documented fix.
Regenerate (only for such a fix) with ``python tests/scenarios/evaluation/test_pinned_results.py``.
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from scenarios.evaluation import EvaluationConfig, Trace, evaluate, load_trace, synthetic_trace
from scenarios.evaluation.builtin_traces import trace_file
from scenarios.evaluation.cli import all_policies
from scenarios.evaluation.multitask import mmlu_like_trace
from scenarios.evaluation.summary import build_report, write_csv

ACCURACY = {
    "math": {"big": 0.90, "mid": 0.75, "small": 0.55},
    "code": {"big": 0.85, "mid": 0.80, "small": 0.50},
    "chat": {"big": 0.80, "mid": 0.78, "small": 0.74},
}
COST = {"big": 0.01, "mid": 0.002, "small": 0.0002}
LATENCY = {"big": 900.0, "mid": 400.0, "small": 150.0}


def _trace(name: str) -> Trace:
    if name == "gsm8k":
        return load_trace(trace_file("gsm8k"))
    if name == "synthetic":
        rng = np.random.default_rng(3)
        return synthetic_trace(
            rng, n_prompts=1500, accuracy=ACCURACY, cost=COST, latency_ms=LATENCY
        )
    return mmlu_like_trace(np.random.default_rng(4), n_tasks=8, n_prompts=1200)


CASES: dict[str, tuple[str, EvaluationConfig]] = {
    "gsm8k": ("gsm8k", EvaluationConfig(weights=(0.0, 0.3, 0.7, 1.0), seed=0)),
    "gsm8k-budget": (
        "gsm8k",
        EvaluationConfig(weights=(0.5,), seed=1, budget=0.5, shuffle=True, batch_size=37),
    ),
    "synthetic": ("synthetic", EvaluationConfig(weights=(0.0, 0.2, 0.6, 1.0), seed=2)),
    "synthetic-budget": (
        "synthetic",
        EvaluationConfig(weights=(0.1, 0.9), seed=3, budget=0.4, batch_size=1),
    ),
    "multitask": (
        "multitask",
        EvaluationConfig(weights=(0.0, 0.5, 1.0), seed=4, shuffle=True, batch_size=50),
    ),
    "multitask-budget": (
        "multitask",
        EvaluationConfig(weights=(0.25,), seed=5, budget=0.3, batch_size=100),
    ),
}

PINNED: dict[str, str] = {
    "gsm8k": "3ef6401567c5c35db13f50dc5bff86df7d8169726949609216615f7d0dcb1675",
    "gsm8k-budget": "dfaea6fbce026b5f59b16410bf9ef3ceb30bb424ddc91de468dec88bfaab492c",
    "multitask": "387b5911fa6eb5a0b158f9186eb221075aa81074225dddcf4b69883453a26f3a",
    "multitask-budget": "76e757b3af049357256170bb14a1436e8c54297977200bfee800e942c894bfde",
    "synthetic": "a8e556435b58ecc4777b5b1ebad3cfbaab64b768433eb3f6421e8ad332e37fd6",
    "synthetic-budget": "20b7e8289fbe094296ed49219e4eccc1cb882c04f18663dfea8a05da2171de0b",
}


# the policies there were when the digests were taken (a policy added later adds rows of its own)
PINNED_POLICIES = (
    "selector", "selector-thompson", "selector-shared", "selector-shared-thompson", "random",
    "cheapest", "best-single", "seed-assignment", "cost-first", "latency-first", "selector+hive",
)  # fmt: skip


def digest(case: str) -> str:
    """SHA-256 over every run's choices, runs.csv and summary.csv of one case."""
    trace_name, config = CASES[case]
    trace = _trace(trace_name)
    known = all_policies()
    policies = [
        known[name]
        for name in PINNED_POLICIES
        if trace.has_latency or not known[name].needs_latency
    ]
    evaluation = asyncio.run(evaluate(trace, policies, config))
    h = hashlib.sha256()
    for run in evaluation.runs:
        h.update(f"{run.policy}|{run.weight}|{run.budget}|".encode())
        h.update(np.ascontiguousarray(run.choices, dtype=np.int64).tobytes())
    with tempfile.TemporaryDirectory() as folder:
        for path in write_csv(build_report(evaluation), Path(folder)):
            h.update(path.read_bytes())
    return h.hexdigest()


@pytest.mark.parametrize("case", sorted(CASES))
def test_results_match_the_pinned_digest(case: str) -> None:
    assert digest(case) == PINNED[case]


if __name__ == "__main__":
    for name in sorted(CASES):
        print(f"    {name!r}: {digest(name)!r},", file=sys.stdout, flush=True)
