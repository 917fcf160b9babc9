"""Conventions a user expects of a command-line tool and a library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scenarios.cli import main
from selection.manager import resolve_database_url
from selection.store import DEFAULT_SQLITE_URL

ROOT = Path(__file__).resolve().parents[1]


def test_version_is_the_installed_one(capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.metadata

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == (
        f"genesis-prime {importlib.metadata.version('genesis-prime')}"
    )


def test_log_level_reaches_the_library_loggers(tmp_path: Path) -> None:
    code = (
        "import logging, sys; from scenarios.cli import main; "
        "main(['--log-level', 'debug', 'models']); "
        "print(logging.getLogger('selection').getEffectiveLevel())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert result.stdout.strip().splitlines()[-1] == str(10)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, DEFAULT_SQLITE_URL),
        ({"DATABASE_URL": "sqlite:///seed.db"}, "sqlite:///seed.db"),
        ({"GENESIS_DATABASE_URL": "sqlite:///ours.db"}, "sqlite:///ours.db"),
        (
            {"DATABASE_URL": "postgresql://other/app", "GENESIS_DATABASE_URL": "sqlite:///ours.db"},
            "sqlite:///ours.db",
        ),
    ],
)
def test_our_database_variable_wins_over_the_generic_one(environ, expected) -> None:
    assert resolve_database_url(None, environ) == expected
    assert resolve_database_url("sqlite:///given.db", environ) == "sqlite:///given.db"


def test_the_licence_the_package_declares_is_in_the_repository() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License")
    assert 'license = { text = "MIT" }' in (ROOT / "pyproject.toml").read_text()
