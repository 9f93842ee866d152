"""What changed, and when: the rules ``diff`` and ``timeline`` share, on both stores.

Two sorts of change:

* **events**, each on one day: a node founded (its ``valid_from``) or dissolved (its
  ``valid_to``), a line begun or ended (an edge's ``valid_from`` / ``valid_to``, per
  relationship type), a transfer record dated that day. A period ``(from, to]`` holds the
  events after ``from`` up to and including ``to``: a line ending on ``to`` no longer holds on
  ``to`` (validity is half-open), so its end is a change of the period; one ending on
  ``from`` is not. Undated records have no events.
* **differences of state** (``diff`` only), found by asking the as-of questions on both days:
  an organization's formal superiors (``superior_changed``, with the transfer that explains
  it), whether it is an orphan (``orphaned`` / ``no_longer_orphaned``, with the reason), an
  entity's parents-in-law (``parents_in_law_changed``: an enterprise's superiors, a Party
  organization's supervisors — its formal superior is ``superior_changed``'s).

Each store gathers the events its own way (:mod:`queries.diff`: one Cypher text, or the
embedded store's columns); the states come from the one definition of each as-of question
(:func:`queries.orphans.find_orphans`, :func:`queries.overlaps.superior_pairs`), and a scope
(an organization's subtree, an area) from :func:`scope_of`. Everything is then filtered,
ordered, counted and shaped here, once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, Literal, NamedTuple, cast, get_args

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field, field_validator

from graph_schema.cypher import NODE_LABEL
from graph_schema.declaration import REL_TYPES
from graph_schema.records import Transfer, active, evidence_from_canonical
from queries.arrays import Bools, Ints
from queries.base import MAX_LIMIT, MAX_OFFSET, Column, QueryError, QueryParams
from queries.change_table import NO_DAY, TYPE_NAMES, ChangeTable, Coding, DayNumbers
from queries.cypher import MAX_DEPTH, cypher_node
from queries.graph import Adjacency, lines_in
from queries.history import Evidence
from queries.subtree import MAX_NODES, SUBTREE, SubtreeParams, TreeNode
from stores.base import CypherView, GraphView

__all__ = [
    "CHANGE_CODE",
    "CHANGE_COLUMNS",
    "CHANGE_KINDS",
    "CHANGE_WORDS",
    "EVENT_KINDS",
    "STATE_KINDS",
    "ChangeItem",
    "ChangeKind",
    "Event",
    "EventKind",
    "Page",
    "Period",
    "ScopeParams",
    "events_cypher",
    "events_of_transfers",
    "gather_in_rows",
    "gather_over_graph",
    "page_of",
    "scope_of",
]

EventKind = Literal["node_founded", "node_dissolved", "line_begun", "line_ended", "transfer"]
ChangeKind = Literal[
    "node_founded",
    "node_dissolved",
    "line_begun",
    "line_ended",
    "transfer",
    "superior_changed",
    "orphaned",
    "no_longer_orphaned",
    "parents_in_law_changed",
]
EVENT_KINDS: tuple[str, ...] = get_args(EventKind)
STATE_KINDS = frozenset(get_args(ChangeKind)) - frozenset(EVENT_KINDS)
CHANGE_KINDS: tuple[str, ...] = get_args(ChangeKind)
#: each kind of change in words, English and Chinese (``GET /api/labels``: the UI shows these)
CHANGE_WORDS: dict[str, tuple[str, str]] = {
    "node_founded": ("founded", "成立"),
    "node_dissolved": ("dissolved", "撤销"),
    "line_begun": ("line begun", "关系建立"),
    "line_ended": ("line ended", "关系终止"),
    "transfer": ("transfer recorded", "转移记录"),
    "superior_changed": ("superior changed", "上级变更"),
    "orphaned": ("became an orphan", "成为孤儿组织"),
    "no_longer_orphaned": ("no longer an orphan", "不再是孤儿组织"),
    "parents_in_law_changed": ("parents-in-law changed", "“婆婆”变化"),
}
#: each kind's code in a change table (:mod:`queries.change_table`), which is also the order
#: of changes on one day: what exists first, then its lines, then what follows
CHANGE_CODE = {kind: n for n, kind in enumerate(CHANGE_KINDS)}
RelTypeName: Any = Literal[tuple(REL_TYPES)]

#: The relationships scoped by area: what is located, or based, in it.
AREA_LINES = ("LOCATED_IN", "BASED_IN")


# -- parameters and answers ------------------------------------------------------------------


def _split(value: Any) -> Any:
    """``a,b`` and ``["a", "b"]`` alike (the CLI passes one text, a URL may repeat it)."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [part.strip() for v in value for part in v.split(",") if part.strip()]
    return value


