"""The names a command line offers (policies, built-in scenarios), without loading what uses them.

``--help`` lists these; importing :mod:`scenarios.policies` (the selection core) or
:mod:`scenarios.spec` (pydantic) only to print them would cost most of the start-up.
"""

from __future__ import annotations

from importlib import resources

__all__ = ["BASELINES", "HIVE_CONTROLS", "POLICY_NAMES", "builtin_names"]

BASELINES = ("static", "cheapest", "fastest", "round_robin")
"""Rule-based baselines, compared with the hive by ``--compare``."""

HIVE_CONTROLS = ("self-verdict", "raters", "blind-hive", "shuffled-hive")
"""The selector fed through the hive's channel by something other than the hive:
``self-verdict`` (no agents: the selector's own estimates or pick fed back), ``raters`` (the
agents' judgements averaged, no robust consensus), ``blind-hive`` (agents who see only the
recorded scores: no private information) and ``shuffled-hive`` (the hive's estimates
permuted among the models)."""

POLICY_NAMES = ("hive", "selector", *HIVE_CONTROLS, *BASELINES)
"""Every policy a scenario can run under."""


def builtin_names() -> list[str]:
    """The scenarios that ship with Genesis Prime."""
    folder = resources.files("scenarios").joinpath("builtin")
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )
