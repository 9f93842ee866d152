"""``diff``: everything that changed between two days, for the whole graph, a subtree or an
area — what moved, what lost its superior, who gained or shed parents-in-law — each change
with its day and the evidence behind it.

The events of the period and the differences of state between its two days are defined in
:mod:`queries.changes`. A difference of state is listed only for a node that exists on both
days: one founded or dissolved in the period shows as that event and its lines' events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Self

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from graph_schema.models import IsoDate
from graph_schema.records import Transfer
from queries.base import Listing, NamedQuery, Opens, Route, Rows
from queries.changes import (
    CHANGE_COLUMNS,
    ChangeItem,
    ChangeKind,
    Event,
    Gathered,
    Period,
    ScopeParams,
    changed_pairs,
    events_cypher,
    events_of_transfers,
    gather_in_rows,
    gather_over_graph,
    page_of,
    pair_sets,
)
from queries.orphans import find_orphans
from queries.overlaps import SuperiorPairs, superior_pairs
from stores.base import CypherView, GraphView

__all__ = ["DIFF", "DiffParams", "DiffResult", "state_changes"]

_ALIASED = ConfigDict(populate_by_name=True, serialize_by_alias=True)
NODE_EVENTS = ("node_founded", "node_dissolved")


class DiffParams(ScopeParams):
    """The two days, and what part of the graph."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: IsoDate = Field(alias="from", description="the first day (YYYY-MM-DD)")
    to: IsoDate = Field(description="the second day (YYYY-MM-DD), not before the first")
    change: ChangeKind | None = Field(None, description="only changes of this kind")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.to < self.from_:
            raise ValueError("to is before from")
        return self


class DiffResult(BaseModel):
    """The changes between two days, one page, with counts per kind of change."""

    model_config = _ALIASED

    from_: dt.date = Field(alias="from")
    to: dt.date
    root: str | None = None
    area: str | None = None
    items: list[ChangeItem]
    total: int
    limit: int
    offset: int
    by_change: dict[str, int] = Field(
        description="changes per kind (before the 'change' filter), in the order of the kinds"
    )


# -- differences of state ----------------------------------------------------------------------


def _touching(events: Sequence[Event]) -> dict[str, list[Event]]:
    """The events each node takes part in (as the node, or as a line's other end)."""
    found: dict[str, list[Event]] = {}
    for event in events:
        found.setdefault(event.id, []).append(event)
        if event.other is not None and event.type is not None:
            found.setdefault(event.other, []).append(event)
    return found


def _last(events: Sequence[Event]) -> dt.date | None:
    days = [e.day for e in events if e.day is not None]
    return max(days) if days else None


def _orphan_changes(
    view: CypherView | GraphView, period: Period, touching: Mapping[str, list[Event]]
) -> list[Event]:
    """Organizations that became orphans, or stopped being ones, between the two days."""
    assert period.after is not None
    assert period.until is not None
    before = {o["id"]: o for o in find_orphans(view, period.after)}
    after = {o["id"]: o for o in find_orphans(view, period.until)}
    found = []
    for org in after.keys() - before.keys():
        if _exists_only_once(touching.get(org, [])):
            continue
        orphan, since = after[org], after[org]["since"]
        day = since if period.holds(since) else _last(touching.get(org, []))
        found.append(
            Event(day, "orphaned", org, orphan["related_id"], ref={"reason": orphan["reason"]})
        )
    for org in before.keys() - after.keys():
        if _exists_only_once(touching.get(org, [])):
            continue
        orphan = before[org]
        found.append(
            Event(
                _last(touching.get(org, [])),
                "no_longer_orphaned",
                org,
                orphan["related_id"],
                ref={"reason": orphan["reason"]},
            )
        )
    return found