class ScopeParams(QueryParams):
    """What part of the graph, which changes, and which page."""

    root: str | None = Field(
        None, min_length=1, description="only changes within this organization's subtree"
    )
    area: str | None = Field(
        None,
        min_length=1,
        description="only changes of what is located or based in this area "
        "(or in the areas part of it)",
    )
    types: list[RelTypeName] | None = Field(
        None, description="line changes only of these relationship types (comma-separated)"
    )
    kinds: list[str] | None = Field(
        None, description="only changes of nodes of these kinds (comma-separated)"
    )
    limit: int = Field(100, ge=0, le=MAX_LIMIT, description="items per page (at most 10,000)")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="items to skip")

    _lists = field_validator("types", "kinds", mode="before")(_split)


class ChangeItem(BaseModel):
    """One change: what, to which node, on which day, and the evidence behind it."""

    change: ChangeKind
    day: dt.date | None = Field(
        None,
        description="the day it happened (for a difference of state: of the event that "
        "explains it, if one does)",
    )
    id: str = Field(
        description="the node it is about (a line's: its source; a transfer's: the organization)"
    )
    label: str | None = None
    kind: str | None = None
    name: str | None = None
    type: str | None = Field(None, description="the line's relationship type (line changes)")
    line_kind: str | None = None
    other_id: str | None = Field(
        None,
        description="the other node: a line's target, a transfer's new superior, the superior "
        "or host an orphan's reason names",
    )
    other_name: str | None = None
    valid_from: dt.date | None = Field(None, description="the node's or line's validity")
    valid_to: dt.date | None = None
    status: str | None = Field(None, description="the transfer's status")
    transfer: str | None = Field(
        None, description="the transfer record (transfer), or the one explaining the change"
    )
    reason: str | None = Field(
        None, description="orphaned: why; no_longer_orphaned: why it was an orphan"
    )
    before: list[str] = Field(
        default_factory=list, description="superior_changed: the formal superiors on 'from'"
    )
    after: list[str] = Field(
        default_factory=list, description="superior_changed: the formal superiors on 'to'"
    )
    gained: list[str] = Field(
        default_factory=list, description="parents_in_law_changed: superiors gained"
    )
    lost: list[str] = Field(
        default_factory=list, description="parents_in_law_changed: superiors lost"
    )
    source: str | None = None
    quote: str | None = None
    evidence: list[Evidence] = Field(
        default_factory=list, description="a line's pieces of evidence, each with its source"
    )


# -- events ------------------------------------------------------------------------------------


class Period(NamedTuple):
    """The days ``(after, until]``; None: unbounded on that side."""

    after: dt.date | None
    until: dt.date | None

    def holds(self, day: dt.date | None) -> bool:
        return (
            day is not None
            and (self.after is None or self.after < day)
            and (self.until is None or day <= self.until)
        )


class Event(NamedTuple):
    """One change, before it is shaped into an item. ``ref`` finds its evidence (an edge
    key, a transfer id, or the Cypher row that carried it); for a difference of state it
    holds the item's own fields (reason, before, after …), and ``day`` may be None."""

    day: dt.date | None
    change: str
    id: str
    other: str | None = None
    type: str | None = None
    line_kind: str | None = None
    ref: Any = None


def _transfer_other(transfer: Transfer) -> str | None:
    props = transfer.props
    found = props.get("decided_to") or props.get("proposed_to") or props.get("from")
    return found if isinstance(found, str) else None


