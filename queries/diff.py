"""``diff``: everything that changed between two days, for the whole graph, a subtree or an
area — what moved, what lost its superior, who gained or shed parents-in-law — each change
with its day and the evidence behind it.

The events of the period and the differences of state between its two days are defined in
:mod:`queries.changes`. A difference of state is listed only for a node that exists on both
days: one founded or dissolved in the period shows as that event and its lines' events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, Self

import numpy as np
from pydantic import ConfigDict, Field, model_validator

from graph_schema.models import IsoDate
from graph_schema.records import Transfer
from queries.arrays import Bools, Ints, distinct, member, run_starts, spans
from queries.base import Answer, Listing, NamedQuery, Opens, Route, Rows
from queries.change_table import (
    NO_DAY,
    TYPE_NAMES,
    ChangeColumns,
    ChangeTable,
    Coding,
    DayNumbers,
    Lazy,
    last_day,
)
from queries.changes import (
    CHANGE_CODE,
    CHANGE_COLUMNS,
    ChangeItem,
    ChangeKind,
    Event,
    Gathered,
    Period,
    ScopeParams,
    events_cypher,
    events_of_transfers,
    gather_in_rows,
    gather_over_graph,
    page_of,
)
from queries.orphans import find_orphans
from queries.overlaps import superior_pairs_on
from queries.superiors import DayPairs
from stores.base import CypherView, GraphView

__all__ = ["DIFF", "DiffParams", "DiffResult", "add_state_changes"]

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


class DiffResult(Answer):
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


class Facts(NamedTuple):
    """Per node code, the latest day (-1: none) of the period's events that can explain a
    difference of state — worked out once, over the whole table, in numpy (day numbers of
    32 bits, as the table's: a province's six arrays of them are half the memory)."""

    #: founded or dissolved (so the node lacks one of the two days)
    node_event: DayNumbers
    #: any event the node is the subject of (its own lines, its transfers)
    own: DayNumbers
    #: its own AFFILIATED_TO lines
    affiliation: DayNumbers
    #: any event it takes part in (as subject, or as a line's other end)
    touch: DayNumbers
    #: BASED_IN lines it takes part in
    based: DayNumbers
    #: lines it takes part in
    lines: DayNumbers
    #: the table's rows, and which are line events (for :meth:`between`: read in place, as a
    #: copy of the lines' ends and days would be ~10 MiB more for a province)
    rows: ChangeColumns
    line: Bools

    @classmethod
    def of(cls, table: ChangeTable, size: int) -> Facts:
        rows = table.rows
        line = rows.type >= 0
        node_event = np.isin(rows.change, [CHANGE_CODE[k] for k in NODE_EVENTS]) & ~line
        src, dst, day = rows.node[line], rows.other[line], rows.day[line]
        affiliation = rows.type[line] == TYPE_NAMES.index("AFFILIATED_TO")
        based = rows.type[line] == TYPE_NAMES.index("BASED_IN")
        own = last_day(size, rows.node, rows.day)
        as_other = last_day(size, dst, day)
        return cls(
            node_event=last_day(size, rows.node[node_event], rows.day[node_event]),
            own=own,
            affiliation=last_day(size, src[affiliation], day[affiliation]),
            touch=np.maximum(own, as_other),
            based=np.maximum(
                last_day(size, src[based], day[based]), last_day(size, dst[based], day[based])
            ),
            lines=np.maximum(last_day(size, src, day), as_other),
            rows=rows,
            line=line,
        )

    def between(self, first: Ints, second: Ints, size: int) -> DayNumbers:
        """The latest day of the line events between each ``first[i]`` and ``second[i]``,
        either way (-1: none); only the lines between nodes asked about are looked at."""
        rows = self.rows
        asked = np.zeros(size, dtype=bool)
        asked[first] = True
        asked[second] = True
        # (a line's other end is a code: a row of no line has -1, masked out by ``line``)
        near = np.flatnonzero(self.line & asked[rows.node] & asked[rows.other])
        ends = rows.node[near].astype(np.int64), rows.other[near].astype(np.int64)
        keys = np.minimum(*ends) * size + np.maximum(*ends)
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        starts = np.flatnonzero(run_starts(keys))
        pairs = keys[starts]
        wanted = np.minimum(first, second) * size + np.maximum(first, second)
        if not len(pairs):
            return np.full(len(wanted), -1, dtype=np.int32)
        latest = np.maximum.reduceat(rows.day[near[order]], starts)
        at = np.minimum(np.searchsorted(pairs, wanted), len(pairs) - 1)
        found: DayNumbers = np.where(pairs[at] == wanted, latest[at], np.int32(-1))
        return found


def _marked(size: int, codes: Ints) -> Bools:
    """A mask of ``size`` codes, true at ``codes``: membership by one look-up each."""
    found = np.zeros(size, dtype=bool)
    found[codes] = True
    return found


def _days(values: DayNumbers) -> DayNumbers:
    """Latest days as the table's days (none: :data:`NO_DAY`, undated)."""
    return np.where(values >= 0, values, np.int32(NO_DAY))


