"""The shortcuts a profile takes give bit for bit what the (voters, models) tables give.

Scores, agreement and collective approval are logged and replayed, so a faster path must not
move a single bit: ``bincount`` over the rankings adds the same products in the same (voter)
order as ``einsum`` over the table. These tests pin that, numpy version by numpy version.
"""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from hive import BallotError, count_profile, profile_from_orders
from hive._positional import approvals, top_half_share

TASK = "code_generation"
SHAPES = [(1, 2, 2), (7, 3, 1), (100, 5, 5), (8193, 12, 7), (20_000, 50, 50), (3_000, 64, 64)]


def _profile(n: int, m: int, k: int, seed: int = 0, *, round_weights: bool = False):
    rng = np.random.default_rng(seed)
    orders = np.argsort(rng.random((n, m)), axis=1)[:, :k]
    weights = rng.uniform(0.0, 2.0, n)
    if round_weights:
        weights = np.round(weights, 1)
    return profile_from_orders(orders, [f"m{i:03d}" for i in range(m)], task=TASK, weights=weights)


def _scores(result, models) -> np.ndarray:
    return np.array([result.scores[model] for model in models])


@pytest.mark.parametrize(("n", "m", "k"), SHAPES)
@pytest.mark.parametrize("round_weights", [False, True])
def test_place_and_entry_sums_equal_the_table_sums_bit_for_bit(n, m, k, round_weights):
    profile = _profile(n, m, k, round_weights=round_weights)
    for top in {1, (k + 1) // 2, k}:
        table = profile.positions < top
        assert np.array_equal(profile.weighted_entry_sum(top), profile.weighted_sum(table))
        mask = profile.places < top
        assert np.array_equal(profile.weighted_entry_sum(mask), profile.weighted_sum(table))
    if profile.full:
        per_place = np.subtract(m - 1, np.arange(m), dtype=np.float64) / (m - 1)
        got = profile.weighted_place_sum(per_place)
        assert np.array_equal(got, profile.weighted_sum(profile.borda_points))
        ranks = profile.weighted_place_sum(np.arange(m, dtype=np.float64))
        assert np.array_equal(ranks, profile.weighted_sum(profile.positions))


@pytest.mark.parametrize(("n", "m", "k"), SHAPES)
def test_every_figure_matches_the_positions_it_no_longer_needs(n, m, k):
    fast = _profile(n, m, k, seed=1)
    slow = _profile(n, m, k, seed=1)
    assert slow.positions is not None  # built first: every figure reads the matrix
    for method in ("plurality", "borda", "approval", "score"):
        got = count_profile(fast, method)
        assert got == count_profile(slow, method)
        assert got.model_dump() == count_profile(slow, method).model_dump()
    share = np.einsum("v,vm->m", slow.weights, approvals(slow, k=None, threshold=None))
    assert np.array_equal(
        _scores(count_profile(fast, "approval"), fast.models), share / slow.total_weight
    )
    for model in range(m):
        assert top_half_share(_profile(n, m, k, seed=1), model) == top_half_share(slow, model)


def test_counting_by_rank_leaves_the_position_matrix_unbuilt_until_agreement_is_read():
    profile = _profile(2_000, 20, 20)
    result = count_profile(profile, "plurality")
    assert "positions" not in profile.__dict__
    first = np.bincount(profile.orders[:, 0], weights=profile.weights, minlength=20)
    assert result.support == pytest.approx(first.max() / profile.weights.sum())
    assert 0.0 <= result.agreement <= 1.0
    assert "agreement W=" in result.model_dump()["insight"]
    assert result.model_dump()["collective_approval"] == result.collective_approval


@pytest.mark.parametrize("m", [2, 5, 63, 64, 65, 90])
def test_a_repeated_or_out_of_range_index_is_found_wherever_it_is(m):
    rng = np.random.default_rng(m)
    n = 2 * (1 << 16) // m + 7  # the check runs in blocks of 64k entries: three blocks here
    orders = np.argsort(rng.random((n, m)), axis=1)
    models = [f"m{i:03d}" for i in range(m)]
    profile_from_orders(orders, models, task=TASK)  # valid as drawn
    for row, place in [(0, 0), (n - 1, m - 1), (137, m // 2), (n // 2 + 1, 1)]:
        repeated = orders.copy()
        repeated[row, place] = repeated[row, (place + 1) % m]
        with pytest.raises(BallotError, match=f"row {row} of orders ranks a model more than once"):
            profile_from_orders(repeated, models, task=TASK)
    for bad in (m, 63 if m < 63 else m + 1, 64, 200, -1):
        if 0 <= bad < m:
            continue
        outside = orders.copy()
        outside[n - 2, 3 % m] = bad
        with pytest.raises(BallotError, match=r"indices in \[0, "):
            profile_from_orders(outside, models, task=TASK)


def test_indices_whose_bits_wrap_around_are_still_repeats():
    # three times bit 63 sums to bit 63 again mod 2**64: the bit count still tells
    orders = np.array([[63, 63, 63, *range(61)]])
    with pytest.raises(BallotError, match="row 0 of orders ranks a model more than once"):
        profile_from_orders(orders, [f"m{i:03d}" for i in range(64)], task=TASK)
    huge = np.array([[0, 2**63 + 1]], dtype=np.uint64)
    with pytest.raises(BallotError, match=r"indices in \[0, 2\)"):
        profile_from_orders(huge, ["a", "b"], task=TASK)


def test_partial_rankings_keep_the_half_of_their_own_ranking():
    profile = _profile(500, 9, 4, seed=3)
    top = math.ceil(4 / 2)
    result = count_profile(profile, "approval")
    expected = profile.weighted_sum(profile.positions < top) / profile.total_weight
    assert np.array_equal(_scores(result, profile.models), np.clip(expected, 0.0, 1.0))


def test_figures_computed_on_first_read_behave_as_fields():
    agreeing = np.tile(np.arange(6), (30, 1))  # every voter ranks alike: W = 1
    split = agreeing.copy()
    split[::2] = agreeing[::2, ::-1]  # the lighter half reverses it: model 0 still wins
    models = [f"m{i}" for i in range(6)]
    weights = np.where(np.arange(30) % 2 == 0, 1.0, 2.0)
    one = count_profile(
        profile_from_orders(agreeing, models, task=TASK, weights=weights), "plurality"
    )
    two = count_profile(profile_from_orders(split, models, task=TASK, weights=weights), "plurality")
    same = count_profile(
        profile_from_orders(agreeing, models, task=TASK, weights=weights), "plurality"
    )
    assert one == same
    assert one.preferred_model == two.preferred_model == "m0"
    assert one != two
    assert one.agreement == pytest.approx(1.0)
    assert two.agreement < 0.5
    dumped = one.model_dump()
    assert {"agreement", "collective_approval", "insight"} <= dumped.keys()
    assert pickle.loads(pickle.dumps(two)) == two
    assert "agreement W=1.00" in repr(one)
