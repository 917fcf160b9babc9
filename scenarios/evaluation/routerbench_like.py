"""A seedable 57-subject trace with RouterBench's eleven MMLU models, their accuracies and prices.

RouterBench (Hu et al. 2024, "RouterBench: A Benchmark for Multi-LLM Routing System",
arXiv:2403.12031) records eleven models on MMLU's 57 subjects, one ``eval_name`` per subject.
Its data file is not in this repository; this generator stands in for it with the same shape:

- **Overall accuracies**: :data:`ROUTERBENCH_MMLU_ACCURACY`, our transcription of the paper's
  table of 5-shot MMLU results (not checked against the data file; replace them from the file
  when it is at hand).
- **Prices**: :data:`ROUTERBENCH_PRICES_PER_M`, USD per million input and output tokens as
  listed in RouterBench's code (``routers/common.py``, ``TOKEN_COSTS``; that file divides by
  10 million, a constant factor that leaves every ratio unchanged). The cost of one request
  assumes :data:`INPUT_TOKENS` and :data:`OUTPUT_TOKENS` per prompt (a 5-shot MMLU prompt and
  a one-letter answer with some chatter; our estimate).
- **Per-subject spreads are synthetic**: the model of :mod:`scenarios.evaluation.multitask`
  (subject difficulty, a model's affinity per subject, a prompt's hardness shared by every
  model) with its defaults, so subjects differ as MMLU's do; each model's ability on the logit
  scale is solved so that its expected accuracy over subjects and prompts equals the published
  overall accuracy.

Treat the trace as RouterBench-like, not as RouterBench: the gaps per subject, and which
model is best where, are draws, not data.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit

from scenarios.evaluation.multitask import mmlu_like_trace
from scenarios.evaluation.traces import Trace

__all__ = [
    "INPUT_TOKENS",
    "OUTPUT_TOKENS",
    "ROUTERBENCH_MMLU_ACCURACY",
    "ROUTERBENCH_PRICES_PER_M",
    "ability_for_accuracy",
    "routerbench_like_models",
    "routerbench_like_trace",
]

ROUTERBENCH_MMLU_ACCURACY: Mapping[str, float] = {
    # RouterBench paper, table of results per dataset (MMLU, 5-shot), as we read it
    "gpt-4-1106-preview": 0.828,
    "zero-one-ai/Yi-34B-Chat": 0.743,
    "mistralai/mixtral-8x7b-chat": 0.733,
    "gpt-3.5-turbo-1106": 0.720,
    "meta/llama-2-70b-chat": 0.647,
    "claude-v2": 0.619,
    "meta/code-llama-instruct-34b-chat": 0.569,
    "WizardLM/WizardLM-13B-V1.2": 0.568,
    "mistralai/mistral-7b-chat": 0.562,
    "claude-v1": 0.475,
    "claude-instant-v1": 0.384,
}

ROUTERBENCH_PRICES_PER_M: Mapping[str, tuple[float, float]] = {
    # model: (USD per million input tokens, per million output tokens), RouterBench's TOKEN_COSTS
    "gpt-4-1106-preview": (10.0, 30.0),
    "zero-one-ai/Yi-34B-Chat": (0.8, 0.8),
    "mistralai/mixtral-8x7b-chat": (0.6, 0.6),
    "gpt-3.5-turbo-1106": (1.0, 2.0),
    "meta/llama-2-70b-chat": (0.9, 0.9),
    "claude-v2": (8.0, 24.0),
    "meta/code-llama-instruct-34b-chat": (0.776, 0.776),
    "WizardLM/WizardLM-13B-V1.2": (0.3, 0.3),
    "mistralai/mistral-7b-chat": (0.2, 0.2),
    "claude-v1": (8.0, 24.0),
    "claude-instant-v1": (0.8, 2.4),
}

INPUT_TOKENS = 600  # a 5-shot MMLU prompt (our estimate)
OUTPUT_TOKENS = 20  # the answer letter, often with a sentence around it (our estimate)

# the spreads of the multitask model's logit around a model's ability (its defaults)
_TASK_SD, _INTERACTION_SD, _PROMPT_SD = 0.9, 0.4, 1.5


def ability_for_accuracy(accuracy: float, spread: float) -> float:
    """The logit-scale ability ``a`` with ``E[expit(a + spread * Z)] = accuracy``, Z normal.

    That is the mean accuracy when the logit scatters normally with sd ``spread`` around it.

    Raises:
        ValueError: ``accuracy`` not strictly between 0 and 1, or a negative spread.
    """
    if not 0 < accuracy < 1:
        raise ValueError(f"accuracy must be strictly between 0 and 1, got {accuracy!r}")
    if not (np.isfinite(spread) and spread >= 0):
        raise ValueError(f"spread must be a finite number >= 0, got {spread!r}")
    nodes, weights = np.polynomial.hermite_e.hermegauss(64)
    weights = weights / weights.sum()

    def gap(ability: float) -> float:
        return float(weights @ expit(ability + spread * nodes)) - accuracy

    return float(brentq(gap, -30.0, 30.0, xtol=1e-10))


def routerbench_like_models(
    accuracy: Mapping[str, float] = ROUTERBENCH_MMLU_ACCURACY,
    prices_per_m: Mapping[str, tuple[float, float]] = ROUTERBENCH_PRICES_PER_M,
    *,
    input_tokens: int = INPUT_TOKENS,
    output_tokens: int = OUTPUT_TOKENS,
) -> dict[str, tuple[float, float]]:
    """``model -> (ability on the logit scale, mean USD per request)`` for :func:`mmlu_like_trace`.

    Raises:
        ValueError: a model has an accuracy but no price, or the reverse.
    """
    if set(accuracy) != set(prices_per_m):
        raise ValueError(
            f"accuracies and prices must name the same models; only one of them names "
            f"{sorted(set(accuracy) ^ set(prices_per_m))}"
        )
    spread = float(np.sqrt(_TASK_SD**2 + _INTERACTION_SD**2 + _PROMPT_SD**2))
    out = {}
    for model_id, acc in accuracy.items():
        price_in, price_out = prices_per_m[model_id]
        cost = (input_tokens * price_in + output_tokens * price_out) / 1e6
        out[model_id] = (ability_for_accuracy(acc, spread), cost)
    return out


def routerbench_like_trace(
    rng: np.random.Generator,
    *,
    n_prompts: int = 14_042,
    n_tasks: int = 57,
    name: str = "routerbench-like-mmlu",
) -> Trace:
    """Draw the trace: ``n_tasks`` subjects, RouterBench's eleven models (see the module's doc).

    The default size is MMLU's test set (14,042 questions); the same generator state gives
    the same trace.
    """
    return mmlu_like_trace(
        rng,
        n_tasks=n_tasks,
        n_prompts=n_prompts,
        models=routerbench_like_models(),
        task_sd=_TASK_SD,
        interaction_sd=_INTERACTION_SD,
        prompt_sd=_PROMPT_SD,
        name=name,
    )
