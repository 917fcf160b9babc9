"""Value types: prices and cost resolution."""

from __future__ import annotations

import math

import pytest

from selection.providers import Prices, resolve_cost


def test_price_units_agree():
    per_k, per_m = Prices.per_thousand(0.03, 0.06), Prices.per_million(30.0, 60.0)
    assert per_k.input_per_token == pytest.approx(per_m.input_per_token)
    assert per_k.output_per_token == pytest.approx(per_m.output_per_token)
    assert Prices.per_million(3.0, 15.0).cost(1_000_000, 1_000_000) == pytest.approx(18.0)


@pytest.mark.parametrize("bad", [-1.0, math.inf, math.nan])
def test_prices_must_be_finite_and_non_negative(bad):
    with pytest.raises(ValueError, match="per_token"):
        Prices(bad, 0.0)


@pytest.mark.parametrize(
    ("reported", "tokens", "prices", "expected"),
    [
        (0.5, (10, 10), Prices(1.0, 1.0), (0.5, "provider")),
        (None, (10, 5), Prices(1.0, 2.0), (20.0, "prices")),
        (None, (10, 5), None, (None, None)),
        (None, (None, 5), Prices(1.0, 2.0), (None, None)),
        (None, (10, 5), Prices(0.0, 0.0), (0.0, "prices")),
    ],
    ids=["provider-wins", "computed", "unknown-price", "unknown-tokens", "free"],
)
def test_resolve_cost(reported, tokens, prices, expected):
    got = resolve_cost(
        reported=reported, input_tokens=tokens[0], output_tokens=tokens[1], prices=prices
    )
    assert got == expected
