"""The provider client's own overhead over plain httpx, against a loopback server.

Run: .venv/bin/python bench/bench_providers.py [--calls 500]

A tiny HTTP/1.1 keep-alive server on 127.0.0.1 (asyncio, same event loop, canned OpenAI
chat-completions answer) is called, interleaved, by:
  * plain httpx: ``http.post(...)`` with the same headers and JSON body, then ``response.json()``
    and reading text and usage out of the dict;
  * ``OpenAICompatibleClient.complete(...)``: builds the body, sends, classifies, validates
    the answer with pydantic, computes cost, returns a frozen ``Completion``;
  * ``ModelGateway.complete(...)``: the same plus routing, breaker and retrier.
Prints the median per call of each and the medians of the paired differences (target: the
client's overhead under 1 ms); then the same three without a socket (httpx.MockTransport),
which shows the CPU cost alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable

import httpx
from pydantic import SecretStr

from selection.providers import (
    Message,
    ModelGateway,
    OpenAICompatibleClient,
    Prices,
    Retrier,
    allow_real_requests,
    default_http_client,
)

KEY = "sk-bench"
MESSAGES = [Message.system("Be brief."), Message.user("Say pong.")]
ANSWER = json.dumps(
    {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1721000000,
        "model": "llama3",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "pong " * 40},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 21, "completion_tokens": 40, "total_tokens": 61},
    }
).encode()
RESPONSE = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
    + f"content-length: {len(ANSWER)}\r\n\r\n".encode()
    + ANSWER
)


_HANDLERS: set[asyncio.Task[None]] = set()


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    task = asyncio.current_task()
    if task is not None:
        _HANDLERS.add(task)
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            writer.write(RESPONSE)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionResetError):
        pass
    finally:
        writer.close()
        await writer.wait_closed()


async def _time(call: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await call()
    return time.perf_counter() - start


async def main(calls: int) -> None:
    server = await asyncio.start_server(_serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    base_url = f"http://127.0.0.1:{port}/v1"
    with allow_real_requests(True):
        http = default_http_client()
    async with server:
        times = await _run(http, base_url, calls)
        await http.aclose()
        # The client's connections are closed; let each handler see EOF and finish.
        await asyncio.gather(*_HANDLERS)
    _report(f"{calls} calls each against a loopback server (127.0.0.1, keep-alive)", times)

    # The same without a socket: the client's CPU cost alone, free of network noise.
    canned = httpx.MockTransport(
        lambda request: httpx.Response(
            200, content=ANSWER, headers={"content-type": "application/json"}
        )
    )
    async with default_http_client(transport=canned) as mock_http:
        times = await _run(mock_http, "http://bench.test/v1", calls)
    _report(f"{calls} calls each in-process (httpx.MockTransport, no socket)", times)


async def _run(http: httpx.AsyncClient, base_url: str, calls: int) -> dict[str, list[float]]:
    client = OpenAICompatibleClient(
        http=http, api_key=SecretStr(KEY), base_url=base_url, provider="local"
    )
    gateway = ModelGateway({"local": client}, retrier=Retrier())
    prices = Prices.per_million(0.1, 0.2)
    body = {
        "model": "llama3",
        "messages": [{"role": m.role, "content": m.content} for m in MESSAGES],
    }
    headers = {"authorization": f"Bearer {KEY}"}

    async def plain() -> object:
        response = await http.post(f"{base_url}/chat/completions", json=body, headers=headers)
        response.raise_for_status()
        data = response.json()
        return data["choices"][0]["message"]["content"], data["usage"]

    async def via_client() -> object:
        return await client.complete("llama3", MESSAGES, prices=prices)

    async def via_gateway() -> object:
        return await gateway.complete("local/llama3", MESSAGES, prices=prices)

    variants = {"plain httpx": plain, "client": via_client, "gateway": via_gateway}
    for call in variants.values():  # warm up the connection and the code paths
        for _ in range(50):
            await call()
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(calls):  # interleaved, so drift hits every variant alike
        for name, call in variants.items():
            times[name].append(await _time(call))
    return times


def _report(title: str, times: dict[str, list[float]]) -> None:
    base = times["plain httpx"]
    print(title)
    for name, samples in times.items():
        print(f"  {name:<12} median {statistics.median(samples) * 1e3:7.3f} ms per call")
    for name in ("client", "gateway"):
        overhead = statistics.median(t - b for t, b in zip(times[name], base, strict=True))
        verdict = "under" if overhead < 1e-3 else "OVER"
        print(
            f"  {name} overhead (median of paired differences): "
            f"{overhead * 1e3:+.3f} ms ({verdict} the 1 ms target)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    asyncio.run(main(parser.parse_args().calls))
