"""The public API of the hive and agents packages is what their __all__ says."""

from __future__ import annotations

import agents
import hive


def test_hive_exports() -> None:
    assert set(hive.__all__) >= {
        "METHODS", "BallotError", "Consensus", "DelegatedVote", "DelegationError",
        "DelegationResult", "GraphKind", "HiveError", "MethodOptions", "OpinionDynamics", "Tie",
        "UnknownMethodError", "aggregate", "build_graph", "count_profile", "Profile",
        "profile_from_orders", "complete", "degroot",
        "delegate_ballots", "friedkin_johnsen", "label_agents", "resolve_delegations",
        "scale_free", "small_world", "trust_matrix",
    }  # fmt: skip
    for name in hive.__all__:
        assert getattr(hive, name) is not None, name


def test_agents_export_ballot() -> None:
    assert "Ballot" in agents.__all__
    assert agents.Ballot.__module__ == "agents.ballot"
