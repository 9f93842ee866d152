"""``subtree``: everything under a Party organization on a day, as a tree.

The children of an organization are the organizations that exist on the day and have an
AFFILIATED_TO line to it that holds on the day. The tree is laid out breadth-first:

* each organization's **level** is its distance from the root along such lines (root 0);
* the organizations shown are those with a level up to ``depth``, taken in (level, id) order
  until ``max_nodes`` are shown (root included); ``truncated`` says that some were left out;
* each one shown hangs under the first (by id) of its superiors on the level above; one
  reached twice (two superiors, or a cycle back up the tree) is shown once, at its first place;
* ``hidden`` counts the children of a node that are not shown anywhere: beyond the depth
  cut, or left out by ``max_nodes``.

:func:`levels_below` is shared with :mod:`queries.stats`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from graph_schema.cypher import NODE_LABEL
from queries.base import Answer, EntityParams, NamedQuery, NotFoundError, QueryError, Route, Rows
from queries.cypher import MAX_DEPTH, cypher_active, cypher_descendants, cypher_node
from queries.graph import Adjacency, active, lines_in
from queries.graphview import GraphAnswer, GraphEdge, GraphNode, graph_node
from stores.base import CypherView, GraphView
from stores.deadline import bounded

__all__ = [
    "MAX_DEPTH",
    "MAX_NODES",
    "SUBTREE",
    "SubtreeParams",
    "SubtreeResult",
    "TreeNode",
    "build_tree",
    "check_root",
    "levels_below",
]

#: The most nodes one subtree answer may show.
MAX_NODES = 50_000
AFFILIATED_TO = "AFFILIATED_TO"
PARTY_ORG = "PartyOrg"


class SubtreeParams(EntityParams):
    """Which subtree, how deep, and how large at most."""

    depth: int = Field(
        3, ge=1, le=MAX_DEPTH, description=f"levels below the root to show (1–{MAX_DEPTH})"
    )
    max_nodes: int = Field(
        5000,
        ge=1,
        le=MAX_NODES,
        description="the most nodes to show, "
        f"root included (1–{MAX_NODES:,}); the tree is cut breadth-first",
    )


class TreeNode(BaseModel):
    """One organization in the tree."""

    id: str
    label: str
    kind: str
    name: str
    members: int | None = None
    children: list[TreeNode] = Field(
        default_factory=list, description="the organizations under it, by id"
    )
    hidden: int = Field(
        0, description="children not shown: beyond the depth cut or left out by max_nodes"
    )


class SubtreeResult(Answer):
    """The tree under an organization, with counts of what is shown."""

    id: str
    as_of: date
    depth: int
    active: bool = Field(description="whether the root itself exists on as_of")
    tree: TreeNode
    counts: dict[str, int] = Field(description="nodes shown by kind, root included")
    total: int = Field(description="nodes shown, root included")
    truncated: bool = Field(description="whether max_nodes left organizations out")


# -- the rules, shared by both stores ----------------------------------------------------------


def check_root(node_id: str, label: str | None) -> None:
    """A subtree hangs under a Party organization that is in the store."""
    if label is None:
        raise NotFoundError(node_id)
    if label != PARTY_ORG:
        raise QueryError(f"{node_id!r} is a {label}: a subtree hangs under a PartyOrg")


def build_tree(
    root: str, rows: Sequence[Mapping[str, Any]], params: SubtreeParams
) -> SubtreeResult:
    """Lay out the tree from one row per candidate node.

    ``rows``: the root (level 0) and up to ``max_nodes`` organizations with a level from 1 to
    ``depth`` — the first in (level, id) order, or all of them; each with id, label, kind,
    name, members, level, active and ``kids`` (the ids of its children, any level).
    """
    by_id = {row["id"]: row for row in rows}
    check_root(root, by_id[root]["label"] if root in by_id else None)
    below = sorted(
        (row for row in rows if row["id"] != root), key=lambda row: (row["level"], row["id"])
    )
    cut = [row for row in below if row["level"] <= params.depth]
    shown = [by_id[root], *cut[: params.max_nodes - 1]]
    items = {
        row["id"]: TreeNode(
            id=row["id"],
            label=row["label"],
            kind=row["kind"],
            name=row["name"],
            members=row.get("members"),
        )
        for row in bounded(shown)
    }
    placed = {root}
    for row in bounded(shown):
        item = items[row["id"]]
        for kid in sorted(set(row["kids"])):
            if kid not in items:
                item.hidden += 1
            elif kid not in placed and by_id[kid]["level"] == row["level"] + 1:
                item.children.append(items[kid])
                placed.add(kid)
    counts: dict[str, int] = {}
    for row in shown:
        counts[row["kind"]] = counts.get(row["kind"], 0) + 1
    return SubtreeResult(
        id=root,
        as_of=params.as_of,
        depth=params.depth,
        active=bool(by_id[root]["active"]),
        tree=items[root],
        counts=dict(sorted(counts.items())),
        total=len(shown),
        truncated=len(cut) > params.max_nodes - 1,
    )


# -- the embedded store -------------------------------------------------------------------------


def _children(adj: Adjacency, node_id: str, as_of: date) -> set[str]:
    """The organizations that exist on ``as_of`` with a line to ``node_id`` holding then."""
    nodes = adj.node
    return {
        src
        for src, _, _ in lines_in(adj, node_id, AFFILIATED_TO, as_of)
        if nodes[src]["label"] == PARTY_ORG and active(nodes[src], as_of)
    }


def levels_below(
    adj: Adjacency, root: str, as_of: date, depth: int, enough: int | None = None
) -> dict[str, int]:
    """The level of every organization under ``root`` down to ``depth`` (root: 0).

    With ``enough``, stops after the first level by which that many were found below the
    root: deeper levels come later in (level, id) order and cannot be among the first
    ``enough``.
    """
    levels = {root: 0}
    frontier = [root]
    level = 0
    while frontier and level < depth:
        if enough is not None and len(levels) - 1 >= enough:
            break
        level += 1
        found = []
        for node_id in bounded(frontier):
            for kid in _children(adj, node_id, as_of):
                if kid not in levels:
                    levels[kid] = level
                    found.append(kid)
        frontier = found
    return levels


def _over_graph(view: GraphView, params: SubtreeParams) -> SubtreeResult:
    with view.reading_graph() as adj:
        root = params.id
        attrs = adj.node.get(root)
        check_root(root, None if attrs is None else attrs["label"])
        levels = levels_below(adj, root, params.as_of, params.depth, params.max_nodes)
        below = sorted((level, node_id) for node_id, level in levels.items() if node_id != root)
        rows = []
        for level, node_id in bounded([(0, root), *below[: params.max_nodes]]):
            node = adj.node[node_id]
            rows.append(
                {
                    "id": node_id,
                    "label": node["label"],
                    "kind": node["kind"],
                    "name": node["name"],
                    "members": node.get("members"),
                    "level": level,
                    "active": active(node, params.as_of),
                    "kids": _children(adj, node_id, params.as_of),
                }
            )
    return build_tree(root, rows, params)


# -- Cypher -------------------------------------------------------------------------------------


CYPHER = f"""
MATCH (r:{NODE_LABEL} {{id: $id}})
OPTIONAL MATCH {cypher_descendants("r", "c")}
  AND length(p) <= $depth AND c <> r
