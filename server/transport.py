"""A pooled keep-alive HTTP/1.1 transport for httpx: asyncio protocols and httptools' parser.

The server calls its providers through this transport instead of httpx's default one
(httpcore over anyio, h11's pure-Python parser), which cost about as much CPU per request as
the rest of the server's request path together (``bench/bench_server.py``). Each origin
(scheme, host, port) keeps its idle connections open for ``keepalive_expiry`` seconds and
hands them out most recently used first; at most ``max_connections`` per origin are open,
and a request waits for one up to httpx's pool timeout.

A connection the peer has closed while idle is noticed and dropped before it is reused. A
request whose reused connection breaks before any byte of the answer arrived (the peer
closed it just as the request went out) is sent once more on a new connection only when
its method is idempotent (RFC 9110 9.2.2); a POST fails with :class:`httpx.RemoteProtocolError`
instead, since the provider may have acted on it, and the caller's retry policy decides.

HTTP/1.1 only, without proxies (the server's provider client reads no proxy settings), and
without ``Expect: 100-continue`` or protocol upgrades.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import Any, cast

import httptools
import httpx

__all__ = ["PooledTransport"]

_IDEMPOTENT = frozenset({b"GET", b"HEAD", b"PUT", b"DELETE", b"OPTIONS", b"TRACE"})
_HIGH_WATER = 256 * 1024  # buffered body bytes at which reading from the socket pauses
_Origin = tuple[bytes, bytes, int]


class _Broken(Exception):
    """The connection broke; ``answered`` says whether any byte of the answer had arrived."""

    def __init__(self, message: str, *, answered: bool) -> None:
        super().__init__(message)
        self.answered = answered


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: writes requests, parses answers as the bytes arrive."""

    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._paused = False
        self.closed = False
        self.idle_since = 0.0
        self._begin(head=False)

    def _begin(self, *, head: bool) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self._head = head
        self._received = False
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.headers_done = False
        self.complete = False
        self._keep = False
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._error: _Broken | None = None

    # -- asyncio.Protocol -----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self._received = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(f"the answer is not valid HTTP/1.1 ({exc})")
        self._wake()

    def eof_received(self) -> bool:
        self._ended()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._ended()
        self.closed = True

    # -- httptools callbacks --------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.status = self._parser.get_status_code()
        if 100 <= self.status < 200:  # an interim answer: the real one follows
            self.headers = []
            return
        self.headers_done = True
        if self._head:  # no body follows, whatever the headers say; not reusable
            self.complete = True
            self.close()

    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)
        self._buffered += len(body)
        if self._buffered > _HIGH_WATER and not self._paused and self._transport is not None:
            self._paused = True
            self._transport.pause_reading()

    def on_message_complete(self) -> None:
        if self.headers_done:
            self.complete = True
            # asked now: once this callback returns, the parser has reset for the next answer
            self._keep = self._parser.should_keep_alive()

    # -- used by the transport ------------------------------------------------------------

    @property
    def reusable(self) -> bool:
        return not self.closed and self._transport is not None and not self._transport.is_closing()

    def send(self, data: bytes, *, head: bool) -> None:
        self._begin(head=head)
        assert self._transport is not None
        self._transport.write(data)

    def write(self, data: bytes) -> None:
        if self.closed:
            raise _Broken("the connection closed while the request was sent", answered=False)
        assert self._transport is not None
        self._transport.write(data)

    async def wait(self) -> None:
        """Wait for more of the answer; raises :class:`_Broken` if the connection broke."""
        if self._error is not None:
            raise self._error
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None
        if self._error is not None:
            raise self._error

    async def read_head(self) -> None:
        while not self.headers_done:
            await self.wait()

    def take(self) -> bytes | None:
        """The body bytes buffered so far, or ``None`` when none are."""
        if not self._chunks:
            return None
        data = b"".join(self._chunks) if len(self._chunks) > 1 else self._chunks[0]
        self._chunks.clear()
        self._buffered = 0
        if self._paused and self._transport is not None:
            self._paused = False
            self._transport.resume_reading()
        return data

    def keep_alive(self) -> bool:
        return self.complete and self._keep and self.reusable

    def close(self) -> None:
        self.closed = True
        if self._transport is not None:
            self._transport.close()

    def _ended(self) -> None:
        if self.headers_done and not self.complete and self._error is None:
            if self._parser_reads_to_close():
                self.complete = True  # a body without a length ends with the connection
            else:
                self._fail("the connection closed in the middle of the answer")
        elif not self.headers_done:
            self._fail("the connection closed before the answer")
        self.closed = True
        self._wake()

    def _parser_reads_to_close(self) -> bool:
        names = {n.lower() for n, _ in self.headers}
        return b"content-length" not in names and b"transfer-encoding" not in names

    def _fail(self, message: str) -> None:
        if self._error is None:
            self._error = _Broken(message, answered=self._received)
        self.close()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


class _Pool:
    """The connections of one origin."""

    def __init__(self, limit: int) -> None:
        self.idle: deque[_Connection] = deque()
        self.slots = asyncio.Semaphore(limit)


class _Body(httpx.AsyncByteStream):
    """An answer's body as it arrives; the connection goes back to the pool when read whole."""

    def __init__(
        self, transport: PooledTransport, origin: _Origin, conn: _Connection, read: float | None
    ) -> None:
        self._transport, self._origin, self._conn, self._read = transport, origin, conn, read
        self._released = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        conn = self._conn
        while True:
            data = conn.take()
            if data is not None:
                yield data
                continue
            if conn.complete:
                break
            try:
                async with asyncio.timeout(self._read):
                    await conn.wait()
            except TimeoutError as exc:
                conn.close()
                raise httpx.ReadTimeout("no body bytes in time") from exc
            except _Broken as exc:
                raise httpx.RemoteProtocolError(str(exc)) from exc

    async def aclose(self) -> None:
        if not self._released:
            self._released = True
            self._transport._release(self._origin, self._conn)


class PooledTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 with keep-alive connections per origin, for ``httpx.AsyncClient(transport=)``.

    Args:
        max_connections: Connections open at most per origin.
        keepalive_expiry: Seconds an idle connection is kept for reuse.
        ssl_context: For ``https``; httpx's default (certifi's roots) when ``None``.
    """

    def __init__(
        self,
        *,
        max_connections: int = 100,
        keepalive_expiry: float = 5.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if max_connections < 1 or keepalive_expiry < 0:
            raise ValueError("max_connections must be >= 1 and keepalive_expiry >= 0")
        self._limit = max_connections
        self._expiry = keepalive_expiry
        self._ssl = ssl_context
        self._pools: dict[_Origin, _Pool] = {}
        self._closed = False
        self.opened = 0  # connections opened so far (for tests and benchmarks)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` on a pooled connection; the body streams as it arrives.

        Raises:
            httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ReadTimeout,
            httpx.WriteTimeout, httpx.RemoteProtocolError: as httpx's own transport does.
        """
        if self._closed:
            raise RuntimeError("the transport is closed")
        url = request.url
        scheme = url.raw_scheme
        if scheme not in (b"http", b"https"):
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {scheme.decode()!r}")
        origin = (scheme, url.raw_host, url.port or (443 if scheme == b"https" else 80))
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        head = _head(request)
        body = _body_or_none(request)
        pool = self._pools.get(origin)
        if pool is None:
            pool = self._pools[origin] = _Pool(self._limit)
        try:
            async with asyncio.timeout(timeouts.get("pool")):
                await pool.slots.acquire()
        except TimeoutError as exc:
            raise httpx.PoolTimeout("no connection free in time") from exc
        retry = body is not None and request.method.encode() in _IDEMPOTENT
        try:
            for attempt in (1, 2):
                conn, reused = await self._connection(
                    origin, pool, connect=timeouts.get("connect"), fresh=attempt == 2
                )
                try:
                    await self._exchange(conn, request, head, body, timeouts)
                    break
                except _Broken as exc:
                    conn.close()
                    if attempt == 2 or not (retry and reused and not exc.answered):
                        raise httpx.RemoteProtocolError(str(exc)) from exc
                except BaseException:
                    conn.close()
                    raise
        except BaseException:
            pool.slots.release()
            raise
        return httpx.Response(
            conn.status,
            headers=conn.headers,
            stream=_Body(self, origin, conn, timeouts.get("read")),
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def aclose(self) -> None:
        """Close the idle connections; those in use close when their answer is closed."""
        self._closed = True
        for pool in self._pools.values():
            while pool.idle:
                pool.idle.pop().close()
        self._pools.clear()

    async def _connection(
        self, origin: _Origin, pool: _Pool, *, connect: float | None, fresh: bool = False
    ) -> tuple[_Connection, bool]:
        now = time.monotonic()
        while pool.idle and not fresh:
            conn = pool.idle.pop()  # most recently used first: the likeliest to be alive
            if conn.reusable and now - conn.idle_since < self._expiry:
                return conn, True
            conn.close()
        scheme, host, port = origin
        context = None
        if scheme == b"https":
            context = self._ssl = self._ssl or httpx.create_ssl_context()
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(connect):
                _, conn = await loop.create_connection(
                    _Connection,
                    host.decode("ascii"),
                    port,
                    ssl=context,
                    server_hostname=host.decode("ascii") if context else None,
                )
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(f"no connection to {host.decode()} in time") from exc
        except OSError as exc:
            raise httpx.ConnectError(f"cannot connect to {host.decode()}: {exc}") from exc
        self.opened += 1
        return conn, False

    async def _exchange(
        self,
        conn: _Connection,
        request: httpx.Request,
        head: bytes,
        body: bytes | None,
        timeouts: dict[str, float | None],
    ) -> None:
        is_head = request.method == "HEAD"
        if body is not None:
            conn.send(head + body, head=is_head)
        else:
            conn.send(head, head=is_head)
            try:
                async with asyncio.timeout(timeouts.get("write")):
                    chunked = "content-length" not in request.headers
                    await _write_stream(conn, request.stream, chunked=chunked)
            except TimeoutError as exc:
                raise httpx.WriteTimeout("the request body was not sent in time") from exc
        try:
            async with asyncio.timeout(timeouts.get("read")):
                await conn.read_head()
        except TimeoutError as exc:
            raise httpx.ReadTimeout("no answer in time") from exc

    def _release(self, origin: _Origin, conn: _Connection) -> None:
        pool = self._pools.get(origin)
        if pool is None:  # the transport was closed meanwhile
            conn.close()
            return
        if conn.keep_alive() and not self._closed:
            conn.idle_since = time.monotonic()
            pool.idle.append(conn)
        else:
            conn.close()
        pool.slots.release()


def _head(request: httpx.Request) -> bytes:
    target = request.url.raw_path
    lines = [request.method.encode(), b" ", target, b" HTTP/1.1\r\n"]
    for name, value in request.headers.raw:
        lines += [name, b": ", value, b"\r\n"]
    lines.append(b"\r\n")
    return b"".join(lines)


def _body_or_none(request: httpx.Request) -> bytes | None:
    """The whole body if httpx holds it, else ``None`` (a stream, written as it comes)."""
    try:
        return request.content
    except httpx.RequestNotRead:
        return None


async def _write_stream(conn: _Connection, stream: Any, *, chunked: bool) -> None:
    async for chunk in stream:
        if chunk:
            conn.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
    if chunked:
        conn.write(b"0\r\n\r\n")
