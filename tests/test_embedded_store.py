"""What only the embedded store does: snapshots, catching up, and refusing unsafe snapshots."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

import stores.embedded as embedded
from graph_schema.records import Edge, Node
from stores import model
from stores.base import StoreError
from stores.embedded import EmbeddedStore


def chain_graph(n: int) -> tuple[list[Node], list[Edge]]:
    nodes = [
        Node(
            f"o{i}",
            "PartyOrg",
            "branch" if i else "local_committee",
            f"组织{i}",
            props={"members": i % 7},
        )
        for i in range(n)
    ]
    edges = [Edge("AFFILIATED_TO", f"o{i}", f"o{i // 2}", "territorial") for i in range(1, n)]
    return nodes, edges


def write(store: EmbeddedStore, nodes: list[Node], edges: list[Edge]) -> None:
    with store.writer() as w:
        w.upsert_nodes(nodes)
        w.upsert_edges(edges)


def graph_state(store: EmbeddedStore) -> tuple[object, ...]:
    """Every node's attributes and lines both ways, as the traversals read them, and the
    counts."""
    with store.reading_graph() as adj:
        return (
            {n: dict(adj.node[n]) for n in adj.node},
            {n: adj.succ[n] for n in adj.succ},
            {n: adj.pred[n] for n in adj.pred},
            store.counts(),
        )


def snapshot_generation(path: Path) -> int | None:
    with sqlite3.connect(path) as conn:
        row = conn.execute("SELECT generation FROM snapshot").fetchone()
    return None if row is None else int(row[0])


@pytest.fixture
def small_snapshots(monkeypatch: pytest.MonkeyPatch) -> None:
    """Snapshot after writes of a few hundred rows instead of 100,000."""
    monkeypatch.setattr(embedded, "SNAPSHOT_MIN_ROWS", 100)


def test_large_write_saves_a_snapshot_and_reopen_uses_it(
    tmp_path: Path, small_snapshots: None
) -> None:
    path = tmp_path / "s.db"
    store = EmbeddedStore(path)
    write(store, *chain_graph(300))
    assert snapshot_generation(path) == 1
    expected = graph_state(store)
    store.close()
    reopened = EmbeddedStore(path)
    assert graph_state(reopened) == expected


def test_reopen_is_snapshot_plus_later_generations(tmp_path: Path, small_snapshots: None) -> None:
    path = tmp_path / "s.db"
    store = EmbeddedStore(path)
    nodes, edges = chain_graph(300)
    write(store, nodes, edges)
    write(
        store,
        [
            Node("o1", "PartyOrg", "general_branch", "改名了", props={"members": 40}),
            Node("late", "PartyOrg", "branch", "后来的"),
        ],
        [Edge("AFFILIATED_TO", "late", "o1", "territorial")],
    )
    assert snapshot_generation(path) == 1  # the small second write did not re-snapshot
    expected = graph_state(store)
    store.close()
    reopened = EmbeddedStore(path)
    assert graph_state(reopened) == expected
    with reopened.reading_graph() as adj:
        assert adj.node["o1"]["kind"] == "general_branch"
        assert list(adj.pred["o1"]) == ["o2", "o3", "late"]


def test_without_snapshot_the_graph_is_built_from_rows(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = EmbeddedStore(path)
    write(store, *chain_graph(50))
    assert snapshot_generation(path) is None
    expected = graph_state(store)
    store.close()
    assert graph_state(EmbeddedStore(path)) == expected


def test_another_writer_is_caught_up_incrementally(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    reader = EmbeddedStore(path)
    other = EmbeddedStore(path)  # stands in for another process: its own connections
    write(other, *chain_graph(20))
    assert reader.counts().nodes == 20
    write(other, [Node("x", "Area", "street", "某街道")], [])
    assert reader.refresh() is True  # one new generation, applied
    assert reader.refresh() is False  # nothing new since
    assert reader.get_node("x") is not None
    assert reader.counts().nodes_by_label == {"Area": 1, "PartyOrg": 20}


def _crafted(header: dict[str, object]) -> bytes:
    text = json.dumps(header).encode()
    return len(text).to_bytes(8, "little") + text + b"\0" * 64


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"\x80\x05not a snapshot", id="garbage"),
        pytest.param(
            _crafted({"generation": 1, "codes": {}, "arrays": [["label", "|O", 0, 1]]}),
            id="object-dtype",
        ),
        pytest.param(_crafted({"generation": 1, "codes": {}, "arrays": []}), id="arrays-missing"),
    ],
)
def test_a_crafted_snapshot_is_ignored_and_the_graph_built_from_rows(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, payload: bytes
) -> None:
    """A snapshot is plain arrays read in place (no pickle): anything else in its place is
    refused with a warning, and opening builds the graph from the rows."""
    path = tmp_path / "s.db"
    store = EmbeddedStore(path)
    write(store, *chain_graph(30))
    expected = graph_state(store)
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT OR REPLACE INTO snapshot VALUES (1, 1, ?, x'')", (model.FORMAT,))
        conn.execute("DELETE FROM snapshot_parts")
        conn.execute("INSERT INTO snapshot_parts VALUES (0, ?)", (payload,))
    reopened = EmbeddedStore(path)
    assert "ignoring an unreadable snapshot" in caplog.text
    assert graph_state(reopened) == expected


def test_edges_with_equal_attributes_share_one_dict(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "s.db")
    write(store, *chain_graph(10))
    with store.reading_graph() as adj:
        dicts = {id(d) for n in adj.succ for keys in adj.succ[n].values() for d in keys.values()}
    assert store.counts().edges == 9
    assert len(dicts) == 1


def test_a_file_of_another_schema_version_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute("INSERT INTO meta VALUES ('schema_version', '1')")
        conn.execute("CREATE TABLE nodes (id TEXT PRIMARY KEY, data TEXT)")
    with pytest.raises(StoreError, match="schema version 1; this affgraph reads"):
        EmbeddedStore(path)


def test_a_failed_snapshot_never_fails_a_committed_write(
    tmp_path: Path,
    small_snapshots: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def busy(self: EmbeddedStore, *, wait: bool = True) -> bool:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(EmbeddedStore, "save_snapshot", busy)
    path = tmp_path / "s.db"
    store = EmbeddedStore(path)
    write(store, *chain_graph(300))  # large enough to want a snapshot; must not raise
    assert store.counts().nodes == 300
    assert "snapshot not saved" in caplog.text
    assert snapshot_generation(path) is None
    assert EmbeddedStore(path).counts().nodes == 300


def test_edge_keys_survive_vacuum(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = EmbeddedStore(path)
    nodes, edges = chain_graph(40)
    write(store, nodes, edges[::2])
    write(store, [], edges[1::2])
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM edges WHERE key = ?", (edges[0].key,))  # leave a gap
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("VACUUM")
    reopened = EmbeddedStore(path)
    for edge in edges[1:]:
        assert reopened.edges(edge.src, types=["AFFILIATED_TO"]) == [edge]


def test_a_read_sees_one_generation_even_if_another_process_commits(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    reader = EmbeddedStore(path)
    other = EmbeddedStore(path)  # stands in for another process
    write(other, [Node("a", "PartyOrg", "branch", "old name")], [])
    with reader.reading_graph() as graph:
        assert graph.node["a"]["name"] == "old name"
        write(other, [Node("a", "PartyOrg", "branch", "new name")], [])  # commits meanwhile
        assert reader.get_nodes(["a"])["a"].name == "old name"  # still the graph's state
        assert graph.node["a"]["name"] == "old name"
    with reader.reading_graph() as graph:
        assert graph.node["a"]["name"] == "new name"
        assert reader.get_nodes(["a"])["a"].name == "new name"


def test_records_read_in_chunks_inside_a_read_are_of_its_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inside a read (an export's) the records come a chunk at a time (here two rows), and
    every chunk is of the read's state though another process commits between two of them;
    outside a read, of the state committed last."""
    monkeypatch.setattr(embedded, "_READ_CHUNK", 2)
    path = tmp_path / "s.db"
    reader = EmbeddedStore(path)
    other = EmbeddedStore(path)  # stands in for another process
    nodes, edges = chain_graph(7)
    write(other, nodes, edges)
    lines = list(reader.iter_edges())
    assert len(lines) == len(edges)
    renamed = [replace(n, name="renamed") for n in nodes]
    with reader.reading():
        found = reader.iter_nodes()
        first = [next(found) for _ in range(3)]  # two chunks read, the statement still open
        write(other, [*renamed, Node("z", "Area", "county", "z")], [])
        assert first + list(found) == nodes
        assert list(reader.iter_edges()) == lines
    assert list(reader.iter_nodes()) == [*renamed, Node("z", "Area", "county", "z")]


