"""``orphans``: active Party organizations with no valid superior on a day, and why.

Reasons, in the order they are tested:

* ``superior_unresolved`` — an active line points at a placeholder (``--allow-unresolved``);
* ``superior_dissolved`` — an active line points at an organization that does not exist
  that day (dissolved, or not yet founded);
* ``affiliation_ended`` — it had lines, and the last one ended with none beginning (e.g. a
  stripped-off unit awaiting transfer);
* ``no_affiliation`` — no line had begun by that day;
* ``host_dissolved`` — it has a valid superior, but every enterprise it is based in has
  ceased to exist.

Roots (``local_committee``) are never orphans, nor are placeholders for unknown ids.

:func:`classify` is the one definition of the reasons, on both stores. The Cypher returns the
organizations that may be orphans with their lines and hosts; the embedded store finds the
same organizations in one numpy pass over its columns (:func:`_candidates`) — a Python loop
over every organization of a province took a second — and gathers the lines and hosts of
those few from the graph.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, cast

import numpy as np
from pydantic import BaseModel, Field

from queries.base import (
    Answer,
    Column,
    Listing,
    ListParams,
    NamedQuery,
    Opens,
    Route,
    Rows,
    is_graph_view,
    page,
    transfers_of,
)
from queries.cypher import cypher_active
from queries.graph import active, lines_out
from stores.base import CypherView, GraphView
from stores.columns import Columns, day
from stores.deadline import bounded

__all__ = [
    "ORPHANS",
    "REASON_WORDS",
    "OrphanItem",
    "OrphansParams",
    "OrphansResult",
    "classify",
]

Reason = Literal[
    "superior_unresolved",
    "superior_dissolved",
    "affiliation_ended",
    "no_affiliation",
    "host_dissolved",
]
OPEN_TRANSFER = ("proposed", "pending")
#: Each reason as people read it, English and Chinese (served by ``GET /api/labels``).
REASON_WORDS: dict[str, tuple[str, str]] = {
    "superior_unresolved": ("superior unknown", "上级党组织不明"),
    "superior_dissolved": ("superior dissolved", "上级党组织已撤销"),
    "affiliation_ended": ("affiliation ended", "隶属关系已终止"),
    "no_affiliation": ("never affiliated", "无隶属关系"),
    "host_dissolved": ("enterprise dissolved", "所在单位已注销"),
}


class OrphansParams(ListParams):
    """Which orphans to list."""

    reason: Reason | None = Field(None, description="only orphans with this reason")


class OrphanItem(BaseModel):
    """An orphaned organization."""

    id: str
    name: str
    kind: str
    reason: Reason
    related_id: str | None = Field(None, description="the superior (or host enterprise) involved")
    since: date | None = Field(None, description="when the line, superior or host ended")
    open_transfer: str | None = Field(
        None, description="a proposed or pending transfer of this organization, if any"
    )


class OrphansResult(Answer):
    """Orphans on a day, one page, with counts by reason."""

    as_of: date
    items: list[OrphanItem]
    total: int
    limit: int
    offset: int
    by_reason: dict[str, int]


# -- the rules, shared by both stores ----------------------------------------------------------


def classify(
    lines: list[dict[str, Any]], hosts: list[dict[str, Any]]
) -> tuple[Reason, str | None, date | None] | None:
    """The orphan reason of one organization, or None if it is not an orphan.

    ``lines``: its AFFILIATED_TO lines (sid, r_active, s_active, unresolved, started, r_to,
    s_to); ``hosts``: the enterprises it is based in by lines begun by the day (hid,
    h_active, h_to).
    """
    if not any(x["r_active"] and x["s_active"] and not x["unresolved"] for x in lines):
        current = sorted((x for x in lines if x["r_active"]), key=lambda x: x["sid"])
        unresolved = [x for x in current if x["unresolved"]]
        if unresolved:
            return "superior_unresolved", unresolved[0]["sid"], None
        if current:
            return "superior_dissolved", current[0]["sid"], current[0]["s_to"]
        ended = [x for x in lines if x["started"]]
        if ended:
            last = max(ended, key=lambda x: (x["r_to"], x["sid"]))
            return "affiliation_ended", last["sid"], last["r_to"]
        return "no_affiliation", None, None
    if hosts and not any(h["h_active"] for h in hosts):
        last_host = max(hosts, key=lambda h: (h["h_to"] or date.min, h["hid"]))
        return "host_dissolved", last_host["hid"], last_host["h_to"]
    return None


def _result(
    view: CypherView | GraphView, found: list[dict[str, Any]], params: OrphansParams
) -> OrphansResult:
    by_reason: dict[str, int] = {}
    for item in found:
        by_reason[item["reason"]] = by_reason.get(item["reason"], 0) + 1
    if params.reason:
        found = [item for item in found if item["reason"] == params.reason]
    found.sort(key=lambda item: item["id"])
    shown = page(found, params)
    open_transfers = _open_transfers(view, {item["id"] for item in shown}, params.as_of)
    items = [OrphanItem(**item, open_transfer=open_transfers.get(item["id"])) for item in shown]
    return OrphansResult(
        as_of=params.as_of,
        items=items,
        total=len(found),
        limit=params.limit,
        offset=params.offset,
        by_reason=dict(sorted(by_reason.items())),
    )


def _open_transfers(view: CypherView | GraphView, orgs: set[str], as_of: date) -> dict[str, str]:
    """The latest proposed or pending transfer of each organization (iter order: by date),
    of the page's organizations only (:func:`~queries.base.transfers_of`)."""
    if not orgs:
        return {}
    return {
        t.org: t.id
        for t in transfers_of(view, orgs)
        if t.status in OPEN_TRANSFER and (t.date is None or t.date <= as_of)
    }


