"""Fixtures shared by every test package: databases and a deterministic Hypothesis profile."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import settings

settings.register_profile("genesis", derandomize=True, deadline=None, max_examples=60)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "genesis"))

PG_URL = os.environ.get("GENESIS_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _admin_connect() -> psycopg.Connection:
    try:
        return psycopg.connect(PG_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        message = (
            f"PostgreSQL is not reachable at {PG_URL} ({str(exc).strip().splitlines()[0]}). "
            "Start it, or point GENESIS_TEST_DATABASE_URL at a database you may write to."
        )
        if IN_CI:
            pytest.fail("CI needs PostgreSQL: " + message)
        pytest.skip(message)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search path is a fresh schema, dropped afterwards."""
    schema = f"gp_test_{uuid.uuid4().hex[:12]}"
    with _admin_connect() as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with _admin_connect() as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite URL for a file in the test's own folder."""
    return f"sqlite:///{tmp_path / 'genesis.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest) -> str:
    """Each store in turn: the same test runs on SQLite and on PostgreSQL."""
    name = "pg_url" if request.param == "postgres" else "sqlite_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[object]:
    """An open store of each kind."""
    from selection import open_store

    async with open_store(store_url) as opened:
        yield opened


@pytest.fixture(autouse=True)
def _private_prompt_key(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Each test's prompt-hash key in its own folder, never the user's config."""
    folder = tmp_path_factory.mktemp("key")
    monkeypatch.setenv("GENESIS_PRIME_KEY_FILE", str(folder / "prompt-hash.key"))
