"""Parallel worlds: 8 worlds x 1,000 agents x 100,000 choices each (800,000 choices).

Target: under 60 s on this machine. Prints the median of 3 runs per setting: each choice
rule strictly sequential (batch 1) and with 100 agents choosing on the same view of the
counts, and followers who see only their small-world neighbours or weigh reputation.

Run: .venv/bin/python bench/bench_worlds.py
"""

from __future__ import annotations

import statistics
import time

from hive.market import MarketConfig, measure_run, run_worlds

TARGET_S = 60.0
SETTINGS = [
    {"policy": "signal", "batch": 1},
    {"policy": "signal", "batch": 100},
    {"policy": "thompson", "batch": 1},
    {"policy": "thompson", "batch": 100},
    {"policy": "signal", "batch": 1, "network": "small_world"},
    {"policy": "signal", "batch": 1, "follow": "reputation"},
]


def main() -> None:
    for setting in SETTINGS:
        config = MarketConfig(models=48, worlds=8, agents=1_000, choices=100_000, **setting)  # type: ignore[arg-type]
        times = []
        for seed in range(3):
            start = time.perf_counter()
            run = run_worlds(config, 0.5, seed=seed)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        total = config.worlds * config.choices
        measures = measure_run(run)
        label = ", ".join(f"{k} {v}" for k, v in setting.items())
        print(
            f"{label:45s}: {total:,} choices in {median:6.2f} s median "
            f"({total / median:,.0f} choices/s; target < {TARGET_S:.0f} s: "
            f"{'met' if median < TARGET_S else 'MISSED'}); "
            f"gini {measures['gini']:.3f}, U {measures['u']:.4f}"
        )


if __name__ == "__main__":
    main()
