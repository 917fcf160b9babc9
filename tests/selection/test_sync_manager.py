"""The synchronous facade: works with and without a running loop; DataFrames in and out."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from selection import InvalidRecordError, SyncModelManager
from selection.loopthread import EventLoopThread

TASK = "pattern_recognition"


def _ab_frame(manager: SyncModelManager, challenger: str, n: int = 400) -> pd.DataFrame:
    """Route ``n`` requests through the running test and draw their outcomes."""
    rng = np.random.default_rng(7)
    rows = []
    for i in range(n):
        request_id = f"req-{i}"
        model_id = manager.get_optimal_model(TASK, request_id=request_id)
        better = model_id == challenger
        rows.append(
            {
                "request_id": request_id,
                "model_id": model_id,
                "task_type": TASK,
                "quality_score": float(np.clip(rng.normal(0.80 if better else 0.70, 0.1), 0, 1)),
                "response_time_ms": float(rng.gamma(4.0, 300.0)),
                "cost": 0.002,
            }
        )
    return pd.DataFrame(rows)


def _run_ab() -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    with SyncModelManager("sqlite:///:memory:", rng=np.random.default_rng(0)) as manager:
        champion = manager.get_optimal_model(TASK)
        challenger = next(
            m.id for m in manager.manager.catalog.active() if m.id != champion and
            m.id not in manager.manager.model_selector.score_table(TASK).excluded
        )  # fmt: skip
        test_id = manager.create_model_comparison_test(
            TASK, challenger, test_id="ab-sync", success_metrics=["quality_score"], guardrails=[],
            min_samples_per_arm=20, sample_size=10_000,
        )  # fmt: skip
        frame = _ab_frame(manager, challenger)
        assert manager.record_frame(frame) == len(frame)
        report = manager.analyze_test_results(test_id, mode="fixed")
        return frame, report.to_frame(), dict(report)


def test_ab_analysis_from_a_dataframe_matches_welch():
    frame, table, report = _run_ab()
    row = table.set_index("metric").loc["quality_score"]
    by_model = frame.groupby("model_id")["quality_score"]
    control = by_model.get_group(row["control_model"])
    treatment = by_model.get_group(row["treatment_model"])
    assert row["control_n"] == len(control) > 100
    assert row["treatment_n"] == len(treatment) > 100
    assert row["control_n"] + row["treatment_n"] == len(frame)
    assert row["control_mean"] == pytest.approx(control.mean(), rel=1e-12)
    assert row["difference"] == pytest.approx(treatment.mean() - control.mean(), rel=1e-9)
    welch = stats.ttest_ind(treatment, control, equal_var=False)
    assert row["p_value"] == pytest.approx(welch.pvalue, rel=1e-6, abs=1e-300)
    assert row["relative_lift"] == pytest.approx(row["difference"] / row["control_mean"])
    assert row["relative_ci_low"] < row["relative_lift"] < row["relative_ci_high"]
    assert report["winner"] == row["treatment_model"]


def test_the_facade_works_inside_a_running_loop():
    async def notebook_cell() -> tuple[pd.DataFrame, pd.DataFrame, dict]:
        asyncio.get_running_loop()  # as in a Jupyter kernel
        return _run_ab()

    inside = asyncio.run(notebook_cell())
    outside = _run_ab()
    pd.testing.assert_frame_equal(inside[1], outside[1])


def test_a_bad_row_stores_nothing_and_names_the_row():
    with SyncModelManager("sqlite:///:memory:") as manager:
        model_id = manager.get_optimal_model(TASK)
        frame = pd.DataFrame(
            {
                "model_id": [model_id, model_id],
                "task_type": [TASK, TASK],
                "quality_score": [0.9, 7.0],
            }
        )
        with pytest.raises(InvalidRecordError, match=r"row 1: .*quality_score"):
            manager.record_frame(frame)
        status = manager.get_system_status()
        assert manager.record_frame(frame.iloc[:1]) == 1
        with pytest.raises(InvalidRecordError, match="row 0: no 'task_type'"):
            manager.record_frame([{"model_id": model_id, "quality_score": 0.5}])
    assert status is not None


def test_closing_twice_is_harmless_and_a_closed_manager_refuses():
    manager = SyncModelManager("sqlite:///:memory:")
    manager.close()
    manager.close()
    with pytest.raises(RuntimeError, match="closed"):
        manager.get_optimal_model(TASK)


def test_the_loop_thread_ends_on_close_and_refuses_its_own_thread():
    loop = EventLoopThread("test-loop")

    async def own() -> None:
        coro = asyncio.sleep(0)
        with pytest.raises(RuntimeError, match="own loop"):
            loop.run(coro)

    async def where() -> str:
        return threading.current_thread().name

    assert loop.run(where()) == "test-loop"
    loop.run(own())
    loop.close()
    assert not any(t.name == "test-loop" for t in threading.enumerate())
