"""Helpers shared by the evaluation tests."""

from __future__ import annotations

from selection import ModelSpec


def spec(model_id: str, price_in: float, price_out: float | None = None, **extra) -> ModelSpec:
    """A catalog entry priced per 1k tokens (one price for both directions by default)."""
    return ModelSpec(
        id=model_id,
        provider=extra.pop("provider", "test"),
        input_cost_per_1k_tokens=price_in,
        output_cost_per_1k_tokens=price_in if price_out is None else price_out,
        context_length=extra.pop("context_length", 8000),
        **extra,
    )
