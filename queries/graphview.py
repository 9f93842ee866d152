"""Graph-shaped answers as nodes + edges, ready for a graph library (``?format=graph``).

Cytoscape.js, networkx (``node_link_graph`` with ``edges="edges"``), D3 and Gephi's JSON
importer all take this shape: a node list with ids and attributes, an edge list with
``source`` and ``target``.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import Any

from pydantic import BaseModel, Field

from queries.chain import ChainResult
from queries.subtree import SubtreeResult, TreeNode
from queries.superiors import SuperiorsResult

__all__ = ["GRAPH_VIEWS", "GraphAnswer", "GraphEdge", "GraphNode"]


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


def _node(values: dict[str, Any], *skip: str) -> GraphNode:
    rest = {k: v for k, v in values.items() if k not in (*_CORE, *skip) and v is not None}
    return GraphNode(**{k: values[k] for k in _CORE}, data=rest)


def chain_graph(result: BaseModel) -> GraphAnswer:
    """The reporting line: each step, and the AFFILIATED_TO line up from the one below."""
    assert isinstance(result, ChainResult)
    steps = [s.model_dump(mode="json") for s in result.items]
    edges = [
        GraphEdge(
            source=below["id"],
            target=step["id"],
            type="AFFILIATED_TO",
            kind=step["line"]["kind"],
            data={k: v for k, v in step["line"].items() if k != "kind" and v},
        )
        for below, step in pairwise(steps)
    ]
    return GraphAnswer(
        query="chain", id=result.id, nodes=[_node(s, "line") for s in steps], edges=edges
    )


def subtree_graph(result: BaseModel) -> GraphAnswer:
    """The tree: every node shown, and the AFFILIATED_TO line from each child to its parent."""
    assert isinstance(result, SubtreeResult)
    nodes: list[GraphNode] = []
    edges: list[GraphEdge] = []
    stack: list[tuple[TreeNode, str | None]] = [(result.tree, None)]
    while stack:
        tree, parent = stack.pop()
        nodes.append(_node(tree.model_dump(mode="json"), "children"))
        if parent is not None:
            edges.append(GraphEdge(source=tree.id, target=parent, type="AFFILIATED_TO"))
        stack.extend((child, tree.id) for child in reversed(tree.children))
    return GraphAnswer(query="subtree", id=result.id, nodes=nodes, edges=edges)


def superiors_graph(result: BaseModel) -> GraphAnswer:
    """The entity in the centre, each superior around it, one edge per line.

    A line that reaches the enterprise through an organization based in it runs to that
    organization, which is linked to the enterprise by BASED_IN.
    """
    assert isinstance(result, SuperiorsResult)
    nodes = {result.id: GraphNode(id=result.id, data={"role": "entity"})}
    edges: list[GraphEdge] = []
    for item in result.items:
        values = item.model_dump(mode="json")
        nodes.setdefault(
            item.id,
            GraphNode(
                id=item.id,
                label=item.label,
                kind=item.kind,
                name=item.name,
                data={"role": "superior"},
            ),
        )
        target = item.via or result.id
        if item.via and item.via not in nodes:
            nodes[item.via] = GraphNode(id=item.via, data={"role": "based organization"})
            edges.append(GraphEdge(source=item.via, target=result.id, type="BASED_IN"))
        rel_type = "AFFILIATED_TO" if item.relation == "affiliation" else "SUPERVISES"
        line = {k: values[k] for k in ("valid_from", "valid_to", "source", "quote") if values[k]}
        if rel_type == "AFFILIATED_TO":  # the formal line runs from the organization upward
            edges.append(
                GraphEdge(
                    source=target, target=item.id, type=rel_type, kind=item.line_kind, data=line
                )
            )
        else:
            edges.append(
                GraphEdge(
                    source=item.id, target=target, type=rel_type, kind=item.line_kind, data=line
                )
            )
    return GraphAnswer(query="superiors", id=result.id, nodes=list(nodes.values()), edges=edges)


#: Query name → how its answer becomes a graph.
GRAPH_VIEWS: dict[str, Callable[[BaseModel], GraphAnswer]] = {
    "chain": chain_graph,
    "subtree": subtree_graph,
    "superiors": superiors_graph,
}