def _pairs(found: SuperiorPairs, size: int, which: str) -> tuple[Any, Any]:
    counts = found.counts
    mask = {"formal": counts.formal, "supervising": counts.supervising}.get(which)
    entity, superior = counts.entity, counts.superior
    if mask is not None:
        entity, superior = entity[mask], superior[mask]
    return pair_sets(entity, superior, size)


def _explaining(
    org: str, before: list[str], after: list[str], transfers: Mapping[str, Transfer]
) -> Transfer | None:
    """The latest carried-out transfer of ``org`` in the period from a superior it had or
    to one it has."""
    moves = [
        t
        for t in transfers.values()
        if t.org == org
        and t.status == "transferred"
        and (t.props.get("decided_to") in after or t.props.get("from") in before)
    ]
    return max(moves, key=lambda t: (t.date, t.id)) if moves else None


def _superior_changes(
    view: CypherView | GraphView,
    period: Period,
    touching: Mapping[str, list[Event]],
    transfers: Mapping[str, Transfer],
) -> list[Event]:
    """Formal superiors and parents-in-law that differ between the two days."""
    assert period.after is not None
    assert period.until is not None
    codes: dict[str, int] = {}
    first = superior_pairs(view, period.after, codes)
    second = superior_pairs(view, period.until, codes)
    ids = second.ids if len(second.ids) >= len(first.ids) else first.ids
    size = len(ids)

    def label(code: int) -> str | None:
        for found in (second, first):
            try:
                return found.label_of(code)
            except (KeyError, IndexError):
                continue
        return None

    def superiors_of(keys: Any, owners: Any, code: int) -> list[str]:
        lo, hi = np.searchsorted(owners, [code, code + 1])
        return sorted(ids[k % size] for k in keys[lo:hi].tolist())

    events: list[Event] = []
    formal_a, formal_b = _pairs(first, size, "formal"), _pairs(second, size, "formal")
    for code in changed_pairs(formal_a[0], formal_b[0], size):
        org = ids[code]
        if label(code) != "PartyOrg" or _exists_only_once(touching.get(org, [])):
            continue
        before = superiors_of(*formal_a, code)
        after = superiors_of(*formal_b, code)
        move = _explaining(org, before, after, transfers)
        lines = [e for e in touching.get(org, []) if e.type == "AFFILIATED_TO" and e.id == org]
        ends = [e for s in {*before, *after} for e in touching.get(s, []) if e.id == s]
        day = move.date if move is not None else _last(lines + ends)
        new = [s for s in after if s not in before]
        events.append(
            Event(
                day,
                "superior_changed",
                org,
                new[0] if new else None,
                ref={
                    "before": before,
                    "after": after,
                    "transfer": None if move is None else move.id,
                },
            )
        )
    based = _based_in(first, second, ids)
    for which, wanted in (("supervising", "PartyOrg"), ("all", "Enterprise")):
        a, b = _pairs(first, size, which)[0], _pairs(second, size, which)[0]
        for code, (gained, lost) in changed_pairs(a, b, size).items():
            entity = ids[code]
            if label(code) != wanted or _exists_only_once(touching.get(entity, [])):
                continue
            moved = {ids[s] for s in (*gained, *lost)}
            events.append(
                Event(
                    _last(_explaining_events(touching, moved, {entity, *based.get(entity, ())})),
                    "parents_in_law_changed",
                    entity,
                    ref={
                        "gained": sorted(ids[s] for s in gained),
                        "lost": sorted(ids[s] for s in lost),
                    },
                )
            )
    return events


def _explaining_events(
    touching: Mapping[str, list[Event]], moved: set[str], subjects: set[str]
) -> list[Event]:
    """The events that can explain an entity's parents-in-law changing: of the entity and
    the organizations based in it (``subjects``), their lines to or from the superiors
    gained or lost (``moved``), their BASED_IN lines, and those superiors' own beginnings
    and ends."""

    def explains(event: Event) -> bool:
        if event.type is None:
            return event.change in NODE_EVENTS
        return event.type == "BASED_IN" or bool({event.id, event.other} & moved)

    own = [e for s in subjects for e in touching.get(s, []) if explains(e)]
    return own + [
        e for s in moved for e in touching.get(s, []) if e.type is None and e.change in NODE_EVENTS
    ]