WITH r, c, min(length(p)) AS level
ORDER BY level, c.id
LIMIT $max_nodes
WITH r, collect(CASE WHEN c IS NULL THEN null ELSE {{node: c, level: level}} END) AS found
UNWIND [{{node: r, level: 0}}] + found AS row
WITH row.node AS n, row.level AS level
OPTIONAL MATCH (n)<-[x:{AFFILIATED_TO}]-(k:{PARTY_ORG})
WHERE {cypher_active("x")} AND {cypher_active("k")}
RETURN {cypher_node("n")} AS node, n.members AS members, level, {cypher_active("n")} AS active,
       collect(k.id) AS kids
"""


def _from_rows(view: CypherView, rows: Rows, params: SubtreeParams) -> SubtreeResult:
    found = [
        {
            **row["node"],
            "members": row["members"],
            "level": row["level"],
            "active": row["active"],
            "kids": row["kids"],
        }
        for row in rows
    ]
    return build_tree(params.id, found, params)


def subtree_graph(result: SubtreeResult) -> GraphAnswer:
    """The tree: every node shown, and the AFFILIATED_TO line from each child to its parent."""
    nodes: list[GraphNode] = []
    edges: list[GraphEdge] = []
    stack: list[tuple[TreeNode, str | None]] = [(result.tree, None)]
    while stack:
        tree, parent = stack.pop()
        nodes.append(graph_node(tree.model_dump(mode="json"), "children"))
        if parent is not None:
            edges.append(GraphEdge(source=tree.id, target=parent, type="AFFILIATED_TO"))
        stack.extend((child, tree.id) for child in reversed(tree.children))
    return GraphAnswer(query="subtree", id=result.id, nodes=nodes, edges=edges)


SUBTREE: NamedQuery[SubtreeParams, SubtreeResult] = NamedQuery(
    name="subtree",
    title="Organizations under an organization",
    description="Everything under a Party organization on a day, as a tree: its child "
    "organizations (with an AFFILIATED_TO line to it), theirs, and so on down to a depth, "
    "each with kind and members, plus counts by kind. Cut breadth-first at max_nodes; "
    "`hidden` says how many children of a node are not shown.",
    params=SubtreeParams,
    result=SubtreeResult,
    route=Route("/orgs/{id}/subtree", "organizations"),
    cypher=CYPHER,
    from_rows=_from_rows,
    over_graph=_over_graph,
    examples=(
        {"id": "bj-ipb-pc", "as_of": "2010-01-01", "depth": "2"},
        {"id": "bj-ipb-pc", "as_of": "2010-01-01", "depth": "1", "max_nodes": "3"},
    ),
    graph=subtree_graph,
)