def _item(
    node_id: str, name: str, kind: str, verdict: tuple[Reason, str | None, date | None]
) -> dict[str, Any]:
    reason, related, since = verdict
    return {
        "id": node_id,
        "name": name,
        "kind": kind,
        "reason": reason,
        "related_id": related,
        "since": since,
    }


# -- the embedded store -------------------------------------------------------------------------


def find_orphans(view: CypherView | GraphView, as_of: date) -> list[dict[str, Any]]:
    """Every orphan on a day, unpaged (id, name, kind, reason, related_id, since), on either
    store: what this query pages and what ``diff`` compares between two days."""
    if is_graph_view(view):
        return _found_over_graph(cast(GraphView, view), as_of)
    return _found_in_rows(cast(CypherView, view).read_rows(CYPHER, as_of=as_of))


def _over_graph(view: GraphView, params: OrphansParams) -> OrphansResult:
    return _result(view, _found_over_graph(view, params.as_of), params)


def _found_over_graph(view: GraphView, as_of: date) -> list[dict[str, Any]]:
    found = []
    with view.reading_graph() as adj:
        for node_id in bounded(_candidates(view.columns(), as_of)):
            attrs = adj.node[node_id]
            lines = [
                _line(adj.node[t], t, e, as_of)
                for t, _, e in lines_out(adj, node_id, "AFFILIATED_TO", None)
            ]
            hosts = [
                {
                    "hid": h,
                    "h_active": active(adj.node[h], as_of),
                    "h_to": adj.node[h].get("valid_to"),
                }
                for h, _, e in lines_out(adj, node_id, "BASED_IN", None)
                if adj.node[h]["label"] == "Enterprise" and _started(e, as_of)
            ]
            verdict = classify(lines, hosts)
            if verdict:
                found.append(_item(node_id, attrs["name"], attrs["kind"], verdict))
    return found


def _candidates(columns: Columns, as_of: date) -> list[str]:
    """The organizations :func:`classify` may find orphaned, in one pass over the columns:
    those the Cypher's ``WHERE`` keeps — active, resolved, not roots, and with no active line
    to an active resolved superior or with hosts begun by the day none of which is active.
    (Exactly the organizations ``classify`` answers for; it alone says why.)"""
    on = day(as_of)
    alive = columns.alive(on)
    orgs = (
        columns.label_is("PartyOrg")
        & ~columns.kind_in(["local_committee"])
        & ~columns.unresolved
        & alive
    )
    aff = columns.edges("AFFILIATED_TO")
    good = aff.active(on) & alive[aff.dst] & ~columns.unresolved[aff.dst]
    placed = np.zeros(len(columns), dtype=bool)
    placed[aff.src[good]] = True
    based = columns.edges("BASED_IN")
    hosted = based.started(on) & columns.label_is("Enterprise")[based.dst]
    has_host = np.zeros(len(columns), dtype=bool)
    has_host[based.src[hosted]] = True
    live_host = np.zeros(len(columns), dtype=bool)
    live_host[based.src[hosted & alive[based.dst]]] = True
    orphaned = orgs & (~placed | (has_host & ~live_host))
    return [columns.ids[i] for i in np.flatnonzero(orphaned).tolist()]


