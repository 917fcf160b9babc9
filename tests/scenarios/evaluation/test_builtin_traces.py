"""``evaluate gsm8k`` works from any folder: the trace ships with the package."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios.evaluation.builtin_traces import trace_file
from scenarios.evaluation.formats import load_trace
from selection import ConfigError


def test_the_builtin_gsm8k_trace_loads_with_the_published_accuracies():
    trace = load_trace(trace_file("gsm8k"))
    # SOURCES.md: after decontamination 1,307 prompts; GPT-4 right on 85.7%, Mixtral on 63.8%.
    assert trace.n_prompts == 1307
    # (to the one-decimal rounding of that note: 833/1307 and 1121/1307 here)
    accuracy = sorted(float(trace.quality[:, j].mean()) for j in range(2))
    assert accuracy == pytest.approx([0.638, 0.857], abs=0.0015)


def test_an_existing_path_wins_over_a_builtin_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "gsm8k").write_text("x")
    assert trace_file("gsm8k") == Path("gsm8k")


def test_an_unknown_name_says_what_would_work():
    with pytest.raises(ConfigError, match=r"nosuch: no such file, and not a built-in trace"):
        trace_file("nosuch")
