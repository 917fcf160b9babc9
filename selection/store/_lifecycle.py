"""``async with`` for anything that has ``open()`` and ``aclose()``."""

from __future__ import annotations

from types import TracebackType
from typing import Self

__all__ = ["OpenClose"]


class OpenClose:
    """Mixin: ``async with store:`` opens on entry and closes on exit."""

    async def open(self) -> None:
        """Acquire resources (subclasses do the work)."""
        raise NotImplementedError

    async def aclose(self) -> None:
        """Release resources (subclasses do the work)."""
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
