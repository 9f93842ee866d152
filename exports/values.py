"""Property values as text, and the property columns of each record kind, from the schema."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from graph_schema.declaration import (
    EDGE_COMMON,
    NODE_COMMON,
    NODE_LABELS,
    REL_TYPES,
    SOURCE_FIELDS,
    TRANSFER_FIELDS,
    Prop,
)
from graph_schema.records import evidence_json

__all__ = [
    "EDGE_PROPS",
    "LIST_SEPARATOR",
    "NODE_PROPS",
    "SOURCE_PROPS",
    "TRANSFER_PROPS",
    "cell",
    "unique_props",
]

#: How list values (aliases) are joined, as in the canonical CSV format.
LIST_SEPARATOR = "|"


def unique_props(props: Iterable[Prop]) -> tuple[Prop, ...]:
    """The properties in order, each name once (the first declaration wins)."""
    seen: dict[str, Prop] = {}
    for prop in props:
        seen.setdefault(prop.name, prop)
    return tuple(seen.values())


#: Every field a node record may have, whatever its label, in declaration order.
NODE_PROPS = unique_props((*NODE_COMMON, *(p for lb in NODE_LABELS.values() for p in lb.props)))
#: Every field an edge record may have, whatever its type.
EDGE_PROPS = unique_props((*EDGE_COMMON, *(p for rel in REL_TYPES.values() for p in rel.props)))
TRANSFER_PROPS = unique_props(TRANSFER_FIELDS)
SOURCE_PROPS = unique_props(SOURCE_FIELDS)


def cell(value: Any) -> str:
    """A value as CSV text: dates ``YYYY-MM-DD``, lists joined with ``|``, booleans
    ``true``/``false``, numbers as Python writes them, no value as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple) and value and isinstance(value[0], dict):
        return evidence_json(value)
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(cell(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    return str(value)
