"""The change table's numpy rules against the plain Python they replace: the order of
changes (and a page's share of it), and the superior pairs gained and lost between two days.

The answers of ``diff`` and ``timeline`` are checked on both stores in
``tests/test_queries_changes.py``; these check the arrays on many random tables, where ties,
undated changes, missing other nodes and line kinds, and pages anywhere occur.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from queries.change_table import TYPE_NAMES, ChangeTable, Coding
from queries.changes import CHANGE_CODE, CHANGE_KINDS, Event
from queries.diff import Pairs, pair_changes

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


PAIRS = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, 5), st.booleans(), st.booleans()).filter(
        lambda p: p[2] or p[3]
    ),
    max_size=30,
    unique_by=lambda p: (p[0], p[1]),
)


def _pairs(drawn: list[tuple[int, int, bool, bool]], size: int) -> Pairs:
    drawn = sorted(drawn)
    return Pairs(
        np.array([e * size + s for e, s, _, _ in drawn], dtype=np.int64),
        np.array([f for _, _, f, _ in drawn], dtype=bool),
        np.array([v for _, _, _, v in drawn], dtype=bool),
    )


@given(PAIRS, PAIRS)
def test_pairs_gained_and_lost_are_the_set_differences(
    first: list[tuple[int, int, bool, bool]], second: list[tuple[int, int, bool, bool]]
) -> None:
    size = 6
    found = pair_changes(_pairs(first, size), _pairs(second, size), size)

    def of(drawn: list[tuple[int, int, bool, bool]], which: str) -> set[int]:
        keep = {"formal": lambda p: p[2], "supervising": lambda p: p[3], "all": lambda p: True}
        return {e * size + s for e, s, *_ in filter(keep[which], drawn)}

    for which, (gained, lost) in found.items():
        before, after = of(first, which), of(second, which)
        assert gained.tolist() == sorted(after - before), which
        assert lost.tolist() == sorted(before - after), which
