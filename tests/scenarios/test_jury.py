"""Wisdom of the crowd: the jury curves, the Condorcet reference, the command's files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from scenarios.cli import main
from scenarios.jury import JURY_COLUMNS, JuryConfig, condorcet, jury_curves


def test_condorcet_by_hand():
    assert condorcet(0.6, 1) == pytest.approx(0.6)
    assert condorcet(0.6, 3) == pytest.approx(0.6**3 + 3 * 0.6**2 * 0.4)  # 0.648
    # Two voters: both right, or one each and the coin falls right.
    assert condorcet(0.6, 2) == pytest.approx(0.36 + 0.5 * 2 * 0.6 * 0.4)
    assert condorcet(0.5, 101) == pytest.approx(0.5)
    assert condorcet(0.55, 201) > condorcet(0.55, 21) > 0.55  # the theorem's promise
    with pytest.raises(ValueError, match="p in"):
        condorcet(1.5, 3)


def test_a_hand_computed_small_jury():
    # Two models far apart, answers without spread: every agent, every method and pooling
    # name the better one, and the curve for p = 1 is 1.
    config = JuryConfig(qualities=(0.9, 0.2), quality_sd=0.0, sizes=(1, 3), trials=3, stream=6)
    rows = jury_curves(config)
    assert {tuple(r) for r in rows} == {JURY_COLUMNS}
    assert len(rows) == 2 * 2 * (len(config.methods) + 4)
    assert all(r["p_best"] == 1.0 for r in rows)
    assert all(r["tau"] == 1.0 for r in rows if r["method"] != "condorcet")


def test_a_bigger_jury_beats_one_agent_when_each_brings_its_own_calls():
    config = JuryConfig(sizes=(1, 30), trials=12, methods=("borda",))
    rows = {(r["regime"], r["agents"], r["method"]): r for r in jury_curves(config)}
    one = rows[("own", 30, "one agent")]["p_best"]
    assert rows[("own", 30, "borda")]["p_best"] > one + 0.15
    assert rows[("own", 30, "pooled records")]["p_best"] >= 0.9


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"qualities": (0.5, 0.5)}, "distinct"),
        ({"sizes": (0, 3)}, "at least one agent"),
        ({"stream": 10, "sizes": (20,)}, "cannot reach 20"),
        ({"methods": ("dictator",)}, "dictator"),
    ],
)
def test_a_bad_jury_is_refused_with_its_reason(change, message):
    with pytest.raises(ValueError, match=message):
        JuryConfig(**change)


def test_the_command_writes_a_csv_and_a_plot(tmp_path: Path, capsys):
    out = tmp_path / "jury"
    status = main(["jury", "--trials", "2", "--sizes", "1,4", "--stream", "8", "--out", str(out)])
    assert status == 0
    with (out / "jury.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {r["regime"] for r in rows} == {"own", "split"}
    assert (out / "jury.png").stat().st_size > 0
    assert "condorcet" in capsys.readouterr().out
    assert main(["jury", "--sizes", "1,x", "--out", str(out)]) == 1
