"""Record time on the Neo4j store: what the contract suite (``tests/test_history_contract.py``)
cannot see — how a database made before the log migrates, how versions are kept beside the
graph, and that the graph the named queries read is the one they read before.

The database made before the log is ``tests/history_v6/neo4j.json``: every node and
relationship the store of 31422d0 (the code before the log) wrote for the contract records
loaded (load 1), ZH renamed (2), ZH and JINZHI judged the same (3: JINZHI folded into ZH, a
``:MergedNode``) and SASAC / the JV branch judged different (4), then unsure (5).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, LiteralString

import pytest

from dedupe.judgements import judge, withdraw
from graph_schema.cypher import LOAD_LABEL, TAG_LABEL, VERSION_LABEL
from queries.catalog import QUERIES
from stores.base import GraphStore, StoreError
from stores.history import RecordedRecords, RecordKey, WriteInfo
from stores.neo4j import Neo4jStore
from tests.conftest import BoltTarget
from tests.test_history_contract import RENAMED, state
from tests.test_store_contract import JINZHI, NEW_LINE, NODES, SASAC, ZH, load_all

pytestmark = pytest.mark.neo4j

V6 = Path(__file__).resolve().parent / "history_v6" / "neo4j.json"


def _value(value: Any) -> Any:
    if isinstance(value, dict):
        return date.fromisoformat(value["date"])
    if isinstance(value, list):
        return [_value(v) for v in value]
    return value


def make_v6_database(store: Neo4jStore) -> None:
    """Write the dump of the database made before the log into the (empty) database, as
    it was: labels, properties, relationships, the state node without ``loads``."""
    dump = json.loads(V6.read_text())
    with store.driver.session(database=store.database) as session:
        session.run("MATCH (n) DETACH DELETE n").consume()
        for node in dump["nodes"]:
            labels = ":".join(node["labels"])
            props = {k: _value(v) for k, v in node["props"].items()}
            text = f"CREATE (n:{labels}) SET n = $props, n._ref = $ref"  # the dump's labels
            session.run(text, props=props, ref=node["ref"]).consume()
        for rel in dump["relationships"]:
            props = {k: _value(v) for k, v in rel["props"].items()}
            text = (  # the dump's type
                f"MATCH (a {{_ref: $src}}), (b {{_ref: $dst}}) CREATE (a)-[e:{rel['type']}]->(b) "
                "SET e = $props"
            )
            session.run(text, src=rel["src"], dst=rel["dst"], props=props).consume()
        session.run("MATCH (n) REMOVE n._ref").consume()


def fetch(store: Neo4jStore, text: LiteralString, **params: Any) -> list[dict[str, Any]]:
    with store.driver.session(database=store.database) as session:
        return [r.data() for r in session.run(text, **params)]


def test_a_database_made_before_the_log_migrates_to_one_migrated_load(
    open_store: Callable[[str], GraphStore],
) -> None:
    first = open_store("neo4j")
    assert isinstance(first, Neo4jStore)
    make_v6_database(first)
    assert fetch(first, "MATCH (l:LoadEntry) RETURN count(l) AS n") == [{"n": 0}]
    before = state(first)  # read by today's reads: the records as the old code left them
    assert len(before.nodes) == len(NODES)  # the alias JINZHI among them

    store = open_store("neo4j")  # opening migrates
    assert isinstance(store, Neo4jStore)
    assert store.last_load() == store.first_load() == 5
    assert store.state()[1] == 5
    total, (entry,) = store.loads()
    assert total == 1
    assert (entry.number, entry.kind, entry.who) == (5, "migrated", "affgraph")
    assert "after 5 writes" in entry.message
    assert entry.counts == {
        "source": {"created": 1},
        "node": {"created": 6},
        "edge": {"created": 6},
        "transfer": {"created": 1},
    }
    # nothing was rewritten: the records carry no load, read as the migration's
    assert fetch(store, "MATCH (n:Node) WHERE n._load IS NOT NULL RETURN n") == []
    assert state(store) == before
    migrated = store.records_at(5)
    assert migrated.nodes == before.nodes
    assert migrated.edges == before.edges
    assert migrated.judgements == list(store.iter_judgements())  # ended ones too
    assert [j.verdict for j in migrated.judgements if j.standing] == ["same", "unsure"]
    assert [(r.record, r.written, r.replaced) for r in store.revisions("node", ZH.id)] == [
        (RENAMED, 5, None)
    ]
    assert [c.key for c in store.changed_by(5)][:2] == [
        RecordKey("source", "soe_reform_2022"),
        RecordKey("node", "kr-samsung"),
    ]
    assert all(c.before is None for c in store.changed_by(5))
    assert len(store.changed_by(5)) == 14

    with store.writer() as w:  # the next write is load 6, and keeps the version it replaced
        w.upsert_nodes([ZH, replace(JINZHI, name="津智")])
    assert w.load == 6
    assert [(r.record, r.written, r.replaced) for r in store.revisions("node", ZH.id)] == [
        (RENAMED, 5, 6),
        (ZH, 6, None),
    ]
    alias = store.revisions("node", JINZHI.id)  # the alias, as loaded
    assert [(r.record, r.written, r.replaced) for r in alias] == [
        (JINZHI, 5, 6),
        (replace(JINZHI, name="津智"), 6, None),
    ]
    assert store.records_at(5) == migrated
    assert store.changed_after([RecordKey("node", ZH.id), RecordKey("edge", NEW_LINE.key)], 5) == {
        RecordKey("node", ZH.id): 6
    }

    again = open_store("neo4j")  # once: a second opening migrates nothing
    assert isinstance(again, Neo4jStore)
    assert again.loads()[0] == 2
    assert again.last_load() == 6
    assert again.first_load() == 5


def test_a_migration_that_fails_leaves_the_database_as_it_was(
    open_store: Callable[[str], GraphStore],
) -> None:
    first = open_store("neo4j")
    assert isinstance(first, Neo4jStore)
    make_v6_database(first)
    # a clash the migration cannot get past: an entry already numbered as it would be
    fetch(first, "CREATE (:LoadEntry {number: 5, kind: 'load'})")
    with pytest.raises(StoreError, match="could not be migrated to the load log"):
        open_store("neo4j")
    (found,) = fetch(first, "MATCH (s:AffgraphStore) RETURN properties(s) AS s")
    assert "loads" not in found["s"]
    assert "migrated" not in found["s"]
    assert fetch(first, "MATCH (l:LoadEntry) RETURN l.kind AS kind") == [{"kind": "load"}]


def test_a_kept_version_is_one_node_beside_the_graph(
    open_store: Callable[[str], GraphStore],
) -> None:
    store = open_store("neo4j")
    assert isinstance(store, Neo4jStore)
    load_all(store)
    (zh_before,) = fetch(store, "MATCH (n:Node {id: $id}) RETURN properties(n) AS p", id=ZH.id)
    with store.writer() as w:
        w.upsert_nodes([RENAMED])
        w.remove_edges([NEW_LINE])
    (kept,) = fetch(
        store, "MATCH (v:RecordVersion {_v_id: $id}) RETURN properties(v) AS p", id=ZH.id
    )
    # the record's properties as they were (its load among them), and what it is
    meta = {k: v for k, v in kept["p"].items() if k.startswith("_v_")}
    assert {k: v for k, v in kept["p"].items() if k not in meta} == zh_before["p"]
    assert meta == {
        "_v_kind": "node",
        "_v_id": ZH.id,
        "_v_label": "PartyOrg",
        "_v_written": 1,
        "_v_replaced": 2,
    }
    (line,) = fetch(
        store,
        "MATCH (v:RecordVersion {_v_id: $key}) RETURN v._v_type AS t, v._v_src AS s, v._v_dst AS d",
        key=NEW_LINE.key,
    )
    assert line == {"t": "AFFILIATED_TO", "s": NEW_LINE.src, "d": NEW_LINE.dst}
    # joined to nothing; the records carry one property more than before the log: _load
    assert fetch(store, "MATCH (v:RecordVersion)-[e]-() RETURN count(e) AS n") == [{"n": 0}]
    (now,) = fetch(store, "MATCH (n:Node {id: $id}) RETURN properties(n) AS p", id=ZH.id)
    assert now["p"]["_load"] == 2
    assert set(now["p"]) == set(zh_before["p"])
    # a reload of the same records keeps no version and writes nothing but its log entry
    with store.writer() as w:
        w.upsert_nodes([RENAMED])
    assert w.load == 3
    assert store.generation() == 2
    assert fetch(store, "MATCH (v:RecordVersion) RETURN count(v) AS n") == [{"n": 2}]


def test_the_named_queries_read_nothing_of_record_time() -> None:
    """The queries' Cypher names no label or property of the log or the versions: the graph
    they read has the shape it had (each record one property more, which none reads)."""
    record_time = re.compile(rf"{LOAD_LABEL}|{VERSION_LABEL}|{TAG_LABEL}|_v_|_load\b|_ended_load")
    for query in QUERIES.values():
        assert not record_time.search(query.cypher), query


def test_versions_of_merged_records_are_the_records_as_loaded(
    open_store: Callable[[str], GraphStore],
) -> None:
    """Folding a group into one node and unfolding it again writes no version and keeps
    each record's load — the lines inside a group too (``_inner_loads``)."""
    store = open_store("neo4j")
    assert isinstance(store, Neo4jStore)
    load_all(store)
    judge(store, ZH.id, JINZHI.id, "same", "alice")  # load 2: JINZHI folded into ZH
    inner = replace(NEW_LINE, dst=JINZHI.id, src=ZH.id, props={"source": "s2"})
    with store.writer() as w:  # load 3: a line inside the group, the alias renamed
        w.upsert_edges([inner])
        w.upsert_nodes([replace(JINZHI, name="津智")])
    assert fetch(store, "MATCH (v:RecordVersion) RETURN v._v_id AS id") == [{"id": JINZHI.id}]
    (m,) = fetch(store, "MATCH (m:MergedNode) RETURN m._inner_loads AS loads")
    assert m["loads"] == [3]
    after_3: RecordedRecords = store.records_at(3)
    assert after_3.edges == state(store).edges
    assert inner in after_3.edges
    withdraw(store, ZH.id, JINZHI.id, "alice")  # load 4: unfolded, records as loaded
    assert fetch(store, "MATCH (v:RecordVersion) RETURN count(v) AS n") == [{"n": 1}]
    assert [(r.written, r.replaced) for r in store.revisions("edge", inner.key)] == [(3, None)]
    assert [c.key for c in store.changed_by(3)] == [
        RecordKey("node", JINZHI.id),
        RecordKey("edge", inner.key),
    ]
    assert store.records_at(3) == replace(after_3)
    assert store.records_at(1).nodes == sorted(NODES, key=lambda n: n.id)


