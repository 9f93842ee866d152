"""The faster candidates give the very same answer: the same pairs, scores, rules and
evidence, in the same order, as the code they replaced (``tests/dedupe_reference.py``, kept
verbatim as the oracle) — on the fixture of known duplicates and on generated provinces,
whose names, aliases and English names make thousands of pairs. The names are normalized
and parsed together (``normalize_many``, ``parse_many``) as one by one."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import networkx as nx
import numpy as np
import pytest

from dedupe import candidates as candidates_module
from dedupe.cache import CandidateCache
from dedupe.candidates import _components, blocks, candidates, candidates_in, slim
from dedupe.listing import listing
from dedupe.names import normalize, normalize_many, parse, parse_many
from generator import generate_province
from graph_schema.records import Node
from loaders.load import load_paths
from stores.base import GraphStore
from stores.embedded import EmbeddedStore
from tests import dedupe_reference as reference
from tests.test_dedupe_names import NODES

#: names whose normalizing could change if they were normalized joined: full-width and
#: traditional characters, a long form, a Greek capital sigma (lower-cased by what follows
#: it), combining marks at either end, the separator itself, a newline, nothing at all
TRICKY = [
    "天津市人民政府国有资产监督管理委员会党委",
    "天津市國資委黨委",
    "某（天津）科技有限公司",
    "ΟΔΟΣ",
    "Σ公司",
    "\u0301開頭",
    "結尾e\u0301",
    "ＡＢＣ　有限公司",
    "分\ue000隔",
    "换\n行",
    "",
    "中国共产党天津市委员会",
]


def test_names_normalized_together_as_one_by_one() -> None:
    assert normalize_many(TRICKY) == [normalize(name) for name in TRICKY]
    without_separator = [name for name in TRICKY if "\ue000" not in name]
    assert normalize_many(without_separator) == [normalize(n) for n in without_separator]
    assert normalize_many([]) == []


@pytest.mark.parametrize("label", ["PartyOrg", "Enterprise", "Body", "Area"])
def test_names_parsed_together_as_one_by_one(label: str) -> None:
    names = [*TRICKY, *(n.name for n in NODES), "Party Committee of Tianjin SASAC", "党委"]
    assert parse_many(names, label) == [parse(name, label) for name in names]
    assert [parse(name, label) for name in names] == [
        reference.parse(name, label) for name in names
    ]


def test_the_fixture_gives_the_same_pairs() -> None:
    for min_score in (85.0, 50.0, 0.0):
        assert candidates(NODES, min_score=min_score) == reference.candidates(
            NODES, min_score=min_score
        )
    assert candidates(NODES[:2], min_score=0.0) == reference.candidates(NODES[:2], min_score=0.0)
    assert candidates([]) == []


@pytest.fixture(scope="module", params=[1, 2])
def province(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> list[Node]:
    """The nodes of a generated province of 6,000 nodes (seeds 1 and 2)."""
    folder = tmp_path_factory.mktemp(f"province-{request.param}")
    generate_province(folder / "csv", 6000, request.param)
    store = EmbeddedStore(folder / "store.db")
    load_paths(store, [folder / "csv"])
    nodes = list(store.iter_nodes())
    store.close()
    return nodes


def test_a_province_gives_the_same_pairs(province: list[Node]) -> None:
    found = candidates(province)
    # names, aliases and English names alike (not those alike but for their numbers or places)
    assert len(found) > 20
    assert found == reference.candidates(province)
    low = candidates(province, min_score=60.0)
    assert len(low) > len(found)
    assert low == reference.candidates(province, min_score=60.0)


def test_the_order_of_the_nodes_does_not_matter(province: list[Node]) -> None:
    """The nodes come in any order (a store gives them by id); an unresolved node is left
    out; a node given twice counts once."""
    shuffled = province[::-1] + province[:50]
    shuffled[10] = replace(shuffled[10], props={**shuffled[10].props, "unresolved": True})
    assert candidates(shuffled) == reference.candidates(list({n.id: n for n in shuffled}.values()))


@pytest.fixture(scope="module")
def province_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    """A store of a generated province of 6,000 nodes (seed 1)."""
    folder = tmp_path_factory.mktemp("province-store")
    generate_province(folder / "csv", 6000, 1)
    store = EmbeddedStore(folder / "store.db")
    load_paths(store, [folder / "csv"])
    yield store
    store.close()


@pytest.mark.parametrize("chunks", [(50_000, 10_000), (7, 5)])
def test_a_store_worked_out_in_two_passes_gives_the_same_pairs(
    province_store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch, chunks: tuple[int, int]
) -> None:
    """The store's candidates as the cache works them out — names digested a label, kind
    and chunk at a time, the pairs found scored a chunk at a time from their nodes alone —
    are the oracle's of every node, pair for pair; chunks of a few nodes and pairs too. A
    node of an undeclared kind, an unresolved one and USCCs shared by three count as they
    do there."""
    monkeypatch.setattr(candidates_module, "CHUNK", chunks[0])
    monkeypatch.setattr(candidates_module, "PAIRS", chunks[1])
    nodes = list(province_store.iter_nodes())
    for min_score in (85.0, 60.0):
        found = [
            x.candidate
            for x in listing(province_store, min_score=min_score, cache=CandidateCache()).items
        ]
        assert len(found) > 20
        assert found == reference.candidates(nodes, min_score=min_score)


def test_odd_nodes_count_in_two_passes_as_in_one(store: GraphStore) -> None:
    """An undeclared kind (read with its label), an unresolved node (left out) and a USCC
    three nodes share (three pairs) give the pairs working out every node gives, on both
    stores (the embedded one reads its nodes a page at a time, the other a kind at a time)."""
    odd = [
        *NODES,
        Node("odd-1", "Enterprise", "no_such_kind", "某某科技有限公司", props={"uscc": "X1"}),
        Node("odd-2", "Enterprise", "private", "某某科技有限公司", props={"uscc": "X1"}),
        Node("odd-3", "Body", "sasac", "天津市国资委", props={"uscc": "X1"}),
        Node("odd-4", "Enterprise", "private", "某某科技公司", props={"unresolved": True}),
    ]
    with store.writer() as w:
        w.upsert_nodes(odd)
    nodes = list(store.iter_nodes())
    assert [n.kind for n in nodes if n.id == "odd-1"] == ["no_such_kind"]
    found = [x.candidate for x in listing(store, min_score=0.0, cache=CandidateCache()).items]
    assert found == reference.candidates(nodes, min_score=0.0)
    odd_pairs = {(c.a, c.b) for c in found if c.rule == "uscc" and c.a.startswith("odd")}
    assert odd_pairs == {("odd-1", "odd-2"), ("odd-1", "odd-3"), ("odd-2", "odd-3")}


def test_components_are_those_networkx_finds() -> None:
    """Of each node, the smallest node of its connected component of the pairs (given in
    two arrays, as the USCC pairs and the name pairs are)."""
    n = 3000
    drawn = np.random.default_rng(7).integers(0, n, size=(2200, 2)).tolist()
    pairs = sorted({(min(a, b), max(a, b)) for a, b in drawn if a != b})
    codes = np.array([a * n + b for a, b in pairs], dtype=np.int64)
    graph: nx.Graph[int] = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(pairs)
    expected = list(range(n))
    for component in nx.connected_components(graph):
        for node in component:
            expected[node] = min(component)
    assert max(len(c) for c in nx.connected_components(graph)) > 20
    assert _components([codes[:900], codes[900:]], n).tolist() == expected


def test_the_second_pass_reads_each_node_about_once(
    province_store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pairs come in the order of their connected components, so a chunk of pairs reads
    (and parses) its nodes once, and a node is read again only where its component straddles
    two chunks: at chunks of 100 pairs, 1.03 reads a node here (1.53 when the pairs came in
    the order of each node's first block; 4.9 at a million nodes)."""
    monkeypatch.setattr(candidates_module, "PAIRS", 100)
    nodes = {n.id: n for n in province_store.iter_nodes()}
    found = blocks([[s for n in nodes.values() if (s := slim(n)) is not None]])
    assert len(found.usccs) + len(found.names) > 1000
    read: list[str] = []

    def nodes_of(ids: list[str]) -> dict[str, Node]:
        read.extend(ids)
        return {i: nodes[i] for i in ids}

    candidates_in(found, nodes_of)
    assert len(read) <= 1.1 * len(set(read))
