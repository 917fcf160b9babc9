"""genesis-prime run / replay / scenarios from the command line."""

from __future__ import annotations

from pathlib import Path

from scenarios.cli import main


def test_run_writes_outputs_then_replay_verifies(tmp_path: Path, capsys):
    out = tmp_path / "out"
    assert (
        main(["run", "outage", "--steps", "20", "--seed", "3", "--out", str(out), "--compare"]) == 0
    )
    printed = capsys.readouterr().out
    for policy in ("hive", "selector", "static", "cheapest", "fastest", "round_robin"):
        assert policy in printed
    for name in (
        "metrics.csv",
        "traffic.csv",
        "summary.csv",
        "report.md",
        "traffic_share.png",
        "cumulative_regret.png",
        "cost.png",
        "agreement.png",
        "events.jsonl.gz",
    ):
        assert (out / name).exists(), name
    assert "traffic_share.png" in (out / "report.md").read_text()
    assert main(["replay", str(out / "events.jsonl.gz")]) == 0
    assert "identical" in capsys.readouterr().out


def test_scenarios_lists_the_builtins(capsys):
    assert main(["scenarios"]) == 0
    assert "model-release" in capsys.readouterr().out


def test_bad_scenario_is_one_line(capsys, tmp_path: Path):
    assert main(["run", "nope", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "no scenario 'nope'" in err
    assert len(err.strip().splitlines()) == 1
