"""One store per run of a sweep: a SQLite file each, or a schema each on one PostgreSQL server.

A shared server lets every machine of a cluster record its runs in one place, while each run
still reads and writes only its own records (its own ``search_path``), so runs never mix.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from selection import ConfigError
from selection.extras import missing_extra

__all__ = ["fresh_store", "run_store_url"]

_SCHEMA = re.compile(r"[^a-z0-9_]+")


def run_store_url(base: str, name: str, index: int) -> str:
    """The store of run ``index`` of sweep ``name`` under ``base``.

    Args:
        base: ``sqlite:///FOLDER`` (one file per run inside it) or a ``postgresql://`` URL
            (one schema per run in that database).
        name: The sweep's name (the scenario's), part of each file or schema name.
        index: The run's position in the sweep.

    Raises:
        ConfigError: ``base`` is neither.
    """
    stem = _SCHEMA.sub("_", f"sweep_{name}_{index:05d}".lower())
    if base.startswith("sqlite:///") and ":memory:" not in base:
        return f"sqlite:///{Path(base.removeprefix('sqlite:///')) / f'{stem}.db'}"
    if base.startswith(("postgresql://", "postgres://")):
        sep = "&" if "?" in base else "?"
        return f"{base}{sep}options={quote(f'-csearch_path={stem}')}"
    raise ConfigError(f"--db {base!r}: use sqlite:///FOLDER or a postgresql:// URL")


def fresh_store(url: str) -> None:
    """Empty a run's store before the run, so its records are the run's alone."""
    if url.startswith("sqlite:///") and ":memory:" not in url:
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    match = re.search(r"options=-csearch_path%3D(\w+)$", url)
    if match is None:
        return
    try:
        import psycopg
    except ModuleNotFoundError as exc:
        error = missing_extra(exc, feature="PostgreSQL storage")
        raise error or exc from exc
    server = url[: match.start() - 1]
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {match[1]} CASCADE")
        conn.execute(f"CREATE SCHEMA {match[1]}")
