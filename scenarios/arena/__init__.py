"""Chatbot Arena's published ratings and prices as scenarios: the real LLM market, replayed.

:mod:`scenarios.arena.loader` reads the packaged data; :func:`expand_arena` turns a scenario's
``[arena]`` table into models, traffic and events; :mod:`scenarios.arena.ballots` lets the hive
vote pairwise the way Arena's crowd does; :mod:`scenarios.arena.report` compares the runs with
the board.

The names load on first use, so that the command line starts without reading the data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from selection.lazy import lazy_exports

if TYPE_CHECKING:
    from scenarios.arena.loader import (
        REFERENCE_MODEL,
        Board,
        History,
        Price,
        Rating,
        load_board,
        load_history,
        load_prices,
        win_probability,
    )
    from scenarios.arena.scenario import DEFAULT_CATEGORIES, ArenaSpec, expand_arena, unpriced

_HOMES: dict[str, str] = {
    "ArenaSpec": "scenarios.arena.scenario",
    "Board": "scenarios.arena.loader",
    "DEFAULT_CATEGORIES": "scenarios.arena.scenario",
    "History": "scenarios.arena.loader",
    "Price": "scenarios.arena.loader",
    "REFERENCE_MODEL": "scenarios.arena.loader",
    "Rating": "scenarios.arena.loader",
    "expand_arena": "scenarios.arena.scenario",
    "load_board": "scenarios.arena.loader",
    "load_history": "scenarios.arena.loader",
    "load_prices": "scenarios.arena.loader",
    "unpriced": "scenarios.arena.scenario",
    "win_probability": "scenarios.arena.loader",
}
"""Public name -> the module that defines it."""

__all__ = [
    "DEFAULT_CATEGORIES",
    "REFERENCE_MODEL",
    "ArenaSpec",
    "Board",
    "History",
    "Price",
    "Rating",
    "expand_arena",
    "load_board",
    "load_history",
    "load_prices",
    "unpriced",
    "win_probability",
]

__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
