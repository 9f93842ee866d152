"""``conflicts``: errors in the formal lines on a day — two superiors at once, and cycles.

* ``multiple_superiors``: an active Party organization with active AFFILIATED_TO lines to two
  or more distinct active organizations (two lines to the same superior are not a conflict).
* ``cycle``: an elementary cycle of active AFFILIATED_TO lines between active organizations,
  of at most ``MAX_CYCLE`` members, listed once: its members in line order, starting at the
  smallest id (which is also the item's id). A line from an organization to itself is a
  cycle of one.

The embedded store reads the active lines from its columns in numpy: the organizations with
several superiors, and the few that can lie on a cycle (those left after repeatedly dropping
organizations without a superior or a subordinate among them); networkx's
``simple_cycles(length_bound=…)`` lists the elementary cycles among those. The Cypher
matches closed paths from each organization. Both feed :func:`_result`, which keeps each
elementary cycle once, in its canonical rotation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from graph_schema.cypher import NODE_LABEL
from queries.arrays import pairs
from queries.base import Answer, Column, Listing, ListParams, NamedQuery, Opens, Route, Rows, page
from queries.cypher import cypher_active
from stores.base import CypherView, GraphView
from stores.columns import Columns, day

__all__ = [
    "CONFLICTS",
    "MAX_CYCLE",
    "TYPE_WORDS",
    "ConflictItem",
    "ConflictType",
    "ConflictsResult",
]

#: The longest cycle looked for (members); the Cypher's variable-length bound.
MAX_CYCLE = 50

ConflictType = Literal["cycle", "multiple_superiors"]
#: Each type as people read it, English and Chinese (served by ``GET /api/labels``).
TYPE_WORDS: dict[str, tuple[str, str]] = {
    "cycle": ("cycle of superiors", "隶属关系成环"),
    "multiple_superiors": ("two superiors at once", "同时隶属多个上级"),
}


class ConflictItem(BaseModel):
    """One error in the formal lines."""

    id: str = Field(description="the organization (for a cycle: its smallest id)")
    name: str
    kind: str
    type: ConflictType
    superiors: list[str] = Field(
        default_factory=list, description="multiple_superiors: the superiors, sorted"
    )
    cycle: list[str] = Field(
        default_factory=list, description="cycle: the members in line order, from the smallest id"
    )


class ConflictsResult(Answer):
    """Conflicts on a day, one page, with counts by type."""

    as_of: date
    items: list[ConflictItem]
    total: int
    limit: int
    offset: int
    by_type: dict[str, int]


# -- the rules, shared by both stores ----------------------------------------------------------


def _canonical(members: list[str]) -> tuple[str, ...] | None:
    """A closed path's members (first not repeated at the end) as an elementary cycle in its
    canonical rotation, or None if the path passes a member twice or is too long."""
    if not members or len(set(members)) != len(members) or len(members) > MAX_CYCLE:
        return None
    start = members.index(min(members))
    return tuple(members[start:] + members[:start])


def _result(
    nodes: Mapping[str, Mapping[str, Any]],
    multiple: Iterable[tuple[str, list[str]]],
    closed_paths: Iterable[list[str]],
    params: ListParams,
) -> ConflictsResult:
    """``nodes``: id → name, kind of every organization named; ``multiple``: (organization,
    its distinct superiors); ``closed_paths``: member lists of closed paths (any rotation,
    repeats allowed)."""
    found = []
    for org, superiors in multiple:
        if len(set(superiors)) >= 2:
            found.append(
                ConflictItem(
                    id=org,
                    name=nodes[org]["name"],
                    kind=nodes[org]["kind"],
                    type="multiple_superiors",
                    superiors=sorted(set(superiors)),
                )
            )
    cycles = {c for path in closed_paths if (c := _canonical(path)) is not None}
    for cycle in cycles:
        first = nodes[cycle[0]]
        found.append(
            ConflictItem(
                id=cycle[0], name=first["name"], kind=first["kind"], type="cycle", cycle=list(cycle)
            )
        )
    found.sort(key=lambda item: (item.type, item.id, item.cycle))
    by_type: dict[str, int] = {}
    for item in found:
        by_type[item.type] = by_type.get(item.type, 0) + 1
    return ConflictsResult(
        as_of=params.as_of,
        items=page(found, params),
        total=len(found),
        limit=params.limit,
        offset=params.offset,
        by_type=dict(sorted(by_type.items())),
    )


# -- the embedded store -------------------------------------------------------------------------


def _over_graph(view: GraphView, params: ListParams) -> ConflictsResult:
    import networkx as nx  # the cycle search only: importing the catalogue stays light

    with view.reading_graph() as adj:
        nodes = adj.node
        columns = view.columns()
        ids = columns.ids
        multiple, ups = _formal_lines(columns, params.as_of)
        multiple_ids = [
            (ids[org], sorted(ids[s] for s in found)) for org, found in multiple.items()
        ]
        lines: nx.DiGraph[str] = nx.DiGraph()
        lines.add_edges_from(
            (ids[org], ids[s]) for org, found in ups.items() for s in found if s in ups
        )
        closed = list(nx.simple_cycles(lines, length_bound=MAX_CYCLE))
        named = {org for org, _ in multiple_ids} | {min(cycle) for cycle in closed}
        info = {n: {"name": nodes[n]["name"], "kind": nodes[n]["kind"]} for n in named}
    return _result(info, multiple_ids, closed, params)


def _formal_lines(
    columns: Columns, as_of: date
) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """From the active AFFILIATED_TO lines between an active organization and an active
    node: the organizations with two or more distinct superiors (with them), and the
    organizations that can lie on a cycle (with their distinct superiors) — found in numpy,
    so that Python looks at a few nodes only.

    An organization can lie on a cycle if it has a superior and an active subordinate line
    (from an active node); among those, the ones left after repeatedly dropping any without
    a superior or a subordinate among them (a cycle keeps all its members: each has both).
    """
    on = day(as_of)
    n = len(columns)
    alive = columns.alive(on)
    orgs = columns.label_is("PartyOrg") & alive
    aff = columns.edges("AFFILIATED_TO")
    line = aff.active(on)
    up = line & orgs[aff.src] & alive[aff.dst]
    found = pairs(aff.src[up], aff.dst[up], n)
    src, dst = found // n, found % n
    distinct = np.bincount(src, minlength=n)
    two = distinct[src] >= 2
    multiple: dict[int, list[int]] = {}
    for org, superior in zip(src[two].tolist(), dst[two].tolist(), strict=True):
        multiple.setdefault(org, []).append(superior)
    subordinate = np.zeros(n, dtype=bool)
    subordinate[aff.dst[line & alive[aff.src]]] = True
    kept = (distinct > 0) & subordinate
    while True:  # drop those with no superior or no subordinate left among the kept
        inner = kept[src] & kept[dst]
        has_up = np.zeros(n, dtype=bool)
        has_up[src[inner]] = True
        has_down = np.zeros(n, dtype=bool)
        has_down[dst[inner]] = True
        left = kept & has_up & has_down
        if left.sum() == kept.sum():
            break
        kept = left
    ups: dict[int, list[int]] = {int(org): [] for org in np.flatnonzero(kept).tolist()}
    for org, superior in zip(src[kept[src]].tolist(), dst[kept[src]].tolist(), strict=True):
        ups[org].append(superior)
    return multiple, ups


# -- Cypher -------------------------------------------------------------------------------------

CYPHER = f"""
MATCH (o:PartyOrg)
WHERE {cypher_active("o")}
CALL (o) {{
  MATCH (o)-[r:AFFILIATED_TO]->(s:{NODE_LABEL})
  WHERE {cypher_active("r")} AND {cypher_active("s")}
  RETURN collect(DISTINCT s.id) AS superiors
}}
WITH o, superiors
WHERE size(superiors) >= 2
RETURN 'multiple_superiors' AS type, o.id AS id, o.name AS name, o.kind AS kind,
       superiors, [] AS members
