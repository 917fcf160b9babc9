"""Chatbot Arena's published ratings and prices as scenarios: the real LLM market, replayed.

:mod:`scenarios.arena.loader` reads the packaged data; :func:`expand_arena` turns a scenario's
``[arena]`` table into models, traffic and events; :mod:`scenarios.arena.ballots` lets the hive
vote pairwise the way Arena's crowd does; :mod:`scenarios.arena.report` compares the runs with
the board.
"""

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
