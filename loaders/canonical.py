"""Readers of the canonical format: JSON Lines and CSV files (see FORMAT.md).

They only read: each yields :class:`RawRecord` dicts with their location, or located errors
for what cannot be read at all (bad encoding, broken JSON). Validation is
:mod:`loaders.validate`'s job.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loaders.errors import LoadError

__all__ = ["CSV_PREFIXES", "CsvFile", "CsvRow", "RawRecord", "csv_record_kind", "read_csv",
           "read_jsonl"]

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
                yield LoadError(name, number, "line", raw[exc.start:exc.start + 8],
                                "expected UTF-8 text")
                continue
            text = text.removeprefix("\ufeff").strip()
            if not text:
                continue
            yield _json_record(name, number, text)


def _json_record(name: str, number: int, text: str) -> RawRecord | LoadError:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return LoadError(name, number, "line", text[:40], f"expected a JSON object ({exc.msg} "
                         f"at column {exc.colno})")
    except RecursionError:
        return LoadError(name, number, "line", text[:40], "expected a flat JSON object (this "
                         "one is nested too deeply to read)")
    if not isinstance(data, dict):
        return LoadError(name, number, "line", text[:40], "expected a JSON object")
    if "record" not in data:
        return LoadError(name, number, "record", None,
                         "expected a record field: source, node, edge or transfer")
    return RawRecord(name, number, data)


@dataclass(frozen=True)
class CsvRow:
    """One data row of a CSV file: its line and its non-blank cells by (stripped) header name."""

    line: int
    cells: dict[str, str]


class CsvFile:
    """A CSV file (UTF-8, optional byte order mark, header row), read for its rows.

    ``error`` holds what made the file unreadable as a whole (bad encoding, no header);
    ``header`` the header's names as written (stripped).
    """

    def __init__(self, path: Path) -> None:
        self.name = str(path)
        self.header: list[str] = []
        self.error: LoadError | None = None
        self._text = ""
        raw = path.read_bytes()
        try:
            self._text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[:exc.start].count(b"\n") + 1
            self.error = LoadError(self.name, line, "line", raw[exc.start:exc.start + 8],
                                   "expected UTF-8 text")
            return
        self._reader = csv.DictReader(io.StringIO(self._text, newline=""), restkey="\0extra")
        try:
            fieldnames = self._reader.fieldnames
        except csv.Error as exc:
            self.error = LoadError(self.name, 1, "line", None, f"expected valid CSV ({exc})")
            return
        if not fieldnames:
            self.error = LoadError(self.name, 1, "header", None,
                                   "expected a header row naming the fields")
            return
        self.header = [name.strip() for name in fieldnames]

    def rows(self) -> Iterator[CsvRow | LoadError]:
        """Each data row, or a located error for a row that is not valid CSV."""
        if self.error is not None:
            return
        reader = self._reader
        try:
            for row in reader:
                extra = row.pop("\0extra", None)
                if extra:
                    yield LoadError(self.name, reader.line_num, "line", extra,
                                    "expected no more cells than header fields")
                    continue
                yield CsvRow(reader.line_num, {
                    k.strip(): v for k, v in row.items()
                    if k is not None and v is not None and v.strip() != ""})
        except csv.Error as exc:
            yield LoadError(self.name, reader.line_num, "line", None, f"expected valid CSV ({exc})")


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
