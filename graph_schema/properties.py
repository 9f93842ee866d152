"""Records as graph properties: what a node, relationship, ``:Source`` or ``:Transfer`` of the
graph mapping (:mod:`graph_schema.cypher`) carries.

The Neo4j store writes and reads these maps, and the neo4j-admin export writes the same ones
offline, so a database imported from the export equals one loaded by ``affgraph load``. Each
map carries the record's change hash (:data:`HASH_PROPERTY`), by which a write tells a changed
record from an unchanged one. Values are plain Python (dates as ``datetime.date``); turning
them into a driver's types is the store's business.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from graph_schema.declaration import NODE_LABELS
from graph_schema.records import (
    Edge,
    Judgement,
    Node,
    Source,
    Transfer,
    canonical_json,
    evidence_from_canonical,
    evidence_json,
    judgement_from_canonical,
    judgement_to_canonical,
)

__all__ = [
    "HASH_PROPERTY",
    "edge_from_properties",
    "edge_properties",
    "judgement_from_properties",
    "judgement_properties",
    "node_from_properties",
    "node_properties",
    "record_properties",
    "source_from_properties",
    "transfer_from_properties",
]

#: The property holding a record's change hash.
HASH_PROPERTY = "_hash"


def _hash(record: Node | Edge | Source | Transfer) -> str:
    return hashlib.blake2b(canonical_json(record).encode(), digest_size=12).hexdigest()


def _present(props: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if v is not None}


def node_properties(node: Node) -> dict[str, Any]:
    """A graph node's properties (its labels are ``:Node`` and ``node.label``)."""
    return _present(
        {
            "id": node.id,
            "kind": node.kind,
            "name": node.name,
            "valid_from": node.valid_from,
            "valid_to": node.valid_to,
            **node.props,
            HASH_PROPERTY: _hash(node),
        }
    )


def edge_properties(edge: Edge) -> dict[str, Any]:
    """A relationship's properties. Its evidence, a list of maps, which a property cannot
    hold, is JSON text."""
    props = {
        "key": edge.key,
        "kind": edge.kind,
        "valid_from": edge.valid_from,
        "valid_to": edge.valid_to,
        **edge.props,
        HASH_PROPERTY: _hash(edge),
    }
    if edge.props.get("evidence") is not None:
        props["evidence"] = evidence_json(edge.props["evidence"])
    return _present(props)


def record_properties(record: Source | Transfer) -> dict[str, Any]:
    """A ``:Source`` or ``:Transfer`` node's properties."""
    core: dict[str, Any] = {"id": record.id}
    if isinstance(record, Transfer):
        core.update(org=record.org, status=record.status, date=record.date)
    return _present({**core, **record.props, HASH_PROPERTY: _hash(record)})


def judgement_properties(judgement: Judgement) -> dict[str, Any]:
    """A ``:Judgement`` node's properties (its canonical fields and the change hash)."""
    values = judgement_to_canonical(judgement)
    del values["record"]
    text = orjson.dumps(values, option=orjson.OPT_SORT_KEYS)
    return {**values, HASH_PROPERTY: hashlib.blake2b(text, digest_size=12).hexdigest()}


def judgement_from_properties(values: Mapping[str, Any]) -> Judgement:
    """The judgement record of a ``:Judgement`` node."""
    return judgement_from_canonical(_declared(values))


def _declared(values: Mapping[str, Any]) -> dict[str, Any]:
    """The properties without the change hash."""
    return {k: v for k, v in values.items() if k != HASH_PROPERTY}


def node_from_properties(labels: Iterable[str], values: Mapping[str, Any]) -> Node:
    """The node record of a graph node, from its labels and properties."""
    props = _declared(values)
    label = next(lb for lb in labels if lb in NODE_LABELS)
    return Node(
        props.pop("id"),
        label,
        props.pop("kind"),
        props.pop("name"),
        props.pop("valid_from", None),
        props.pop("valid_to", None),
        props,
    )


def edge_from_properties(rel_type: str, src: str, dst: str, values: Mapping[str, Any]) -> Edge:
    """The edge record of a relationship, from its type, ends and properties."""
    props = _declared(values)
    props.pop("key", None)
    if "evidence" in props:
        props["evidence"] = evidence_from_canonical(props["evidence"])
    return Edge(
        rel_type,
        src,
        dst,
        props.pop("kind", None),
        props.pop("valid_from", None),
        props.pop("valid_to", None),
        props,
    )


def transfer_from_properties(values: Mapping[str, Any]) -> Transfer:
    """The transfer record of a ``:Transfer`` node."""
    props = _declared(values)
    return Transfer(
        props.pop("id"), props.pop("org"), props.pop("status"), props.pop("date", None), props
    )


def source_from_properties(values: Mapping[str, Any]) -> Source:
    """The source record of a ``:Source`` node."""
    props = _declared(values)
    return Source(props.pop("id"), props)
