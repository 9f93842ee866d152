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
``retained`` decision). :func:`find_mismatches` is the one definition of the rules, for both
stores: numpy over integer node codes (:class:`MismatchFacts`, which each store gathers —
the embedded store from its columns, the Cypher answer by coding its rows' ids), every
enterprise at once, the chains walked together by :func:`queries.chain.first_on_chains`;
asking each enterprise in Python, walking its chains one by one, took seconds on a province.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from textwrap import indent
from typing import Literal, NamedTuple

import numpy as np
from pydantic import BaseModel, Field

from queries.arrays import Bools, Ints, distinct, member, pairs, run_starts, spans
from queries.base import (
    Answer,
    Column,
    Listing,
    ListParams,
    NamedQuery,
    Opens,
    Route,
    Rows,
    transfers_of,
)
from queries.chain import first_on_chains
from queries.cypher import cypher_active, cypher_based_orgs, cypher_chain
from stores.base import CypherView, GraphView
from stores.columns import Columns, Floats, day

__all__ = [
    "DETAILS",
    "DETAIL_WORDS",
    "MISMATCHES",
    "TYPES",
    "TYPE_WORDS",
    "Found",
    "MismatchFacts",
    "MismatchItem",
    "MismatchesParams",
    "MismatchesResult",
    "find_mismatches",
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

#: each detail's type
DETAIL_TYPES: dict[Detail, MismatchType] = {
    "majority_state_no_line": "ownership",
    "registered_outside_line": "location",
    "state_line_zero_equity": "ownership",
}
#: the details and the types in the answer's order (by name)
DETAILS: tuple[Detail, ...] = tuple(sorted(DETAIL_TYPES))
TYPES: tuple[MismatchType, ...] = tuple(sorted(set(DETAIL_TYPES.values())))
_TYPE_OF_DETAIL = np.array([TYPES.index(DETAIL_TYPES[d]) for d in DETAILS], dtype=np.int64)
_MAJORITY, _OUTSIDE, _ZERO = range(len(DETAILS))


class MismatchFacts(NamedTuple):
    """What the rules read, on one day. Nodes are integer codes below ``size`` given in id
    order (ordering codes orders ids); a pair is one integer, ``first * size + second``
    (:mod:`queries.arrays`)."""

    size: int
    #: the active resolved enterprises examined, sorted
    enterprises: Ints
    #: their ``state_equity_pct``, in the same order (NaN: none)
    pct: Floats
    #: (enterprise, active organization based in it by an active line), sorted, distinct
    based: Ints
    #: (enterprise, active street/township/park it is registered in), sorted, distinct
    registered: Ints
    #: (area, active organization based in it by an active line: its committee), sorted
    committees: Ints
    #: each node's one superior (the target of its active AFFILIATED_TO lines), or -1: none,
    #: or several (the chain walk stops there)
    up: Ints
    #: the chain walk stops on reaching the node (dissolved, unresolved, or unknown)
    halts: Bools
    #: the node is a state-system committee
    state: Bools


class Found(NamedTuple):
    """The mismatches found, one a row, in the answer's order: by type, enterprise,
    organization (none first), detail."""

    enterprise: Ints
    #: position in :data:`DETAILS`
    detail: Ints
    #: -1: none (an enterprise with no organization)
    org: Ints
    #: the committee reached (ownership) or the area (location); -1: none
    related: Ints

    def type(self) -> Ints:
        """Each row's position in :data:`TYPES`."""
        found: Ints = _TYPE_OF_DETAIL[self.detail]
        return found

    def rows(self, kept: Ints | Bools | slice) -> Found:
        """The rows ``kept`` picks (a mask, positions or a slice)."""
        return Found(*(column[kept] for column in self))


def find_mismatches(facts: MismatchFacts) -> Found:
    """Every mismatch, by the rules of the module docstring: the one definition, for both
    stores, and for every enterprise at once in numpy (a province's enterprises asked one
    by one, their chains walked in Python, took seconds). The chains are
    :func:`queries.chain.walk`'s, walked by :func:`queries.chain.first_on_chains`."""
    n = facts.size
    pct = np.full(n, np.nan)
    pct[facts.enterprises] = facts.pct
    zero, majority = pct == 0, pct > MAJORITY_PCT  # (NaN is neither)
    owner, org = facts.based // n, facts.based % n
    # ownership: the nearest state-system committee on each organization's chain
    asked = np.flatnonzero(zero[owner] | majority[owner])
    reached = np.full(len(facts.based), -1, dtype=np.int64)
    reached[asked] = first_on_chains(
        org[asked], facts.up, facts.halts, lambda _, nodes: facts.state[nodes]
    )
    in_line = reached >= 0
    reaching = np.zeros(n, dtype=bool)
    reaching[owner[in_line]] = True
    with_orgs = np.zeros(n, dtype=bool)
    with_orgs[owner] = True
    zero_line = np.flatnonzero(zero[owner] & in_line)
    no_line = np.flatnonzero(majority[owner] & ~reaching[owner])
    no_orgs = facts.enterprises[majority[facts.enterprises] & ~with_orgs[facts.enterprises]]
    parts = [
        _rows(owner[zero_line], _ZERO, org[zero_line], reached[zero_line]),
        _rows(owner[no_line], _MAJORITY, org[no_line], None),
        _rows(no_orgs, _MAJORITY, None, None),
        _outside_line(facts),
    ]
    found = Found(*(np.concatenate(column) for column in zip(*parts, strict=True)))
    order = np.lexsort((found.detail, found.org, found.enterprise, found.type()))
    return found.rows(order)


def _rows(enterprise: Ints, detail: int, org: Ints | None, related: Ints | None) -> Found:
    none = np.full(len(enterprise), -1, dtype=np.int64)
    return Found(
        enterprise.astype(np.int64),
        np.full(len(enterprise), detail, dtype=np.int64),
        none if org is None else org.astype(np.int64),
        none if related is None else related.astype(np.int64),
    )


def _outside_line(facts: MismatchFacts) -> Found:
    """``registered_outside_line``: each (enterprise, organization) whose chain (the
    organization included) holds no committee of some area of registration that has
    committees, with the first such area. One walker per (enterprise, area, organization)."""
    n = facts.size
    with_committees = np.zeros(n, dtype=bool)
    with_committees[facts.committees // n] = True
    orgs_of = np.bincount(facts.based // n, minlength=n)  # (the pairs are by enterprise)
    enterprise, area = facts.registered // n, facts.registered % n
    kept = with_committees[area] & (orgs_of[enterprise] > 0)
    enterprise, area = enterprise[kept], area[kept]
    count = orgs_of[enterprise]
    walker = facts.based[spans((np.cumsum(orgs_of) - orgs_of)[enterprise], count)]
    area = np.repeat(area, count)
    is_committee = np.zeros(n, dtype=bool)
    is_committee[facts.committees % n] = True

    def meets(at: Ints, nodes: Ints) -> Bools:
        """Whether each walker's node is a committee of its area (most are no committee)."""
        found = is_committee[nodes]
        some = np.flatnonzero(found)
        found[some] = member(facts.committees, area[at[some]] * n + nodes[some])
        return found

    met = meets(np.arange(len(walker)), walker % n)
    walking = np.flatnonzero(~met)
    met[walking] = (
        first_on_chains(
            walker[walking] % n,
            facts.up,
            facts.halts,
            lambda at, nodes: meets(walking[at], nodes),
        )
        >= 0
    )
    missed = np.flatnonzero(~met)
    order = missed[np.lexsort((area[missed], walker[missed]))]
    first_missed = order[run_starts(walker[order])]  # the first area by id
    return _rows(walker[first_missed] // n, _OUTSIDE, walker[first_missed] % n, area[first_missed])


def _result(
    view: CypherView | GraphView,
    found: Found,
    params: MismatchesParams,
    id_of: Callable[[int], str],
    enterprise: Callable[[int], tuple[str, str, float | None]],
) -> MismatchesResult:
    """One page of the mismatches found: ``id_of`` gives a node code's id, ``enterprise`` an
    enterprise's name, kind and ``state_equity_pct`` (asked of those shown only)."""
    types = found.type()
    by_type = np.bincount(types, minlength=len(TYPES))
    if params.kind:
        found = found.rows(types == TYPES.index(params.kind))
    shown = found.rows(slice(params.offset, params.offset + params.limit))
    items = []
    for at, detail, org, related in zip(*(column.tolist() for column in shown), strict=True):
        name, kind, pct = enterprise(at)
        items.append(
            {
                "id": id_of(at),
                "name": name,
                "kind": kind,
                "type": TYPES[_TYPE_OF_DETAIL[detail]],
                "detail": DETAILS[detail],
                "org_id": None if org < 0 else id_of(org),
                "related_id": None if related < 0 else id_of(related),
                "state_equity_pct": pct,
            }
        )
    transfers = latest_transfers(view, {i["org_id"] for i in items if i["org_id"]}, params.as_of)
    return MismatchesResult(
        as_of=params.as_of,
        items=[
            MismatchItem(
                **item,
                transfer_id=transfers.get(item["org_id"], (None, None))[0],
                transfer_status=transfers.get(item["org_id"], (None, None))[1],
            )
            for item in items
        ],
        total=len(found.enterprise),
        limit=params.limit,
        offset=params.offset,
        by_type={TYPES[t]: int(count) for t, count in enumerate(by_type.tolist()) if count},
    )


def latest_transfers(
    view: CypherView | GraphView, orgs: set[str], as_of: date
) -> dict[str, tuple[str, str]]:
    """(id, status) of the latest transfer record (by date, then id) of each organization,
    among those dated by ``as_of`` (or undated): a later decision explains nothing yet
    (the page's organizations' records: :func:`~queries.base.transfers_of`)."""
    if not orgs:
        return {}
    records = transfers_of(view, orgs)
    return {t.org: (t.id, t.status) for t in records if t.date is None or t.date <= as_of}


# -- the embedded store -------------------------------------------------------------------------


def _over_graph(view: GraphView, params: MismatchesParams) -> MismatchesResult:
    """The rules over the columns: node codes are column indexes (in id order); ids, names
    and kinds are read for the page shown only."""
    columns = view.columns()
    found = find_mismatches(_facts(columns, day(params.as_of)))
    ids, kinds, pct = columns.ids, columns.kinds.names, columns.prop("state_equity_pct")
    with view.reading_graph() as adj:

        def enterprise(at: int) -> tuple[str, str, float | None]:
            value = float(pct[at])
            none = value != value  # NaN: no value
            return adj.node[ids[at]]["name"], kinds[columns.kind[at]], None if none else value

        return _result(view, found, params, ids.__getitem__, enterprise)


def _facts(columns: Columns, on: int) -> MismatchFacts:
    """The facts of the rules on day number ``on``, in a few numpy passes over the columns."""
    n = len(columns)
    alive = columns.alive(on)
    party = columns.label_is("PartyOrg")
    enterprises = columns.label_is("Enterprise") & alive & ~columns.unresolved
    located = columns.edges("LOCATED_IN")
    areas = columns.label_is("Area") & columns.kind_in(LINE_AREA_KINDS) & alive
    registered = (
        located.active(on)
        & columns.edge_kind_is(located, "registered")
        & enterprises[located.src]
        & areas[located.dst]
    )
    based = columns.edges("BASED_IN")
    by_org = based.active(on) & party[based.src] & alive[based.src]
    in_area = by_org & areas[based.dst]
    in_enterprise = by_org & enterprises[based.dst]
    examined = np.flatnonzero(enterprises)
    return MismatchFacts(
        size=n,
        enterprises=examined,
        pct=columns.prop("state_equity_pct")[examined],
        based=pairs(based.dst[in_enterprise], based.src[in_enterprise], n),
        registered=pairs(located.src[registered], located.dst[registered], n),
        committees=pairs(based.dst[in_area], based.src[in_area], n),
        up=_superiors(columns, on),
        halts=~alive | columns.unresolved,
        state=_state_committees(columns, on, alive),
    )


def _state_committees(columns: Columns, on: int, alive: Bools) -> Bools:
    """The organizations that exist on day ``on`` and are based (by a line holding then) in
    a state-assets body (a Body of kind ``sasac``) that exists then."""
    based = columns.edges("BASED_IN")
    sasac = columns.label_is("Body") & columns.kind_in(["sasac"]) & alive
    found = np.zeros(len(columns), dtype=bool)
    found[based.src[based.active(on) & sasac[based.dst]]] = True
    found &= alive
    return found


def _superiors(columns: Columns, on: int) -> Ints:
    """Each node's one superior by its active AFFILIATED_TO lines (their targets, whatever
    their state), or -1: none, or several at once (as :func:`queries.chain.walk`).

    Most nodes have one line or none: only the lines of nodes with several are sorted, to
    see whether they lead to one superior (sorting every line took longer than the rest)."""
    n = len(columns)
    aff = columns.edges("AFFILIATED_TO")
    line = np.flatnonzero(aff.active(on))
    src, dst = aff.src[line], aff.dst[line]
    up = np.full(n, -1, dtype=np.int64)
    one = np.bincount(src, minlength=n)[src] == 1
    up[src[one]] = dst[one]
    several = pairs(src[~one], dst[~one], n)
    distinct = np.bincount(several // n, minlength=n)
    alike = distinct[several // n] == 1
    up[several[alike] // n] = several[alike] % n
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
    """The rules over the rows: node ids get codes in id order."""
    ids = sorted(
        {row["id"] for row in rows}
        | {org for row in rows for org in row["orgs"]}
        | {area["area"] for row in rows for area in row["areas"]}
        | {c for row in rows for area in row["areas"] for c in area["committees"]}
        | {node["id"] for row in rows for node in row["chain"]}
        | {t for row in rows for node in row["chain"] for t in node["lines"]}
    )
    code = {node_id: at for at, node_id in enumerate(ids)}
    n = len(ids)
    up = np.full(n, -1, dtype=np.int64)
    halts = np.ones(n, dtype=bool)  # a node the rows do not describe stops a walk
    state = np.zeros(n, dtype=bool)
    for row in rows:
        for node in row["chain"]:
            at, targets = code[node["id"]], set(node["lines"])
            up[at] = code[targets.pop()] if len(targets) == 1 else -1
            halts[at] = not node["active"] or bool(node["unresolved"])
            state[at] = bool(node["active"]) and bool(node["sasac"])
    by_code = {code[row["id"]]: row for row in rows}
    examined = np.array(sorted(by_code), dtype=np.int64)
    facts = MismatchFacts(
        size=n,
        enterprises=examined,
        pct=np.array(
            [_number(by_code[at]["state_equity_pct"]) for at in examined.tolist()], dtype=float
        ),
        based=_pairs_of([(code[r["id"]], code[o]) for r in rows for o in r["orgs"]], n),
        registered=_pairs_of(
            [(code[r["id"]], code[a["area"]]) for r in rows for a in r["areas"]], n
        ),
        committees=_pairs_of(
            [(code[a["area"]], code[c]) for r in rows for a in r["areas"] for c in a["committees"]],
            n,
        ),
        up=up,
        halts=halts,
        state=state,
    )

    def enterprise(at: int) -> tuple[str, str, float | None]:
        row = by_code[at]
        return row["name"], row["kind"], row["state_equity_pct"]

    return _result(view, find_mismatches(facts), params, ids.__getitem__, enterprise)


def _number(value: float | None) -> float:
    return np.nan if value is None else float(value)


def _pairs_of(found: list[tuple[int, int]], n: int) -> Ints:
    """The distinct pairs of codes below ``n``, as :mod:`queries.arrays` keys, sorted."""
    return distinct(np.array([first * n + second for first, second in found], dtype=np.int64))


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
