"""The one price function, against values computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from selection import ModelSpec, call_cost, expected_cost


def test_call_cost_by_hand():
    # 1,200 input tokens at $0.01/1k = $0.012; 300 output tokens at $0.03/1k = $0.009.
    assert call_cost(1200, 300, price_in=0.01, price_out=0.03) == pytest.approx(0.021)
    assert call_cost(0, 0, price_in=5.0, price_out=5.0) == 0.0


def test_call_cost_of_arrays_is_per_call():
    costs = call_cost(
        np.array([1000, 0, 2000]), np.array([0, 1000, 500]), price_in=0.002, price_out=0.004
    )
    np.testing.assert_allclose(costs, [0.002, 0.004, 0.006])


def test_expected_cost_bills_failed_calls_their_input_only():
    # 20% of calls fail: every call pays 1,000 input tokens ($0.010), only 80% of them pay
    # 500 output tokens ($0.015 each, $0.012 expected).
    assert expected_cost(1000, 500, price_in=0.01, price_out=0.03, error_rate=0.2) == pytest.approx(
        0.022
    )
    assert expected_cost(1000, 500, price_in=0.01, price_out=0.03) == pytest.approx(0.025)
    assert expected_cost(1000, 500, price_in=0.01, price_out=0.03, error_rate=1.0) == (
        pytest.approx(0.010)
    )


@pytest.mark.parametrize("rate", [-0.1, 1.5, float("nan")])
def test_expected_cost_rejects_a_rate_outside_0_1(rate):
    with pytest.raises(ValueError, match="error_rate"):
        expected_cost(1, 1, price_in=1, price_out=1, error_rate=rate)


def test_the_catalog_prices_with_the_same_function():
    spec = ModelSpec(
        id="p/m",
        provider="p",
        context_length=8000,
        input_cost_per_1k_tokens=0.5,
        output_cost_per_1k_tokens=1.5,
    )
    assert spec.estimate_cost(400, 100) == call_cost(400, 100, price_in=0.5, price_out=1.5)
    assert spec.estimate_cost(400, 100) == pytest.approx(0.35)
