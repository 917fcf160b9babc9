"""Write to a store's tables behind its back, as another program (or an old version) could."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import psycopg


def raw_execute(url: str, sql: str, params: Sequence[Any] = ()) -> None:
    """Run one statement on the database a store URL names, with the driver's own markers."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute(sql.replace("%s", "?"), params)
        return
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql, params)
