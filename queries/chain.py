"""``chain``: the reporting line of a Party organization, up to its root, as of a day.

The organization comes first, then each formal superior (AFFILIATED_TO) in turn. The walk
stops, and says why, at a root (no superior: normal for a local committee), a missing
superior, a dissolved or unresolved one, two superiors at once, or a cycle. :func:`walk` is
the one chain walker; :func:`first_on_chains` walks the same chains for many organizations
at once, in numpy, for ``mismatches``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any, Generic, Literal, TypeVar

import numpy as np
from pydantic import BaseModel, Field

from graph_schema.records import Edge
from queries.arrays import Bools, Ints
from queries.base import Answer, EntityParams, NamedQuery, NotFoundError, QueryError, Route, Rows
from queries.cypher import MAX_DEPTH, cypher_active, cypher_chain, cypher_node
from queries.graph import active, lines_out
from queries.graphview import GraphAnswer, GraphEdge, graph_node
from stores.base import CypherView, GraphView

__all__ = [
    "CHAIN",
    "MAX_DEPTH",
    "STOP_WORDS",
    "ChainResult",
    "ChainStep",
    "StopReason",
    "Walk",
    "chain_result",
    "first_on_chains",
    "walk",
]

StopReason = Literal[
    "root",
    "no_superior",
    "superior_dissolved",
    "superior_unresolved",
    "multiple_superiors",
    "cycle",
    "max_depth",
]
#: How each stop reads after "the reporting line …", English and Chinese (``GET /api/labels``).
STOP_WORDS: dict[str, tuple[str, str]] = {
    "root": ("reaches its root", "上溯至根"),
    "no_superior": ("has no superior on this day", "当日无上级党组织"),
    "superior_dissolved": ("stops at a dissolved superior", "止于已撤销的上级"),
    "superior_unresolved": ("stops at an unknown superior", "止于不明的上级"),
    "multiple_superiors": ("stops: two superiors at once", "止于：同时有多个上级"),
    "cycle": ("stops: the line runs in a cycle", "止于：隶属关系成环"),
    "max_depth": ("stops after 50 levels", "超过50层后停止"),
}


class Line(BaseModel):
    """The AFFILIATED_TO line from the step below to this one."""

    kind: str | None
    valid_from: date | None = None
    valid_to: date | None = None
    source: str | None = None
    quote: str | None = None


class ChainStep(BaseModel):
    """One organization on the line."""

    id: str
    label: str
    kind: str
    name: str
    depth: int = Field(description="0 for the organization asked about, 1 for its superior…")
    active: bool = Field(description="whether it exists on the day asked")
    unresolved: bool = False
    line: Line | None = Field(None, description="the line from the step below to this one")


class ChainResult(Answer):
    """The reporting line and why it ends where it does."""

    id: str
    as_of: date
    items: list[ChainStep]
    total: int
    stop_reason: StopReason
    stop_detail: list[str] = Field(
        default_factory=list, description="the superiors involved where the walk stopped"
    )


# -- the one chain walker ------------------------------------------------------------------------


#: a node as a walk names it: its id, or (the embedded store's rules) its column index
N = TypeVar("N", str, int)


@dataclass(frozen=True)
class Walk(Generic[N]):
    """A reporting chain: the organization, then each superior; why and where it ends."""

    nodes: list[N]
    stop: StopReason
    detail: list[N]


def walk(
    start: N,
    superiors: Callable[[N], Collection[N]],
    halts: Callable[[N], StopReason | None],
) -> Walk[N]:
    """Follow the one superior of each organization from ``start``, and say why it stops.

    ``superiors(n)``: the targets of ``n``'s active AFFILIATED_TO lines (two lines to one
    superior are no conflict); ``halts(n)``: why the walk ends on reaching superior ``n``
    (unresolved, dissolved), or None. It also ends, without going further, where an
    organization has no superior (``no_superior``) or several (``multiple_superiors``), at a
    superior already on the chain (``cycle``), and after :data:`MAX_DEPTH` superiors.
    """
    nodes = [start]
    seen = {start}
    current = start
    while True:
        ups = sorted(set(superiors(current)))
        if not ups:
            return Walk(nodes, "no_superior", [])
        if len(ups) > 1:
            return Walk(nodes, "multiple_superiors", ups)
        target = ups[0]
        if target in seen:
            return Walk(nodes, "cycle", [target])
        nodes.append(target)
        seen.add(target)
        reason = halts(target)
        if reason is not None:
            return Walk(nodes, reason, [target])
        if len(nodes) > MAX_DEPTH:
            return Walk(nodes, "max_depth", [])
        current = target


def first_on_chains(
    start: Ints, up: Ints, halts: Bools, hit: Callable[[Ints, Ints], Bools]
) -> Ints:
    """For each organization of ``start``, the first of its superiors, in the order
    :func:`walk` walks them, for which ``hit`` holds; -1 for none. Every chain is walked at
    once, a level per step, in numpy (a province's chains, one by one in Python, took
    seconds).

    Nodes are integer codes: ``up[n]`` is ``n``'s one superior, or -1 where it has none or
    several (:func:`walk` stops there); ``halts[n]``: the walk ends on reaching ``n`` (after
    asking ``hit`` of it); ``hit(walkers, nodes)``: whether each walker's chain is hit at the
    node it has reached (``walkers``: positions in ``start``). A walk also ends after
    :data:`MAX_DEPTH` superiors, and where it comes back to its organization; where it comes
    back to a superior instead (:func:`walk`'s ``cycle``) it goes round again, past nodes
    already asked of, until :data:`MAX_DEPTH`: the same first hit.
    """
    start = start.astype(np.int64)
    found = np.full(len(start), -1, dtype=np.int64)
    walking = np.arange(len(start))
    node = start.copy()
    for _ in range(MAX_DEPTH):
        step = up[node[walking]]
        going = (step >= 0) & (step != start[walking])
        walking, step = walking[going], step[going]
        if not len(walking):
            break
        node[walking] = step
        is_hit = hit(walking, step)
        found[walking[is_hit]] = step[is_hit]
        walking = walking[~is_hit & ~halts[step]]
    return found


# -- the answer, from either store ---------------------------------------------------------------

NodeInfo = dict[str, Any]  # id, label, kind, name, active, unresolved
LineInfo = dict[str, Any]  # target, kind, valid_from, valid_to, source, quote


def _halts(info: NodeInfo) -> StopReason | None:
    if info["unresolved"]:
        return "superior_unresolved"
    return None if info["active"] else "superior_dissolved"


def chain_result(
    start: str,
    as_of: date,
    info: Callable[[str], NodeInfo],
    lines: Callable[[str], list[LineInfo]],
) -> ChainResult:
    """The reporting line from ``start``: ``info`` gives a node's fields, ``lines`` its
    active AFFILIATED_TO lines (each step shows the first by target)."""
    read: dict[str, list[LineInfo]] = {}

    def lines_of(node_id: str) -> list[LineInfo]:
        if node_id not in read:
            read[node_id] = sorted(lines(node_id), key=lambda line: line["target"])
        return read[node_id]

    found = walk(
        start, lambda n: [line["target"] for line in lines_of(n)], lambda n: _halts(info(n))
    )
    steps = [ChainStep(depth=0, **info(start))]
    for below, node in pairwise(found.nodes):
        line = lines_of(below)[0]
        steps.append(
            ChainStep(
                depth=len(steps),
                line=Line(**{k: v for k, v in line.items() if k != "target"}),
                **info(node),
            )
        )
    stop = found.stop
    if stop == "no_superior" and steps[-1].kind == "local_committee":
        stop = "root"
    return ChainResult(
        id=start,
        as_of=as_of,
        items=steps,
        total=len(steps),
        stop_reason=stop,
        stop_detail=found.detail,
    )


def _check_party_org(label: str, node_id: str) -> None:
    if label != "PartyOrg":
        raise QueryError(
            f"{node_id!r} is not a PartyOrg but a node of label {label}: a "
            "reporting line starts at a Party organization"
        )


def _over_graph(view: GraphView, params: EntityParams) -> ChainResult:
    with view.reading_graph() as adj:
        if params.id not in adj.node:
            raise NotFoundError(params.id)
        _check_party_org(adj.node[params.id]["label"], params.id)

        def info(node_id: str) -> NodeInfo:
            attrs = adj.node[node_id]
            return {
                "id": node_id,
                "label": attrs["label"],
                "kind": attrs["kind"],
                "name": attrs["name"],
                "active": active(attrs, params.as_of),
                "unresolved": bool(attrs.get("unresolved", False)),
            }

        def lines(node_id: str) -> list[LineInfo]:
            keys = [k for _, k, _ in lines_out(adj, node_id, "AFFILIATED_TO", params.as_of)]
            return [_line_info(edge) for edge in view.edge_records(keys).values()]

        return chain_result(params.id, params.as_of, info, lines)


def _line_info(edge: Edge) -> LineInfo:
    return {
        "target": edge.dst,
        "kind": edge.kind,
        "valid_from": edge.valid_from,
        "valid_to": edge.valid_to,
        "source": edge.props.get("source"),
        "quote": edge.props.get("quote"),
    }


CYPHER = f"""
MATCH (o:Node {{id: $id}})
{cypher_chain("o")}
RETURN {cypher_node("m")} AS node, {cypher_active("m")} AS active,
       coalesce(m.unresolved, false) AS unresolved,
       collect(CASE WHEN t IS NULL THEN null ELSE {{target: t.id, kind: r.kind,
           valid_from: r.valid_from, valid_to: r.valid_to, source: r.source,
           quote: r.quote}} END) AS lines
"""


def _from_rows(view: CypherView, rows: Rows, params: EntityParams) -> ChainResult:
    by_id = {row["node"]["id"]: row for row in rows}
    if params.id not in by_id:
        raise NotFoundError(params.id)
    _check_party_org(by_id[params.id]["node"]["label"], params.id)

    def info(node_id: str) -> NodeInfo:
        row = by_id[node_id]
        return {**row["node"], "active": row["active"], "unresolved": row["unresolved"]}

    return chain_result(params.id, params.as_of, info, lambda node_id: by_id[node_id]["lines"])


def chain_graph(result: ChainResult) -> GraphAnswer:
    """The reporting line: each step, and the AFFILIATED_TO line up from the one below."""
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
        query="chain", id=result.id, nodes=[graph_node(s, "line") for s in steps], edges=edges
    )


CHAIN: NamedQuery[EntityParams, ChainResult] = NamedQuery(
    name="chain",
    title="Reporting line",
    description="The reporting line of a Party organization on a day: the organization, "
    "then each formal superior (AFFILIATED_TO) up to the root; stops and says why at a "
    "cycle, a missing, dissolved or unresolved superior, or two superiors at once.",
    params=EntityParams,
    result=ChainResult,
    route=Route("/orgs/{id}/chain", "organizations"),
    cypher=CYPHER,
    from_rows=_from_rows,
    over_graph=_over_graph,
    examples=(
        {"id": "tj-zhonghuan-samsung-jv-pc", "as_of": "2022-07-04"},
        {"id": "tj-zhonghuan-samsung-jv-pc", "as_of": "2022-07-05"},
    ),
    graph=chain_graph,
)
