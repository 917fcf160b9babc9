"""Full-size simulations and timings for selection.stats (the A/B testing statistics).

Run: .venv/bin/python bench/bench_ab_stats.py

Prints, with a fixed seed:
  * time to analyse a test from the Moments of 1,000,000 records per arm, and of Moments.of
    over a 1M array (plus the raw-value methods at 1M per arm, which need the values);
  * false-positive rate of A/A tests read after every batch: always-valid (sequential) vs
    naive peeking at the fixed-horizon Welch/z p-value;
  * power at the planned sample size (fixed horizon, and the sequential test at 1x and 2x);
  * coverage of the fixed-horizon intervals, quantile intervals and the confidence sequence.
"""

from __future__ import annotations

import math
import time
import timeit
from collections.abc import Callable

import numpy as np

from selection.stats import (
    Moments,
    mann_whitney,
    noninferiority_test,
    quantile_difference,
    sample_size_means,
    sample_size_proportions,
    sequential_mean_test,
    sequential_proportion_test,
    srm_check,
    two_proportion_test,
    welch_ttest,
)

SEED = 20240601
ALPHA = 0.05


def covers(ci: tuple[float, float], value: float) -> bool:
    return ci[0] <= value <= ci[1]


def per_call_us(fn: Callable[[], object], number: int = 2000) -> float:
    return min(timeit.repeat(fn, number=number, repeat=3)) / number * 1e6


def timings(rng: np.random.Generator) -> None:
    print("== timings ==")
    raw = rng.lognormal(5.0, 1.0, 1_000_000)
    raw_t = rng.lognormal(5.01, 1.0, 1_000_000)
    ms = min(timeit.repeat(lambda: Moments.of(raw), number=5, repeat=3)) / 5 * 1e3
    print(f"Moments.of(1M float64 array)                       {ms:8.2f} ms")
    c, t = Moments.of(raw), Moments.of(raw_t)
    calls: dict[str, Callable[[], object]] = {
        "welch_ttest(Moments of 1M per arm)": lambda: welch_ttest(c, t),
        "two_proportion_test(1M per arm)": lambda: two_proportion_test(
            1_000_000, 100_000, 1_000_000, 101_000
        ),
        "sequential_mean_test(Moments of 1M per arm)": lambda: sequential_mean_test(
            c, t, planned_n_per_arm=1_000_000
        ),
        "noninferiority_test(Moments of 1M per arm)": lambda: noninferiority_test(
            c, t, margin=1.0, higher_is_better=False
        ),
        "srm_check(2 arms)": lambda: srm_check([1_000_000, 1_001_000], [1, 1]),
    }
    for name, fn in calls.items():
        print(f"{name:50s} {per_call_us(fn):8.1f} us")
    raw_calls: dict[str, Callable[[], object]] = {
        "mann_whitney(raw, 1M per arm)": lambda: mann_whitney(raw, raw_t),
        "quantile_difference(raw, 1M per arm, p95)": lambda: quantile_difference(
            raw, raw_t, q=0.95
        ),
    }
    for name, raw_fn in raw_calls.items():
        start = time.perf_counter()
        raw_fn()
        print(f"{name:50s} {(time.perf_counter() - start) * 1e3:8.1f} ms")


