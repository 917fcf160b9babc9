"""The server's added latency over calling the provider directly, and its requests per second.

Run: .venv/bin/python bench/bench_server.py [--requests 400] [--model genesis-prime/auto]

Three processes on 127.0.0.1: a fake OpenAI-compatible provider that answers at once (a raw
ASGI app under uvicorn), ``genesis-prime serve --no-auth`` (one uvicorn worker, SQLite in a
temporary folder) whose provider keys and base URLs point at the fake, and this script's
httpx clients. At 1, 10 and 100 concurrent clients the same non-streamed request is sent
``--requests`` times to the fake directly and then through the server; prints p50 and p99 of
each, the added latency (server minus direct, at p50 and p99), and the server's requests per
second. Every served request is routed by the selector and recorded in SQLite, so the
figure includes the selection and the write. The machine is shared: trust medians and ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
BODY = {"model": "genesis-prime/auto", "messages": [{"role": "user", "content": "Say pong."}]}
_ANSWER = json.dumps(
    {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 0,
        "model": "gpt-3.5-turbo",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "pong"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 9, "completion_tokens": 1, "total_tokens": 10},
    }
).encode()


async def fake_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A provider that answers every chat completion at once (read the body, send JSON)."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": _ANSWER})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"nothing answers at {url}")


async def _load(
    url: str, body: dict[str, Any], clients: int, total: int
) -> tuple[list[float], float]:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    latencies: list[float] = []
    queue = iter(range(total))
    async with httpx.AsyncClient(limits=limits, timeout=60) as http:
        await http.post(url, json=body)  # warm the connection and the server

        async def worker() -> None:
            for _ in queue:
                start = time.perf_counter()
                response = await http.post(url, json=body)
                latencies.append(time.perf_counter() - start)
                response.raise_for_status()

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - start
    return latencies, total / elapsed


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per level (400)")
    parser.add_argument("--model", default="genesis-prime/auto", help="model asked of the server")
    args = parser.parse_args()
    fake_port, server_port = _free_port(), _free_port()
    fake_url = f"http://127.0.0.1:{fake_port}/v1"
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        for name in ("OPENAI", "OPENROUTER", "MISTRAL"):
            env[f"{name}_API_KEY"] = "sk-bench"
            env[f"{name}_BASE_URL"] = fake_url
        fake = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bench.bench_server:fake_app", "--port",
             str(fake_port), "--log-level", "warning", "--no-access-log"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        server = subprocess.Popen(
            [sys.executable, "-m", "scenarios.cli", "serve", "--no-auth", "--port",
             str(server_port), "--db", f"sqlite:///{tmp}/bench.db"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            _wait(f"{fake_url}/chat/completions")
            _wait(f"http://127.0.0.1:{server_port}/health")
            body = {**BODY, "model": args.model}
            print(f"{args.requests} requests per level, model {args.model!r}")
            print("clients  direct p50/p99 ms  server p50/p99 ms  added p50/p99 ms  server req/s")
            for clients in (1, 10, 100):
                direct, _ = asyncio.run(
                    _load(f"{fake_url}/chat/completions", BODY, clients, args.requests)
                )
                served, rps = asyncio.run(
                    _load(
                        f"http://127.0.0.1:{server_port}/v1/chat/completions",
                        body,
                        clients,
                        args.requests,
                    )
                )
                d50, d99, s50, s99 = _p(direct, 50), _p(direct, 99), _p(served, 50), _p(served, 99)
                print(
                    f"{clients:>7}  {d50:>7.2f} / {d99:<7.2f}  {s50:>7.2f} / {s99:<7.2f}"
                    f"  {s50 - d50:>6.2f} / {s99 - d99:<7.2f}  {rps:>8.0f}"
                )
        finally:
            for process in (server, fake):
                process.terminate()
                process.wait(10)


if __name__ == "__main__":
    main()
