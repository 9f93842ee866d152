"""The whole-graph queries, as the embedded store answers them in numpy over its columnar
index: on random provinces the same answers as the Neo4j store (Cypher) and as the rules
asked of every node; overlaps agrees with superiors for every entity; dates fall on and off
the interval boundaries; reporting chains stop where the chain walk stops."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Literal

import pytest

from graph_schema.records import Edge, Node, Transfer
from queries.base import EntityParams, ListParams
from queries.chain import walk
from queries.conflicts import CONFLICTS
from queries.coverage import COVERAGE, CoverageParams
from queries.graph import active, lines_in, lines_out
from queries.mismatches import LINE_AREA_KINDS, MAJORITY_PCT, MISMATCHES, MismatchesParams
from queries.orphans import ORPHANS, OrphansParams, classify
from queries.overlaps import OVERLAP_PAIRS, OVERLAPS, OverlapPairsParams, OverlapsParams
from queries.superiors import SUPERIORS
from stores.base import Adjacency, GraphStore
from stores.embedded import EmbeddedStore

D = date.fromisoformat
DAYS = [None, D("2010-01-01"), D("2015-06-01"), D("2020-01-01")]
#: the days asked: before everything, on boundaries, the day before one, and later
ASKED = ["2009-12-31", "2015-05-31", "2015-06-01", "2020-01-01", "2025-01-01"]

KINDS = {
    "PartyOrg": [
        "local_committee",
        "committee",
        "work_committee",
        "general_branch",
        "branch",
        "branch",
        "joint_branch",
        "temporary_branch",
    ],
    "Enterprise": ["private", "private", "foreign", "soe", "mixed", "joint_venture"],
    "Body": ["sasac", "union", "organization_dept", "chamber_of_commerce"],
    "Area": ["street", "township", "park", "county"],
}


def random_province(seed: int, size: int = 90) -> tuple[list[Node], list[Edge], list[Transfer]]:
    """Nodes of every label (some dissolved, not yet founded or placeholders) and lines of
    the types the whole-graph queries read, between the labels the schema allows."""
    rng = random.Random(seed)

    def interval() -> tuple[date | None, date | None]:
        start, end = rng.choice(DAYS), rng.choice(DAYS)
        if start and end and end < start:
            return end, start
        return start, None if end == start else end

    nodes: list[Node] = []
    by_label: dict[str, list[str]] = {}
    for i in range(size):
        label = rng.choice(["PartyOrg"] * 4 + ["Enterprise"] * 3 + ["Body", "Area"])
        node_id = f"{label[0].lower()}{i:03d}"
        props: dict[str, Any] = {}
        start, end = interval() if rng.random() < 0.3 else (None, None)
        if rng.random() < 0.06:
            props["unresolved"] = True
            start = end = None
        elif label == "PartyOrg" and rng.random() < 0.7:
            props["members"] = rng.choice([0, 2, 3, 40, 51, 60])
        elif label == "Enterprise":
            if rng.random() < 0.8:
                props["employees"] = rng.choice([10, 49, 50, 300])
            if rng.random() < 0.6:
                props["state_equity_pct"] = rng.choice([0.0, 30.0, 50.0, 50.5, 100.0])
        nodes.append(
            Node(node_id, label, rng.choice(KINDS[label]), f"Name {node_id}", start, end, props)
        )
        by_label.setdefault(label, []).append(node_id)
    orgs, ents = by_label["PartyOrg"], by_label["Enterprise"]
    bodies, areas = by_label.get("Body", []), by_label.get("Area", [])
    edges: dict[str, Edge] = {}

    def line(rel: str, src: str, dst: str, kind: str | None) -> None:
        start, end = interval()
        edge = Edge(rel, src, dst, kind, start, end)
        edges[edge.key] = edge

    for org in orgs:
        for _ in range(rng.choice([0, 1, 1, 1, 2])):  # reporting lines: trees, some cycles
            line("AFFILIATED_TO", org, rng.choice(orgs), rng.choice(["territorial", "system"]))
        for _ in range(rng.choice([0, 1, 1, 2])):
            line("BASED_IN", org, rng.choice(ents + bodies + areas), None)
    for target in orgs + ents:
        for _ in range(rng.choice([0, 1, 2, 3, 4])):
            line(
                "SUPERVISES",
                rng.choice(bodies + orgs),
                target,
                rng.choice(["instructor", "guidance", "coordination"]),
            )
    for ent in ents:
        if areas and rng.random() < 0.8:
            line("LOCATED_IN", ent, rng.choice(areas), rng.choice(["registered", "operating"]))
    transfers = [
        Transfer(
            f"t{i}",
            rng.choice(orgs),
            rng.choice(["proposed", "pending", "retained", "transferred"]),
            rng.choice(DAYS),
        )
        for i in range(12)
    ]
    return nodes, list(edges.values()), transfers


def questions() -> list[tuple[Any, Any]]:
    found: list[tuple[Any, Any]] = []
    for day in ASKED:
        on = D(day)
        found += [
            (ORPHANS, OrphansParams(as_of=on, limit=10_000)),
            (ORPHANS, OrphansParams(as_of=on, reason="no_affiliation", limit=3, offset=1)),
            (OVERLAPS, OverlapsParams(as_of=on, min=1, limit=10_000)),
            (OVERLAPS, OverlapsParams(as_of=on, min=2, label="Enterprise", limit=4, offset=2)),
            (OVERLAPS, OverlapsParams(as_of=on, min=2, label="PartyOrg")),
            (OVERLAP_PAIRS, OverlapPairsParams(as_of=on, limit=10_000)),
            (OVERLAP_PAIRS, OverlapPairsParams(as_of=on, min=2, limit=5, offset=1)),
            (COVERAGE, CoverageParams(as_of=on, limit=10_000)),
            (COVERAGE, CoverageParams(as_of=on, status="below_minimum", limit=3, offset=1)),
            (MISMATCHES, MismatchesParams(as_of=on, limit=10_000)),
            (MISMATCHES, MismatchesParams(as_of=on, kind="location", limit=2)),
            (CONFLICTS, ListParams(as_of=on, limit=10_000)),
        ]
    return found


@pytest.mark.neo4j
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_whole_graph_queries_agree_on_random_provinces(open_store: Any, seed: int) -> None:
    nodes, edges, transfers = random_province(seed)
    stores: list[GraphStore] = [open_store("embedded"), open_store("neo4j")]
    for one in stores:
        with one.writer() as w:
            w.upsert_nodes(nodes)
            w.upsert_edges(edges)
            w.upsert_transfers(transfers)
    found: dict[str, int] = {}
    for query, params in questions():
        embedded, neo4j = (query.run(one, params).model_dump() for one in stores)
        assert embedded == neo4j, (query.name, params)
        found[query.name] = found.get(query.name, 0) + embedded["total"]
    # the provinces do have answers of every query to compare
    assert all(
        found[name] > 0
        for name in ("orphans", "overlaps", "overlap_pairs", "coverage", "mismatches", "conflicts")
    ), found


@pytest.mark.parametrize("seed", [4, 5])
def test_overlaps_count_what_superiors_finds(store: GraphStore, seed: int) -> None:
    """On either store: every active entity's overlaps row is its superiors answer."""
    nodes, edges, _ = random_province(seed)
    with store.writer() as w:
        w.upsert_nodes(nodes)
        w.upsert_edges(edges)
    for day in ("2015-06-01", "2025-01-01"):
        ranked = OVERLAPS.run(store, OverlapsParams(as_of=D(day), min=1, limit=10_000))
        listed = {item.id: item for item in ranked.items}
        assert ranked.total > 10
        for node in nodes:
            if node.label not in ("PartyOrg", "Enterprise"):
                continue
            alone = SUPERIORS.run(store, EntityParams(id=node.id, as_of=D(day)))
            if alone.distinct == 0:
                assert node.id not in listed
                continue
            item = listed[node.id]
            formal = {i.id for i in alone.items if i.relation == "affiliation"}
            supervising = {i.id: i.kind for i in alone.items if i.relation == "supervision"}
            assert (item.superiors, item.formal, item.supervising, item.body_kinds) == (
                alone.distinct,
                len(formal),
                len(supervising),
                sorted(set(supervising.values())),
            ), (node.id, day)


