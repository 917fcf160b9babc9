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
