"""Cultural markets of models: social influence, cascades and lock-in in parallel worlds.

MusicLab's multiple-worlds design (Salganik, Dodds & Watts 2006) with models for songs:
:func:`run_worlds` runs worlds from one start under an influence strength, and the measures
(:func:`gini`, :func:`unpredictability`, :func:`quality_success_tau`, :func:`lock_in`) say
how unequal and how unpredictable success became.
"""

from hive.market._metrics import gini, lock_in, quality_success_tau, unpredictability
from hive.market._summary import SUMMARY_METRICS, measure_run, summarise, sweep_worlds
from hive.market._worlds import MarketConfig, WorldsRun, run_worlds

__all__ = [
    "SUMMARY_METRICS",
    "MarketConfig",
    "WorldsRun",
    "gini",
    "lock_in",
    "measure_run",
    "quality_success_tau",
    "run_worlds",
    "summarise",
    "sweep_worlds",
    "unpredictability",
]
