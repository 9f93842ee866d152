"""``stats``: how many nodes exist on a day, by label and kind, and how many Party members.

For the whole graph, or for the subtree under one Party organization: the organization
itself and every organization under it at any depth (down to
:data:`queries.subtree.MAX_DEPTH` levels), by AFFILIATED_TO lines and organizations that hold
on the day — the same rule as :mod:`queries.subtree`. Only nodes that exist on the day are
counted, the root included; ``members`` adds up the ``members`` of the Party organizations
counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from graph_schema.cypher import NODE_LABEL
from queries.base import Answer, AsOfParams, NamedQuery, Route, Rows
from queries.cypher import MAX_DEPTH, cypher_active, cypher_descendants, cypher_label
from queries.graph import active
from queries.subtree import PARTY_ORG, check_root, levels_below
from stores.base import CypherView, GraphView
from stores.columns import day
from stores.deadline import bounded

__all__ = ["STATS", "KindCount", "StatsParams", "StatsResult", "stats_result"]


class StatsParams(AsOfParams):
    """The day, and optionally the organization whose subtree is counted."""

    root: str | None = Field(
        None,
        min_length=1,
        description="count only this Party "
        "organization and everything under it (default: the whole graph)",
    )


class KindCount(BaseModel):
    """Nodes of one label and kind."""

    label: str
    kind: str
    count: int


class StatsResult(Answer):
    """Counts of the nodes that exist on a day."""

    as_of: date
    root: str | None = Field(
        description="the organization whose subtree was counted, or none for the whole graph"
    )
    total: int = Field(description="nodes counted")
    by_label: dict[str, int] = Field(description="nodes by label")
    by_kind: list[KindCount] = Field(description="nodes by label and kind, ordered by both")
    members: int = Field(
        description="full Party members of the Party organizations counted "
        "(those without a number count 0)"
    )


# -- the rules, shared by both stores ----------------------------------------------------------


def stats_result(params: StatsParams, rows: Iterable[Mapping[str, Any]]) -> StatsResult:
    """Totals from groups of nodes: rows of label, kind, active, count, members and, when a
    root is asked for, ``root_label`` (no rows at all: the root is not in the store)."""
    rows = list(rows)
    if params.root is not None:
        check_root(params.root, rows[0]["root_label"] if rows else None)
    groups: dict[tuple[str, str], int] = {}
    members = 0
    for row in rows:
        if not row["active"]:
            continue
        key = (row["label"], row["kind"])
        groups[key] = groups.get(key, 0) + row["count"]
        if row["label"] == PARTY_ORG:
            members += row["members"] or 0
    by_label: dict[str, int] = {}
    for (label, _), count in sorted(groups.items()):
        by_label[label] = by_label.get(label, 0) + count
    return StatsResult(
        as_of=params.as_of,
        root=params.root,
        total=sum(groups.values()),
        by_label=by_label,
        members=members,
        by_kind=[
            KindCount(label=label, kind=kind, count=count)
            for (label, kind), count in sorted(groups.items())
        ],
    )


# -- the embedded store -------------------------------------------------------------------------


def _over_graph(view: GraphView, params: StatsParams) -> StatsResult:
    as_of = params.as_of
    if params.root is None:
        return stats_result(params, _whole_graph_groups(view, as_of))
    groups: dict[tuple[str, str, bool], list[int]] = {}
    with view.reading_graph() as adj:
        attrs = adj.node.get(params.root)
        check_root(params.root, None if attrs is None else attrs["label"])
        root_label = attrs["label"] if attrs else None
        ids = levels_below(adj, params.root, as_of, MAX_DEPTH)
        for node_id in bounded(ids):
            node = adj.node[node_id]
            key = (node["label"], node["kind"], active(node, as_of))
            group = groups.setdefault(key, [0, 0])
            group[0] += 1
            group[1] += node.get("members") or 0
    rows = [
        {
            "root_label": root_label,
            "label": label,
            "kind": kind,
            "active": is_active,
            "count": count,
            "members": members,
        }
        for (label, kind, is_active), (count, members) in groups.items()
    ]
    return stats_result(params, rows)


def _whole_graph_groups(view: GraphView, as_of: date) -> list[dict[str, Any]]:
    """The groups of every node (label, kind, active on ``as_of``; count, members), counted
    over the columns: one pass of numpy, not a Python statement per node."""
    import numpy as np

    columns = view.columns()
    kinds = len(columns.kinds.names)
    alive = columns.alive(day(as_of))
    group = (columns.label.astype(np.int64) * kinds + columns.kind) * 2 + alive
    found, inverse, counts = np.unique(group, return_inverse=True, return_counts=True)
    members = np.bincount(inverse, weights=np.nan_to_num(columns.prop("members")))
    return [
        {
            "root_label": None,
            "label": columns.labels.names[code // 2 // kinds],
            "kind": columns.kinds.names[code // 2 % kinds],
            "active": bool(code % 2),
            "count": count,
            "members": int(total),
        }
        for code, count, total in zip(
            found.tolist(), counts.tolist(), members.tolist(), strict=True
        )
    ]


# -- Cypher -------------------------------------------------------------------------------------

_LABEL = cypher_label("n")

CYPHER = f"""
UNWIND CASE WHEN $root IS NULL THEN [true] ELSE [] END AS whole_graph
MATCH (n:{NODE_LABEL})
WHERE {cypher_active("n")}
RETURN null AS root_label, {_LABEL} AS label, n.kind AS kind, true AS active,
       count(n) AS count, sum(coalesce(n.members, 0)) AS members
UNION ALL
MATCH (r:{NODE_LABEL} {{id: $root}})
OPTIONAL MATCH {cypher_descendants("r", "c")}
WITH r, collect(DISTINCT c) AS under
UNWIND [r] + under AS n
WITH DISTINCT r, n
RETURN {cypher_label("r")} AS root_label, {_LABEL} AS label,
       n.kind AS kind, {cypher_active("n")} AS active, count(n) AS count,
       sum(coalesce(n.members, 0)) AS members
"""


def _from_rows(view: CypherView, rows: Rows, params: StatsParams) -> StatsResult:
    return stats_result(params, rows)


STATS: NamedQuery[StatsParams, StatsResult] = NamedQuery(
    name="stats",
    title="Counts by label and kind",
    description="How many organizations, enterprises, bodies and areas exist on a day, by "
    "label and by kind, and the total of Party members — for the whole graph, or for one "
    "Party organization and everything under it (active AFFILIATED_TO lines, any depth).",
    params=StatsParams,
    result=StatsResult,
    route=Route("/stats", "analysis"),
    cypher=CYPHER,
    from_rows=_from_rows,
    over_graph=_over_graph,
    examples=({"as_of": "2010-01-01", "root": "bj-ipb-pc"}, {"as_of": "2025-01-01"}),
)
