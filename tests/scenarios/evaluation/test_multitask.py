"""The MMLU-like trace: seedable, sized as asked, with per-task gaps that vary as documented."""

from __future__ import annotations

import numpy as np
import pytest

from scenarios.evaluation import hindsight
from scenarios.evaluation.multitask import MMLU_LIKE_MODELS, mmlu_like_trace


def test_the_same_seed_gives_the_same_trace():
    a = mmlu_like_trace(np.random.default_rng(5), n_prompts=2000)
    b = mmlu_like_trace(np.random.default_rng(5), n_prompts=2000)
    c = mmlu_like_trace(np.random.default_rng(6), n_prompts=2000)
    assert np.array_equal(a.quality, b.quality)
    assert np.array_equal(a.cost, b.cost)
    assert np.array_equal(a.task_index, b.task_index)
    assert not np.array_equal(a.quality, c.quality)


def test_sizes_and_shape():
    trace = mmlu_like_trace(np.random.default_rng(1), n_tasks=50, n_prompts=3001, min_task_size=20)
    sizes = np.bincount(trace.task_index, minlength=50)
    assert trace.n_prompts == 3001
    assert sizes.sum() == 3001
    assert sizes.min() >= 20
    assert len(trace.tasks) == 50
    assert trace.models == tuple(MMLU_LIKE_MODELS)
    # one length factor per prompt, shared by the models: the cost ratio is the price ratio
    ratio = trace.cost[:, 0] / trace.cost[:, 1]
    assert np.allclose(ratio, 0.0043 / 0.00025)


def test_accuracies_and_gaps_match_the_documented_moments():
    """Over many subjects the draws match the quadrature figures in the module's doc."""
    trace = mmlu_like_trace(np.random.default_rng(2), n_tasks=400, n_prompts=400_000)
    h = hindsight(trace)
    assert h.quality[0] == pytest.approx(0.865, abs=0.015)
    assert h.quality[1] == pytest.approx(0.703, abs=0.02)
    gaps = h.task_quality[:, 0] - h.task_quality[:, 1]
    assert gaps.mean() == pytest.approx(0.161, abs=0.015)
    assert gaps.std() == pytest.approx(0.083, abs=0.015)
    # easy subjects show smaller gaps than hard ones (the ceiling compresses them)
    easy = h.task_quality[:, 0] > np.median(h.task_quality[:, 0])
    assert gaps[easy].mean() < gaps[~easy].mean()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_tasks": 0}, "at least one task"),
        ({"task_sd": -1.0}, "task_sd must be a finite number >= 0"),
        ({"n_prompts": 100}, "at least n_tasks \\* min_task_size"),
        ({"models": {"m": (1.0, -0.1)}}, "mean cost must be a finite number >= 0"),
    ],
)
def test_bad_input_names_what_is_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mmlu_like_trace(np.random.default_rng(0), **kwargs)
