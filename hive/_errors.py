"""The exceptions the hive raises.

Each is a ``ValueError`` (the caller handed the hive something it cannot use) and a
:class:`selection.GenesisError`, the one root every Genesis Prime error shares::

    HiveError (GenesisError, ValueError)
    ├── BallotError            ballots that cannot be counted together (.voter, .model_id)
    ├── UnknownMethodError     a consensus method name not in the registry (.method)
    └── DelegationError        a delegation the graph does not allow (.agent)

Malformed single ballots never get this far: ``agents.Ballot`` rejects them at construction with
a ``pydantic.ValidationError`` that names the field.
"""

from __future__ import annotations

from collections.abc import Iterable

from selection import GenesisError

__all__ = ["BallotError", "DelegationError", "HiveError", "UnknownMethodError"]


class HiveError(GenesisError, ValueError):
    """Root of the errors raised by the hive package."""


class BallotError(HiveError):
    """Ballots that cannot be counted together.

    Raised before any counting starts, so a vote never fails half-way: mixed tasks, a voter who
    voted twice, or a model outside the known models.

    Attributes:
        voter: The voter whose ballot is at fault, when one is.
        model_id: The offending model id, when one is.
    """

    def __init__(
        self, message: str, *, voter: str | None = None, model_id: str | None = None
    ) -> None:
        super().__init__(message)
        self.voter = voter
        self.model_id = model_id


class UnknownMethodError(HiveError):
    """A consensus method name that is not registered.

    Attributes:
        method: The name that was asked for.
        valid: The registered names.
    """

    def __init__(self, method: str, *, valid: Iterable[str]) -> None:
        self.method = method
        self.valid = tuple(sorted(valid))
        super().__init__(
            f"unknown consensus method {method!r}; valid methods: {', '.join(self.valid)}"
        )


class DelegationError(HiveError):
    """A delegation that the social graph does not allow.

    Attributes:
        agent: The delegating agent.
    """

    def __init__(self, message: str, *, agent: str) -> None:
        super().__init__(message)
        self.agent = agent
