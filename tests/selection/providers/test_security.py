"""A canary key must never show up in a repr, a str, an exception or a log line."""

from __future__ import annotations

import logging
import traceback

import httpx
import pytest
from pydantic import SecretStr

from selection.errors import ProviderError
from selection.providers import (
    AllModelsFailedError,
    Message,
    OpenAICompatibleClient,
    ProviderSettings,
)
from tests.selection.providers.fakes import CANARY, Fake, read_timeout
from tests.selection.providers.support import Sleeps, gateway_for

PING = [Message.user("ping")]


def assert_no_canary(*texts: str) -> None:
    for text in texts:
        assert CANARY not in text


def exception_texts(exc: BaseException) -> list[str]:
    return [str(exc), repr(exc), "".join(traceback.format_exception(exc))]


@pytest.mark.parametrize("path", ["401", "500", "timeout"])
async def test_canary_key_never_leaks(
    fake: Fake, http: httpx.AsyncClient, path: str, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    if path == "401":
        fake.script(fake.ok())  # the fake expects another key, so it answers its auth error
    else:
        fake.key = CANARY  # accepted, but the server fails
        fake.script(fake.errors["500"] if path == "500" else read_timeout)
    sleeps = Sleeps()
    gateway = gateway_for(fake, http, sleeps, key=CANARY)
    client = gateway.route(fake.model_id)[1]

    with pytest.raises(AllModelsFailedError) as exc_info:
        await gateway.complete_with_fallback([fake.model_id], PING)

    assert fake.requests, "the fake was called"
    assert_no_canary(
        repr(client),
        str(client),
        repr(gateway),
        caplog.text,
        *exception_texts(exc_info.value),
        *(repr(a) for a in exc_info.value.attempts),
    )
    if path == "500":
        assert "retry" in caplog.text  # the retries were logged, without the key


async def test_a_key_echoed_in_an_error_body_is_redacted(caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)

    def echoes_key(request: httpx.Request) -> httpx.Response:
        sent = request.headers["authorization"].removeprefix("Bearer ")
        return httpx.Response(401, json={"error": {"message": f"Incorrect API key: {sent}"}})

    async with httpx.AsyncClient(transport=httpx.MockTransport(echoes_key)) as http:
        client = OpenAICompatibleClient(http=http, api_key=SecretStr(CANARY))
        with pytest.raises(ProviderError) as exc_info:
            await client.complete("gpt-4o", PING)

    assert "Incorrect API key: ***" in str(exc_info.value)
    assert_no_canary(*exception_texts(exc_info.value), caplog.text, repr(client))


def test_settings_never_show_the_key():
    settings = ProviderSettings.from_env(
        dict.fromkeys(("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"), CANARY)
    )
    assert_no_canary(repr(settings), str(settings), settings.model_dump_json())
