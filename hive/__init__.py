"""The collective: consensus protocols, social network, collective intelligence.

The names load on first use, so that reading the list of methods does not import networkx.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hive._errors import BallotError, DelegationError, HiveError, UnknownMethodError
from selection.lazy import lazy_exports

if TYPE_CHECKING:
    from hive._profile import Profile, profile_from_orders
    from hive.consensus import METHODS, Consensus, MethodOptions, Tie, aggregate, count_profile
    from hive.delegation import (
        DelegatedVote,
        DelegationResult,
        delegate_ballots,
        resolve_delegations,
    )
    from hive.hivemind import HiveMind
    from hive.network import (
        GraphKind,
        OpinionDynamics,
        build_graph,
        complete,
        degroot,
        friedkin_johnsen,
        label_agents,
        scale_free,
        small_world,
        trust_matrix,
    )

_HOMES: dict[str, str] = {
    "Consensus": "hive.consensus",
    "DelegatedVote": "hive.delegation",
    "DelegationResult": "hive.delegation",
    "GraphKind": "hive.network",
    "HiveMind": "hive.hivemind",
    "METHODS": "hive.consensus",
    "MethodOptions": "hive.consensus",
    "OpinionDynamics": "hive.network",
    "Tie": "hive.consensus",
    "Profile": "hive._profile",
    "aggregate": "hive.consensus",
    "count_profile": "hive.consensus",
    "profile_from_orders": "hive._profile",
    "build_graph": "hive.network",
    "complete": "hive.network",
    "degroot": "hive.network",
    "delegate_ballots": "hive.delegation",
    "friedkin_johnsen": "hive.network",
    "label_agents": "hive.network",
    "resolve_delegations": "hive.delegation",
    "scale_free": "hive.network",
    "small_world": "hive.network",
    "trust_matrix": "hive.network",
}
"""Public name -> the module that defines it."""

__all__ = [
    "METHODS",
    "BallotError",
    "Consensus",
    "DelegatedVote",
    "DelegationError",
    "DelegationResult",
    "GraphKind",
    "HiveError",
    "HiveMind",
    "MethodOptions",
    "OpinionDynamics",
    "Profile",
    "Tie",
    "UnknownMethodError",
    "aggregate",
    "build_graph",
    "complete",
    "count_profile",
    "degroot",
    "delegate_ballots",
    "friedkin_johnsen",
    "label_agents",
    "profile_from_orders",
    "resolve_delegations",
    "scale_free",
    "small_world",
    "trust_matrix",
]

__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
