"""A seedable many-task trace whose per-task gaps between models vary as MMLU's subjects do.

The real multi-task traces (RouterBench's MMLU: 57 subjects, one ``eval_name`` each) are not
in this repository; this generator stands in for them until one is. Each prompt ``i`` of task
``t`` is answered right by model ``m`` with probability

    sigmoid(ability_m + difficulty_t + affinity_mt + hardness_i)

- ``difficulty_t ~ N(0, task_sd)``: some subjects are hard for every model;
- ``affinity_mt ~ N(0, interaction_sd)``: a model is better or worse than its level on a
  subject (so the gap between two models varies from subject to subject);
- ``hardness_i ~ N(0, prompt_sd)``: a question hard for one model tends to be hard for all
  (answers are correlated across models, as in GSM8K's file: few prompts only the weak model
  gets right).

On the logit scale the gap is constant up to the affinities; on the accuracy scale it shrinks
near the ceiling, so easy subjects show small gaps and hard ones large gaps, as MMLU's do.

Defaults (two models named after RouteLLM's pair) aim at the published overall MMLU
accuracies, GPT-4 86.4% (5-shot, OpenAI's report) and Mixtral-8x7B 70.6% (Mistral's paper),
with per-subject gaps spread from about 0.05 to 0.3 around a mean near 0.16. Those spreads are
our reading of public per-subject tables, not numbers fitted to a file held here: treat the
trace as MMLU-like, not as MMLU. Expected over subjects, the defaults give mean accuracies
0.865 and 0.703, per-subject standard deviations 0.088 and 0.138, and gaps with mean 0.161,
standard deviation 0.083 and 5-95% range 0.04-0.31 (by quadrature over 20,000 subjects).
Task sizes are log-normal (MMLU's subjects hold 100 to 1,534 test questions); costs are each
model's mean cost per request times one log-normal factor per prompt (a prompt's length),
shared by every model.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.special import expit

from scenarios.evaluation.traces import Trace

__all__ = ["MMLU_LIKE_MODELS", "mmlu_like_trace"]

MMLU_LIKE_MODELS: Mapping[str, tuple[float, float]] = {
    # model id: (ability on the logit scale, mean USD per request)
    # costs: ~400 input and ~10 output tokens at GPT-4-1106's $10/$30 and Mixtral's $0.6 per M
    "gpt-4-1106-preview": (2.75, 0.0043),
    "mixtral-8x7b-instruct": (1.32, 0.00025),
}


def mmlu_like_trace(
    rng: np.random.Generator,
    *,
    n_tasks: int = 50,
    n_prompts: int = 5000,
    models: Mapping[str, tuple[float, float]] = MMLU_LIKE_MODELS,
    task_sd: float = 0.9,
    interaction_sd: float = 0.4,
    prompt_sd: float = 1.5,
    size_sd: float = 0.6,
    cost_spread: float = 0.3,
    min_task_size: int = 20,
    name: str = "mmlu-like",
) -> Trace:
    """Draw the trace (see the module's doc); the same generator state gives the same trace.

    Raises:
        ValueError: fewer than one task or model, a negative spread, or fewer prompts than
            ``n_tasks * min_task_size``.
    """
    if n_tasks < 1 or not models:
        raise ValueError("give at least one task and one model")
    for label, value in (("task_sd", task_sd), ("interaction_sd", interaction_sd),
                         ("prompt_sd", prompt_sd), ("size_sd", size_sd),
                         ("cost_spread", cost_spread)):  # fmt: skip
        if not (np.isfinite(value) and value >= 0):
            raise ValueError(f"{label} must be a finite number >= 0, got {value!r}")
    if min_task_size < 1 or n_prompts < n_tasks * min_task_size:
        raise ValueError(
            f"n_prompts ({n_prompts}) must be at least n_tasks * min_task_size "
            f"({n_tasks} * {min_task_size})"
        )
    ids = tuple(models)
    ability = np.array([models[m][0] for m in ids])
    mean_cost = np.array([models[m][1] for m in ids])
    if (mean_cost < 0).any() or not np.isfinite(mean_cost).all():
        raise ValueError("every model's mean cost must be a finite number >= 0")
    weights = rng.lognormal(0.0, size_sd, n_tasks)
    spare = n_prompts - n_tasks * min_task_size
    sizes = min_task_size + np.floor(spare * weights / weights.sum()).astype(int)
    sizes[: n_prompts - sizes.sum()] += 1  # hand out the remainder, one each
    task_index = rng.permutation(np.repeat(np.arange(n_tasks), sizes)).astype(np.intp)
    difficulty = rng.normal(0.0, task_sd, n_tasks)
    affinity = rng.normal(0.0, interaction_sd, (n_tasks, len(ids)))
    hardness = rng.normal(0.0, prompt_sd, n_prompts)
    logit = ability[None, :] + (difficulty[:, None] + affinity)[task_index] + hardness[:, None]
    quality = (rng.random((n_prompts, len(ids))) < expit(logit)).astype(float)
    length = rng.lognormal(-(cost_spread**2) / 2, cost_spread, n_prompts)
    width = len(str(n_tasks - 1))
    return Trace(
        name=name,
        models=ids,
        tasks=tuple(f"subject_{t:0{width}d}" for t in range(n_tasks)),
        prompt_ids=tuple(f"q{i}" for i in range(n_prompts)),
        task_index=task_index,
        quality=quality,
        cost=length[:, None] * mean_cost[None, :],
    )
