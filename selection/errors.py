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
    ├── ProviderError               a provider call failed (.provider, .error_type, .retryable)
    │   ├── ProviderTimeout             timeout               retried
    │   ├── ProviderConnectionError     connection            retried
    │   ├── ProviderHTTPError           by status (.status_code, .retry_after): retried on
    │   │   │                           408, 409, 429, 529 and 5xx
    │   │   └── RateLimited             rate_limited (429)    retried
    │   ├── ProviderResponseError       malformed_response    not retried
    │   ├── ContentFilteredError        content_filtered      not retried
    │   ├── UpstreamError               server_error          retried (error inside a 200 body)
    │   └── CircuitOpenError            circuit_open          not retried (no call was made)
    ├── ExperimentError             an invalid A/B test request or state change
    └── hive.HiveError              ballots, methods or delegations the hive cannot use

Messages name what is wrong; they never carry secrets (API keys, headers).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

__all__ = [
    "RETRY_STATUSES",
    "AmbiguousWriteError",
    "CircuitOpenError",
    "ConfigError",
    "ContentFilteredError",
    "ErrorType",
    "ExperimentError",
    "GenesisError",
    "InvalidRecordError",
    "NoEligibleModelError",
    "ProviderConnectionError",
    "ProviderError",
    "ProviderHTTPError",
    "ProviderResponseError",
    "ProviderTimeout",
    "RateLimited",
    "StoreError",
    "StoreUnavailableError",
    "UnknownModelError",
    "UnknownTaskError",
    "UpstreamError",
    "classify_status",
    "http_error",
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


class ErrorType(StrEnum):
    """Why a provider call failed, in words a tracker can count."""

    RATE_LIMITED = "rate_limited"
    OVERLOADED = "overloaded"
    TIMEOUT = "timeout"
    SERVER_ERROR = "server_error"
    AUTHENTICATION = "authentication"
    BAD_REQUEST = "bad_request"
    CONTENT_FILTERED = "content_filtered"
    MALFORMED_RESPONSE = "malformed_response"
    CONNECTION = "connection"
    CLIENT_ERROR = "client_error"
    CIRCUIT_OPEN = "circuit_open"


RETRY_STATUSES = frozenset({408, 409, 429, 529})
"""Statuses below 500 (and Anthropic's 529) that are worth another try."""

_STATUS_TYPES: dict[int, ErrorType] = {
    400: ErrorType.BAD_REQUEST,
    401: ErrorType.AUTHENTICATION,
    403: ErrorType.AUTHENTICATION,
    404: ErrorType.BAD_REQUEST,
    408: ErrorType.TIMEOUT,
    422: ErrorType.BAD_REQUEST,
    429: ErrorType.RATE_LIMITED,
    529: ErrorType.OVERLOADED,
}


def classify_status(status_code: int, body: str = "") -> ErrorType:
    """Classify an HTTP error status (and, for 5xx, its body).

    Args:
        status_code: The HTTP status.
        body: The response text; a 5xx whose body mentions "overload" (503 "overloaded",
            Anthropic's ``overloaded_error``) is :attr:`ErrorType.OVERLOADED`.

    Returns:
        The error type; 4xx statuses outside the table are :attr:`ErrorType.CLIENT_ERROR`.
    """
    known = _STATUS_TYPES.get(status_code)
    if known is not None:
        return known
    if status_code >= 500:
        return ErrorType.OVERLOADED if "overload" in body.lower() else ErrorType.SERVER_ERROR
    return ErrorType.CLIENT_ERROR


class ProviderError(GenesisError):
    """A call to a model provider failed.

    Attributes:
        provider: The provider's name.
        error_type: Why the call failed.
        retryable: Whether another try of the same call may succeed.
    """

    error_type: ErrorType = ErrorType.SERVER_ERROR
    retryable: bool = False

    def __init__(self, message: str, *, provider: str) -> None:
        self.provider = provider
        super().__init__(f"{provider}: {message}")


class ProviderTimeout(ProviderError):
    """The provider did not answer in time."""

    error_type = ErrorType.TIMEOUT
    retryable = True


class ProviderConnectionError(ProviderError):
    """The connection failed (refused, reset, DNS, protocol error)."""

    error_type = ErrorType.CONNECTION
    retryable = True


class ProviderHTTPError(ProviderError):
    """The provider answered with an HTTP error status (or an error code in a 200 body)."""

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status_code: int,
        retry_after: float | None = None,
        error_type: ErrorType | None = None,
    ) -> None:
        self.status_code = status_code
        self.retry_after = retry_after
        self.error_type = error_type or classify_status(status_code, message)
        self.retryable = status_code in RETRY_STATUSES or status_code >= 500
        super().__init__(f"HTTP {status_code}: {message}", provider=provider)


class RateLimited(ProviderHTTPError):
    """The provider asked us to slow down (HTTP 429)."""

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status_code: int = 429,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            message,
            provider=provider,
            status_code=status_code,
            retry_after=retry_after,
            error_type=ErrorType.RATE_LIMITED,
        )


class ProviderResponseError(ProviderError):
    """The provider's answer is not JSON or does not match its wire format."""

    error_type = ErrorType.MALFORMED_RESPONSE


class ContentFilteredError(ProviderError):
    """The provider refused or filtered the content."""

    error_type = ErrorType.CONTENT_FILTERED

    def __init__(self, message: str, *, provider: str, reason: str) -> None:
        self.reason = reason
        super().__init__(message, provider=provider)


class UpstreamError(ProviderError):
    """A 200 response reporting a failure (OpenRouter ``finish_reason: "error"``)."""

    retryable = True


class CircuitOpenError(ProviderError):
    """The model's circuit breaker is open, so no call was made."""

    error_type = ErrorType.CIRCUIT_OPEN

    def __init__(self, model_id: str, *, provider: str) -> None:
        self.model_id = model_id
        super().__init__(f"circuit open for {model_id!r}; no call made", provider=provider)


def http_error(
    status_code: int,
    excerpt: str,
    *,
    provider: str,
    retry_after: float | None = None,
    error_type: ErrorType | None = None,
    where: str = "",
) -> ProviderHTTPError:
    """Build the error for an HTTP status.

    Args:
        status_code: The HTTP status (or the HTTP-like code found in a 200 body).
        excerpt: A short, already redacted excerpt of the body.
        provider: The provider name.
        retry_after: Seconds the provider asked us to wait, if any.
        error_type: The classification; by default :func:`classify_status` of the excerpt.
        where: Optional context put before the excerpt (e.g. "error in a 200 body").

    Returns:
        :class:`RateLimited` for 429, else :class:`ProviderHTTPError`.
    """
    message = f"{where}: {excerpt}" if where else excerpt
    if status_code == 429:
        return RateLimited(message, provider=provider, retry_after=retry_after)
    return ProviderHTTPError(
        message,
        provider=provider,
        status_code=status_code,
        retry_after=retry_after,
        error_type=error_type or classify_status(status_code, excerpt),
    )


class ExperimentError(GenesisError):
    """An A/B test request is invalid or its state change is not allowed."""
