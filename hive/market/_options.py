"""The names a market's options take: light, so that the command line reads them without numpy."""

from __future__ import annotations

from typing import Literal

__all__ = ["FOLLOWS", "NETWORKS", "Follow", "Network", "Policy"]

Policy = Literal["signal", "thompson"]
Network = Literal["leaderboard", "complete", "small_world", "scale_free"]
Follow = Literal["downloads", "reputation"]
NETWORKS: tuple[Network, ...] = ("leaderboard", "complete", "small_world", "scale_free")
FOLLOWS: tuple[Follow, ...] = ("downloads", "reputation")