class States(NamedTuple):
    """What the differences of state are worked out from, over one coding of size
    ``size``: the orphans of both days, and from the superiors of both days (counted at
    once) the formal pairs of each, the superior pairs gained and lost per kind
    (:func:`pair_changes`) and the rest of :class:`~queries.overlaps.PairsOnDays`. The
    pairs themselves are not kept (a province's 1.5M: ~15 MiB through the rest)."""

    size: int
    orphans: tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]
    #: the formal pairs of the first day and of the second, sorted
    formal: tuple[Ints, Ints]
    changes: dict[str, tuple[Ints, Ints]]
    #: the (enterprise, organization based in it) pairs on either day
    based: tuple[Ints, Ints]
    #: entity code → its label (Enterprise or PartyOrg), None for a code of no entity
    label_of: Callable[[int], str | None]

    @classmethod
    def of(cls, view: CypherView | GraphView, period: Period, coding: Coding) -> States:
        assert period.after is not None
        assert period.until is not None
        days = (period.after, period.until)
        before, after = ({o["id"]: o for o in find_orphans(view, day)} for day in days)
        for orphans in (before, after):  # every id has its code before pairs are keyed
            coding.codes(orphans)
            coding.codes(o["related_id"] for o in orphans.values() if o["related_id"])
        superiors = superior_pairs_on(view, days, coding.extra, len(coding))
        pairs = superiors.pairs
        return cls(
            superiors.size,
            (before, after),
            (_formal_on(pairs, 0), _formal_on(pairs, 1)),
            pair_changes(pairs),
            superiors.based,
            superiors.label_of,
        )


def _formal_on(pairs: DayPairs, day: int) -> Ints:
    """The formal pairs of the ``day``-th day (0 or 1), sorted."""
    keys, formal, _ = pairs.on(day)
    found: Ints = keys[formal]
    return found


def _orphan_changes(states: States, period: Period, coding: Coding, facts: Facts) -> list[Event]:
    """Organizations that became orphans, or stopped being ones, between the two days."""
    before, after = states.orphans

    def last(org: str) -> dt.date | None:
        found = int(facts.touch[coding.code(org)])
        return None if found < 0 else dt.date.fromordinal(found)

    def once(org: str) -> bool:
        return bool(facts.node_event[coding.code(org)] >= 0)

    found = []
    for org in after.keys() - before.keys():
        if once(org):
            continue
        orphan, since = after[org], after[org]["since"]
        day = since if period.holds(since) else last(org)
        found.append(
            Event(day, "orphaned", org, orphan["related_id"], ref={"reason": orphan["reason"]})
        )
    for org in before.keys() - after.keys():
        if once(org):
            continue
        orphan = before[org]
        found.append(
            Event(
                last(org),
                "no_longer_orphaned",
                org,
                orphan["related_id"],
                ref={"reason": orphan["reason"]},
            )
        )
    return found


def pair_changes(pairs: DayPairs) -> dict[str, tuple[Ints, Ints]]:
    """Per kind of pair (``formal``, ``supervising``, ``all``): the keys gained (on the
    second day only) and lost (on the first only), sorted — read off the days each pair
    holds on, counted at once for both days (:func:`~queries.superiors.count_on_days`)."""
    found = {}
    for which, days in (
        ("formal", pairs.formal),
        ("supervising", pairs.supervising),
        ("all", pairs.formal | pairs.supervising),
    ):
        first, second = (days & 1) != 0, (days & 2) != 0
        found[which] = (pairs.keys[second & ~first], pairs.keys[first & ~second])
    return found


