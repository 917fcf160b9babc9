"""Results as pandas DataFrames, and traces given as DataFrames."""

from __future__ import annotations

import csv
import statistics
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scenarios.evaluation import (
    POLICIES,
    EvaluationConfig,
    TraceError,
    build_report,
    evaluate,
    load_trace,
    synthetic_trace,
    trace_from_frame,
    write_csv,
)
from scenarios.spec import load_scenario
from scenarios.sweep import sweep

DATA = Path(__file__).parent / "evaluation" / "data" / "routellm_gsm8k_first200.csv"


def test_sweep_rows_and_their_summary_as_frames():
    spec = load_scenario("steady-state").with_overrides(steps=6, **{"agents.count": 6})
    rows = sweep(spec, seeds=[0, 1, 2], params={"agents.vote_period": [2, 3]}, workers=1)
    frame = rows.to_frame()
    assert len(frame) == 6
    assert list(frame.columns[:2]) == ["agents.vote_period", "seed"]
    summary = rows.summary_frame().set_index("agents.vote_period")
    for period, group in frame.groupby("agents.vote_period"):
        values = group["cumulative_regret"].tolist()
        assert summary.loc[period, "cumulative_regret_mean"] == pytest.approx(
            statistics.fmean(values)
        )
        assert summary.loc[period, "cumulative_regret_sd"] == pytest.approx(
            statistics.stdev(values)
        )
        assert summary.loc[period, "runs"] == 3


def _trace():
    return synthetic_trace(
        np.random.default_rng(3),
        n_prompts=300,
        accuracy={"math": {"big": 0.9, "small": 0.5}, "chat": {"big": 0.8, "small": 0.75}},
        cost={"big": 0.01, "small": 0.001},
    )


async def test_evaluation_and_report_frames_match_the_csv(tmp_path: Path):
    trace = _trace()
    evaluation = await evaluate(
        trace,
        [POLICIES["selector"], POLICIES["random"]],
        EvaluationConfig(weights=(0.0, 0.5, 1.0), seed=1),
    )
    report = build_report(evaluation)
    frame = evaluation.to_frame()
    pd.testing.assert_frame_equal(frame, report.to_frame())
    write_csv(report, tmp_path)
    with (tmp_path / "runs.csv").open(newline="", encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    assert list(frame.columns) == list(written[0])
    assert len(frame) == len(written) == 2 + 2 + 3 + 1  # models, oracles, selector x3, random
    for (_, row), line in zip(frame.iterrows(), written, strict=True):
        assert row["name"] == line["name"]
        assert row["quality"] == pytest.approx(float(line["quality"]), rel=1e-9)
    # Independently: the 'model:big' reference always calls big, so its quality is big's mean.
    big = frame.set_index("name").loc["model:big"]
    assert big["quality"] == pytest.approx(trace.quality[:, trace.models.index("big")].mean())
    assert big["share:big"] == 1.0
    scores = report.scores_frame()
    assert set(scores["name"]) == {"selector", "random", "zero-router", "oracle-per-prompt"}


def test_a_trace_from_a_dataframe_equals_the_same_file():
    from_file = load_trace(DATA)
    frame = pd.read_csv(DATA)
    from_frame = trace_from_frame(frame, name=from_file.name)
    assert load_trace(frame).n_prompts == from_file.n_prompts
    assert from_frame.models == from_file.models
    np.testing.assert_array_equal(from_frame.quality, from_file.quality)
    np.testing.assert_array_equal(from_frame.cost, from_file.cost)


def test_a_bad_dataframe_cell_is_named():
    long = pd.DataFrame(
        {"prompt": ["a", "a", "b"], "model": ["x", "y", "x"], "score": [1.0, "oops", 0.0],
         "cost": [0.1, 0.2, 0.1]}
    )  # fmt: skip
    with pytest.raises(TraceError, match=r"DataFrame 'mine'.*score.*row 2"):
        trace_from_frame(long, name="mine")
