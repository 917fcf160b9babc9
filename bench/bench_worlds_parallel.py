"""`genesis-prime worlds cultural-market` in one process, on a local pool and on Dask.

Two sweeps: the built-in market as it is (its influence levels x 20 seeds, 8 worlds of 700
choices: short runs) and a heavier one (10 seeds, 7,000 choices per world), each run through
``sweep_worlds`` in this process, on a 2-process pool (``--executor local``) and on a
2-worker Dask LocalCluster started per sweep (``--executor dask``: the start is counted).
The three are run in turn, ROUNDS times, and the medians are compared. Every mode must give
the one-process rows exactly. No floor is set: on 2 shared cores expect at most 2x.

Run: .venv/bin/python bench/bench_worlds_parallel.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from hive.market import MarketConfig, sweep_worlds
from scenarios.markets import load_market
from scenarios.worlds import tasks_mapper

ROUNDS = 3
WORKERS = 2


def main() -> None:
    market = load_market("cultural-market")
    heavy = replace(market.config, choices=7_000)
    bench("cultural-market as built in", market.config, market.influence, market.seeds)
    bench("cultural-market, 7,000 choices", heavy, market.influence, market.seeds[:10])


def bench(
    label: str, config: MarketConfig, influence: Sequence[float], seeds: Sequence[int]
) -> None:
    modes = {
        "one process": None,
        f"local pool, {WORKERS} processes": tasks_mapper("local", WORKERS),
        f"dask LocalCluster, {WORKERS} workers": tasks_mapper("dask", WORKERS),
    }
    times: dict[str, list[float]] = {name: [] for name in modes}
    reference = None
    for _ in range(ROUNDS):
        for name, mapper in modes.items():  # alternate, so load drifts hit every mode alike
            start = time.perf_counter()
            rows, _ = sweep_worlds(config, influence, seeds, map_runs=mapper)
            times[name].append(time.perf_counter() - start)
            if reference is None:
                reference = rows
            np.testing.assert_equal(rows, reference)
    runs = len(influence) * len(seeds)
    base = statistics.median(times["one process"])
    print(
        f"{label}: {runs} runs x {config.worlds} worlds x {config.choices:,} choices, "
        f"median of {ROUNDS}"
    )
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"  {name:32s}: {median:6.2f} s median (runs {', '.join(f'{v:.1f}' for v in values)}); "
            f"speed-up {base / median:4.2f}x vs one process; rows identical"
        )


if __name__ == "__main__":
    main()