def events_of_transfers(
    transfers: Iterable[Transfer], period: Period
) -> tuple[list[Event], dict[str, Transfer]]:
    """The transfer records dated in the period, as events (the other node: the superior
    decided on, else the one proposed, else the one before), and the records by id."""
    events, records = [], {}
    for transfer in transfers:
        if period.holds(transfer.date):
            assert transfer.date is not None
            records[transfer.id] = transfer
            events.append(
                Event(
                    transfer.date,
                    "transfer",
                    transfer.org,
                    _transfer_other(transfer),
                    ref=transfer.id,
                )
            )
    return events, records


# -- Cypher: the events (and an area's members) -------------------------------------------------


def _in_period(value: str) -> str:
    return (
        f"({value} IS NOT NULL AND ($from IS NULL OR {value} > $from) "
        f"AND ($to IS NULL OR {value} <= $to))"
    )


def _held_on(var: str, day: str) -> str:
    return (
        f"(({var}.valid_from IS NULL OR {var}.valid_from <= ${day}) "
        f"AND ({var}.valid_to IS NULL OR ${day} < {var}.valid_to))"
    )


def events_cypher(*, one_node: bool, area_days: tuple[str, ...]) -> str:
    """The Cypher of the events of a period (``$from``, ``$to``: null for unbounded) — of
    node ``$node`` if ``one_node``, else of all — and of the members of area ``$area`` by
    lines that hold on one of the days ``area_days`` names (parameters)."""
    of_node = "($node IS NULL OR n.id = $node) AND " if one_node else ""
    of_line = "($node IS NULL OR a.id = $node OR b.id = $node) AND " if one_node else ""
    held = " OR ".join(_held_on("r", day) for day in area_days)
    return f"""
MATCH (n:{NODE_LABEL})
WHERE {of_node}({_in_period("n.valid_from")} OR {_in_period("n.valid_to")})
RETURN 'node' AS row, {cypher_node("n")} AS a, null AS b, null AS type, null AS kind,
       n.valid_from AS valid_from, n.valid_to AS valid_to, n.source AS source,
       n.quote AS quote, null AS evidence
UNION ALL
MATCH (a:{NODE_LABEL})-[r]->(b:{NODE_LABEL})
WHERE {of_line}({_in_period("r.valid_from")} OR {_in_period("r.valid_to")})
RETURN 'edge' AS row, {cypher_node("a")} AS a, {cypher_node("b")} AS b, type(r) AS type,
       r.kind AS kind, r.valid_from AS valid_from, r.valid_to AS valid_to, r.source AS source,
       r.quote AS quote, r.evidence AS evidence
UNION ALL
MATCH p = (x:{NODE_LABEL})-[:{"|".join(AREA_LINES)}*0..{MAX_DEPTH}]->(:Area {{id: $area}})
WHERE ALL(r IN relationships(p) WHERE {held})
RETURN DISTINCT 'member' AS row, {cypher_node("x")} AS a, null AS b, null AS type,
       null AS kind, null AS valid_from, null AS valid_to, null AS source, null AS quote,
       null AS evidence
"""


def events_in_rows(
    rows: Iterable[Mapping[str, Any]], period: Period
) -> tuple[list[Event], list[str]]:
    """The events of :func:`events_cypher`'s rows in the period (a row holds a node's or a
    line's two days, of which one may be outside), each keeping its row as ``ref``; and the
    area's members."""
    events: list[Event] = []
    members: list[str] = []
    for row in rows:
        a = row["a"]
        if row["row"] == "member":
            members.append(a["id"])
            continue
        for day, change in ((row["valid_from"], "begun"), (row["valid_to"], "ended")):
            if not period.holds(day):
                continue
            if row["row"] == "node":
                what = "node_founded" if change == "begun" else "node_dissolved"
                events.append(Event(day, what, a["id"], ref=row))
            else:
                events.append(
                    Event(
                        day,
                        f"line_{change}",
                        a["id"],
                        row["b"]["id"],
                        row["type"],
                        row["kind"],
                        ref=row,
                    )
                )
    return events, members


