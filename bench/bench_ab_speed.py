"""A/B statistics from sufficient statistics against scipy's and statsmodels' own functions.

Run: .venv/bin/python bench/bench_ab_speed.py [--repeats R]

Same inputs for both sides: Welch's t from two arms' Moments against
``scipy.stats.ttest_ind_from_stats`` (which returns less: no interval, no lift), and the
two-proportion z test against statsmodels' ``proportions_ztest``. Calls alternate; prints the
median µs per call and the ratio (target: ours / theirs <= 1).
"""

from __future__ import annotations

import argparse
import math
import statistics
import timeit
from collections.abc import Callable

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import proportions_ztest

from selection.stats import Moments, two_proportion_test, welch_ttest

NUMBER = 2000


def per_call_us(fn: Callable[[], object]) -> float:
    return timeit.timeit(fn, number=NUMBER) / NUMBER * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="alternating repeats (15)")
    repeats = parser.parse_args().repeats
    rng = np.random.default_rng(20240601)
    c = Moments.of(rng.lognormal(5.0, 1.0, 100_000))
    t = Moments.of(rng.lognormal(5.01, 1.0, 100_000))
    sd_c, sd_t = math.sqrt(c.variance), math.sqrt(t.variance)
    pairs: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
        "Welch t (ours) vs scipy ttest_ind_from_stats": (
            lambda: welch_ttest(c, t),
            lambda: stats.ttest_ind_from_stats(t.mean, sd_t, t.n, c.mean, sd_c, c.n, False),
        ),
        "two-proportion z (ours) vs statsmodels": (
            lambda: two_proportion_test(100_000, 10_000, 100_000, 10_150),
            lambda: proportions_ztest([10_150, 10_000], [100_000, 100_000]),
        ),
    }
    print(f"median µs per call over {repeats} alternating repeats of {NUMBER:,} calls")
    print(f"{'':48} {'ours':>8} {'floor':>8} {'ratio':>6}  target <= 1")
    for name, (ours, theirs) in pairs.items():
        ours(), theirs()  # warm: imports, caches
        mine, floor = [], []
        for _ in range(repeats):
            mine.append(per_call_us(ours))
            floor.append(per_call_us(theirs))
        a, b = statistics.median(mine), statistics.median(floor)
        print(f"{name:48} {a:8.2f} {b:8.2f} {a / b:6.2f}  {'ok' if a <= b else 'over'}")


if __name__ == "__main__":
    main()
