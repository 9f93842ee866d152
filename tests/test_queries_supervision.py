"""Supervision queries (superiors, overlaps, overlap_pairs, conflicts): the same exact answers
on both stores, on a hand-built graph, random cycle graphs and the public cases."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from pathlib import Path

import networkx as nx
import pytest
from pydantic import ValidationError

from graph_schema.records import Edge, Node
from loaders.load import load_paths
from queries.base import EntityParams, ListParams, NotFoundError, QueryError
from queries.conflicts import CONFLICTS
from queries.overlaps import OVERLAP_PAIRS, OVERLAPS, OverlapPairsParams, OverlapsParams
from queries.superiors import SUPERIORS
from stores.base import GraphStore
from tests.conftest import Dataset
from tests.query_graphs_supervision import ASK, load_supervision

D = date.fromisoformat


@pytest.fixture
def graph(read_only: Callable[[Dataset], GraphStore]) -> GraphStore:
    return read_only(("supervision", load_supervision))


def superior_rows(store: GraphStore, node_id: str, as_of: date = ASK) -> list[tuple[object, ...]]:
    result = SUPERIORS.run(store, EntityParams(id=node_id, as_of=as_of))
    return [(i.relation, i.id, i.kind, i.via, i.line_kind) for i in result.items]


# -- superiors -----------------------------------------------------------------------------------

E1_ON_ASK = [
    ("affiliation", "street", "work_committee", "e1-po", "territorial"),
    ("supervision", "b-coc", "chamber_of_commerce", None, "coordination"),
    ("supervision", "b-fic", "federation_industry_commerce", None, "coordination"),
    ("supervision", "b-npe", "npe_party_office", "e1-po", "direct_contact"),
    ("supervision", "b-org", "organization_dept", "e1-po", "instructor"),
    ("supervision", "b-prop", "propaganda_dept", "e1-sub", "guidance"),
    ("supervision", "b-union", "union", None, "evaluation"),
    ("supervision", "b-union", "union", "e1-po", "guidance"),
    ("supervision", "b-ufd", "united_front_dept", None, "guidance"),
    ("supervision", "b-wf", "womens_federation", None, "coordination"),
    ("supervision", "street", "work_committee", None, "coordination"),
    ("supervision", "b-yl", "youth_league", None, "guidance"),
]


def test_superiors_of_an_enterprise(graph: GraphStore) -> None:
    assert superior_rows(graph, "e1") == E1_ON_ASK
    result = SUPERIORS.run(graph, EntityParams(id="e1", as_of=ASK))
    assert (result.id, result.as_of, result.active) == ("e1", ASK, True)
    assert (result.total, result.distinct) == (12, 10)
    assert result.by_kind == {
        "chamber_of_commerce": 1,
        "federation_industry_commerce": 1,
        "npe_party_office": 1,
        "organization_dept": 1,
        "propaganda_dept": 1,
        "union": 1,
        "united_front_dept": 1,
        "womens_federation": 1,
        "work_committee": 1,
        "youth_league": 1,
    }


def test_superiors_interval_boundaries(graph: GraphStore) -> None:
    """b-ta's line ended on ASK (its last day was the day before); b-coc's began on ASK."""
    on_ask = {row[1] for row in superior_rows(graph, "e1")}
    day_before = {row[1] for row in superior_rows(graph, "e1", D("2024-12-31"))}
    assert "b-ta" not in on_ask
    assert "b-coc" in on_ask
    assert day_before - on_ask == {"b-ta"}
    assert on_ask - day_before == {"b-coc"}
    # dissolved body, dissolved based organization, ended BASED_IN line: never on ASK
    assert not {"b-dead", "b-gov", "b-sasac", "park", "root"} & on_ask
    # before 2024 the BASED_IN line of e1-moved held: its superior and supervisor counted
    in_2023 = superior_rows(graph, "e1", D("2023-06-01"))
    assert ("affiliation", "park", "comprehensive_committee", "e1-moved", "territorial") in in_2023
    assert ("supervision", "b-sasac", "sasac", "e1-moved", "guidance") in in_2023
    assert ("supervision", "b-dead", "social_work_dept", None, "guidance") in in_2023


def test_superior_items_carry_the_line(graph: GraphStore) -> None:
    items = SUPERIORS.run(graph, EntityParams(id="e1", as_of=ASK)).items
    first = items[0]
    assert (
        first.id,
        first.label,
        first.name,
        first.valid_from,
        first.valid_to,
        first.source,
        first.quote,
    ) == (
        "street",
        "PartyOrg",
        "PartyOrg street",
        D("2000-01-01"),
        None,
        "hand",
        "e1-po affiliated_to street",
    )
    coc = next(i for i in items if i.id == "b-coc")
    assert (coc.label, coc.valid_from, coc.quote) == ("Body", ASK, "b-coc supervises e1")


def test_superiors_of_organizations(graph: GraphStore) -> None:
    assert superior_rows(graph, "e1-po") == [
        ("affiliation", "street", "work_committee", None, "territorial"),
        ("supervision", "b-npe", "npe_party_office", None, "direct_contact"),
        ("supervision", "b-org", "organization_dept", None, "instructor"),
        ("supervision", "b-union", "union", None, "guidance"),
    ]
    # asked directly, e1-sub's superior is e1-po (internal only when asking about e1)
    assert superior_rows(graph, "e1-sub") == [
        ("affiliation", "e1-po", "general_branch", None, "territorial"),
        ("supervision", "b-prop", "propaganda_dept", None, "guidance"),
    ]
    two = SUPERIORS.run(graph, EntityParams(id="o-two", as_of=ASK))
    assert [(i.id, i.line_kind) for i in two.items] == [
        ("park", "sector"),
        ("street", "territorial"),
    ]
    assert (two.distinct, two.by_kind) == (2, {"comprehensive_committee": 1, "work_committee": 1})
    dup = SUPERIORS.run(graph, EntityParams(id="o-dup", as_of=ASK))
    assert (dup.total, dup.distinct) == (2, 1)  # two lines, one superior
    assert superior_rows(graph, "s1") == []  # nothing is its own superior
    assert superior_rows(graph, "o-dead-sup") == [
        ("affiliation", "street", "work_committee", None, "territorial")
    ]


def test_superiors_of_a_closed_enterprise(graph: GraphStore) -> None:
    closed = SUPERIORS.run(graph, EntityParams(id="e6", as_of=ASK))
    assert (closed.active, closed.items, closed.total, closed.distinct, closed.by_kind) == (
        False,
        [],
        0,
        0,
        {},
    )
    assert superior_rows(graph, "e6", D("2022-01-01")) == [
        ("supervision", "b-y", "industry_commerce", None, "inspection"),
        ("supervision", "b-x", "investment_promotion", None, "registration"),
    ]


def test_superiors_refuses_unknown_ids_and_other_labels(graph: GraphStore) -> None:
    with pytest.raises(NotFoundError, match="nope"):
        SUPERIORS.run(graph, EntityParams(id="nope", as_of=ASK))
    with pytest.raises(QueryError, match="is a Body"):
        SUPERIORS.run(graph, EntityParams(id="b-x", as_of=ASK))
    with pytest.raises(QueryError, match="is a Area"):
        SUPERIORS.run(graph, EntityParams(id="area", as_of=ASK))


# -- overlaps ------------------------------------------------------------------------------------


def overlap_rows(store: GraphStore, **params: object) -> list[tuple[object, ...]]:
    result = OVERLAPS.run(store, OverlapsParams.model_validate({"as_of": ASK, **params}))
    return [(i.id, i.label, i.superiors, i.formal, i.supervising) for i in result.items]


def test_overlaps_ranks_by_distinct_superiors(graph: GraphStore) -> None:
    assert overlap_rows(graph, min=3) == [
        ("e1", "Enterprise", 10, 1, 10),
        ("e2", "Enterprise", 5, 1, 4),
        ("e1-po", "PartyOrg", 4, 1, 3),
    ]
    result = OVERLAPS.run(graph, OverlapsParams(as_of=ASK))  # min defaults to 3
    assert result.items[0].body_kinds == [
        "chamber_of_commerce",
        "federation_industry_commerce",
        "npe_party_office",
        "organization_dept",
        "propaganda_dept",
        "union",
        "united_front_dept",
        "womens_federation",
        "work_committee",
        "youth_league",
    ]
    assert result.items[1].body_kinds == [
        "federation_industry_commerce",
        "industry_commerce",
        "investment_promotion",
        "union",
    ]
    assert (result.total, result.limit, result.offset) == (3, 100, 0)


def test_overlaps_filters_by_label_and_pages(graph: GraphStore) -> None:
    assert overlap_rows(graph, min=2, label="PartyOrg") == [
        ("e1-po", "PartyOrg", 4, 1, 3),
        ("c3b", "PartyOrg", 2, 2, 0),
        ("e1-moved", "PartyOrg", 2, 1, 1),
        ("e1-sub", "PartyOrg", 2, 1, 1),
        ("o-two", "PartyOrg", 2, 2, 0),
    ]
    assert overlap_rows(graph, min=2, label="Enterprise") == [
        ("e1", "Enterprise", 10, 1, 10),
        ("e2", "Enterprise", 5, 1, 4),
        ("e3", "Enterprise", 2, 0, 2),
        ("e4", "Enterprise", 2, 0, 2),
    ]
    second = OVERLAPS.run(graph, OverlapsParams(as_of=ASK, min=2, limit=3, offset=3))
    assert [i.id for i in second.items] == ["c3b", "e1-moved", "e1-sub"]
    assert second.total == 9
    with pytest.raises(ValidationError):
        OverlapsParams(min=0)
    with pytest.raises(ValidationError):
        OverlapsParams.model_validate({"label": "Body"})


def test_overlaps_agree_with_superiors(graph: GraphStore) -> None:
    """One definition: every entity's count is the ``distinct`` of its superiors."""
    result = OVERLAPS.run(graph, OverlapsParams(as_of=ASK, min=1))
    assert result.total == 22
    for item in result.items:
        alone = SUPERIORS.run(graph, EntityParams(id=item.id, as_of=ASK))
        assert alone.distinct == item.superiors, item.id
        assert len({i.id for i in alone.items if i.relation == "affiliation"}) == item.formal


