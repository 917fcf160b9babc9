"""The test-suite guard itself: no test can reach a real host by accident."""

from __future__ import annotations

import httpx
import pytest

from selection.providers import (
    Message,
    OpenAICompatibleClient,
    ProviderConnectionError,
    RealRequestsBlockedError,
    allow_real_requests,
    default_http_client,
)


def test_default_client_factory_refuses_without_a_transport():
    with pytest.raises(RealRequestsBlockedError, match="inject a transport"):
        default_http_client()


async def test_default_client_factory_accepts_an_injected_transport():
    transport = httpx.MockTransport(lambda request: httpx.Response(204))
    async with default_http_client(transport=transport) as http:
        assert (await http.get("https://api.openai.com/v1/models")).status_code == 204


async def test_allow_real_requests_restores_the_previous_setting():
    with allow_real_requests(True):
        http = default_http_client()
    await http.aclose()
    with pytest.raises(RealRequestsBlockedError):
        default_http_client()


@pytest.mark.parametrize("url", ["https://api.openai.com/v1", "http://203.0.113.7/v1"])
async def test_even_a_hand_made_client_cannot_leave_the_machine(url):
    async with httpx.AsyncClient(timeout=2.0) as http:  # no transport: the real network
        client = OpenAICompatibleClient(http=http, base_url=url)
        with pytest.raises(ProviderConnectionError) as exc_info:
            await client.complete("gpt-4o", [Message.user("hi")])
    assert any("tests may not" in str(e) for e in _chain(exc_info.value))


def _chain(exc: BaseException | None) -> list[BaseException]:
    found = []
    while exc is not None:
        found.append(exc)
        exc = exc.__cause__ or exc.__context__
    return found
