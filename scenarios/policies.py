"""Who chooses the model for each request: the real selector, or a baseline.

Every policy sees what production would: the catalog (prices, context, advertised latency)
and, for the selector, the records written so far. None sees the hidden truth.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from scenarios.names import BASELINES, HIVE_CONTROLS, POLICY_NAMES
from selection import SEED_COST_OPTIMIZED_ASSIGNMENT, ModelCatalog, NoEligibleModelError

if TYPE_CHECKING:  # the command line reads the policy names without numpy or the Router
    import numpy as np

    from selection import BudgetPacer, ChoiceMode, Router

__all__ = [
    "BASELINES",
    "HIVE_CONTROLS",
    "POLICY_NAMES",
    "SEED_STATIC_ASSIGNMENT",
    "ScenarioPolicy",
    "SelectorPolicy",
    "StaticPolicy",
    "make_policy",
]

SEED_STATIC_ASSIGNMENT = SEED_COST_OPTIMIZED_ASSIGNMENT


class ScenarioPolicy(Protocol):
    """Chooses a model per request."""

    name: str
    uses_hive: bool
    feeds_channel: bool

    def choose(
        self,
        task: str,
        n: int,
        rng: np.random.Generator,
        request_ids: Sequence[str] | None = None,
    ) -> list[str]:
        """Models for ``n`` requests of ``task``."""
        ...


class SelectorPolicy:
    """The real selector (Thompson sampling or greedy), with or without the hive."""

    def __init__(
        self,
        selector: Router,
        weights: Mapping[str, float],
        *,
        mode: ChoiceMode,
        hive: bool,
        name: str | None = None,
        pacer: BudgetPacer | None = None,
    ) -> None:
        self.selector = selector
        self.pacer = pacer
        self.weights = dict(weights)
        self.mode: ChoiceMode = mode
        self.name = name or ("hive" if hive else "selector")
        # self-verdict feeds the channel without agents; every other variant has agents.
        self.uses_hive = hive and self.name != "self-verdict"
        self.feeds_channel = hive

    def choose(
        self,
        task: str,
        n: int,
        rng: np.random.Generator,
        request_ids: Sequence[str] | None = None,
    ) -> list[str]:
        """Route through the selector (and its A/B tests, given request ids).

        With no eligible model, the cheapest active one serves.
        """
        try:
            return self.selector.choose(
                task,
                n,
                self.weights,
                mode=self.mode,
                rng=rng,
                request_ids=request_ids,
                budget=self.pacer,
            )
        except NoEligibleModelError:
            return _cheapest(self.selector.catalog, n)


class StaticPolicy:
    """A fixed rule over the catalog that never learns from records.

    ``static``: the seed's ``cost_optimized_assignment`` where its model is in the catalog,
    else the model that the catalog's prior ranks best on day one, kept for the whole run;
    ``cheapest``: the lowest expected price; ``fastest``: the lowest advertised latency;
    ``round_robin``: every active model in turn.
    """

    uses_hive = False
    feeds_channel = False

    def __init__(self, name: str, catalog: ModelCatalog, day_one: Mapping[str, str]) -> None:
        if name not in BASELINES:
            raise ValueError(f"unknown baseline {name!r}; use one of {', '.join(BASELINES)}")
        self.name = name
        self.catalog = catalog
        self.day_one = dict(day_one)
        self._turn = 0

    def choose(
        self,
        task: str,
        n: int,
        rng: np.random.Generator,
        request_ids: Sequence[str] | None = None,
    ) -> list[str]:
        """The rule's choice for each of ``n`` requests."""
        active = self.catalog.active()
        if self.name == "cheapest":
            return _cheapest(self.catalog, n)
        if self.name == "fastest":
            fastest = min(active, key=lambda s: (s.typical_latency_ms or float("inf"), s.id))
            return [fastest.id] * n
        if self.name == "round_robin":
            ids = sorted(s.id for s in active)
            picks = [ids[(self._turn + i) % len(ids)] for i in range(n)]
            self._turn += n
            return picks
        wanted = SEED_STATIC_ASSIGNMENT.get(task, "")
        by_short_name = {s.id.rsplit("/", 1)[-1]: s.id for s in active}
        fixed = by_short_name.get(wanted) or self.day_one.get(task)
        if fixed is None or fixed not in {s.id for s in active}:
            return _cheapest(self.catalog, n)  # its model was retired: the cheapest stands in
        return [fixed] * n


def _cheapest(catalog: ModelCatalog, n: int) -> list[str]:
    active = catalog.active()
    cheapest = min(active, key=lambda s: (s.estimate_cost() or float("inf"), s.id))
    return [cheapest.id] * n


def make_policy(
    name: str,
    selector: Router,
    weights: Mapping[str, float],
    *,
    mode: ChoiceMode,
    pacer: BudgetPacer | None = None,
) -> SelectorPolicy | StaticPolicy:
    """``hive``, ``selector`` (no hive), one of :data:`HIVE_CONTROLS` or :data:`BASELINES`.

    A ``pacer`` paces the selector policies to a budget (the baselines ignore it).
    """
    if name in ("hive", "selector", *HIVE_CONTROLS):
        return SelectorPolicy(
            selector, weights, mode=mode, hive=name != "selector", name=name, pacer=pacer
        )
    day_one = {}
    for task in sorted(selector.catalog.tasks):
        try:
            day_one[task] = selector.recommend(task, weights).recommended_model_id
        except NoEligibleModelError:
            continue
    return StaticPolicy(name, selector.catalog, day_one)