def test_writes_at_once_are_numbered_in_the_order_they_commit(
    open_store: Callable[[str], GraphStore], bolt: BoltTarget
) -> None:
    import threading

    stores = [open_store("neo4j") for _ in range(3)]
    numbers: list[int] = []
    failed: list[BaseException] = []
    barrier = threading.Barrier(len(stores))

    def write(target: GraphStore, k: int) -> None:
        barrier.wait()
        try:
            for i in range(3):
                with target.writer() as w:
                    w.info = WriteInfo(message=f"{k}-{i}")
                    w.upsert_nodes([replace(SASAC, id=f"n-{k}-{i}")] if i != 1 else [])
                numbers.append(w.load)
        except BaseException as exc:  # reported below
            failed.append(exc)

    threads = [threading.Thread(target=write, args=(s, k)) for k, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failed, failed
    store = stores[0]
    assert isinstance(store, Neo4jStore)
    assert sorted(numbers) == list(range(1, 10))
    total, entries = store.loads()
    assert total == 9
    assert [e.number for e in entries] == list(range(9, 0, -1))
    assert store.generation() == max(e.number for e in entries if e.changed)


def test_a_line_is_found_by_its_key_even_where_an_id_holds_a_bar(
    open_store: Callable[[str], GraphStore],
) -> None:
    """A line is looked up from the start node its key names (``TYPE|from|to|kind|start``);
    a key that cannot be read so (an id with ``|``, which loads refuse but a writer takes)
    is looked for by a scan — found all the same, by revisions, changed_after and remove."""
    store = open_store("neo4j")
    assert isinstance(store, Neo4jStore)
    odd = replace(SASAC, id="tj|odd")
    barred = replace(NEW_LINE, src=odd.id, dst=SASAC.id)
    plain = replace(NEW_LINE, src=ZH.id, dst=SASAC.id)
    with store.writer() as w:
        w.upsert_nodes([SASAC, odd, ZH])
        w.upsert_edges([barred, plain])
    keys = [RecordKey("edge", barred.key), RecordKey("edge", plain.key)]
    assert [len(store.revisions("edge", k.id)) for k in keys] == [1, 1]
    with store.writer() as w:
        w.remove("edge", [k.id for k in keys])
    assert w.summary.counts["edge"]["removed"] == 2
    assert store.changed_after(keys, 1) == dict.fromkeys(keys, 2)
    assert [(r.record, r.written, r.replaced) for r in store.revisions("edge", barred.key)] == [
        (barred, 1, 2)
    ]
    assert list(store.iter_edges()) == []
