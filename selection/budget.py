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

:class:`BudgetLedger` is what a long-running service keeps: budgets overall and per task
(and any a call brings), each paced over the current UTC day from the spend the caller
reports as running totals per task. Those totals are the Router's all-time cost sums plus an
offset fixed when the day's spend was last read from the store, so a restart (or a new day)
starts from what the store says was spent today, not from zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from typing import Literal

from selection.clock import Clock
from selection.priorities import normalise_priorities

__all__ = [
    "Budget",
    "BudgetLedger",
    "BudgetLike",
    "BudgetPacer",
    "ShareBudget",
    "paced_factors",
    "parse_budget",
]

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
        self,
        budget: Budget,
        *,
        gain: float = DEFAULT_GAIN,
        clock: Clock | None = None,
        start: datetime | None = None,
    ) -> None:
        if not (math.isfinite(gain) and gain > 0):
            raise ValueError(f"gain must be positive, got {gain!r}")
        if budget.per == "day" and clock is None:
            raise ValueError("a daily budget needs a clock to pace against")
        self.budget = budget
        self.gain = gain
        self._clock = clock
        if start is None and clock is not None:
            start = clock.now()
        self._start: datetime | None = start
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

    @property
    def paced_weight(self) -> float:
        """The cost weight :meth:`factors` applies: :attr:`weight` rounded to 0.001.

        Rounded so that nearby weights share the Router's cached score tables.
        """
        return round(self.weight, 3)

    def factors(self, priority_factors: Mapping[str, float] | None = None) -> dict[str, float]:
        """The weights to choose with: the given ones scaled by ``1 - w``, plus ``w`` on cost.

        Without factors the base is quality alone; ``w`` is :attr:`paced_weight`.
        """
        return paced_factors(self.paced_weight, priority_factors)

    def spend(self, cost: float) -> None:
        """Count one served request and what it cost.

        Raises:
            ValueError: a negative or non-finite cost.
        """
        if not (math.isfinite(cost) and cost >= 0):
            raise ValueError(f"a cost must be a finite number >= 0, got {cost!r}")
        self.spent += cost
        self.requests += 1

    def set_spend(self, spent: float, requests: int) -> None:
        """Replace the spend so far (what a store says was spent, at a restart).

        Raises:
            ValueError: a negative or non-finite spend, or a negative count.
        """
        if not (math.isfinite(spent) and spent >= 0) or requests < 0:
            raise ValueError(
                f"a spend must be >= 0 over >= 0 requests, got {spent!r}, {requests!r}"
            )
        self.spent = float(spent)
        self.requests = int(requests)

    @property
    def mean_cost(self) -> float | None:
        """Mean spend per request so far, or ``None`` before any."""
        return self.spent / self.requests if self.requests else None


def paced_factors(
    weight: float, priority_factors: Mapping[str, float] | None = None
) -> dict[str, float]:
    """The weights for a cost weight: the factors scaled by ``1 - weight``, plus it on cost.

    Without factors the base is quality alone.
    """
    base = dict(normalise_priorities(priority_factors or {"quality": 1.0}))
    paced = {name: (1.0 - weight) * value for name, value in base.items()}
    paced["cost"] = paced.get("cost", 0.0) + weight
    return paced


@dataclass(frozen=True, slots=True)
class ShareBudget:
    """A per-request budget of ``share`` of a reference model's expected cost per request.

    The reference's cost is the selector's current estimate on the task asked about (its
    observed mean cost, else its price), so the target follows what that model would cost.
    """

    share: float
    reference: str

    def __post_init__(self) -> None:
        if not (math.isfinite(self.share) and 0 < self.share < 1e6):
            raise ValueError(f"a budget share must be a positive number, got {self.share!r}")
        if not self.reference:
            raise ValueError("a budget share needs a reference model id")

    def __str__(self) -> str:
        return f"{self.share:.4g} x {self.reference}/request"


