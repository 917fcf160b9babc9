"""``--json`` on every command that prints a table, ``--plain``, ``COLUMNS`` and JSON logs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from scenarios.cli import build_parser, main
from selection.cli_output import cell_value

EVAL_TRACE = Path(__file__).parent / "evaluation" / "data" / "routellm_gsm8k_first200.csv"

# Each command that prints a table, with arguments that keep it short; {out} is a new folder
# and {db} a new database.
COMMANDS = {
    "models": ["models"],
    "models-litellm": ["models", "--source", "litellm", "--provider", "anthropic"],
    "models-arena": ["models", "--source", "arena"],
    "status": ["status", "--db", "{db}"],
    "demo": ["demo", "--rounds", "3"],
    "scenarios": ["scenarios"],
    "run": ["run", "steady-state", "--steps", "3", "--out", "{out}"],
    "sweep": ["sweep", "steady-state", "--steps", "2", "--seeds", "0:2", "--workers", "1",
              "--out", "{out}"],
    "evaluate": ["evaluate", str(EVAL_TRACE), "--policy", "cheapest", "--out", "{out}"],
    "arena-categories": ["arena", "categories", "--steps", "2", "--agents", "6", "--requests",
                         "40", "--out", "{out}"],
    "arena-ballots": ["arena", "ballots", "--top", "4", "--votes", "100", "--agents", "6",
                      "--out", "{out}"],
    "worlds": ["worlds", "cultural-market", "--seeds", "0:2", "--influence", "0", "--worlds",
               "2", "--choices", "50", "--out", "{out}"],
    "hive-value": ["hive-value", "steady-state", "--seeds", "2", "--steps", "3", "--workers",
                   "1"],
}  # fmt: skip


def _argv(name: str, tmp_path: Path) -> list[str]:
    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    return [a.format(out=tmp_path / "out", db=db) for a in COMMANDS[name]]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_json_holds_the_tables_and_nothing_else(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    code = main([*_argv(name, tmp_path), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    document = json.loads(out)  # stdout is exactly one JSON document
    assert document["tables"], f"{name} printed no table"
    numbers = 0
    for table in document["tables"]:
        assert table["columns"]
        assert all(len(row) == len(table["columns"]) for row in table["rows"])
        cells = [cell for row in table["rows"] for cell in row]
        assert all(cell is None or type(cell) in (str, int, float) for cell in cells)
        texts = [cell for cell in cells if isinstance(cell, str)]
        assert not any("[bold" in cell or "[/" in cell for cell in texts)
        # typed: no number and no missing value is left as its displayed text
        assert [cell for cell in texts if cell_value(cell) != cell] == []
        numbers += sum(type(cell) in (int, float) for cell in cells)
    assert numbers, f"{name}: no cell is a JSON number"
    assert "┃" not in out


def test_every_table_command_has_json_and_plain():
    """A command added later gets the options too (serve and viz print no table)."""
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    tested = {argv[0] for argv in COMMANDS.values()}
    for name, command in commands.items():
        options = {o for a in command._actions for o in a.option_strings}
        if name in {"serve", "viz", "ab", "arena", "ask"}:
            continue
        assert "--json" in options, name
        if name in tested:
            assert "--plain" in options, name


def test_models_json_gives_the_catalog_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["models", "--catalog", "current", "--provider", "openai", "--json"]) == 0
    [table] = json.loads(capsys.readouterr().out)["tables"]
    assert table["title"].endswith("prices as of 2026-07-24")
    ids = [row[0] for row in table["rows"]]
    assert "openai/gpt-5.1" in ids
    assert all(row[1] == "openai" for row in table["rows"])
    columns = table["columns"]
    for row in table["rows"]:
        cells = dict(zip(columns, row, strict=True))
        assert type(cells["$ in/1k"]) is float
        assert cells["$ in/1k"] >= 0.0
        assert type(cells["context"]) is int
        assert cells["context"] > 1000


def test_status_json_gives_missing_values_as_null(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    assert main(["demo", "--rounds", "2", "--db", db]) == 0
    capsys.readouterr()
    assert main(["status", "--db", db, "--json"]) == 0
    tables = json.loads(capsys.readouterr().out)["tables"]
    cells = [cell for table in tables for row in table["rows"] for cell in row]
    assert None in cells
    assert "-" not in cells


@pytest.mark.parametrize(
    ("shown", "value"),
    [
        ("1,234", 1234), ("-5", -5), ("0.0900", 0.09), ("$0.0042", 0.0042), ("+1.5e-05", 1.5e-05),
        ("12.5%", 0.125), ("33.3%", 0.333), ("-", None), ("n/a", None), ("never", None),
        ("", None), ("\u2014", None), ("3.5 ms", "3.5 ms"), ("2x", "2x"), ("1,2", "1,2"),
        ("2026-07-24", "2026-07-24"), ("openai/gpt-5.1", "openai/gpt-5.1"), ("inf", "inf"),
    ],
)  # fmt: skip
def test_a_cell_is_typed_by_what_it_shows(shown: str, value: object):
    got = cell_value(shown)
    assert got == value
    assert type(got) is type(value)


def test_plain_is_tab_separated(capsys: pytest.CaptureFixture[str]):
    assert main(["models", "--provider", "local", "--plain"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "# 2 models"
    assert lines[1].split("\t")[:3] == ["id", "provider", "$ in/1k"]
    assert lines[2].split("\t")[0] == "local/llama-3-8b"
    assert not any(ch in "\n".join(lines) for ch in "┃│┏")


def test_tables_fit_columns(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("COLUMNS", "72")
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 72
    monkeypatch.delenv("COLUMNS")
    assert main(["scenarios"]) == 0
    assert max(len(line) for line in capsys.readouterr().out.splitlines()) > 72


def test_json_and_plain_exclude_each_other(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit):
        main(["scenarios", "--json", "--plain"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_json_log_format(capsys: pytest.CaptureFixture[str]):
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        assert main(["--log-level", "info", "--log-format", "json", "scenarios", "--json"]) == 0
        logging.getLogger("genesis.test").info("hello %s", "there", extra={"run_id": "r1"})
        for handler in root.handlers:
            handler.flush()
        err = capsys.readouterr().err
        line = json.loads(err.strip().splitlines()[-1])
        assert line["level"] == "INFO"
        assert line["logger"] == "genesis.test"
        assert line["message"] == "hello there"
        assert line["run_id"] == "r1"
        assert line["time"].endswith("Z")
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