def cumulative(batches: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.cumsum(batches.sum(axis=2), axis=1), np.cumsum(np.square(batches).sum(axis=2), axis=1)


def peeking_means(
    draw: Callable[[tuple[int, int, int]], np.ndarray],
    *,
    sims: int,
    looks: int,
    batch: int,
    planned: int,
    truth: float = 0.0,
    draw_t: Callable[[tuple[int, int, int]], np.ndarray] | None = None,
) -> tuple[float, float, float]:
    """Sequential rejection rate, naive-peeking rejection rate, time-uniform CS coverage."""
    shape = (sims, looks, batch)
    s_c, q_c = cumulative(draw(shape))
    s_t, q_t = cumulative((draw_t or draw)(shape))
    seq = naive = covered = 0
    for i in range(sims):
        state = None
        hit = False
        ok = True
        for k in range(looks):
            n = batch * (k + 1)
            c = Moments(n, float(s_c[i, k]), float(q_c[i, k]))
            t = Moments(n, float(s_t[i, k]), float(q_t[i, k]))
            state = sequential_mean_test(c, t, planned_n_per_arm=planned, previous=state)
            hit = hit or welch_ttest(c, t).significant
            ok = ok and covers(state.ci, truth)
        assert state is not None
        seq += state.significant
        naive += hit
        covered += ok
    return seq / sims, naive / sims, covered / sims


def peeking_proportions(
    rng: np.random.Generator, *, rate: float, sims: int, looks: int, batch: int
) -> tuple[float, float]:
    hits = rng.binomial(batch, rate, (2, sims, looks)).cumsum(axis=2)
    seq = naive = 0
    for x_c, x_t in zip(hits[0], hits[1], strict=True):
        state = None
        hit = False
        for k in range(looks):
            n = batch * (k + 1)
            a, b = int(x_c[k]), int(x_t[k])
            state = sequential_proportion_test(
                n, a, n, b, planned_n_per_arm=looks * batch, previous=state
            )
            hit = hit or two_proportion_test(n, a, n, b).significant
        assert state is not None
        seq += state.significant
        naive += hit
    return seq / sims, naive / sims


def aa_section(rng: np.random.Generator) -> None:
    print(f"\n== A/A tests read after every batch (alpha={ALPHA}) ==")
    print(
        f"{'data':38s} {'sims':>5s} {'looks':>5s} {'batch':>5s} {'sequential':>10s} "
        f"{'naive':>7s} {'CS covers':>9s}"
    )
    cases: list[tuple[str, Callable[[tuple[int, int, int]], np.ndarray], int, int, int]] = [
        ("normal(10, 2)", lambda s: rng.normal(10.0, 2.0, s), 3000, 20, 100),
        ("lognormal(0, 1) latency-like", lambda s: rng.lognormal(0.0, 1.0, s), 3000, 20, 100),
        ("lognormal(0, 1.5), small batches", lambda s: rng.lognormal(0.0, 1.5, s), 2000, 20, 20),
        ("bernoulli(0.1) as Moments", lambda s: (rng.random(s) < 0.1).astype(float), 2000, 20, 100),
    ]
    for name, draw, sims, looks, batch in cases:
        seq, naive, cov = peeking_means(
            draw, sims=sims, looks=looks, batch=batch, planned=looks * batch
        )
        print(f"{name:38s} {sims:5d} {looks:5d} {batch:5d} {seq:10.4f} {naive:7.4f} {cov:9.4f}")
    seq, naive = peeking_proportions(rng, rate=0.05, sims=3000, looks=20, batch=200)
    print(f"{'two proportions, rate 0.05':38s} {3000:5d} {20:5d} {200:5d} {seq:10.4f} {naive:7.4f}")


def power_section(rng: np.random.Generator) -> None:
    print("\n== power at the planned sample size (target 0.80) ==")
    plan = sample_size_means(10.0, 2.0, 0.05)
    n = plan.n_per_arm
    sims = 4000
    a = rng.normal(10.0, 2.0, (sims, n))
    b = rng.normal(10.5, 2.0, (sims, n))
    fixed = np.mean(
        [welch_ttest(Moments.of(x), Moments.of(y)).significant for x, y in zip(a, b, strict=True)]
    )
    print(f"means: +5% of 10 (sd 2), n={n}/arm, Welch fixed horizon       {fixed:.4f}")
    plan_p = sample_size_proportions(0.10, 0.2)
    n_p = plan_p.n_per_arm
    x_c, x_t = rng.binomial(n_p, 0.10, 20000), rng.binomial(n_p, 0.12, 20000)
    fixed_p = np.mean(
        [
            two_proportion_test(n_p, int(u), n_p, int(v)).significant
            for u, v in zip(x_c, x_t, strict=True)
        ]
    )
    print(f"rates: 10% -> 12%, n={n_p}/arm, pooled z fixed horizon          {fixed_p:.4f}")
    effect = plan.absolute_mde
    looks, batch = 20, math.ceil(n / 20)
    for horizon in (1, 2):
        seq, _, cov = peeking_means(
            lambda s: rng.normal(10.0, 2.0, s),
            draw_t=lambda s: rng.normal(10.0 + effect, 2.0, s),
            sims=1500,
            looks=looks * horizon,
            batch=batch,
            planned=looks * batch,
            truth=effect,
        )
        print(
            f"means: same effect, sequential, {looks * horizon} looks to {horizon}x plan "
            f"            {seq:.4f}  (CS covered truth at every look: {cov:.4f})"
        )


def coverage_section(rng: np.random.Generator) -> None:
    print("\n== coverage of fixed-horizon intervals (nominal 0.95) ==")
    sims = 10000
    a = rng.normal(10.0, 1.0, (sims, 20))
    b = rng.normal(10.5, 3.0, (sims, 60))
    res = [welch_ttest(Moments.of(x), Moments.of(y)) for x, y in zip(a, b, strict=True)]
    diff_cov = np.mean([covers(r.ci, 0.5) for r in res])
    rel_cov = np.mean([covers(r.relative_ci, 0.05) for r in res])
    print(f"Welch difference, n=20 vs 60, sd 1 vs 3                {diff_cov:.4f}")
    print(f"Welch relative lift (delta method), same data          {rel_cov:.4f}")
    skew_c = rng.lognormal(0.0, 1.0, (sims, 500))
    skew_t = rng.lognormal(0.1, 1.0, (sims, 500))
    truth = math.exp(0.5) * (math.exp(0.1) - 1.0)
    skew_cov = np.mean(
        [
            covers(welch_ttest(Moments.of(x), Moments.of(y)).ci, truth)
            for x, y in zip(skew_c, skew_t, strict=True)
        ]
    )
    print(f"Welch difference, lognormal(0,1) n=500/arm             {skew_cov:.4f}")
    x_c, x_t = rng.binomial(2000, 0.10, sims), rng.binomial(2000, 0.12, sims)
    prop_cov = np.mean(
        [
            covers(two_proportion_test(2000, int(u), 2000, int(v)).ci, 0.02)
            for u, v in zip(x_c, x_t, strict=True)
        ]
    )
    print(f"two proportions 10% vs 12%, n=2000/arm (Wald)          {prop_cov:.4f}")
    for q, n in ((0.5, 300), (0.95, 2000)):
        z = 1.6448536269514722 if q == 0.95 else 0.0
        true_diff = math.exp(0.2 + z) - math.exp(z)
        reps = 1500
        covered = 0
        for _ in range(reps):
            r = quantile_difference(rng.lognormal(0, 1, n), rng.lognormal(0.2, 1, n), q=q)
            covered += covers(r.ci, true_diff)
        print(f"quantile_difference q={q}, lognormal, n={n}/arm      {covered / reps:.4f}")


def main() -> None:
    rng = np.random.default_rng(SEED)
    start = time.perf_counter()
    print(f"seed={SEED}")
    timings(rng)
    aa_section(rng)
    power_section(rng)
    coverage_section(rng)
    print(f"\ntotal {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
