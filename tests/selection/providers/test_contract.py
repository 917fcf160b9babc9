"""Every client against its provider's fake: the same scenarios, each provider's own bodies."""

from __future__ import annotations

import httpx
import pytest

from selection.providers import (
    ErrorType,
    Message,
    Prices,
    ProviderHTTPError,
    ProviderResponseError,
    ProviderTimeout,
    RateLimited,
)
from tests.selection.providers.fakes import CANARY, Fake, malformed, read_timeout
from tests.selection.providers.support import Sleeps, gateway_for

PING = [Message.user("ping")]


async def test_success_reports_usage_latency_and_model(fake: Fake, http: httpx.AsyncClient):
    client = fake.client(http)
    fake.script(fake.ok(prompt=21, completion=5))

    completion = await client.complete(fake.model_id.partition("/")[2], PING)

    assert completion.text == "pong"
    assert (completion.input_tokens, completion.output_tokens) == (21, 5)
    assert completion.latency_s >= 0
    assert completion.finish_reason in {"stop", "end_turn", "STOP"}
    assert completion.provider == client.provider
    assert completion.model
    assert not completion.cached
    assert len(fake.requests) == 1


async def test_cost_from_prices_unless_provider_reports_it(fake: Fake, http: httpx.AsyncClient):
    client = fake.client(http)
    fake.script(fake.ok(prompt=1000, completion=500))
    prices = Prices.per_million(3.0, 15.0)

    completion = await client.complete(fake.model_id.partition("/")[2], PING, prices=prices)

    if fake.name == "openrouter":  # sends usage.cost, which wins
        assert (completion.cost_usd, completion.cost_source) == (0.000405, "provider")
    else:
        assert completion.cost_usd == pytest.approx(1000 * 3e-6 + 500 * 15e-6)
        assert completion.cost_source == "prices"


async def test_429_is_retried_after_retry_after(
    fake: Fake, http: httpx.AsyncClient, sleeps: Sleeps
):
    fake.script(fake.errors["429"], fake.ok())
    gateway = gateway_for(fake, http, sleeps)

    completion = await gateway.complete(fake.model_id, PING)

    assert completion.text == "pong"
    assert sleeps == [2.0]
    assert len(fake.requests) == 2


async def test_429_exhausting_retries_raises_rate_limited(
    fake: Fake, http: httpx.AsyncClient, sleeps: Sleeps
):
    fake.script(fake.errors["429"])
    gateway = gateway_for(fake, http, sleeps)

    with pytest.raises(RateLimited) as exc_info:
        await gateway.complete(fake.model_id, PING)

    assert exc_info.value.status_code == 429
    assert exc_info.value.retry_after == 2.0
    assert exc_info.value.error_type is ErrorType.RATE_LIMITED
    assert len(fake.requests) == 3


async def test_500_is_retried_then_fails(fake: Fake, http: httpx.AsyncClient, sleeps: Sleeps):
    fake.script(fake.errors["500"])
    gateway = gateway_for(fake, http, sleeps)

    with pytest.raises(ProviderHTTPError) as exc_info:
        await gateway.complete(fake.model_id, PING)

    assert isinstance(exc_info.value, ProviderHTTPError)
    assert exc_info.value.status_code == 500
    assert exc_info.value.error_type is ErrorType.SERVER_ERROR
    assert len(fake.requests) == 3
    assert sleeps == [0.5, 1.0]  # the jitter bounds: base_delay * 2**retry


async def test_500_then_success(fake: Fake, http: httpx.AsyncClient, sleeps: Sleeps):
    fake.script(fake.errors["500"], fake.ok())
    gateway = gateway_for(fake, http, sleeps)

    assert (await gateway.complete(fake.model_id, PING)).text == "pong"
    assert len(fake.requests) == 2


async def test_timeout_is_classified_and_retried(
    fake: Fake, http: httpx.AsyncClient, sleeps: Sleeps
):
    fake.script(read_timeout)
    gateway = gateway_for(fake, http, sleeps)

    with pytest.raises(ProviderTimeout) as exc_info:
        await gateway.complete(fake.model_id, PING)

    assert isinstance(exc_info.value, ProviderTimeout)
    assert isinstance(exc_info.value.__cause__, httpx.ReadTimeout)
    assert exc_info.value.error_type is ErrorType.TIMEOUT
    assert len(fake.requests) == 3


async def test_malformed_json_is_not_retried(fake: Fake, http: httpx.AsyncClient, sleeps: Sleeps):
    fake.script(malformed)
    gateway = gateway_for(fake, http, sleeps)

    with pytest.raises(ProviderResponseError) as exc_info:
        await gateway.complete(fake.model_id, PING)

    assert isinstance(exc_info.value, ProviderResponseError)
    assert exc_info.value.error_type is ErrorType.MALFORMED_RESPONSE
    assert '{"id": "x", "choices": [' in str(exc_info.value)
    assert len(fake.requests) == 1
    assert sleeps == []


async def test_wrong_shape_is_malformed(fake: Fake, http: httpx.AsyncClient):
    fake.script(httpx.Response(200, json={"unexpected": True}))
    client = fake.client(http)

    with pytest.raises(ProviderResponseError):
        await client.complete(fake.model_id.partition("/")[2], PING)


async def test_bad_key_is_authentication_and_not_retried(
    fake: Fake, http: httpx.AsyncClient, sleeps: Sleeps
):
    fake.script(fake.ok())
    gateway = gateway_for(fake, http, sleeps, key=CANARY)

    with pytest.raises(ProviderHTTPError) as exc_info:
        await gateway.complete(fake.model_id, PING)

    # Gemini answers a bad key with 400 API_KEY_INVALID; the others with 401.
    assert exc_info.value.status_code == (400 if fake.name == "gemini" else 401)
    assert exc_info.value.error_type is ErrorType.AUTHENTICATION
    assert not exc_info.value.retryable
    assert len(fake.requests) == 1
    assert sleeps == []


async def test_errors_carry_a_body_excerpt(fake: Fake, http: httpx.AsyncClient):
    fake.script(fake.errors["500"])
    client = fake.client(http)

    with pytest.raises(ProviderHTTPError) as exc_info:
        await client.complete(fake.model_id.partition("/")[2], PING)

    message = str(exc_info.value)
    assert message.startswith(f"{client.provider}: HTTP 500: ")
    assert "rror" in message  # "Internal server error" / "server had an error" / ...
