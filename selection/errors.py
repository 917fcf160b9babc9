"""The exceptions Genesis Prime raises.

Every error derives from :class:`GenesisError`, so a caller can catch one root::

    GenesisError
    ├── ConfigError                 bad database URL, bad catalog or scenario file
    ├── UnknownModelError           a model id the catalog does not hold
    ├── UnknownTaskError            a task type nobody declared
    ├── InvalidRecordError          a performance record that fails validation
    ├── NoEligibleModelError        the task's thresholds exclude every candidate
    ├── StoreError                  the database refused or failed
    │   └── StoreUnavailableError   the database cannot be reached
    │       └── AmbiguousWriteError the connection was lost at COMMIT (.stored, .reconciled)
    ├── ProviderError               a model provider's call failed (.provider)
    │   ├── ProviderTimeout
    │   ├── ProviderHTTPError       .status_code, .retry_after
    │   │   └── RateLimited
    │   └── ProviderResponseError   the answer does not match the wire format
    └── ExperimentError             an invalid A/B test request or state change

Messages name what is wrong; they never carry secrets (API keys, headers).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "AmbiguousWriteError",
    "ConfigError",
    "ExperimentError",
    "GenesisError",
    "InvalidRecordError",
    "NoEligibleModelError",
    "ProviderError",
    "ProviderHTTPError",
    "ProviderResponseError",
    "ProviderTimeout",
    "RateLimited",
    "StoreError",
    "StoreUnavailableError",
    "UnknownModelError",
    "UnknownTaskError",
]


class GenesisError(Exception):
    """Root of every error Genesis Prime raises."""


class ConfigError(GenesisError):
    """A setting, URL or file is malformed."""


class UnknownModelError(GenesisError, KeyError):
    """A model id that the catalog does not hold."""

    def __init__(self, model_id: str, *, known: Sequence[str] = ()) -> None:
        self.model_id = model_id
        hint = f"; known models: {', '.join(sorted(known)[:8])}" if known else ""
        more = "…" if len(known) > 8 else ""
        super().__init__(f"unknown model {model_id!r}{hint}{more}")

    def __str__(self) -> str:  # KeyError would quote the whole message again
        return str(self.args[0])


class UnknownTaskError(GenesisError, KeyError):
    """A task type that is neither built in nor declared."""

    def __init__(self, task: str) -> None:
        self.task = task
        super().__init__(
            f"unknown task type {task!r}; declare it with ModelCatalog.declare_task({task!r})"
        )

    def __str__(self) -> str:
        return str(self.args[0])


class InvalidRecordError(GenesisError, ValueError):
    """A performance record failed validation; nothing of its batch was written."""


class NoEligibleModelError(GenesisError):
    """Every candidate breaches the task's thresholds or context needs."""

    def __init__(self, task: str, reasons: dict[str, str]) -> None:
        self.task = task
        self.reasons = reasons
        shown = sorted(reasons.items())[:5]
        detail = "; ".join(f"{model}: {why}" for model, why in shown)
        if len(reasons) > len(shown):
            detail += f"; and {len(reasons) - len(shown)} more"
        super().__init__(f"no model is eligible for {task!r}: {detail or 'the catalog is empty'}")


class StoreError(GenesisError):
    """The database failed or refused an operation."""


class StoreUnavailableError(StoreError):
    """The database cannot be reached."""


class AmbiguousWriteError(StoreUnavailableError):
    """The connection was lost while a write committed, so its outcome was not reported.

    Attributes:
        stored: the records the store found committed afterwards (empty when none were).
        reconciled: whether the store could find out; if not, ``stored`` is empty and the
            records may or may not be stored (a restart re-reads the sums).
    """

    def __init__(self, message: str, *, stored: Sequence[Any], reconciled: bool) -> None:
        self.stored = list(stored)
        self.reconciled = reconciled
        super().__init__(message)


class ProviderError(GenesisError):
    """A call to a model provider failed."""

    def __init__(self, message: str, *, provider: str) -> None:
        self.provider = provider
        super().__init__(f"{provider}: {message}")


class ProviderTimeout(ProviderError):
    """The provider did not answer in time."""


class ProviderHTTPError(ProviderError):
    """The provider answered with an HTTP error status."""

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status_code: int,
        retry_after: float | None = None,
    ) -> None:
        self.status_code = status_code
        self.retry_after = retry_after
        super().__init__(f"HTTP {status_code}: {message}", provider=provider)


class RateLimited(ProviderHTTPError):
    """The provider asked us to slow down (HTTP 429)."""


class ProviderResponseError(ProviderError):
    """The provider's answer does not match its wire format."""


class ExperimentError(GenesisError):
    """An A/B test request is invalid or its state change is not allowed."""
