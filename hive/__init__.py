"""The collective: consensus protocols, social network, collective intelligence."""

from hive._errors import BallotError, DelegationError, HiveError, UnknownMethodError
from hive.consensus import METHODS, Consensus, MethodOptions, Tie, aggregate
from hive.delegation import DelegatedVote, DelegationResult, delegate_ballots, resolve_delegations
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
    "Tie",
    "UnknownMethodError",
    "aggregate",
    "build_graph",
    "complete",
    "degroot",
    "delegate_ballots",
    "friedkin_johnsen",
    "label_agents",
    "resolve_delegations",
    "scale_free",
    "small_world",
    "trust_matrix",
]
