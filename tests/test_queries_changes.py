"""``diff`` and ``timeline``: the same exact answers on both stores, on a graph that changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from queries.base import NotFoundError, QueryError
from queries.diff import DIFF, DiffParams
from queries.timeline import TIMELINE, TimelineParams
from stores.base import GraphStore
from tests.conftest import Dataset
from tests.query_graphs_changes import load_changes

Row = tuple[Any, ...]


@pytest.fixture
def changes(read_only: Callable[[Dataset], GraphStore]) -> GraphStore:
    return read_only(("changes", load_changes))


def diff(store: GraphStore, **params: Any) -> list[Row]:
    result = DIFF.run(store, DiffParams.model_validate(params))
    return [_row(item) for item in result.items]


def _row(item: Any) -> Row:
    """A change as a tuple of what tells it apart (empty fields left out)."""
    fields = ("type", "other_id", "transfer", "reason", "before", "after", "gained", "lost")
    extra = tuple((f, getattr(item, f)) for f in fields if getattr(item, f) not in (None, []))
    return (str(item.day), item.change, item.id, *extra)


LINE = ("type", "AFFILIATED_TO")
WHOLE = [
    ("2021-03-01", "node_founded", "n"),
    ("2021-03-01", "line_begun", "n", LINE, ("other_id", "a")),
    ("2021-06-30", "line_begun", "x", LINE, ("other_id", "b")),
    ("2021-06-30", "line_ended", "x", LINE, ("other_id", "a")),
    ("2021-06-30", "transfer", "x", ("other_id", "b"), ("transfer", "t-x")),
    (
        "2021-06-30",
        "superior_changed",
        "x",
        ("other_id", "b"),
        ("transfer", "t-x"),
        ("before", ["a"]),
        ("after", ["b"]),
    ),
    ("2022-01-01", "line_begun", "wc", ("type", "SUPERVISES"), ("other_id", "e")),
    ("2022-01-01", "parents_in_law_changed", "e", ("gained", ["b", "wc"]), ("lost", ["a"])),
    ("2022-03-01", "node_dissolved", "n"),
    ("2022-03-01", "line_ended", "n", LINE, ("other_id", "a")),
    ("2023-01-01", "line_begun", "v", LINE, ("other_id", "b")),
    ("2023-01-01", "line_ended", "y", LINE, ("other_id", "a")),
    ("2023-01-01", "superior_changed", "v", ("other_id", "b"), ("after", ["b"])),
    ("2023-01-01", "superior_changed", "y", ("before", ["a"])),
    ("2023-01-01", "orphaned", "y", ("other_id", "a"), ("reason", "affiliation_ended")),
    ("2023-01-01", "no_longer_orphaned", "v", ("reason", "no_affiliation")),
]


def test_diff_of_the_whole_graph_on_the_boundary_days(changes: GraphStore) -> None:
    # y's line ends on 'to' (no longer holds then): a change; z's ended on 'from': none.
    # v's begins on 'to': a change; w's began on 'from': none. n lived inside the period.
    assert diff(changes, **{"from": "2020-01-01", "to": "2023-01-01"}) == WHOLE


def test_diff_counts_and_pages(changes: GraphStore) -> None:
    result = DIFF.run(
        changes,
        DiffParams.model_validate(
            {"from": "2020-01-01", "to": "2023-01-01", "limit": 3, "offset": 2}
        ),
    )
    assert [_row(i) for i in result.items] == WHOLE[2:5]
    assert (result.total, result.limit, result.offset) == (16, 3, 2)
    assert result.by_change == {
        "node_founded": 1,
        "node_dissolved": 1,
        "line_begun": 4,
        "line_ended": 3,
        "transfer": 1,
        "superior_changed": 3,
        "orphaned": 1,
        "no_longer_orphaned": 1,
        "parents_in_law_changed": 1,
    }
    moved = diff(
        changes, **{"from": "2020-01-01", "to": "2023-01-01", "change": "superior_changed"}
    )
    assert moved == [row for row in WHOLE if row[1] == "superior_changed"]


def test_diff_carries_the_evidence(changes: GraphStore) -> None:
    result = DIFF.run(
        changes, DiffParams.model_validate({"from": "2020-01-01", "to": "2023-01-01"})
    )
    begun = result.items[6]
    assert (begun.change, begun.source, begun.quote, begun.line_kind) == (
        "line_begun",
        "hand",
        "wc guides e",
        "guidance",
    )
    assert (begun.name, begun.kind, begun.other_name) == ("Org wc", "work_committee", "E Co.")
    move = result.items[4]
    assert (move.status, move.source, move.quote) == ("transferred", "hand", "x moves to b")
    assert (result.items[0].valid_from, result.items[0].valid_to) == (
        result.items[8].valid_from,
        result.items[8].valid_to,
    )


def test_a_transfer_moves_a_whole_subtree(changes: GraphStore) -> None:
    period = {"from": "2020-01-01", "to": "2023-01-01"}
    # under b: x (moved in with x1) and v (joined on 'to'); e's change is not in b's subtree
    assert diff(changes, root="b", **period) == [row for row in WHOLE if row[2] in {"x", "v"}]
    # under a: x left, y's line ended, n (founded and dissolved inside) was under it a while
    assert [row[:3] for row in diff(changes, root="a", **period)] == [
        ("2021-03-01", "node_founded", "n"),
        ("2021-03-01", "line_begun", "n"),
        ("2021-06-30", "line_begun", "x"),
        ("2021-06-30", "line_ended", "x"),
        ("2021-06-30", "transfer", "x"),
        ("2021-06-30", "superior_changed", "x"),
        ("2022-03-01", "node_dissolved", "n"),
        ("2022-03-01", "line_ended", "n"),
        ("2023-01-01", "line_ended", "y"),
        ("2023-01-01", "superior_changed", "y"),
        ("2023-01-01", "orphaned", "y"),
    ]


def test_diff_of_an_area_and_the_filters(changes: GraphStore) -> None:
    period = {"from": "2020-01-01", "to": "2023-01-01"}
    # the county holds e (registered there) and x (based in e)
    assert [row[:3] for row in diff(changes, area="county", **period)] == [
        ("2021-06-30", "line_begun", "x"),
        ("2021-06-30", "line_ended", "x"),
        ("2021-06-30", "transfer", "x"),
        ("2021-06-30", "superior_changed", "x"),
        ("2022-01-01", "line_begun", "wc"),
        ("2022-01-01", "parents_in_law_changed", "e"),
    ]
    supervision = diff(changes, types="SUPERVISES", change="line_begun", **period)
    assert supervision == [WHOLE[6]]
    assert diff(changes, kinds="private", **period) == [WHOLE[7]]


def test_an_unchanged_graph_has_an_empty_diff(changes: GraphStore) -> None:
    result = DIFF.run(
        changes, DiffParams.model_validate({"from": "2023-06-01", "to": "2024-06-01"})
    )
    assert (result.items, result.total, result.by_change) == ([], 0, {})
    same_day = DIFF.run(
        changes, DiffParams.model_validate({"from": "2022-01-01", "to": "2022-01-01"})
    )
    assert same_day.total == 0


def test_diff_refuses_what_it_cannot_answer(changes: GraphStore) -> None:
    with pytest.raises(ValueError, match="to is before from"):
        DiffParams.model_validate({"from": "2023-01-01", "to": "2020-01-01"})
    with pytest.raises(NotFoundError, match="nope"):
        DIFF.run(
            changes,
            DiffParams.model_validate({"from": "2020-01-01", "to": "2023-01-01", "root": "nope"}),
        )
    with pytest.raises(QueryError, match="'e' is a Enterprise, not an Area"):
        DIFF.run(
            changes,
            DiffParams.model_validate({"from": "2020-01-01", "to": "2023-01-01", "area": "e"}),
        )


def timeline(store: GraphStore, **params: Any) -> Any:
    return TIMELINE.run(store, TimelineParams.model_validate(params))


def test_timeline_of_a_node(changes: GraphStore) -> None:
    result = timeline(changes, node="x")
    assert [_row(i) for i in result.items] == [
        ("2000-01-01", "line_begun", "x", LINE, ("other_id", "a")),
        ("2000-01-01", "line_begun", "x", ("type", "BASED_IN"), ("other_id", "e")),
        ("2000-01-01", "line_begun", "x1", LINE, ("other_id", "x")),
        ("2021-06-30", "line_begun", "x", LINE, ("other_id", "b")),
        ("2021-06-30", "line_ended", "x", LINE, ("other_id", "a")),
        ("2021-06-30", "transfer", "x", ("other_id", "b"), ("transfer", "t-x")),
    ]
    assert (result.by_year, result.by_month) == ({"2000": 3, "2021": 3}, None)
    assert result.by_change == {"line_begun": 4, "line_ended": 1, "transfer": 1}


def test_timeline_of_a_subtree_by_month_and_of_an_area(changes: GraphStore) -> None:
    under_b = timeline(changes, root="b", as_of="2023-01-01", by="month")
    assert under_b.total == 9
    assert under_b.by_year == {"2000": 4, "2020": 1, "2021": 3, "2023": 1}
    assert under_b.by_month == {"2000-01": 4, "2020-01": 1, "2021-06": 3, "2023-01": 1}
    in_county = timeline(changes, area="county", **{"from": "2020-01-01"})
    assert [row[:3] for row in map(_row, in_county.items)] == [
        ("2021-06-30", "line_begun", "x"),
        ("2021-06-30", "line_ended", "x"),
        ("2021-06-30", "transfer", "x"),
        ("2022-01-01", "line_begun", "wc"),
    ]


def test_timeline_asks_for_one_subject(changes: GraphStore) -> None:
    with pytest.raises(ValueError, match="exactly one of node, root and area"):
        TimelineParams.model_validate({"node": "x", "root": "b"})
    with pytest.raises(NotFoundError, match="nope"):
        timeline(changes, node="nope")
