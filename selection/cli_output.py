"""How a command's tables reach the reader: rich tables, ``--plain`` text or ``--json``.

Every command prints through the :class:`~rich.console.Console` it is given, so the form
is chosen once, here, by the console:

- default: rich tables, as wide as the terminal (``COLUMNS`` when set, else 200 columns
  when the output is not a terminal, so that logs are not cut);
- ``--plain``: each table as tab-separated lines (a header line, then one line per row),
  no colour, no box: for narrow terminals, ``cut`` and ``grep``;
- ``--json``: standard output holds one JSON document, ``{"tables": [{"title", "columns",
  "rows"}], "messages": [...]}``; progress bars and messages also go to standard error, so
  nothing else lands on standard output. Each cell is typed by :func:`cell_value`, the one
  place that decides it: a number as a JSON number (as shown: ``"1,234"`` is ``1234``,
  ``"0.0900"`` is ``0.09``, ``"$0.0042"`` is ``0.0042``, ``"12.5%"`` is ``0.125``), a missing
  value (``-``, ``n/a``, ``never``, empty) as ``null``, anything else as its text with markup
  removed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from decimal import Decimal
from typing import IO, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from selection.cli_options import add_output_options, add_output_options_to_commands

__all__ = [
    "JsonConsole",
    "PlainConsole",
    "add_output_options",
    "add_output_options_to_commands",
    "cell_value",
    "make_console",
]

# What commands print for a missing value (None, NaN, not yet), compared in lower case.
_MISSING = frozenset({"", "-", "\u2013", "\u2014", "n/a", "nan", "none", "never"})
_NUMBER = re.compile(
    r"(?P<sign>[+-]?)\$?(?P<digits>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"(?P<percent>%?)"
)


def make_console(args: argparse.Namespace, *, stdout: IO[str] | None = None) -> Console:
    """The console a command prints through, as its ``--json``/``--plain`` options ask."""
    out = stdout or sys.stdout
    if getattr(args, "tables_json", False):
        return JsonConsole(out)
    if getattr(args, "plain", False):
        return PlainConsole(file=out, no_color=True, highlight=False, width=_width(out))
    return Console(file=out, width=_width(out))


def _width(out: IO[str]) -> int | None:
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    # Piped output (logs, files) is not cut to the 80 columns rich assumes without a terminal.
    return None if out.isatty() else 200


def _cells(table: Table) -> tuple[list[str], list[list[str]]]:
    columns = [Text.from_markup(str(c.header)).plain for c in table.columns]
    by_column = [[_plain(cell) for cell in c.cells] for c in table.columns]
    return columns, [list(row) for row in zip(*by_column, strict=True)]


def _plain(cell: object) -> str:
    if isinstance(cell, Text):
        return cell.plain
    return Text.from_markup(str(cell)).plain


def cell_value(text: str) -> str | int | float | None:
    """A displayed cell as a typed JSON value: a number, ``None`` for a missing value, or text.

    Numbers are read as shown (thousands separators, a leading ``$`` and a sign allowed); a
    percentage becomes a fraction (``"12.5%"`` is ``0.125``). Text that only starts with a
    number (``"3.5 ms"``, ``"2x"``) stays text.
    """
    stripped = text.strip()
    if stripped.lower() in _MISSING:
        return None
    match = _NUMBER.fullmatch(stripped)
    if match is None:
        return text
    number = match["sign"] + match["digits"].replace(",", "")
    if match["percent"]:
        return float(Decimal(number) / 100)
    if any(mark in number for mark in ".eE"):
        return float(number)
    return int(number)


class PlainConsole(Console):
    """A console that prints tables as tab-separated lines."""

    def print(self, *objects: Any, **kwargs: Any) -> None:  # noqa: D102 - as rich's
        for item in objects:
            if isinstance(item, Table):
                columns, rows = _cells(item)
                # written as is: rich would expand the tabs into spaces
                if item.title:
                    self.file.write(f"# {_plain(item.title)}\n")
                for line in [columns, *rows]:
                    self.file.write("\t".join(line) + "\n")
            else:
                super().print(item, **kwargs)


class JsonConsole(Console):
    """A console that collects tables and messages, and writes them as JSON at the end."""

    def __init__(self, stdout: IO[str]) -> None:
        super().__init__(file=sys.stderr, width=_width(sys.stderr))
        self._stdout = stdout
        self.tables: list[dict[str, Any]] = []
        self.messages: list[str] = []

    def print(self, *objects: Any, **kwargs: Any) -> None:  # noqa: D102 - as rich's
        for item in objects:
            if isinstance(item, Table):
                columns, rows = _cells(item)
                title = None if item.title is None else _plain(item.title)
                typed = [[cell_value(cell) for cell in row] for row in rows]
                self.tables.append({"title": title, "columns": columns, "rows": typed})
            elif item is not None and str(item).strip():
                text = str(item) if kwargs.get("markup") is False else _plain(item)
                self.messages.append(text)
                super().print(item, **kwargs)

    def flush_json(self) -> None:
        """Write the collected tables and messages to standard output."""
        document = {"tables": self.tables, "messages": self.messages}
        self._stdout.write(json.dumps(document, indent=2) + "\n")
        self._stdout.flush()
