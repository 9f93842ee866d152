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
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loaders.errors import LoadError, Notice

__all__ = [
    "CSV_PREFIXES",
    "RESAVE",
    "UNREADABLE",
    "CsvFile",
    "CsvRow",
    "RawRecord",
    "TableSource",
    "csv_record_kind",
    "read_csv",
    "read_jsonl",
    "record_kind_of_name",
    "sniff_encoding",
]

#: table name prefix (a CSV file's, a sheet's) → the record kind all its rows have
CSV_PREFIXES = {
    "nodes": "node",
    "edges": "edge",
    "transfers": "transfer",
    "sources": "source",
    "节点": "node",
    "关系": "edge",
    "转移": "transfer",
    "来源": "source",
}


@dataclass(frozen=True)
class RawRecord:
    """One record as read, before validation, and where it came from."""

    file: str
    line: int
    data: dict[str, Any]


Read = Iterator[RawRecord | LoadError]


def record_kind_of_name(name: str) -> str | None:
    """The record kind a canonical table's name announces (``nodes-2019`` → node), or None."""
    plain = name.strip().lower()
    return next((kind for prefix, kind in CSV_PREFIXES.items() if plain.startswith(prefix)), None)


def csv_record_kind(path: Path) -> str | None:
    """The record kind of a canonical CSV file, from its name (``nodes*.csv`` → node)."""
    if path.suffix.lower() != ".csv":
        return None
    return record_kind_of_name(path.name)


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
    """One data row of a table: its line and its non-blank cells by (stripped) header name."""

    line: int
    cells: dict[str, str]


#: bytes read at a time when checking a file's encoding
_BLOCK = 1 << 20
#: where csv.DictReader puts the cells of a row beyond the header's fields
_REST = "\0extra"
#: byte order marks → the encoding they announce
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: the longest cell a CSV file may hold, in characters: Python's own default. Set before each
#: read, as the limit is process-wide and libraries change it (followthemoney raises it to
#: 30 MB when imported): a table's limit must not depend on what else was imported.
CELL_LIMIT = 131_072
#: how messages name an encoding
_SHOWN = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16", "gb18030": "GB18030"}
RESAVE = (
    "re-save it from Excel as 'CSV UTF-8 (Comma delimited)' / 'CSV UTF-8（逗号分隔）', or name its "
    "encoding with --encoding (e.g. --encoding big5)"
)

#: the expectation of a file that is no text the reader can tell
UNREADABLE = (
    "expected UTF-8 text (tried UTF-8, then GB18030 as Chinese Windows saves; UTF-16 is read "
    f"when it starts with a byte order mark): {RESAVE}"
)


def _decode_error(name: str, path: Path, encoding: str) -> LoadError | None:
    """The located error of a file that is not text in ``encoding`` (its first bad bytes), or
    None. Checked a block at a time, so that a large file is never held in memory for it."""
    skip = len(codecs.BOM_UTF8) if encoding == "utf-8-sig" else 0  # (its decoder drops it)
    decoder = codecs.getincrementaldecoder("utf-8" if skip else encoding)("strict")
    offset = skip  # bytes read before this block
    with path.open("rb") as handle:
        handle.seek(skip)
        while True:
            block = handle.read(_BLOCK)
            pending = len(decoder.getstate()[0])  # bytes of the last block held back
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                start = max(offset - pending + exc.start, 0)
                break
            offset += len(block)
            if not block:
                return None
    raw = path.read_bytes()  # the bad bytes and the lines before them
    return LoadError(
        name,
        raw[:start].count(b"\n") + 1,
        "line",
        raw[start : start + 8],
        f"expected {_SHOWN.get(encoding, encoding)} text",
    )


def sniff_encoding(
    name: str, path: Path, forced: str | None = None
) -> tuple[str | None, LoadError | None, Notice | None]:
    """The encoding a text file is read in, the error of one that cannot be read, and a
    notice when it is read in another encoding than UTF-8 (the user should know)."""
    if forced is not None:
        try:
            encoding = codecs.lookup(forced).name
        except LookupError:
            return (
                None,
                LoadError(
                    name,
                    0,
                    "encoding",
                    forced,
                    "expected an encoding Python knows, e.g. utf-8, gb18030, big5, utf-16",
                ),
                None,
            )
        error = _decode_error(name, path, encoding)
        return (None, error, None) if error else (encoding, None, None)
    with path.open("rb") as handle:
        head = handle.read(4)
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            error = _decode_error(name, path, encoding)
            return (None, error, None) if error else (encoding, None, None)
    first = _decode_error(name, path, "utf-8")
    if first is None:
        return "utf-8-sig", None, None
    if _decode_error(name, path, "gb18030") is None:
        notice = Notice(
            name,
            0,
            "encoding",
            "gb18030",
            "read as GB18030 (Chinese Windows), "
            "as it is not UTF-8; if its Chinese reads wrong, " + RESAVE,
        )
        return "gb18030", None, notice
    return (
        None,
        LoadError(
            first.file,
            first.line,
            first.field,
            first.value,
            UNREADABLE,
        ),
        None,
    )


