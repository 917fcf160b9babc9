"""genesis-prime worlds: the cultural market from the command line, and market files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from scenarios.cli import main
from scenarios.markets import load_market, market_names
from selection import ConfigError


def test_worlds_writes_the_summary_and_plots(tmp_path: Path, capsys):
    out = tmp_path / "w"
    args = ["worlds", "cultural-market", "--seeds", "0:3", "--influence", "0,0.9"]
    assert main([*args, "--worlds", "4", "--choices", "300", "--out", str(out)]) == 0
    assert "Gini" in capsys.readouterr().out
    with (out / "worlds_summary.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [float(r["influence"]) for r in rows] == [0.0, 0.9]
    for column in ("gini_mean", "gini_lo", "gini_hi", "u_mean", "u_lo", "u_hi"):
        assert column in rows[0]
    assert "quality_success_tau_mean" in rows[0]
    assert "wrong_lock_in_share_mean" in rows[0]
    assert float(rows[1]["u_mean"]) > float(rows[0]["u_mean"])
    with (out / "worlds_shares.csv").open() as handle:
        shares = list(csv.DictReader(handle))
    assert len(shares) == 2 * 3 * 4 * 48  # levels x seeds x worlds x models
    for name in ("worlds_trajectories.png", "worlds_inequality.png", "worlds_quality.png"):
        assert (out / name).stat().st_size > 10_000, name


def test_bad_worlds_input_is_one_line(capsys, tmp_path: Path):
    assert main(["worlds", "no-such-market", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert "no market 'no-such-market'" in err
    assert "\n" not in err
    assert main(["worlds", "cultural-market", "--influence", "0,2", "--out", str(tmp_path)]) == 1
    assert "--influence" in capsys.readouterr().err
    assert not (tmp_path / "worlds_summary.csv").exists()


def test_builtin_market_and_file_errors(tmp_path: Path):
    assert "cultural-market" in market_names()
    market = load_market("cultural-market")
    assert market.config.models == 48
    assert market.influence[0] == 0.0
    assert len(market.seeds) == 20
    assert load_market("seeded-lead").config.head_start == {0: 30}
    path = tmp_path / "m.toml"
    path.write_text('name = "m"\n[market]\nmodels = 4\ncolour = "red"\n')
    with pytest.raises(ConfigError, match=r"m.toml: market.colour is not a field"):
        load_market(path)
    path.write_text('name = "m"\n[market]\nmodels = 1\n')
    with pytest.raises(ConfigError, match="models must be at least 2"):
        load_market(path)


def test_crowds_prints_golub_jackson_and_lorenz_and_writes_csvs(tmp_path: Path, capsys):
    out = tmp_path / "c"
    args = ["crowds", "--sizes", "10,40", "--trials", "20", "--rounds", "3", "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "Golub & Jackson" in printed
    assert "Lorenz" in printed
    with (out / "crowds_wisdom.csv").open() as handle:
        wisdom = list(csv.DictReader(handle))
    assert {(r["graph"], r["agents"]) for r in wisdom} == {
        (g, n) for g in ("complete", "small_world", "scale_free", "star") for n in ("10", "40")
    }
    star = [float(r["max_weight"]) for r in wisdom if r["graph"] == "star"]
    assert star == pytest.approx([0.5, 0.5])
    with (out / "crowds_lorenz.csv").open() as handle:
        lorenz = list(csv.DictReader(handle))
    assert len(lorenz) == 4 * 4  # control + three graphs, rounds 0..3
    first = {r["graph"]: float(r["diversity"]) for r in lorenz if r["round"] == "0"}
    last = {r["graph"]: float(r["diversity"]) for r in lorenz if r["round"] == "3"}
    assert len(set(first.values())) == 1  # every graph starts from the same crowd
    assert last["control"] == first["control"]
    assert last["complete"] < first["complete"] / 2
    assert main(["crowds", "--sizes", "3"]) == 1
    assert "--sizes" in capsys.readouterr().err


def test_worlds_takes_a_network_and_reputation(tmp_path: Path):
    args = ["worlds", "seeded-lead", "--seeds", "0:2", "--influence", "0.9", "--worlds", "4"]
    for extra in (["--network", "scale_free"], ["--follow", "reputation"]):
        assert main([*args, *extra, "--choices", "200", "--out", str(tmp_path / extra[1])]) == 0
        assert (tmp_path / extra[1] / "worlds_summary.csv").exists()
