"""The response cache: keys, TTL, LRU eviction, and no HTTP request on a hit."""

from __future__ import annotations

import httpx

from selection.providers import (
    Completion,
    GenerationParams,
    Message,
    ModelGateway,
    ResponseCache,
    cache_key,
)
from tests.selection.providers.fakes import openai_fake, openai_ok
from tests.selection.providers.support import Sleeps, retrier

PING = [Message.user("ping")]
PARAMS = GenerationParams(temperature=0.0)


def _completion(text: str = "pong") -> Completion:
    return Completion(
        text=text,
        input_tokens=1,
        output_tokens=1,
        latency_s=0.1,
        finish_reason="stop",
        model="m",
        provider="p",
        cost_usd=None,
        cost_source=None,
    )


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_key_is_a_sha256_that_depends_on_every_part():
    key = cache_key("openai/gpt-4o", PING, PARAMS)
    assert len(key) == 64
    assert int(key, 16) >= 0
    assert key == cache_key(
        "openai/gpt-4o", [Message.user("ping")], GenerationParams(temperature=0.0)
    )
    assert key != cache_key("openai/gpt-4o-mini", PING, PARAMS)
    assert key != cache_key("openai/gpt-4o", [Message.user("pong")], PARAMS)
    assert key != cache_key("openai/gpt-4o", [Message.system("ping")], PARAMS)
    assert key != cache_key("openai/gpt-4o", PING, GenerationParams(temperature=0.1))


def test_hit_is_marked_cached():
    cache = ResponseCache()
    cache.put("k", _completion())
    hit = cache.get("k")
    assert hit is not None
    assert hit.cached
    assert hit.text == "pong"
    assert cache.get("other") is None


def test_entries_expire_after_ttl():
    clock = FakeClock()
    cache = ResponseCache(ttl=10.0, clock=clock)
    cache.put("k", _completion())
    clock.now = 9.9
    assert cache.get("k") is not None
    clock.now = 10.0
    assert cache.get("k") is None
    assert len(cache) == 0


def test_least_recently_used_is_evicted():
    cache = ResponseCache(max_size=2)
    cache.put("a", _completion("a"))
    cache.put("b", _completion("b"))
    assert cache.get("a") is not None  # "b" is now the least recently used
    cache.put("c", _completion("c"))
    assert [cache.get(k) is not None for k in "abc"] == [True, False, True]
    cache.clear()
    assert len(cache) == 0


async def test_gateway_cache_hit_makes_no_http_request():
    fake = openai_fake().script(openai_ok("first"), openai_ok("second"))
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake.handler)) as http:
        gateway = ModelGateway(
            {"openai": fake.client(http)}, retrier=retrier(Sleeps()), cache=ResponseCache()
        )
        first = await gateway.complete("openai/gpt-4o", PING, params=PARAMS)
        again = await gateway.complete("openai/gpt-4o", PING, params=PARAMS)
        other = await gateway.complete("openai/gpt-4o", [Message.user("other")], params=PARAMS)

    assert len(fake.requests) == 2
    assert (first.text, first.cached) == ("first", False)
    assert (again.text, again.cached) == ("first", True)
    assert other.text == "second"


async def test_gateway_fallback_uses_the_cache_without_attempts():
    fake = openai_fake().script(openai_ok())
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake.handler)) as http:
        gateway = ModelGateway(
            {"openai": fake.client(http)}, retrier=retrier(Sleeps()), cache=ResponseCache()
        )
        await gateway.complete_with_fallback(["openai/gpt-4o"], PING)
        result = await gateway.complete_with_fallback(["openai/gpt-4o"], PING)

    assert len(fake.requests) == 1
    assert result.completion.cached
    assert result.attempts == ()


async def test_failures_are_not_cached():
    fake = openai_fake()
    fake.script(fake.errors["500"], openai_ok())
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake.handler)) as http:
        gateway = ModelGateway(
            {"openai": fake.client(http)},
            retrier=retrier(Sleeps(), max_attempts=1),
            cache=ResponseCache(),
        )
        result = await gateway.complete_with_fallback(["openai/gpt-4o", "openai/gpt-4o"], PING)
    assert result.completion.text == "pong"
    assert len(fake.requests) == 2
