"""Classified provider failures.

Each class below subclasses the matching error in :mod:`selection.errors` and adds
``error_type`` (an :class:`ErrorType`) and ``retryable``::

    ProviderError
    ├── ProviderTimeout
    │   └── CallTimeout             timeout               retried
    ├── ProviderHTTPError
    │   ├── CallHTTPError           by status (table)     retried on 408, 409, 429, 529, 5xx
    │   │   └── CallRateLimited     rate_limited          retried (also a RateLimited)
    │   └── RateLimited
    ├── ProviderResponseError
    │   └── CallResponseError       malformed_response    not retried
    ├── CallConnectionError         connection            retried
    ├── ContentFilteredError        content_filtered      not retried
    ├── UpstreamError               server_error          retried (error inside a 200 body)
    └── CircuitOpenError            circuit_open          not retried (no call was made)

Messages carry a short, redacted body excerpt; never headers, never the key.
"""

from __future__ import annotations

from enum import StrEnum

from selection.errors import (
    ProviderError,
    ProviderHTTPError,
    ProviderResponseError,
    ProviderTimeout,
    RateLimited,
)

__all__ = [
    "RETRY_STATUSES",
    "CallConnectionError",
    "CallHTTPError",
    "CallRateLimited",
    "CallResponseError",
    "CallTimeout",
    "CircuitOpenError",
    "ClassifiedError",
    "ContentFilteredError",
    "ErrorType",
    "UpstreamError",
    "classify_status",
    "error_type_of",
    "http_error",
    "is_retryable",
]


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


class ClassifiedError:
    """Mixin carried by every error this package raises.

    Attributes:
        error_type: Why the call failed.
        retryable: Whether another try may succeed.
    """

    error_type: ErrorType
    retryable: bool = False


class CallTimeout(ProviderTimeout, ClassifiedError):
    """The provider did not answer within the timeout."""

    error_type = ErrorType.TIMEOUT
    retryable = True


class CallConnectionError(ProviderError, ClassifiedError):
    """The connection failed (refused, reset, DNS, protocol error)."""

    error_type = ErrorType.CONNECTION
    retryable = True


class CallHTTPError(ProviderHTTPError, ClassifiedError):
    """The provider answered with an HTTP error status (or an error code in a 200 body)."""

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status_code: int,
        retry_after: float | None = None,
        error_type: ErrorType,
    ) -> None:
        super().__init__(
            message, provider=provider, status_code=status_code, retry_after=retry_after
        )
        self.error_type = error_type
        self.retryable = status_code in RETRY_STATUSES or status_code >= 500


class CallRateLimited(CallHTTPError, RateLimited):
    """HTTP 429: the provider asked us to slow down."""

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


class CallResponseError(ProviderResponseError, ClassifiedError):
    """The body is not JSON or does not match the provider's wire format."""

    error_type = ErrorType.MALFORMED_RESPONSE


class ContentFilteredError(ProviderError, ClassifiedError):
    """The provider refused or filtered the content."""

    error_type = ErrorType.CONTENT_FILTERED

    def __init__(self, message: str, *, provider: str, reason: str) -> None:
        self.reason = reason
        super().__init__(message, provider=provider)


class UpstreamError(ProviderError, ClassifiedError):
    """A 200 response reporting a failure (OpenRouter ``finish_reason: "error"``)."""

    error_type = ErrorType.SERVER_ERROR
    retryable = True


class CircuitOpenError(ProviderError, ClassifiedError):
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
) -> CallHTTPError:
    """Build the classified error for an HTTP status.

    Args:
        status_code: The HTTP status (or the HTTP-like code found in a 200 body).
        excerpt: A short, already redacted excerpt of the body.
        provider: The provider name.
        retry_after: Seconds the provider asked us to wait, if any.
        error_type: The classification; by default :func:`classify_status` of the excerpt.
        where: Optional context put before the excerpt (e.g. "error in a 200 body").

    Returns:
        :class:`CallRateLimited` for 429, else :class:`CallHTTPError`.
    """
    message = f"{where}: {excerpt}" if where else excerpt
    if status_code == 429:
        return CallRateLimited(
            message, provider=provider, status_code=status_code, retry_after=retry_after
        )
    return CallHTTPError(
        message,
        provider=provider,
        status_code=status_code,
        retry_after=retry_after,
        error_type=error_type or classify_status(status_code, excerpt),
    )


def error_type_of(exc: ProviderError) -> ErrorType:
    """Classify any provider error, including the unclassified bases of selection.errors."""
    if isinstance(exc, ClassifiedError):
        return exc.error_type
    if isinstance(exc, ProviderTimeout):
        return ErrorType.TIMEOUT
    if isinstance(exc, ProviderHTTPError):
        return classify_status(exc.status_code, str(exc))
    if isinstance(exc, ProviderResponseError):
        return ErrorType.MALFORMED_RESPONSE
    return ErrorType.SERVER_ERROR


def is_retryable(exc: ProviderError) -> bool:
    """Whether another try of the same call may succeed."""
    if isinstance(exc, ClassifiedError):
        return exc.retryable
    if isinstance(exc, ProviderHTTPError):
        return exc.status_code in RETRY_STATUSES or exc.status_code >= 500
    return isinstance(exc, ProviderTimeout)
