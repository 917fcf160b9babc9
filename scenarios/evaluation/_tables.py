"""Reading a trace file into columns: CSV, JSON lines, or Parquet (with pyarrow).

The formats in :mod:`scenarios.evaluation.formats` ask a :class:`Table` for typed columns;
every complaint names the file, the column and the 1-based data row.
"""

from __future__ import annotations

import csv
import json
import math
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from scenarios.evaluation.traces import FloatArray, TraceError

__all__ = ["Table", "read_table"]

_TRUE = {"true", "yes"}
_FALSE = {"false", "no"}
_BOOLEAN = _TRUE | _FALSE


class Table:
    """Named columns of equal length, as read from a file.

    Args:
        columns: column name -> values (``None`` where a cell is empty).
        source: where the table came from, for error messages.
    """

    def __init__(self, columns: Mapping[str, list[Any]], *, source: str) -> None:
        lengths = {len(values) for values in columns.values()}
        if len(lengths) > 1:
            raise TraceError(source, "columns have different lengths")
        self.source = source
        self._columns = dict(columns)
        self.n_rows = lengths.pop() if lengths else 0

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]], *, source: str) -> Table:
        """Columns from row mappings; a key missing from a row is an empty cell there."""
        rows = list(rows)
        names: dict[str, None] = {}
        for row in rows:
            names.update(dict.fromkeys(row))
        return cls({name: [row.get(name) for row in rows] for name in names}, source=source)

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names, in file order."""
        return tuple(self._columns)

    def __contains__(self, name: object) -> bool:
        return name in self._columns

    def error(
        self, message: str, *, column: str | None = None, row: int | None = None
    ) -> TraceError:
        """A :class:`TraceError` about this table."""
        return TraceError(self.source, message, column=column, row=row)

    def require(self, *names: str, why: str) -> None:
        """Fail naming the first missing column, and list the columns that are there."""
        for name in names:
            if name not in self._columns:
                shown = ", ".join(repr(c) for c in self.columns[:12])
                more = ", ..." if len(self.columns) > 12 else ""
                raise self.error(
                    f"missing column {name!r} ({why}); the columns are {shown}{more}",
                    column=name,
                )

    def values(self, name: str) -> list[Any]:
        """A column's raw values."""
        self.require(name, why="needed here")
        return self._columns[name]

    def strings(self, name: str) -> list[str]:
        """A column as non-empty strings (numbers are written as they read)."""
        out = []
        for i, value in enumerate(self.values(name)):
            text = _text(value)
            if not text:
                raise self.error("empty cell; every row needs a value here", column=name, row=i + 1)
            out.append(text)
        return out

    def floats(self, name: str, *, missing_ok: bool = False) -> FloatArray:
        """A column as floats; ``true``/``false`` read as 1/0, empty cells as NaN if allowed."""
        raw = self.values(name)
        try:
            # Fast path: a clean numeric column converts in one call.
            array = np.array([_fast(v) for v in raw], dtype=np.float64)
        except (TypeError, ValueError):
            array = np.array([self._parse(name, i, v) for i, v in enumerate(raw)])
        if not missing_ok:
            bad = np.flatnonzero(np.isnan(array))
            if bad.size:
                row = int(bad[0])
                raise self.error(
                    f"missing or not a number: {_show(raw[row])}", column=name, row=row + 1
                )
        return array

    def _parse(self, name: str, index: int, value: Any) -> float:
        if value is None or (isinstance(value, str) and not value.strip()):
            return math.nan
        if isinstance(value, bool):
            return float(value)
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, str):
            text = value.strip().lower()
            if text in _TRUE:
                return 1.0
            if text in _FALSE:
                return 0.0
            try:
                return float(text)
            except ValueError:
                pass
        raise self.error(f"{_show(value)} is not a number", column=name, row=index + 1)