# -- overlap pairs -------------------------------------------------------------------------------


def pair_rows(store: GraphStore, **params: object) -> list[tuple[object, ...]]:
    result = OVERLAP_PAIRS.run(store, OverlapPairsParams.model_validate({"as_of": ASK, **params}))
    return [
        (p.id, p.other_id, p.shared, p.jaccard, p.supervised, p.other_supervised)
        for p in result.items
    ]


def test_overlap_pairs_shared_and_jaccard(graph: GraphStore) -> None:
    assert pair_rows(graph, min=2) == [
        ("b-x", "b-y", 3, 0.75, 3, 4),
        ("b-fic", "b-union", 2, 0.666667, 2, 3),
    ]
    first = OVERLAP_PAIRS.run(graph, OverlapPairsParams(as_of=ASK, min=2)).items[0]
    assert (first.name, first.kind, first.other_name, first.other_kind) == (
        "Body b-x",
        "investment_promotion",
        "Body b-y",
        "industry_commerce",
    )


def test_overlap_pairs_all(graph: GraphStore) -> None:
    rows = pair_rows(graph)
    assert len(rows) == 29
    assert rows[:2] == pair_rows(graph, min=2)
    assert ("b-union", "b-y", 1, 0.166667, 3, 4) in rows
    assert ("b-npe", "b-org", 1, 1.0, 1, 1) in rows  # both supervise e1-po only
    assert not [r for r in rows if {"b-dead", "b-ta"} & {r[0], r[1]}]
    assert rows[-4:] == [
        ("b-fic", "b-x", 1, 0.25, 2, 3),
        ("b-fic", "b-y", 1, 0.2, 2, 4),
        ("b-union", "b-x", 1, 0.2, 3, 3),
        ("b-union", "b-y", 1, 0.166667, 3, 4),
    ]
    page = OVERLAP_PAIRS.run(graph, OverlapPairsParams(as_of=ASK, limit=1, offset=1))
    assert ([p.id for p in page.items], page.total) == (["b-fic"], 29)


