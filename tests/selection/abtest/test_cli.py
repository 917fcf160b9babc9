"""``genesis-prime ab create|list|show|stop|monitor``: the API's outputs on the command line."""

from __future__ import annotations

import json

import pytest

from scenarios.cli import main
from selection.abtest.cli import parse_guardrails


@pytest.fixture
def run(capsys, store_url):
    def invoke(*argv: str) -> tuple[int, str, str]:
        code = main([*argv, "--db", store_url])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def test_create_list_show_stop(run):
    code, out, _ = run(
        "ab", "create", "logical_reasoning", "openrouter/gpt-4-turbo", "--split", "0.3", "--json"
    )
    assert code == 0
    created = json.loads(out)
    test_id = created["test_id"]
    assert created["traffic_split"] == 0.3
    assert created["status"] == "running"
    assert created["design"]["plan"]["baseline_source"] == "default"

    code, out, _ = run("ab", "list")
    assert code == 0
    assert test_id in out
    assert "running" in out

    code, out, _ = run("ab", "show", test_id, "--json")
    assert code == 0
    report = json.loads(out)
    assert report["statistical_significance"]["status"] == "insufficient data"
    assert report["winner"] is None
    assert set(report["metrics"]) == {"quality_score", "error_rate", "cost", "response_time_ms"}

    code, out, _ = run("ab", "show", test_id)
    assert code == 0
    for text in ("sample ratio", "quality_score", "Statistical significance: insufficient data"):
        assert text in out

    code, out, _ = run("ab", "monitor", "--json")
    assert (code, json.loads(out)) == (0, [])

    code, out, _ = run("ab", "stop", test_id, "--reason", "wrong task", "--json")
    assert code == 0
    assert json.loads(out)["reason"] == "wrong task"

    code, out, _ = run("ab", "list", "--status", "stopped", "--json")
    assert [t["test_id"] for t in json.loads(out)] == [test_id]

    code, out, _ = run("status")
    assert "A/B tests" in out
    assert "stop: wrong task" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ab", "show", "ab-nope"], "unknown A/B test 'ab-nope'"),
        (["ab", "stop", "ab-nope"], "unknown A/B test 'ab-nope'"),
        (["ab", "create", "astrology", "openrouter/gpt-4-turbo"], "unknown task type 'astrology'"),
        (["ab", "create", "logical_reasoning", "openrouter/nope"], "unknown model"),
        (
            ["ab", "create", "logical_reasoning", "openrouter/gpt-4-turbo", "--split", "1.2"],
            "traffic_split",
        ),
        (
            ["ab", "create", "logical_reasoning", "openrouter/gpt-4-turbo", "--guardrails", "x"],
            "metric:margin",
        ),
    ],
)
def test_errors_are_one_line(run, argv, message):
    code, _, err = run(*argv)
    assert code == 1
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_parse_guardrails():
    parsed = parse_guardrails("error_rate:0.02:abs, cost:0.15")
    assert [(g.metric, g.margin, g.relative) for g in parsed] == [
        ("error_rate", 0.02, False),
        ("cost", 0.15, True),
    ]
    assert parse_guardrails("none") == []
    with pytest.raises(ValueError, match="not a number"):
        parse_guardrails("cost:cheap")
    with pytest.raises(ValueError, match="unknown metric 'vibes'"):
        parse_guardrails("vibes:0.1")
