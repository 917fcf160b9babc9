"""A TCP proxy in front of PostgreSQL that can lose a COMMIT's reply or go down and come back.

Loopback only. Faults happen on the wire, as they would in production, so the store under
test runs its real code paths.
"""

from __future__ import annotations

import asyncio
import contextlib
import re

from psycopg.conninfo import conninfo_to_dict


class FaultyProxy:
    """Forwards ``127.0.0.1:<port>`` to the test PostgreSQL server."""

    def __init__(self, pg_url: str) -> None:
        info = conninfo_to_dict(pg_url)
        self._pg_url = pg_url
        self._target = (str(info.get("host", "127.0.0.1")), int(str(info.get("port", 5432))))
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0
        self.drop_next_commit_reply = False
        self.commits_dropped = 0

    @property
    def url(self) -> str:
        """The database URL, rerouted through the proxy."""
        return re.sub(r"@[^/?]*", f"@127.0.0.1:{self.port}", self._pg_url, count=1)

    async def start(self) -> None:
        """Listen (again, on the same port once one was chosen)."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Refuse new connections and cut every open one: the database is 'down'."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection(*self._target)
        self._writers.update((client_w, server_w))
        cut = asyncio.Event()

        async def upstream() -> None:
            while data := await client_r.read(65536):
                server_w.write(data)
                await server_w.drain()
                if self.drop_next_commit_reply and b"COMMIT\x00" in data:
                    self.drop_next_commit_reply = False
                    self.commits_dropped += 1
                    cut.set()  # the server gets COMMIT; the client never hears back
                    client_w.close()
                    await asyncio.sleep(0.3)
                    break
            server_w.close()

        async def downstream() -> None:
            while data := await server_r.read(65536):
                if cut.is_set():
                    break
                client_w.write(data)
                await client_w.drain()
            client_w.close()

        with contextlib.suppress(OSError, ConnectionError, asyncio.CancelledError):
            await asyncio.gather(upstream(), downstream())
        for writer in (client_w, server_w):
            writer.close()
            self._writers.discard(writer)
