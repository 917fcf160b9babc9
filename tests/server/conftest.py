"""The server on a real loopback socket, in front of a fake provider."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import SecretStr

from selection import DynamicModelManager, ModelCatalog, ModelSpec
from selection.providers import (
    ModelGateway,
    ProviderConfig,
    ProviderSettings,
    Retrier,
    RetryPolicy,
    default_http_client,
)
from server import create_app
from server.transport import PooledTransport
from server.writer import RecordWriter
from tests.selection.providers.native import KEY as NATIVE_KEY
from tests.selection.providers.native import NativeServer, native_server
from tests.server.upstream import CANARY, Upstream

API_KEY = "gp-server-key"


@dataclass
class Served:
    base_url: str
    upstream: Upstream
    db: Path
    thread: _Thread
    writer: RecordWriter
    manager: DynamicModelManager | None = None

    def run(self, coro: Any) -> Any:
        """Run ``coro`` in the server's event loop (where its manager lives)."""
        assert self.thread.loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self.thread.loop).result(10)

    def flush(self) -> None:
        """Wait until the server's background writer has stored every accepted record."""
        assert self.thread.loop is not None
        asyncio.run_coroutine_threadsafe(self.writer.flush(), self.thread.loop).result(10)

    def records(self) -> list[dict[str, Any]]:
        self.flush()
        with sqlite3.connect(self.db) as conn:
            conn.row_factory = sqlite3.Row
            rows = conn.execute("SELECT * FROM model_performance_records ORDER BY record_id")
            return [dict(r) for r in rows]


class _Thread(threading.Thread):
    def __init__(self, server: uvicorn.Server, sock: socket.socket) -> None:
        super().__init__(daemon=True)
        self.server, self.sock = server, sock
        self.loop: asyncio.AbstractEventLoop | None = None

    def run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self.loop = asyncio.get_running_loop()
        await self.server.serve(sockets=[self.sock])


def _settings() -> ProviderSettings:
    configs = {
        name: ProviderConfig(base_url=f"https://{name}.test/v1", api_key=SecretStr(CANARY))
        for name in ("openai", "openrouter", "mistral")
    }
    return ProviderSettings(providers=configs)


@contextmanager
def _serving(app: Any) -> Iterator[tuple[str, _Thread]]:
    """Serve ``app`` with uvicorn on a loopback socket; yields its /v1 URL and thread."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = _Thread(server, sock)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    port = sock.getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/v1", thread
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    upstream = Upstream()
    http = httpx.AsyncClient(transport=httpx.MockTransport(upstream.handler))
    retrier = Retrier(RetryPolicy(max_attempts=2, base_delay=0.0, max_delay=0.0))
    gateway = ModelGateway.from_settings(_settings(), http=http, retrier=retrier)
    db = tmp_path / "served.db"
    manager = DynamicModelManager(f"sqlite:///{db}", gateway=gateway)
    app = create_app(manager, gateway, api_key=SecretStr(API_KEY))
    with _serving(app) as (base_url, thread):
        yield Served(base_url, upstream, db, thread, app.state.writer, manager)


NATIVE_MODELS = ("anthropic/claude-3-5-sonnet", "gemini/gemini-1.5-pro")


@pytest.fixture
def native_served(tmp_path: Path) -> Iterator[tuple[Served, NativeServer]]:
    """The server in front of Anthropic and Gemini as they speak (a real loopback server)."""
    catalog = ModelCatalog.default()
    for model_id in NATIVE_MODELS:
        provider = model_id.split("/")[0]
        catalog.add(
            ModelSpec(
                id=model_id,
                provider=provider,
                input_cost_per_1k_tokens=0.003,
                output_cost_per_1k_tokens=0.015,
                context_length=200_000,
            )
        )
    with native_server() as native:
        configs = {
            name: ProviderConfig(base_url=native.base_url, api_key=SecretStr(NATIVE_KEY))
            for name in ("anthropic", "gemini")
        }
        # The transport `serve` uses, so that these tests also cover it on a real socket.
        http = default_http_client(transport=PooledTransport())
        gateway = ModelGateway.from_settings(ProviderSettings(providers=configs), http=http)
        db = tmp_path / "native.db"
        manager = DynamicModelManager(f"sqlite:///{db}", gateway=gateway, catalog=catalog)
        app = create_app(manager, gateway, api_key=SecretStr(API_KEY))
        with _serving(app) as (base_url, thread):
            yield Served(base_url, Upstream(), db, thread, app.state.writer), native
            assert thread.loop is not None  # close the connections in the loop that made them
            asyncio.run_coroutine_threadsafe(http.aclose(), thread.loop).result(10)
