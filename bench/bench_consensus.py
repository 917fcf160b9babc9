"""Time one consensus over 10,000 agents ranking 50 models, for every method.

Run: ``.venv/bin/python bench/bench_consensus.py [--agents N] [--models M] [--repeat R]``.

Ballots are random full rankings (seeded) with random weights in [0.1, 1]; ballot construction
is outside the timing, ``aggregate`` (validation, rank matrix, method, agreement, report) is
inside it. Prints the median and minimum over the repeats, and the target for the method.

Then the positional methods from integer arrays (``profile_from_orders`` + ``count_profile``:
every check of the arrays, scores, support, ties, the Consensus) against a plain numpy
implementation of the same rule on the same arrays (scores only), alternating; target ratio
<= 2. The ``pass`` column is one read of the whole array (``orders.max()``), the least that any
check of every index costs: plurality's floor reads only the first column, so a checked
plurality cannot come within 2x of it (see README, "Close to the floor"). Agreement and
collective approval are computed when first read: the ``+W`` column times the count with both
read. BLAS runs on one thread (set before numpy loads): on a shared
machine its threads made the matmul floor erratic (10x swings).
"""

# ruff: noqa: E402 - BLAS threads are set before numpy loads
from __future__ import annotations

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse
import statistics
import time
from typing import Any

import numpy as np

from agents import Ballot
from hive import METHODS, aggregate, count_profile, profile_from_orders

TARGET_MS = {
    "plurality": 50,
    "borda": 50,
    "approval": 50,
    "score": 50,
    "copeland": 200,
    "schulze": 200,
    "bradley_terry": 200,
}


def random_ballots(n_agents: int, n_models: int, seed: int) -> list[Ballot]:
    rng = np.random.default_rng(seed)
    models = [f"provider/model-{i:03d}" for i in range(n_models)]
    orders = np.argsort(rng.random((n_agents, n_models)), axis=1)
    weights = rng.uniform(0.1, 1.0, size=n_agents)
    return [
        Ballot(
            voter=f"agent-{i:05d}",
            task="consciousness_processing",
            ranking=[models[j] for j in order],
            weight=float(weight),
        )
        for i, (order, weight) in enumerate(zip(orders, weights, strict=True))
    ]


def numpy_scores(method: str, orders: np.ndarray, weights: np.ndarray) -> Any:
    """The rule alone, in plain numpy, for full rankings."""
    n, m = orders.shape
    total = float(weights.sum())
    if method == "plurality":
        return np.bincount(orders[:, 0], weights=weights, minlength=m) / total
    if method == "approval":  # each voter approves the better half of its ranking
        half = (m + 1) // 2
        return np.bincount(orders[:, :half].ravel(), np.repeat(weights, half), minlength=m) / total
    positions = np.empty((n, m))  # borda, and score (no ballot carries scores)
    positions[np.arange(n)[:, None], orders] = np.arange(m)
    return weights @ ((m - 1 - positions) / (m - 1)) / total


def from_arrays(n_agents: int, n_models: int, seed: int, repeat: int) -> None:
    rng = np.random.default_rng(seed)
    models = [f"provider/model-{i:03d}" for i in range(n_models)]
    orders = np.argsort(rng.random((n_agents, n_models)), axis=1)
    weights = rng.uniform(0.1, 1.0, size=n_agents)
    print(
        f"\nfrom integer arrays ({n_agents} x {n_models}), median ms of {repeat} alternating runs"
    )
    print(
        f"{'method':<14} {'ours':>8} {'numpy':>8} {'ratio':>6}  {'ours+W':>8} {'ratio':>6}"
        f"  {'pass':>6} {'ratio':>6}"
    )
    for method in ("plurality", "borda", "approval", "score"):
        ours, floor, read, one_pass = [], [], [], []
        for _ in range(repeat + 1):  # the first round warms up
            start = time.perf_counter()
            profile = profile_from_orders(orders, models, task="code_generation", weights=weights)
            result = count_profile(profile, method)
            ours.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            plain = numpy_scores(method, orders, weights)
            floor.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            profile = profile_from_orders(orders, models, task="code_generation", weights=weights)
            full = count_profile(profile, method)
            _ = full.agreement, full.collective_approval
            read.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            orders.max()
            one_pass.append((time.perf_counter() - start) * 1000)
        got = np.array([result.scores[name] for name in models])
        assert np.allclose(got, plain, rtol=1e-12, atol=1e-15), method
        a, b, c, d = (statistics.median(times[1:]) for times in (ours, floor, read, one_pass))
        verdict = "ok" if a <= 2 * b else "over"
        print(
            f"{method:<14} {a:8.2f} {b:8.2f} {a / b:6.2f}  {c:8.2f} {c / b:6.2f}"
            f"  {d:6.2f} {d / b:6.2f}  {verdict}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--models", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--seed", type=int, default=20_240_601)
    args = parser.parse_args()

    ballots = random_ballots(args.agents, args.models, args.seed)
    print(f"{args.agents} agents, {args.models} models, {args.repeat} runs, seed {args.seed}")
    print(f"{'method':<14} {'median ms':>10} {'min ms':>8} {'target ms':>10}  winner")
    for method in METHODS:
        aggregate(ballots, method)  # warm-up
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = aggregate(ballots, method)
            times.append((time.perf_counter() - start) * 1000)
        median = statistics.median(times)
        target = TARGET_MS.get(method)
        verdict = "" if target is None else ("ok" if median < target else "SLOW")
        print(
            f"{method:<14} {median:>10.1f} {min(times):>8.1f} {target or '-':>10}  "
            f"{result.preferred_model} {verdict}"
        )
    from_arrays(args.agents, args.models, args.seed, args.repeat)


if __name__ == "__main__":
    main()
