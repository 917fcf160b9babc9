"""Run ids: re-running a scenario into the same database reproduces it and adds its records."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from scenarios.cli import main
from scenarios.eventlog import EventLog
from scenarios.replay import replay
from scenarios.run import run_scenario
from scenarios.spec import load_scenario
from selection import ConfigError, open_store

ARGS = ["run", "steady-state", "--steps", "10", "--seed", "4"]


def _records(url: str) -> int:
    async def count() -> int:
        async with open_store(url) as store:
            return await store.count_records()

    return asyncio.run(count())


def _summary(out: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> list[list[str]]:
    assert main([*argv, "--out", str(out), "--json"]) == 0, capsys.readouterr().err
    return list(json.loads(capsys.readouterr().out)["tables"][0]["rows"])


def test_rerunning_into_the_same_database_reproduces_the_first_run(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    first = _summary(tmp_path / "a", capsys, *ARGS, "--db", store_url)
    held = _records(store_url)
    assert held > 0

    # without a run id: refused, naming the option, and nothing written
    assert main([*ARGS, "--db", store_url, "--out", str(tmp_path / "b")]) == 1
    err = capsys.readouterr().err
    assert "--run-id" in err
    assert _records(store_url) == held

    second = _summary(tmp_path / "c", capsys, *ARGS, "--db", store_url, "--run-id", "again")
    assert second == first
    assert _records(store_url) == 2 * held  # its own records, beside the first run's

    # the same run id twice: refused, nothing added
    assert main([*ARGS, "--db", store_url, "--run-id", "again", "--out", str(tmp_path / "d")]) == 1
    assert "choose a new run id" in capsys.readouterr().err
    assert _records(store_url) == 2 * held

    # the second run's log replays bit for bit (the header carries the run id)
    report = replay(tmp_path / "c" / "events.jsonl.gz")
    assert report.identical, report.divergence


def test_run_ids_namespace_record_ids(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    spec = load_scenario("steady-state").with_overrides(steps=3)
    plain = run_scenario(spec, db_url=url, log=EventLog())
    named = run_scenario(spec, db_url=url, log=EventLog(), run_id="r2")
    assert named.summary == plain.summary

    async def ids() -> list[str]:
        async with open_store(url) as store:
            return [r.record_id for r in await store.fetch_records(limit=100_000)]

    stored = asyncio.run(ids())
    assert len(stored) == 2 * plain.records_written
    assert sum(i.startswith("r2/hive-") for i in stored) == plain.records_written


@pytest.mark.parametrize("run_id", ["", "a/b", "-x", "x" * 65])
def test_a_malformed_run_id_is_refused(run_id: str):
    spec = load_scenario("steady-state").with_overrides(steps=1)
    with pytest.raises(ConfigError, match="run id"):
        run_scenario(spec, run_id=run_id)


def test_run_id_needs_db(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["run", "steady-state", "--run-id", "x", "--out", str(tmp_path / "o")]) == 1
    assert "--run-id needs --db" in capsys.readouterr().err
