"""DynamicModelManager.complete and the rating-later path of update_model_performance.

These run once the manager and store edits proposed with selection/completion.py are in
(``DynamicModelManager(gateway=...)``, ``complete()``, ``Store.update_scores``).
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest

from selection import DynamicModelManager, open_store
from selection.completion import CompletionFailedError
from selection.errors import ConfigError, InvalidRecordError
from selection.judges import UserRatingJudge
from selection.providers import ErrorType, Message, allow_real_requests
from tests.selection.completion.conftest import CLAUDE, GPT, QUALITY, TASK, small_catalog
from tests.selection.providers.test_loopback import KEY as LOOPBACK_KEY
from tests.selection.providers.test_loopback import ChatServer

pytestmark = pytest.mark.skipif(
    not hasattr(DynamicModelManager, "complete"),
    reason="DynamicModelManager.complete is not wired in yet",
)

ASK = [Message.user("Summarise RFC 9110 in one line.")]


def manager_with(**options: Any) -> Any:
    # Any: the gateway and judge options and complete() are the proposed manager edits.
    return DynamicModelManager(catalog=small_catalog(), **options)


@pytest.fixture
async def wired(store_url, clock, gateway) -> AsyncIterator[Any]:
    manager = manager_with(
        store=open_store(store_url),
        clock=clock,
        rng=np.random.default_rng(0),
        gateway=gateway,
        judge=UserRatingJudge(),
    )
    async with manager:
        yield manager


@pytest.mark.parametrize(
    ("failure", "error_type"), [("500", ErrorType.SERVER_ERROR), ("503", ErrorType.OVERLOADED)]
)
async def test_complete_falls_back_and_records_both_models(wired, fakes, failure, error_type):
    fakes.openai.script(fakes.openai.errors[failure])
    fakes.anthropic.script(fakes.anthropic.ok("HTTP semantics."))

    outcome = await wired.complete(TASK, ASK, QUALITY, request_id="m")

    assert (outcome.text, outcome.model_id) == ("HTTP semantics.", CLAUDE)
    rows = {r.record_id: r for r in await wired.store.fetch_records()}
    assert {k: (v.model_id, v.error_type) for k, v in rows.items()} == {
        "m#1": (GPT, error_type.value),
        "m#2": (GPT, error_type.value),
        "m": (CLAUDE, None),
    }
    assert outcome.record == rows["m"]


async def test_complete_raises_after_recording_when_all_fail(wired, fakes):
    for fake in (fakes.openai, fakes.anthropic, fakes.openrouter):
        fake.script(fake.errors["500"])
    with pytest.raises(CompletionFailedError):
        await wired.complete(TASK, ASK, QUALITY, request_id="x")
    assert await wired.store.count_records() == 6


async def test_a_user_rating_given_later_amends_the_answer(wired):
    outcome = await wired.complete(TASK, ASK, QUALITY, request_id="rate-me")
    assert outcome.record.context_data["judge"]["awaiting_rating"]

    await wired.update_model_performance(GPT, TASK, {"user_rating": 0.6}, request_id="rate-me")
    await wired.update_model_performance(GPT, TASK, {"user_rating": 0.9}, request_id="rate-me")

    (row,) = await wired.store.fetch_records()
    assert row.user_rating == 0.9
    stats = wired.performance_tracker.stats(GPT, TASK)
    assert (stats.records, stats.n("user_rating"), stats.mean("user_rating")) == (1, 1, 0.9)
    with pytest.raises(InvalidRecordError, match="another model or task type"):
        await wired.update_model_performance(CLAUDE, TASK, {"user_rating": 1}, request_id="rate-me")


async def test_tracker_amend(wired):
    await wired.complete(TASK, ASK, QUALITY, request_id="t")
    amended = await wired.performance_tracker.amend("t", quality_score=0.75)
    assert amended is not None
    assert amended.old == {"quality_score": None}
    assert wired.performance_tracker.stats(GPT, TASK).mean("quality_score") == 0.75


async def test_complete_without_a_gateway_and_no_keys_names_what_to_set(store_url, monkeypatch):
    for name in ("OPENAI", "OPENROUTER", "ANTHROPIC", "GEMINI", "MISTRAL"):
        monkeypatch.delenv(f"{name}_API_KEY", raising=False)
    async with manager_with(store=open_store(store_url)) as m:
        with allow_real_requests(True), pytest.raises(ConfigError, match="OPENAI_API_KEY"):
            await m.complete(TASK, ASK)


async def test_complete_builds_its_gateway_from_the_environment(store_url, monkeypatch):
    server = ChatServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    for name in ("OPENROUTER", "ANTHROPIC", "GEMINI", "MISTRAL"):
        monkeypatch.delenv(f"{name}_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", LOOPBACK_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    try:
        async with manager_with(store=open_store(store_url)) as m:
            with allow_real_requests(True):
                outcome = await m.complete(TASK, ASK, request_id="from-env")
            assert outcome.model_id == GPT
            assert outcome.text == ASK[0].content.upper()
            assert m.gateway is not None
        assert m.gateway is None  # closed with the manager
    finally:
        server.shutdown()
        server.server_close()
