"""Record time on both stores: the load log, the kept versions, the state after any load.

The same tests, the same data, the same answers on the embedded and the Neo4j store
(:mod:`stores.history`). What is done with them above the stores — revert, as-recorded
answers — is tested in ``tests/test_history_revert.py``.
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from dedupe.judgements import judge, withdraw
from stores.base import GraphStore
from stores.embedded import SCHEMA_VERSION, EmbeddedStore, StoreBusyError
from stores.history import (
    Change,
    FileRef,
    NodeInUseError,
    RecordedRecords,
    RecordHistory,
    RecordKey,
    TagError,
    UnknownLoadError,
    WriteInfo,
)
from tests.conftest import stored_schema_version
from tests.test_store_contract import (
    EDGES,
    JINZHI,
    JV,
    JV_ORG,
    NEW_LINE,
    NODES,
    SOURCE,
    TRANSFER,
    ZH,
    load_all,
)

#: A file of schema version 6 made by the code before the log (31422d0): the contract
#: records loaded, ZH renamed, then judged twice (different, then unsure) — generation 4.
V6 = Path(__file__).resolve().parent / "history_v6" / "affgraph.db"

RENAMED = replace(ZH, name="中环集团公司党委")
NEW_ORG = replace(JINZHI, id="tj-new-pc", name="新党委")


def history(store: GraphStore) -> RecordHistory:
    assert isinstance(store, RecordHistory)
    return store


def state(store: GraphStore) -> RecordedRecords:
    """What the store holds now, as :meth:`RecordHistory.records_at` gives a past state."""
    return RecordedRecords(
        sources=list(store.iter_sources()),
        nodes=list(store.iter_nodes()),
        edges=list(store.iter_edges()),
        transfers=list(store.iter_transfers()),
        judgements=list(store.iter_judgements(standing=True)),
    )


def three_loads(store: GraphStore) -> list[RecordedRecords]:
    """Load 1: everything; load 2: ZH renamed, a node added, one line removed; load 3: the
    line back, ZH renamed again. Returns the state after each."""
    states = []
    with store.writer() as w:
        w.info = WriteInfo(
            kind="load",
            who="alice",
            message="Tianjin cases, p.1-12",
            files=(FileRef("cases.csv", "ab" * 32, 1234),),
        )
        w.upsert_sources([SOURCE])
        w.upsert_nodes(NODES)
        w.upsert_edges(EDGES)
        w.upsert_transfers([TRANSFER])
    states.append(state(store))
    with store.writer() as w:
        w.info = WriteInfo(kind="load", who="bob")
        w.upsert_nodes([RENAMED, NEW_ORG])
        w.remove_edges([NEW_LINE])
    states.append(state(store))
    with store.writer() as w:
        w.upsert_nodes([replace(ZH, name="中环党委")])
        w.upsert_edges([NEW_LINE])
    states.append(state(store))
    return states


def test_every_write_is_a_numbered_load_with_who_what_and_counts(store: GraphStore) -> None:
    log = history(store)
    assert log.last_load() == 0
    assert log.loads() == (0, [])
    three_loads(store)
    total, entries = log.loads()
    assert total == 3
    assert [e.number for e in entries] == [3, 2, 1]  # newest first
    first = log.load_entry(1)
    assert first is not None
    assert (first.kind, first.who, first.message) == ("load", "alice", "Tianjin cases, p.1-12")
    assert first.files == (FileRef("cases.csv", "ab" * 32, 1234),)
    assert first.counts["node"] == {"created": len(NODES)}
    assert first.counts["edge"] == {"created": len(EDGES)}
    assert first.at.endswith("Z")
    assert first.at[:2] == "20"
    second = log.load_entry(2)
    assert second is not None
    assert second.counts["node"] == {"created": 1, "updated": 1}
    assert second.counts["edge"]["removed"] == 1
    assert log.load_entry(4) is None
    assert log.loads(limit=1, offset=1) == (3, [second])


def test_a_write_that_changes_nothing_is_logged_and_leaves_the_generation(
    store: GraphStore,
) -> None:
    load_all(store)
    log = history(store)
    before = store.state()
    with store.writer() as w:
        w.info = WriteInfo(kind="load", message="the same file again")
        w.upsert_nodes(NODES)
    assert w.load == 2
    assert store.state() == before  # reads are not disturbed
    entry = log.load_entry(2)
    assert entry is not None
    assert not entry.changed
    assert entry.counts == {"node": {"unchanged": len(NODES)}}
    assert log.changed_by(2) == []
    with store.writer() as w:
        w.upsert_nodes([RENAMED])
    assert w.load == 3
    assert store.state()[1] == 3  # the generation is the last changing load


def test_who_defaults_to_the_user_running_the_process(store: GraphStore) -> None:
    load_all(store)
    entry = history(store).load_entry(1)
    assert entry is not None
    assert entry.kind == "write"
    assert entry.who == WriteInfo().author() != ""


def test_changed_by_pairs_each_record_with_what_it_replaced(store: GraphStore) -> None:
    three_loads(store)
    log = history(store)
    assert log.changed_by(2) == [
        Change(RecordKey("node", NEW_ORG.id), None, NEW_ORG),
        Change(RecordKey("node", ZH.id), ZH, RENAMED),
        Change(RecordKey("edge", NEW_LINE.key), NEW_LINE, None),
    ]
    assert log.changed_by(3) == [
        Change(RecordKey("node", ZH.id), RENAMED, replace(ZH, name="中环党委")),
        Change(RecordKey("edge", NEW_LINE.key), None, NEW_LINE),
    ]
    first = log.changed_by(1)
    assert len(first) == 1 + len(NODES) + len(EDGES) + 1
    assert all(c.before is None for c in first)
    assert [c.key.kind for c in first][:2] == ["source", "node"]


def _pages_agree(log: RecordHistory, number: int) -> None:
    """Every page of ``changes(number)`` is that slice of ``changed_by(number)``, with its
    length as the total."""
    every = log.changed_by(number)
    for limit, offset in [(100, 0), (1, 0), (2, 1), (3, 2), (1, len(every) - 1), (5, 1000)]:
        assert log.changes(number, limit=limit, offset=offset) == (
            len(every),
            every[offset : offset + limit],
        ), (number, limit, offset)
    size = 3
    pages = [log.changes(number, limit=size, offset=o)[1] for o in range(0, len(every), size)]
    assert [c for page in pages for c in page] == every


def test_changes_are_pages_of_changed_by(store: GraphStore) -> None:
    """A page of what a load changed, read in the store, is the slice of the whole list:
    created, updated and removed records of every kind, a revert's, a line inside a merged
    group and its renamed alias."""
    three_loads(store)
    with store.writer() as w:  # load 4: removals
        w.remove("edge", [e.key for e in EDGES if JV.id in (e.src, e.dst)])
        w.remove("node", [JV.id])
        w.remove("transfer", [TRANSFER.id])
    judge(store, ZH.id, JINZHI.id, "same", "alice")  # load 5: JINZHI folded into ZH
    inner = replace(NEW_LINE, dst=JINZHI.id, src=ZH.id, props={"source": "s2"})
    with store.writer() as w:  # load 6: a line inside the group, the alias renamed
        w.upsert_edges([inner])
        w.upsert_nodes([replace(JINZHI, name="津智")])
    log = history(store)
    assert [len(log.changed_by(n)) for n in (2, 3, 4, 6)] == [
        3,
        2,
        2 + len([e for e in EDGES if JV.id in (e.src, e.dst)]),
        2,
    ]
    for number in range(1, log.last_load() + 1):
        _pages_agree(log, number)
    assert log.changes(99) == (0, [])


def test_revisions_keep_every_version_oldest_first(store: GraphStore) -> None:
    three_loads(store)
    log = history(store)
    zh = log.revisions("node", ZH.id)
    assert [(r.record, r.written, r.replaced) for r in zh] == [
        (ZH, 1, 2),
        (RENAMED, 2, 3),
        (replace(ZH, name="中环党委"), 3, None),
    ]
    line = log.revisions("edge", NEW_LINE.key)
    assert [(r.record, r.written, r.replaced) for r in line] == [
        (NEW_LINE, 1, 2),
        (NEW_LINE, 3, None),
    ]
    assert log.revisions("node", "no-such-id") == []
    with pytest.raises(ValueError, match="record kind"):
        log.revisions("person", ZH.id)


def test_records_at_each_load_are_the_state_right_after_it(store: GraphStore) -> None:
    states = three_loads(store)
    log = history(store)
    for number, expected in enumerate(states, start=1):
        assert log.records_at(number) == expected, number


def test_records_at_give_the_judgements_as_they_stood_then(store: GraphStore) -> None:
    load_all(store)
    first = judge(store, JINZHI.id, ZH.id, "different", "carol", at="2026-01-02T00:00:00Z")
    judged = history(store).last_load()
    withdraw(store, JINZHI.id, ZH.id, "carol", at="2026-01-03T00:00:00Z")
    log = history(store)
    assert log.records_at(judged).judgements == [first]  # standing then
    ended = [j for j in store.iter_judgements() if j.id == first.id]
    assert ended
    assert ended[0].ended == "withdrawn"  # the store keeps its end …
    assert log.records_at(judged + 1).judgements == ended  # … and so does the state after it
    assert log.records_at(1).judgements == []


def test_removing_records_keeps_their_last_version(store: GraphStore) -> None:
    load_all(store)
    with store.writer() as w:
        w.remove("edge", [e.key for e in EDGES if JV.id in (e.src, e.dst)])
        w.remove("node", [JV.id])
        w.remove("transfer", [TRANSFER.id])
        w.remove("transfer", ["no-such-transfer"])  # ignored
    assert w.summary.counts["node"] == {"removed": 1}
    assert w.summary.counts["transfer"] == {"removed": 1}
    assert store.get_node(JV.id) is None
    assert JV.id not in store.node_labels([JV.id])
    assert list(store.iter_transfers()) == []
    assert [e for e in store.iter_edges() if JV.id in (e.src, e.dst)] == []
    log = history(store)
    assert [(r.record, r.written, r.replaced) for r in log.revisions("node", JV.id)] == [(JV, 1, 2)]
    assert Change(RecordKey("node", JV.id), JV, None) in log.changed_by(2)
    assert log.records_at(1).nodes == sorted(NODES, key=lambda n: n.id)


def test_a_node_still_joined_by_lines_is_not_removed(store: GraphStore) -> None:
    load_all(store)
    before = state(store)
    with pytest.raises(NodeInUseError, match=JV.id), store.writer() as w:
        w.remove("node", [JV.id])
    assert state(store) == before
    assert history(store).last_load() == 1  # the failed write is not in the log


def test_changed_after_names_the_first_later_load(store: GraphStore) -> None:
    three_loads(store)
    log = history(store)
    keys = [
        RecordKey("node", ZH.id),
        RecordKey("node", NEW_ORG.id),
        RecordKey("edge", NEW_LINE.key),
        RecordKey("node", JV_ORG.id),
    ]
    assert log.changed_after(keys, 1) == {
        RecordKey("node", ZH.id): 2,
        RecordKey("node", NEW_ORG.id): 2,
        RecordKey("edge", NEW_LINE.key): 2,
    }
    assert log.changed_after(keys, 2) == {
        RecordKey("node", ZH.id): 3,
        RecordKey("edge", NEW_LINE.key): 3,
    }
    assert log.changed_after(keys, 3) == {}


def test_load_at_a_time(store: GraphStore) -> None:
    three_loads(store)
    log = history(store)
    last = log.load_entry(3)
    assert last is not None
    assert log.load_at(last.at) == 3
    assert log.load_at("1999-01-01T00:00:00Z") is None
    assert log.load_at("9999-01-01T00:00:00Z") == 3


def test_tags_name_loads_and_never_move(store: GraphStore) -> None:
    three_loads(store)
    log = history(store)
    log.set_tag("paper-2027", 2)
    log.set_tag("paper-2027", 2)  # again, the same: nothing to do
    log.set_tag("first", 1)
    assert log.tags() == {"first": 1, "paper-2027": 2}
    entry = log.load_entry(2)
    assert entry is not None
    assert entry.tags == ("paper-2027",)
    with pytest.raises(TagError, match="load 2"):
        log.set_tag("paper-2027", 3)
    with pytest.raises(UnknownLoadError, match="9"):
        log.set_tag("later", 9)
    assert log.tags() == {"first": 1, "paper-2027": 2}
    assert store.state()[1] == 3  # a tag is not a load


def test_a_revert_entry_is_linked_from_the_load_it_reverts(store: GraphStore) -> None:
    three_loads(store)
    with store.writer() as w:
        w.info = WriteInfo(kind="revert", reverts=3, forced=(RecordKey("node", ZH.id),))
        w.upsert_nodes([RENAMED])
        w.remove("edge", [NEW_LINE.key])
    log = history(store)
    entry = log.load_entry(4)
    assert entry is not None
    assert (entry.kind, entry.reverts, entry.forced) == ("revert", 3, (RecordKey("node", ZH.id),))
    reverted = log.load_entry(3)
    assert reverted is not None
    assert reverted.reverted_by == 4
    assert log.records_at(4) == log.records_at(2)


# -- migration of a file made before the log -------------------------------------------------


def test_a_schema_6_file_migrates_to_one_migrated_load(tmp_path: Path) -> None:
    path = tmp_path / "affgraph.db"
    shutil.copy(V6, path)
    assert stored_schema_version(path) == "6"
    store = EmbeddedStore(path)
    try:
        assert stored_schema_version(path) == SCHEMA_VERSION
        assert store.last_load() == store.first_load() == 4
        assert store.state()[1] == 4
        total, (entry,) = store.loads()
        assert total == 1
        assert entry.kind == "migrated"
        assert entry.number == 4
        assert entry.counts["node"] == {"created": len(NODES)}
        assert store.get_node(ZH.id) == RENAMED
        assert [(r.written, r.replaced) for r in store.revisions("node", ZH.id)] == [(4, None)]
        migrated = store.records_at(4)
        assert migrated.nodes == list(store.iter_nodes())
        assert migrated.judgements == list(store.iter_judgements())  # the ended one too
        assert [(j.verdict, j.standing) for j in migrated.judgements] == [
            ("different", False),
            ("unsure", True),
        ]
        with store.writer() as w:
            w.upsert_nodes([ZH])
        assert w.load == 5
        assert [(r.record, r.written, r.replaced) for r in store.revisions("node", ZH.id)] == [
            (RENAMED, 4, 5),
            (ZH, 5, None),
        ]
        assert store.records_at(4).nodes == migrated.nodes
    finally:
        store.close()
    reopened = EmbeddedStore(path)  # once: the second opening migrates nothing
    try:
        assert reopened.last_load() == 5
        assert reopened.get_node(ZH.id) == ZH
    finally:
        reopened.close()


def test_a_migration_that_fails_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "affgraph.db"
    shutil.copy(V6, path)
    blocker = sqlite3.connect(path)
    blocker.execute("CREATE TABLE versions (x)")  # a clash the migration cannot get past
    blocker.commit()
    blocker.close()
    with pytest.raises(StoreBusyError, match="could not be migrated to version 7: no such column"):
        EmbeddedStore(path)
    assert stored_schema_version(path) == "6"
    conn = sqlite3.connect(path)
    try:
        assert (
            conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'loads'").fetchone()[0]
            == 0
        )
    finally:
        conn.close()


# -- the embedded store's open graphs follow removals -----------------------------------------


def test_an_open_embedded_store_catches_up_with_removed_nodes(tmp_path: Path) -> None:
    """A revert run by another process (``affgraph revert`` while ``affgraph serve`` reads)
    takes nodes away: the reader's graph, counts, columns and name index follow, and a node
    written again later comes back."""
    from queries.catalog import QUERIES
    from queries.search import SearchParams

    path = tmp_path / "affgraph.db"
    writer, reader = EmbeddedStore(path), EmbeddedStore(path)
    try:
        load_all(writer)
        with writer.writer() as w:
            w.upsert_nodes([NEW_ORG])
        search = QUERIES["search"]
        assert reader.counts().nodes == len(NODES) + 1
        assert len(reader.columns()) == len(NODES) + 1
        assert search.run(reader, SearchParams(q="新党委")).total == 1
        with writer.writer() as w:
            w.remove("node", [NEW_ORG.id])
        assert reader.counts().nodes == len(NODES)
        assert reader.node_labels([NEW_ORG.id]) == {}
        assert len(reader.columns()) == len(NODES)
        assert search.run(reader, SearchParams(q="新党委")).total == 0
        with writer.writer() as w:
            w.upsert_nodes([NEW_ORG])
        assert reader.node_labels([NEW_ORG.id]) == {NEW_ORG.id: NEW_ORG.label}
        assert search.run(reader, SearchParams(q="新党委")).total == 1
        fresh = EmbeddedStore(path)  # and a store opened now builds the same graph
        try:
            assert fresh.counts() == reader.counts()
        finally:
            fresh.close()
    finally:
        writer.close()
        reader.close()


def test_the_embedded_store_copies_the_state_after_a_load_into_a_file(tmp_path: Path) -> None:
    """:meth:`EmbeddedStore.write_state_at` (what an as-recorded answer reads, made in SQL)
    holds exactly :meth:`records_at` of that load, judgements standing then included."""
    store = EmbeddedStore(tmp_path / "affgraph.db")
    try:
        states = three_loads(store)
        judge(store, JINZHI.id, ZH.id, "different", "carol", at="2026-01-02T00:00:00Z")
        judged = store.last_load()
        withdraw(store, JINZHI.id, ZH.id, "carol", at="2026-01-03T00:00:00Z")
        for number in (1, 2, 3, judged):
            target = tmp_path / f"at-{number}.db"
            store.write_state_at(number, target, message=f"as recorded at load {number}")
            copy = EmbeddedStore(target)
            try:
                assert state(copy) == store.records_at(number), number
                assert copy.counts().nodes == len(store.records_at(number).nodes)
                assert copy.state() == (None, number)
            finally:
                copy.close()
        second = EmbeddedStore(tmp_path / "at-2.db")
        try:
            assert state(second) == states[1]
        finally:
            second.close()
        with pytest.raises(FileExistsError):
            store.write_state_at(1, tmp_path / "at-1.db")
    finally:
        store.close()
