"""The server's added latency over calling the provider directly, and its requests per second.

Run: .venv/bin/python bench/bench_server.py [--requests 400] [--model genesis-prime/auto]
     [--clients 1,10,100] [--server-root PATH ...] [--in-process]

Three processes on 127.0.0.1: a fake OpenAI-compatible provider that answers at once (a raw
ASGI app under uvicorn), ``genesis-prime serve --no-auth`` (one uvicorn worker, SQLite in a
temporary folder) whose provider keys and base URLs point at the fake, and this script's
httpx clients. At 1, 10 and 100 concurrent clients each client sends rounds of the same
non-streamed request, one to the fake directly and one through each server, ``--requests``
rounds per level; a round puts all under the same load of a shared machine. Prints p50 and
p99 of each, the added latency (p50 and p99 of the per-round difference, server minus
direct), the server's requests per second (served requests over the time spent on them)
and the server process's CPU time per request (user + system, from ``/proc``: the figure a
loaded machine disturbs least). Every served request is routed by the selector and
recorded in SQLite, so the figures include the selection and the write. ``--server-root``
serves from another checkout; given twice or more (``--server-root /path/to/main
--server-root .``) it starts one server per checkout and compares them in one run, the
order within each round rotating so that none is favoured. The machine is shared: trust
medians and ratios.

``--in-process`` times the app alone, with no socket on either side: requests through
``httpx.ASGITransport`` to the app, whose provider is an ``httpx.MockTransport`` answering
at once; every request is still routed, recorded and authenticated. To time another
checkout's app, put it first on ``PYTHONPATH``.
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
    direct_url: str, served_urls: list[str], body: dict[str, Any], clients: int, total: int
) -> tuple[list[float], list[list[float]], list[float]]:
    """Direct calls, each server's calls (in a rotating order) and each server's req/s."""
    n = len(served_urls)
    limits = httpx.Limits(
        max_connections=(n + 1) * clients, max_keepalive_connections=(n + 1) * clients
    )
    rounds: list[tuple[float, list[float]]] = []
    queue = iter(range(total))
    async with httpx.AsyncClient(limits=limits, timeout=120) as http:
        await http.post(direct_url, json=BODY)  # warm the connections and the servers
        for url in served_urls:
            await http.post(url, json=body)

        async def timed(url: str, payload: dict[str, Any]) -> float:
            start = time.perf_counter()
            response = await http.post(url, json=payload)
            elapsed = time.perf_counter() - start
            response.raise_for_status()
            return elapsed

        async def worker() -> None:
            for i in queue:
                direct = await timed(direct_url, BODY)
                served = [0.0] * n
                for k in range(n):  # rotate which server goes first: no order favours one
                    j = (i + k) % n
                    served[j] = await timed(served_urls[j], body)
                rounds.append((direct, served))

        await asyncio.gather(*(worker() for _ in range(clients)))
    direct = [d for d, _ in rounds]
    served = [[s[j] for _, s in rounds] for j in range(n)]
    # Each client spends its served requests' time in the server: requests per second of
    # the server alone, as if only its requests had been sent.
    rps = [total / (sum(times) / clients) for times in served]
    return direct, served, rps


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process (Linux ``/proc``), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1000


async def _in_process(requests: int, model: str) -> list[float]:
    """Seconds per request of the app alone: ASGI in memory, the provider a MockTransport."""
    from pydantic import SecretStr

    from selection import DynamicModelManager
    from selection.providers import ModelGateway, ProviderConfig, ProviderSettings
    from server import create_app

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=_ANSWER, headers={"content-type": "application/json"})

    configs = {
        name: ProviderConfig(base_url=f"https://{name}.test/v1", api_key=SecretStr("sk-bench"))
        for name in ("openai", "openrouter", "mistral")
    }
    upstream = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    gateway = ModelGateway.from_settings(ProviderSettings(providers=configs), http=upstream)
    body = {**BODY, "model": model}
    times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        manager = DynamicModelManager(f"sqlite:///{tmp}/bench.db", gateway=gateway)
        app = create_app(manager, gateway, api_key=SecretStr("gp-bench"))
        transport = httpx.ASGITransport(app=app)
        headers = {"authorization": "Bearer gp-bench"}
        async with (
            upstream,
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://app", headers=headers) as c,
        ):
            for _ in range(50):  # warm up
                (await c.post("/v1/chat/completions", json=body)).raise_for_status()
            for _ in range(requests):
                start = time.perf_counter()
                response = await c.post("/v1/chat/completions", json=body)
                times.append(time.perf_counter() - start)
                response.raise_for_status()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per level (400)")
    parser.add_argument("--model", default="genesis-prime/auto", help="model asked of the server")
    parser.add_argument(
        "--clients", default="1,10,100", help="concurrency levels, comma-separated (1,10,100)"
    )
    parser.add_argument(
        "--server-root",
        type=Path,
        action="append",
        help="checkout to serve from (this one); repeat to compare checkouts in one run",
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="time the app alone (no sockets; the provider a MockTransport), 1 client",
    )
    args = parser.parse_args()
    if args.in_process:
        import server as app_package

        times = asyncio.run(_in_process(args.requests, args.model))
        print(f"app from {Path(app_package.__file__).parent.parent}")
        print(
            f"in process, {args.requests} requests: p50 {_p(times, 50):.2f} ms, "
            f"p99 {_p(times, 99):.2f} ms (target: under 2 ms added at p50)"
        )
        return
    fake_port = _free_port()
    fake_url = f"http://127.0.0.1:{fake_port}/v1"
    roots = [r.resolve() for r in (args.server_root or [ROOT])]
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
        servers: list[tuple[Path, subprocess.Popen[bytes], int]] = []
        try:
            for n, root in enumerate(roots):
                port = _free_port()
                server = subprocess.Popen(
                    [sys.executable, "-m", "scenarios.cli", "serve", "--no-auth", "--port",
                     str(port), "--db", f"sqlite:///{tmp}/bench{n}.db"],
                    cwd=root, env={**env, "PYTHONPATH": str(root)}, stdout=subprocess.PIPE,
                )  # fmt: skip
                servers.append((root, server, port))
            _wait(f"{fake_url}/chat/completions")
            for k, (root, server, port) in enumerate(servers, 1):
                _wait(f"http://127.0.0.1:{port}/health")
                assert server.stdout is not None
                started = server.stdout.readline().decode().strip()
                print(f"server {k} from {root}: {started}")
            body = {**BODY, "model": args.model}
            urls = [f"http://127.0.0.1:{port}/v1/chat/completions" for _, _, port in servers]
            print(f"{args.requests} request rounds per level (direct, then each server), "
                  f"model {args.model!r}; load average {os.getloadavg()[0]:.1f}")  # fmt: skip
            print(
                "clients  server  direct p50/p99 ms  server p50/p99 ms  added p50/p99 ms"
                "  server req/s  server CPU ms/req"
            )
            for clients in (int(c) for c in args.clients.split(",")):
                cpu = [_cpu_seconds(server.pid) for _, server, _ in servers]
                direct, served, rps = asyncio.run(
                    _load(f"{fake_url}/chat/completions", urls, body, clients, args.requests)
                )
                for k, (_, server, _) in enumerate(servers):
                    cpu_ms = (_cpu_seconds(server.pid) - cpu[k]) * 1000 / (args.requests + 1)
                    added = [s - d for s, d in zip(served[k], direct, strict=True)]
                    print(
                        f"{clients:>7}  {k + 1:>6}  {_p(direct, 50):>7.2f} / {_p(direct, 99):<7.2f}"
                        f"  {_p(served[k], 50):>7.2f} / {_p(served[k], 99):<7.2f}"
                        f"  {_p(added, 50):>6.2f} / {_p(added, 99):<7.2f}  {rps[k]:>10.0f}"
                        f"  {cpu_ms:>10.2f}"
                    )
        finally:
            for _, process, _ in servers:
                process.terminate()
                process.wait(10)
            fake.terminate()
            fake.wait(10)


if __name__ == "__main__":
    main()
