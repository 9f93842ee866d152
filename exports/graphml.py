"""GraphML export, for Gephi, yEd, networkx and the like.

Nodes keep their id; every property is a typed GraphML attribute: ``label`` (PartyOrg,
Enterprise, Body, Area), ``kind``, ``name`` …; integers as ``long``, decimals as ``double``,
booleans as ``boolean``; dates as ``YYYY-MM-DD`` strings and lists joined with ``|``. Edges
carry ``type`` and their properties, and keep their key (``TYPE|from|to|kind|valid_from``)
as the GraphML edge id, so parallel lines stay distinct. Transfers and sources are not part
of the graph and are left out (use the JSON or CSV export for them).

Read it back with ``networkx.read_graphml(path, force_multigraph=True, edge_key_type=str)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exports.snapshot import Snapshot
from exports.values import EDGE_PROPS, LIST_SEPARATOR, NODE_PROPS
from graph_schema.declaration import Prop
from graph_schema.records import Edge, Node, evidence_json

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["build_graph", "write_graphml"]

_NODE_TYPES = {p.name: p for p in NODE_PROPS}
_EDGE_TYPES = {p.name: p for p in EDGE_PROPS}


def _typed(prop: Prop | None, value: Any) -> Any:
    """A value as GraphML holds it: one Python type per attribute, whatever the store gave."""
    kind = prop.type if prop is not None else "str"
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "bool":
        return bool(value)
    if kind == "date" or isinstance(value, date):
        return value.isoformat() if isinstance(value, date) else str(value)
    if kind == "evidence":
        return evidence_json(value)
    if kind == "str_list" or isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return str(value)


def _attrs(values: Mapping[str, Any], types: Mapping[str, Prop]) -> dict[str, Any]:
    return {k: _typed(types.get(k), v) for k, v in values.items() if v is not None}


def _node_attrs(node: Node) -> dict[str, Any]:
    return _attrs(
        {
            "label": node.label,
            "kind": node.kind,
            "name": node.name,
            "valid_from": node.valid_from,
            "valid_to": node.valid_to,
            **node.props,
        },
        _NODE_TYPES,
    )


def _edge_attrs(edge: Edge) -> dict[str, Any]:
    return _attrs(
        {
            "type": edge.type,
            "kind": edge.kind,
            "valid_from": edge.valid_from,
            "valid_to": edge.valid_to,
            **edge.props,
        },
        _EDGE_TYPES,
    )


def build_graph(snapshot: Snapshot) -> nx.MultiDiGraph[str]:
    """The export as a networkx ``MultiDiGraph`` with GraphML-ready attributes (networkx is
    imported when first needed: a server starting need not pay for it)."""
    import networkx as nx

    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    graph.graph["affgraph_format"] = "1"
    if snapshot.as_of is not None:
        graph.graph["as_of"] = snapshot.as_of.isoformat()
    for node in snapshot.nodes():
        graph.add_node(node.id, **_node_attrs(node))
    for edge in snapshot.edges():
        graph.add_edge(edge.src, edge.dst, key=edge.key, **_edge_attrs(edge))
    return graph


def write_graphml(snapshot: Snapshot, path: Path) -> list[Path]:
    """Write the GraphML export to ``path``."""
    import networkx as nx

    graph = build_graph(snapshot)
    nx.write_graphml(graph, path, encoding="utf-8", prettyprint=True)
    return [path]
