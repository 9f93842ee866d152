"""Answers as tables: the rows of a query result, for CSV, xlsx and the terminal.

A list answer's rows are its items; a tree (``children``) is walked into rows with depth and
parent; anything else is one row. Nested values are flattened (``line.kind``) and lists
joined with ``|``, as in the canonical CSV format. Every text cell of CSV and xlsx goes
through :func:`exports.xlsx.spreadsheet_value`: the data is untrusted, and must never become
an Excel formula.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import UnionType
from typing import IO, Any, Union, get_args, get_origin

from pydantic import BaseModel
from rich.cells import cell_len

from exports.xlsx import spreadsheet_value, write_sheets

__all__ = [
    "LOW_PRIORITY",
    "TableFit",
    "columns_of",
    "fit_columns",
    "header_of",
    "item_columns",
    "rows_of",
    "to_csv",
    "to_xlsx",
]


def _flatten(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}."))
        elif isinstance(value, list) and any(isinstance(v, Mapping | list) for v in value):
            flat[name] = json.dumps(value, ensure_ascii=False)  # a table inside a cell: JSON
        elif isinstance(value, list):
            flat[name] = "|".join(str(v) for v in value)
        else:
            flat[name] = value
    return flat


def _tree_rows(
    node: Mapping[str, Any], depth: int = 0, parent: str | None = None
) -> Iterator[dict[str, Any]]:
    children = node.get("children", [])
    fields = {k: v for k, v in node.items() if k != "children"}
    yield {"depth": depth, "parent": parent, **_flatten(fields)}
    for child in children:
        yield from _tree_rows(child, depth + 1, str(node.get("id")))


def rows_of(result: BaseModel) -> list[dict[str, Any]]:
    """The table of an answer (JSON-ready values)."""
    data = result.model_dump(mode="json")
    if isinstance(data.get("items"), list):
        return [_flatten(item) for item in data["items"]]
    if isinstance(data.get("tree"), Mapping):
        return list(_tree_rows(data["tree"]))
    return [_flatten(data)]


def columns_of(rows: list[dict[str, Any]]) -> list[str]:
    """Every column that occurs, in first-seen order; ``x`` is left out when ``x.*`` exist
    (an empty nested value in one row, filled in others)."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    nested = {c.split(".", 1)[0] for c in columns if "." in c}
    return [c for c in columns if c not in nested]


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The model of a field holding one nested model (``Line | None``), else None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, UnionType):
        models = [a for a in get_args(annotation) if a is not type(None)]
        return _nested_model(models[0]) if len(models) == 1 else None
    return None


def _model_columns(model: type[BaseModel], prefix: str = "") -> list[str]:
    """The columns a fully filled item of ``model`` flattens into, named as it serializes
    (``from``, not ``from_``, where the model dumps by alias)."""
    by_alias = bool(model.model_config.get("serialize_by_alias"))
    columns: list[str] = []
    for name, field in model.model_fields.items():
        key = prefix + ((field.serialization_alias or field.alias or name) if by_alias else name)
        nested = _nested_model(field.annotation)
        columns.extend(_model_columns(nested, f"{key}.") if nested else [key])
    return columns


def item_columns(result_model: type[BaseModel]) -> list[str]:
    """The columns of a list answer's items, nested models flattened as :func:`rows_of`
    flattens them: the header of an empty answer, the same as a full answer's."""
    items = result_model.model_fields.get("items")
    args = get_args(items.annotation) if items else ()
    if args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
        return _model_columns(args[0])
    return []


def header_of(rows: list[dict[str, Any]], result_model: type[BaseModel]) -> list[str]:
    """The header of an answer's table: its columns, or, with no rows, its items' columns."""
    return columns_of(rows) if rows else item_columns(result_model)


def to_csv(rows: list[dict[str, Any]], empty_columns: list[str] | None = None) -> str:
    """CSV text with a header of every column that occurs (see :func:`columns_of`);
    ``empty_columns`` is the header when there are no rows. Text that Excel would take for
    a formula is prefixed with ``'`` (:func:`exports.xlsx.spreadsheet_value`)."""
    out = io.StringIO()
    columns = columns_of(rows) if rows else (empty_columns or [])
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writerow({c: spreadsheet_value(c, quote_formulas=True) for c in columns})
    for row in rows:
        writer.writerow({k: spreadsheet_value(v, quote_formulas=True) for k, v in row.items()})
    return out.getvalue()


def to_xlsx(
    rows: list[dict[str, Any]], columns: list[str], sheet: str, target: Path | IO[bytes]
) -> None:
    """A workbook of one sheet, ``sheet``: the header ``columns``, then the rows (a column a
    row lacks is an empty cell), as :func:`to_csv` has them."""
    table = ([row.get(c) for c in columns] for row in rows)
    write_sheets(target, [(sheet, columns, table)])


# -- the terminal -------------------------------------------------------------------------------

#: Columns shown last, and so dropped first, when a table is too wide: long text.
LOW_PRIORITY = ("quote", "source")
#: A column this narrow or less is never wrapped; a wider one wraps down to this width.
_WRAP_WIDTH = 16


@dataclass(frozen=True)
class TableFit:
    """What a table of rows shows in a given width: the columns kept, in their order, with
    their widths, and those left out (empty in every row, or no room for them)."""

    widths: dict[str, int]
    dropped: list[str]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _natural(column: str, rows: list[dict[str, Any]]) -> int:
    """The width a column needs to show every cell on one line."""
    texts = [column, *(_text(row.get(column)) for row in rows)]
    return max(cell_len(line) for text in texts for line in text.splitlines() or [""])


def _priority(column: str, index: int, rows: list[dict[str, Any]]) -> tuple[int, int, int]:
    """Which columns stay when not all fit: the first column (the id) always; then any
    column with a value before one empty in every row; long text (quotes, sources) last."""
    empty = all(row.get(column) in (None, "") for row in rows)
    low = column.rsplit(".", 1)[-1] in LOW_PRIORITY
    return int(index > 0), int(empty), int(low)


def fit_columns(rows: list[dict[str, Any]], columns: list[str], width: int) -> TableFit:
    """Fit a table into ``width`` terminal cells (with rich's default box: a column costs its
    width plus 3, the table 1 more). The first column keeps its whole width, so that every
    row's id is shown unbroken, and so do short columns (kinds, dates, counts); longer text
    wraps, down to 16 cells: narrower, it is unreadable. The columns that do not fit even so
    are dropped, lowest priority first (see :func:`_priority`); the room left widens the
    columns that matter most."""
    natural = {c: _natural(c, rows) for c in columns}
    least = {
        c: natural[c] if i == 0 else min(natural[c], _WRAP_WIDTH) for i, c in enumerate(columns)
    }
    order = sorted(columns, key=lambda c: (_priority(c, columns.index(c), rows), columns.index(c)))
    kept: list[str] = []
    used = 1
    for column in order:
        if not kept or used + least[column] + 3 <= width:
            kept.append(column)
            used += least[column] + 3
    widths = {c: least[c] for c in columns if c in kept}
    room = width - used
    for column in order:
        if column in widths and room > 0:
            extra = min(room, natural[column] - widths[column])
            widths[column] += extra
            room -= extra
    return TableFit(widths, [c for c in columns if c not in kept])