def _started(attrs: Any, as_of: date) -> bool:
    start = attrs.get("valid_from")
    return start is None or start <= as_of


def _line(target: Any, target_id: str, edge: Any, as_of: date) -> dict[str, Any]:
    return {
        "sid": target_id,
        "r_active": active(edge, as_of),
        "s_active": active(target, as_of),
        "unresolved": bool(target.get("unresolved", False)),
        "started": _started(edge, as_of),
        "r_to": edge.get("valid_to"),
        "s_to": target.get("valid_to"),
    }


# -- Cypher -------------------------------------------------------------------------------------

CYPHER = f"""
MATCH (o:PartyOrg)
WHERE o.kind <> 'local_committee' AND NOT coalesce(o.unresolved, false)
  AND {cypher_active("o")}
CALL (o) {{
  OPTIONAL MATCH (o)-[r:AFFILIATED_TO]->(s:Node)
  RETURN collect(CASE WHEN r IS NULL THEN null ELSE {{sid: s.id, r_active: {cypher_active("r")},
      s_active: {cypher_active("s")}, unresolved: coalesce(s.unresolved, false),
      started: r.valid_from IS NULL OR r.valid_from <= $as_of, r_to: r.valid_to,
      s_to: s.valid_to}} END) AS lines
}}
CALL (o) {{
  OPTIONAL MATCH (o)-[b:BASED_IN]->(h:Enterprise)
  WHERE b.valid_from IS NULL OR b.valid_from <= $as_of
  RETURN collect(CASE WHEN h IS NULL THEN null ELSE {{hid: h.id, h_active: {cypher_active("h")},
      h_to: h.valid_to}} END) AS hosts
}}
WITH o, lines, hosts
WHERE NOT ANY(x IN lines WHERE x.r_active AND x.s_active AND NOT x.unresolved)
   OR (size(hosts) > 0 AND NOT ANY(h IN hosts WHERE h.h_active))
RETURN o.id AS id, o.name AS name, o.kind AS kind, lines, hosts
"""


def _from_rows(view: CypherView, rows: Rows, params: OrphansParams) -> OrphansResult:
    return _result(view, _found_in_rows(rows), params)


def _found_in_rows(rows: Rows) -> list[dict[str, Any]]:
    found = []
    for row in rows:
        verdict = classify(row["lines"], row["hosts"])
        if verdict:
            found.append(_item(row["id"], row["name"], row["kind"], verdict))
    return found


ORPHANS: NamedQuery[OrphansParams, OrphansResult] = NamedQuery(
    name="orphans",
    title="Orphaned organizations",
    description="Active Party organizations with no valid superior on a day, each with a "
    "reason: no_affiliation, affiliation_ended, superior_dissolved, superior_unresolved or "
    "host_dissolved. Roots (local committees) are not orphans.",
    params=OrphansParams,
    result=OrphansResult,
    route=Route("/analysis/orphans", "analysis"),
    cypher=CYPHER,
    from_rows=_from_rows,
    over_graph=_over_graph,
    examples=({"as_of": "2025-01-01"}, {"as_of": "2025-01-01", "reason": "no_affiliation"}),
    listing=Listing(
        title="Orphaned organizations",
        columns=(
            Column("name", "id", link="always", name="name"),
            Column("kind", "kind", terms="kinds"),
            Column("reason", "reason", terms="orphan_reasons"),
            Column("related", "related_id", link="always"),
            Column("since", "since"),
            Column("open transfer", "open_transfer"),
        ),
        opens=(Opens("tree"),),
        filter="reason",
        counts="by_reason",
    ),
)