@pytest.mark.parametrize("seed", [4, 5])
def test_a_minimum_cuts_the_ranking_without_one(store: GraphStore, seed: int) -> None:
    """On either store: overlaps with a minimum is the ranking without one, cut at it (the
    embedded store gathers and counts only the lines of entities that could reach it)."""
    nodes, edges, _ = random_province(seed)
    with store.writer() as w:
        w.upsert_nodes(nodes)
        w.upsert_edges(edges)
    for day in ("2015-06-01", "2025-01-01"):
        every = OVERLAPS.run(store, OverlapsParams(as_of=D(day), min=1, limit=10_000)).items
        assert any(item.superiors >= 4 for item in every)  # the cuts below cut something
        for least in (2, 3, 4):
            cut = OVERLAPS.run(store, OverlapsParams(as_of=D(day), min=least, limit=10_000))
            assert cut.items == [item for item in every if item.superiors >= least], least
            assert cut.total == len(cut.items)


# -- the numpy candidates miss nothing the rules find -------------------------------------------


def _graph(store: EmbeddedStore) -> Adjacency:
    with store.reading_graph() as adj:
        return adj


def every_orphan(store: EmbeddedStore, as_of: date) -> list[tuple[Any, ...]]:
    """``classify`` asked of every organization (no candidates first), over the graph."""
    found = []
    adj = _graph(store)
    for node_id, attrs in adj.node.items():
        if (
            attrs["label"] != "PartyOrg"
            or attrs["kind"] == "local_committee"
            or attrs.get("unresolved")
            or not active(attrs, as_of)
        ):
            continue
        lines = [
            {
                "sid": t,
                "r_active": active(e, as_of),
                "s_active": active(adj.node[t], as_of),
                "unresolved": bool(adj.node[t].get("unresolved", False)),
                "started": e.get("valid_from") is None or e["valid_from"] <= as_of,
                "r_to": e.get("valid_to"),
                "s_to": adj.node[t].get("valid_to"),
            }
            for t, _, e in lines_out(adj, node_id, "AFFILIATED_TO", None)
        ]
        hosts = [
            {"hid": h, "h_active": active(adj.node[h], as_of), "h_to": adj.node[h].get("valid_to")}
            for h, _, e in lines_out(adj, node_id, "BASED_IN", None)
            if adj.node[h]["label"] == "Enterprise"
            and (e.get("valid_from") is None or e["valid_from"] <= as_of)
        ]
        verdict = classify(lines, hosts)
        if verdict:
            found.append((node_id, *verdict))
    return sorted(found)


