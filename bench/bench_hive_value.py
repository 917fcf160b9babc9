"""The hive's value against the selector alone and the controls, 10 seeds per built-in.

Run: ``.venv/bin/python bench/bench_hive_value.py [--seeds N] [--channel evidence|verdict]``.

The same as ``genesis-prime hive-value``: every policy on the same seeds (common random
numbers); prints mean true regret per policy, the hive's paired value with its 95% interval,
the paired t-test's p, the seeds the hive won and the failed calls beside the regret.
"""

from __future__ import annotations

import sys

from scenarios.cli import main

if __name__ == "__main__":
    sys.exit(main(["hive-value", *sys.argv[1:]]))