class TableSource(ABC):
    """A table of text cells under a header row: a CSV file or a workbook's sheet.

    ``name`` is how errors name it (``file.csv``, ``book.xlsx[Sheet1]``); ``error`` holds what
    made it unreadable as a whole; ``header`` the header's names as written (stripped);
    ``notices`` what the reader did that the user should know (an encoding it guessed).
    Rows are read as they are asked for (:meth:`chunks`), never all held at once.
    """

    name: str
    header: list[str]
    error: LoadError | None
    notices: list[Notice]
    _fieldnames: list[str]

    @abstractmethod
    def chunks(self, size: int) -> Iterator[tuple[list[int], list[list[str]]] | LoadError]:
        """The data rows, ``size`` at a time: their lines and their cells as written (blank
        rows skipped); or a located error for a row that cannot be read, where reading
        ends."""

    def lines(self) -> Iterator[tuple[int, list[str]] | LoadError]:
        """Each data row's line and cells (see :meth:`chunks`), or the located error."""
        for chunk in self.chunks(1000):
            if isinstance(chunk, LoadError):
                yield chunk
            else:
                yield from zip(*chunk, strict=True)

    def cells(self, line: int, row: list[str]) -> CsvRow | LoadError:
        """A row's non-blank cells by stripped header name, or the error of a row with more
        cells than the header has fields."""
        fields = self._fieldnames
        paired: dict[str, Any] = dict(zip(fields, row, strict=False))
        if len(fields) < len(row):
            paired[_REST] = row[len(fields) :]
        else:
            for name in fields[len(row) :]:
                paired[name] = None
        extra = paired.pop(_REST, None)
        if extra and any(cell.strip() for cell in extra):
            return LoadError(
                self.name, line, "line", extra, "expected no more cells than header fields"
            )
        found = {k.strip(): v for k, v in paired.items() if v is not None and v.strip() != ""}
        if "" in found:
            return LoadError(
                self.name,
                line,
                "line",
                found[""],
                "expected an empty cell under a column "
                "without a header (give the column a name, or empty it)",
            )
        return CsvRow(line, found)

    def rows(self) -> Iterator[CsvRow | LoadError]:
        """Each data row, or a located error for a row that cannot be read."""
        for item in self.lines():
            yield item if isinstance(item, LoadError) else self.cells(*item)


class CsvFile(TableSource):
    """A CSV file: UTF-8 (with or without a byte order mark), UTF-16 with one, or GB18030
    (detected, and said), or the encoding named with ``--encoding``; a header row."""

    def __init__(self, path: Path, encoding: str | None = None) -> None:
        self.name = str(path)
        self.path = path
        self.header = []
        self.notices = []
        self._fieldnames = []
        self.encoding, self.error, notice = sniff_encoding(self.name, path, encoding)
        if notice is not None:
            self.notices.append(notice)
        if self.error is not None:
            return
        with self._open() as handle:
            reader = csv.reader(handle)
            try:
                fieldnames = next(reader, None)
            except csv.Error as exc:
                self.error = LoadError(self.name, 1, "line", None, f"expected valid CSV ({exc})")
                return
        if not fieldnames or not any(name.strip() for name in fieldnames):
            self.error = LoadError(
                self.name, 1, "header", None, "expected a header row naming the fields"
            )
            return
        self._fieldnames = fieldnames
        self.header = [name.strip() for name in fieldnames]

    def _open(self) -> io.TextIOWrapper:
        csv.field_size_limit(CELL_LIMIT)
        return self.path.open(encoding=self.encoding, newline="")

    def chunks(self, size: int) -> Iterator[tuple[list[int], list[list[str]]] | LoadError]:
        if self.error is not None:
            return
        with self._open() as handle:
            reader = csv.reader(handle)
            lines: list[int] = []
            rows: list[list[str]] = []
            error: LoadError | None = None
            try:
                next(reader, None)  # the header
                ended = reader.line_num
                for row in reader:  # a row is located at its first line (a cell may hold more)
                    start, ended = ended + 1, reader.line_num
                    if row:
                        rows.append(row)
                        lines.append(start)
                        if len(rows) >= size:
                            yield lines, rows
                            lines, rows = [], []
            except csv.Error as exc:
                error = LoadError(
                    self.name, reader.line_num, "line", None, f"expected valid CSV ({exc})"
                )
            except UnicodeDecodeError:  # the file changed since it was checked
                error = LoadError(
                    self.name,
                    reader.line_num + 1,
                    "line",
                    None,
                    f"expected {_SHOWN.get(str(self.encoding), self.encoding)} text",
                )
            if rows:
                yield lines, rows
            if error is not None:
                yield error


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