def enterprise_mismatches(
    ent: dict[str, Any], chain: Callable[[str], list[str]], is_state: Callable[[str], bool]
) -> list[tuple[Any, ...]]:
    """The rules of :mod:`queries.mismatches`, as its docstring states them, asked of one
    enterprise (``ent``: id, state_equity_pct, orgs, areas as ``{area: committees}``);
    ``chain(org)``: the organization's chain, as :func:`queries.chain.walk` walks it."""
    orgs, pct = sorted(set(ent["orgs"])), ent["state_equity_pct"]

    def reaches_state(org: str) -> str | None:
        return next((node for node in chain(org)[1:] if is_state(node)), None)

    found: list[tuple[Any, ...]] = []
    if pct == 0:
        found += [
            (ent["id"], "ownership", "state_line_zero_equity", org, reaches_state(org))
            for org in orgs
            if reaches_state(org) is not None
        ]
    elif pct is not None and pct > MAJORITY_PCT:
        if not orgs:
            found.append((ent["id"], "ownership", "majority_state_no_line", None, None))
        elif all(reaches_state(org) is None for org in orgs):
            found += [(ent["id"], "ownership", "majority_state_no_line", org, None) for org in orgs]
    areas = sorted((area, set(c)) for area, c in ent["areas"].items() if c)
    for org in orgs:
        missed = [area for area, committees in areas if not set(chain(org)) & committees]
        if missed:
            found.append((ent["id"], "location", "registered_outside_line", org, missed[0]))
    return found


def every_mismatch(store: EmbeddedStore, as_of: date) -> list[tuple[Any, ...]]:
    """:func:`enterprise_mismatches` asked of every active enterprise, over the graph."""
    adj = _graph(store)
    nodes = adj.node

    def chain(node_id: str) -> list[str]:
        def halts(node: str) -> Literal["superior_dissolved"] | None:
            stop = not active(nodes[node], as_of) or bool(nodes[node].get("unresolved"))
            return "superior_dissolved" if stop else None

        return walk(
            node_id, lambda n: [t for t, _, _ in lines_out(adj, n, "AFFILIATED_TO", as_of)], halts
        ).nodes

    def is_state(node_id: str) -> bool:
        return active(nodes[node_id], as_of) and any(
            nodes[b]["label"] == "Body" and nodes[b]["kind"] == "sasac" and active(nodes[b], as_of)
            for b, _, _ in lines_out(adj, node_id, "BASED_IN", as_of)
        )

    found = []
    for ent_id, attrs in nodes.items():
        if attrs["label"] != "Enterprise" or attrs.get("unresolved") or not active(attrs, as_of):
            continue
        areas = {
            a: [
                c
                for c, _, _ in lines_in(adj, a, "BASED_IN", as_of)
                if nodes[c]["label"] == "PartyOrg" and active(nodes[c], as_of)
            ]
            for a, _, line in lines_out(adj, ent_id, "LOCATED_IN", as_of)
            if line.get("kind") == "registered"
            and nodes[a]["label"] == "Area"
            and nodes[a]["kind"] in LINE_AREA_KINDS
            and active(nodes[a], as_of)
        }
        orgs = [
            o
            for o, _, _ in lines_in(adj, ent_id, "BASED_IN", as_of)
            if nodes[o]["label"] == "PartyOrg" and active(nodes[o], as_of)
        ]
        ent = {
            "id": ent_id,
            "state_equity_pct": attrs.get("state_equity_pct"),
            "orgs": orgs,
            "areas": areas,
        }
        found += enterprise_mismatches(ent, chain, is_state)
    return sorted(found, key=lambda r: (r[0], r[1], r[2], r[3] or "", r[4] or ""))


