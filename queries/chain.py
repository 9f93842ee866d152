"""``chain``: the reporting line of a Party organization, up to its root, as of a day.

The organization comes first, then each formal superior (AFFILIATED_TO) in turn. The walk
stops, and says why, at a root (no superior: normal for a local committee), a missing
superior, a dissolved or unresolved one, two superiors at once, or a cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from graph_schema.records import Edge
from queries.base import EntityParams, NamedQuery, NotFoundError, QueryError
from queries.common import active, adjacency, cypher_active, cypher_node, lines_out
from stores.base import GraphStore
from stores.embedded import EmbeddedStore

__all__ = ["CHAIN", "ChainResult", "ChainStep"]

MAX_DEPTH = 50

StopReason = Literal[
    "root",
    "no_superior",
    "superior_dissolved",
    "superior_unresolved",
    "multiple_superiors",
    "cycle",
    "max_depth",
]


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


class ChainResult(BaseModel):
    """The reporting line and why it ends where it does."""

    id: str
    as_of: date
    items: list[ChainStep]
    total: int
    stop_reason: StopReason
    stop_detail: list[str] = Field(
        default_factory=list, description="the superiors involved where the walk stopped"
    )


# -- the rules, shared by both stores ----------------------------------------------------------

NodeInfo = dict[str, Any]  # id, label, kind, name, active, unresolved
LineInfo = dict[str, Any]  # target, kind, valid_from, valid_to, source, quote


def walk(
    start: str, as_of: date, info: Callable[[str], NodeInfo], lines: Callable[[str], list[LineInfo]]
) -> ChainResult:
    """Follow the one active superior of each step, and say where and why it stops."""
    steps = [ChainStep(depth=0, **info(start))]
    seen = {start}
    current = start
    while True:
        ups = sorted(lines(current), key=lambda line: line["target"])
        if not ups:
            root = steps[-1].kind == "local_committee"
            return _result(start, as_of, steps, "root" if root else "no_superior")
        targets = sorted({u["target"] for u in ups})
        if len(targets) > 1:  # two lines to one superior (say, of two kinds) are no conflict
            return _result(start, as_of, steps, "multiple_superiors", targets)
        line = ups[0]
        target = line["target"]
        if target in seen:
            return _result(start, as_of, steps, "cycle", [target])
        step = ChainStep(
            depth=len(steps),
            line=Line(**{k: v for k, v in line.items() if k != "target"}),
            **info(target),
        )
        steps.append(step)
        seen.add(target)
        if step.unresolved:
            return _result(start, as_of, steps, "superior_unresolved", [target])
        if not step.active:
            return _result(start, as_of, steps, "superior_dissolved", [target])
        if len(steps) > MAX_DEPTH:
            return _result(start, as_of, steps, "max_depth")
        current = target


def _result(
    start: str,
    as_of: date,
    steps: list[ChainStep],
    reason: StopReason,
    detail: list[str] | None = None,
) -> ChainResult:
    return ChainResult(
        id=start,
        as_of=as_of,
        items=steps,
        total=len(steps),
        stop_reason=reason,
        stop_detail=detail or [],
    )


def _check_party_org(label: str, node_id: str) -> None:
    if label != "PartyOrg":
        raise QueryError(
            f"{node_id!r} is not a PartyOrg but a node of label {label}: a "
            "reporting line starts at a Party organization"
        )


# -- embedded -----------------------------------------------------------------------------------


def _embedded(store: EmbeddedStore, params: EntityParams) -> ChainResult:
    with store.reading() as graph:
        adj = adjacency(graph)
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
            return [_line_info(edge) for edge in store.edge_records(keys).values()]

        return walk(params.id, params.as_of, info, lines)


def _line_info(edge: Edge) -> LineInfo:
    return {
        "target": edge.dst,
        "kind": edge.kind,
        "valid_from": edge.valid_from,
        "valid_to": edge.valid_to,
        "source": edge.props.get("source"),
        "quote": edge.props.get("quote"),
    }


# -- Cypher -------------------------------------------------------------------------------------

CYPHER = f"""
MATCH (o:Node {{id: $id}})
OPTIONAL MATCH p = (o)-[:AFFILIATED_TO*1..{MAX_DEPTH}]->(s:Node)
WHERE ALL(r IN relationships(p) WHERE {cypher_active("r")})
WITH o, collect(DISTINCT s) AS ups
UNWIND [o] + ups AS m
WITH DISTINCT m
OPTIONAL MATCH (m)-[r:AFFILIATED_TO]->(t:Node)
WHERE {cypher_active("r")}
RETURN {cypher_node("m")} AS node, {cypher_active("m")} AS active,
       coalesce(m.unresolved, false) AS unresolved,
       collect(CASE WHEN t IS NULL THEN null ELSE {{target: t.id, kind: r.kind,
           valid_from: r.valid_from, valid_to: r.valid_to, source: r.source,
           quote: r.quote}} END) AS lines
"""


def _from_rows(store: GraphStore, rows: list[dict[str, Any]], params: EntityParams) -> ChainResult:
    by_id = {row["node"]["id"]: row for row in rows}
    if params.id not in by_id:
        raise NotFoundError(params.id)
    _check_party_org(by_id[params.id]["node"]["label"], params.id)

    def info(node_id: str) -> NodeInfo:
        row = by_id[node_id]
        return {**row["node"], "active": row["active"], "unresolved": row["unresolved"]}

    return walk(params.id, params.as_of, info, lambda node_id: by_id[node_id]["lines"])


CHAIN: NamedQuery[EntityParams, ChainResult] = NamedQuery(
    name="chain",
    title="Reporting line",
    description="The reporting line of a Party organization on a day: the organization, "
    "then each formal superior (AFFILIATED_TO) up to the root; stops and says why at a "
    "cycle, a missing, dissolved or unresolved superior, or two superiors at once.",
    params=EntityParams,
    result=ChainResult,
    cypher=CYPHER,
    from_rows=_from_rows,
    embedded=_embedded,
)
