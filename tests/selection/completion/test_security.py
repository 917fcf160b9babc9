"""A canary key never reaches stored records, logs, reprs, exceptions or the CLI's output."""

from __future__ import annotations

import argparse
import logging
import traceback

import pytest

from selection.ask_cli import add_ask_command
from selection.cli import run_handler
from selection.completion import CompletionFailedError, CompletionService
from selection.judges import ModelJudge
from selection.providers import Message
from tests.selection.completion.conftest import QUALITY, ROUTED, TASK, small_catalog
from tests.selection.completion.test_ask_cli import records
from tests.selection.providers.fakes import CANARY, openrouter_ok, read_timeout

ASK = [Message.user("ping")]


def assert_no_canary(*texts: str) -> None:
    for text in texts:
        assert CANARY not in text


def exception_texts(exc: BaseException) -> list[str]:
    return [str(exc), repr(exc), "".join(traceback.format_exception(exc))]


async def test_canary_key_never_reaches_records_logs_or_errors(
    manager, make_gateway, fakes, caplog
):
    caplog.set_level(logging.DEBUG)
    gateway = make_gateway(key=CANARY)
    judge = ModelJudge(gateway, ROUTED)
    svc = CompletionService.for_manager(manager, gateway, judge=judge, store_prompt=True)
    fakes.openai.script(fakes.openai.errors["500"])
    fakes.anthropic.script(read_timeout)
    fakes.openrouter.script(openrouter_ok('{"score": 0.7}'))

    outcome = await svc.complete(TASK, ASK, QUALITY, request_id="ok")
    fakes.openrouter.script(fakes.openrouter.errors["500"])
    with pytest.raises(CompletionFailedError) as exc_info:
        await svc.complete(TASK, ASK, QUALITY, request_id="failed")

    assert [r.error_type for r in outcome.records[:-1]] == ["server_error"] * 2 + ["timeout"] * 2
    rows = await manager.store.fetch_records(limit=100)
    assert len(rows) == len(outcome.records) + len(exc_info.value.records)
    assert all(request.headers for f in (fakes.openai, fakes.anthropic) for request in f.requests)
    assert_no_canary(
        *(row.model_dump_json() for row in rows),
        caplog.text,
        repr(outcome),
        repr(svc),
        repr(gateway),
        repr(judge),
        *exception_texts(exc_info.value),
    )


async def test_a_rejected_canary_key_is_recorded_as_authentication_only(
    manager, make_gateway, fakes, caplog
):
    caplog.set_level(logging.DEBUG)
    gateway = make_gateway(key=CANARY)
    for fake in (fakes.openai, fakes.anthropic, fakes.openrouter):
        fake.key = "sk-the-server-wants-this-one"  # so every call answers its 401

    with pytest.raises(CompletionFailedError) as exc_info:
        await CompletionService.for_manager(manager, gateway).complete(TASK, ASK, QUALITY)

    assert {r.error_type for r in exc_info.value.records} == {"authentication"}
    rows = await manager.store.fetch_records()
    assert_no_canary(*(r.model_dump_json() for r in rows), caplog.text)
    assert_no_canary(*exception_texts(exc_info.value))


def test_the_cli_never_prints_or_stores_the_key(capsys, caplog, fakes, sqlite_url, tmp_path):
    caplog.set_level(logging.DEBUG)
    catalog = tmp_path / "catalog.json"
    small_catalog().save(catalog)
    for fake in (fakes.openai, fakes.anthropic, fakes.openrouter):
        fake.key = CANARY
    fakes.openai.script(fakes.openai.errors["500"])
    parser = argparse.ArgumentParser()
    add_ask_command(
        parser.add_subparsers(dest="command", required=True),
        environ=fakes.environ(CANARY),
        transport=fakes.transport(),
    )
    argv = ["ask", TASK, "ping", "--db", sqlite_url, "--catalog", str(catalog), "--json",
            "--retries", "1"]  # fmt: skip

    assert run_handler(parser.parse_args(argv)) == 0

    out, err = capsys.readouterr()
    assert fakes.openai.requests[0].headers["authorization"] == f"Bearer {CANARY}"
    assert '"model_id": "anthropic/claude-3-opus-20240229"' in out  # after gpt-4o's 500
    assert_no_canary(out, err, caplog.text, *(r.model_dump_json() for r in records(sqlite_url)))
