"""``--json`` and ``--plain`` on every command that prints tables (:mod:`selection.cli_output`).

Apart from the consoles that honour them so that building the parser does not load rich.
"""

from __future__ import annotations

import argparse

__all__ = ["add_output_options", "add_output_options_to_commands"]


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--json`` and ``--plain`` to a command that prints tables."""
    form = parser.add_mutually_exclusive_group()
    form.add_argument(
        "--json",
        action="store_true",
        dest="tables_json",
        help="print the tables and messages as one JSON document on stdout",
    )
    form.add_argument(
        "--plain",
        action="store_true",
        help="print tables as tab-separated lines, without colour or borders",
    )


def add_output_options_to_commands(
    parser: argparse.ArgumentParser, *, skip: frozenset[str] = frozenset()
) -> None:
    """Give every command below ``parser`` ``--json`` and ``--plain``.

    Commands named in ``skip`` and commands with a ``--json`` of their own (which prints
    exactly what the API returns) are left as they are.
    """
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, command in action.choices.items():
                if name not in skip:
                    add_output_options_to_commands(command, skip=skip)
            return
    if not any("--json" in action.option_strings for action in parser._actions):
        add_output_options(parser)
