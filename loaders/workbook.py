"""Excel workbooks (``.xlsx``): each sheet a table, read like a CSV file.

openpyxl reads the workbook in read-only mode, a row at a time, so memory stays flat on a
sheet of 100,000 rows. Cells typed in Excel keep their meaning: a date cell becomes
``YYYY-MM-DD`` (and the date parser also reads Excel's serial numbers, for dates a CSV export
left as numbers), a whole number ``12`` rather than ``12.0``, true/false ``true``/``false``.
Errors name ``book.xlsx[Sheet]:row: column``.

A cell holding a formula is read as the value Excel last computed and saved with it; a
formula with no saved value (a workbook written by a script and never opened in Excel) reads
as empty — such a cell is reported, never taken as empty in silence.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from loaders.canonical import TableSource
from loaders.errors import LoadError, Notice
from loaders.terms import normalize

__all__ = ["GUIDE_TITLES", "Sheet", "is_guide", "open_workbook", "sheet_text"]


#: the title of an ``affgraph template`` workbook's explanation sheet, by language: a load
#: leaves such a sheet out (with a notice)
GUIDE_TITLES: Mapping[str, str] = {"en": "column guide", "zh": "填写说明"}


def is_guide(title: str) -> bool:
    """Whether a sheet is a template's explanation sheet (in either language)."""
    return normalize(title) in {normalize(t) for t in GUIDE_TITLES.values()}


def sheet_text(value: Any) -> str:
    """A cell's value as the text a CSV file would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class Sheet(TableSource):
    """One sheet of a workbook, as a table under its first non-empty row."""

    def __init__(self, path: Path, title: str) -> None:
        self.path = path
        self.title = title
        self.name = f"{path}[{title}]"
        self.header = []
        self.notices = []
        self.error = None
        self._fieldnames = []
        self._header_row = 0
        for number, row in self._rows():
            if any(cell.strip() for cell in row):
                self._header_row = number
                self._fieldnames = row
                self.header = [cell.strip() for cell in row]
                break

    @property
    def empty(self) -> bool:
        """Whether the sheet holds no cell at all."""
        return not self._header_row

    def _rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells as text) of every row, the workbook open only meanwhile."""
        book = load_workbook(self.path, read_only=True, data_only=True)
        try:
            sheet = book[self.title]
            first = sheet.min_row or 1
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=first):
                yield number, [sheet_text(value) for value in values]
        finally:
            book.close()

    def chunks(self, size: int) -> Iterator[tuple[list[int], list[list[str]]] | LoadError]:
        lines: list[int] = []
        rows: list[list[str]] = []
        for number, cells in self._rows():
            if number <= self._header_row or not any(cell.strip() for cell in cells):
                continue
            while cells and not cells[-1]:
                cells.pop()  # a sheet's rows run to its widest: trailing empties are no cells
            lines.append(number)
            rows.append(cells)
            if len(rows) >= size:
                yield lines, rows
                lines, rows = [], []
        if rows:
            yield lines, rows


def open_workbook(path: Path) -> tuple[list[Sheet], list[LoadError], list[Notice]]:
    """The sheets of a workbook that hold a table, the error of one that cannot be read, and a
    notice for each empty sheet (it is not loaded, and the user is told)."""
    name = str(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        expected = "expected an Excel workbook (.xlsx) that Excel or openpyxl can open"
        if path.name.startswith("~$"):
            expected = (
                "expected a workbook, not the lock file Excel keeps while the workbook is open "
                "(close it in Excel, or load with --skip-unknown)"
            )
        return [], [LoadError(name, 0, "file", type(exc).__name__, expected)], []
    titles = list(book.sheetnames)
    book.close()
    sheets: list[Sheet] = []
    notices: list[Notice] = []
    for title in titles:
        sheet = Sheet(path, title)
        if sheet.empty:
            notices.append(Notice(sheet.name, 0, "sheet", title, "not loaded: the sheet is empty"))
        else:
            sheets.append(sheet)
    return sheets, [], notices
