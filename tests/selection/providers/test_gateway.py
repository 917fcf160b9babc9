"""ModelGateway: routing to clients, fallback chains and the attempts they report."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from selection.errors import ConfigError
from selection.providers import (
    AllModelsFailedError,
    AnthropicClient,
    Attempt,
    CircuitBreaker,
    ErrorType,
    Message,
    ModelGateway,
    OpenAICompatibleClient,
    Prices,
    ProviderHTTPError,
    ProviderSettings,
    ProviderTimeout,
    allow_real_requests,
)
from tests.selection.providers.fakes import (
    KEY,
    anthropic_fake,
    anthropic_ok,
    openai_fake,
    openai_ok,
)
from tests.selection.providers.support import Sleeps, retrier

PING = [Message.user("ping")]


@pytest.fixture
def openai():
    return openai_fake()


@pytest.fixture
def anthropic():
    return anthropic_fake()


@pytest.fixture
async def gateway(openai, anthropic) -> AsyncIterator[ModelGateway]:
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(openai.handler)) as http_a,
        httpx.AsyncClient(transport=httpx.MockTransport(anthropic.handler)) as http_b,
    ):
        yield ModelGateway(
            {"openai": openai.client(http_a), "anthropic": anthropic.client(http_b)},
            retrier=retrier(Sleeps(), max_attempts=2),
            breaker=CircuitBreaker(failure_threshold=1, cooldown=60.0),
        )


async def test_the_model_id_picks_client_and_upstream_name(gateway, openai, anthropic):
    openai.script(openai_ok())
    anthropic.script(anthropic_ok())

    await gateway.complete("openai/gpt-4o", PING)
    await gateway.complete("anthropic/claude-3-opus-20240229", PING)

    assert openai.body()["model"] == "gpt-4o"
    assert anthropic.body()["model"] == "claude-3-opus-20240229"


async def test_second_model_answers_when_the_first_fails(gateway, openai, anthropic):
    openai.script(openai.errors["500"])
    anthropic.script(anthropic_ok("from claude"))

    result = await gateway.complete_with_fallback(
        ["openai/gpt-4o", "anthropic/claude-3-opus-20240229"],
        PING,
        prices={"anthropic/claude-3-opus-20240229": Prices.per_million(15, 75)},
    )

    assert result.model_id == "anthropic/claude-3-opus-20240229"
    assert result.completion.text == "from claude"
    assert result.completion.cost_source == "prices"
    assert [(a.model_id, a.error_type) for a in result.attempts] == [
        ("openai/gpt-4o", ErrorType.SERVER_ERROR),
        ("openai/gpt-4o", ErrorType.SERVER_ERROR),
        ("anthropic/claude-3-opus-20240229", None),
    ]
    assert all(isinstance(a, Attempt) and a.latency_s >= 0 for a in result.attempts)
    assert result.attempts[-1].latency_s == result.completion.latency_s
    assert result.skipped == ()


async def test_first_model_answering_stops_the_chain(gateway, openai, anthropic):
    openai.script(openai_ok())
    result = await gateway.complete_with_fallback(
        ["openai/gpt-4o", "anthropic/claude-3-opus-20240229"], PING
    )
    assert result.model_id == "openai/gpt-4o"
    assert anthropic.requests == []
    assert [a.error_type for a in result.attempts] == [None]


async def test_open_breakers_are_skipped(gateway, openai, anthropic):
    openai.script(openai.errors["500"])
    anthropic.script(anthropic_ok())
    chain = ["openai/gpt-4o", "anthropic/claude-3-opus-20240229"]
    await gateway.complete_with_fallback(chain, PING)  # opens gpt-4o's breaker (threshold 1)
    openai.requests.clear()

    result = await gateway.complete_with_fallback(chain, PING)

    assert openai.requests == []
    assert result.skipped == ("openai/gpt-4o",)
    assert [a.model_id for a in result.attempts] == ["anthropic/claude-3-opus-20240229"]


async def test_all_failing_raises_with_every_attempt(gateway, openai, anthropic):
    openai.script(openai.errors["500"])
    anthropic.script(anthropic.errors["529"])

    with pytest.raises(AllModelsFailedError) as exc_info:
        await gateway.complete_with_fallback(
            ["openai/gpt-4o", "anthropic/claude-3-opus-20240229"], PING
        )

    error = exc_info.value
    assert [a.error_type for a in error.attempts] == [
        ErrorType.SERVER_ERROR,
        ErrorType.SERVER_ERROR,
        ErrorType.OVERLOADED,
        ErrorType.OVERLOADED,
    ]
    assert isinstance(error.__cause__, ProviderHTTPError)
    assert error.__cause__.status_code == 529
    assert "openai/gpt-4o=server_error" in str(error)


async def test_all_skipped_raises_with_the_skipped_list(gateway, openai):
    openai.script(openai.errors["500"])
    with pytest.raises(AllModelsFailedError):
        await gateway.complete_with_fallback(["openai/gpt-4o"], PING)

    with pytest.raises(AllModelsFailedError) as exc_info:
        await gateway.complete_with_fallback(["openai/gpt-4o"], PING)

    assert exc_info.value.skipped == ("openai/gpt-4o",)
    assert exc_info.value.attempts == ()


async def test_unroutable_and_unconfigured_ids_are_config_errors(gateway):
    with pytest.raises(ConfigError, match="cannot route"):
        await gateway.complete("cohere/command-r", PING)
    with pytest.raises(ConfigError, match="GEMINI_API_KEY"):
        await gateway.complete("google/gemini-1.5-pro", PING)


async def test_call_timeout_bounds_each_try():
    async def stalls(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(10)
        return openai_ok()

    sleeps = Sleeps()
    async with httpx.AsyncClient(transport=httpx.MockTransport(stalls)) as http:
        client = OpenAICompatibleClient(http=http, api_key=SecretStr(KEY))
        gateway = ModelGateway(
            {"openai": client}, retrier=retrier(sleeps, max_attempts=2), call_timeout=0.01
        )
        with pytest.raises(ProviderTimeout) as exc_info:
            await gateway.complete("openai/gpt-4o", PING)

    assert exc_info.value.error_type is ErrorType.TIMEOUT
    assert sleeps == [0.5]


async def test_from_settings_builds_only_configured_providers(anthropic):
    settings = ProviderSettings.from_env(
        {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": "https://anthropic.test"}
    )
    anthropic.script(anthropic_ok())
    async with httpx.AsyncClient(transport=httpx.MockTransport(anthropic.handler)) as http:
        gateway = ModelGateway.from_settings(settings, http=http, retrier=retrier(Sleeps()))
        completion = await gateway.complete("anthropic/claude-3-opus-20240229", PING)
        await gateway.aclose()  # not owned: http stays open
        assert not http.is_closed
        with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
            gateway.route("openai/gpt-4o")
        route, client = gateway.route("local/llama3")  # local needs no key

    assert completion.provider == "anthropic"
    assert route.upstream_model == "llama3"
    assert isinstance(client, OpenAICompatibleClient)
    assert client.base_url == "http://127.0.0.1:11434/v1"
    assert isinstance(gateway.route("anthropic/x")[1], AnthropicClient)


async def test_from_settings_owns_and_closes_the_default_client():
    with allow_real_requests(True):  # builds a client; sends nothing
        async with ModelGateway.from_settings(ProviderSettings()) as gateway:
            _, client = gateway.route("local/llama3")
            assert client.provider == "local"
    with pytest.raises(RuntimeError, match="closed"):  # httpx refuses: the client is closed
        await gateway.complete("local/llama3", PING)
