"""Cultural markets: measures on hand-computed cases, and properties the dynamics must have."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from hive.market import (
    MarketConfig,
    gini,
    lock_in,
    measure_run,
    quality_success_tau,
    run_worlds,
    summarise,
    sweep_worlds,
    unpredictability,
)

SMALL = MarketConfig(models=12, worlds=6, choices=300, agents=300, checkpoints=20)


def test_gini_by_hand():
    assert gini([0.25, 0.25, 0.25, 0.25]) == pytest.approx(0.0)
    assert gini([0, 0, 0, 1]) == pytest.approx(0.75)  # (n - 1) / n
    # |0.1-0.3| + |0.1-0.6| + |0.3-0.6| = 1.0, doubled over ordered pairs, / (2 * 9 * 1/3)
    assert gini([0.1, 0.3, 0.6]) == pytest.approx(2.0 / 6.0)
    assert gini(np.array([[1, 0], [0.5, 0.5]])).tolist() == pytest.approx([0.5, 0.0])


def test_unpredictability_by_hand():
    assert unpredictability([[1, 0], [0, 1]]) == pytest.approx(1.0)
    assert unpredictability([[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]) == 0.0
    # pairs (0,1): |.6-.2|=.4, |.4-.8|=.4 ; (0,2): .1,.1 ; (1,2): .3,.3 -> mean .8/.. = 0.2667
    m = [[0.6, 0.4], [0.2, 0.8], [0.5, 0.5]]
    assert unpredictability(m) == pytest.approx((0.4 + 0.1 + 0.3) / 3)
    with pytest.raises(ValueError, match="worlds >= 2"):
        unpredictability([[0.5, 0.5]])


def test_tau_and_lock_in_by_hand():
    assert quality_success_tau([0.1, 0.2, 0.3], [[0.1, 0.3, 0.6]]).tolist() == [1.0]
    trajectory = np.array(
        [[[0.6, 0.4], [0.6, 0.4]], [[0.4, 0.6], [0.6, 0.4]], [[0.3, 0.7], [0.7, 0.3]]]
    )
    since, leader = lock_in(trajectory)
    assert since.tolist() == [1, 0]
    assert leader.tolist() == [1, 0]


def test_determinism_and_conservation():
    a, b = run_worlds(SMALL, 0.7, seed=3), run_worlds(SMALL, 0.7, seed=3)
    assert np.array_equal(a.counts, b.counts)
    assert np.array_equal(a.trajectory, b.trajectory)
    assert not np.array_equal(a.counts, run_worlds(SMALL, 0.7, seed=4).counts)
    assert (a.counts.sum(axis=1) == SMALL.choices).all()
    assert np.allclose(a.trajectory.sum(axis=2), 1.0)
    assert (a.good <= a.counts).all()
    assert a.at[-1] == SMALL.choices


def test_batches_conserve_choices():
    run = run_worlds(MarketConfig(models=5, worlds=3, choices=1001, batch=100), 0.5, seed=1)
    assert (run.counts.sum(axis=1) == 1001).all()


def test_independent_world_ignores_the_popularity_settings():
    plain = run_worlds(SMALL, 0.0, seed=5)
    other = replace(SMALL, returns=3.0, head_start={0: 500})
    assert np.array_equal(plain.counts, run_worlds(other, 0.0, seed=5).counts)


def test_independent_worlds_differ_only_by_sampling_noise():
    """At influence 0 each world is a multinomial draw from one distribution: U is its noise."""
    config = MarketConfig(models=10, worlds=40, choices=2000, agents=2000, taste_sd=0.0)
    run = run_worlds(config, 0.0, seed=0)
    p = run.counts.sum(axis=0) / run.counts.sum()
    # E|X - Y| for two independent shares ~ N(p, p(1-p)/n): sqrt(2 var) * sqrt(2 / pi).
    expected = float(np.mean(np.sqrt(2 * p * (1 - p) / config.choices) * np.sqrt(2 / np.pi)))
    assert unpredictability(run.shares) == pytest.approx(expected, rel=0.1)


def test_polya_urn_shares_converge_to_a_uniform_limit():
    """Influence 1, linear returns, two models: Polya's urn; each world's share settles."""
    config = MarketConfig(models=2, worlds=300, choices=4000, agents=10, checkpoints=40)
    run = run_worlds(config, 1.0, seed=11)
    half, end = run.trajectory[len(run.at) // 2, :, 0], run.trajectory[-1, :, 0]
    assert np.abs(end - half).max() < 0.08  # martingale: settled by halfway
    assert np.abs(end - half).mean() < 0.02
    # one ball of each colour to start: the limit share is Beta(1, 1), uniform on [0, 1]
    assert stats.kstest(end, "uniform").pvalue > 0.01


def test_musiclab_direction_inequality_and_unpredictability_rise_with_influence():
    rows, _ = sweep_worlds(SMALL, [0.0, 0.5, 0.9], seeds=range(8))
    table = {row["influence"]: row for row in summarise(rows)}
    for metric in ("gini", "u"):
        assert table[0.0][f"{metric}_hi"] < table[0.9][f"{metric}_lo"]
        assert table[0.5][f"{metric}_mean"] < table[0.9][f"{metric}_mean"]
    # Moderate influence spreads worlds apart before it concentrates them (measured, README).
    assert table[0.0]["u_hi"] < table[0.5]["u_lo"]
    assert table[0.9]["quality_success_tau_mean"] < table[0.0]["quality_success_tau_mean"]


def test_a_seeded_early_lead_cascades_and_the_selector_undoes_it():
    """A worse model with a head start locks in when agents follow; Thompson routing recovers."""
    base = MarketConfig(
        models=4, worlds=20, choices=3000, agents=100, quality_low=0.3, quality_high=0.7
    )
    start = {0: 30}  # model 0 is the worst (qualities are sorted)
    herd = run_worlds(replace(base, head_start=start), 0.95, seed=2)
    assert measure_run(herd)["wrong_lock_in_share"] >= 0.9
    assert (herd.shares.argmax(axis=1) == 0).mean() >= 0.9
    fixed = run_worlds(replace(base, head_start=start, policy="thompson"), 0.5, seed=2)
    assert measure_run(fixed)["wrong_lock_in_share"] <= 0.1
    assert (fixed.shares.argmax(axis=1) == 3).mean() >= 0.9


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("models", 1, "models"), ("policy", "random", "policy"), ("head_start", {9: 1}, "head_start")],
)
def test_bad_config_names_the_field(field, value, message):
    with pytest.raises(ValueError, match=message):
        MarketConfig(**{"models": 4, field: value})
    with pytest.raises(ValueError, match="influence"):
        run_worlds(MarketConfig(models=4), 1.5, seed=0)


# --- networks and reputation -------------------------------------------------------------------


def test_a_neighbours_view_counts_exactly_the_neighbours_choices():
    from hive.market._worlds import _View

    config = MarketConfig(models=5, worlds=3, agents=20, network="small_world")
    view = _View(config, np.random.default_rng(0))
    rng = np.random.default_rng(1)
    own = np.zeros((3, 20, 5), dtype=np.int64)
    for start in range(0, 60, 5):  # one agent, then four; agents choose again after 20
        for who in (np.array([start % 20]), (start + 1 + np.arange(4)) % 20):
            chosen = rng.integers(0, 5, (3, len(who)))
            view.record(who, chosen)
            for w in range(3):
                for agent, model in zip(who, chosen[w], strict=True):
                    own[w, agent, model] += 1
    everyone = np.arange(20)
    expected = np.stack([own[:, list(view.neighbours[a]), :].sum(axis=1) for a in everyone], 1)
    assert np.array_equal(view.seen(own.sum(axis=1), everyone), expected)
    assert sorted(view.neighbours[0].tolist()) != list(range(1, 20))  # not everyone


def test_complete_network_is_the_leaderboard_less_ones_own_choices():
    once = replace(SMALL, agents=SMALL.choices)  # everyone chooses once: nothing of one's own
    board = run_worlds(once, 0.9, seed=2)
    assert np.array_equal(
        board.counts, run_worlds(replace(once, network="complete"), 0.9, 2).counts
    )
    repeat = replace(SMALL, agents=10)
    assert not np.array_equal(
        run_worlds(repeat, 0.9, 2).counts,
        run_worlds(replace(repeat, network="complete"), 0.9, 2).counts,
    )


def test_independent_worlds_ignore_network_and_reputation():
    plain = run_worlds(SMALL, 0.0, seed=6)
    for other in (
        replace(SMALL, network="scale_free"),
        replace(SMALL, network="complete"),
        replace(SMALL, follow="reputation"),
    ):
        assert np.array_equal(plain.counts, run_worlds(other, 0.0, 6).counts)


def test_networked_worlds_are_deterministic_and_conserve_choices():
    config = replace(SMALL, network="scale_free", agents=50, batch=3)
    a, b = run_worlds(config, 0.8, seed=9), run_worlds(config, 0.8, seed=9)
    assert np.array_equal(a.counts, b.counts)
    assert (a.counts.sum(axis=1) == SMALL.choices).all()


def test_local_views_spread_worlds_less_than_a_global_leaderboard():
    """Following four neighbours instead of the whole world herds less: lower Gini."""
    rows, _ = sweep_worlds(replace(SMALL, agents=100), [1.0], seeds=range(6))
    local, _ = sweep_worlds(replace(SMALL, agents=100, network="small_world"), [1.0], range(6))
    assert np.mean([r["gini"] for r in local]) < np.mean([r["gini"] for r in rows])


def test_reputation_weighting_undoes_a_seeded_lead_that_popularity_and_thompson_lock_in():
    """Influence 0.9, the worst model 30 downloads ahead: only reputation breaks the cascade."""
    base = MarketConfig(
        models=4, worlds=20, choices=3000, agents=100, quality_low=0.3, quality_high=0.7,
        head_start={0: 30},
    )  # fmt: skip

    def wrong(config: MarketConfig) -> float:
        rows, _ = sweep_worlds(config, [0.9], seeds=range(4))
        return float(np.mean([row["wrong_lock_in_share"] for row in rows]))

    assert wrong(base) == 1.0
    assert wrong(replace(base, policy="thompson")) == 1.0
    assert wrong(replace(base, follow="reputation")) <= 0.5
    fitness = run_worlds(replace(base, follow="reputation"), 0.9, seed=2)
    assert (fitness.shares.argmax(axis=1) == 3).mean() >= 0.9


def test_bad_network_or_follow_names_the_field():
    with pytest.raises(ValueError, match="network"):
        MarketConfig(network="ring")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="follow"):
        MarketConfig(follow="likes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least 5 agents"):
        MarketConfig(agents=3, network="small_world")
