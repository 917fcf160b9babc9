"""The command line: each command's output, and one clear line for each error."""

from __future__ import annotations

import json

import pytest

from scenarios.cli import main
from selection.cli import parse_weights


@pytest.fixture
def run(capsys, store_url):
    def invoke(*argv: str) -> tuple[int, str, str]:
        code = main([*argv, "--db", store_url])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def test_models_filters(run):
    code, out, _ = run("models", "--provider", "local")
    assert code == 0
    assert "local/llama-3-8b" in out
    assert "openrouter" not in out


def test_demo_then_recommend_then_status(run):
    code, out, _ = run("demo", "--rounds", "20", "--seed", "3")
    assert code == 0
    assert "Recommendations after 20 rounds (seed 3)" in out
    assert "records             80" in out
    code, out, _ = run("recommend", "logical_reasoning", "--weights", "quality=0.7,cost=0.3")
    assert code == 0
    for label in ("confidence", "alternatives", "reasoning"):
        assert label in out
    code, out, _ = run("status")
    assert code == 0
    assert "available models    10" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["recommend", "astrology"], "unknown task type 'astrology'"),
        (["recommend", "logical_reasoning", "--weights", "quality"], "must look like name=number"),
        (["recommend", "logical_reasoning", "--weights", "qualty=1"], "unknown priority factor"),
        (["models", "--catalog", "/no/such.json"], "cannot read catalog file"),
        (["status", "--half-life", "-1"], "half_life_hours must be a positive number"),
        (["status", "--budget", "cheap"], "'cheap' is not a number of dollars"),
    ],
)
def test_errors_are_one_line(run, argv, message):
    code, _, err = run(*argv)
    assert code == 1
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_bad_database_url_is_one_line(capsys):
    assert main(["status", "--db", "mysql://nope"]) == 1
    assert "unsupported database URL scheme 'mysql'" in capsys.readouterr().err


def test_status_with_forgetting_reads_the_decayed_sums(run):
    assert run("demo", "--rounds", "5", "--seed", "3", "--half-life", "6")[0] == 0
    code, out, _ = run("status", "--half-life", "6", "--on-no-eligible", "degrade")
    assert code == 0
    assert "evidence            half-life 6 h" in out
    code, out, _ = run("status")
    assert "evidence            all-time sums" in out


def test_a_budget_paces_recommend_and_shows_in_status(run):
    assert run("demo", "--rounds", "5", "--seed", "3")[0] == 0
    code, out, _ = run("status", "--budget", "0.00001")
    assert code == 0
    assert "Budgets today (UTC)" in out
    assert "$1e-05/request" in out
    code, out, _ = run("status", "--budget", "5/day", "--json")
    assert code == 0
    tables = {t["title"]: t for t in json.loads(out[out.index("{") :])["tables"]}
    assert tables["Budgets today (UTC)"]["rows"][0][:2] == ["all tasks", "$5/day"]

    def cost_weight(out: str) -> float:
        return float(out.split("cost=")[1].split(",")[0])

    code, out, _ = run("recommend", "logical_reasoning", "--budget", "0.00001")
    assert code == 0
    paced = cost_weight(out)
    assert paced > 0.5  # far over the target: the paced cost weight is high
    assert cost_weight(run("recommend", "logical_reasoning")[1]) < paced


def test_status_with_forget_change_names_the_mode(run):
    assert run("demo", "--rounds", "5", "--seed", "3", "--forget", "change")[0] == 0
    code, out, _ = run("status", "--forget", "change")
    assert code == 0
    assert "all-time sums until a change, then the evidence since it, aged" in out
    code, _, err = run("status", "--forget", "half-life")
    assert code == 1
    assert "disagree" in err


def test_parse_weights():
    assert parse_weights("quality=0.5, cost=0.2") == {"quality": 0.5, "cost": 0.2}
    with pytest.raises(ValueError, match="not a number"):
        parse_weights("quality=high")


def test_demo_records_into_a_temporary_database_unless_told(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    named = tmp_path / "production.db"
    monkeypatch.setenv("GENESIS_DATABASE_URL", f"sqlite:///{named}")
    assert main(["demo", "--rounds", "2"]) == 0
    out = capsys.readouterr().out
    assert "records             8" in out
    assert "temporary database, now deleted: give --db URL to keep it" in out
    assert not named.exists()
    assert list(tmp_path.iterdir()) == []  # not the default genesis_prime.db either
    kept = tmp_path / "kept.db"
    assert main(["demo", "--rounds", "2", "--db", f"sqlite:///{kept}"]) == 0
    assert "temporary" not in capsys.readouterr().out
    assert kept.exists()


def test_demo_names_a_negative_seed(run):
    code, _, err = run("demo", "--seed", "-1")
    assert code == 1
    assert "seed must be >= 0, got -1" in err  # not numpy's "expected non-negative integer"
    assert len(err.strip().splitlines()) == 1
