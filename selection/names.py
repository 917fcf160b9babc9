"""Names the command line offers (built-in catalogs, policies, metrics), without pydantic.

``--help`` prints these; importing the pydantic models that use them only to print them would
cost most of the start-up. Their modules re-export them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

from selection.metrics import METRIC_COLUMNS, Metric

__all__ = [
    "BUDGET_HELP",
    "BUILTIN_CATALOGS",
    "FORGET_MODES",
    "METRIC_NAMES",
    "NO_ELIGIBLE_POLICIES",
    "NoEligiblePolicy",
]

BUILTIN_CATALOGS: Mapping[str, str] = MappingProxyType(
    {"seed": "catalog.json", "current": "catalog-current.json"}
)
"""Built-in catalog name -> its file in ``selection/data``. ``seed``: the seed document's ten
models at its blended prices (the default). ``current``: Arena-rated models at LiteLLM's list
prices, dated by ``valid_on`` (built by ``python -m selection.catalog_build``)."""

NoEligiblePolicy = Literal["raise", "degrade"]
"""What a Router does when every model breaches a task's limits: raise, or serve the least bad."""
NO_ELIGIBLE_POLICIES: tuple[NoEligiblePolicy, ...] = ("raise", "degrade")

METRIC_NAMES: tuple[str, ...] = (*METRIC_COLUMNS, Metric.ERROR_RATE.value)
"""The metrics an A/B test can judge on: the stored columns and the error rate."""

FORGET_MODES = ("never", "half-life", "change")
"""``--forget``'s choices (``selection.change.FORGET_MODES``, without loading it)."""

BUDGET_HELP = (
    "a spend target over every task, paced over the UTC day from today's recorded spend: "
    "0.002 ($ per request), 5/day ($ per day) or 50%%@MODEL (a share of MODEL's cost per request)"
)
"""``--budget``'s help (argparse formats it, hence the doubled percent sign)."""
