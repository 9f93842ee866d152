"""Named queries: the same exact answers on both stores, on hand-built graphs and the cases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from queries.base import EntityParams, NotFoundError, QueryError
from queries.chain import CHAIN
from queries.orphans import ORPHANS, OrphansParams
from stores.base import GraphStore
from tests.conftest import Dataset
from tests.query_graphs import load_pathologies

D = date.fromisoformat


@pytest.fixture
def pathologies(read_only: Callable[[Dataset], GraphStore]) -> GraphStore:
    return read_only(("pathologies", load_pathologies))


def chain_of(store: GraphStore, node_id: str, as_of: str) -> tuple[list[str], str, list[str]]:
    result = CHAIN.run(store, EntityParams(id=node_id, as_of=D(as_of)))
    return [s.id for s in result.items], result.stop_reason, result.stop_detail


@pytest.mark.parametrize(
    ("node_id", "as_of", "expected"),
    [
        ("b-ok", "2025-01-01", (["b-ok", "street", "root"], "root", [])),
        ("b-ended", "2023-12-31", (["b-ended", "street", "root"], "root", [])),
        ("b-ended", "2024-01-01", (["b-ended"], "no_superior", [])),
        ("b-dead-sup", "2019-12-31", (["b-dead-sup", "dead", "root"], "root", [])),
        ("b-dead-sup", "2020-01-01", (["b-dead-sup", "dead"], "superior_dissolved", ["dead"])),
        ("b-ghost", "2025-01-01", (["b-ghost", "ghost"], "superior_unresolved", ["ghost"])),
        ("b-two", "2025-01-01", (["b-two"], "multiple_superiors", ["root", "street"])),
        ("c1", "2025-01-01", (["c1", "c2"], "cycle", ["c1"])),
        ("b-none", "2025-01-01", (["b-none"], "no_superior", [])),
    ],
)
def test_chain_stops_and_says_why(
    pathologies: GraphStore, node_id: str, as_of: str, expected: tuple[list[str], str, list[str]]
) -> None:
    assert chain_of(pathologies, node_id, as_of) == expected


def test_chain_steps_carry_the_line_and_its_provenance(pathologies: GraphStore) -> None:
    result = CHAIN.run(pathologies, EntityParams(id="b-ok", as_of=D("2025-01-01")))
    first, second, third = result.items
    assert (first.depth, first.line) == (0, None)
    assert second.line is not None
    assert (second.line.kind, second.line.valid_from, second.line.source, second.line.quote) == (
        "territorial",
        D("2010-01-01"),
        "hand",
        "b-ok under street",
    )
    assert (third.id, third.kind, third.active, third.depth) == ("root", "local_committee", True, 2)


def test_chain_refuses_unknown_ids_and_non_organizations(pathologies: GraphStore) -> None:
    with pytest.raises(NotFoundError, match="nope"):
        CHAIN.run(pathologies, EntityParams(id="nope"))
    with pytest.raises(QueryError, match="not a PartyOrg but a node of label Enterprise"):
        CHAIN.run(pathologies, EntityParams(id="ent-closed"))


ORPHANS_2025 = [
    ("b-dead-sup", "superior_dissolved", "dead", D("2020-01-01"), None),
    ("b-ended", "affiliation_ended", "street", D("2024-01-01"), "t-ended"),
    ("b-future", "no_affiliation", None, None, None),
    ("b-ghost", "superior_unresolved", "ghost", None, None),
    ("b-host", "host_dissolved", "ent-closed", D("2022-06-01"), None),
    ("b-none", "no_affiliation", None, None, None),
]


def orphan_rows(store: GraphStore, **params: object) -> list[tuple[object, ...]]:
    result = ORPHANS.run(store, OrphansParams.model_validate(params))
    return [(i.id, i.reason, i.related_id, i.since, i.open_transfer) for i in result.items]


def test_orphans_each_reason(pathologies: GraphStore) -> None:
    assert orphan_rows(pathologies, as_of="2025-01-01") == ORPHANS_2025
    result = ORPHANS.run(pathologies, OrphansParams(as_of=D("2025-01-01")))
    assert result.by_reason == {
        "affiliation_ended": 1,
        "host_dissolved": 1,
        "no_affiliation": 2,
        "superior_dissolved": 1,
        "superior_unresolved": 1,
    }


def test_orphans_interval_boundaries(pathologies: GraphStore) -> None:
    before = {row[0] for row in orphan_rows(pathologies, as_of="2019-12-31")}
    assert before == {"b-future", "b-ghost", "b-none"}  # b-ended still under street, dead alive
    on_day = {row[0]: row[1] for row in orphan_rows(pathologies, as_of="2024-01-01")}
    assert on_day["b-ended"] == "affiliation_ended"
    assert "b-ended" not in {row[0] for row in orphan_rows(pathologies, as_of="2023-12-31")}


def test_orphans_filter_and_pages(pathologies: GraphStore) -> None:
    assert orphan_rows(pathologies, as_of="2025-01-01", reason="no_affiliation") == [
        row for row in ORPHANS_2025 if row[1] == "no_affiliation"
    ]
    second_page = ORPHANS.run(pathologies, OrphansParams(as_of=D("2025-01-01"), limit=2, offset=2))
    assert [i.id for i in second_page.items] == ["b-future", "b-ghost"]
    assert (second_page.total, second_page.limit, second_page.offset) == (6, 2, 2)


def test_two_lines_to_one_superior_are_one_superior(store: GraphStore) -> None:
    from graph_schema.records import Edge, Node

    with store.writer() as w:
        w.upsert_nodes(
            [
                Node("root", "PartyOrg", "local_committee", "Root"),
                Node("b", "PartyOrg", "branch", "B"),
            ]
        )
        w.upsert_edges(
            [
                Edge("AFFILIATED_TO", "b", "root", "territorial", D("2010-01-01")),
                Edge("AFFILIATED_TO", "b", "root", "direct", D("2015-01-01")),
            ]
        )
    assert chain_of(store, "b", "2020-01-01") == (["b", "root"], "root", [])
