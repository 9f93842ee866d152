"""Readers of the canonical format: JSON Lines and CSV files (see FORMAT.md).

They only read: each yields :class:`RawRecord` dicts with their location, or located errors
for what cannot be read at all (bad encoding, broken JSON). Validation is
:mod:`loaders.validate`'s job.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loaders.errors import LoadError

__all__ = [
    "CSV_PREFIXES",
    "CsvFile",
    "CsvRow",
    "RawRecord",
    "csv_record_kind",
    "read_csv",
    "read_jsonl",
]

#: CSV file name prefix → the record kind all its rows have.
CSV_PREFIXES = {"nodes": "node", "edges": "edge", "transfers": "transfer", "sources": "source"}


@dataclass(frozen=True)
class RawRecord:
    """One record as read, before validation, and where it came from."""

    file: str
    line: int
    data: dict[str, Any]


Read = Iterator[RawRecord | LoadError]


def csv_record_kind(path: Path) -> str | None:
    """The record kind of a canonical CSV file, from its name (``nodes*.csv`` → node)."""
    if path.suffix.lower() != ".csv":
        return None
    name = path.name.lower()
    return next((kind for prefix, kind in CSV_PREFIXES.items() if name.startswith(prefix)), None)


def read_jsonl(path: Path) -> Read:
    """Records of a ``.jsonl`` file, one per non-blank line, each an object with ``record``."""
    name = str(path)
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield LoadError(
                    name, number, "line", raw[exc.start : exc.start + 8], "expected UTF-8 text"
                )
                continue
            text = text.removeprefix("\ufeff").strip()
            if not text:
                continue
            yield _json_record(name, number, text)


def _json_record(name: str, number: int, text: str) -> RawRecord | LoadError:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return LoadError(
            name,
            number,
            "line",
            text[:40],
            f"expected a JSON object ({exc.msg} at column {exc.colno})",
        )
    except RecursionError:
        return LoadError(
            name,
            number,
            "line",
            text[:40],
            "expected a flat JSON object (this one is nested too deeply to read)",
        )
    if not isinstance(data, dict):
        return LoadError(name, number, "line", text[:40], "expected a JSON object")
    if "record" not in data:
        return LoadError(
            name, number, "record", None, "expected a record field: source, node, edge or transfer"
        )
    return RawRecord(name, number, data)


@dataclass(frozen=True)
class CsvRow:
    """One data row of a CSV file: its line and its non-blank cells by (stripped) header name."""

    line: int
    cells: dict[str, str]


#: bytes read at a time when checking a file's encoding
_BLOCK = 1 << 20
#: where csv.DictReader puts the cells of a row beyond the header's fields
_REST = "\0extra"


def _utf8_error(name: str, path: Path) -> LoadError | None:
    """The located error of a file that is not UTF-8 text (the first bad bytes), or None.

    Checked a block at a time, so that a large file is never held in memory for it.
    """
    offset, pending = 0, b""
    with path.open("rb") as handle:
        while True:
            block = handle.read(_BLOCK)
            data = pending + block
            try:
                _, used = codecs.utf_8_decode(data, "strict", not block)
            except UnicodeDecodeError as exc:
                start = offset + exc.start
                break
            offset += used
            pending = data[used:]
            if not block:
                return None
    raw = path.read_bytes()  # the bad bytes and the lines before them
    return LoadError(
        name, raw[:start].count(b"\n") + 1, "line", raw[start : start + 8], "expected UTF-8 text"
    )


class CsvFile:
    """A CSV file (UTF-8, optional byte order mark, header row), read for its rows.

    ``error`` holds what made the file unreadable as a whole (bad encoding, no header);
    ``header`` the header's names as written (stripped). The rows are read from the file as
    they are asked for (:meth:`rows`, :meth:`chunks`), never all held at once.
    """

    def __init__(self, path: Path) -> None:
        self.name = str(path)
        self.path = path
        self.header: list[str] = []
        self.error: LoadError | None = _utf8_error(self.name, path)
        self._fieldnames: list[str] = []
        if self.error is not None:
            return
        with self._open() as handle:
            reader = csv.reader(handle)
            try:
                fieldnames = next(reader, None)
            except csv.Error as exc:
                self.error = LoadError(self.name, 1, "line", None, f"expected valid CSV ({exc})")
                return
        if not fieldnames:
            self.error = LoadError(
                self.name, 1, "header", None, "expected a header row naming the fields"
            )
            return
        self._fieldnames = fieldnames
        self.header = [name.strip() for name in fieldnames]

    def _open(self) -> io.TextIOWrapper:
        return self.path.open(encoding="utf-8-sig", newline="")

    def chunks(self, size: int) -> Iterator[tuple[list[int], list[list[str]]] | LoadError]:
        """The data rows, ``size`` at a time: their lines and their cells as written (blank
        lines skipped); or a located error for the row that is not valid CSV, where the
        file's reading ends."""
        if self.error is not None:
            return
        with self._open() as handle:
            reader = csv.reader(handle)
            lines: list[int] = []
            rows: list[list[str]] = []
            error: LoadError | None = None
            try:
                next(reader, None)  # the header
                for row in reader:
                    if row:
                        rows.append(row)
                        lines.append(reader.line_num)
                        if len(rows) >= size:
                            yield lines, rows
                            lines, rows = [], []
            except csv.Error as exc:
                error = LoadError(
                    self.name, reader.line_num, "line", None, f"expected valid CSV ({exc})"
                )
            except UnicodeDecodeError:  # the file changed since it was checked
                error = LoadError(
                    self.name, reader.line_num + 1, "line", None, "expected UTF-8 text"
                )
            if rows:
                yield lines, rows
            if error is not None:
                yield error

    def lines(self) -> Iterator[tuple[int, list[str]] | LoadError]:
        """Each data row's line and cells (see :meth:`chunks`), or the located error."""
        for chunk in self.chunks(1000):
            if isinstance(chunk, LoadError):
                yield chunk
            else:
                yield from zip(*chunk, strict=True)

    def cells(self, line: int, row: list[str]) -> CsvRow | LoadError:
        """A row's non-blank cells by stripped header name (as ``csv.DictReader`` pairs
        them), or the error of a row with more cells than the header has fields."""
        fields = self._fieldnames
        paired: dict[str, Any] = dict(zip(fields, row, strict=False))
        if len(fields) < len(row):
            paired[_REST] = row[len(fields) :]
        else:
            for name in fields[len(row) :]:
                paired[name] = None
        extra = paired.pop(_REST, None)
        if extra:
            return LoadError(
                self.name, line, "line", extra, "expected no more cells than header fields"
            )
        return CsvRow(
            line, {k.strip(): v for k, v in paired.items() if v is not None and v.strip() != ""}
        )

    def rows(self) -> Iterator[CsvRow | LoadError]:
        """Each data row, or a located error for a row that is not valid CSV."""
        for item in self.lines():
            yield item if isinstance(item, LoadError) else self.cells(*item)


def read_csv(path: Path, record_kind: str) -> Read:
    """Rows of a canonical CSV file (UTF-8, header row); empty cells mean no value."""
    table = CsvFile(path)
    if table.error is not None:
        yield table.error
        return
    for row in table.rows():
        if isinstance(row, LoadError):
            yield row
        else:
            yield RawRecord(table.name, row.line, {**row.cells, "record": record_kind})
