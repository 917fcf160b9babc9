"""Helpers shared by the provider tests."""

from __future__ import annotations

from typing import Any

import httpx

from selection.providers import ModelGateway, Retrier, RetryPolicy
from tests.selection.providers.fakes import Fake


class Sleeps(list[float]):
    """An async sleep that records the delays instead of waiting."""

    async def __call__(self, delay: float) -> None:
        self.append(delay)


def retrier(sleeps: Sleeps, **policy: Any) -> Retrier:
    """A retrier with no jitter (the bound itself) and a recording sleep."""
    return Retrier(RetryPolicy(**policy), jitter=lambda bound: bound, sleep=sleeps)


def gateway_for(
    fake: Fake, http: httpx.AsyncClient, sleeps: Sleeps, *, key: str | None = None, **kw: Any
) -> ModelGateway:
    """A gateway serving the fake's provider alone."""
    client = fake.client(http, key or fake.key)
    kw.setdefault("retrier", retrier(sleeps))
    return ModelGateway({client.provider: client}, **kw)
