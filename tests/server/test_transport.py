"""The pooled transport against a scripted HTTP/1.1 server on a real loopback socket."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from server.transport import PooledTransport


@dataclass
class Seen:
    """One request as the server read it."""

    connection: int
    method: str
    path: str
    body: bytes


# A reply: the bytes to send (the script may await first), or None to close without answering.
Script = Callable[[Seen, asyncio.StreamWriter], Awaitable[bytes | None]]


def answer(body: bytes, *, status: int = 200, extra: str = "") -> bytes:
    head = f"HTTP/1.1 {status} OK\r\ncontent-length: {len(body)}\r\n{extra}\r\n"
    return head.encode() + body


async def echo(seen: Seen, writer: asyncio.StreamWriter) -> bytes:
    return answer(json.dumps({"path": seen.path, "body": seen.body.decode()}).encode())


@dataclass
class Scripted:
    """A loopback HTTP/1.1 server; ``script`` answers each request."""

    script: Script = echo
    seen: list[Seen] = field(default_factory=list)
    connections: int = 0
    open: int = 0
    most_open: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        self.open += 1
        self.most_open = max(self.most_open, self.open)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                lines = head.decode().split("\r\n")
                method, path, _ = lines[0].split(" ")
                headers = dict(line.lower().split(": ", 1) for line in lines[1:] if line)
                body = await _read_body(reader, headers)
                seen = Seen(number, method, path, body)
                self.seen.append(seen)
                reply = await self.script(seen, writer)
                if reply is None:
                    return
                writer.write(reply)
                await writer.drain()
        finally:
            self.open -= 1
            writer.close()


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "content-length" in headers:
        return await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding") == "chunked":
        parts = []
        while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        await reader.readexactly(2)
        return b"".join(parts)
    return b""


@pytest.fixture
async def scripted() -> AsyncIterator[tuple[Scripted, str]]:
    peer = Scripted()
    server = await asyncio.start_server(peer.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield peer, f"http://127.0.0.1:{port}"
        server.close()


async def test_sequential_requests_reuse_one_connection(scripted):
    peer, url = scripted
    transport = PooledTransport()
    async with httpx.AsyncClient(transport=transport, base_url=url) as http:
        for i in range(5):
            response = await http.post(f"/v1/chat/{i}", json={"n": i})
            assert response.json()["path"] == f"/v1/chat/{i}"
            assert json.loads(response.json()["body"]) == {"n": i}
    assert transport.opened == 1
    assert peer.connections == 1
    assert [s.connection for s in peer.seen] == [1] * 5


async def test_concurrent_requests_are_answered_each_on_its_own_connection_within_the_limit(
    scripted,
):
    peer, url = scripted

    async def slow_echo(seen: Seen, writer: asyncio.StreamWriter) -> bytes:
        await asyncio.sleep(0.02)
        return await echo(seen, writer)

    peer.script = slow_echo
    transport = PooledTransport(max_connections=3)
    async with httpx.AsyncClient(transport=transport, base_url=url) as http:
        responses = await asyncio.gather(*(http.post(f"/r/{i}", content=str(i)) for i in range(12)))
        assert [r.json() for r in responses] == [
            {"path": f"/r/{i}", "body": str(i)} for i in range(12)
        ]
        assert peer.most_open == 3
        await asyncio.gather(*(http.get(f"/again/{i}") for i in range(3)))
    assert transport.opened == 3  # the second round reused the pool


async def test_a_connection_the_peer_closed_while_idle_is_not_reused(scripted):
    peer, url = scripted

    async def answer_and_hang_up(seen: Seen, writer: asyncio.StreamWriter) -> bytes | None:
        writer.write(await echo(seen, writer))
        await writer.drain()
        return None  # closed after the answer, though the answer did not say so

    peer.script = answer_and_hang_up
    transport = PooledTransport()
    async with httpx.AsyncClient(transport=transport, base_url=url) as http:
        assert (await http.post("/a", content="1")).status_code == 200
        await asyncio.sleep(0.05)  # the close reaches the idle connection
        assert (await http.post("/b", content="2")).status_code == 200
    assert transport.opened == 2
    assert [s.method for s in peer.seen] == ["POST", "POST"]


async def test_a_dropped_connection_is_retried_once_for_an_idempotent_request_only(scripted):
    peer, url = scripted

    async def drop_second(seen: Seen, writer: asyncio.StreamWriter) -> bytes | None:
        on_this = [s for s in peer.seen if s.connection == seen.connection]
        return None if len(on_this) == 2 else await echo(seen, writer)

    peer.script = drop_second
    transport = PooledTransport()
    async with httpx.AsyncClient(transport=transport, base_url=url) as http:
        await http.get("/first")
        response = await http.get("/second")  # dropped on the reused connection: sent again
        assert response.json()["path"] == "/second"
        assert [(s.connection, s.path) for s in peer.seen] == [
            (1, "/first"), (1, "/second"), (2, "/second"),
        ]  # fmt: skip
        # A POST may have been acted on: it is not sent twice.
        with pytest.raises(httpx.RemoteProtocolError, match="closed before the answer"):
            await http.post("/charge", content="once")
        assert [s.path for s in peer.seen].count("/charge") == 1


async def test_a_request_that_fails_on_a_new_connection_is_not_retried(scripted):
    peer, url = scripted

    async def hang_up(seen: Seen, writer: asyncio.StreamWriter) -> None:
        return None

    peer.script = hang_up
    async with httpx.AsyncClient(transport=PooledTransport(), base_url=url) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get("/x")
    assert len(peer.seen) == 1


async def test_a_streamed_answer_passes_through_as_it_arrives(scripted):
    peer, url = scripted
    first_read = asyncio.Event()

    async def stream(seen: Seen, writer: asyncio.StreamWriter) -> bytes:
        head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
        writer.write(head + b"transfer-encoding: chunked\r\n\r\n" + b"9\r\ndata: one\r\n")
        await writer.drain()
        await asyncio.wait_for(first_read.wait(), 5)  # the rest only once the first is read
        return b"9\r\ndata: two\r\n0\r\n\r\n"

    peer.script = stream
    transport = PooledTransport()
    async with httpx.AsyncClient(transport=transport, base_url=url) as http:
        async with http.stream("POST", "/v1/chat/completions", content="{}") as response:
            chunks = []
            async for chunk in response.aiter_raw():
                chunks.append(chunk)
                first_read.set()
        assert chunks == [b"data: one", b"data: two"]
        peer.script = echo
        assert (await http.get("/after")).status_code == 200
    assert transport.opened == 1  # the streamed answer was read whole: its connection reused


async def test_a_streamed_request_body_is_sent_chunked(scripted):
    _, url = scripted

    async def parts() -> AsyncIterator[bytes]:
        for part in (b"he", b"", b"llo"):
            yield part

    async with httpx.AsyncClient(transport=PooledTransport(), base_url=url) as http:
        response = await http.post("/up", content=parts())
    assert response.json()["body"] == "hello"


async def test_a_silent_peer_times_out_and_frees_its_connection_slot(scripted):
    peer, url = scripted

    async def silent(seen: Seen, writer: asyncio.StreamWriter) -> bytes:
        if seen.path == "/slow":
            await asyncio.sleep(5)
        return await echo(seen, writer)

    peer.script = silent
    transport = PooledTransport(max_connections=1)
    timeout = httpx.Timeout(5.0, read=0.05, pool=1.0)
    async with httpx.AsyncClient(transport=transport, base_url=url, timeout=timeout) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get("/slow")
        assert (await http.get("/fast")).status_code == 200


async def test_an_unreachable_host_is_a_connect_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: refused
        async with httpx.AsyncClient(transport=PooledTransport()) as http:
            with pytest.raises(httpx.ConnectError):
                await http.get(f"http://127.0.0.1:{port}/")


async def test_a_body_cut_short_is_a_protocol_error(scripted):
    peer, url = scripted

    async def short(seen: Seen, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly this")
        await writer.drain()
        return None

    peer.script = short
    async with httpx.AsyncClient(transport=PooledTransport(), base_url=url) as http:
        with pytest.raises(httpx.RemoteProtocolError, match="middle of the answer"):
            await http.get("/")


async def test_an_idle_connection_past_its_expiry_is_replaced(scripted):
    _, url = scripted
    transport = PooledTransport(keepalive_expiry=0.0)
    async with httpx.AsyncClient(transport=transport, base_url=url) as http:
        await http.get("/a")
        await http.get("/b")
    assert transport.opened == 2


async def test_a_gateway_made_with_the_transport_owns_and_closes_it(scripted):
    from pydantic import SecretStr

    from selection.providers import ModelGateway, ProviderConfig, ProviderSettings

    _, url = scripted
    config = ProviderConfig(base_url=f"{url}/v1", api_key=SecretStr("sk-test"))
    settings = ProviderSettings(providers={"openai": config})
    transport = PooledTransport()
    async with ModelGateway.from_settings(settings, transport=transport):
        pass
    with pytest.raises(RuntimeError, match="closed"):
        await transport.handle_async_request(httpx.Request("GET", f"{url}/"))
    with pytest.raises(ValueError, match="not both"):
        ModelGateway.from_settings(settings, http=httpx.AsyncClient(), transport=transport)


@pytest.fixture
def certificate(tmp_path: Path) -> Path:
    """A self-signed certificate for localhost (key and certificate in one file)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    pem = tmp_path / "localhost.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(pem), "-out", str(tmp_path / "cert.pem"), "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    pem.write_text(pem.read_text() + (tmp_path / "cert.pem").read_text())
    return pem


async def test_https_is_verified_and_its_connections_reused(certificate):
    peer = Scripted()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate)
    server = await asyncio.start_server(peer.handle, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    async with server:
        trusting = PooledTransport(ssl_context=ssl.create_default_context(cafile=certificate))
        async with httpx.AsyncClient(transport=trusting) as http:
            for i in range(3):
                response = await http.post(f"https://localhost:{port}/tls", content=str(i))
                assert response.json() == {"path": "/tls", "body": str(i)}
        assert trusting.opened == 1
        async with httpx.AsyncClient(transport=PooledTransport()) as http:  # certifi's roots
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await http.get(f"https://localhost:{port}/")
