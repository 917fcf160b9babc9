"""Retry-After parsing and the Retrier's backoff, jitter and give-up rules."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import numpy as np
import pytest

from selection.providers import (
    ErrorType,
    ProviderHTTPError,
    ProviderResponseError,
    ProviderTimeout,
    RateLimited,
    Retrier,
    RetryPolicy,
    full_jitter,
    parse_retry_after,
)
from tests.selection.providers.support import Sleeps, retrier

NOW = datetime(2024, 7, 15, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"retry-after": "7"}, 7.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"retry-after": "-3"}, None),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "nan"}, None),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after-ms": "bogus", "retry-after": "9"}, 9.0),
        ({"retry-after": "Mon, 15 Jul 2024 12:00:30 GMT"}, 30.0),
        ({"retry-after": "Mon, 15 Jul 2024 11:59:00 GMT"}, 0.0),
    ],
    ids=[
        "absent",
        "seconds",
        "fractional",
        "negative",
        "garbage",
        "nan",
        "ms",
        "ms-wins",
        "bad-ms-falls-back",
        "http-date",
        "date-in-the-past",
    ],
)
def test_parse_retry_after(headers, expected):
    assert parse_retry_after(httpx.Headers(headers), now=NOW) == expected


def test_http_date_is_measured_against_the_date_header():
    headers = httpx.Headers(
        {"retry-after": "Mon, 15 Jul 2024 12:00:10 GMT", "date": "Mon, 15 Jul 2024 12:00:04 GMT"}
    )
    assert parse_retry_after(headers) == 6.0


def test_http_date_without_any_reference_is_ignored():
    assert (
        parse_retry_after(httpx.Headers({"retry-after": "Mon, 15 Jul 2024 12:00:10 GMT"})) is None
    )


def _http_error(status: int, retry_after: float | None = None) -> ProviderHTTPError:
    from selection.errors import http_error

    return http_error(status, "body", provider="p", retry_after=retry_after)


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 529])
def test_retryable_statuses(status):
    assert Retrier(RetryPolicy(), jitter=lambda b: b).next_delay(_http_error(status), 0) == 0.5


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 422])
def test_other_4xx_are_not_retried(status):
    assert Retrier(RetryPolicy(), jitter=lambda b: b).next_delay(_http_error(status), 0) is None


def test_backoff_doubles_up_to_max_delay():
    r = Retrier(RetryPolicy(max_attempts=10, base_delay=0.5, max_delay=3.0), jitter=lambda b: b)
    delays = [r.next_delay(_http_error(503), n) for n in range(6)]
    assert delays == [0.5, 1.0, 2.0, 3.0, 3.0, 3.0]


def test_no_delay_once_attempts_are_used_up():
    r = Retrier(RetryPolicy(max_attempts=2), jitter=lambda b: b)
    assert r.next_delay(_http_error(503), 0) == 0.5
    assert r.next_delay(_http_error(503), 1) is None


def test_retry_after_is_used_as_is_without_jitter():
    r = Retrier(RetryPolicy(), jitter=lambda b: 0.0)
    assert r.next_delay(_http_error(429, retry_after=4.0), 0) == 4.0


def test_retry_after_beyond_the_limit_gives_up():
    r = Retrier(RetryPolicy(max_retry_after=10.0), jitter=lambda b: b)
    assert r.next_delay(_http_error(429, retry_after=3600.0), 0) is None


def test_full_jitter_is_seeded_and_bounded():
    draws = [full_jitter(np.random.default_rng(7))(2.0) for _ in range(2)]
    assert draws[0] == draws[1]
    jitter = full_jitter(np.random.default_rng(7))
    values = [jitter(2.0) for _ in range(1000)]
    assert min(values) >= 0.0
    assert max(values) <= 2.0
    assert np.mean(values) == pytest.approx(1.0, abs=0.1)


def test_jitter_outside_the_bound_is_clamped():
    assert Retrier(jitter=lambda b: b * 5).next_delay(_http_error(500), 0) == 0.5
    assert Retrier(jitter=lambda b: -1.0).next_delay(_http_error(500), 0) == 0.0


def test_errors_built_directly_follow_the_same_rules():
    r = Retrier(RetryPolicy(), jitter=lambda b: b)
    assert r.next_delay(ProviderTimeout("slow", provider="sim"), 0) == 0.5
    assert r.next_delay(ProviderHTTPError("x", provider="sim", status_code=502), 0) == 0.5
    assert r.next_delay(ProviderHTTPError("x", provider="sim", status_code=400), 0) is None


async def test_run_reports_every_failure_and_returns_the_success():
    sleeps = Sleeps()
    failures: list[tuple[ErrorType, float]] = []
    answers: list[Exception | str] = [
        RateLimited("slow down", provider="p", retry_after=1.25),
        _http_error(503),
        "ok",
    ]

    async def call() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    result = await retrier(sleeps).run(call, on_failure=lambda t, s: failures.append((t, s)))

    assert result == "ok"
    assert sleeps == [1.25, 1.0]
    assert [t for t, _ in failures] == [ErrorType.RATE_LIMITED, ErrorType.SERVER_ERROR]
    assert all(seconds >= 0 for _, seconds in failures)


async def test_run_does_not_retry_malformed_answers():
    sleeps = Sleeps()
    calls = 0

    async def call() -> str:
        nonlocal calls
        calls += 1
        raise ProviderResponseError("not JSON", provider="p")

    with pytest.raises(ProviderResponseError):
        await retrier(sleeps).run(call)
    assert (calls, sleeps) == (1, [])


async def test_run_lets_non_provider_errors_through_at_once():
    async def call() -> str:
        raise KeyError("bug")

    with pytest.raises(KeyError):
        await retrier(Sleeps()).run(call)


@pytest.mark.parametrize(
    "kwargs", [{"max_attempts": 0}, {"base_delay": -1.0}, {"max_retry_after": -1.0}]
)
def test_policy_rejects_nonsense(kwargs):
    with pytest.raises(ValueError):  # noqa: PT011
        RetryPolicy(**kwargs)
