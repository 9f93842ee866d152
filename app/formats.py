"""Answers as tables: the rows of a query result, for CSV and the terminal.

A list answer's rows are its items; a tree (``children``) is walked into rows with depth and
parent; anything else is one row. Nested values are flattened (``line.kind``) and lists
joined with ``|``, as in the canonical CSV format.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from typing import Any, get_args

from pydantic import BaseModel

__all__ = ["columns_of", "item_columns", "rows_of", "to_csv"]


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


def item_columns(result_model: type[BaseModel]) -> list[str]:
    """The top-level fields of a list answer's items (the header of an empty CSV)."""
    items = result_model.model_fields.get("items")
    args = get_args(items.annotation) if items else ()
    if args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
        return list(args[0].model_fields)
    return []


def to_csv(rows: list[dict[str, Any]], empty_columns: list[str] | None = None) -> str:
    """CSV text with a header of every column that occurs (see :func:`columns_of`);
    ``empty_columns`` is the header when there are no rows."""
    out = io.StringIO()
    columns = columns_of(rows) if rows else (empty_columns or [])
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
