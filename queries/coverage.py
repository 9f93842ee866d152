"""``coverage``: coverage gaps on a day, by the 2012 Opinions and the Party Constitution.

The 2012 General Office Opinions ask that non-public enterprises with 50 or more employees
have Party members and, where they can, a Party organization (*organizational coverage*),
the rest at least *work coverage* (an instructor or liaison). The Party Constitution asks
that a primary organization have at least three full members.

Everything counts "as of" the day: a line and every node it touches must hold on it.
Placeholders for unknown ids are never listed (but a placeholder organization based in an
enterprise still covers it).

Statuses
--------
* ``uncovered`` — an active non-public enterprise (private, foreign, HMT, joint venture:
  ``NON_PUBLIC_ENTERPRISE_KINDS``) with ``employees`` ≥ 50, no active organization based
  in it by an active BASED_IN line (a joint branch based in it covers it as well), and no
  active SUPERVISES line of kind ``instructor`` to it from an active node;
* ``work_coverage_only`` — the same, but with such an instructor line (work coverage only);
* ``below_minimum`` — an active organization of kind branch, general_branch, joint_branch or
  temporary_branch whose ``members`` is known and below 3;
* ``joint_branch_too_wide`` — an active joint_branch based, by active lines, in more than 5
  active units (distinct enterprises, bodies or areas);
* ``branch_too_large`` — an active branch (kind ``branch``) with more than 50 members.

An organization may have two statuses (a joint branch of two members in seven units): it is
then listed once for each. ``units`` is given for every joint branch listed.

Both stores gather the same rows (:class:`Gathered`: the Cypher's rows, or one numpy pass over
the embedded store's columns) and apply the rules in one place, :func:`statuses`, to all rows
at once in numpy (a Python loop over a province's enterprises and organizations took seconds).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

from graph_schema.declaration import NON_PUBLIC_ENTERPRISE_KINDS
from queries.arrays import Bools, Ints, pairs, rank
from queries.base import Answer, Column, Listing, ListParams, NamedQuery, Opens, Route, Rows, page
from queries.cypher import cypher_active, cypher_based_orgs
from stores.base import CypherView, GraphView
from stores.columns import Columns, day

__all__ = [
    "COVERAGE",
    "STATUS_WORDS",
    "CoverageItem",
    "CoverageParams",
    "CoverageResult",
    "Gathered",
    "statuses",
]

#: 2012 Opinions: enterprises with this many employees or more should have Party members.
EMPLOYEE_TARGET = 50
# (only non-public enterprises: NON_PUBLIC_ENTERPRISE_KINDS; state-owned and collective ones
# answer to other rules)
#: Party Constitution: a primary organization needs at least this many full members.
MIN_MEMBERS = 3
#: a joint branch should not spread over more units than this
JOINT_MAX_UNITS = 5
#: a branch with more members than this should become a general branch or committee
BRANCH_MAX_MEMBERS = 50
BRANCH_KINDS = ("branch", "general_branch", "joint_branch", "temporary_branch")

Floats = npt.NDArray[np.float64]
Status = Literal[
    "uncovered", "work_coverage_only", "below_minimum", "joint_branch_too_wide", "branch_too_large"
]
#: Each status as people read it, English and Chinese (served by ``GET /api/labels``).
STATUS_WORDS: dict[str, tuple[str, str]] = {
    "uncovered": ("no Party organization", "未建党组织"),
    "work_coverage_only": ("work coverage only", "仅工作覆盖"),
    "below_minimum": ("fewer than 3 members", "党员不足3人"),
    "joint_branch_too_wide": ("joint branch over more than 5 units", "联合支部覆盖单位过多"),
    "branch_too_large": ("branch of more than 50 members", "支部党员超过50人"),
}


class CoverageParams(ListParams):
    """Which coverage gaps to list."""

    status: Status | None = Field(None, description="only gaps with this status")


class CoverageItem(BaseModel):
    """An enterprise or organization with a coverage gap."""

    id: str
    label: str
    kind: str
    name: str
    status: Status
    employees: int | None = Field(None, description="enterprises: head count")
    members: int | None = Field(None, description="organizations: full Party members")
    units: int | None = Field(None, description="joint branches: active units it is based in")


class CoverageResult(Answer):
    """Coverage gaps on a day, one page, with counts by status."""

    as_of: date
    items: list[CoverageItem]
    total: int
    limit: int
    offset: int
    by_status: dict[str, int]


# -- the rules, shared by both stores ----------------------------------------------------------


class Gathered(NamedTuple):
    """What both stores gather for the rules: active enterprises and organizations, one row
    each, as arrays (numpy; NaN where a number is unknown)."""

    #: an enterprise row (else an organization row)
    enterprise: Bools
    kind: npt.NDArray[np.str_]
    #: enterprises: head count; organizations based in it; instructor lines to it
    employees: Floats
    orgs: Ints
    instructors: Ints
    #: organizations: full members; joint branches: the units it is based in
    members: Floats
    units: Floats


def statuses(rows: Gathered) -> dict[Status, Bools]:
    """The rules: which rows have each gap (see the module docstring), for every row at
    once. A row may have two."""
    org = ~rows.enterprise
    gap = rows.enterprise & (rows.employees >= EMPLOYEE_TARGET) & (rows.orgs == 0)
    return {
        "uncovered": gap & (rows.instructors == 0),
        "work_coverage_only": gap & (rows.instructors > 0),
        "below_minimum": org & np.isin(rows.kind, BRANCH_KINDS) & (rows.members < MIN_MEMBERS),
        "joint_branch_too_wide": org
        & (rows.kind == "joint_branch")
        & (rows.units > JOINT_MAX_UNITS),
        "branch_too_large": org & (rows.kind == "branch") & (rows.members > BRANCH_MAX_MEMBERS),
    }


def _result(
    rows: Gathered,
    by_id: npt.NDArray[np.integer[Any]],
    item: Callable[[int], dict[str, Any]],
    params: CoverageParams,
) -> CoverageResult:
    """Rank the gaps by status, then id (``by_id``: a row's position in id order), and shape
    one page; ``item`` gives a row's id, label, kind, name and employees or members."""
    found = statuses(rows)
    by_status = {status: int(hits.sum()) for status, hits in sorted(found.items()) if hits.any()}
    ranked: list[tuple[Status, Ints]] = []
    for status in [params.status] if params.status else sorted(found):
        hits = np.flatnonzero(found[status])
        ranked.append((status, hits[np.argsort(by_id[hits], kind="stable")]))
    listed = [(status, row) for status, hits in ranked for row in hits.tolist()]
    items = []
    for status, row in page(listed, params):
        fields = item(row)
        if rows.enterprise[row]:
            items.append(CoverageItem(**fields, status=status))
        else:
            units = None if rows.kind[row] != "joint_branch" else int(rows.units[row])
            items.append(CoverageItem(**fields, status=status, units=units))
    return CoverageResult(
        as_of=params.as_of,
        items=items,
        total=len(listed),
        limit=params.limit,
        offset=params.offset,
        by_status=by_status,
    )


# -- the embedded store -------------------------------------------------------------------------


def _over_graph(view: GraphView, params: CoverageParams) -> CoverageResult:
    with view.reading_graph() as adj:
        nodes = adj.node
        columns = view.columns()
        at, rows = _gathered(columns, params.as_of)
        ids = columns.ids

        def item(row: int) -> dict[str, Any]:
            node_id = ids[at[row]]
            attrs = nodes[node_id]
            fields = {
                "id": node_id,
                "label": attrs["label"],
                "kind": attrs["kind"],
                "name": attrs["name"],
            }
            if attrs["label"] == "Enterprise":
                return {**fields, "employees": attrs.get("employees")}
            return {**fields, "members": attrs.get("members")}

        return _result(rows, columns.rank()[at], item, params)


def _gathered(columns: Columns, as_of: date) -> tuple[Ints, Gathered]:
    """The node indexes of the rows, and the rows, as the Cypher gathers them."""
    on = day(as_of)
    n = len(columns)
    alive = columns.alive(on)
    party = columns.label_is("PartyOrg")
    resolved = alive & ~columns.unresolved
    employees = columns.prop("employees")
    enterprises = (
        columns.label_is("Enterprise")
        & resolved
        & columns.kind_in(NON_PUBLIC_ENTERPRISE_KINDS)
        & (employees >= EMPLOYEE_TARGET)
    )
    orgs = party & resolved & columns.kind_in(BRANCH_KINDS)
    based = columns.edges("BASED_IN")
    line = based.active(on)
    # organizations based in an enterprise: distinct, active
    housed = line & party[based.src] & alive[based.src] & enterprises[based.dst]
    in_enterprise = np.bincount(pairs(based.dst[housed], based.src[housed], n) // n, minlength=n)
    sup = columns.edges("SUPERVISES")
    taught = (
        sup.active(on)
        & columns.edge_kind_is(sup, "instructor")
        & alive[sup.src]
        & enterprises[sup.dst]
    )
    instructors = np.bincount(sup.dst[taught], minlength=n)
    # units of a joint branch: distinct, active
    joint = orgs & columns.kind_in(["joint_branch"])
    spread = line & joint[based.src] & alive[based.dst]
    units = np.bincount(pairs(based.src[spread], based.dst[spread], n) // n, minlength=n)
    at = np.flatnonzero(enterprises | orgs)
    kinds = np.array(columns.kinds.names, dtype=np.str_)
    is_enterprise = enterprises[at]
    return at, Gathered(
        is_enterprise,
        kinds[columns.kind[at]],
        employees[at],
        in_enterprise[at],
        instructors[at],
        columns.prop("members")[at],
        np.where(joint[at], units[at], np.nan),
    )


# -- Cypher -------------------------------------------------------------------------------------

_BRANCH_KINDS = ", ".join(f"'{k}'" for k in BRANCH_KINDS)

CYPHER = f"""
MATCH (e:Enterprise)
WHERE e.employees >= {EMPLOYEE_TARGET} AND e.kind IN {sorted(NON_PUBLIC_ENTERPRISE_KINDS)!r}
  AND {cypher_active("e")}
  AND NOT coalesce(e.unresolved, false)
CALL (e) {{
  OPTIONAL MATCH {cypher_based_orgs("e")}
  RETURN count(DISTINCT o) AS orgs
}}
CALL (e) {{
  OPTIONAL MATCH (e)<-[i:SUPERVISES]-(s:Node)
  WHERE i.kind = 'instructor' AND {cypher_active("i")} AND {cypher_active("s")}
  RETURN count(i) AS instructors
}}
RETURN e.id AS id, 'Enterprise' AS label, e.kind AS kind, e.name AS name,
       e.employees AS employees, orgs, instructors, null AS members, null AS units
UNION ALL
MATCH (o:PartyOrg)
WHERE o.kind IN [{_BRANCH_KINDS}] AND {cypher_active("o")}
  AND NOT coalesce(o.unresolved, false)
  AND (o.kind = 'joint_branch' OR o.members < {MIN_MEMBERS}
       OR (o.kind = 'branch' AND o.members > {BRANCH_MAX_MEMBERS}))
CALL (o) {{
  OPTIONAL MATCH (o)-[b:BASED_IN]->(u:Node)
  WHERE o.kind = 'joint_branch' AND {cypher_active("b")} AND {cypher_active("u")}
  RETURN count(DISTINCT u) AS units
}}
RETURN o.id AS id, 'PartyOrg' AS label, o.kind AS kind, o.name AS name,
       null AS employees, null AS orgs, null AS instructors, o.members AS members, units
"""


def _from_rows(view: CypherView, rows: Rows, params: CoverageParams) -> CoverageResult:
    gathered = Gathered(
        np.array([r["label"] == "Enterprise" for r in rows], dtype=bool),
        np.array([r["kind"] for r in rows], dtype=np.str_),
        np.array([r["employees"] for r in rows], dtype=np.float64),
        np.array([r["orgs"] or 0 for r in rows], dtype=np.int64),
        np.array([r["instructors"] or 0 for r in rows], dtype=np.int64),
        np.array([r["members"] for r in rows], dtype=np.float64),
        np.array(
            [r["units"] if r["kind"] == "joint_branch" else None for r in rows], dtype=np.float64
        ),
    )

    def item(row: int) -> dict[str, Any]:
        fields = {k: rows[row][k] for k in ("id", "label", "kind", "name")}
        key = "employees" if rows[row]["label"] == "Enterprise" else "members"
        return {**fields, key: rows[row][key]}

    return _result(gathered, rank([row["id"] for row in rows]), item, params)


COVERAGE: NamedQuery[CoverageParams, CoverageResult] = NamedQuery(
    name="coverage",
    title="Coverage gaps",
    description="Coverage gaps on a day. Enterprises with 50 or more employees and no Party "
    "organization based in them (2012 Opinions): uncovered, or work_coverage_only where an "
    "instructor or liaison line reaches them. Branches, general, joint and temporary "
    "branches with fewer than 3 full members (Party Constitution): below_minimum; joint "
    "branches spread over more than 5 units: joint_branch_too_wide; branches of more than "
    "50 members: branch_too_large.",
    params=CoverageParams,
    result=CoverageResult,
    route=Route("/analysis/coverage", "analysis"),
    cypher=CYPHER,
    from_rows=_from_rows,
    over_graph=_over_graph,
    examples=({"as_of": "2023-06-01"}, {"as_of": "2023-06-01", "status": "uncovered"}),
    listing=Listing(
        title="Coverage gaps",
        columns=(
            Column("name", "id", link="always", name="name"),
            Column("label", "label", terms="labels"),
            Column("kind", "kind", terms="kinds"),
            Column("status", "status", terms="coverage_statuses"),
            Column("employees", "employees"),
            Column("members", "members"),
            Column("units", "units"),
        ),
        opens=(Opens("by_label"),),
        filter="status",
        counts="by_status",
    ),
)
