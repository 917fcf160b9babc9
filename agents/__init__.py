"""Genesis Prime agents: own experience -> beliefs -> ballots."""
