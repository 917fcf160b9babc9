"""``genesis-prime ask`` and ``sync-models`` against local fakes."""

from __future__ import annotations

import argparse
import asyncio
import json

import httpx
import pytest

from selection import ModelCatalog, open_store
from selection.ask_cli import add_ask_command
from selection.cli import run_handler
from tests.selection.completion.conftest import CLAUDE, GPT, ROUTED, TASK, small_catalog
from tests.selection.completion.test_catalog_sync import LISTING, seed_catalog
from tests.selection.providers.fakes import KEY, openai_ok, openrouter_ok


@pytest.fixture
def catalog_file(tmp_path):
    path = tmp_path / "catalog.json"
    small_catalog().save(path)
    return str(path)


@pytest.fixture
def run(capsys, fakes, sqlite_url, catalog_file):
    def invoke(*argv: str, transport: httpx.AsyncBaseTransport | None = None):
        parser = argparse.ArgumentParser(prog="genesis-prime")
        commands = parser.add_subparsers(dest="command", required=True)
        add_ask_command(
            commands, environ=fakes.environ(KEY), transport=transport or fakes.transport()
        )
        if argv[0] == "ask":
            argv = (*argv, "--db", sqlite_url, "--catalog", catalog_file, "--retries", "1")
        code = run_handler(parser.parse_args(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def records(url: str):
    async def fetch():
        async with open_store(url) as store:
            return await store.fetch_records()

    return asyncio.run(fetch())


def test_ask_prints_the_answer_model_tokens_and_cost(run, fakes, sqlite_url):
    fakes.openai.script(openai_ok("Slow start doubles cwnd each RTT.", prompt=12, completion=3))

    code, out, err = run("ask", TASK, "Explain slow start", "--weights", "quality=1",
                         "--request-id", "cli-1")  # fmt: skip

    assert (code, err) == (0, "")
    assert out.startswith("Slow start doubles cwnd each RTT.")
    assert f"model        {GPT}" in out
    assert "request id   cli-1" in out
    assert "tokens       12 in, 3 out" in out
    assert "cost         $0.000060 (prices)" in out
    assert "quality      not judged" in out
    (record,) = records(sqlite_url)
    assert (record.record_id, record.model_id, record.task_type) == ("cli-1", GPT, TASK)
    assert fakes.openai.body()["messages"] == [{"role": "user", "content": "Explain slow start"}]


def test_ask_flags_an_unknown_cost_and_shows_the_fallback(run, fakes, sqlite_url):
    fakes.openai.script(fakes.openai.errors["500"])
    fakes.anthropic.script(fakes.anthropic.errors["529"])
    fakes.openrouter.script(openrouter_ok("routed", cost=None))

    code, out, _ = run("ask", TASK, "hi", "--weights", "quality=1", "--judge", "user")

    assert code == 0
    assert f"model        {ROUTED} (fallback)" in out
    assert "cost         unknown: no catalog price and none reported" in out
    assert f"attempts     {GPT}: server_error; {CLAUDE}: overloaded; {ROUTED}: answered" in out
    assert "quality      awaiting your rating for request" in out
    stored = {r.model_id: r for r in records(sqlite_url)}
    assert stored[ROUTED].cost is None


def test_ask_when_every_model_fails_exits_1_with_one_line(run, fakes, sqlite_url):
    for fake in (fakes.openai, fakes.anthropic, fakes.openrouter):
        fake.script(fake.errors["500"])

    code, out, err = run("ask", TASK, "hi", "--request-id", "gone")

    assert code == 1
    assert "every model failed (request gone)" in out
    assert "attempts     " in out
    assert err.startswith("genesis-prime: error: fallback: every model failed")
    assert len(err.strip().splitlines()) == 1
    assert sorted(r.record_id for r in records(sqlite_url)) == ["gone#1", "gone#2", "gone#3"]


def test_ask_json_output(run, fakes):
    fakes.openai.script(openai_ok("pong"))
    code, out, _ = run("ask", TASK, "ping", "--weights", "quality=1", "--json", "--store-prompt")
    assert code == 0
    document = json.loads(out)
    assert document["text"] == "pong"
    assert document["model_id"] == GPT
    assert document["records"][0]["context_data"]["messages"][0]["content"] == "ping"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask", "astrology", "hi"], "unknown task type 'astrology'"),
        (["ask", TASK, "hi", "--judge", "oracle"], "unknown judge 'oracle'"),
        (["ask", TASK, "   "], "the prompt is empty"),
        (["ask", TASK, "hi", "--weights", "qualty=1"], "unknown priority factor"),
    ],
)
def test_ask_errors_are_one_line(run, argv, message):
    code, _, err = run(*argv)
    assert code == 1
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_sync_models_writes_the_updated_catalog(run, tmp_path):
    source = tmp_path / "seed.json"
    seed_catalog().save(source)
    target = tmp_path / "synced.json"

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url == "https://openrouter.test/api/v1/models"
        return httpx.Response(200, json={"data": LISTING})

    code, out, _ = run(
        "sync-models",
        "--catalog",
        str(source),
        "--output",
        str(target),
        "--only",
        "newco/",
        transport=httpx.MockTransport(handler),
    )

    assert code == 0
    assert "1 added, 3 updated" in out
    assert "released openrouter/newco/fresh-1 (65,536 tokens, $0.001/$0.002 per 1k)" in out
    assert "not listed by OpenRouter: openrouter/mixtral-8x7b" in out
    synced = ModelCatalog.load(target)
    assert synced.get("openrouter/claude-3-opus").input_cost_per_1k_tokens == 0.015
    assert "openrouter/newco/fresh-1" in synced


def test_sync_models_without_a_file_only_reports(run):
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"data": LISTING}))
    code, out, _ = run("sync-models", "--no-new", transport=transport)
    assert code == 0
    assert "0 added" in out
    assert "not saved: pass --output FILE" in out


def test_rate_amends_the_answer_then_refuses_an_unknown_id(run, fakes, sqlite_url, catalog_file):
    fakes.openai.script(openai_ok("An answer.", prompt=5, completion=2))
    code, _, _ = run("ask", TASK, "A question", "--weights", "quality=1", "--request-id", "q-9")
    assert code == 0
    flags = ("--db", sqlite_url, "--catalog", catalog_file)
    code, out, err = run("rate", "q-9", "0.75", "--quality", "0.5", *flags)
    assert (code, err) == (0, "")
    assert "user_rating 0.75" in out
    [answer] = [r for r in records(sqlite_url) if r.record_id == "q-9"]
    assert (answer.user_rating, answer.quality_score) == (0.75, 0.5)
    code, _, err = run("rate", "nope", "0.5", *flags)
    assert code == 1
    assert "no recorded call has request id 'nope'" in err
