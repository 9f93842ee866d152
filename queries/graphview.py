"""Graph-shaped answers as nodes + edges, ready for a graph library (``?format=graph``).

Cytoscape.js, networkx (``node_link_graph`` with ``edges="edges"``), D3 and Gephi's JSON
importer all take this shape: a node list with ids and attributes, an edge list with
``source`` and ``target``. A query with such a view declares it (``NamedQuery.graph``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = ["GraphAnswer", "GraphEdge", "GraphNode", "graph_node"]


class GraphNode(BaseModel):
    """A node of a graph answer (label, kind and name when the answer carries them)."""

    id: str
    label: str | None = None
    kind: str | None = None
    name: str | None = None
    data: dict[str, Any] = Field(default_factory=dict, description="the rest of its fields")


class GraphEdge(BaseModel):
    """An edge of a graph answer."""

    source: str
    target: str
    type: str
    kind: str | None = None
    data: dict[str, Any] = Field(default_factory=dict, description="dates, provenance, …")


class GraphAnswer(BaseModel):
    """Nodes and edges of one answer."""

    query: str
    id: str
    nodes: list[GraphNode]
    edges: list[GraphEdge]


_CORE = ("id", "label", "kind", "name")


def graph_node(values: dict[str, Any], *skip: str) -> GraphNode:
    """A node of a graph answer from an answer's item (JSON values): its id, label, kind and
    name, and the rest of its fields (but ``skip``) as data."""
    rest = {k: v for k, v in values.items() if k not in (*_CORE, *skip) and v is not None}
    return GraphNode(**{k: values[k] for k in _CORE}, data=rest)
