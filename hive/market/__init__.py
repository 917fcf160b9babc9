"""Cultural markets of models: social influence, cascades and lock-in in parallel worlds.

MusicLab's multiple-worlds design (Salganik, Dodds & Watts 2006) with models for songs:
:func:`run_worlds` runs worlds from one start under an influence strength, and the measures
(:func:`gini`, :func:`unpredictability`, :func:`quality_success_tau`, :func:`lock_in`) say
how unequal and how unpredictable success became. Followers see the world's leaderboard or
their neighbours on a social graph, and weigh downloads or downloads times reputation.
:func:`crowd_wisdom` (Golub & Jackson) and :func:`lorenz_rounds` (Lorenz et al.) measure the
wisdom of a crowd of estimators on a network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hive.market._options import FOLLOWS, NETWORKS
from selection.lazy import lazy_exports

if TYPE_CHECKING:
    from hive.market._crowds import CrowdWisdom, crowd_wisdom, lorenz_rounds
    from hive.market._metrics import gini, lock_in, quality_success_tau, unpredictability
    from hive.market._summary import SUMMARY_METRICS, measure_run, summarise, sweep_worlds
    from hive.market._worlds import MarketConfig, WorldsRun, run_worlds

# The names load on first use, so that the command line reads the options without numpy.
_HOMES: dict[str, str] = {
    **dict.fromkeys(["CrowdWisdom", "crowd_wisdom", "lorenz_rounds"], "hive.market._crowds"),
    **dict.fromkeys(
        ["gini", "lock_in", "quality_success_tau", "unpredictability"], "hive.market._metrics"
    ),
    **dict.fromkeys(
        ["SUMMARY_METRICS", "measure_run", "summarise", "sweep_worlds"], "hive.market._summary"
    ),
    **dict.fromkeys(["MarketConfig", "WorldsRun", "run_worlds"], "hive.market._worlds"),
}

__all__ = [
    "FOLLOWS",
    "NETWORKS",
    "SUMMARY_METRICS",
    "CrowdWisdom",
    "MarketConfig",
    "WorldsRun",
    "crowd_wisdom",
    "gini",
    "lock_in",
    "lorenz_rounds",
    "measure_run",
    "quality_success_tau",
    "run_worlds",
    "summarise",
    "sweep_worlds",
    "unpredictability",
]

__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