# -- scope ------------------------------------------------------------------------------------


def _tree_ids(tree: TreeNode) -> Iterable[str]:
    yield tree.id
    for child in tree.children:
        yield from _tree_ids(child)


def subtree_ids(view: CypherView | GraphView, root: str, days: Sequence[dt.date]) -> set[str]:
    """The organizations under ``root`` (itself included) on any of ``days``, by the
    ``subtree`` query itself; refused when a day's subtree is larger than one answer holds."""
    found: set[str] = set()
    for day in days:
        params = SubtreeParams(id=root, as_of=day, depth=MAX_DEPTH, max_nodes=MAX_NODES)
        tree = SUBTREE.answer(view, params)
        if tree.truncated:
            raise QueryError(
                f"the subtree of {root!r} on {day} holds more than {MAX_NODES:,} organizations: "
                "ask for an area, or for the whole graph"
            )
        found.update(_tree_ids(tree.tree))
    return found


def area_members(view: GraphView, area: str, days: Sequence[dt.date]) -> set[str]:
    """On the embedded store, what :func:`events_cypher` finds for ``$area``: the area and
    every node that reaches it by LOCATED_IN and BASED_IN lines holding on one of ``days``."""
    with view.reading_graph() as adj:
        if area not in adj.node or adj.node[area]["label"] != "Area":
            return set()
        found, frontier = {area}, [area]
        while frontier:
            reached = []
            for node_id in frontier:
                for rel_type in AREA_LINES:
                    for src, _, attrs in lines_in(adj, node_id, rel_type, None):
                        held = any(
                            active(attrs.get("valid_from"), attrs.get("valid_to"), d) for d in days
                        )
                        if held and src not in found:
                            found.add(src)
                            reached.append(src)
            frontier = reached
        return found


def check_area(view: CypherView | GraphView, area: str) -> None:
    """An area scope names an area."""
    node = view.get_node(area)
    if node is None:
        raise QueryError(f"no node with id {area!r}")
    if node.label != "Area":
        raise QueryError(f"{area!r} is a {node.label}, not an Area")


def scope_of(
    view: CypherView | GraphView,
    root: str | None,
    area: str | None,
    days: Sequence[dt.date],
    members: Collection[str] | None = None,
) -> set[str] | None:
    """The node ids a change must involve to be listed (None: the whole graph): the subtree
    of ``root`` and / or the members of ``area`` (``members``, as the Cypher found them, or
    looked up here on the embedded store) on any of ``days``."""
    scope: set[str] | None = None
    if root is not None:
        scope = subtree_ids(view, root, days)
    if area is not None:
        check_area(view, area)
        if members is None:
            members = area_members(cast(GraphView, view), area, days)
        in_area = set(members)
        scope = in_area if scope is None else scope & in_area
    return scope


def _joining(scope: set[str], events: Iterable[Event]) -> set[str]:
    """Organizations outside a subtree's scope with a line to it that began or ended in the
    period: under the root for a while between the two days (founded and dissolved inside
    the period, say), so part of what changed there."""
    return {
        e.id for e in events if e.type == "AFFILIATED_TO" and e.other in scope and e.id not in scope
    }


# -- shaping -----------------------------------------------------------------------------------

Info = Callable[[str], Mapping[str, Any] | None]


def names(info: Info, node_id: str | None) -> dict[str, Any]:
    """Label, kind and name of the node a change is about."""
    node = info(node_id) if node_id else None
    if node is None:
        return {}
    return {"label": node.get("label"), "kind": node.get("kind"), "name": node.get("name")}


