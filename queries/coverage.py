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
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from graph_schema.declaration import NON_PUBLIC_ENTERPRISE_KINDS
from queries.base import ListParams, NamedQuery, page
from queries.common import active, adjacency, cypher_active, cypher_based_orgs, lines_in, lines_out
from stores.base import GraphStore
from stores.embedded import EmbeddedStore

__all__ = ["COVERAGE", "CoverageItem", "CoverageParams", "CoverageResult", "enterprise_status",
           "org_statuses"]

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

Status = Literal["uncovered", "work_coverage_only", "below_minimum", "joint_branch_too_wide",
                 "branch_too_large"]


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


class CoverageResult(BaseModel):
    """Coverage gaps on a day, one page, with counts by status."""

    as_of: date
    items: list[CoverageItem]
    total: int
    limit: int
    offset: int
    by_status: dict[str, int]


# -- the rules, shared by both stores ----------------------------------------------------------

def enterprise_status(employees: int | None, orgs: int, instructors: int) -> Status | None:
    """The gap of an active enterprise with ``orgs`` organizations based in it and
    ``instructors`` instructor lines to it, or None."""
    if employees is None or employees < EMPLOYEE_TARGET or orgs > 0:
        return None
    return "work_coverage_only" if instructors > 0 else "uncovered"


def org_statuses(kind: str, members: int | None, units: int | None) -> list[Status]:
    """The gaps of an active organization (``units``: for a joint branch), possibly none."""
    found: list[Status] = []
    if kind in BRANCH_KINDS and members is not None and members < MIN_MEMBERS:
        found.append("below_minimum")
    if kind == "joint_branch" and units is not None and units > JOINT_MAX_UNITS:
        found.append("joint_branch_too_wide")
    if kind == "branch" and members is not None and members > BRANCH_MAX_MEMBERS:
        found.append("branch_too_large")
    return found


def _items(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Items of one row: an enterprise (employees, orgs, instructors) or an organization
    (members, units)."""
    base = {"id": row["id"], "label": row["label"], "kind": row["kind"], "name": row["name"]}
    if row["label"] == "Enterprise":
        status = enterprise_status(row["employees"], row["orgs"], row["instructors"])
        return [] if status is None else [{**base, "status": status,
                                           "employees": row["employees"]}]
    units = row["units"] if row["kind"] == "joint_branch" else None
    return [{**base, "status": status, "members": row["members"], "units": units}
            for status in org_statuses(row["kind"], row["members"], units)]


def _result(found: list[dict[str, Any]], params: CoverageParams) -> CoverageResult:
    by_status: dict[str, int] = {}
    for item in found:
        by_status[item["status"]] = by_status.get(item["status"], 0) + 1
    if params.status:
        found = [item for item in found if item["status"] == params.status]
    found.sort(key=lambda item: (item["status"], item["id"]))
    return CoverageResult(as_of=params.as_of,
                          items=[CoverageItem(**item) for item in page(found, params)],
                          total=len(found), limit=params.limit, offset=params.offset,
                          by_status=dict(sorted(by_status.items())))


# -- embedded -----------------------------------------------------------------------------------

def _embedded(store: EmbeddedStore, params: CoverageParams) -> CoverageResult:
    as_of = params.as_of
    found: list[dict[str, Any]] = []
    with store.reading() as graph:
        adj = adjacency(graph)
        nodes = adj.node
        for node_id, attrs in nodes.items():
            label = attrs["label"]
            if label not in ("Enterprise", "PartyOrg") or attrs.get("unresolved"):
                continue
            row: dict[str, Any] = {"id": node_id, "label": label, "kind": attrs["kind"],
                                   "name": attrs["name"]}
            if label == "Enterprise":
                employees = attrs.get("employees")
                if (attrs["kind"] not in NON_PUBLIC_ENTERPRISE_KINDS or employees is None
                        or employees < EMPLOYEE_TARGET or not active(attrs, as_of)):
                    continue
                row["employees"] = employees
                row["orgs"] = len({
                    o for o, _, _ in lines_in(adj, node_id, "BASED_IN", as_of)
                    if nodes[o]["label"] == "PartyOrg" and active(nodes[o], as_of)})
                row["instructors"] = sum(
                    1 for s, _, line in lines_in(adj, node_id, "SUPERVISES", as_of)
                    if line.get("kind") == "instructor" and active(nodes[s], as_of))
            else:
                if attrs["kind"] not in BRANCH_KINDS or not active(attrs, as_of):
                    continue
                row["members"] = attrs.get("members")
                row["units"] = len({
                    u for u, _, _ in lines_out(adj, node_id, "BASED_IN", as_of)
                    if active(nodes[u], as_of)}) if attrs["kind"] == "joint_branch" else None
            found.extend(_items(row))
    return _result(found, params)


# -- Cypher -------------------------------------------------------------------------------------

_BRANCH_KINDS = ", ".join(f"'{k}'" for k in BRANCH_KINDS)

CYPHER = f"""
MATCH (e:Enterprise)
WHERE e.employees >= {EMPLOYEE_TARGET} AND e.kind IN {sorted(NON_PUBLIC_ENTERPRISE_KINDS)!r}
  AND {cypher_active("e")}
  AND NOT coalesce(e.unresolved, false)
CALL {{
  WITH e
  OPTIONAL MATCH {cypher_based_orgs("e")}
  RETURN count(DISTINCT o) AS orgs
}}
CALL {{
  WITH e
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
CALL {{
  WITH o
  OPTIONAL MATCH (o)-[b:BASED_IN]->(u:Node)
  WHERE o.kind = 'joint_branch' AND {cypher_active("b")} AND {cypher_active("u")}
  RETURN count(DISTINCT u) AS units
}}
RETURN o.id AS id, 'PartyOrg' AS label, o.kind AS kind, o.name AS name,
       null AS employees, null AS orgs, null AS instructors, o.members AS members, units
"""


def _from_rows(store: GraphStore, rows: list[dict[str, Any]], params: CoverageParams) -> (
        CoverageResult):
    found: list[dict[str, Any]] = []
    for row in rows:
        found.extend(_items(row))
    return _result(found, params)


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
    cypher=CYPHER,
    from_rows=_from_rows,
    embedded=_embedded,
)
