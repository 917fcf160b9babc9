"""genesis-prime worlds on a process pool and on Dask: the one-process rows, failures named."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from distributed import LocalCluster

from hive.market import MarketConfig, summarise, sweep_worlds
from scenarios.cli import main
from scenarios.worlds import tasks_mapper

SMALL = ["worlds", "cultural-market", "--worlds", "3", "--choices", "150"]
SMALL += ["--seeds", "0:3", "--influence", "0,0.9"]
CSVS = ("worlds_summary.csv", "worlds_runs.csv", "worlds_shares.csv")


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as running:
        yield running


@pytest.fixture(scope="module")
def one_process(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("one")
    assert main([*SMALL, "--out", str(out)]) == 0
    return {name: (out / name).read_bytes() for name in CSVS}


def _files(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in CSVS}


def test_a_local_pool_writes_the_one_process_files(one_process: dict[str, bytes], tmp_path: Path):
    args = [*SMALL, "--executor", "local", "--workers", "2", "--out", str(tmp_path)]
    assert main(args) == 0
    assert _files(tmp_path) == one_process  # byte for byte: every row, every share
    assert one_process["worlds_shares.csv"].count(b"\n") == 1 + 2 * 3 * 3 * 48
    assert (tmp_path / "worlds_trajectories.png").stat().st_size > 10_000


def test_a_dask_scheduler_writes_the_one_process_files(
    one_process: dict[str, bytes], cluster: LocalCluster, tmp_path: Path, capsys
):
    args = ["--executor", "dask", "--scheduler", cluster.scheduler_address, "--out", str(tmp_path)]
    assert main([*SMALL, *args]) == 0
    assert f"joined {cluster.scheduler_address}" in capsys.readouterr().out
    assert _files(tmp_path) == one_process


def test_a_started_local_cluster_gives_the_runs_themselves():
    config = MarketConfig(models=12, worlds=3, choices=120, agents=40, network="small_world")
    alone_rows, alone_runs = sweep_worlds(config, [0.0, 0.5], [0, 1])
    rows, runs = sweep_worlds(config, [0.0, 0.5], [0, 1], map_runs=tasks_mapper("dask", 2))
    np.testing.assert_equal(rows, alone_rows)  # same order, bit for bit (NaN equals NaN)
    assert list(runs) == list(alone_runs) == [(0.0, 0), (0.0, 1), (0.5, 0), (0.5, 1)]
    for key, run in runs.items():
        np.testing.assert_array_equal(run.counts, alone_runs[key].counts)
        np.testing.assert_array_equal(run.trajectory, alone_runs[key].trajectory)
    assert len({run.counts.tobytes() for run in runs.values()}) == 4  # no run repeats another


def test_a_failing_run_is_reported_and_the_others_finish(cluster: LocalCluster):
    # run_worlds refuses influence 1.5 inside the worker; the level-0 runs still complete.
    config = MarketConfig(models=8, worlds=2, choices=60, agents=20)
    mapper = tasks_mapper("dask", scheduler=cluster.scheduler_address)
    rows, runs = sweep_worlds(config, [0.0, 1.5], [0, 1], map_runs=mapper)
    alone, _ = sweep_worlds(config, [0.0], [0, 1])
    np.testing.assert_equal(rows[:2], alone)
    assert list(runs) == [(0.0, 0), (0.0, 1)]
    for row in rows[2:]:
        assert row["error"] == "ValueError: influence must be in [0, 1], got 1.5"
        assert math.isnan(row["gini"])
    table = summarise(rows)
    assert [(t["influence"], t["seeds"]) for t in table] == [(0.0, 2), (1.5, 0)]
    assert math.isnan(table[1]["gini_mean"])
    assert table[0]["gini_mean"] == pytest.approx(np.mean([r["gini"] for r in alone]), abs=1e-15)


def test_the_command_names_a_failed_run_and_writes_the_rest(
    one_process: dict[str, bytes], tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
):
    import hive.market._summary as summary

    real = summary._run_job

    def broken(job):  # one worker in this process: the patch is seen by map_tasks' guard
        if job[1:] == (0.9, 1):
            raise MemoryError("out of memory in world 2")
        return real(job)

    monkeypatch.setattr(summary, "_run_job", broken)
    args = [*SMALL, "--executor", "local", "--workers", "1", "--out", str(tmp_path)]
    assert main(args) == 1
    captured = capsys.readouterr()
    assert "1 of 6 runs failed" in captured.err
    assert "run failed (influence=0.9, seed=1): MemoryError: out of memory in world 2" in (
        captured.out
    )
    with (tmp_path / "worlds_runs.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    expected = list(csv.DictReader(one_process["worlds_runs.csv"].decode().splitlines()))
    errors = [r["error"] for r in rows]
    assert errors == [*[""] * 4, "MemoryError: out of memory in world 2", ""]
    for got, want in zip(rows, expected, strict=True):
        if not got["error"]:
            assert {k: got[k] for k in want} == want
    with (tmp_path / "worlds_summary.csv").open() as handle:
        assert [r["seeds"] for r in csv.DictReader(handle)] == ["3", "2"]
    shares = (tmp_path / "worlds_shares.csv").read_bytes().count(b"\n")
    assert shares == 1 + 5 * 3 * 48
    assert (tmp_path / "worlds_trajectories.png").stat().st_size > 10_000


def test_bad_executor_options_are_one_line(tmp_path: Path, capsys):
    assert main([*SMALL, "--scheduler", "tcp://127.0.0.1:1", "--out", str(tmp_path)]) == 1
    assert "--scheduler needs --executor dask" in capsys.readouterr().err
    assert main([*SMALL, "--executor", "local", "--workers", "0", "--out", str(tmp_path)]) == 1
    assert "--workers must be at least 1" in capsys.readouterr().err
    assert not (tmp_path / "worlds_summary.csv").exists()


def test_plots_are_drawn_when_a_whole_level_failed(tmp_path: Path):
    from scenarios.worlds import write_worlds

    config = MarketConfig(models=8, worlds=2, choices=60, agents=20)
    mapper = tasks_mapper("local", 1)
    rows, runs = sweep_worlds(config, [0.0, 0.5, 1.5], [0, 1], map_runs=mapper)
    assert list(runs) == [(0.0, 0), (0.0, 1), (0.5, 0), (0.5, 1)]  # every 1.5 run failed
    del runs[(0.0, 1)], runs[(0.5, 0)]  # and no seed is left at both ends
    written = write_worlds(tmp_path, rows, summarise(rows), runs)
    assert [p.name for p in written[3:]] == [
        "worlds_trajectories.png", "worlds_inequality.png", "worlds_quality.png",
    ]  # fmt: skip
    assert all(p.stat().st_size > 5_000 for p in written[3:])