def event_item(
    event: Event,
    info: Info,
    detail: Mapping[str, Any],
    transfers: Mapping[str, Transfer],
) -> ChangeItem:
    """An event as an item: ``detail`` holds its record's validity, source, quote and
    evidence (a transfer's come from its record)."""
    other = info(event.other) if event.other else None
    values: dict[str, Any] = {
        "change": event.change,
        "day": event.day,
        "id": event.id,
        **names(info, event.id),
        "type": event.type,
        "line_kind": event.line_kind,
        "other_id": event.other,
        "other_name": None if other is None else other.get("name"),
    }
    if event.change in STATE_KINDS:
        values |= event.ref
    elif event.change == "transfer":
        record = transfers[event.ref]
        values |= {
            "status": record.status,
            "transfer": record.id,
            "source": record.props.get("source"),
            "quote": record.props.get("quote"),
        }
    else:
        values |= {
            "valid_from": detail.get("valid_from"),
            "valid_to": detail.get("valid_to"),
            "source": detail.get("source"),
            "quote": detail.get("quote"),
            "evidence": _evidence_for(event.change, detail.get("evidence")),
        }
    return ChangeItem.model_validate(values)


#: which pieces of a line's evidence speak of its beginning, and of its end
_ROLES = {"line_begun": ("interval", "begins", "holds"), "line_ended": ("interval", "ends")}


def _evidence_for(change: str, evidence: Any) -> list[dict[str, Any]]:
    """The pieces of a line's evidence that speak of this change."""
    if not evidence:
        return []
    roles = _ROLES.get(change, ())
    return [piece for piece in evidence_from_canonical(evidence) if piece.get("role") in roles]


class Page(NamedTuple):
    """One page of changes, shaped, with the total and the counts per kind."""

    items: list[ChangeItem]
    total: int
    by_change: dict[str, int]
    #: the day numbers of every dated change kept (all pages), for a timeline's series
    days: DayNumbers


def _kept(found: Gathered, params: ScopeParams) -> Bools:
    """The scope (a change's node, or a line's other end, in it), ``types`` (of line
    changes) and ``kinds`` (of the change's node) filters, as a mask of the table's rows."""
    rows, coding = found.table.rows, found.table.coding
    kept = np.ones(len(rows.day), dtype=bool)
    if found.scope is not None:
        inside = np.zeros(len(coding), dtype=bool)
        inside[coding.known(found.scope)] = True
        other = (rows.other >= 0) & inside[np.maximum(rows.other, 0)]
        kept &= inside[rows.node] | other
    if params.types is not None:
        wanted = np.array([TYPE_NAMES.index(t) for t in params.types], dtype=np.int64)
        kept &= (rows.type < 0) | np.isin(rows.type, wanted)
    if params.kinds is not None:

        def kind_of(node_id: str) -> str | None:
            node = found.info(node_id)
            return None if node is None else node.get("kind")

        kept &= coding.kinds_in(set(params.kinds), kind_of)[rows.node]
    return kept


def page_of(
    found: Gathered,
    transfers: Mapping[str, Transfer],
    params: ScopeParams,
    change: str | None,
) -> Page:
    """Filter (scope, ``types``, ``kinds``), order, count per kind, keep ``change`` only,
    and shape the requested page: what ``diff`` and ``timeline`` answer alike."""
    table = found.table
    kinds = table.rows.change
    kept = np.flatnonzero(_kept(found, params))
    counted = np.bincount(kinds[kept], minlength=len(CHANGE_KINDS)).tolist()
    counts = {kind: n for kind, n in zip(CHANGE_KINDS, counted, strict=True) if n}
    if change is not None:
        kept = kept[kinds[kept] == CHANGE_CODE[change]]
    start, stop = params.offset, params.offset + params.limit
    ordered = table.order(kept, stop)
    window, (first, last) = _with_ties(table, ordered, start, stop)
    shown = [table.event(at, CHANGE_KINDS) for at in window.tolist()]
    made = [
        event_item(event, found.info, detail, transfers)
        for event, detail in zip(shown, found.details(shown), strict=True)
    ]
    # rows the order cannot tell apart go by their items: the same on both stores
    groups = table.tie_groups(window).tolist()
    items = [
        item
        for _, _, item in sorted(
            zip(groups, (i.model_dump_json() for i in made), made, strict=True),
            key=lambda x: (x[0], x[1]),
        )
    ][first:last]
    days = table.rows.day[kept]
    return Page(items, len(kept), counts, days[days != NO_DAY])


