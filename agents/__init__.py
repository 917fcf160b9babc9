"""Genesis Prime agents: own experience -> beliefs -> ballots."""

from agents.ballot import Ballot

__all__ = ["Ballot"]
