"""Chatbot Arena's published figures, loaded from the package (or a given folder).

Three files (see ``data/SOURCES.md``): the overall rating history (``history.csv.gz``), the
2025-12 board per category with 95% intervals (``categories.csv.gz``) and prices in USD per
million tokens (``prices.csv``). Every value is checked on load; a missing or malformed file
raises :class:`~selection.ConfigError` naming the file, the line and the field.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path

from selection import ConfigError

__all__ = [
    "REFERENCE_ALIAS",
    "REFERENCE_MODEL",
    "Board",
    "History",
    "Price",
    "Rating",
    "load_board",
    "load_history",
    "load_prices",
    "win_probability",
]

REFERENCE_MODEL = "gpt-4-0314"
"""The model every strength is measured against: the original GPT-4, on every board."""
REFERENCE_ALIAS = "gpt-4"
"""Its name on the history's dates before it was listed as ``gpt-4-0314``."""


def win_probability(rating_a: float, rating_b: float) -> float:
    """Bradley-Terry (Elo scale): P(A beats B) = 1 / (1 + 10^((R_B - R_A) / 400))."""
    return float(1.0 / (1.0 + 10.0 ** ((rating_b - rating_a) / 400.0)))


@dataclass(frozen=True)
class Rating:
    """A published rating and its 95% interval."""

    rating: float
    low: float
    high: float


@dataclass
class History:
    """The overall board over time: ``ratings[model][date]``, snapshot dates in order."""

    dates: list[date]
    ratings: dict[str, dict[date, float]]
    organization: dict[str, str] = field(default_factory=dict)
    license: dict[str, str] = field(default_factory=dict)

    def first_seen(self, model: str) -> date:
        """The first snapshot that lists ``model``: when it entered the arena."""
        return min(self.ratings[model])

    def last_seen(self, model: str) -> date:
        """The last snapshot that lists ``model``."""
        return max(self.ratings[model])

    def board(self, day: date) -> dict[str, float]:
        """Each model's rating at the latest snapshot on or before ``day`` (empty before)."""
        past = [d for d in self.dates if d <= day]
        if not past:
            return {}
        snap = past[-1]
        return {m: r[snap] for m, r in self.ratings.items() if snap in r}

    def reference(self, day: date) -> float:
        """The reference model's rating on the board as of ``day``."""
        board = self.board(day)
        for name in (REFERENCE_MODEL, REFERENCE_ALIAS):
            if name in board:
                return board[name]
        raise ConfigError(f"arena history: no {REFERENCE_MODEL} on the board of {day}")


@dataclass
class Board:
    """The 2025-12 board: ``ratings[category][model]``."""

    ratings: dict[str, dict[str, Rating]]

    @property
    def categories(self) -> list[str]:
        """Category names, sorted (``full`` is the overall board)."""
        return sorted(self.ratings)

    def ranking(self, category: str) -> list[str]:
        """Models by published rating, best first (ties by id)."""
        board = self.category(category)
        return sorted(board, key=lambda m: (-board[m].rating, m))

    def category(self, category: str) -> dict[str, Rating]:
        """One category's ratings.

        Raises:
            ConfigError: naming the category and the known ones.
        """
        try:
            return self.ratings[category]
        except KeyError:
            known = ", ".join(self.categories)
            raise ConfigError(f"arena: no category {category!r}; known: {known}") from None


@dataclass(frozen=True)
class Price:
    """USD per million input and output tokens, and where the figure comes from."""

    input_per_mtok: float
    output_per_mtok: float
    source: str


def load_history(path: Path | None = None) -> History:
    """The overall rating history (``history.csv.gz`` or a plain CSV at ``path``)."""
    dates: set[date] = set()
    ratings: dict[str, dict[date, float]] = {}
    history = History([], ratings)
    for where, row in _rows(path, "history.csv.gz", ("date", "model", "organization", "rating")):
        day = _date(row["date"], where, "date")
        model = _name(row["model"], where)
        ratings.setdefault(model, {})[day] = _number(row["rating"], where, "rating")
        history.organization[model] = row["organization"]
        history.license[model] = row.get("license") or ""
        dates.add(day)
    history.dates = sorted(dates)
    return history


def load_board(path: Path | None = None) -> Board:
    """The per-category board (``categories.csv.gz`` or a plain CSV at ``path``)."""
    ratings: dict[str, dict[str, Rating]] = {}
    columns = ("category", "model", "rating", "rating_q025", "rating_q975")
    for where, row in _rows(path, "categories.csv.gz", columns):
        rating = Rating(
            _number(row["rating"], where, "rating"),
            _number(row["rating_q025"], where, "rating_q025"),
            _number(row["rating_q975"], where, "rating_q975"),
        )
        if not rating.low <= rating.rating <= rating.high:
            raise ConfigError(f"{where}: rating {rating.rating} is outside its 95% interval")
        ratings.setdefault(_name(row["category"], where), {})[_name(row["model"], where)] = rating
    return Board(ratings)


def load_prices(path: Path | None = None) -> dict[str, Price]:
    """Known prices by model id (``prices.csv`` or a CSV at ``path``)."""
    prices: dict[str, Price] = {}
    for where, row in _rows(path, "prices.csv", ("model", "input_per_mtok", "output_per_mtok")):
        prices[_name(row["model"], where)] = Price(
            _number(row["input_per_mtok"], where, "input_per_mtok", minimum=0.0),
            _number(row["output_per_mtok"], where, "output_per_mtok", minimum=0.0),
            row.get("source") or "",
        )
    return prices


def _rows(
    path: Path | None, packaged: str, required: tuple[str, ...]
) -> Iterator[tuple[str, dict[str, str]]]:
    name = str(path) if path is not None else f"arena data {packaged}"
    try:
        if path is None:
            raw = resources.files("scenarios.arena").joinpath(f"data/{packaged}").read_bytes()
        else:
            raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        text = raw.decode("utf-8")
    except (OSError, EOFError, gzip.BadGzipFile, UnicodeDecodeError) as exc:
        raise ConfigError(f"{name}: cannot read ({exc})") from exc
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise ConfigError(f"{name}: missing column {missing[0]!r} (has: {reader.fieldnames})")
    count = 0
    for row in reader:
        count += 1
        yield f"{name} line {reader.line_num}", row
    if count == 0:
        raise ConfigError(f"{name}: no rows")


def _number(text: str | None, where: str, column: str, *, minimum: float | None = None) -> float:
    try:
        value = float(text or "")
    except ValueError:
        raise ConfigError(f"{where}: {column} {text!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ConfigError(f"{where}: {column} {text!r} is not a finite number")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{where}: {column} {value} is below {minimum}")
    return value


def _date(text: str | None, where: str, column: str) -> date:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        raise ConfigError(f"{where}: {column} {text!r} is not a YYYY-MM-DD date") from None


def _name(text: str | None, where: str) -> str:
    if not text or not text.strip():
        raise ConfigError(f"{where}: an empty name")
    return text
