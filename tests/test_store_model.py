"""The embedded store's in-memory model (stores/model.py, stores/texts.py): moved on by every
kind of write — upserts, removed lines, removed nodes, nodes written again, by this process
and by another — it is always the model built anew from the rows; its snapshot reads back
equal; the merged view folds as :mod:`stores.merges` says; and the ids find themselves."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import stores.embedded as embedded
from graph_schema.records import Edge, Node
from stores.embedded import EmbeddedStore
from stores.merges import MERGED_DST, MERGED_SRC
from stores.model import Model, from_bytes, to_bytes
from stores.texts import SortedTexts, Texts, spliced

D = date.fromisoformat

Description = tuple[dict[str, dict[str, Any]], list[tuple[str, str, int, tuple[Any, ...]]]]


def describe(model: Model) -> Description:
    """Every node's attributes and every line (ends, key, attributes), checking on the way
    that ids are in order, lines in (type, key) order and the adjacency both ways is the
    lines' own."""
    ids = list(model.ids)
    assert ids == sorted(set(ids))
    order = list(zip(model.type.tolist(), model.key.tolist(), strict=True))
    assert order == sorted(set(order))
    nodes = {ids[i]: model.node_attrs(i) for i in range(len(model))}
    lines = [
        (
            ids[int(model.src[j])],
            ids[int(model.dst[j])],
            int(model.key[j]),
            tuple(sorted(model.edge_attrs(j).items())),
        )
        for j in range(model.edge_count)
    ]
    for i in range(len(model)):
        out = model.lines_at(i, "out").tolist()
        arriving = model.lines_at(i, "in").tolist()
        assert sorted(out) == [j for j in range(model.edge_count) if model.src[j] == i]
        assert sorted(arriving) == [j for j in range(model.edge_count) if model.dst[j] == i]
    return nodes, sorted(lines)


def fresh(store: EmbeddedStore) -> Model:
    with store.reading() as graph:
        return embedded._built(store._conn, graph.generation)


def loaded(store: EmbeddedStore) -> Model:
    store.refresh()
    return store._model


# -- moved on, never drifting ----------------------------------------------------------------------

_IDS = ["a", "b", "c", "ä", "中共某委员会", "z" * 12, "zz", "x1", "x10", "x2"]
_DAYS = [None, D("2010-01-01"), D("2015-06-01"), D("2020-01-01")]


def _node(rng: random.Random, node_id: str) -> Node:
    label = "PartyOrg" if len(node_id) % 2 else "Enterprise"
    props: dict[str, Any] = {}
    if rng.random() < 0.5:
        props = {"members": rng.randint(0, 9), "unresolved": rng.random() < 0.3}
        if label == "Enterprise":
            props = {"employees": rng.randint(0, 99), "state_equity_pct": rng.choice([0.0, 50.5])}
    start = rng.choice(_DAYS)
    return Node(
        node_id, label, rng.choice(["branch", "soe"]), f"名{rng.randint(0, 99)}", start, None, props
    )


def _edge(rng: random.Random, present: list[str]) -> Edge:
    rel = rng.choice(["AFFILIATED_TO", "SUPERVISES", "BASED_IN", "OWNS"])
    props = {"share_pct": rng.choice([10.0, 51.0])} if rel == "OWNS" and rng.random() < 0.5 else {}
    return Edge(
        rel,
        rng.choice(present),
        rng.choice(present),
        None if rel in ("BASED_IN", "OWNS") else rng.choice(["territorial", "guidance"]),
        rng.choice(_DAYS),
        rng.choice([None, D("2030-01-01")]),
        props,
    )


def _step(rng: random.Random, writer: Any, nodes: dict[str, Node], edges: dict[str, Edge]) -> None:
    """One random write: upserts, and sometimes removed lines or nodes (with their lines)."""
    written = [_node(rng, i) for i in rng.sample(_IDS, rng.randint(1, 5))]
    writer.upsert_nodes(written)  # (an id's label is always the same)
    nodes.update((n.id, n) for n in written)
    present = sorted(nodes)
    new_edges = [_edge(rng, present) for _ in range(rng.randint(0, 6))]
    writer.upsert_edges(new_edges)
    edges.update((e.key, e) for e in new_edges)
    if edges and rng.random() < 0.4:
        gone = rng.sample(sorted(edges), rng.randint(1, min(3, len(edges))))
        writer.remove("edge", gone)
        for key in gone:
            del edges[key]
    if rng.random() < 0.3:
        victim = rng.choice(sorted(nodes))
        joined = [k for k, e in edges.items() if victim in (e.src, e.dst)]
        writer.remove("edge", joined)
        writer.remove("node", [victim])
        for key in joined:
            del edges[key]
        del nodes[victim]


