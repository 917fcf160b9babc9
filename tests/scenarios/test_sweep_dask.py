"""Sweeps on a real Dask LocalCluster: the pool's rows, no run lost with a worker, errors named."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import psycopg
import pytest
from distributed import Client, LocalCluster

from scenarios.cli import main
from scenarios.executors import TaskFailed, map_tasks
from scenarios.spec import load_scenario
from scenarios.sweep import SWEPT_METRICS, sweep
from tests.conftest import PG_URL

PARAMS = {"agents.social_influence": [0.0, 0.9]}


def tiny(steps: int = 8):
    spec = load_scenario("steady-state").with_overrides(steps=steps)
    return spec.model_copy(update={"agents": spec.agents.model_copy(update={"count": 6})})


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as running:
        yield running


def test_a_started_local_cluster_gives_the_local_pools_rows():
    lines: list[str] = []
    done: list[tuple[int, int]] = []
    local = sweep(tiny(), seeds=[0, 1], params=PARAMS, workers=1)
    on_dask = sweep(
        tiny(), seeds=[0, 1], params=PARAMS, executor="dask", workers=2,
        announce=lines.append, progress=lambda d, t: done.append((d, t)),
    )  # fmt: skip
    np.testing.assert_equal(on_dask, local)  # same order, bit for bit (NaN equals NaN)
    assert [(r["agents.social_influence"], r["seed"]) for r in on_dask] == [
        (0.0, 0), (0.0, 1), (0.9, 0), (0.9, 1),
    ]  # fmt: skip
    assert len(lines) == 1
    assert "started a LocalCluster; dashboard http://" in lines[0]
    assert done == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_a_worker_killed_mid_sweep_loses_no_run(cluster: LocalCluster):
    spec = tiny(steps=20)
    local = sweep(spec, seeds=range(4), workers=1)
    killed: list[int] = []
    with Client(cluster) as watcher:
        pids = watcher.run(os.getpid)

        def kill_a_busy_worker(done: int, total: int) -> None:
            if killed:
                return
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                busy = [w for w, keys in watcher.processing().items() if keys and w in pids]
                if busy:
                    killed.append(pids[busy[0]])
                    os.kill(killed[0], signal.SIGKILL)
                    return
                time.sleep(0.01)

        rows = sweep(
            spec, seeds=range(4), executor="dask", scheduler=cluster.scheduler_address,
            progress=kill_a_busy_worker,
        )  # fmt: skip
        assert killed, "no worker was busy after the first run completed"
        watcher.wait_for_workers(2, timeout=60)
        assert killed[0] not in watcher.run(os.getpid).values()  # the nanny started a new one
    np.testing.assert_equal(rows, local)


def test_a_failing_run_is_reported_and_the_others_complete(
    cluster: LocalCluster, tmp_path: Path, capsys
):
    # Run 1's SQLite file cannot be created: a folder holds its name.
    (tmp_path / "runs" / "sweep_steady_state_00001.db").mkdir(parents=True)
    code = main([
        "sweep", "steady-state", "--steps", "8", "--seeds", "0:2", "--out", str(tmp_path),
        "--param", "agents.social_influence=0,0.9",
        "--executor", "dask", "--scheduler", cluster.scheduler_address,
    ])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 1
    assert "1 of 4 runs failed" in captured.err
    assert "run failed (agents.social_influence=0, seed=1): IsADirectoryError" in captured.out
    written = (tmp_path / "sweep_runs.csv").read_text().splitlines()
    assert len(written) == 5
    assert written[0].endswith(",error")
    assert [line.endswith(",") for line in written[1:]] == [True, False, True, True]
    assert (tmp_path / "sweep_agents_social_influence.png").stat().st_size > 1000


def test_map_tasks_keeps_order_and_turns_exceptions_into_failures(cluster: LocalCluster):
    outcomes = map_tasks(int, ["1", "x", "3"], executor="dask", scheduler=cluster.scheduler_address)
    assert outcomes[0] == 1
    assert outcomes[2] == 3
    assert outcomes[1] == TaskFailed("ValueError: invalid literal for int() with base 10: 'x'")


@pytest.mark.postgres
def test_each_run_records_into_its_own_postgresql_schema():
    name = f"t{uuid.uuid4().hex[:10]}"
    spec = tiny().model_copy(update={"name": name})
    try:
        rows = sweep(spec, seeds=[0, 1], db=PG_URL, workers=1)
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            counts = [
                conn.execute(
                    f"SELECT count(*) FROM sweep_{name}_{i:05d}.model_performance_records"
                ).fetchall()[0][0]
                for i in range(2)
            ]
        assert all(count > 0 for count in counts)
        assert rows == sweep(spec, seeds=[0, 1], workers=1)  # the store changes no result
        assert all(set(SWEPT_METRICS) <= set(row) for row in rows)
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            for i in range(2):
                conn.execute(f"DROP SCHEMA IF EXISTS sweep_{name}_{i:05d} CASCADE")
