"""An event loop on a thread of its own, for synchronous code that must drive coroutines.

``asyncio.run`` and ``asyncio.Runner`` refuse to start inside a thread whose loop is already
running (a Jupyter kernel's, a Solara server's). A loop on its own thread works there and
in plain scripts alike: the caller blocks on each coroutine's result, and every coroutine of
one owner runs on the same loop, which is what database connections bound to a loop need.

The thread is a daemon and :meth:`EventLoopThread.close` is idempotent, so an owner that is
never closed does not keep the interpreter from exiting. (anyio's blocking portal does the
same job on a pool thread that the interpreter joins at exit, so a portal left open hangs
the exit; hence this small class.)
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, Protocol, TypeVar

__all__ = ["CoroutineRunner", "EventLoopThread"]

T = TypeVar("T")


class CoroutineRunner(Protocol):
    """What runs a coroutine to completion from synchronous code.

    ``asyncio.Runner`` and :class:`EventLoopThread` both do.
    """

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` and return its result."""
        ...


class EventLoopThread:
    """Runs coroutines to completion on a private loop in a daemon thread.

    Args:
        name: The thread's name (shown in debuggers and thread dumps).
    """

    def __init__(self, name: str = "genesis-loop") -> None:
        self._loop = asyncio.new_event_loop()
        self._stopping = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "running"
        return f"EventLoopThread({self._thread.name!r}, {state})"

    @property
    def closed(self) -> bool:
        """Whether :meth:`stop` or :meth:`close` has been called."""
        return self._stopping

    def _serve(self) -> None:
        self._loop.run_forever()
        try:
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
        finally:
            self._loop.close()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the thread's loop and return its result (or raise its error).

        Raises:
            RuntimeError: the loop is closed, or this is called from the loop's own thread
                (it would wait on itself forever).
        """
        if self._stopping:
            coro.close()
            raise RuntimeError(f"{self!r} is closed")
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("EventLoopThread.run() called from its own loop: await instead")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def stop(self) -> None:
        """Ask the loop to stop, without waiting (safe from any thread, a finaliser's too)."""
        with self._lock:
            if self._stopping:
                return
            self._stopping = True
            self._loop.call_soon_threadsafe(self._loop.stop)

    def close(self) -> None:
        """Stop the loop and wait for its thread to end; further calls do nothing."""
        self.stop()
        if threading.current_thread() is not self._thread:
            self._thread.join()
