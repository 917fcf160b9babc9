"""The ``genesis-prime`` command: selection's commands plus those of the upper layers."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from scenarios.commands import add_scenario_commands
from scenarios.evaluation.cli import add_evaluate_command
from selection.cli import add_selection_commands, run_handler
from server import add_serve_command

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The full ``genesis-prime`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="genesis-prime",
        description="Choose which LLM serves which job, and learn from every call.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_selection_commands(commands)
    add_scenario_commands(commands)
    add_evaluate_command(commands)
    add_serve_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (errors: one line, status 1)."""
    return run_handler(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
