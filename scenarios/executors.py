"""Where independent tasks run: a local process pool or a Dask cluster, behind one function.

:func:`map_tasks` applies a function to every item and returns the results in the order of the
items, whatever the order of completion. A task that raises does not stop the others: its slot
holds a :class:`TaskFailed` naming the error. On Dask, a task whose worker dies is re-run by the
scheduler on another worker (up to ``distributed.scheduler.allowed-failures`` times), so a lost
worker costs only the time of its runs.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any, Literal, TypeVar

from selection import ConfigError
from selection.extras import missing_extra

__all__ = ["EXECUTORS", "ExecutorName", "TaskFailed", "map_tasks"]

T = TypeVar("T")
R = TypeVar("R")

ExecutorName = Literal["local", "dask"]
EXECUTORS: tuple[ExecutorName, ...] = ("local", "dask")

Progress = Callable[[int, int], None]
"""Called with (tasks done, tasks in all) each time a task completes."""


@dataclass(frozen=True)
class TaskFailed:
    """The outcome of a task that raised: the exception's type and message."""

    error: str


def _guarded(fn: Callable[[T], R], item: T) -> R | TaskFailed:
    try:
        return fn(item)
    except Exception as exc:  # a run's own failure is a result, so the others complete
        return TaskFailed(f"{type(exc).__name__}: {exc}")


def map_tasks(
    fn: Callable[[T], R],
    items: Sequence[T],
    *,
    executor: ExecutorName = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    announce: Callable[[str], None] | None = None,
) -> list[R | TaskFailed]:
    """Apply ``fn`` to each item, in parallel, and return the outcomes in the items' order.

    Args:
        fn: A module-level function (it is pickled to the workers).
        items: Its arguments, one task each.
        executor: ``local`` (a process pool on this machine) or ``dask``.
        workers: Processes to use; default one per CPU. ``local`` with 1 runs in this process.
            Ignored with a ``scheduler``, whose cluster has its own workers.
        scheduler: With ``dask``, a scheduler address (``tcp://host:8786``); without one a
            ``LocalCluster`` of worker processes is started and closed afterwards.
        progress: Told of each completed task.
        announce: Told one line when a cluster is started or joined (its dashboard link).

    Raises:
        ConfigError: an unknown executor, or ``dask`` without the ``[dask]`` extra.
    """
    if executor not in EXECUTORS:
        raise ConfigError(f"--executor {executor!r}: choose one of {', '.join(EXECUTORS)}")
    if scheduler is not None and executor != "dask":
        raise ConfigError("--scheduler needs --executor dask")
    task = functools.partial(_guarded, fn)
    if executor == "dask":
        return _on_dask(task, items, workers, scheduler, progress, announce)
    return _on_pool(task, items, workers, progress)


def _on_pool(
    task: Callable[[T], R | TaskFailed],
    items: Sequence[T],
    workers: int | None,
    progress: Progress | None,
) -> list[R | TaskFailed]:
    workers = workers or os.cpu_count() or 1
    outcomes: list[R | TaskFailed] = []
    if workers == 1 or len(items) <= 1:
        for done, item in enumerate(items, 1):
            outcomes.append(task(item))
            if progress is not None:
                progress(done, len(items))
        return outcomes
    # spawn: every worker starts clean (no inherited event loop, threads or locks).
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(task, item) for item in items]
        for done, _ in enumerate(as_completed(futures), 1):
            if progress is not None:
                progress(done, len(items))
        return [future.result() for future in futures]


def _on_dask(
    task: Callable[[T], R | TaskFailed],
    items: Sequence[T],
    workers: int | None,
    scheduler: str | None,
    progress: Progress | None,
    announce: Callable[[str], None] | None,
) -> list[R | TaskFailed]:
    try:
        import distributed
    except ModuleNotFoundError as exc:
        error = missing_extra(exc, feature="--executor dask")
        if error is None:
            raise
        raise error from exc
    cluster: Any = None
    if scheduler is None:
        cluster = distributed.LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,  # the runs are CPU-bound Python: one per process
            processes=True,
            dashboard_address=":0",  # any free port: several sweeps may run side by side
        )
    try:
        client = _connect(distributed, cluster if cluster is not None else scheduler)
        with client:
            if announce is not None:
                where = "started a LocalCluster" if cluster is not None else f"joined {scheduler}"
                announce(f"dask: {where}; dashboard {client.dashboard_link}")
            futures = client.map(task, items, pure=False)
            completed = distributed.as_completed(futures)  # type: ignore[no-untyped-call]
            for done, _ in enumerate(completed, 1):
                if progress is not None:
                    progress(done, len(items))
            return [_outcome(future) for future in futures]
    finally:
        if cluster is not None:
            cluster.close()


def _connect(distributed: Any, target: Any) -> Any:
    try:
        return distributed.Client(target)
    except OSError as exc:  # an unreachable or wrong address: say which, not a traceback
        raise ConfigError(f"--scheduler {target!r}: cannot connect ({exc})") from exc


def _outcome(future: Any) -> Any:
    try:
        return future.result()
    except Exception as exc:  # e.g. KilledWorker: the task took down too many workers
        return TaskFailed(f"{type(exc).__name__}: {exc}")