BudgetLike = Budget | ShareBudget


def parse_budget(text: str) -> BudgetLike:
    """Read a budget from text, as ``--budget`` takes it.

    ``0.002`` or ``0.002/request`` (dollars per request), ``5/day``, or ``0.5@MODEL`` /
    ``50%@MODEL`` (a share of a reference model's cost per request).

    Raises:
        ValueError: naming what is wrong with the text.
    """
    raw = text.strip()
    if "@" in raw:
        share_text, _, reference = raw.partition("@")
        share_text = share_text.strip()
        scale = 100.0 if share_text.endswith("%") else 1.0
        try:
            share = float(share_text.rstrip("%")) / scale
        except ValueError:
            raise ValueError(f"budget {text!r}: {share_text!r} is not a share") from None
        return ShareBudget(share, reference.strip())
    amount, _, per = raw.partition("/")
    per = per.strip() or "request"
    if per not in ("request", "day"):
        raise ValueError(f"budget {text!r}: a budget is per 'request' or per 'day', not {per!r}")
    try:
        dollars = float(amount.strip().lstrip("$"))
    except ValueError:
        raise ValueError(
            f"budget {text!r}: {amount.strip()!r} is not a number of dollars"
        ) from None
    return Budget(dollars, "day" if per == "day" else "request")


SpendTotals = Mapping[str, tuple[float, int]]
"""Per task: (dollars, requests) over all time, as the caller's running sums hold them."""

OVERALL = "*"
"""The scope of a budget over every task."""