def test_overlap_pairs_earlier_day(graph: GraphStore) -> None:
    """In 2022 e6 was open (4 shared of 5) and b-dead still existed."""
    rows = pair_rows(graph, as_of="2022-01-01", min=2)
    assert rows[0] == ("b-x", "b-y", 4, 0.8, 4, 5)
    assert ("b-dead", "b-x", 2, 0.4, 3, 4) in rows


# -- conflicts -----------------------------------------------------------------------------------


def conflict_rows(
    store: GraphStore, as_of: date = ASK, **params: object
) -> list[tuple[object, ...]]:
    result = CONFLICTS.run(store, ListParams.model_validate({"as_of": as_of, **params}))
    return [(i.type, i.id, i.superiors, i.cycle) for i in result.items]


def test_conflicts(graph: GraphStore) -> None:
    assert conflict_rows(graph) == [
        ("cycle", "c2a", [], ["c2a", "c2b"]),
        ("cycle", "c3a", [], ["c3a", "c3c", "c3b"]),
        ("cycle", "s1", [], ["s1"]),
        ("multiple_superiors", "c3b", ["c3a", "root"], []),
        ("multiple_superiors", "o-two", ["park", "street"], []),
    ]
    result = CONFLICTS.run(graph, ListParams(as_of=ASK, limit=2, offset=2))
    assert [(i.id, i.name, i.kind) for i in result.items] == [
        ("s1", "PartyOrg s1", "committee"),
        ("c3b", "PartyOrg c3b", "committee"),
    ]
    assert (result.total, result.by_type) == (5, {"cycle": 3, "multiple_superiors": 2})


