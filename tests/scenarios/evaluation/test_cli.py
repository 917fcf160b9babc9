"""``genesis-prime evaluate``: the table, the CSV files, the plots, and one-line errors."""

from __future__ import annotations

import csv
import json

import pytest

import scenarios.evaluation
from scenarios.cli import main


def test_evaluate_prints_and_writes_everything(gsm8k_slice, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["evaluate", str(gsm8k_slice), "--out", str(out), "--weights", "0,0.2,1",
                 "--policy", "selector,random", "--policy", "cheapest", "--seed", "3"])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0, printed
    for text in ("194 prompts", "oracle-per-prompt", "zero-router", "CPT(50%)", "frontier.png"):
        assert text in printed
    with (out / "runs.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    policy_rows = [(r["name"], r["weight"]) for r in rows if r["kind"] == "policy"]
    assert policy_rows == [("selector", "0"), ("selector", "0.2"), ("selector", "1"),
                           ("random", ""), ("cheapest", "")]  # fmt: skip
    gpt4 = next(r for r in rows if r["name"] == "model:gpt-4-1106-preview")
    assert float(gpt4["quality"]) == pytest.approx(163 / 194)
    assert gpt4["note"] == "best single model"
    with (out / "summary.csv").open() as handle:
        summary = {r["name"]: r for r in csv.DictReader(handle)}
    assert set(summary) == {"selector", "random", "cheapest", "zero-router", "oracle-per-prompt"}
    assert float(summary["oracle-per-prompt"]["aiq"]) > float(summary["zero-router"]["aiq"])
    meta = json.loads((out / "evaluation.json").read_text())
    assert (meta["seed"], meta["prompts"], meta["weights"]) == (3, 194, [0.0, 0.2, 1.0])
    for name in ("frontier.png", "regret.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_default_policies_skip_latency_on_a_trace_without_it(gsm8k_slice, tmp_path, capsys):
    code = main(["evaluate", str(gsm8k_slice), "--out", str(tmp_path), "--weights", "0.5"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "left out latency-first: the trace has no latency" in printed
    with (tmp_path / "summary.csv").open() as handle:
        scored = [r["name"] for r in csv.DictReader(handle)]
    from scenarios.evaluation.cli import all_policies

    expected = [n for n in all_policies() if n != "latency-first"]
    assert scored == [*expected, "zero-router", "oracle-per-prompt"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/no/such/trace.csv"], "cannot read the file"),
        (["{slice}", "--weights", "0,x"], "cost weight 'x' is not a number"),
        (["{slice}", "--weights", "2"], "a cost weight must be in [0, 1], got 2.0"),
        (["{slice}", "--policy", "oracle"], "unknown policy 'oracle'"),
        (["{slice}", "--batch-size", "0"], "batch_size must be >= 1"),
        (["{slice}", "--policy", "latency-first"], "needs latency"),
        (["{bad}"], "column 'mixtral_8x7b_instruct_correct', row 2: 'maybe' is not a number"),
        (["{slice}", "--frontier-points", "0"], "frontier_points (0) must be at least"),
        (["{slice}", "--out", "{slice}"], "is a file, not a folder"),
    ],
)
def test_errors_are_one_line(gsm8k_slice, tmp_path, capsys, args, message):
    bad = tmp_path / "bad.csv"
    lines = gsm8k_slice.read_text().splitlines()
    lines[2] = lines[2].replace(",105,1,1,", ",105,1,maybe,", 1)  # row_index 1
    bad.write_text("\n".join(lines) + "\n")
    argv = [a.format(slice=gsm8k_slice, bad=bad) for a in args]
    code = main(["evaluate", *argv, *([] if "--out" in argv else ["--out", str(tmp_path / "o")])])
    err = capsys.readouterr().err
    assert code == 1
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_a_built_in_catalog_prices_token_counts_by_name(tmp_path, capsys):
    """``--catalog current`` (or ``seed``), as every other command takes it."""
    trace = tmp_path / "tokens.csv"
    rows = [f"p{i},{m},{(i + j) % 2},100,200" for i in range(6)
            for j, m in enumerate(("openai/gpt-5.1", "mistral/mistral-large-3"))]  # fmt: skip
    trace.write_text("prompt,model,score,input_tokens,output_tokens\n" + "\n".join(rows) + "\n")
    out = tmp_path / "out"
    argv = ["evaluate", str(trace), "--catalog", "current", "--policy", "cheapest", "--out"]
    assert main([*argv, str(out)]) == 0, capsys.readouterr().err
    with (out / "runs.csv").open() as handle:
        cheapest = next(r for r in csv.DictReader(handle) if r["name"] == "cheapest")
    assert cheapest["share:mistral/mistral-large-3"] == "1"


def test_exported_names_exist():
    for name in scenarios.evaluation.__all__:
        assert hasattr(scenarios.evaluation, name), name
    assert {"load_trace", "evaluate", "build_report", "aiq", "cpt", "Trace"} <= set(
        scenarios.evaluation.__all__
    )