def _with_ties(
    table: ChangeTable, ordered: Ints, start: int, stop: int
) -> tuple[Ints, tuple[int, int]]:
    """The rows of the page ``[start, stop)`` of ``ordered``, widened to whole runs of rows
    the order cannot tell apart, and where the page lies within them."""
    stop = min(stop, len(ordered))
    if start >= stop:
        return ordered[:0], (0, 0)
    groups = table.tie_groups(ordered)
    lo = int(np.searchsorted(groups, groups[start], side="left"))
    hi = int(np.searchsorted(groups, groups[stop - 1], side="right"))
    return ordered[lo:hi], (start - lo, stop - lo)


#: The columns the web UI lists changes and events with.
CHANGE_COLUMNS = (
    Column("day", "day"),
    Column("change", "change"),
    Column("name", "id", link="always", name="name"),
    Column("kind", "kind", terms="kinds"),
    Column("line", "type"),
    Column("other", "other_id", link="always", name="other_name"),
    Column("status", "status", terms="transfer_statuses"),
    Column("reason", "reason"),
    Column("source", "source"),
)


# -- gathering, per store ------------------------------------------------------------------------


class Gathered(NamedTuple):
    """What a store found for a period: the changes (of the scope, or all; ``diff`` adds
    the transfers and the differences of state), the scope, how to name a node, and how to
    read the records behind a page of events."""

    table: ChangeTable
    scope: set[str] | None
    info: Info
    details: Callable[[Sequence[Event]], list[Mapping[str, Any]]]


def gather_in_rows(
    view: CypherView,
    rows: Sequence[Mapping[str, Any]],
    period: Period,
    *,
    days: Sequence[dt.date],
    node: str | None = None,
    root: str | None = None,
    area: str | None = None,
) -> Gathered:
    """What :func:`events_cypher` found, with the
    scope: ``node``, the subtree of ``root`` and / or the members of ``area`` on any of
    ``days``, or the whole graph. Ids get codes as they are met."""
    events, members = events_in_rows(rows, period)
    scope = {node} if node is not None else scope_of(view, root, area, days, members)
    if root is not None and scope is not None:
        while joined := _joining(scope, events):
            scope |= joined
    known: dict[str, Mapping[str, Any] | None] = {}
    for row in rows:
        for end in (row["a"], row["b"]):
            if end is not None:
                known[end["id"]] = end

    def info(node_id: str) -> Mapping[str, Any] | None:
        if node_id not in known:
            found = view.get_node(node_id)
            known[node_id] = (
                None
                if found is None
                else {"label": found.label, "kind": found.kind, "name": found.name}
            )
        return known[node_id]

    def details(page: Sequence[Event]) -> list[Mapping[str, Any]]:
        return [event.ref if isinstance(event.ref, Mapping) else {} for event in page]

    table = ChangeTable(Coding())
    table.add_events(events, CHANGE_CODE)
    return Gathered(table, scope, info, details)


