"""Records as tuples: the compact form in which a load holds its valid records.

A province load holds millions of valid records between reading and writing. As plain
tuples of their canonical fields — one fixed order per record kind, ``None`` for an absent
field — they take a fraction of the memory of record objects with their ``props`` dicts, and
a store's bulk writer builds its rows from them without building records at all.

The orders derive from the declaration (:mod:`graph_schema.declaration`): the fields the
record classes of :mod:`graph_schema.records` hold as attributes first (in their order), then
every other declared field of the record kind, in declaration order. So ``Node(*row[:6],
props)`` is the node of a node row. Values are the validated ones: dates as ``date``, numbers
as ``int`` / ``float``, lists as lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import orjson

from graph_schema.declaration import (
    EDGE_COMMON,
    NODE_COMMON,
    NODE_LABELS,
    REL_TYPES,
    SOURCE_FIELDS,
    TRANSFER_FIELDS,
)
from graph_schema.records import Edge, Node, Record, Source, Transfer

__all__ = [
    "CORE",
    "EDGE_ROW",
    "NODE_ROW",
    "ROW_FIELDS",
    "SOURCE_ROW",
    "TRANSFER_ROW",
    "Row",
    "edge_key",
    "record_of",
    "row_json",
    "row_of",
]

#: one record as a tuple of its kind's fields (see :data:`ROW_FIELDS`)
Row = tuple[Any, ...]

#: per record kind, the fields a record class holds as attributes (the rest are ``props``)
CORE: Mapping[str, tuple[str, ...]] = {
    "node": ("id", "label", "kind", "name", "valid_from", "valid_to"),
    "edge": ("type", "from", "to", "kind", "valid_from", "valid_to"),
    "transfer": ("id", "org", "status", "date"),
    "source": ("id",),
}


def _order(kind: str, names: Iterable[str]) -> tuple[str, ...]:
    core = CORE[kind]
    return (*core, *dict.fromkeys(n for n in names if n not in core))


NODE_ROW = _order(
    "node",
    (p.name for props in (NODE_COMMON, *(lb.props for lb in NODE_LABELS.values())) for p in props),
)
EDGE_ROW = _order(
    "edge",
    (p.name for props in (EDGE_COMMON, *(r.props for r in REL_TYPES.values())) for p in props),
)
TRANSFER_ROW = _order("transfer", (p.name for p in TRANSFER_FIELDS))
SOURCE_ROW = _order("source", (p.name for p in SOURCE_FIELDS))

#: record kind → the fields of its rows, in order
ROW_FIELDS: Mapping[str, tuple[str, ...]] = {
    "node": NODE_ROW,
    "edge": EDGE_ROW,
    "transfer": TRANSFER_ROW,
    "source": SOURCE_ROW,
}

_PROPS = {kind: fields[len(CORE[kind]) :] for kind, fields in ROW_FIELDS.items()}


def _props(kind: str, row: Row) -> dict[str, Any]:
    start = len(CORE[kind])
    return {k: v for k, v in zip(_PROPS[kind], row[start:], strict=True) if v is not None}


def record_of(kind: str, row: Row) -> Record:
    """The record of a row (as :func:`graph_schema.models.validate_record` returns it)."""
    props = _props(kind, row)
    if kind == "node":
        return Node(row[0], row[1], row[2], row[3], row[4], row[5], props)
    if kind == "edge":
        return Edge(row[0], row[1], row[2], row[3], row[4], row[5], props)
    if kind == "transfer":
        return Transfer(row[0], row[1], row[2], row[3], props)
    return Source(row[0], props)


def _record_values(record: Record) -> tuple[str, dict[str, Any]]:
    if isinstance(record, Node):
        return "node", {
            "id": record.id,
            "label": record.label,
            "kind": record.kind,
            "name": record.name,
            "valid_from": record.valid_from,
            "valid_to": record.valid_to,
            **record.props,
        }
    if isinstance(record, Edge):
        return "edge", {
            "type": record.type,
            "from": record.src,
            "to": record.dst,
            "kind": record.kind,
            "valid_from": record.valid_from,
            "valid_to": record.valid_to,
            **record.props,
        }
    if isinstance(record, Transfer):
        return "transfer", {
            "id": record.id,
            "org": record.org,
            "status": record.status,
            "date": record.date,
            **record.props,
        }
    return "source", {"id": record.id, **record.props}


def row_of(record: Record) -> tuple[str, Row]:
    """The record kind and row of a valid record.

    Raises ValueError for a property its kind does not declare (a valid record has none).
    """
    kind, values = _record_values(record)
    fields = ROW_FIELDS[kind]
    unknown = values.keys() - set(fields)
    if unknown:
        raise ValueError(f"not a field of a {kind} record: {', '.join(sorted(unknown))}")
    return kind, tuple(values.get(name) for name in fields)


_SORTED = {
    kind: tuple(sorted(enumerate(fields), key=lambda item: item[1]))
    for kind, fields in ROW_FIELDS.items()
}


def row_json(kind: str, row: Row) -> str:
    """The canonical JSON text of a row's record: the same text as
    :func:`graph_schema.records.canonical_json` of :func:`record_of` gives, built without
    the record (keys sorted, empty values left out, dates as ``YYYY-MM-DD``)."""
    data: dict[str, Any] = {"record": kind}
    for index, name in _SORTED[kind]:
        value = row[index]
        if value is not None:
            data[name] = value
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode()


def edge_key(row: Row) -> str:
    """The natural key of an edge row: ``TYPE|from|to|kind|valid_from`` (see ``Edge.key``)."""
    start: date | None = row[4]
    return f"{row[0]}|{row[1]}|{row[2]}|{row[3] or ''}|{start.isoformat() if start else ''}"
