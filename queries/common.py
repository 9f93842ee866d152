"""Building blocks shared by the queries: as-of tests on both stores, graph walks, Cypher.

"As of D" means valid_from ≤ D < valid_to, for edges and for the nodes they touch. The
embedded side reads the in-memory graph (see :mod:`stores.embedded` for what it holds);
the Cypher side composes the same tests as text at import time, so each query still has
exactly one Cypher text.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from graph_schema import records
from graph_schema.cypher import NODE_LABEL, cypher_active, cypher_label
from stores.embedded import Adjacency, adjacency

__all__ = [
    "Adjacency",
    "Attrs",
    "active",
    "adjacency",
    "cypher_active",
    "cypher_based_orgs",
    "cypher_label",
    "cypher_node",
    "lines_in",
    "lines_out",
    "node_ref",
]

Attrs = Mapping[str, Any]


def active(attrs: Attrs, as_of: date) -> bool:
    """Whether a node or edge (by its graph attributes) holds on ``as_of``."""
    return records.active(attrs.get("valid_from"), attrs.get("valid_to"), as_of)


def lines_out(
    adj: Adjacency, node_id: str, rel_type: str, as_of: date | None
) -> Iterator[tuple[str, int, Attrs]]:
    """(target, edge key, edge attrs) of ``rel_type`` edges leaving a node that hold on
    ``as_of`` (None: every one), whatever the target's own dates."""
    for target, keys in adj.succ[node_id].items():
        for key, attrs in keys.items():
            if attrs["type"] == rel_type and (as_of is None or active(attrs, as_of)):
                yield target, key, attrs


def lines_in(
    adj: Adjacency, node_id: str, rel_type: str, as_of: date | None
) -> Iterator[tuple[str, int, Attrs]]:
    """(source, edge key, edge attrs) of ``rel_type`` edges arriving at a node; see
    :func:`lines_out`."""
    for source, keys in adj.pred[node_id].items():
        for key, attrs in keys.items():
            if attrs["type"] == rel_type and (as_of is None or active(attrs, as_of)):
                yield source, key, attrs


def node_ref(adj: Adjacency, node_id: str) -> dict[str, Any]:
    """The id, label, kind and name of a node, as answers show it."""
    attrs = adj.node[node_id]
    return {"id": node_id, "label": attrs["label"], "kind": attrs["kind"], "name": attrs["name"]}


def cypher_node(var: str) -> str:
    """Cypher map of a node as answers show it (id, label, kind, name)."""
    return f"{{id: {var}.id, label: {cypher_label(var)}, kind: {var}.kind, name: {var}.name}}"


def cypher_based_orgs(enterprise: str) -> str:
    """Cypher pattern and test for the active organizations ``o`` based in enterprise
    ``enterprise`` by an active line ``b`` (for ``OPTIONAL MATCH``)."""
    return (
        f"(o:{NODE_LABEL})-[b:BASED_IN]->({enterprise})\n"
        f"WHERE {enterprise}:Enterprise AND o:PartyOrg AND {cypher_active('b')} "
        f"AND {cypher_active('o')}"
    )
