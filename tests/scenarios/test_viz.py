"""The live page's parts without a browser: its figures, and the command's errors."""

from __future__ import annotations

import pytest

from scenarios import HiveModel
from scenarios.cli import main
from scenarios.spec import load_scenario
from scenarios.viz import _figures, draw_network, snapshot


def test_the_page_figures_follow_the_model():
    # The verdict channel votes, so agreement is drawn (the evidence channel has none).
    spec = load_scenario("steady-state").with_overrides(seed=2, steps=12)
    model = HiveModel(spec.with_overrides(**{"agents.channel": "verdict"}))
    try:
        assert set(_figures(model)) == {"traffic", "regret", "agreement", "network"}
        for _ in range(11):
            model.step()
        run = snapshot(model)
        assert [m["step"] for m in run.metrics] == list(range(11))
        assert run.metrics[-1]["cumulative_regret"] == pytest.approx(model.cumulative_regret)
        shares: dict[tuple[int, str], list[float]] = {}
        for row in run.traffic:
            shares.setdefault((row["step"], row["task"]), []).append(row["share"])
        assert all(sum(s) == pytest.approx(1.0) for s in shares.values())
        figures = _figures(model)
        agreement_axes = figures["agreement"].axes[0]
        assert agreement_axes.get_ylabel() == "Kendall's W (0 to 1)"  # a vote happened at 10
        traffic = figures["traffic"].axes
        assert [ax.get_title() for ax in traffic if ax.get_title()] == sorted(model.tasks)
        network = draw_network(model).axes[0]
        labels = [text.get_text() for text in network.get_legend().get_texts()]
        counted = [int(label.rsplit("(", 1)[1].rstrip(")")) for label in labels]
        assert sum(counted) == len(model.members)
    finally:
        model.close()


def test_the_evidence_channel_says_it_has_no_agreement():
    model = HiveModel(scenario="steady-state", seed=2, steps=12)
    try:
        for _ in range(11):
            model.step()
        text = _figures(model)["agreement"].axes[0].texts[0].get_text()
        assert "evidence channel" in text
        assert "press Step" not in text
    finally:
        model.close()


def test_a_policy_without_a_hive_says_so():
    model = HiveModel(scenario="steady-state", policy="selector", steps=2)
    try:
        assert "no hive" in draw_network(model).axes[0].get_title()
    finally:
        model.close()


def test_viz_of_an_unknown_scenario_fails_in_one_line(capsys):
    assert main(["viz", "no-such-scenario"]) == 1
    err = capsys.readouterr().err
    assert "no scenario 'no-such-scenario'" in err
    assert len(err.strip().splitlines()) == 1
