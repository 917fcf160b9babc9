"""The ``genesis-prime`` command: selection's commands plus those of the upper layers."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from selection.extras import missing_extra

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The full ``genesis-prime`` argument parser."""
    from scenarios.arena.cli import add_arena_command
    from scenarios.commands import add_scenario_commands
    from scenarios.evaluation.cli import add_evaluate_command
    from scenarios.hive_value_cli import add_hive_value_command
    from scenarios.jury_cli import add_jury_command
    from scenarios.viz_cli import add_viz_command
    from scenarios.worlds import add_worlds_command
    from selection.cli import add_output_options_to_commands, add_selection_commands
    from server import add_serve_command

    parser = argparse.ArgumentParser(
        prog="genesis-prime",
        description="Choose which LLM serves which job, and learn from every call.",
    )
    parser.add_argument("--version", action=_Version)
    parser.add_argument(
        "--log-level",
        choices=("debug", "info", "warning", "error"),
        default="warning",
        help="log messages at this level and above to stderr (default: warning)",
    )
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="log lines as text, or as JSON objects for log collectors (default: text)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_selection_commands(commands)
    add_scenario_commands(commands)
    add_evaluate_command(commands)
    add_arena_command(commands)
    add_worlds_command(commands)
    add_hive_value_command(commands)
    add_jury_command(commands)
    add_serve_command(commands)
    add_viz_command(commands)
    add_output_options_to_commands(parser, skip=frozenset({"serve", "viz"}))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (errors: one line, status 1)."""
    try:
        return _parse_and_run(argv)
    except ModuleNotFoundError as exc:  # rich and pydantic load only once a command runs
        error = missing_extra(exc, feature="the genesis-prime command")
        if error is None:
            raise
        print(f"genesis-prime: {error}", file=sys.stderr)
        return 1


def _parse_and_run(argv: Sequence[str] | None) -> int:
    from selection.cli import configure_logging, run_handler

    args = build_parser().parse_args(argv)
    configure_logging(args.log_level, args.log_format)
    return run_handler(args)


class _Version(argparse.Action):
    """``--version``, reading the installed version only when asked (importlib.metadata is slow)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS) -> None:
        super().__init__(
            option_strings, dest, default=argparse.SUPPRESS, nargs=0,
            help="show program's version number and exit",
        )  # fmt: skip

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        print(f"{parser.prog} {_version()}")
        parser.exit()


def _version() -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version("genesis-prime")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree, not installed
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
