"""OpenAI's error shape, and the mapping of our errors onto it (one place)."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from selection import (
    ConfigError,
    GenesisError,
    NoEligibleModelError,
    UnknownModelError,
    UnknownTaskError,
)
from selection.providers import AllModelsFailedError

__all__ = ["APIError", "error_response", "from_exception"]


class APIError(GenesisError):
    """An error to answer in OpenAI's shape.

    Args:
        status: The HTTP status.
        message: One line saying what is wrong (never a secret).
        type: OpenAI's error ``type`` (``invalid_request_error``...).
        code: A machine-readable code, if any.
        param: The request field at fault, if any.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param


def error_response(error: APIError) -> JSONResponse:
    """The JSON response for ``error``: ``{"error": {message, type, param, code}}``."""
    body = {
        "error": {
            "message": error.message,
            "type": error.type,
            "param": error.param,
            "code": error.code,
        }
    }
    return JSONResponse(body, status_code=error.status)


def from_exception(exc: GenesisError | ValueError) -> APIError:
    """Map a library error to its API error; messages are one line and carry no keys."""
    if isinstance(exc, AllModelsFailedError):
        last = exc.attempts[-1].error_type if exc.attempts else None
        code = str(last) if last is not None else "circuit_open"
        cause = exc.__cause__
        last_error = f"; last error: {cause}" if isinstance(cause, GenesisError) else ""
        message = f"upstream failed: {exc}{last_error}"
        return APIError(502, message, type="upstream_error", code=code)
    if isinstance(exc, UnknownModelError):
        return APIError(404, str(exc), code="model_not_found", param="model")
    if isinstance(exc, UnknownTaskError):
        return APIError(400, str(exc), code="unknown_task", param="model")
    if isinstance(exc, NoEligibleModelError):
        return APIError(503, str(exc), type="server_error", code="no_eligible_model")
    if isinstance(exc, ConfigError):
        return APIError(503, str(exc), type="server_error", code="not_configured")
    if isinstance(exc, ValueError):
        return APIError(400, str(exc).splitlines()[0])
    return APIError(500, f"{type(exc).__name__}: {exc}", type="server_error")
