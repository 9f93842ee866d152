"""``node``: one node with every property it has, whether it exists on a day, and its source.

The answer's fields are derived from the schema declaration: every property any node label
declares (``members`` for a Party organization, ``employees`` for an enterprise, …) is an
optional field, left empty where the node has none. ``source_record`` is the source record
named by the node's ``source`` (title, publisher, date, url, language), when there is one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, Field, create_model

from graph_schema.cypher import NODE_LABEL, SOURCE_LABEL
from graph_schema.declaration import NODE_COMMON, NODE_LABELS, SOURCE_FIELDS, Prop
from graph_schema.records import Node
from graph_schema.records import active as interval_active
from queries.base import Answer, EntityParams, NamedQuery, NotFoundError, Route, Rows
from queries.cypher import cypher_label
from stores.base import CypherView, GraphView

__all__ = ["NODE", "NODE_PROPS", "NodeResult", "SameAs", "SourceInfo", "node_result"]

_PY_TYPES: Mapping[str, Any] = {
    "str": str,
    "int": int,
    "float": float,
    "date": date,
    "bool": bool,
    "str_list": list[str],
}


def _unique(props: Iterable[Prop]) -> tuple[Prop, ...]:
    seen: dict[str, Prop] = {}
    for prop in props:
        seen.setdefault(prop.name, prop)
    return tuple(seen.values())


#: Every property a node of any label may have: the common ones, then each label's own.
NODE_PROPS: tuple[Prop, ...] = _unique(
    (*NODE_COMMON, *(p for label in NODE_LABELS.values() for p in label.props))
)


def _fields(props: Iterable[Prop]) -> dict[str, Any]:
    """Model fields of declared properties: the required ones required, the rest optional."""
    fields: dict[str, Any] = {}
    for prop in props:
        ann = _PY_TYPES[prop.type]
        if prop.required:
            fields[prop.name] = (ann, Field(description=prop.description))
        else:
            fields[prop.name] = (ann | None, Field(None, description=prop.description))
    return fields


SourceInfo: type[BaseModel] = create_model(
    "SourceInfo",
    __doc__="The source record a node's facts are taken from.",
    **_fields(SOURCE_FIELDS),
)


class SameAs(BaseModel):
    """A node judged the same body as the one answered for, and merged into it: its own
    record's name and provenance (the records stay as loaded)."""

    id: str
    name: str
    kind: str
    source: str | None = None
    quote: str | None = None


_EXTRA: dict[str, Any] = {
    "as_of": (date, Field(description="the day asked about")),
    "active": (
        bool,
        Field(description="whether the node exists on as_of (valid_from ≤ as_of < valid_to)"),
    ),
    "source_record": (
        SourceInfo | None,
        Field(None, description="the source record named by `source`, if it is in the store"),
    ),
    "same_as": (
        list[SameAs] | None,
        Field(
            None,
            description="the nodes judged the same body and merged into this one (its id is "
            "the group's canonical id: the least); asked by any of their ids, the answer is "
            "this node's. Empty when there are none",
        ),
    ),
}
if clash := {p.name for p in NODE_PROPS} & set(_EXTRA):  # pragma: no cover - schema guard
    raise RuntimeError(f"node properties {sorted(clash)} clash with the fields of `node`")

NodeResult: type[Answer] = create_model(
    "NodeResult",
    __base__=Answer,
    __doc__="One node: every declared property it has, whether it exists on "
    "the day asked about, and its source record.",
    **_fields(NODE_PROPS),
    **_EXTRA,
)

_NODE_NAMES = frozenset(p.name for p in NODE_PROPS)
_SOURCE_NAMES = frozenset(p.name for p in SOURCE_FIELDS)


# -- the answer, shared by both stores ----------------------------------------------------------


def _same_as(view: CypherView | GraphView, node_id: str) -> list[SameAs] | None:
    """The records merged into ``node_id`` (None if none)."""
    found = []
    for other in view.merges().same_as(node_id):
        node = view.get_node(other)
        if node is not None:
            found.append(
                SameAs(
                    id=node.id,
                    name=node.name,
                    kind=node.kind,
                    source=node.props.get("source"),
                    quote=node.props.get("quote"),
                )
            )
    return found or None


def node_result(
    label: str,
    values: Mapping[str, Any],
    source: Mapping[str, Any] | None,
    as_of: date,
    same_as: list[SameAs] | None = None,
) -> Answer:
    """The answer from a node's label, its stored properties and its source's properties.

    Properties the schema does not declare (store internals) are left out.
    """
    props = {k: v for k, v in values.items() if k in _NODE_NAMES and v is not None}
    props["label"] = label
    found = None
    if source is not None:
        found = SourceInfo(
            **{k: v for k, v in source.items() if k in _SOURCE_NAMES and v is not None}
        )
    return NodeResult(
        **props,
        as_of=as_of,
        source_record=found,
        same_as=same_as,
        active=interval_active(props.get("valid_from"), props.get("valid_to"), as_of),
    )


# -- the embedded store -------------------------------------------------------------------------


def _values(node: Node) -> dict[str, Any]:
    return {
        "id": node.id,
        "kind": node.kind,
        "name": node.name,
        "valid_from": node.valid_from,
        "valid_to": node.valid_to,
        **node.props,
    }


def _over_graph(view: GraphView, params: EntityParams) -> Answer:
    node = view.get_node(params.id)
    if node is None:
        raise NotFoundError(params.id)
    source_id = node.props.get("source")
    source = view.get_source(source_id) if isinstance(source_id, str) else None
    values = None if source is None else {"id": source.id, **source.props}
    return node_result(node.label, _values(node), values, params.as_of, _same_as(view, params.id))


# -- Cypher -------------------------------------------------------------------------------------

CYPHER = f"""
MATCH (n:{NODE_LABEL} {{id: $id}})
OPTIONAL MATCH (s:{SOURCE_LABEL} {{id: n.source}})
RETURN {cypher_label("n")} AS label, properties(n) AS props,
       properties(s) AS source
"""


def _from_rows(view: CypherView, rows: Rows, params: EntityParams) -> Answer:
    if not rows:
        raise NotFoundError(params.id)
    row = rows[0]
    return node_result(
        row["label"], row["props"], row["source"], params.as_of, _same_as(view, params.id)
    )


NODE: NamedQuery[EntityParams, Answer] = NamedQuery(
    name="node",
    title="Node details",
    description="One node (organization, enterprise, body or area) with every property it "
    "has — names, aliases, kind, validity dates, members, employees, state equity, credit "
    "code — its provenance (source, quote, page, and the source record's title, publisher, "
    "date and link), and whether it exists on the day asked.",
    params=EntityParams,
    result=NodeResult,
    route=Route("/nodes/{id}", "nodes"),
    cypher=CYPHER,
    from_rows=_from_rows,
    over_graph=_over_graph,
    examples=(
        {"id": "tj-pipe", "as_of": "2023-06-01"},
        {"id": "bj-siemens-gb", "as_of": "2010-01-01"},
    ),
)
