"""genesis-prime arena history | categories | ballots, as a user runs them."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from scenarios.cli import main


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_arena_history_writes_its_tables_plot_and_a_replayable_log(tmp_path: Path, capsys):
    out = tmp_path / "h"
    assert (
        main(
            [
                "arena",
                "history",
                "--steps",
                "8",
                "--agents",
                "6",
                "--requests",
                "80",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "cheapest_within_50" in printed
    # The whole history's count, not the models a shortened run happens to reach.
    assert "141 of 238 history models have no known price" in printed
    rows = _rows(out / "arena_history.csv")
    assert [r["date"] for r in rows[:2]] == ["2023-05-08", "2023-05-15"]
    assert rows[0]["arena_leader"] == "gpt-4"
    assert {r["policy"] for r in _rows(out / "arena_totals.csv")} >= {"hive", "selector"}
    assert (out / "market.png").stat().st_size > 10_000
    assert main(["replay", str(out / "events.jsonl.gz")]) == 0


def test_arena_categories_reports_each_task(tmp_path: Path, capsys):
    out = tmp_path / "c"
    assert (
        main(
            [
                "arena",
                "categories",
                "--steps",
                "2",
                "--agents",
                "6",
                "--requests",
                "120",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    rows = _rows(out / "arena_categories.csv")
    assert {r["task"] for r in rows} >= {"technical_explanation", "logical_reasoning"}
    frontier = _rows(out / "arena_frontier.csv")
    coding = [float(r["cost_per_request"]) for r in frontier if r["task"] == "logical_reasoning"]
    assert coding == sorted(coding)


def test_arena_ballots_and_a_bad_category(tmp_path: Path, capsys):
    out = tmp_path / "b"
    args = ["arena", "ballots", "--top", "8", "--votes", "600", "--agents", "10"]
    assert main([*args, "--out", str(out)]) == 0
    assert [r["votes"] for r in _rows(out / "ballots.csv")] == ["250", "500", "600"]
    assert (out / "ballots.png").exists()
    capsys.readouterr()
    assert main(["arena", "ballots", "--category", "poetry", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "no category 'poetry'" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--agents", "0"], "agents.count: Input should be greater than or equal to 1"),
        (["--requests", "nan"], "--requests must be above 0"),
        (["--requests", "1e12"], "rate: Input should be less than or equal to 100000"),
    ],
)
def test_arena_options_are_checked_before_anything_is_written(
    tmp_path: Path, capsys, option, message
):
    out = tmp_path / "c"
    assert main(["arena", "categories", "--steps", "2", *option, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()
