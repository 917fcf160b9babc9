"""An OpenAI-compatible HTTP server in front of the selector (``genesis-prime serve``).

Any OpenAI client reaches it by changing its base URL. ``model`` is ``genesis-prime/auto``
(task from a hint, else the default), ``genesis-prime/<task>`` or a catalog id; every call,
plain or streamed, is recorded to the tracker, the A/B tests and the metrics.

The app needs the ``server`` extra (FastAPI, uvicorn, prometheus-client); it is imported on
first use, so the command line works without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from selection.lazy import lazy_exports
from server.cli import add_serve_command, is_loopback

if TYPE_CHECKING:
    from server.app import create_app
    from server.calls import ROUTE_PREFIX, Hints
    from server.errors import APIError

__all__ = ["ROUTE_PREFIX", "APIError", "Hints", "add_serve_command", "create_app", "is_loopback"]

_LAZY = {
    "create_app": "server.app",
    "ROUTE_PREFIX": "server.calls",
    "Hints": "server.calls",
    "APIError": "server.errors",
}

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