UNION ALL
MATCH p = (o:PartyOrg)-[:AFFILIATED_TO*1..{MAX_CYCLE}]->(o)
WITH o, p, o.id AS start
WHERE ALL(r IN relationships(p) WHERE {cypher_active("r")})
  AND ALL(x IN nodes(p) WHERE x.id >= start AND {cypher_active("x")})
RETURN 'cycle' AS type, o.id AS id, o.name AS name, o.kind AS kind, [] AS superiors,
       [x IN nodes(p) | x.id] AS members
"""


def _from_rows(view: CypherView, rows: Rows, params: ListParams) -> ConflictsResult:
    info = {r["id"]: {"name": r["name"], "kind": r["kind"]} for r in rows}
    multiple = [(r["id"], r["superiors"]) for r in rows if r["type"] == "multiple_superiors"]
    closed = [r["members"][:-1] for r in rows if r["type"] == "cycle"]
    return _result(info, multiple, closed, params)


CONFLICTS: NamedQuery[ListParams, ConflictsResult] = NamedQuery(
    name="conflicts",
    title="Conflicts in the formal lines",
    description="Data errors in the affiliation lines on a day: Party organizations with two "
    "or more formal superiors at once (multiple_superiors, with the superiors), and cycles of "
    "AFFILIATED_TO lines (cycle, with the members in line order from the smallest id; a line "
    "to itself is a cycle of one). Each cycle is listed once.",
    params=ListParams,
    result=ConflictsResult,
    route=Route("/analysis/conflicts", "analysis"),
    cypher=CYPHER,
    from_rows=_from_rows,
    over_graph=_over_graph,
    examples=({"as_of": "2025-01-01"},),
    listing=Listing(
        title="Conflicts: two superiors at once, cycles",
        columns=(
            Column("name", "id", link="always", name="name"),
            Column("kind", "kind", terms="kinds"),
            Column("type", "type", terms="conflict_types"),
            Column("superiors", "superiors"),
            Column("cycle", "cycle", join=" → "),
        ),
        opens=(Opens("tree"),),
        counts="by_type",
    ),
)