def _of_codes(keys: Ints, codes: Ints, size: int) -> Ints:
    """The pair keys of entities ``codes`` (sorted, distinct), by ranges of sorted keys."""
    lo = np.searchsorted(keys, codes * size)
    found: Ints = keys[spans(lo, np.searchsorted(keys, (codes + 1) * size) - lo)]
    return found


def _labelled(states: States, coding: Coding, codes: Ints, label: str) -> Bools:
    """Which ``codes`` are of nodes of ``label`` (as the superior pairs know them)."""
    if coding.columns is not None:
        inside = codes < len(coding.columns)
        found: Bools = inside & coding.columns.label_is(label)[np.where(inside, codes, 0)]
        return found
    label_of = states.label_of
    return np.array([label_of(c) == label for c in codes.tolist()], dtype=bool)


def _superiors_of(keys: Ints, code: int, size: int, coding: Coding) -> list[str]:
    """The superiors of ``code`` among pair keys (sorted)."""
    lo, hi = np.searchsorted(keys, [code * size, (code + 1) * size])
    return sorted(coding.id(k % size) for k in keys[lo:hi].tolist())


def _explaining(before: list[str], after: list[str], moves: Sequence[Transfer]) -> Transfer | None:
    """The latest of an organization's carried-out transfers in the period (``moves``)
    from a superior it had or to one it has."""
    found = [
        t for t in moves if t.props.get("decided_to") in after or t.props.get("from") in before
    ]
    return max(found, key=lambda t: (t.date, t.id)) if found else None