class BudgetLedger:
    """Budgets overall, per task and per call, paced over the current UTC day.

    Args:
        clock: the time budgets are paced against and days are cut by.
        overall: a budget over every task together (scope ``"*"``).
        per_task: a budget per task type.
        gain: the pacers' gain (see :class:`BudgetPacer`).
    """

    def __init__(
        self,
        clock: Clock,
        *,
        overall: BudgetLike | None = None,
        per_task: Mapping[str, BudgetLike] | None = None,
        gain: float = DEFAULT_GAIN,
    ) -> None:
        self.clock = clock
        self.overall = overall
        self.per_task = dict(per_task or {})
        self.gain = gain
        self._day: datetime | None = None
        self._offsets: dict[str, tuple[float, int]] = {}
        self._pacers: dict[tuple[str, BudgetLike], BudgetPacer] = {}

    def __repr__(self) -> str:
        return f"BudgetLedger(overall={self.overall}, tasks={len(self.per_task)}, day={self._day})"

    @property
    def active(self) -> bool:
        """Whether any budget is configured."""
        return self.overall is not None or bool(self.per_task)

    def day_start(self) -> datetime:
        """Midnight (UTC) of the clock's day: where today's spend is counted from."""
        now = self.clock.now()
        return datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)

    def stale(self) -> bool:
        """Whether today's spend must be read from the store again (never read, or a new day)."""
        return self._day != self.day_start()

    def rebase(self, day: datetime, today: SpendTotals, totals: SpendTotals) -> None:
        """Start the day ``day`` from the store's spend ``today`` and the running ``totals``.

        Args:
            day: the day's start (:meth:`day_start`).
            today: per task, what the store holds as spent since ``day``.
            totals: per task, the caller's running totals at the same moment.
        """
        self._day = day
        self._offsets = {
            task: (
                today.get(task, (0.0, 0))[0] - totals.get(task, (0.0, 0))[0],
                today.get(task, (0.0, 0))[1] - totals.get(task, (0.0, 0))[1],
            )
            for task in set(today) | set(totals)
        }
        self._pacers.clear()

    def spent(self, scope: str, totals: SpendTotals) -> tuple[float, int]:
        """Dollars and requests spent today in a scope (a task, or ``"*"`` for all)."""
        tasks = totals.keys() | self._offsets.keys() if scope == OVERALL else (scope,)
        dollars, requests = 0.0, 0
        for task in tasks:
            total = totals.get(task, (0.0, 0))
            offset = self._offsets.get(task, (0.0, 0))
            dollars += total[0] + offset[0]
            requests += total[1] + offset[1]
        return max(dollars, 0.0), max(requests, 0)

    def budgets_for(
        self, task: str, call: BudgetLike | None = None
    ) -> list[tuple[str, BudgetLike]]:
        """The (scope, budget) pairs that bind a request of ``task``."""
        found: list[tuple[str, BudgetLike]] = []
        if self.overall is not None:
            found.append((OVERALL, self.overall))
        if task in self.per_task:
            found.append((task, self.per_task[task]))
        if call is not None:
            found.append((task, call))
        return found

    def pacer(
        self,
        scope: str,
        budget: BudgetLike,
        totals: SpendTotals,
        reference_cost: Callable[[str], float | None],
    ) -> BudgetPacer:
        """The pacer of one budget, its spend set to today's so far.

        Args:
            scope: a task type, or ``"*"`` for every task.
            budget: the target.
            totals: per task, the caller's running (all-time) spend.
            reference_cost: a model's expected cost per request now (resolves shares).

        Raises:
            ValueError: a share's reference model has no cost estimate.
        """
        if self._day is None:
            raise ValueError("the ledger has not read today's spend yet (call rebase first)")
        resolved = budget
        if isinstance(budget, ShareBudget):
            cost = reference_cost(budget.reference)
            if cost is None or not (math.isfinite(cost) and cost > 0):
                raise ValueError(
                    f"budget {budget}: {budget.reference!r} has no positive cost estimate"
                )
            resolved = Budget.share_of(cost, budget.share)
        assert isinstance(resolved, Budget)
        pacer = self._pacers.get((scope, budget))
        if pacer is None:
            pacer = BudgetPacer(resolved, gain=self.gain, clock=self.clock, start=self._day)
            self._pacers[(scope, budget)] = pacer
        pacer.budget = resolved
        pacer.set_spend(*self.spent(scope, totals))
        return pacer

    def binding(
        self,
        task: str,
        totals: SpendTotals,
        reference_cost: Callable[[str], float | None],
        call: BudgetLike | None = None,
    ) -> BudgetPacer | None:
        """The pacer whose cost weight is highest for a request of ``task`` (the tightest)."""
        pacers = [
            self.pacer(scope, budget, totals, reference_cost)
            for scope, budget in self.budgets_for(task, call)
        ]
        return max(pacers, key=lambda p: p.weight, default=None)

    def report(
        self, totals: SpendTotals, reference_cost: Callable[[str, str], float | None]
    ) -> dict[str, dict[str, float | int | str]]:
        """Per configured scope: target, spent and allowed so far today, requests, weight.

        ``reference_cost(model, task)`` resolves shares; an overall share is resolved on the
        task with the most requests today.
        """
        out: dict[str, dict[str, float | int | str]] = {}
        scopes: list[tuple[str, BudgetLike]] = []
        if self.overall is not None:
            scopes.append((OVERALL, self.overall))
        scopes.extend(sorted(self.per_task.items()))
        busiest = max(totals, key=lambda t: self.spent(t, totals)[1], default=None)
        for scope, budget in scopes:
            task = busiest if scope == OVERALL else scope

            def on_task(model: str, task: str | None = task) -> float | None:
                return None if task is None else reference_cost(model, task)

            try:
                pacer = self.pacer(scope, budget, totals, on_task)
            except ValueError as exc:
                out[scope] = {"target": str(budget), "error": str(exc)}
                continue
            allowed = pacer.allowed()
            out[scope] = {
                "target": str(budget),
                "spent": pacer.spent,
                "allowed": allowed,
                "requests": pacer.requests,
                "spent_share": pacer.spent / allowed if allowed > 0 else float("nan"),
                "cost_weight": pacer.weight,
            }
        return out