def _based_in(
    first: SuperiorPairs, second: SuperiorPairs, ids: Sequence[str]
) -> dict[str, set[str]]:
    """The organizations based in each enterprise on either day."""
    found: dict[str, set[str]] = {}
    for pairs in (first, second):
        host, org = pairs.based
        for h, o in zip(host.tolist(), org.tolist(), strict=True):
            found.setdefault(ids[h], set()).add(ids[o])
    return found


def _exists_only_once(events: Sequence[Event]) -> bool:
    """Whether a node was founded or dissolved in the period (so it lacks one of the days)."""
    return any(e.change in NODE_EVENTS and e.type is None for e in events)


def state_changes(
    view: CypherView | GraphView,
    period: Period,
    events: Sequence[Event],
    transfers: Mapping[str, Transfer],
) -> list[Event]:
    """The differences of state between the period's two days (see :mod:`queries.changes`),
    with the events that explain them."""
    touching = _touching(events)
    return [
        *_orphan_changes(view, period, touching),
        *_superior_changes(view, period, touching, transfers),
    ]


# -- the answer --------------------------------------------------------------------------------


def _diff(view: CypherView | GraphView, found: Gathered, params: DiffParams) -> DiffResult:
    period = _period(params)
    moves, transfers = events_of_transfers(view.iter_transfers(), period)
    changes = [*found.events, *moves]
    if params.from_ < params.to:
        changes += state_changes(view, period, changes, transfers)
    page = page_of(changes, found, transfers, params, params.change)
    return DiffResult(
        from_=params.from_,  # type: ignore[call-arg]  # populate_by_name
        to=params.to,
        root=params.root,
        area=params.area,
        items=page.items,
        total=page.total,
        limit=params.limit,
        offset=params.offset,
        by_change=page.by_change,
    )


def _period(params: DiffParams) -> Period:
    return Period(params.from_, params.to)


def _over_graph(view: GraphView, params: DiffParams) -> DiffResult:
    with view.reading_graph():
        days = (params.from_, params.to)
        found = gather_over_graph(
            view, _period(params), days=days, root=params.root, area=params.area
        )
        return _diff(view, found, params)


def _from_rows(view: CypherView, rows: Rows, params: DiffParams) -> DiffResult:
    days = (params.from_, params.to)
    found = gather_in_rows(
        view, rows, _period(params), days=days, root=params.root, area=params.area
    )
    return _diff(view, found, params)


DIFF: NamedQuery[DiffParams, DiffResult] = NamedQuery(
    name="diff",
    title="What changed between two days",
    description="Every change between two days (after 'from', up to and including 'to'): "
    "nodes founded and dissolved, lines begun and ended (per relationship type), transfer "
    "records, and the differences of state between the two days — an organization's formal "
    "superior (with the transfer that explains it), orphaned or no longer, an entity's "
    "parents-in-law gained and lost. For the whole graph, an organization's subtree or an "
    "area; each change with its day and the source and quote behind it; in time order.",
    params=DiffParams,
    result=DiffResult,
    route=Route("/diff", "changes"),
    cypher=events_cypher(one_node=False, area_days=("from", "to")),
    from_rows=_from_rows,
    over_graph=_over_graph,
    examples=(
        {"from": "2021-01-01", "to": "2023-12-31"},
        {"from": "2020-01-01", "to": "2022-12-31", "root": "tj-sasac-pc"},
        {"from": "2021-01-01", "to": "2023-12-31", "change": "superior_changed"},
    ),
    listing=Listing(
        title="What changed between two days",
        columns=CHANGE_COLUMNS,
        opens=(Opens("details"),),
        filter="change",
        counts="by_change",
    ),
)