def _superior_changes(
    table: ChangeTable,
    states: States,
    facts: Facts,
    transfers: Mapping[str, Transfer],
    size: int,
) -> None:
    """Organizations whose formal superiors differ between the two days: each dated by the
    transfer that explains it, else by the latest of its own AFFILIATED_TO lines and of
    the events of its superiors before and after (the other node: its first new one)."""
    coding = table.coding
    moves: dict[str, list[Transfer]] = {}
    for transfer in transfers.values():
        if transfer.status == "transferred":
            moves.setdefault(transfer.org, []).append(transfer)
    first, second = states.formal
    gained, lost = states.changes["formal"]
    orgs = distinct(np.concatenate([gained // size, lost // size]))
    orgs = orgs[_labelled(states, coding, orgs, "PartyOrg") & (facts.node_event[orgs] < 0)]
    listed = _marked(size, orgs)
    new = gained[listed[gained // size]]
    by_rank = new[np.lexsort((coding.rank()[new % size], new // size))]
    firsts = by_rank[run_starts(by_rank // size)]
    other = np.full(size, -1, dtype=np.int64)
    other[firsts // size] = firsts % size
    both = np.concatenate([_of_codes(first, orgs, size), _of_codes(second, orgs, size)])
    day = np.maximum(facts.affiliation, last_day(size, both // size, facts.own[both % size]))[orgs]

    def fields(code: int) -> dict[str, Any]:
        before = _superiors_of(first, code, size, coding)
        after = _superiors_of(second, code, size, coding)
        move = _explaining(before, after, moves.get(coding.id(code), ()))
        return {"before": before, "after": after, "transfer": None if move is None else move.id}

    # the transfer that explains a move dates it
    for at in np.flatnonzero(_marked(size, coding.known(moves))[orgs]).tolist():
        move = fields(int(orgs[at]))["transfer"]
        if move is not None:
            moved_on = transfers[move].date
            assert moved_on is not None  # a transfer of the period is dated
            day[at] = moved_on.toordinal()
    table.add(
        day=_days(day),
        change=np.full(len(orgs), CHANGE_CODE["superior_changed"]),
        node=orgs,
        other=other[orgs],
        obj=np.full(len(orgs), table.keep(Lazy(fields))),
    )


def _parents_in_law_changes(table: ChangeTable, states: States, facts: Facts, size: int) -> None:
    """Entities whose parents-in-law differ between the two days: a Party organization's
    supervisors, an enterprise's superiors (its own, and those of the organizations based
    in it). Each dated by the latest event that can explain it: the founding or dissolving
    of the entity, of an organization based in it or of a superior gained or lost; a
    BASED_IN line of theirs; a line between one of them and a superior gained or lost."""
    coding = table.coding
    hosts, based = states.based
    # the two sorts of entity are told apart by label, so they are dated in one pass
    kinds = [
        _changed_entities(states, coding, facts, which, wanted, size)
        for which, wanted in (("supervising", "PartyOrg"), ("all", "Enterprise"))
    ]
    entities = np.sort(np.concatenate([entities for entities, _ in kinds]))
    listed = _marked(size, entities)
    moved = np.sort(np.concatenate([keys for _, keys in kinds]))
    owner, superior = moved // size, moved % size
    has_host = listed[hosts]
    # the subjects: each entity, and the organizations based in it
    of = np.concatenate([entities, hosts[has_host]])
    subject = np.concatenate([entities, based[has_host]])
    latest = last_day(size, owner, facts.node_event[superior])
    np.maximum.at(latest, of, np.maximum(facts.node_event[subject], facts.based[subject]))
    itself = member(moved, of * size + subject)  # a subject that is a superior moved
    np.maximum.at(latest, of[itself], facts.lines[subject[itself]])
    # each subject with each superior its entity gained or lost (rows of ``moved``, found
    # by owner in them: no arrays over every code)
    lo = np.searchsorted(owner, of, "left")
    counts = np.searchsorted(owner, of, "right") - lo
    across = spans(lo, counts)
    np.maximum.at(
        latest,
        np.repeat(of, counts),
        facts.between(np.repeat(subject, counts), superior[across], size),
    )
    objects = []
    for which in ("supervising", "all"):
        gained, lost = states.changes[which]

        def fields(code: int, gained: Ints = gained, lost: Ints = lost) -> dict[str, Any]:
            return {
                "gained": _superiors_of(gained, code, size, coding),
                "lost": _superiors_of(lost, code, size, coding),
            }

        objects.append(table.keep(Lazy(fields)))
    of_party = _marked(size, kinds[0][0])[entities]
    table.add(
        day=_days(latest[entities]),
        change=np.full(len(entities), CHANGE_CODE["parents_in_law_changed"]),
        node=entities,
        obj=np.where(of_party, objects[0], objects[1]),
    )


def _changed_entities(
    states: States, coding: Coding, facts: Facts, which: str, wanted: str, size: int
) -> tuple[Ints, Ints]:
    """The entities of label ``wanted`` whose pairs of kind ``which`` differ between the two
    days (and exist on both), and those pairs' keys gained or lost."""
    gained, lost = states.changes[which]
    entities = distinct(np.concatenate([gained // size, lost // size]))
    entities = entities[
        _labelled(states, coding, entities, wanted) & (facts.node_event[entities] < 0)
    ]
    moved = np.concatenate([gained, lost])
    return entities, moved[_marked(size, entities)[moved // size]]


def add_state_changes(
    view: CypherView | GraphView,
    period: Period,
    table: ChangeTable,
    transfers: Mapping[str, Transfer],
) -> None:
    """Add the differences of state between the period's two days (see
    :mod:`queries.changes`) to ``table``, which holds the period's events that explain
    them."""
    states = States.of(view, period, table.coding)
    size = states.size
    facts = Facts.of(table, size)
    table.add_events(_orphan_changes(states, period, table.coding, facts), CHANGE_CODE)
    _superior_changes(table, states, facts, transfers, size)
    _parents_in_law_changes(table, states, facts, size)


# -- the answer --------------------------------------------------------------------------------


def _diff(view: CypherView | GraphView, found: Gathered, params: DiffParams) -> DiffResult:
    period = _period(params)
    moves, transfers = events_of_transfers(view.iter_transfers(), period)
    found.table.add_events(moves, CHANGE_CODE)
    if params.from_ < params.to:
        add_state_changes(view, period, found.table, transfers)
    page = page_of(found, transfers, params, params.change)
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
            view, _period(params), days=days, root=params.root, area=params.area, by_column=True
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