def gather_over_graph(
    view: GraphView,
    period: Period,
    *,
    days: Sequence[dt.date],
    node: str | None = None,
    root: str | None = None,
    area: str | None = None,
    by_column: bool = False,
) -> Gathered:
    """The embedded store's events of the period, and the scope (see
    :func:`gather_in_rows`): a scope's from the graph's dicts, the whole graph's from the
    columns. ``by_column``: ids are coded by column index (to be compared with the
    columns' arrays, as ``diff``'s differences of state are); else as they are met."""
    with view.reading_graph() as adj:
        nodes = adj.node
        scope = {node} if node is not None else scope_of(view, root, area, days)
        table = ChangeTable(Coding(view.columns() if by_column or scope is None else None))
        if scope is None:
            _events_in_columns(table, period)
        else:
            scope &= nodes.keys()
            events = _events_of_nodes(adj, sorted(scope), period)
            while root is not None and (joined := _joining(scope, events)):
                scope |= joined
                events = list(dict.fromkeys(events + _events_of_nodes(adj, sorted(joined), period)))
            table.add_events(events, CHANGE_CODE)

    def details(page: Sequence[Event]) -> list[Mapping[str, Any]]:
        edges = view.edge_records(e.ref for e in page if isinstance(e.ref, int))
        found: list[Mapping[str, Any]] = []
        for event in page:
            if isinstance(event.ref, int):
                edge = edges[event.ref]
                found.append(
                    {"valid_from": edge.valid_from, "valid_to": edge.valid_to, **edge.props}
                )
            elif event.change in ("node_founded", "node_dissolved"):
                record = view.get_node(event.id)
                found.append(
                    {}
                    if record is None
                    else {
                        "valid_from": record.valid_from,
                        "valid_to": record.valid_to,
                        **record.props,
                    }
                )
            else:
                found.append({})
        return found

    def info(node_id: str) -> Mapping[str, Any] | None:
        """A node's attributes; an id the graph lacks (an alias folded into its group's
        node: :mod:`stores.merges`) by its record, as the Cypher side names it."""
        found = nodes.get(node_id)
        if found is None and (record := view.get_node(node_id)) is not None:
            found = {"label": record.label, "kind": record.kind, "name": record.name}
        return found

    return Gathered(table, scope, info, details)


def _node_events(node_id: str, attrs: Mapping[str, Any], period: Period) -> Iterable[Event]:
    if period.holds(attrs.get("valid_from")):
        yield Event(attrs["valid_from"], "node_founded", node_id)
    if period.holds(attrs.get("valid_to")):
        yield Event(attrs["valid_to"], "node_dissolved", node_id)


def _line_events(
    src: str, dst: str, key: int, attrs: Mapping[str, Any], period: Period
) -> Iterable[Event]:
    for field, change in (("valid_from", "line_begun"), ("valid_to", "line_ended")):
        if period.holds(attrs.get(field)):
            yield Event(attrs[field], change, src, dst, attrs["type"], attrs.get("kind"), key)


def _events_of_nodes(adj: Adjacency, scope: Sequence[str], period: Period) -> list[Event]:
    """The events of a few nodes and of their lines, from the graph's dicts."""
    inside = set(scope)
    events: list[Event] = []
    for node_id in scope:
        events.extend(_node_events(node_id, adj.node[node_id], period))
        for dst, keys in adj.succ[node_id].items():
            for key, attrs in keys.items():
                events.extend(_line_events(node_id, dst, key, attrs, period))
        for src, keys in adj.pred[node_id].items():
            if src not in inside:  # a line inside the scope is taken once, from its source
                for key, attrs in keys.items():
                    events.extend(_line_events(src, node_id, key, attrs, period))
    return events


def _events_in_columns(table: ChangeTable, period: Period) -> None:
    """Every event of the period, found by comparisons on the columns (the whole graph),
    added to ``table`` as arrays: no event becomes an object here."""
    from stores.columns import NO_END, NO_START, day

    columns = table.coding.columns
    assert columns is not None
    after = NO_START if period.after is None else day(period.after)
    until = NO_END - 1 if period.until is None else day(period.until)

    def inside(values: npt.NDArray[Any]) -> Ints:
        found: Ints = np.flatnonzero((values > after) & (values <= until))
        return found

    for values, change in ((columns.start, "node_founded"), (columns.end, "node_dissolved")):
        found = inside(values)
        table.add(day=values[found], change=np.full(len(found), CHANGE_CODE[change]), node=found)
    # a kind code of -1 (none) takes the last entry: -1 again
    kinds = np.array([*map(table.kinds.code, columns.edge_kinds.names), -1], dtype=np.int64)
    for rel_type, edges in columns.edges_by_type.items():
        for values, change in ((edges.start, "line_begun"), (edges.end, "line_ended")):
            found = inside(values)
            table.add(
                day=values[found],
                change=np.full(len(found), CHANGE_CODE[change]),
                node=edges.src[found],
                other=edges.dst[found],
                type=np.full(len(found), TYPE_NAMES.index(rel_type)),
                line_kind=kinds[edges.kind[found]],
                key=edges.key[found],
            )
