"""Fixtures for the completion tests: a small catalog, fakes behind one transport, a manager."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import httpx
import numpy as np
import pytest

from selection import DynamicModelManager, ModelCatalog, ModelSpec, SimClock, open_store
from selection.providers import CircuitBreaker, ModelGateway
from tests.selection.providers.conftest import _no_real_network  # noqa: F401  (autouse)
from tests.selection.providers.fakes import (
    Fake,
    anthropic_fake,
    openai_fake,
    openrouter_fake,
)
from tests.selection.providers.support import Sleeps, retrier

TASK = "technical_explanation"
GPT = "openai/gpt-4o"
CLAUDE = "anthropic/claude-3-opus-20240229"
ROUTED = "openrouter/anthropic/claude-3-opus"  # no catalog price: OpenRouter reports the cost
MISTRAL = "mistral/mistral-large-latest"  # no client in the gateway: left out of the chain
QUALITY = {"quality": 1.0}  # ranks by the catalog's quality prior: GPT, CLAUDE, ROUTED, MISTRAL
START = datetime(2025, 1, 1, tzinfo=UTC)


def small_catalog() -> ModelCatalog:
    return ModelCatalog(
        [
            ModelSpec(
                id=GPT,
                provider="openai",
                input_cost_per_1k_tokens=0.0025,
                output_cost_per_1k_tokens=0.01,
                context_length=128_000,
                quality_prior=0.95,
            ),
            ModelSpec(
                id=CLAUDE,
                provider="anthropic",
                input_cost_per_1k_tokens=0.015,
                output_cost_per_1k_tokens=0.075,
                context_length=200_000,
                quality_prior=0.85,
            ),
            ModelSpec(id=ROUTED, provider="openrouter", context_length=200_000, quality_prior=0.7),
            ModelSpec(
                id=MISTRAL,
                provider="mistral",
                input_cost_per_1k_tokens=0.002,
                output_cost_per_1k_tokens=0.006,
                context_length=128_000,
                quality_prior=0.5,
            ),
        ]
    )


class Fakes:
    """The three providers' fakes, reachable through one transport by host name."""

    def __init__(self) -> None:
        self.openai = openai_fake()
        self.anthropic = anthropic_fake()
        self.openrouter = openrouter_fake()
        self.by_host: dict[str, Fake] = {
            f"{f.name}.test": f for f in (self.openai, self.anthropic, self.openrouter)
        }
        self.openai.script(self.openai.ok())
        self.anthropic.script(self.anthropic.ok())
        self.openrouter.script(self.openrouter.ok())

    def handler(self, request: httpx.Request) -> httpx.Response:
        return self.by_host[request.url.host].handler(request)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    def environ(self, key: str) -> dict[str, str]:
        """Environment variables that point every provider at its fake."""
        return {
            "OPENAI_API_KEY": key,
            "OPENAI_BASE_URL": "https://openai.test/v1",
            "ANTHROPIC_API_KEY": key,
            "ANTHROPIC_BASE_URL": "https://anthropic.test",
            "OPENROUTER_API_KEY": key,
            "OPENROUTER_BASE_URL": "https://openrouter.test/api/v1",
        }


@pytest.fixture
def fakes() -> Fakes:
    return Fakes()


@pytest.fixture
def clock() -> SimClock:
    return SimClock(START)


@pytest.fixture
async def make_gateway(fakes: Fakes) -> AsyncIterator[Callable[..., ModelGateway]]:
    clients: list[httpx.AsyncClient] = []

    def make(*, key: str | None = None, providers=("openai", "anthropic", "openrouter"), **kw):
        http = httpx.AsyncClient(transport=fakes.transport())
        clients.append(http)
        built = {}
        for name in providers:
            fake = getattr(fakes, name)
            if key is not None:
                fake.key = key
            built[name] = fake.client(http, fake.key)
        kw.setdefault("retrier", retrier(Sleeps(), max_attempts=2))
        kw.setdefault("breaker", CircuitBreaker(failure_threshold=10))
        return ModelGateway(built, **kw)

    yield make
    for http in clients:
        await http.aclose()


@pytest.fixture
async def gateway(make_gateway: Callable[..., ModelGateway]) -> ModelGateway:
    return make_gateway()


@pytest.fixture
async def manager(store_url: str, clock: SimClock) -> AsyncIterator[DynamicModelManager]:
    store = open_store(store_url)
    async with DynamicModelManager(
        store=store, catalog=small_catalog(), clock=clock, rng=np.random.default_rng(0)
    ) as opened:
        yield opened
