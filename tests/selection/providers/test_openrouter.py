"""OpenRouter: usage accounting, provider-reported cost, and errors inside HTTP 200."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from selection.providers import (
    ErrorType,
    Message,
    OpenRouterClient,
    Prices,
    ProviderHTTPError,
    RateLimited,
    UpstreamError,
)
from tests.selection.providers.fakes import (
    KEY,
    OPENROUTER_CHOICE_ERROR,
    OPENROUTER_ERROR_IN_200,
    openrouter_fake,
    openrouter_ok,
)
from tests.selection.providers.support import Sleeps, gateway_for

PING = [Message.user("ping")]


@pytest.fixture
def fake():
    return openrouter_fake()


@pytest.fixture
async def http(fake) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake.handler)) as client:
        yield client


@pytest.fixture
def client(http) -> OpenRouterClient:
    return OpenRouterClient(
        http=http, api_key=SecretStr(KEY), base_url="https://openrouter.test/api/v1"
    )


async def test_default_base_url_and_usage_accounting(fake, http):
    fake.script(openrouter_ok())
    client = OpenRouterClient(http=http, api_key=SecretStr(KEY))

    await client.complete("anthropic/claude-3-opus", PING)

    assert str(fake.requests[0].url) == "https://openrouter.ai/api/v1/chat/completions"
    assert fake.body()["usage"] == {"include": True}
    assert fake.body()["model"] == "anthropic/claude-3-opus"


async def test_provider_cost_is_preferred_over_computed_cost(fake, client):
    fake.script(openrouter_ok(prompt=1000, completion=1000, cost=0.0123))

    completion = await client.complete("anthropic/claude-3-opus", PING, prices=Prices(1.0, 1.0))

    assert completion.cost_usd == 0.0123
    assert completion.cost_source == "provider"


async def test_without_reported_cost_prices_are_used(fake, client):
    fake.script(openrouter_ok(prompt=1000, completion=100, cost=None))

    completion = await client.complete(
        "anthropic/claude-3-opus", PING, prices=Prices.per_million(15.0, 75.0)
    )

    assert completion.cost_usd == pytest.approx(0.015 + 0.0075)
    assert completion.cost_source == "prices"


async def test_without_reported_cost_or_prices_cost_is_none(fake, client):
    fake.script(openrouter_ok(cost=None))
    completion = await client.complete("anthropic/claude-3-opus", PING)
    assert completion.cost_usd is None
    assert completion.cost_source is None


async def test_reported_zero_cost_is_kept(fake, client):
    fake.script(openrouter_ok(cost=0.0))  # free models really cost 0
    completion = await client.complete("meta-llama/llama-3-8b-instruct:free", PING)
    assert (completion.cost_usd, completion.cost_source) == (0.0, "provider")


async def test_error_object_in_200_body_raises_with_its_code(fake, client):
    fake.script(OPENROUTER_ERROR_IN_200)

    with pytest.raises(ProviderHTTPError) as exc_info:
        await client.complete("anthropic/claude-3-opus", PING)

    assert exc_info.value.status_code == 502
    assert exc_info.value.error_type is ErrorType.SERVER_ERROR
    assert exc_info.value.retryable
    assert "error in a 200 body" in str(exc_info.value)
    assert "Provider returned error" in str(exc_info.value)


async def test_rate_limit_in_200_body_is_rate_limited(fake, client):
    fake.script(
        httpx.Response(200, json={"error": {"message": "Rate limit exceeded", "code": 429}})
    )
    with pytest.raises(RateLimited):
        await client.complete("anthropic/claude-3-opus", PING)


async def test_error_without_http_code_in_200_body_is_upstream_error(fake, client):
    fake.script(httpx.Response(200, json={"error": {"message": "something broke"}}))
    with pytest.raises(UpstreamError):
        await client.complete("anthropic/claude-3-opus", PING)


async def test_choice_with_finish_reason_error_raises(fake, client):
    fake.script(OPENROUTER_CHOICE_ERROR)

    with pytest.raises(ProviderHTTPError) as exc_info:
        await client.complete("meta-llama/llama-3-70b-instruct", PING)

    assert exc_info.value.status_code == 502
    assert exc_info.value.error_type is ErrorType.SERVER_ERROR
    assert "Upstream error from Together" in str(exc_info.value)


async def test_finish_reason_error_without_details_is_upstream_error(fake, client):
    body = json.loads(OPENROUTER_CHOICE_ERROR.content)
    del body["choices"][0]["error"]
    fake.script(httpx.Response(200, json=body))

    with pytest.raises(UpstreamError) as exc_info:
        await client.complete("meta-llama/llama-3-70b-instruct", PING)

    assert exc_info.value.error_type is ErrorType.SERVER_ERROR
    assert exc_info.value.retryable


async def test_error_in_200_is_retried_by_the_gateway(fake, http):
    sleeps = Sleeps()
    fake.script(OPENROUTER_CHOICE_ERROR, openrouter_ok())
    gateway = gateway_for(fake, http, sleeps)

    completion = await gateway.complete("openrouter/anthropic/claude-3-opus", PING)

    assert completion.text == "pong"
    assert len(fake.requests) == 2
    assert json.loads(fake.requests[1].content)["model"] == "anthropic/claude-3-opus"
