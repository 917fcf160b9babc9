"""Argument checks shared by the statistics functions.

Misuse (an impossible argument) raises ``ValueError`` naming the argument and its value, as
scipy does. Degenerate *data* is not misuse: the public functions report it through the
``error`` code of their result instead.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "ErrorCode",
    "check_alpha",
    "check_count",
    "check_positive",
    "check_probability",
    "check_successes",
    "sample_array",
]

ErrorCode = Literal["insufficient_data", "zero_variance", "zero_control_mean"]
"""Why a result carries NaNs instead of estimates (gbstats style).

``"insufficient_data"``: an arm has fewer observations than the method needs (n < 2 for
moment-based tests). ``"zero_variance"``: neither arm varies, so no standard error exists.
``"zero_control_mean"``: a test *of the relative lift* was asked for but the control mean is
0, so the lift is undefined. (Results that merely report a relative lift next to the
difference leave it NaN without setting an error.)
"""


def check_alpha(alpha: float, name: str = "alpha") -> float:
    """Return ``alpha`` as a float after checking it lies strictly inside (0, 1)."""
    value = float(alpha)
    if not 0.0 < value < 1.0:
        raise ValueError(f"{name} must be in the open interval (0, 1), got {alpha!r}")
    return value


def check_probability(value: float, name: str) -> float:
    """Return ``value`` as a float after checking it lies strictly inside (0, 1)."""
    return check_alpha(value, name)


def check_count(value: int, name: str) -> int:
    """Return ``value`` as an int after checking it is a non-negative integer."""
    try:
        count = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be an integer, got {value!r}") from None
    if count < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return count


def check_successes(n: int, successes: int, n_name: str, successes_name: str) -> tuple[int, int]:
    """Check a proportion given as ``(n, successes)`` with ``0 <= successes <= n``."""
    trials = check_count(n, n_name)
    hits = check_count(successes, successes_name)
    if hits > trials:
        raise ValueError(f"{successes_name} must be <= {n_name} ({trials}), got {successes!r}")
    return trials, hits


def check_positive(value: float, name: str) -> float:
    """Return ``value`` as a float after checking it is finite and > 0."""
    number = float(value)
    if not (math.isfinite(number) and number > 0.0):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return number


def sample_array(values: Iterable[float] | npt.NDArray[Any], name: str) -> npt.NDArray[np.float64]:
    """Return raw observations as a 1-D float64 array with only finite values."""
    if isinstance(values, np.ndarray):
        array = np.asarray(values, dtype=np.float64)
    else:
        array = np.fromiter(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must contain only finite numbers (found NaN or infinity)")
    return array
