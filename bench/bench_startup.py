"""How long ``genesis-prime --help`` and ``genesis-prime models`` take to start, against the floor.

Run: .venv/bin/python bench/bench_startup.py [--runs N]

Each command runs in a fresh interpreter, alternating with the floor (``python -c pass``) and
with what ``models`` cannot do without: one pydantic model validated (``import pydantic`` alone
is lazy and loads almost nothing; the first model loads pydantic-core, its types and its
plugin look-up) and one rich table printed. A busy machine slows all of them alike. Prints
medians, and each as a multiple of the floor and of that need; the target is 0.3 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

TARGET_S = 0.3

_NEEDED = """
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table
class Spec(BaseModel):
    id: str
table = Table(title="1 model")
table.add_column("id")
table.add_row(Spec(id="m").id)
Console().print(table)
"""

COMMANDS = {
    "python -c pass (floor)": [sys.executable, "-c", "pass"],
    "a pydantic model + rich table": [sys.executable, "-c", _NEEDED],
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
    needed = statistics.median(times["a pydantic model + rich table"])
    print(f"{'command':34} {'median s':>9} {'x floor':>8} {'x need':>7}  target {TARGET_S} s")
    for name, values in times.items():
        median = statistics.median(values)
        verdict = "" if "genesis" not in name else ("ok" if median < TARGET_S else "over")
        print(f"{name:34} {median:9.3f} {median / floor:8.1f} {median / needed:7.2f}  {verdict}")


if __name__ == "__main__":
    main()
