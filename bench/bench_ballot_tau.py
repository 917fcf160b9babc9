"""Do ballots mean what they say? Kendall's tau of the hive's ballots against the truth.

Run: ``.venv/bin/python bench/bench_ballot_tau.py [--seeds N] [SCENARIO ...]``.

Per scenario and persona: the mean tau-b of every agent's last ballot against the models' true
quality and against their true value under the agent's own persona, over N seeds (default 10).
"""

from __future__ import annotations

import argparse

from scenarios.hive_value_ballots import ballot_agreement
from scenarios.spec import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenarios", nargs="*", default=["steady-state", "biased-judge"])
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args()
    print("| scenario | persona | ballots | tau vs true quality | tau vs own true value |")
    print("| --- | --- | ---: | ---: | ---: |")
    for name in args.scenarios:
        for row in ballot_agreement(load_scenario(name), range(args.seeds)):
            print(f"| {name} | {row.persona} | {row.ballots} | {row.tau_quality:+.2f} "
                  f"| {row.tau_own:+.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
