"""The price of a call: the one formula every cost in the system is computed with.

Prices are USD per 1,000 tokens, as the catalog lists them. A failed call is billed its
input tokens and produces no output, so the *expected* cost of a call to a model that fails
with probability ``error_rate`` bills output tokens only for the calls that succeed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:  # numpy only in annotations: the catalog, and so the CLI, start without it
    import numpy as np
    import numpy.typing as npt

    _Array = npt.NDArray[Any]

__all__ = ["call_cost", "expected_cost"]

_TOKENS_PER_PRICE_UNIT = 1000.0


@overload
def call_cost(
    tokens_in: float, tokens_out: float, *, price_in: float, price_out: float
) -> float: ...
@overload
def call_cost(
    tokens_in: _Array, tokens_out: _Array, *, price_in: float, price_out: float
) -> npt.NDArray[np.float64]: ...
def call_cost(
    tokens_in: float | _Array, tokens_out: float | _Array, *, price_in: float, price_out: float
) -> float | npt.NDArray[np.float64]:
    """USD cost of calls with these token counts (scalars, or arrays of calls).

    Args:
        tokens_in: Input (prompt) tokens.
        tokens_out: Output (completion) tokens.
        price_in: USD per 1,000 input tokens.
        price_out: USD per 1,000 output tokens.
    """
    return (tokens_in * price_in + tokens_out * price_out) / _TOKENS_PER_PRICE_UNIT


def expected_cost(
    tokens_in: float,
    tokens_out: float,
    *,
    price_in: float,
    price_out: float,
    error_rate: float = 0.0,
) -> float:
    """Expected USD cost of one call, failed calls billed their input tokens only.

    Args:
        tokens_in: Mean input tokens of a call.
        tokens_out: Mean output tokens of a successful call.
        price_in: USD per 1,000 input tokens.
        price_out: USD per 1,000 output tokens.
        error_rate: Probability that the call fails, in [0, 1].

    Raises:
        ValueError: ``error_rate`` is not in [0, 1].
    """
    if not 0.0 <= error_rate <= 1.0:
        raise ValueError(f"error_rate must be in [0, 1], got {error_rate!r}")
    return call_cost(
        tokens_in, tokens_out * (1 - error_rate), price_in=price_in, price_out=price_out
    )
