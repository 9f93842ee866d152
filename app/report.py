"""``affgraph load --report FILE``: every problem of a load as a row, to fix in Excel.

One row per error (and per notice: a file not loaded, an encoding guessed), with the file, the
sheet of a workbook, the line, the column as the table names it, the value and what was
expected. CSV (with a byte order mark, so that Excel reads its Chinese) or xlsx, chosen by the
file's suffix; values pass :func:`exports.xlsx.spreadsheet_value`, as in every answer, because
they are the user's own untrusted cells.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from exports.xlsx import spreadsheet_value, write_sheets
from loaders.errors import LoadError, Notice

__all__ = ["REPORT_COLUMNS", "REPORT_SUFFIXES", "report_rows", "write_report"]

REPORT_COLUMNS = ("severity", "file", "sheet", "line", "column", "value", "expected")
REPORT_SUFFIXES = (".csv", ".xlsx")
_SHEET = re.compile(r"^(.*\.xlsx)\[(.*)\]$", re.IGNORECASE)


def _place(name: str) -> tuple[str, str]:
    """(file, sheet) of a table's name: ``book.xlsx[Sheet1]`` → (book.xlsx, Sheet1)."""
    match = _SHEET.match(name)
    return (match[1], match[2]) if match else (name, "")


def _value(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float):
        return value
    return repr(value)


def report_rows(errors: Iterable[LoadError], notices: Iterable[Notice]) -> Iterator[list[Any]]:
    """The rows of a report: errors, then notices, each with its place."""
    for severity, items in (("error", errors), ("notice", notices)):
        for item in items:
            file, sheet = _place(item.file)
            said = item.expected if isinstance(item, LoadError) else item.message
            yield [severity, file, sheet, item.line or None, item.field, _value(item.value), said]


def write_report(path: Path, errors: Iterable[LoadError], notices: Iterable[Notice]) -> int:
    """Write the report to ``path`` (.csv or .xlsx); the number of rows written."""
    rows = list(report_rows(errors, notices))
    if path.suffix.lower() == ".xlsx":
        write_sheets(path, [("problems", REPORT_COLUMNS, rows)])
        return len(rows)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(REPORT_COLUMNS)
        writer.writerows([spreadsheet_value(v, quote_formulas=True) for v in row] for row in rows)
    return len(rows)
