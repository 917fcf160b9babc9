"""The hive reaches the selector through the evidence channel unless a scenario says otherwise.

A log written when the verdict channel was the default has no ``channel`` field in its
header; it replays with the channel it ran with.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from scenarios import run_scenario
from scenarios.eventlog import EventLog, read_log
from scenarios.replay import replay
from scenarios.spec import AgentsSpec, builtin_names, load_scenario


def test_evidence_is_the_default_channel():
    assert AgentsSpec().channel == "evidence"


@pytest.mark.parametrize("name", builtin_names())
def test_every_builtin_scenario_uses_the_evidence_channel(name: str):
    assert load_scenario(name).agents.channel == "evidence"


def _log(path: Path, channel: str) -> list[dict[str, object]]:
    spec = load_scenario("steady-state").truncated(12).with_overrides(**{"agents.channel": channel})
    with EventLog(path) as log:
        run_scenario(spec, policy="hive", log=log)
    return list(read_log(path))


def test_a_log_without_a_channel_field_replays_on_the_verdict_channel(tmp_path: Path):
    verdict = _log(tmp_path / "verdict.jsonl.gz", "verdict")
    evidence = _log(tmp_path / "evidence.jsonl.gz", "evidence")
    # The channels route differently after the first vote, so the replay must pick the right one.
    assert [e for e in verdict if e["kind"] != "header"] != [
        e for e in evidence if e["kind"] != "header"
    ]
    header = verdict[0]
    scenario = header["scenario"]
    assert isinstance(scenario, dict)
    del scenario["agents"]["channel"]
    old = tmp_path / "old.jsonl.gz"
    with gzip.open(old, "wt") as handle:
        handle.writelines(json.dumps(e) + "\n" for e in verdict)
    report = replay(old)
    assert report.identical, report.divergence


def test_a_log_naming_its_channel_replays_on_it(tmp_path: Path):
    _log(tmp_path / "evidence.jsonl.gz", "evidence")
    assert replay(tmp_path / "evidence.jsonl.gz").identical
