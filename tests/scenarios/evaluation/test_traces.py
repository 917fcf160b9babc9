"""Loading traces: the real GSM8K slice, RouterBench wide, long, and clear errors."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from scenarios.evaluation import Trace, TraceError, load_trace
from scenarios.evaluation.traces import normalise_task
from selection import ConfigError, GenesisError, ModelCatalog
from tests.scenarios.evaluation.support import spec


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(header)
        out.writerows(rows)
    return path


def test_gsm8k_slice_loads_with_routellm_figures(gsm8k_slice):
    trace = load_trace(gsm8k_slice)
    assert trace.models == ("gpt-4-1106-preview", "mistralai/Mixtral-8x7B-Instruct-v0.1")
    assert trace.tasks == ("gsm8k",)
    # 200 rows, 6 of them in RouteLLM's contamination list
    assert trace.n_prompts == 194
    assert "0" not in trace.prompt_ids  # row 0 is contaminated
    assert trace.quality.sum(axis=0).tolist() == [163, 121]
    only_gpt4 = (trace.quality[:, 0] == 1) & (trace.quality[:, 1] == 0)
    assert int(only_gpt4.sum()) == 60
    # row_index 3: 121 prompt chars, 301 / 228 answer chars -> 31 in, 76 / 57 out tokens
    i = trace.prompt_ids.index("3")
    assert trace.cost[i, 0] == pytest.approx((31 * 0.01 + 76 * 0.03) / 1000)
    assert trace.cost[i, 1] == pytest.approx((31 + 57) * 0.0006 / 1000)
    assert trace.latency_ms is None


def test_gsm8k_prices_come_from_the_catalog_when_it_holds_the_model(gsm8k_slice):
    catalog = ModelCatalog([spec("gpt-4-1106-preview", 1.0)])
    trace = load_trace(gsm8k_slice, catalog=catalog)
    i = trace.prompt_ids.index("3")
    assert trace.cost[i, 0] == pytest.approx((31 + 76) / 1000)
    assert trace.specs["gpt-4-1106-preview"].input_cost_per_1k_tokens == 1.0


def test_routerbench_wide_csv(tmp_path):
    path = write_csv(
        tmp_path / "rb.csv",
        ["sample_id", "prompt", "eval_name", "gpt-4", "gpt-4|model_response", "gpt-4|total_cost",
         "meta/llama-2-70b-chat", "meta/llama-2-70b-chat|total_cost",
         "meta/llama-2-70b-chat|latency_ms", "oracle_model_to_route_to"],
        [
            ["mmlu.1", "q1", "mmlu-anatomy", "1", "a", "0.01", "0", "0.001", "800", "gpt-4"],
            ["gsm.7", "q2", "GSM8K", "True", "b", "0.02", "False", "0.002", "", "gpt-4"],
        ],
    )  # fmt: skip
    trace = load_trace(path)
    assert trace.models == ("gpt-4", "meta/llama-2-70b-chat")
    assert trace.tasks == ("mmlu_anatomy", "gsm8k")
    assert trace.prompt_ids == ("mmlu.1", "gsm.7")
    assert trace.quality.tolist() == [[1, 0], [1, 0]]
    assert trace.cost.tolist() == [[0.01, 0.001], [0.02, 0.002]]
    assert trace.latency_ms is not None
    assert np.isnan(trace.latency_ms[:, 0]).all()  # gpt-4 has no latency column
    assert trace.latency_ms[0, 1] == 800
    assert np.isnan(trace.latency_ms[1, 1])
    assert trace.has_latency


def test_routerbench_token_columns_are_priced_from_the_catalog(tmp_path):
    path = write_csv(
        tmp_path / "rb.csv",
        ["eval_name", "m", "m|input_tokens", "m|output_tokens"],
        [["t", "0.5", "1000", "2000"]],
    )
    catalog = ModelCatalog([spec("m", 0.001, 0.002)])
    assert load_trace(path, catalog=catalog).cost[0, 0] == pytest.approx(0.005)
    with pytest.raises(TraceError, match="model 'm' gives token counts but no cost"):
        load_trace(path)


def test_long_jsonl_pivots_one_row_per_prompt(tmp_path):
    rows = [
        {"prompt": "p1", "model": "a", "score": 0.5, "cost": 0.1, "latency_ms": 10},
        {"prompt": "p1", "model": "b", "score": 1, "cost": 0.3, "latency_ms": None},
        {"prompt": "p2", "model": "b", "score": 0, "cost": 0.4, "latency_ms": 30},
        {"prompt": "p2", "model": "a", "score": True, "cost": 0.2, "latency_ms": 20},
    ]
    path = tmp_path / "long.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    trace = load_trace(path)
    assert trace.models == ("a", "b")
    assert trace.tasks == ("default",)
    assert trace.quality.tolist() == [[0.5, 1.0], [1.0, 0.0]]
    assert trace.cost.tolist() == [[0.1, 0.3], [0.2, 0.4]]
    assert trace.latency_ms is not None
    assert trace.latency_ms[1].tolist() == [20.0, 30.0]


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".jsonl"])
def test_a_byte_order_mark_is_not_part_of_the_first_column(tmp_path, suffix):
    """Excel's "CSV UTF-8" (and some JSON exporters) start the file with a UTF-8 BOM."""
    if suffix == ".jsonl":
        text = "".join(
            json.dumps({"prompt": "p1", "model": m, "score": s, "cost": 0.1}) + "\n"
            for m, s in (("a", 1), ("b", 0))
        )
    else:
        text = "prompt,model,score,cost\r\np1,a,1,0.1\r\np1,b,0,0.1\r\n"
    data = b"\xef\xbb\xbf" + text.encode()
    path = tmp_path / f"bom{suffix}"
    path.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
    trace = load_trace(path)
    assert trace.models == ("a", "b")
    assert trace.quality.tolist() == [[1.0, 0.0]]


