"""The change table's numpy rules against the plain Python they replace: the order of
changes (and a page's share of it), and the superior pairs gained and lost between two days.

The answers of ``diff`` and ``timeline`` are checked on both stores in
``tests/test_queries_changes.py``; these check the arrays on many random tables, where ties,
undated changes, missing other nodes and line kinds, and pages anywhere occur.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from queries.change_table import TYPE_NAMES, ChangeTable, Coding
from queries.changes import CHANGE_CODE, CHANGE_KINDS, Event
from queries.diff import pair_changes
from queries.superiors import count_on_days, count_superiors

IDS = st.text(alphabet="ab中1-", min_size=1, max_size=3)
DAYS = st.one_of(st.none(), st.dates(dt.date(2019, 1, 1), dt.date(2019, 1, 4)))


@st.composite
def events(draw: st.DrawFn) -> list[Event]:
    """Events with many ties: few days, ids, types and kinds."""
    found = []
    for _ in range(draw(st.integers(0, 40))):
        found.append(
            Event(
                draw(DAYS),
                draw(st.sampled_from(CHANGE_KINDS)),
                draw(IDS),
                draw(st.one_of(st.none(), IDS)),
                draw(st.one_of(st.none(), st.sampled_from(TYPE_NAMES))),
                draw(st.sampled_from([None, "", "leads", "hosts", "党委"])),
                draw(st.integers(0, 5)),
            )
        )
    return found


def _python_order(event: Event) -> tuple[Any, ...]:
    """The order of changes, as the documentation states it."""
    return (
        event.day is None,
        event.day or dt.date.max,
        CHANGE_CODE[event.change],
        event.id,
        event.type or "",
        event.other or "",
        event.line_kind or "",
    )


def _table(found: list[Event]) -> ChangeTable:
    table = ChangeTable(Coding())
    table.add_events(found, CHANGE_CODE)
    return table


@given(events(), st.integers(0, 45))
def test_the_order_is_the_documented_one_and_a_page_is_its_prefix(
    found: list[Event], stop: int
) -> None:
    table = _table(found)
    every = np.arange(len(found), dtype=np.int64)
    ordered = table.order(every)
    expected = sorted(range(len(found)), key=lambda i: _python_order(found[i]))
    assert [_python_order(found[i]) for i in ordered.tolist()] == [
        _python_order(found[i]) for i in expected
    ]
    # a page near the start sorts fewer rows, and begins the same
    assert table.order(every, stop)[:stop].tolist() == ordered[:stop].tolist()


@given(events())
def test_a_row_becomes_the_event_it_was(found: list[Event]) -> None:
    table = _table(found)
    again = [table.event(at, CHANGE_KINDS) for at in range(len(found))]
    # an empty line kind is no line kind
    assert again == [e._replace(line_kind=e.line_kind or None) for e in found]


LINES = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, 5), st.booleans(), st.integers(1, 3)),
    max_size=30,
)
BASED = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(1, 3)), max_size=6)


def _arrays(drawn: Sequence[tuple[Any, ...]], *kinds: Any) -> list[Any]:
    return [np.array([row[i] for row in drawn], dtype=kind) for i, kind in enumerate(kinds)]


@given(LINES, BASED)
def test_two_days_counted_at_once_are_each_day_counted_alone(
    lines: list[tuple[int, int, bool, int]], based: list[tuple[int, int, int]]
) -> None:
    """count_on_days over lines of two days (bit 1: the first, 2: the second) gives, for
    each day, what count_superiors gives for the lines and based pairs of that day alone;
    and pair_changes the set differences of those pairs."""
    size = 6
    entity, superior, formal, days = _arrays(lines, np.int64, np.int64, bool, np.uint8)
    hosts, orgs, based_days = _arrays(based, np.int64, np.int64, np.uint8)
    both = count_on_days(size, entity, superior, formal, days, hosts, orgs, based_days)
    alone = []
    for day in (0, 1):
        on = (days & (1 << day)) != 0
        based_on = (based_days & (1 << day)) != 0
        counts = count_superiors(
            size, entity[on], superior[on], formal[on], hosts[based_on], orgs[based_on]
        )
        keys, is_formal, is_supervising = both.on(day)
        assert keys.tolist() == (counts.entity * size + counts.superior).tolist()
        assert is_formal.tolist() == counts.formal.tolist()
        assert is_supervising.tolist() == counts.supervising.tolist()
        alone.append(counts)

    def of(counts: Any, which: str) -> set[int]:
        keep = {"formal": counts.formal, "supervising": counts.supervising}.get(which)
        keys = counts.entity * size + counts.superior
        return set((keys if keep is None else keys[keep]).tolist())

    for which, (gained, lost) in pair_changes(both).items():
        before, after = of(alone[0], which), of(alone[1], which)
        assert gained.tolist() == sorted(after - before), which
        assert lost.tolist() == sorted(before - after), which
