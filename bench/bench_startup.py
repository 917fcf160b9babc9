"""How long ``genesis-prime --help`` and ``genesis-prime models`` take to start, against the floor.

Run: .venv/bin/python bench/bench_startup.py [--runs N]

Each command runs in a fresh interpreter, alternating with the floor (``python -c pass``) and
with the libraries the command cannot do without (pydantic for the catalog, rich for the
table), so that a busy machine slows all of them alike. Prints medians; the target is 0.3 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

TARGET_S = 0.3

COMMANDS = {
    "python -c pass (floor)": [sys.executable, "-c", "pass"],
    "import pydantic, rich (needed)": [
        sys.executable, "-c", "import pydantic, rich.console, rich.table",
    ],
    "genesis-prime --help": [sys.executable, "-m", "scenarios.cli", "--help"],
    "genesis-prime models": [sys.executable, "-m", "scenarios.cli", "models"],
}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="runs of each command (default 11)")
    runs = parser.parse_args().runs
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(runs):
        for name, argv in COMMANDS.items():
            start = time.perf_counter()
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - start)
    floor = statistics.median(times["python -c pass (floor)"])
    print(f"{'command':34} {'median s':>9} {'x floor':>8}  target {TARGET_S} s")
    for name, values in times.items():
        median = statistics.median(values)
        verdict = "" if "genesis" not in name else ("ok" if median < TARGET_S else "over")
        print(f"{name:34} {median:9.3f} {median / floor:8.1f}  {verdict}")


if __name__ == "__main__":
    main()
