"""Spend targets, met while maximising quality: primal-dual pacing of the cost weight.

A :class:`Budget` says what may be spent: dollars per request, or dollars per day. Choosing
the best quality under it is a constrained problem, ``max quality subject to mean cost <=
target``, whose Lagrangian is ``quality - lambda * cost``: for a fixed multiplier each request
simply goes to the model with the best quality net of ``lambda`` times its cost, which is what
the selector's weights already do (quality ``1 - w``, cost ``w``, with ``w = lambda / (1 +
lambda)``). :class:`BudgetPacer` finds the multiplier online by dual (sub)gradient steps:
``lambda`` rises with what was spent beyond the allowance so far and falls back when spending
runs under it, never below 0:

    lambda_t = max(0, gain * (spent_t - allowed_t) / unit)

``unit`` is the allowance of one request, so ``gain`` is in "per request over budget". It is
the integral of the dual gradient, so overspending one request at a time is paid back and
the cumulative spend tracks the allowance: over a trace the mean cost ends within a few
requests' cost of the target. When two models alternate at the multiplier where their net
values tie, the alternation is the randomised mix the constrained optimum needs.

The pacer is told every cost (:meth:`BudgetPacer.spend`); the Router takes it in
``recommend`` and ``choose`` and asks it for the weights.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from selection.clock import Clock
from selection.priorities import normalise_priorities

__all__ = ["Budget", "BudgetPacer"]

DEFAULT_GAIN = 0.05
SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class Budget:
    """A spend target.

    Attributes:
        dollars: USD per ``per``.
        per: ``"request"`` (a mean cost per request) or ``"day"`` (a daily spend, paced
            over the clock's time).
    """

    dollars: float
    per: Literal["request", "day"] = "request"

    def __post_init__(self) -> None:
        if not (math.isfinite(self.dollars) and self.dollars > 0):
            raise ValueError(f"a budget must be a positive number of dollars, got {self.dollars!r}")
        if self.per not in ("request", "day"):
            raise ValueError(f"a budget is per 'request' or per 'day', got {self.per!r}")

    @classmethod
    def share_of(cls, reference_cost_per_request: float, share: float) -> Budget:
        """A per-request budget of ``share`` of a reference model's mean cost per request.

        Raises:
            ValueError: a share outside (0, 1e6) or a reference cost that is not positive.
        """
        if not (math.isfinite(share) and 0 < share < 1e6):
            raise ValueError(f"a budget share must be a positive number, got {share!r}")
        if not (math.isfinite(reference_cost_per_request) and reference_cost_per_request > 0):
            raise ValueError(
                f"the reference cost must be positive, got {reference_cost_per_request!r}"
            )
        return cls(share * reference_cost_per_request, "request")

    def __str__(self) -> str:
        return f"${self.dollars:.6g}/{self.per}"


class BudgetPacer:
    """Paces a :class:`Budget` by moving the cost weight (primal-dual; see the module).

    Args:
        budget: the target.
        gain: how far the multiplier moves per request's worth of overspend.
        clock: for a daily budget, the time the allowance accrues with (required then).
    """

    def __init__(
        self, budget: Budget, *, gain: float = DEFAULT_GAIN, clock: Clock | None = None
    ) -> None:
        if not (math.isfinite(gain) and gain > 0):
            raise ValueError(f"gain must be positive, got {gain!r}")
        if budget.per == "day" and clock is None:
            raise ValueError("a daily budget needs a clock to pace against")
        self.budget = budget
        self.gain = gain
        self._clock = clock
        self._start: datetime | None = clock.now() if clock is not None else None
        self.spent = 0.0
        self.requests = 0

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.budget}, spent=${self.spent:.6g} over "
            f"{self.requests} requests, w={self.weight:.3f})"
        )

    def allowed(self) -> float:
        """What could have been spent so far."""
        if self.budget.per == "request":
            return self.budget.dollars * self.requests
        assert self._clock is not None
        assert self._start is not None
        elapsed = (self._clock.now() - self._start).total_seconds()
        return self.budget.dollars * max(elapsed, 0.0) / SECONDS_PER_DAY

    def _unit(self) -> float:
        if self.budget.per == "request":
            return self.budget.dollars
        # a daily budget's allowance per request so far (one request's worth before any)
        allowed = self.allowed()
        return allowed / self.requests if self.requests and allowed > 0 else self.budget.dollars

    @property
    def multiplier(self) -> float:
        """The Lagrange multiplier on cost: dollars of spend weighed against quality."""
        return max(0.0, self.gain * (self.spent - self.allowed()) / self._unit())

    @property
    def weight(self) -> float:
        """The cost weight in [0, 1) the multiplier stands for: ``lambda / (1 + lambda)``."""
        lam = self.multiplier
        return lam / (1.0 + lam)

    def factors(self, priority_factors: Mapping[str, float] | None = None) -> dict[str, float]:
        """The weights to choose with: the given ones scaled by ``1 - w``, plus ``w`` on cost.

        Without factors the base is quality alone. The weight is rounded to 0.001 so that
        nearby weights share the Router's cached score tables.
        """
        w = round(self.weight, 3)
        base = dict(normalise_priorities(priority_factors or {"quality": 1.0}))
        paced = {name: (1.0 - w) * value for name, value in base.items()}
        paced["cost"] = paced.get("cost", 0.0) + w
        return paced

    def spend(self, cost: float) -> None:
        """Count one served request and what it cost.

        Raises:
            ValueError: a negative or non-finite cost.
        """
        if not (math.isfinite(cost) and cost >= 0):
            raise ValueError(f"a cost must be a finite number >= 0, got {cost!r}")
        self.spent += cost
        self.requests += 1

    @property
    def mean_cost(self) -> float | None:
        """Mean spend per request so far, or ``None`` before any."""
        return self.spent / self.requests if self.requests else None
