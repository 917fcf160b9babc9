"""An in-memory response cache keyed by a SHA-256 of (model, messages, params)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

from selection.providers._types import Completion, GenerationParams, Message

__all__ = ["ResponseCache", "cache_key"]


def cache_key(model_id: str, messages: Sequence[Message], params: GenerationParams) -> str:
    """Return the hex SHA-256 of a canonical JSON of the request."""
    payload = {
        "model": model_id,
        "messages": [[m.role, m.content] for m in messages],
        "params": dataclasses.asdict(params),
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class ResponseCache:
    """Least-recently-used completions, each kept for ``ttl`` seconds.

    Sampling makes answers vary, so only enable this where a repeated answer is wanted
    (deterministic settings, evaluation replays). A hit comes back with ``cached=True``;
    its cost and latency are those of the original call.

    Args:
        max_size: Entries kept; the least recently used is evicted first.
        ttl: Seconds an entry stays valid.
        clock: Monotonic seconds; inject a fake in tests.
    """

    def __init__(
        self,
        *,
        max_size: int = 1024,
        ttl: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_size < 1:
            raise ValueError(f"max_size must be >= 1, got {max_size}")
        self._max_size = max_size
        self._ttl = ttl
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, Completion]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> Completion | None:
        """Return the cached completion for ``key``, or ``None`` if absent or expired."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, completion = entry
        if self._clock() >= expires:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return dataclasses.replace(completion, cached=True)

    def put(self, key: str, completion: Completion) -> None:
        """Store ``completion`` under ``key``, evicting the oldest entry when full."""
        self._entries[key] = (self._clock() + self._ttl, completion)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        """Drop every entry."""
        self._entries.clear()