def test_long_csv_with_tasks_and_token_counts(tmp_path):
    path = write_csv(
        tmp_path / "long.csv",
        ["prompt", "task", "model", "score", "input_tokens", "output_tokens"],
        [["p1", "Code Review", "m", "1", "100", "100"], ["p2", "chat", "m", "0", "10", "0"]],
    )
    catalog = ModelCatalog([spec("m", 0.01)])
    trace = load_trace(path, catalog=catalog)
    assert trace.tasks == ("code_review", "chat")
    assert trace.cost[:, 0].tolist() == pytest.approx([0.002, 0.0001])


def test_parquet_needs_pyarrow_or_loads(tmp_path):
    path = tmp_path / "t.parquet"
    try:
        import pyarrow as pa  # type: ignore[import-not-found, unused-ignore]
        import pyarrow.parquet as pq  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        path.write_bytes(b"PAR1")
        with pytest.raises(TraceError, match="pip install pyarrow"):
            load_trace(path)
        return
    table = {"prompt": ["p"], "model": ["m"], "score": [1.0], "cost": [0.5]}
    pq.write_table(pa.table(table), path)
    assert load_trace(path).cost.tolist() == [[0.5]]


MALFORMED = [
    # (file name, content, message)
    ("a.csv", "sample_id,m,m|total_cost\n1,1,0.1\n", "missing column 'eval_name'"),
    ("a.csv", "eval_name,m,m|total_cost\nt,abc,0.1\n", "column 'm', row 1: 'abc' is not a number"),
    ("a.csv", "eval_name,m,m|total_cost\nt,1,0.1\nt,1.5,0.1\n", "row 2: quality of model 'm'"),
    ("a.csv", "eval_name,m,m|total_cost\nt,1,-2\n", "cost of model 'm' at prompt '0' is -2.0"),
    ("a.csv", "eval_name,m|total_cost\nt,0.1\n", "missing column 'm' (the score of model 'm')"),
    ("a.csv", "eval_name,m,m|total_cost\nt,1,\n", "column 'm|total_cost', row 1: missing"),
    ("a.csv", "eval_name,m,m|total_cost\nt,1\n", "line 2 has 2 fields, the header 3"),
    ("a.csv", "", "the file is empty"),
    ("a.csv", "x,y\n1,2\n", "cannot tell the trace format from the columns ('x', 'y')"),
    ("a.csv", "eval_name,m,m|total_cost\n", "the trace has no rows"),
    ("a.csv", "prompt,model,score,cost\np,a,1,0.1\np,b,1,0.1\nq,a,1,0.1\n",
     "prompt 'q' has no row for model 'b'"),
    ("a.csv", "prompt,model,score,cost\np,a,1,0.1\np,a,0,0.1\n",
     "row 2: prompt 'p' has a second row for model 'a'"),
    ("a.csv", "prompt,model,score\np,a,1\n", "missing column 'input_tokens' ('cost' is absent)"),
    ("a.csv", "prompt,task,model,score,cost\np,x,a,1,0.1\np,y,b,1,0.1\n",
     "column 'task', row 2: prompt 'p' is task 'x' on an earlier row"),
    ("a.csv", "eval_name,m,m|total_cost\n---,1,0.1\n", "task label '---' has no letters"),
    ("a.csv", "sample_id,eval_name,m,m|total_cost\nq1,t,1,0.1\nq2,t,1,0.1\nq1,t,0,0.1\n",
     "row 3: prompt id 'q1' appears twice"),
    ("a.jsonl", '{"prompt": "p"}\nnot json\n', "line 2 is not JSON"),
    ("a.txt", "whatever", "unknown trace file type"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "content", "message"), MALFORMED, ids=[m[2][:30] for m in MALFORMED]
)
def test_malformed_traces_get_a_clear_error(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(TraceError) as info:
        load_trace(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ConfigError)
    assert isinstance(info.value, GenesisError)


def test_errors_carry_the_column_and_row(tmp_path):
    path = write_csv(tmp_path / "a.csv", ["eval_name", "m", "m|total_cost"], [["t", "1", "x"]])
    with pytest.raises(TraceError) as info:
        load_trace(path)
    assert (info.value.column, info.value.row) == ("m|total_cost", 1)


def test_missing_file_and_unknown_format(tmp_path):
    with pytest.raises(TraceError, match="cannot read the file"):
        load_trace(tmp_path / "absent.csv")
    path = write_csv(tmp_path / "a.csv", ["eval_name", "m", "m|total_cost"], [["t", "1", "0"]])
    with pytest.raises(TraceError, match="unknown trace format 'wide'"):
        load_trace(path, format="wide")
    with pytest.raises(TraceError, match="missing column 'prompt'"):
        load_trace(path, format="long")


@pytest.mark.parametrize(
    ("raw", "name"),
    [("mmlu-college-biology", "mmlu_college_biology"), ("GSM8K", "gsm8k"), ("2wiki", "t_2wiki"),
     ("  MT Bench ", "mt_bench")],
)  # fmt: skip
def test_task_labels_become_task_type_names(raw, name):
    assert normalise_task(raw) == name


def test_trace_is_read_only_and_validated(hand_trace):
    with pytest.raises(ValueError, match="read-only"):
        hand_trace.quality[0, 0] = 1.0
    with pytest.raises(TraceError, match="model ids repeat"):
        Trace(
            name="t", models=("a", "a"), tasks=("x",), prompt_ids=("p",),
            task_index=np.array([0]), quality=np.ones((1, 2)), cost=np.ones((1, 2)),
        )  # fmt: skip
    with pytest.raises(TraceError, match=r"quality has shape \(1, 1\), expected \(1, 2\)"):
        Trace(
            name="t", models=("a", "b"), tasks=("x",), prompt_ids=("p",),
            task_index=np.array([0]), quality=np.ones((1, 1)), cost=np.ones((1, 2)),
        )  # fmt: skip


def test_take_slices_rows(hand_trace):
    part = hand_trace.take([2, 0])
    assert part.prompt_ids == ("p2", "p0")
    assert part.quality.tolist() == [[0, 0, 0], [0, 1, 1]]


def _routerbench_frame() -> tuple[Any, list[str]]:
    """Three MMLU rows in RouterBench's wide layout, as its ``convert_to_wide_format`` writes."""
    pd = pytest.importorskip("pandas")
    models = ["gpt-4-1106-preview", "mistralai/mixtral-8x7b-chat", "WizardLM/WizardLM-13B-V1.2"]
    frame = pd.DataFrame(
        {
            "sample_id": ["mmlu-anatomy.val.0", "mmlu-anatomy.val.1", "mmlu-virology.val.0"],
            "prompt": [["Q: bones?"], ["Q: nerves?"], ["Q: a virus?"]],
            "eval_name": ["mmlu-anatomy", "mmlu-anatomy", "mmlu-virology"],
        }
    )
    for j, model in enumerate(models):
        frame[model] = [1.0, 0.0, float(j == 0)]
        frame[f"{model}|model_response"] = [["A"], ["B"], ["C"]]
        frame[f"{model}|total_cost"] = [0.01 / (j + 1), 0.02 / (j + 1), 0.03 / (j + 1)]
    frame["oracle_model_to_route_to"] = [
        "WizardLM/WizardLM-13B-V1.2",
        "no_model_correct",
        models[0],
    ]
    frame.index.rename("idx", inplace=True)
    return frame, models


def test_routerbench_pickle_loads_as_its_csv_does(tmp_path):
    frame, models = _routerbench_frame()
    frame.to_pickle(tmp_path / "routerbench_5shot.pkl")
    frame.to_csv(tmp_path / "routerbench_5shot.csv", index=False)
    trace = load_trace(tmp_path / "routerbench_5shot.pkl")
    from_csv = load_trace(tmp_path / "routerbench_5shot.csv")
    assert trace.name == "routerbench_5shot"
    assert trace.models == tuple(models)
    assert trace.tasks == ("mmlu_anatomy", "mmlu_virology")
    assert trace.task_index.tolist() == [0, 0, 1]
    assert trace.prompt_ids == ("mmlu-anatomy.val.0", "mmlu-anatomy.val.1", "mmlu-virology.val.0")
    assert trace.quality.tolist() == [[1, 1, 1], [0, 0, 0], [1, 0, 0]]
    assert trace.cost[2].tolist() == pytest.approx([0.03, 0.015, 0.01])
    assert np.array_equal(trace.quality, from_csv.quality)
    assert np.array_equal(trace.cost, from_csv.cost)
    assert trace.tasks == from_csv.tasks


def test_a_pickle_that_is_not_a_routerbench_frame_gets_a_clear_error(tmp_path):
    pd = pytest.importorskip("pandas")
    frame, models = _routerbench_frame()
    pd.Series([1, 2]).to_pickle(tmp_path / "series.pkl")
    with pytest.raises(TraceError, match="holds a Series, not a pandas DataFrame"):
        load_trace(tmp_path / "series.pkl")
    (tmp_path / "garbled.pkl").write_bytes(b"not a pickle at all")
    with pytest.raises(TraceError, match="not a readable pickle"):
        load_trace(tmp_path / "garbled.pkl")
    frame.loc[1, models[1]] = None  # a model without a score on a prompt
    frame.to_pickle(tmp_path / "gap.pkl")
    with pytest.raises(TraceError, match="missing or not a number") as caught:
        load_trace(tmp_path / "gap.pkl")
    assert caught.value.column == models[1]
    assert caught.value.row == 2