def _fast(value: Any) -> float:
    if value is None:
        return math.nan
    if isinstance(value, str) and value.strip().lower() in _BOOLEAN:
        raise ValueError("boolean text")
    return float(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def read_table(path: str | Path) -> Table:
    """Read a trace file, choosing the reader by its suffix.

    ``.csv`` (optionally ``.csv.gz``), ``.jsonl``/``.ndjson`` (one JSON object per line),
    ``.parquet`` (needs the optional ``pyarrow`` package) and ``.pkl``/``.pickle`` (a pickled
    pandas DataFrame, as RouterBench publishes its traces; needs pandas). Unpickling runs code
    the file names: read only pickles from a source you trust.

    Raises:
        TraceError: the file cannot be read, its suffix is unknown, or it is malformed.
    """
    path = Path(path)
    suffixes = "".join(path.suffixes[-2:]).lower()
    readers: dict[str, Callable[[Path], Table]] = {
        ".csv": _read_csv,
        ".jsonl": _read_jsonl,
        ".ndjson": _read_jsonl,
        ".parquet": _read_parquet,
        ".pkl": _read_pickle,
        ".pickle": _read_pickle,
    }
    key = path.suffix.lower()
    if suffixes.endswith(".csv.gz"):
        key = ".csv"
    reader = readers.get(key)
    if reader is None:
        raise TraceError(str(path), f"unknown trace file type; use one of {sorted(readers)}")
    try:
        return reader(path)
    except OSError as exc:
        raise TraceError(str(path), f"cannot read the file ({exc.strerror or exc})") from exc
    except (EOFError, zlib.error) as exc:
        raise TraceError(str(path), f"the compressed file is damaged or cut short ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise TraceError(str(path), f"not UTF-8 text (byte {exc.start})") from exc


# "utf-8-sig" drops the byte order mark that Excel's "CSV UTF-8" and some exporters write
# first; read as "utf-8" it would stick to the first column's name.
_ENCODING = "utf-8-sig"


def _open_text(path: Path) -> Any:
    if path.suffix.lower() == ".gz":
        import gzip

        return gzip.open(path, "rt", encoding=_ENCODING, newline="")
    return path.open(encoding=_ENCODING, newline="")


def _read_csv(path: Path) -> Table:
    with _open_text(path) as handle:
        rows = _rows(csv.reader(handle), path)
        header = next(rows, None)
        if not header:
            raise TraceError(str(path), "the file is empty (no header row)")
        if len(set(header)) != len(header):
            dupes = sorted({h for h in header if header.count(h) > 1})
            raise TraceError(str(path), f"column names repeat: {dupes}")
        columns: list[list[Any]] = [[] for _ in header]
        for line, row in enumerate(rows, start=2):
            if len(row) != len(header):
                raise TraceError(
                    str(path), f"line {line} has {len(row)} fields, the header {len(header)}"
                )
            for values, cell in zip(columns, row, strict=True):
                values.append(cell if cell != "" else None)
    return Table(dict(zip(header, columns, strict=True)), source=str(path))


def _rows(reader: Any, path: Path) -> Iterator[list[str]]:
    """The CSV reader's rows, its errors (a field over csv's 128 KiB limit...) as TraceErrors."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise TraceError(str(path), f"line {reader.line_num}: {exc}") from exc
        yield row


def _read_jsonl(path: Path) -> Table:
    rows = []
    with path.open(encoding=_ENCODING) as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise TraceError(str(path), f"line {line_no} is not JSON ({exc.msg})") from exc
            if not isinstance(row, dict):
                raise TraceError(str(path), f"line {line_no} is not a JSON object")
            rows.append(row)
    return Table.from_rows(rows, source=str(path))


def _read_parquet(path: Path) -> Table:
    try:
        import pyarrow.parquet as pq  # type: ignore[import-not-found, unused-ignore]
    except ImportError as exc:
        raise TraceError(
            str(path), "reading Parquet needs pyarrow: pip install pyarrow (or use CSV/JSONL)"
        ) from exc
    data: dict[str, list[Any]] = pq.read_table(path).to_pydict()
    return Table(data, source=str(path))


def _read_pickle(path: Path) -> Table:
    try:
        import pandas as pd
    except ImportError as exc:
        raise TraceError(
            str(path), "reading a pickled DataFrame needs pandas: pip install pandas"
        ) from exc
    import pickle

    try:
        frame = pd.read_pickle(path)
    except (pickle.UnpicklingError, AttributeError, ImportError, ValueError) as exc:
        raise TraceError(str(path), f"not a readable pickle of a DataFrame ({exc})") from exc
    if not isinstance(frame, pd.DataFrame):
        raise TraceError(
            str(path), f"the pickle holds a {type(frame).__name__}, not a pandas DataFrame"
        )
    if frame.columns.duplicated().any():
        dupes = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        raise TraceError(str(path), f"column names repeat: {dupes}")
    cells = frame.astype(object).where(frame.notna(), None)
    return Table({str(c): cells[c].tolist() for c in cells.columns}, source=str(path))
