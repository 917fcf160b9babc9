"""Simulated tests through the whole path (route, record, database sums, analysis), CI-sized.

Hundreds of A/B tests run side by side, one per declared task, each read after every batch.
The full-size versions (thousands of tests) are in ``bench/bench_abtest.py``.

* A/A tests read after every batch: the always-valid p-value keeps false positives at or
  below alpha; stopping at the first significant fixed-horizon p-value does not.
* A real lift of the planned size is detected by the planned sample size with at least the
  planned power.
* The fixed-horizon intervals cover the truth at the nominal rate, and the confidence
  sequence covers it at every look at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pytest

from selection import DynamicModelManager, PerformanceRecord, SimClock
from selection.abtest import assign
from tests.selection.abtest.support import CHALLENGER, CHAMPION, T0

ALPHA = 0.05
TESTS = 200
LOOKS = 10
BASELINE, SD, MDE = 0.5, 0.1, 0.1  # the champion's quality; the plan is for +10%


@dataclass
class Outcome:
    sequential: list[bool] = field(default_factory=list)  # significant by the last look
    naive: list[bool] = field(default_factory=list)  # some look's fixed p <= alpha
    fixed_covers: list[bool] = field(default_factory=list)  # last look, difference
    lift_covers: list[bool] = field(default_factory=list)  # last look, relative lift
    sequence_covers: list[bool] = field(default_factory=list)  # every look at once
    winners: list[str | None] = field(default_factory=list)


def covers(interval: list[float | None], value: float) -> bool:
    low, high = (-math.inf if interval[0] is None else interval[0]), interval[1]
    return low <= value <= (math.inf if high is None else high)


async def simulate(url: str, *, lift: float, seed: int) -> Outcome:
    rng = np.random.default_rng(seed)
    tasks = [f"sim_{i}" for i in range(TESTS)]
    async with DynamicModelManager(url, clock=SimClock(T0)) as manager:
        ab = manager.ab_test_manager
        baseline = []
        for task in tasks:
            manager.catalog.declare_task(task)
            baseline += [
                PerformanceRecord(model_id=CHAMPION, task_type=task, quality_score=float(q))
                for q in rng.normal(BASELINE, SD, 200)
            ]
        await manager.performance_tracker.record_many(baseline)
        tests = []
        for i, task in enumerate(tasks):
            test_id = await ab.create_test(
                CHAMPION,
                CHALLENGER,
                task,
                test_id=f"sim-{seed}-{i}",
                guardrails=[],
                mde=MDE,
                alpha=ALPHA,
                min_samples_per_arm=2,
                min_runtime_hours=0,
            )
            tests.append(await ab.get_test(test_id))
        truth = BASELINE * lift
        out = Outcome()
        state = {t.test_id: [False, True] for t in tests}  # naive hit, sequence covered
        reports = {}
        for look in range(LOOKS):
            batch = []
            for test in tests:
                # Each test gets its own planned sample size, in LOOKS batches.
                for j in range(math.ceil(test.sample_size / LOOKS)):
                    unit = f"{look}-{j}"
                    arm = assign(test, unit)
                    mean = BASELINE + (truth if arm.arm == "b" else 0.0)
                    batch.append(
                        PerformanceRecord(
                            record_id=f"{test.test_id}-{unit}",
                            model_id=arm.model_id,
                            task_type=test.spec.task_types[0],
                            quality_score=float(np.clip(rng.normal(mean, SD), 0, 1)),
                            ab_test_id=test.test_id,
                            ab_arm=arm.arm,
                            ab_phase=0,
                        )
                    )
            await manager.performance_tracker.record_many(batch)
            for test in tests:
                report = await ab.analyze_test_results(test.test_id)
                quality = report["metrics"]["quality_score"]
                hit, covered = state[test.test_id]
                state[test.test_id] = [
                    hit or quality["significant"],
                    covered and covers(quality["sequential"]["ci"], truth),
                ]
                reports[test.test_id] = report
        for test in tests:
            quality = reports[test.test_id]["metrics"]["quality_score"]
            out.sequential.append(quality["sequential"]["significant"])
            out.naive.append(state[test.test_id][0])
            out.sequence_covers.append(state[test.test_id][1])
            out.fixed_covers.append(covers(quality["ci"], truth))
            out.lift_covers.append(covers(quality["relative_ci"], lift))
            out.winners.append(reports[test.test_id]["winner"])
    return out


def at_most(rate: float, nominal: float) -> bool:
    """``rate`` of TESTS trials is not above ``nominal`` by more than 2.5 standard errors."""
    return rate <= nominal + 2.5 * math.sqrt(nominal * (1 - nominal) / TESTS)


@pytest.fixture(scope="module")
def aa(tmp_path_factory) -> Outcome:
    import asyncio

    url = f"sqlite:///{tmp_path_factory.mktemp('aa') / 'sim.db'}"
    return asyncio.run(simulate(url, lift=0.0, seed=11))


@pytest.fixture(scope="module")
def lifted(tmp_path_factory) -> Outcome:
    import asyncio

    url = f"sqlite:///{tmp_path_factory.mktemp('lift') / 'sim.db'}"
    return asyncio.run(simulate(url, lift=MDE, seed=12))


def test_aa_tests_read_after_every_batch_keep_false_positives_at_alpha(aa):
    sequential = float(np.mean(aa.sequential))
    naive = float(np.mean(aa.naive))
    assert at_most(sequential, ALPHA)
    # Peeking at the fixed-horizon p-value after each of 10 batches inflates it (~0.19).
    assert naive > 2 * ALPHA
    assert naive > sequential + 0.05
    assert all(w is None for w, s in zip(aa.winners, aa.sequential, strict=True) if not s)


def test_intervals_cover_at_the_nominal_rate(aa, lifted):
    for outcome in (aa, lifted):
        assert at_most(1 - float(np.mean(outcome.fixed_covers)), ALPHA)
        assert at_most(1 - float(np.mean(outcome.sequence_covers)), ALPHA)
    assert at_most(1 - float(np.mean(lifted.lift_covers)), ALPHA)


def test_a_lift_of_the_planned_size_is_detected_with_the_planned_power(lifted):
    power = float(np.mean(lifted.sequential))
    # Planned power 0.8; allow 2.5 standard errors of simulation noise below it.
    assert power >= 0.8 - 2.5 * math.sqrt(0.8 * 0.2 / TESTS)
    assert float(np.mean([w == CHALLENGER for w in lifted.winners])) == pytest.approx(power)