@pytest.mark.parametrize("seed", range(10))
def test_candidates_miss_nothing(tmp_path: Path, seed: int) -> None:
    """orphans asks its rules only of the candidates numpy finds, and mismatches asks its
    rules in numpy of every enterprise at once: they find all that asking every
    organization and enterprise one by one finds, the chains walked by
    :func:`queries.chain.walk` (larger random provinces, with long chains through dissolved
    and placeholder superiors)."""
    store = EmbeddedStore(tmp_path / "r.db")
    nodes, edges, transfers = random_province(seed, size=400)
    with store.writer() as w:
        w.upsert_nodes(nodes)
        w.upsert_edges(edges)
        w.upsert_transfers(transfers)
    found = 0
    for day in ASKED:
        on = D(day)
        orphans = ORPHANS.run(store, OrphansParams(as_of=on, limit=10_000))
        assert [(i.id, i.reason, i.related_id, i.since) for i in orphans.items] == (
            every_orphan(store, on)
        )
        mismatches = MISMATCHES.run(store, MismatchesParams(as_of=on, limit=10_000))
        assert sorted(
            ((i.id, i.type, i.detail, i.org_id, i.related_id) for i in mismatches.items),
            key=lambda r: (r[0], r[1], r[2], r[3] or "", r[4] or ""),
        ) == (every_mismatch(store, on)), day
        found += orphans.total + mismatches.total
    assert found > 0


# -- reporting chains stop where the chain walk stops ------------------------------------------


def _chain_case() -> tuple[list[Node], list[Edge]]:
    """Four enterprises registered in a street, each with an organization whose line runs to
    the street's work committee: through a superior dissolved in 2020 (e1), through a
    placeholder (e2), 51 levels up (e3: one too far) and 50 levels up (e4)."""
    nodes = [
        Node("street", "Area", "street", "S"),
        Node("wc", "PartyOrg", "work_committee", "WC"),
        Node("dead", "PartyOrg", "committee", "Dead", valid_to=D("2020-01-01")),
        Node("ghost", "PartyOrg", "committee", "Ghost", props={"unresolved": True}),
    ]
    nodes += [Node(f"e{i}", "Enterprise", "private", f"E{i}") for i in range(1, 5)]
    nodes += [Node(f"o{i}", "PartyOrg", "branch", f"O{i}") for i in range(1, 5)]
    nodes += [Node(f"l{i:02d}", "PartyOrg", "committee", f"L{i}") for i in range(1, 51)]
    edges = [
        Edge("BASED_IN", "wc", "street", None),
        Edge("AFFILIATED_TO", "o1", "dead", "territorial"),
        Edge("AFFILIATED_TO", "dead", "wc", "territorial"),
        Edge("AFFILIATED_TO", "o2", "ghost", "territorial"),
        Edge("AFFILIATED_TO", "ghost", "wc", "territorial"),
        Edge("AFFILIATED_TO", "o3", "l01", "territorial"),
        Edge("AFFILIATED_TO", "o4", "l02", "territorial"),
    ]
    edges += [
        Edge("AFFILIATED_TO", f"l{i:02d}", f"l{i + 1:02d}", "territorial") for i in range(1, 50)
    ]
    edges += [Edge("AFFILIATED_TO", "l50", "wc", "territorial")]
    for i in range(1, 5):
        edges += [
            Edge("LOCATED_IN", f"e{i}", "street", "registered"),
            Edge("BASED_IN", f"o{i}", f"e{i}", None),
        ]
    return nodes, edges


@pytest.mark.parametrize(
    ("day", "missed"),
    [
        ("2019-12-31", ["e2", "e3"]),  # "dead" still exists: o1's line reaches the committee
        ("2020-01-01", ["e1", "e2", "e3"]),
    ],
)
def test_chains_stop_where_the_walk_stops(store: GraphStore, day: str, missed: list[str]) -> None:
    nodes, edges = _chain_case()
    with store.writer() as w:
        w.upsert_nodes(nodes)
        w.upsert_edges(edges)
    result = MISMATCHES.run(store, MismatchesParams(as_of=D(day)))
    assert [(i.id, i.type, i.detail, i.org_id, i.related_id) for i in result.items] == [
        (ent, "location", "registered_outside_line", f"o{ent[1]}", "street") for ent in missed
    ]
