"""The server's bearer key, checked by a plain ASGI middleware.

A plain ASGI callable, not Starlette's ``BaseHTTPMiddleware`` (which runs every request
through an extra task group and stream). The expected header is built once; the comparison
is constant-time (:func:`hmac.compare_digest`), so a wrong key's timing says nothing about
how much of it was right.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from pydantic import SecretStr

from server.errors import APIError, error_response

__all__ = ["BearerAuth"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_REFUSED = APIError(401, "missing or wrong API key", code="invalid_api_key")


class BearerAuth:
    """Refuses HTTP requests without ``Authorization: Bearer <key>`` (except ``open_paths``).

    Args:
        app: The application behind the check.
        api_key: The key clients must send.
        open_paths: Paths served without a key (``/health``).
    """

    def __init__(self, app: ASGIApp, *, api_key: SecretStr, open_paths: frozenset[str]) -> None:
        self.app = app
        self._expected = b"Bearer " + api_key.get_secret_value().encode()
        self._open = open_paths

    def __repr__(self) -> str:
        return f"BearerAuth(open_paths={sorted(self._open)})"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 401 in OpenAI's error shape, or pass the request on."""
        if scope["type"] == "http" and scope["path"] not in self._open:
            given = b""
            for name, value in scope["headers"]:
                if name == b"authorization":
                    given = value
                    break
            if not hmac.compare_digest(given, self._expected):
                await error_response(_REFUSED)(scope, receive, send)
                return
        await self.app(scope, receive, send)
