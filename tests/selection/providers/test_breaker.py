"""The per-model circuit breaker, alone and inside the gateway."""

from __future__ import annotations

import httpx
import pytest

from selection.providers import (
    BreakerState,
    CircuitBreaker,
    CircuitOpenError,
    ErrorType,
    Message,
    ModelGateway,
    ProviderHTTPError,
)
from tests.selection.providers.fakes import openai_fake, openai_ok
from tests.selection.providers.support import Sleeps, retrier

PING = [Message.user("ping")]


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def breaker(clock) -> CircuitBreaker:
    return CircuitBreaker(failure_threshold=3, cooldown=30.0, clock=clock)


def test_opens_after_n_consecutive_failures(breaker):
    for _ in range(2):
        assert breaker.allow("m")
        breaker.record_failure("m")
    assert breaker.state("m") is BreakerState.CLOSED
    breaker.record_failure("m")
    assert breaker.state("m") is BreakerState.OPEN
    assert not breaker.allow("m")


def test_a_success_resets_the_count(breaker):
    breaker.record_failure("m")
    breaker.record_failure("m")
    breaker.record_success("m")
    breaker.record_failure("m")
    breaker.record_failure("m")
    assert breaker.state("m") is BreakerState.CLOSED


def test_keys_are_independent(breaker):
    for _ in range(3):
        breaker.record_failure("a")
    assert not breaker.allow("a")
    assert breaker.allow("b")


def test_half_open_after_cooldown_lets_one_probe_through(breaker, clock):
    for _ in range(3):
        breaker.record_failure("m")
    clock.now += 29.9
    assert not breaker.allow("m")
    clock.now += 0.1
    assert breaker.state("m") is BreakerState.HALF_OPEN
    assert breaker.allow("m")
    assert not breaker.allow("m")  # only one probe at a time


def test_probe_success_closes(breaker, clock):
    for _ in range(3):
        breaker.record_failure("m")
    clock.now += 30
    assert breaker.allow("m")
    breaker.record_success("m")
    assert breaker.state("m") is BreakerState.CLOSED
    assert breaker.allow("m")
    assert breaker.allow("m")


def test_probe_failure_reopens_for_another_cooldown(breaker, clock):
    for _ in range(3):
        breaker.record_failure("m")
    clock.now += 30
    assert breaker.allow("m")
    breaker.record_failure("m")
    assert breaker.state("m") is BreakerState.OPEN
    clock.now += 29
    assert not breaker.allow("m")
    clock.now += 1
    assert breaker.allow("m")


def test_release_frees_the_probe(breaker, clock):
    for _ in range(3):
        breaker.record_failure("m")
    clock.now += 30
    assert breaker.allow("m")
    breaker.release("m")
    assert breaker.state("m") is BreakerState.HALF_OPEN
    assert breaker.allow("m")


def test_threshold_must_be_positive():
    with pytest.raises(ValueError, match="failure_threshold"):
        CircuitBreaker(failure_threshold=0)


async def test_gateway_stops_calling_a_failing_model_then_probes(breaker, clock):
    fake = openai_fake()
    server_error = fake.errors["500"]
    fake.script(server_error)
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake.handler)) as http:
        client = fake.client(http)
        gateway = ModelGateway(
            {"openai": client}, retrier=retrier(Sleeps(), max_attempts=1), breaker=breaker
        )
        for _ in range(3):
            with pytest.raises(ProviderHTTPError) as exc_info:
                await gateway.complete("openai/gpt-4o", PING)
            assert exc_info.value.error_type is ErrorType.SERVER_ERROR
        assert len(fake.requests) == 3

        with pytest.raises(CircuitOpenError) as open_info:
            await gateway.complete("openai/gpt-4o", PING)
        assert open_info.value.error_type is ErrorType.CIRCUIT_OPEN
        assert len(fake.requests) == 3  # no HTTP request while open

        clock.now += 30
        fake.script(server_error, openai_ok())
        fake.requests.clear()
        with pytest.raises(ProviderHTTPError):  # the probe fails
            await gateway.complete("openai/gpt-4o", PING)
        assert len(fake.requests) == 1
        assert gateway.breaker.state("openai/gpt-4o") is BreakerState.OPEN

        clock.now += 30
        fake.script(openai_ok())
        assert (await gateway.complete("openai/gpt-4o", PING)).text == "pong"
        assert gateway.breaker.state("openai/gpt-4o") is BreakerState.CLOSED


async def test_bad_requests_do_not_trip_the_breaker(breaker):
    fake = openai_fake().script(
        httpx.Response(400, json={"error": {"message": "bad", "type": "invalid_request_error"}})
    )
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake.handler)) as http:
        gateway = ModelGateway(
            {"openai": fake.client(http)}, retrier=retrier(Sleeps()), breaker=breaker
        )
        for _ in range(5):
            with pytest.raises(ProviderHTTPError):
                await gateway.complete("openai/gpt-4o", PING)
    assert breaker.state("openai/gpt-4o") is BreakerState.CLOSED
    assert len(fake.requests) == 5
