"""Excel workbooks (xlsx), and the one rule that makes any cell safe to open in Excel.

Names and quotes come from scraped pages and other people's sheets, so every text cell is
untrusted. :func:`spreadsheet_value` is applied to every value the CSV and xlsx writers put
in a cell (the HTTP answers, ``affgraph query --format csv|xlsx`` and the xlsx export):

* control characters that XML cannot hold (openpyxl's ``ILLEGAL_CHARACTERS_RE``: U+0000–U+0008,
  U+000B, U+000C, U+000E–U+001F; tab, line feed and carriage return stay) become U+FFFD, so
  such a name is shown as ``�`` instead of failing the whole answer;
* in CSV, text beginning with ``=``, ``+``, ``-``, ``@``, tab or carriage return (OWASP's list)
  gets a leading ``'``, so Excel shows it instead of evaluating it; numbers stay numbers;
* in xlsx, text is written as a string cell whatever it begins with (openpyxl would make a
  str beginning with ``=`` a formula), so it reads back unchanged; openpyxl cuts text at
  Excel's limit of 32,767 characters.

Workbooks are written in openpyxl's write-only mode: rows go to disk as they come, so a
province's export takes little memory. A sheet that would pass Excel's 1,048,576 rows goes on
in another sheet (``nodes (2)``, …), with the header again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import IO, Any

from exports.snapshot import Snapshot
from exports.values import EDGE_PROPS, NODE_PROPS, SOURCE_PROPS, TRANSFER_PROPS, cell
from graph_schema.declaration import Prop
from graph_schema.records import Record, to_canonical

__all__ = [
    "FORMULA_PREFIXES",
    "MAX_SHEET_ROWS",
    "MEDIA_TYPE",
    "REPLACEMENT",
    "Sheet",
    "spreadsheet_value",
    "write_sheets",
    "write_xlsx",
]

#: The media type of an xlsx workbook.
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: What a text cell may not begin with in CSV (OWASP, "CSV Injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: What stands for a character a worksheet cannot hold.
REPLACEMENT = "\ufffd"
#: The most rows an Excel sheet holds, header included.
MAX_SHEET_ROWS = 1_048_576

#: A sheet to write: its title, its header, and its rows (each as long as the header).
Sheet = tuple[str, Sequence[str], Iterable[Sequence[Any]]]


def spreadsheet_value(value: Any, *, quote_formulas: bool = False) -> Any:
    """``value`` as it may go into a cell that Excel opens: text without the control
    characters a worksheet cannot hold and, with ``quote_formulas`` (CSV), prefixed with
    ``'`` when Excel would take it for a formula. Anything but text is returned as it is.

    Why both writers share it: the same untrusted name reaches Excel through either, and must
    come out the same, as text.
    """
    if not isinstance(value, str):
        return value
    text = _illegal_characters().sub(REPLACEMENT, value)
    if quote_formulas and text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


@cache
def _illegal_characters() -> re.Pattern[str]:
    """openpyxl's pattern of the characters XML cannot hold (openpyxl is imported when first
    needed: it takes ~0.15 s, which a server starting need not pay)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped, unused-ignore]

    pattern: re.Pattern[str] = ILLEGAL_CHARACTERS_RE
    return pattern


def _cells(sheet: Any, row: Sequence[Any]) -> list[Any]:
    """A row for a write-only sheet: text as string cells (never formulas), the rest as is."""
    from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped, unused-ignore]

    cells: list[Any] = []
    for value in row:
        value = spreadsheet_value(value)
        if isinstance(value, str):
            text = WriteOnlyCell(sheet, value)
            text.data_type = "s"  # openpyxl made "=…" a formula; it is a name
            value = text
        cells.append(value)
    return cells


def _title(title: str, part: int) -> str:
    """A sheet's title: Excel allows 31 characters; parts after the first are numbered."""
    suffix = f" ({part})" if part > 1 else ""
    return title[: 31 - len(suffix)] + suffix


def _fill(book: Any, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write one sheet (or more, past Excel's row limit), each starting with the header."""
    part = 1
    sheet = book.create_sheet(_title(title, part))
    sheet.append(_cells(sheet, header))
    used = 1
    for row in rows:
        if used == MAX_SHEET_ROWS:
            part += 1
            sheet = book.create_sheet(_title(title, part))
            sheet.append(_cells(sheet, header))
            used = 1
        sheet.append(_cells(sheet, row))
        used += 1


def write_sheets(target: Path | IO[bytes], sheets: Iterable[Sheet]) -> None:
    """Write a workbook of ``sheets`` to ``target`` (a path or a binary file)."""
    from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]

    book = Workbook(write_only=True)
    for title, header, rows in sheets:
        _fill(book, title, header, rows)
    book.save(target)


def _typed(value: Any) -> Any:
    """A canonical value for a cell: numbers and booleans as themselves (Excel sums and
    filters them), anything else as the canonical CSV writes it (dates ``YYYY-MM-DD``,
    lists joined with ``|``)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    return cell(value)


def _table(props: tuple[Prop, ...], records: Iterable[Record]) -> Iterator[list[Any]]:
    names = [p.name for p in props]
    for record in records:
        data = to_canonical(record)
        yield [_typed(data.get(name)) for name in names]


def _kind(title: str, props: tuple[Prop, ...], records: Iterable[Record]) -> Sheet:
    return title, [p.name for p in props], _table(props, records)


def write_xlsx(snapshot: Snapshot, path: Path) -> list[Path]:
    """Write the export as one workbook: a sheet per record kind, in the canonical CSV
    columns. Sources come first (every fact cites one); nodes before edges before transfers,
    the order :class:`Snapshot` needs."""
    write_sheets(
        path,
        (
            _kind("sources", SOURCE_PROPS, snapshot.sources()),
            _kind("nodes", NODE_PROPS, snapshot.nodes()),
            _kind("edges", EDGE_PROPS, snapshot.edges()),
            _kind("transfers", TRANSFER_PROPS, snapshot.transfers()),
        ),
    )
    return [path]
