"""The run's event log: gzip-compressed JSON lines with a running SHA-256.

Each entry is one JSON object with a ``kind`` (``header``, ``event``, ``step``,
``consensus``, ``summary``). Keys are sorted and floats written in their shortest exact form,
so two runs that did the same thing write the same bytes, and the gzip header carries no
time, so the files are identical too.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from selection import ConfigError

__all__ = ["EventLog", "encode", "read_log"]


def encode(entry: dict[str, Any]) -> bytes:
    """One log line: canonical JSON and a newline."""
    return (
        json.dumps(entry, sort_keys=True, separators=(",", ":"), allow_nan=False) + "\n"
    ).encode()


class EventLog:
    """Writes entries (to a file when given a path) and digests every byte written."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._hash = hashlib.sha256()
        self._file: gzip.GzipFile | None = None
        self._raw: IO[bytes] | None = None
        if path is not None:
            raw = path.open("wb")
            self._file = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0)
            self._raw = raw
        self.entries = 0

    def write(self, entry: dict[str, Any]) -> None:
        """Append one entry."""
        line = encode(entry)
        self._hash.update(line)
        self.entries += 1
        if self._file is not None:
            self._file.write(line)

    @property
    def digest(self) -> str:
        """SHA-256 of everything written so far."""
        return self._hash.hexdigest()

    def close(self) -> None:
        """Finish the file."""
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._raw is not None:
            self._raw.close()
            self._raw = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.close()
            return
        # The run already failed (a full disk fails the store first): its error is the one
        # to report, not the log's own failure to finish its file on the way out.
        try:
            self.close()
        except OSError as closing:
            exc.add_note(f"the event log {self.path} could not be finished: {closing}")


def read_log(path: Path) -> Iterator[dict[str, Any]]:
    """The entries of a log file, in order.

    Raises:
        ConfigError: the file is missing, not gzip, or a line is not JSON.
    """
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ConfigError(f"{path}: line {number} is not JSON ({exc.msg})") from exc
                if not isinstance(entry, dict) or not isinstance(entry.get("kind"), str):
                    raise ConfigError(f"{path}: line {number} is not a log entry (no 'kind')")
                yield entry
    except (OSError, EOFError, UnicodeDecodeError, zlib.error) as exc:
        raise ConfigError(f"cannot read event log {path}: {exc}") from exc
