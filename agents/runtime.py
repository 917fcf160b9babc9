"""Feeding an agent embedded in a live runtime from the real store.

A runtime that lets agents handle calls tags each call's record with the agent that handled
it: ``context_data={HANDLED_BY: agent.agent_id}``. A :class:`StoreFeed` then pulls, on
demand, the records that agent handled since its last pull and folds them into the agent's
beliefs, oldest first, each record once::

    feed = StoreFeed.from_tracker(agent, manager.tracker)
    await feed.pull()  # e.g. once per vote period
    ballot = agent.ballot("logical_reasoning")
"""

from __future__ import annotations

import logging
from datetime import datetime

from agents.core import GenesisAgent
from selection import PerformanceRecord, PerformanceTracker, Store, TaskLike, task_name

__all__ = ["HANDLED_BY", "StoreFeed"]

logger = logging.getLogger(__name__)

HANDLED_BY = "agent_id"
"""The ``context_data`` key naming the agent that handled a call."""


class StoreFeed:
    """Pulls the records one agent handled from a store into that agent, incrementally.

    Args:
        agent: The agent to feed.
        store: An open store.
        task: Only records of this task type (all tasks if ``None``).
        handled_only: Feed only records whose ``context_data[HANDLED_BY]`` is the agent's id;
            ``False`` feeds every record (an agent that watches all traffic).
        since: Start with records at or after this time (all stored records if ``None``).
        limit: Most records fetched per pull; if a pull fills it, older records between the
            previous pull and the oldest one fetched are skipped (a warning is logged), so pull
            at least every ``limit`` records.
    """

    def __init__(
        self,
        agent: GenesisAgent,
        store: Store,
        *,
        task: TaskLike | None = None,
        handled_only: bool = True,
        since: datetime | None = None,
        limit: int = 10_000,
    ) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        self.agent = agent
        self.store = store
        self.task = None if task is None else task_name(task)
        self.handled_only = handled_only
        self.limit = limit
        self._since = since
        self._seen_at_since: set[str] = set()  # ids already fed whose timestamp == _since

    @classmethod
    def from_tracker(
        cls,
        agent: GenesisAgent,
        tracker: PerformanceTracker,
        *,
        task: TaskLike | None = None,
        handled_only: bool = True,
        since: datetime | None = None,
        limit: int = 10_000,
    ) -> StoreFeed:
        """A feed reading the tracker's store (records the tracker has committed)."""
        return cls(
            agent, tracker.store, task=task, handled_only=handled_only, since=since, limit=limit
        )

    def __repr__(self) -> str:
        return f"StoreFeed(agent={self.agent.agent_id!r}, task={self.task!r}, since={self._since})"

    async def pull(self) -> int:
        """Fetch the records stored since the last pull and feed the agent's; return how many."""
        fetched = await self.store.fetch_records(
            task=self.task, since=self._since, limit=self.limit
        )
        if len(fetched) >= self.limit:
            logger.warning(
                "StoreFeed for %s fetched its limit of %d records; older ones were skipped",
                self.agent.agent_id,
                self.limit,
            )
        fresh = [r for r in fetched if r.record_id not in self._seen_at_since]
        self._advance(fresh)
        mine = [r for r in fresh if not self.handled_only or self._handled(r)]
        mine.reverse()  # the store answers newest first; beliefs forget, so oldest first
        return self.agent.observe_many(mine)

    def _handled(self, record: PerformanceRecord) -> bool:
        return record.context_data.get(HANDLED_BY) == self.agent.agent_id

    def _advance(self, fresh: list[PerformanceRecord]) -> None:
        stamped = [r for r in fresh if r.timestamp is not None]
        if not stamped:
            return
        newest = max(r.timestamp for r in stamped if r.timestamp is not None)
        at_newest = {r.record_id for r in stamped if r.timestamp == newest}
        if newest == self._since:
            self._seen_at_since |= at_newest
        else:
            self._since, self._seen_at_since = newest, at_newest