@pytest.mark.parametrize("seed", range(8))
def test_every_write_moves_the_model_to_what_the_rows_say(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    path = tmp_path / "m.db"
    store, other = EmbeddedStore(path), EmbeddedStore(path)  # other: another process's store
    nodes: dict[str, Node] = {}
    edges: dict[str, Edge] = {}
    for step in range(16):
        writer_store = other if rng.random() < 0.4 else store
        with writer_store.writer() as w:
            _step(rng, w, nodes, edges)
        if writer_store is other and rng.random() < 0.5:
            continue  # store catches up with several writes at once (removed, written again)
        model = loaded(store)
        assert describe(model) == describe(fresh(store)), step
        assert sorted(model.ids) == sorted(nodes)
        assert len(model.key) == len(edges)
        assert describe(from_bytes(to_bytes(model))) == describe(model)


def _first_write(rng: random.Random, writer: Any) -> int:
    """A first write, as a load writes it (rows): nodes, ids out of order, and the lines
    between them; how many lines."""
    from graph_schema.rows import row_of

    nodes = [_node(rng, i) for i in reversed(_IDS)]
    edges = list({e.key: e for e in (_edge(rng, _IDS) for _ in range(30))}.values())
    writer.upsert_rows("node", [row_of(n)[1] for n in nodes])
    writer.upsert_rows("edge", [row_of(e)[1] for e in edges])
    return len(edges)


@pytest.mark.parametrize("seed", range(4))
def test_a_first_write_makes_the_model_of_the_rows_it_inserts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Into an empty store, the write hands over the model of what it inserted (here in
    chunks of 7 rows): nothing is read back, and it is the model built from the rows."""
    monkeypatch.setattr(embedded, "_CHUNK_ROWS", 7)
    store = EmbeddedStore(tmp_path / "first.db")

    def not_read(*args: Any) -> Any:
        raise AssertionError("the rows of a first write were read back")

    with monkeypatch.context() as m:
        m.setattr(embedded, "_moved_on", not_read)
        m.setattr(embedded, "_built", not_read)
        with store.writer() as w:
            lines = _first_write(random.Random(seed), w)
    model = loaded(store)
    assert to_bytes(model) == to_bytes(fresh(store))  # array for array, codes too
    assert describe(model) == describe(fresh(store))
    assert sorted(model.ids) == sorted(_IDS)
    assert model.edge_count == lines


def _nodes_twice(w: Any) -> None:
    """Nodes written again (staged), then a line between nodes of the first insert: known
    to the write (asked of the file) though the fresh model is given up."""
    w.upsert_nodes([Node("x1", "PartyOrg", "branch", "again")])
    w.upsert_edges([Edge("AFFILIATED_TO", "a", "b", "territorial", None, None, {})])


def _a_removal(w: Any) -> None:
    w.remove("edge", ["SUPERVISES|a|b||"])


@pytest.mark.parametrize(
    ("more", "read_back"),
    [(_nodes_twice, True), (_a_removal, True), (lambda w: None, False)],
    ids=["nodes-written-twice", "a-removal", "nodes-only"],
)
def test_a_first_write_that_does_more_is_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, more: Any, read_back: bool
) -> None:
    """A first write that also updates what it inserted, or removes anything, leaves a graph
    its inserts alone may not say: the store reads the rows back. A first write of nodes
    alone is still its own model."""
    store = EmbeddedStore(tmp_path / "more.db")
    reads: list[int] = []
    built = embedded._built

    def counted(*args: Any) -> Model:
        reads.append(1)
        return built(*args)

    monkeypatch.setattr(embedded, "_built", counted)
    with store.writer() as w:
        w.upsert_rows("node", [(i, "PartyOrg", "branch", f"N {i}", *[None] * 14) for i in _IDS])
        more(w)
    model = loaded(store)
    assert bool(reads) is read_back
    assert describe(model) == describe(fresh(store))
    assert sorted(model.ids) == sorted(_IDS)


def test_a_snapshot_is_read_in_place(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "s.db")
    rng = random.Random(1)
    with store.writer() as w:
        _step(rng, w, {}, {})
    data = to_bytes(loaded(store))
    model = from_bytes(data)
    assert not model.label.flags.writeable  # read-only: the bytes are shared
    assert model.ids.raw is data
    assert model.names.raw is data


# -- the merged view -----------------------------------------------------------------------------


def test_folding_moves_lines_to_the_canonical_node_and_drops_those_inside(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "f.db")
    with store.writer() as w:
        w.upsert_nodes(
            [
                Node("a", "Enterprise", "soe", "A"),
                Node("b", "Enterprise", "soe", "B"),
                Node("p", "PartyOrg", "branch", "P"),
                Node("q", "PartyOrg", "branch", "Q"),
            ]
        )
        w.upsert_edges(
            [
                Edge("BASED_IN", "p", "b", None),  # to the alias: moves to a
                Edge("BASED_IN", "q", "a", None),  # to the canonical node: stays
                Edge("OWNS", "a", "b", None),  # inside the group: left out
                Edge("OWNS", "b", "q", None),  # from the alias: moves
            ]
        )
    model = loaded(store)
    view = model.folded({"b": "a"})
    assert list(view.ids) == ["a", "p", "q"]
    nodes, lines = describe(view)
    assert nodes == {i: model.node_attrs(model.ids.find(i)) for i in ("a", "p", "q")}
    moved = {(s, d): dict(attrs) for s, d, _, attrs in lines}
    assert moved.keys() == {("p", "a"), ("q", "a"), ("a", "q")}
    assert moved[("p", "a")][MERGED_DST] == "b"
    assert MERGED_SRC not in moved[("p", "a")]
    assert moved[("a", "q")][MERGED_SRC] == "b"
    assert MERGED_SRC not in moved[("q", "a")]
    assert MERGED_DST not in moved[("q", "a")]
    assert model.folded({}) is model
    with pytest.raises(ValueError, match="merged view"):
        to_bytes(view)


# -- ids and names ---------------------------------------------------------------------------------


def test_sorted_texts_find_every_id_and_only_those() -> None:
    rng = random.Random(3)
    alphabet = ["a", "b", "é", "中", "\0", "z"]
    words = {"".join(rng.choice(alphabet) for _ in range(rng.randint(0, 11))) for _ in range(400)}
    texts = SortedTexts.of(words)
    ordered = sorted(words)
    assert list(texts) == ordered
    for at, word in enumerate(ordered):
        assert texts.find(word) == at
        assert texts.insertion(word) == at
    for probe in ["zzzzzzzzzzzzzz", "中中中中中中中中中", "b" * 9, "aé"]:
        assert texts.find(probe) == (ordered.index(probe) if probe in words else -1)
        assert texts.insertion(probe) == sum(w < probe for w in ordered)


def test_spliced_removes_and_inserts_in_place() -> None:
    texts = Texts.of(["b", "中", "dd", "e"])
    keep = np.array([True, False, True, True])
    raw, offsets = spliced(texts, keep, np.array([0, 1, 3]), ["a", "c", "f"])
    assert list(Texts(raw, offsets)) == ["a", "b", "c", "dd", "e", "f"]


def test_a_model_that_cannot_move_on_is_built_from_the_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The safety net of a catch-up: rows that do not fit the model (a bug, never seen) are
    said in the log, and the model is built anew from every row instead."""
    store = EmbeddedStore(tmp_path / "n.db")
    many = [Node(f"n{i:02d}", "PartyOrg", "branch", f"N{i}") for i in range(40)]
    with store.writer() as w:
        w.upsert_nodes(many)

    def refuse(*args: Any, **kwargs: Any) -> Model:
        raise ValueError("a line joins 'x', which is not in the graph")

    monkeypatch.setattr(Model, "updated", refuse)
    with store.writer() as w:  # one row of 41: moved on, were it not refused
        w.upsert_nodes([Node("late", "PartyOrg", "branch", "Late")])
    assert "could not be moved on" in caplog.text
    assert describe(loaded(store)) == describe(fresh(store))
    assert sorted(loaded(store).ids) == sorted([n.id for n in many] + ["late"])