def test_conflicts_earlier_day(graph: GraphStore) -> None:
    """In mid-2023 x1 ↔ x2 was still a cycle and o-was-two had both superiors."""
    assert conflict_rows(graph, D("2023-06-01")) == [
        ("cycle", "c2a", [], ["c2a", "c2b"]),
        ("cycle", "c3a", [], ["c3a", "c3c", "c3b"]),
        ("cycle", "s1", [], ["s1"]),
        ("cycle", "x1", [], ["x1", "x2"]),
        ("multiple_superiors", "c3b", ["c3a", "root"], []),
        ("multiple_superiors", "o-two", ["park", "street"], []),
        ("multiple_superiors", "o-was-two", ["park", "street"], []),
    ]


def _random_lines(seed: int) -> tuple[list[Node], list[Edge]]:
    """Organizations with random lines: some ended, some to a dissolved organization."""
    rng = random.Random(seed)
    ids = [f"r{i:02d}" for i in range(12)]
    nodes = [
        Node(
            i, "PartyOrg", "committee", f"Org {i}", valid_to=D("2020-01-01") if i == "r07" else None
        )
        for i in ids
    ]
    edges = {}
    for _ in range(24):
        src, dst = rng.choice(ids), rng.choice(ids)
        end = D("2024-01-01") if rng.random() < 0.2 else None
        edge = Edge("AFFILIATED_TO", src, dst, "other", D("2000-01-01"), end)
        edges[edge.key] = edge
    return nodes, list(edges.values())


Row = tuple[str, str, list[str], list[str]]


def _expected_conflicts(nodes: list[Node], edges: list[Edge]) -> list[Row]:
    """The answer worked out with networkx, from the records alone."""
    alive = {n.id for n in nodes if n.active(ASK)}
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_edges_from(
        (e.src, e.dst) for e in edges if e.active(ASK) and e.src in alive and e.dst in alive
    )
    rows: list[Row] = []
    for cycle in nx.simple_cycles(graph):
        start = cycle.index(min(cycle))
        rows.append(("cycle", min(cycle), [], cycle[start:] + cycle[:start]))
    for org in graph:
        ups = sorted(graph.successors(org))
        if len(ups) >= 2:
            rows.append(("multiple_superiors", org, ups, []))
    return sorted(rows, key=lambda r: (r[0], r[1], r[3]))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_conflicts_match_networkx_on_random_graphs(store: GraphStore, seed: int) -> None:
    nodes, edges = _random_lines(seed)
    with store.writer() as w:
        w.upsert_nodes(nodes)
        w.upsert_edges(edges)
    expected = _expected_conflicts(nodes, edges)
    assert [row for row in expected if row[0] == "cycle"]  # the seeds do make cycles
    assert conflict_rows(store, limit=10_000) == expected


# -- the public cases ----------------------------------------------------------------------------


@pytest.fixture
def cases(read_only: Callable[[Dataset], GraphStore], cases_dir: Path) -> GraphStore:
    return read_only(("cases", lambda store: load_paths(store, [cases_dir])))


JIADING_HORIZONTAL = {
    "jd-commissions",
    "jd-union",
    "jd-youth-league",
    "jd-womens-federation",
    "jd-fic",
}


def test_superiors_of_a_jiading_enterprise(cases: GraphStore) -> None:
    """The vertical line (street committee, district committee) and the horizontal bodies."""
    result = SUPERIORS.run(cases, EntityParams(id="jd-ent-a1", as_of=ASK))
    found = {(i.relation, i.id, i.via) for i in result.items}
    assert ("affiliation", "jd-street-a-wc", "jd-ent-a1-po") in found
    assert {("supervision", body, None) for body in JIADING_HORIZONTAL} <= found
    assert {("supervision", "jd-swc", None), ("supervision", "jd-street-a-wc", None)} <= found
    assert result.distinct == len({i.id for i in result.items}) >= 8
    assert {
        "government",
        "union",
        "youth_league",
        "womens_federation",
        "federation_industry_commerce",
        "committee",
        "work_committee",
    } <= set(result.by_kind)
    assert all(i.source == "party_building_csr_2017" and i.quote for i in result.items)


def test_overlaps_lists_the_jiading_enterprises(cases: GraphStore) -> None:
    result = OVERLAPS.run(cases, OverlapsParams(as_of=ASK, min=3, limit=10_000))
    by_id = {i.id: i for i in result.items}
    assert {"jd-ent-a1", "jd-ent-a2", "jd-ent-b1"} <= set(by_id)
    a1 = by_id["jd-ent-a1"]
    alone = SUPERIORS.run(cases, EntityParams(id="jd-ent-a1", as_of=ASK))
    assert (a1.superiors, a1.formal) == (alone.distinct, 1)
    assert {"union", "youth_league", "womens_federation", "federation_industry_commerce"} <= set(
        a1.body_kinds
    )
    counts = [(-i.superiors, i.id) for i in result.items]
    assert counts == sorted(counts)
    assert all(i.superiors >= 3 for i in result.items)
