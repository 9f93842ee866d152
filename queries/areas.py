"""``areas``: the areas that exist on a day, each with what it holds.

An area's **parent** is the area it is part of (an active LOCATED_IN line of kind ``part_of`` to
an active area; the first by id, if several); its **areas** are the active areas part of it,
its **enterprises** the active enterprises registered in it (LOCATED_IN, ``registered``), its
**organizations** the active Party organizations based in it (BASED_IN: a street's or a
park's committees). Lines count as of the day; each node once. Placeholders for unknown ids
are not listed. ``parent`` narrows the list to the areas part of one area, ``kind`` to a kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from graph_schema.declaration import NODE_LABELS
from queries.arrays import Bools, Ints, pairs
from queries.base import Answer, Column, Listing, ListParams, NamedQuery, Opens, Route, Rows, page
from queries.cypher import cypher_active
from stores.base import CypherView, GraphView
from stores.columns import EdgeColumns, day
from stores.deadline import bounded

__all__ = ["AREAS", "AreaItem", "AreasParams", "AreasResult"]

AreaKind: Any = Literal[tuple(NODE_LABELS["Area"].kinds)]


class AreasParams(ListParams):
    """Which areas to list."""

    parent: str | None = Field(
        None, min_length=1, description="only the areas part of this area (directly)"
    )
    kind: AreaKind | None = Field(None, description="only areas of this kind")


class AreaItem(BaseModel):
    """An area and what it holds on the day."""

    id: str
    name: str
    kind: str
    parent_id: str | None = Field(
        None, description="the area it is part of (the first by id, if several)"
    )
    parent_name: str | None = None
    areas: int = Field(description="areas part of it")
    enterprises: int = Field(description="enterprises registered in it")
    organizations: int = Field(description="Party organizations based in it")


class AreasResult(Answer):
    """Areas on a day, one page, with counts by kind."""

    as_of: date
    items: list[AreaItem]
    total: int
    limit: int
    offset: int
    by_kind: dict[str, int]


def _result(rows: Iterable[Mapping[str, Any]], params: AreasParams) -> AreasResult:
    """Filter, count and page the rows: an area's id, name, kind, ``parents`` (id and name
    of each) and counts."""
    found = [
        row
        for row in rows
        if params.parent is None or any(p["id"] == params.parent for p in row["parents"])
    ]
    by_kind: dict[str, int] = {}
    for row in found:
        by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + 1
    if params.kind is not None:
        found = [row for row in found if row["kind"] == params.kind]
    found.sort(key=lambda row: row["id"])
    items = []
    for row in page(found, params):
        parent = min(row["parents"], key=lambda p: p["id"], default=None)
        items.append(
            AreaItem(
                **{k: row[k] for k in ("id", "name", "kind", "areas", "enterprises")},
                organizations=row["organizations"],
                parent_id=parent and parent["id"],
                parent_name=parent and parent["name"],
            )
        )
    return AreasResult(
        as_of=params.as_of,
        items=items,
        total=len(found),
        limit=params.limit,
        offset=params.offset,
        by_kind=dict(sorted(by_kind.items())),
    )


def _over_graph(view: GraphView, params: AreasParams) -> AreasResult:
    """Every area over the columns: what each holds is counted for all areas at once (the
    distinct active members of each kind, per area), not walked area by area."""
    with view.reading_graph() as adj:
        columns = view.columns()
        on, n, ids = day(params.as_of), len(columns), columns.ids
        alive, area = columns.alive(on), columns.label_is("Area")
        located, based = columns.edges("LOCATED_IN"), columns.edges("BASED_IN")
        part_of = located.active(on) & columns.edge_kind_is(located, "part_of")
        registered = located.active(on) & columns.edge_kind_is(located, "registered")

        def held(edges: EdgeColumns, lines: Bools, label: str) -> Ints:
            kept = lines & columns.label_is(label)[edges.src] & alive[edges.src]
            found: Ints = np.bincount(pairs(edges.dst[kept], edges.src[kept], n) // n, minlength=n)
            return found

        areas = held(located, part_of, "Area")
        enterprises = held(located, registered, "Enterprise")
        organizations = held(based, based.active(on), "PartyOrg")
        up = part_of & area[located.src] & area[located.dst] & alive[located.dst]
        parents: dict[int, set[int]] = {}
        for child, parent in zip(located.src[up].tolist(), located.dst[up].tolist(), strict=True):
            parents.setdefault(child, set()).add(parent)
        names = adj.node
        subjects = np.flatnonzero(area & alive & ~columns.unresolved).tolist()
        rows = [
            {
                "id": ids[i],
                "name": names[ids[i]]["name"],
                "kind": columns.kinds.names[columns.kind[i]],
                "parents": [
                    {"id": ids[p], "name": names[ids[p]]["name"]} for p in parents.get(i, ())
                ],
                "areas": int(areas[i]),
                "enterprises": int(enterprises[i]),
                "organizations": int(organizations[i]),
            }
            for i in bounded(subjects)
        ]
    return _result(rows, params)


CYPHER = f"""
MATCH (a:Area)
WHERE {cypher_active("a")} AND NOT coalesce(a.unresolved, false)
CALL (a) {{
  OPTIONAL MATCH (a)-[p:LOCATED_IN]->(up:Area)
  WHERE p.kind = 'part_of' AND {cypher_active("p")} AND {cypher_active("up")}
  RETURN collect(DISTINCT CASE WHEN up IS NULL THEN null ELSE {{id: up.id, name: up.name}} END)
         AS parents
}}
CALL (a) {{
  OPTIONAL MATCH (a)<-[s:LOCATED_IN]-(sub:Area)
  WHERE s.kind = 'part_of' AND {cypher_active("s")} AND {cypher_active("sub")}
  RETURN count(DISTINCT sub) AS areas
}}
CALL (a) {{
  OPTIONAL MATCH (a)<-[r:LOCATED_IN]-(e:Enterprise)
  WHERE r.kind = 'registered' AND {cypher_active("r")} AND {cypher_active("e")}
  RETURN count(DISTINCT e) AS enterprises
}}
CALL (a) {{
  OPTIONAL MATCH (a)<-[b:BASED_IN]-(o:PartyOrg)
  WHERE {cypher_active("b")} AND {cypher_active("o")}
  RETURN count(DISTINCT o) AS organizations
}}
RETURN a.id AS id, a.name AS name, a.kind AS kind, parents, areas, enterprises, organizations
"""


def _from_rows(view: CypherView, rows: Rows, params: AreasParams) -> AreasResult:
    return _result(rows, params)


AREAS: NamedQuery[AreasParams, AreasResult] = NamedQuery(
    name="areas",
    title="Areas and what they hold",
    description="The areas that exist on a day — provinces, counties, streets, townships, "
    "parks, communities — each with the area it is part of, and how many areas are part of "
    "it, enterprises are registered in it and Party organizations are based in it; "
    "optionally only the areas part of one area, or of one kind.",
    params=AreasParams,
    result=AreasResult,
    route=Route("/analysis/areas", "analysis"),
    cypher=CYPHER,
    from_rows=_from_rows,
    over_graph=_over_graph,
    examples=(
        {"as_of": "2023-06-01"},
        {"as_of": "2023-06-01", "parent": "jd-jiading"},
        {"as_of": "2023-06-01", "kind": "street"},
    ),
    listing=Listing(
        title="Areas and what they hold",
        columns=(
            Column("name", "id", link="always", name="name"),
            Column("kind", "kind", terms="kinds"),
            Column("part of", "parent_id", link="always", name="parent_name"),
            Column("areas", "areas"),
            Column("enterprises", "enterprises"),
            Column("organizations", "organizations"),
        ),
        opens=(Opens("details"),),
        filter="kind",
        counts="by_kind",
    ),
)
