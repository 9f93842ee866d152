"""Nodes by name: a source table may name a superior, enterprise or area instead of giving its id.

Researchers copy rosters as they stand: 上级党组织 holds 丰城街道党工委, not ``fx-fengcheng-wc``. A
reference in a source table that is no id of the load or the store is looked up as an exact
name or alias (NFC, trimmed) among the nodes of the load and the store that may stand at its
place (the labels the line's type allows there). One such node: the reference is read as its
id, and the load says so. Several: a located error listing their ids. None: the usual
unknown-id error. Canonical files always give ids.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from graph_schema.rows import EDGE_ROW, TRANSFER_ROW
from loaders.errors import LoadError, Notice
from loaders.validate import Batch, Located, reference
from stores.base import GraphStore

__all__ = ["Resolved", "resolve_names"]

#: the fields of an edge or transfer row that name a node, with their position in the row
_REFS = {
    "edge": {name: EDGE_ROW.index(name) for name in ("from", "to")},
    "transfer": {
        name: TRANSFER_ROW.index(name) for name in ("org", "from", "proposed_to", "decided_to")
    },
}


@dataclass
class Resolved:
    """What looking names up found: the labels of the ids found, errors and notices."""

    labels: dict[str, str]
    errors: list[LoadError]
    notices: list[Notice]


def _places(batch: Batch, wanted: set[str]) -> Iterator[tuple[str, int, str, str]]:
    """(record kind, row index, field, text) of each reference to one of ``wanted`` made by
    a source table's row."""
    for kind, fields in _REFS.items():
        rows = batch.of(kind)
        for index, row in enumerate(rows.rows):
            if not rows.is_from_table(index):
                continue
            for name, at in fields.items():
                if row[at] in wanted:
                    yield kind, index, name, row[at]


def _batch_names(batch: Batch) -> dict[str, list[tuple[str, str]]]:
    """Name or alias → (id, label) of the load's nodes."""
    found: dict[str, list[tuple[str, str]]] = {}
    nodes = batch.nodes
    for node_id, label, name, aliases in zip(
        nodes.column("id"),
        nodes.column("label"),
        nodes.column("name"),
        nodes.column("aliases"),
        strict=True,
    ):
        for text in {name, *(aliases or ())}:
            found.setdefault(text, []).append((node_id, label))
    return found


def resolve_names(batch: Batch, store: GraphStore, unresolved: set[str]) -> Resolved:
    """Read the references among ``unresolved`` that a source table made as names or aliases
    of nodes; rewrite them in the load's rows."""
    out = Resolved({}, [], [])
    places = list(_places(batch, unresolved))
    if not places:
        return out
    texts = {text for *_, text in places}
    named = {t: list(v) for t, v in _batch_names(batch).items() if t in texts}
    for text, found in store.nodes_named(texts).items():
        named.setdefault(text, []).extend(found)
    for kind, index, field, text in places:
        rows = batch.of(kind)
        item = rows.located(index)
        allowed = set(_allowed(item, field, text))
        candidates = sorted({c for c in named.get(text, ()) if c[1] in allowed})
        if len(candidates) == 1:
            node_id, label = candidates[0]
            row = list(rows.rows[index])
            row[_REFS[kind][field]] = node_id
            rows.rows[index] = tuple(row)
            out.labels[node_id] = label
            out.notices.append(
                Notice(
                    item.file,
                    item.line,
                    item.column(field),
                    text,
                    f"read as the id {node_id!r}: the {label} of that name",
                )
            )
        elif candidates:
            ids = ", ".join(repr(c[0]) for c in candidates)
            out.errors.append(
                item.error(
                    field,
                    text,
                    f"expected one node of this name, or an id: "
                    f"{len(candidates)} nodes are named so ({ids}); give the id",
                )
            )
    return out


def _allowed(item: Located, field: str, text: str) -> tuple[str, ...]:
    """The labels a node may have at this place of the record."""
    return reference(item, field, text).labels
