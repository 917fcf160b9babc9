"""``genesis-prime viz NAME``: serve a scenario's live page (:mod:`scenarios.viz`).

Light on purpose: the command line reads these names without numpy, Mesa or Solara.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from scenarios.names import POLICY_NAMES
from selection.extras import missing_extra

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["APP_MODULE", "ENV_POLICY", "ENV_SCENARIO", "ENV_SEED", "POLICIES", "add_viz_command"]

ENV_SCENARIO = "GENESIS_VIZ_SCENARIO"
ENV_SEED = "GENESIS_VIZ_SEED"
ENV_POLICY = "GENESIS_VIZ_POLICY"
APP_MODULE = "scenarios.viz_app"
"""The module Solara serves; it reads the scenario, seed and policy from the variables above."""

POLICIES = POLICY_NAMES
"""The policies the page offers: every policy a run takes."""


def add_viz_command(commands: Any) -> None:
    """Add ``viz`` to a subparsers object."""
    viz = commands.add_parser("viz", help="a live page of a scenario (Mesa SolaraViz)")
    viz.add_argument("scenario", help="a built-in name or a .toml path")
    viz.add_argument("--seed", type=int, help="the run's seed (default: the scenario's)")
    viz.add_argument("--policy", default="hive", choices=POLICIES, help="default: hive")
    viz.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1 (this machine)")
    viz.add_argument("--port", type=int, default=8765, help="default: 8765")
    viz.set_defaults(handler=_viz)


async def _viz(args: argparse.Namespace, console: Console) -> None:
    try:
        import solara  # noqa: F401
    except ModuleNotFoundError as exc:
        raise missing_extra(exc, feature="genesis-prime viz") or exc from exc
    from scenarios.spec import load_scenario

    load_scenario(args.scenario)  # a bad name fails here, in one line, not in the server
    env = dict(os.environ)
    env[ENV_SCENARIO] = str(args.scenario)
    env[ENV_POLICY] = args.policy
    if args.seed is not None:
        env[ENV_SEED] = str(args.seed)
    command = [sys.executable, "-m", "solara", "run", APP_MODULE, "--production", "--no-open",
               "--host", args.host, "--port", str(args.port)]  # fmt: skip
    console.print(f"serving {args.scenario} at http://{args.host}:{args.port} (Ctrl-C stops)")
    sys.stdout.flush()
    os.execve(sys.executable, command, env)  # the server takes over this process
