"""arena-history on a short window: determinism, replay, the truth following the board."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from scenarios.arena import load_history, win_probability
from scenarios.arena.history import analyse_history, rating_gap
from scenarios.eventlog import EventLog
from scenarios.replay import replay
from scenarios.run import run_scenario
from scenarios.spec import load_scenario
from scenarios.world import World


def short(steps: int = 12):
    spec = load_scenario("arena-history").truncated(steps)
    agents = spec.agents.model_copy(update={"count": 10})
    arena = spec.model_copy(update={"agents": agents})
    traffic = {t: s.model_copy(update={"rate": 60.0}) for t, s in arena.traffic.items()}
    return arena.model_copy(update={"traffic": traffic})


def test_the_world_follows_the_published_ratings_week_by_week():
    spec = load_scenario("arena-history")
    history = load_history()
    world = World(spec)
    for step in range(spec.steps):
        world.step = step
        for event in spec.events:
            if event.step == step:
                world.apply(event)
        if step % 9:
            continue
        day = spec.start.date() + timedelta(days=7 * step)
        board, reference = history.board(day), history.reference(day)
        for model in world.active:
            if model in board:
                expected = win_probability(board[model], reference)
                assert world.behaviour(model, "chat").quality == pytest.approx(expected, abs=1e-5)


def test_same_seed_same_run_and_the_log_replays(tmp_path: Path):
    spec = short()
    path = tmp_path / "events.jsonl.gz"
    with EventLog(path) as log:
        first = run_scenario(spec, log=log)
    again = run_scenario(spec)
    assert first.log_digest == again.log_digest
    assert first.summary["requests"] == again.summary["requests"] > 0
    assert replay(path).identical
    other = run_scenario(spec.with_overrides(seed=spec.seed + 1))
    assert other.log_digest != first.log_digest


def test_every_quality_is_a_win_or_a_loss():
    result = run_scenario(short(6), policy="selector")
    assert all(0.0 <= m["quality"] <= 1.0 for m in result.metrics)


def test_the_history_report_is_consistent():
    spec = short(30)
    runs = {p: run_scenario(spec, policy=p) for p in ("hive", "selector")}
    report = analyse_history(spec, runs)
    assert [r["step"] for r in report.rows] == list(range(30))
    assert report.rows[0]["date"] == "2023-05-08"
    for name in ("day_one", "current_top", "cheapest_within_50", "hive", "selector"):
        assert report.totals[name]["regret"] >= 0
    # Always the current #1 is never weaker than the best model of day one kept for good.
    assert report.totals["current_top"]["mean_quality"] >= report.totals["day_one"]["mean_quality"]
    assert report.totals["hive"]["requests"] == runs["hive"].summary["requests"]
    assert len(report.unpriced) + len(spec.models) >= 200


def test_rating_gap_inverts_the_win_probability():
    for gap in (-300.0, -50.0, 0.0, 120.0):
        assert rating_gap(win_probability(1200 + gap, 1200)) == pytest.approx(gap)


def test_a_shorter_window_leaves_out_the_models_released_after_it():
    spec = load_scenario("arena-history").truncated(2)
    assert {m.id for m in spec.models} == {"gpt-3.5-turbo", "gpt-4"}
    assert World(spec).active == ["gpt-3.5-turbo", "gpt-4"]
    result = run_scenario(short(2), policy="selector")
    assert {r["model"] for r in result.traffic} == {"gpt-3.5-turbo", "gpt-4"}
    # Strengths on 2023-05-08: 0.335 and 0.5; every call's quality is a win or a loss.
    assert result.summary["mean_quality"] < 0.5
