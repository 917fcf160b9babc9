"""The app ``genesis-prime viz`` serves: the page of the scenario named in the environment."""

from __future__ import annotations

import os

from scenarios.viz import ENV_POLICY, ENV_SCENARIO, ENV_SEED, make_page

__all__ = ["page"]

_seed = os.environ.get(ENV_SEED)
page = make_page(
    os.environ.get(ENV_SCENARIO, "steady-state"),
    seed=None if _seed is None else int(_seed),
    policy=os.environ.get(ENV_POLICY, "hive"),
)