def test_a_file_fingerprint_is_the_store_fingerprint(tmp_path: Path, cases_dir: Path) -> None:
    """The reliability tests' fast fingerprint of a store file (its stored texts, sorted by
    SQLite) is the fingerprint of the records the store returns, after loads and a revision."""
    from loaders.load import load_paths
    from tests.reliability_helpers import file_fingerprint, fingerprint

    db = tmp_path / "affgraph.db"
    store = EmbeddedStore(db)
    load_paths(store, [cases_dir, cases_dir.parent / "demo"])
    with store.writer() as w:
        w.upsert_nodes([Node("tj-pipe", "Enterprise", "soe", "Renamed 天津钢管", None, None, {})])
    expected = fingerprint(store)
    store.close()
    assert file_fingerprint(db) == expected


def test_a_snapshot_larger_than_a_part_is_saved_in_parts_and_read_whole(
    tmp_path: Path, small_snapshots: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite holds at most ~1 GB in one value and a 5M-node model is more: the snapshot is
    saved in parts (here of 4 KiB) and read back as one."""
    monkeypatch.setattr(embedded, "_PART_BYTES", 4096)
    path = tmp_path / "s.db"
    store = EmbeddedStore(path)
    write(store, *chain_graph(300))
    with sqlite3.connect(path) as conn:
        parts = [r[0] for r in conn.execute("SELECT data FROM snapshot_parts ORDER BY part")]
    assert len(parts) > 3
    assert b"".join(parts) == model.to_bytes(store._model)  # written piece by piece
    expected = graph_state(store)
    store.close()
    reopened = EmbeddedStore(path)
    assert reopened._model.generation == 1  # from the snapshot: nothing applied
    assert graph_state(reopened) == expected
