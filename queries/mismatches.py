"""``mismatches``: where the formal line disagrees with ownership or location, as of a day.

Active enterprises (not placeholders) are examined; a line and every node it touches must
hold on the day. An organization is *based in* an enterprise or area by a BASED_IN line; a
**state-system committee** is an organization based in a Body of kind ``sasac``; an
organization's **chain** is :func:`queries.chain.walk`'s, and it **reaches the state system**
if one of its superiors on it (itself excluded) is a state-system committee, the nearest one
reported. An area's **committees** are the organizations based in it.

* ``ownership`` / ``state_line_zero_equity`` — ``state_equity_pct`` is 0, yet an organization
  based in the enterprise reaches the state system (Tianjin Pipe); ``related_id``: the
  committee reached; one item per such organization.
* ``ownership`` / ``majority_state_no_line`` — over 50, and none of its organizations reaches
  the state system: one item per organization, or one with ``org_id`` null if it has none.
* ``location`` / ``registered_outside_line`` — registered in a street, township or park with
  committees, yet an organization based in it has a chain (itself included) through none of
  them (Tianjin Pharmaceutical); ``related_id``: the area (the first by id).

Each item carries the organization's latest transfer record, which may explain it (a
``retained`` decision). :func:`enterprise_mismatches` with :class:`Chains` is the one
definition of the rules; the embedded store asks it only of the enterprises a few numpy passes
over its columns find may have one (:func:`_candidates`): asking every enterprise of a
province took seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from functools import cache
from textwrap import indent
from typing import Any, Generic, Literal

import numpy as np
from pydantic import BaseModel, Field

from queries.arrays import Bools, Ints, member, pairs, spans
from queries.base import Answer, Column, Listing, ListParams, NamedQuery, Opens, Route, Rows, page
from queries.chain import MAX_DEPTH, N, StopReason, walk
from queries.cypher import cypher_active, cypher_based_orgs, cypher_chain
from stores.base import CypherView, GraphView
from stores.columns import Columns, day
from stores.deadline import bounded

__all__ = [
    "DETAIL_WORDS",
    "MISMATCHES",
    "TYPE_WORDS",
    "Chains",
    "MismatchItem",
    "MismatchesParams",
    "MismatchesResult",
    "enterprise_mismatches",
]

#: Area kinds whose committees a registered enterprise's line is expected to run through.
LINE_AREA_KINDS = ("street", "township", "park")
MAJORITY_PCT = 50.0

MismatchType = Literal["ownership", "location"]
Detail = Literal["state_line_zero_equity", "majority_state_no_line", "registered_outside_line"]
#: Each type and detail as people read it, English and Chinese (``GET /api/labels``).
TYPE_WORDS: dict[str, tuple[str, str]] = {
    "ownership": ("against ownership", "与股权不符"),
    "location": ("against location", "与属地不符"),
}
DETAIL_WORDS: dict[str, tuple[str, str]] = {
    "state_line_zero_equity": (
        "in the state-asset line, no state equity",
        "无国有股权仍隶属国资系统",
    ),
    "majority_state_no_line": (
        "majority state-owned, outside the state-asset line",
        "国有控股但不隶属国资系统",
    ),
    "registered_outside_line": ("registered outside its line's area", "注册地不在隶属党组织辖区"),
}


class MismatchesParams(ListParams):
    """Which mismatches to list."""

    kind: MismatchType | None = Field(
        None, description="only mismatches of this type: ownership or location"
    )


class MismatchItem(BaseModel):
    """An enterprise whose formal line disagrees with its ownership or location."""

    id: str = Field(description="the enterprise")
    name: str
    kind: str = Field(description="the enterprise's kind")
    type: MismatchType
    detail: Detail
    org_id: str | None = Field(
        None, description="the organization based in the enterprise (null: it has none)"
    )
    related_id: str | None = Field(
        None,
        description="the state-system committee reached "
        "(ownership) or the area of registration (location)",
    )
    state_equity_pct: float | None = None
    transfer_id: str | None = Field(
        None, description="the latest transfer record of the organization, any status"
    )
    transfer_status: str | None = None


class MismatchesResult(Answer):
    """Mismatches on a day, one page, with counts by type."""

    as_of: date
    items: list[MismatchItem]
    total: int
    limit: int
    offset: int
    by_type: dict[str, int]


# -- the rules, shared by both stores ----------------------------------------------------------


class Chains(Generic[N]):
    """Reporting chains over a graph seen through three functions, each asked once per node
    (the chains of a province's organizations share their upper reaches).

    ``lines(n)``: targets of the active AFFILIATED_TO lines leaving ``n`` (one per line);
    ``halts(n)``: the walk stops on reaching ``n`` (dissolved, unresolved, or unknown);
    ``is_state(n)``: ``n`` is a state-system committee.
    """

    def __init__(
        self,
        lines: Callable[[N], list[N]],
        halts: Callable[[N], bool],
        is_state: Callable[[N], bool],
    ) -> None:
        self._lines: Callable[[N], list[N]] = cache(lines)
        self._halts: Callable[[N], bool] = cache(halts)
        self._is_state: Callable[[N], bool] = cache(is_state)
        self._chains: dict[N, list[N]] = {}

    def chain(self, org: N) -> list[N]:
        """The organization, then its superiors, as :func:`queries.chain.walk` walks them
        (each organization's walked once: the rules ask for it more than once)."""
        found = self._chains.get(org)
        if found is None:
            stop: StopReason = "superior_dissolved"  # which halt it is does not matter here
            halts = self._halts
            found = walk(org, self._lines, lambda node: stop if halts(node) else None).nodes
            self._chains[org] = found
        return found

    def reaches_state(self, org: N) -> N | None:
        """The nearest state-system committee among the superiors on ``org``'s chain."""
        return next((node for node in self.chain(org)[1:] if self._is_state(node)), None)


def enterprise_mismatches(ent: Mapping[str, Any], chains: Chains[Any]) -> list[dict[str, Any]]:
    """Every mismatch of one active enterprise.

    ``ent``: id, name, kind, state_equity_pct, orgs (ids of the organizations based in it),
    areas (``{area, committees}`` for its registered street/township/park areas).
    """
    orgs = sorted(set(ent["orgs"]))
    pct = ent["state_equity_pct"]
    found: list[dict[str, Any]] = []

    def item(type_: MismatchType, detail: Detail, org: str | None, related: str | None) -> None:
        found.append(
            {
                "id": ent["id"],
                "name": ent["name"],
                "kind": ent["kind"],
                "type": type_,
                "detail": detail,
                "org_id": org,
                "related_id": related,
                "state_equity_pct": pct,
            }
        )

    if pct is not None and pct == 0:
        for org in orgs:
            committee = chains.reaches_state(org)
            if committee is not None:
                item("ownership", "state_line_zero_equity", org, committee)
    elif pct is not None and pct > MAJORITY_PCT:
        if not orgs:
            item("ownership", "majority_state_no_line", None, None)
        elif all(chains.reaches_state(org) is None for org in orgs):
            for org in orgs:
                item("ownership", "majority_state_no_line", org, None)
    areas = sorted(
        {a["area"]: frozenset(a["committees"]) for a in ent["areas"] if a["committees"]}.items()
    )
    if areas:
        for org in orgs:
            on_chain = set(chains.chain(org))
            missed = [area for area, committees in areas if not on_chain & committees]
            if missed:
                item("location", "registered_outside_line", org, missed[0])
    return found


def _result(
    view: CypherView | GraphView, found: list[dict[str, Any]], params: MismatchesParams
) -> MismatchesResult:
    by_type: dict[str, int] = {}
    for item in found:
        by_type[item["type"]] = by_type.get(item["type"], 0) + 1
    if params.kind:
        found = [item for item in found if item["type"] == params.kind]
    found.sort(key=lambda i: (i["type"], i["id"], i["org_id"] or "", i["detail"]))
    shown = page(found, params)
    transfers = latest_transfers(view, {i["org_id"] for i in shown if i["org_id"]}, params.as_of)
    items = [
        MismatchItem(
            **item,
            transfer_id=transfers.get(item["org_id"], (None, None))[0],
            transfer_status=transfers.get(item["org_id"], (None, None))[1],
        )
        for item in shown
    ]
    return MismatchesResult(
        as_of=params.as_of,
        items=items,
        total=len(found),
        limit=params.limit,
        offset=params.offset,
        by_type=dict(sorted(by_type.items())),
    )


def latest_transfers(
    view: CypherView | GraphView, orgs: set[str | None], as_of: date
) -> dict[str | None, tuple[str, str]]:
    """(id, status) of the latest transfer record (by date, then id) of each organization,
    among those dated by ``as_of`` (or undated): a later decision explains nothing yet."""
    if not orgs:
        return {}
    return {
        t.org: (t.id, t.status)
        for t in view.iter_transfers()
        if t.org in orgs and (t.date is None or t.date <= as_of)
    }


# -- the embedded store -------------------------------------------------------------------------


def _over_graph(view: GraphView, params: MismatchesParams) -> MismatchesResult:
    """The rules asked of the candidates in index space: nodes are column indexes (in id
    order, so sorting them sorts their ids), a node's one superior, whether it halts a walk
    and whether it is a state-system committee are read from arrays; ids are decoded for
    the items found only."""
    columns = view.columns()
    on, ids = day(params.as_of), columns.ids
    alive = columns.alive(on)
    up = _superiors(columns, on).data
    halts = (~alive | columns.unresolved).data
    state = _state_committees(columns, on, alive).data
    chains = Chains[int](
        lambda i: [up[i]] if up[i] >= 0 else [], lambda i: bool(halts[i]), lambda i: bool(state[i])
    )
    kinds, pct = columns.kinds.names, columns.prop("state_equity_pct")
    found: list[dict[str, Any]] = []
    for ent in bounded(_candidates(columns, params.as_of)):
        at = ent["id"]
        value = float(pct[at])
        ent.update(  # (its name is read for the items found only)
            name=None,
            kind=kinds[columns.kind[at]],
            state_equity_pct=None if value != value else value,
        )
        found.extend(enterprise_mismatches(ent, chains))
    with view.reading_graph() as adj:
        named = {i: ids[i] for item in found for i in _codes(item)}
        names = {i: adj.node[named[i]]["name"] for i in {item["id"] for item in found}}
    for item in found:
        item["name"] = names[item["id"]]
        for field in ("id", "org_id", "related_id"):
            if item[field] is not None:
                item[field] = named[item[field]]
    return _result(view, found, params)


def _codes(item: Mapping[str, Any]) -> list[int]:
    return [item[k] for k in ("id", "org_id", "related_id") if item[k] is not None]


def _state_committees(columns: Columns, on: int, alive: Bools) -> Bools:
    """The organizations that exist on day ``on`` and are based (by a line holding then) in
    a state-assets body (a Body of kind ``sasac``) that exists then."""
    based = columns.edges("BASED_IN")
    sasac = columns.label_is("Body") & columns.kind_in(["sasac"]) & alive
    found = np.zeros(len(columns), dtype=bool)
    found[based.src[based.active(on) & sasac[based.dst]]] = True
    found &= alive
    return found


def _candidates(columns: Columns, as_of: date) -> list[dict[str, Any]]:
    """The active resolved enterprises that may have a mismatch, with the facts
    :func:`enterprise_mismatches` needs (``id``, ``orgs``, ``areas``, as column indexes; the
    caller adds kind and ``state_equity_pct``), gathered in a few numpy passes over the
    columns.

    They are every ownership candidate (few), and those registered in an area with
    committees where an organization based in them has a reporting chain holding none of
    the area's committees — the chains walked for all of them at once, as
    :meth:`Chains.chain` walks one. :func:`enterprise_mismatches` decides for each."""
    on = day(as_of)
    n = len(columns)
    alive = columns.alive(on)
    party = columns.label_is("PartyOrg")
    enterprises = columns.label_is("Enterprise") & alive & ~columns.unresolved
    pct = columns.prop("state_equity_pct")
    found = enterprises & ((pct == 0) | (pct > MAJORITY_PCT))  # ownership candidates
    # registered in an area of a line-area kind: (enterprise, area)
    located = columns.edges("LOCATED_IN")
    areas = columns.label_is("Area") & columns.kind_in(LINE_AREA_KINDS) & alive
    registered = (
        located.active(on)
        & columns.edge_kind_is(located, "registered")
        & enterprises[located.src]
        & areas[located.dst]
    )
    ent_area = pairs(located.src[registered], located.dst[registered], n)
    # the committees of those areas: (area, committee), and the organizations of the
    # enterprises: (enterprise, organization)
    based = columns.edges("BASED_IN")
    by_org = based.active(on) & party[based.src] & alive[based.src]
    in_area = np.zeros(n, dtype=bool)
    in_area[ent_area % n] = True
    committee = pairs(
        based.dst[by_org & in_area[based.dst]], based.src[by_org & in_area[based.dst]], n
    )
    ent_org = pairs(
        based.dst[by_org & enterprises[based.dst]], based.src[by_org & enterprises[based.dst]], n
    )
    with_committees = np.zeros(n, dtype=bool)
    with_committees[committee // n] = True
    ent_area = ent_area[with_committees[ent_area % n]]
    # one walker per (enterprise, organization, area): does the chain meet a committee?
    owner_of = ent_org // n
    first = np.searchsorted(owner_of, ent_area // n, "left")
    count = np.searchsorted(owner_of, ent_area // n, "right") - first
    pick = spans(first, count)
    walker_ent = ent_org[pick] // n
    walker_area = np.repeat(ent_area % n, count)
    node = ent_org[pick] % n  # the organization itself is on its chain
    met = member(committee, walker_area * n + node)
    up, halts = _superiors(columns, on), ~alive | columns.unresolved
    walking = np.flatnonzero(~met)
    for _ in range(MAX_DEPTH):  # a chain holds at most MAX_DEPTH superiors
        step = up[node[walking]]
        walking = walking[step >= 0]
        if not len(walking):
            break
        node[walking] = step[step >= 0]
        met[walking] = member(committee, walker_area[walking] * n + node[walking])
        walking = walking[~met[walking] & ~halts[node[walking]]]  # stops after a halt
    found[walker_ent[~met]] = True
    # the facts of the candidates
    ent_area = ent_area[found[ent_area // n]]
    wanted = np.zeros(n, dtype=bool)
    wanted[ent_area % n] = True
    committees: dict[int, list[int]] = {}
    for key in committee[wanted[committee // n]].tolist():  # (sorted: by area, committee)
        committees.setdefault(key // n, []).append(key % n)
    facts: dict[int, dict[str, Any]] = {
        i: {"id": i, "orgs": [], "areas": []} for i in np.flatnonzero(found).tolist()
    }
    for key in ent_org[found[ent_org // n]].tolist():
        facts[key // n]["orgs"].append(key % n)
    for key in ent_area.tolist():
        facts[key // n]["areas"].append({"area": key % n, "committees": committees[key % n]})
    return list(facts.values())


def _superiors(columns: Columns, on: int) -> Ints:
    """Each node's one superior by its active AFFILIATED_TO lines (their targets, whatever
    their state), or -1: none, or several at once (as :func:`queries.chain.walk`)."""
    n = len(columns)
    aff = columns.edges("AFFILIATED_TO")
    line = aff.active(on)
    lines = pairs(aff.src[line], aff.dst[line], n)
    distinct = np.bincount(lines // n, minlength=n)
    up = np.full(n, -1, dtype=np.int64)
    one = distinct[lines // n] == 1
    up[lines[one] // n] = lines[one] % n
    return up


# -- Cypher -------------------------------------------------------------------------------------

_AREA_KINDS = ", ".join(f"'{k}'" for k in LINE_AREA_KINDS)

CYPHER = f"""
MATCH (e:Enterprise)
WHERE {cypher_active("e")} AND NOT coalesce(e.unresolved, false)
CALL (e) {{
  OPTIONAL MATCH (e)-[l:LOCATED_IN]->(a:Node)
  WHERE a:Area AND l.kind = 'registered' AND a.kind IN [{_AREA_KINDS}]
    AND {cypher_active("l")} AND {cypher_active("a")}
  WITH DISTINCT a
  OPTIONAL MATCH (a)<-[cb:BASED_IN]-(c:Node)
  WHERE c:PartyOrg AND {cypher_active("cb")} AND {cypher_active("c")}
  WITH a, collect(DISTINCT c.id) AS committees
  RETURN collect(CASE WHEN a IS NULL THEN null
                 ELSE {{area: a.id, committees: committees}} END) AS areas
}}
WITH e, areas
WHERE e.state_equity_pct = 0 OR e.state_equity_pct > {MAJORITY_PCT}
   OR ANY(x IN areas WHERE size(x.committees) > 0)
CALL (e) {{
  OPTIONAL MATCH {cypher_based_orgs("e")}
  RETURN collect(DISTINCT o) AS orgs
}}
CALL (orgs) {{
  UNWIND orgs AS o
{indent(cypher_chain("o"), "  ")}
  WITH m, collect(t.id) AS lines
  RETURN collect({{id: m.id, active: {cypher_active("m")},
      unresolved: coalesce(m.unresolved, false), lines: lines,
      sasac: EXISTS {{ MATCH (m)-[sb:BASED_IN]->(x:Node)
                      WHERE x:Body AND x.kind = 'sasac' AND {cypher_active("sb")}
                        AND {cypher_active("x")} }}}}) AS chain
}}
RETURN e.id AS id, e.name AS name, e.kind AS kind, e.state_equity_pct AS state_equity_pct,
       [o IN orgs | o.id] AS orgs, areas, chain
"""


def _from_rows(view: CypherView, rows: Rows, params: MismatchesParams) -> MismatchesResult:
    info: dict[str, dict[str, Any]] = {}
    for row in rows:
        for node in row["chain"]:
            info[node["id"]] = node

    def lines(node_id: str) -> list[str]:
        node = info.get(node_id)
        return list(node["lines"]) if node else []

    def halts(node_id: str) -> bool:
        node = info.get(node_id)
        return node is None or not node["active"] or bool(node["unresolved"])

    def is_state(node_id: str) -> bool:
        node = info.get(node_id)
        return node is not None and bool(node["active"]) and bool(node["sasac"])

    chains = Chains(lines, halts, is_state)
    found: list[dict[str, Any]] = []
    for row in rows:
        found.extend(enterprise_mismatches(row, chains))
    return _result(view, found, params)


MISMATCHES: NamedQuery[MismatchesParams, MismatchesResult] = NamedQuery(
    name="mismatches",
    title="Line versus ownership or location",
    description="Active enterprises whose formal Party line disagrees, on a day, with their "
    "ownership or their location: no state equity yet the organization's line reaches a "
    "SASAC (state-system) committee (state_line_zero_equity); majority state equity yet no "
    "organization's line reaches one (majority_state_no_line); registered in a street, "
    "township or park that has a committee, yet the organization's line runs through none "
    "of that area's committees (registered_outside_line). Each item carries the latest "
    "transfer record of the organization involved, which may explain it.",
    params=MismatchesParams,
    result=MismatchesResult,
    route=Route("/analysis/mismatches", "analysis"),
    cypher=CYPHER,
    from_rows=_from_rows,
    over_graph=_over_graph,
    examples=({"as_of": "2023-06-01"}, {"as_of": "2023-06-01", "kind": "ownership"}),
    listing=Listing(
        title="Formal line against ownership or location",
        columns=(
            Column("enterprise", "id", link="always", name="name"),
            Column("type", "type", terms="mismatch_types"),
            Column("detail", "detail", terms="mismatch_details"),
            Column("organization", "org_id", link="always"),
            Column("related", "related_id", link="always"),
            Column("state equity %", "state_equity_pct"),
            Column("transfer", "transfer_status", detail="transfer_id"),
        ),
        opens=(Opens("tree", "org_id"), Opens("superiors", "id")),
        filter="kind",
        counts="by_type",
    ),
)
