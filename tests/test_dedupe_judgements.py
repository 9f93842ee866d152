"""Judgements of candidate duplicates beyond the store contract: the embedded store's
schema migration, and the candidates a judgement takes out of the list."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from dedupe.candidates import candidates
from dedupe.judgements import judge, pair_of, standing, unjudged, withdraw
from graph_schema.records import Node
from stores.base import StoreError
from stores.embedded import SCHEMA_VERSION, EmbeddedStore

NODES = [
    Node("t1", "PartyOrg", "committee", "天津市国资委党委"),
    Node("t2", "PartyOrg", "committee", "天津市國資委黨委"),
    Node("c1", "PartyOrg", "committee", "某科技有限公司党委"),
    Node("c3", "PartyOrg", "committee", "中共某科技有限公司委员会"),
]


def _version_4(db: Path) -> None:
    """Make ``db`` what schema version 4 wrote: no judgements table."""
    conn = sqlite3.connect(db)
    conn.executescript(
        "DROP TABLE judgements; UPDATE meta SET value = '4' WHERE key = 'schema_version';"
    )
    conn.close()


def _version(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(
            conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        )
    finally:
        conn.close()


def test_a_version_4_file_gains_the_judgements_table_on_opening(tmp_path: Path) -> None:
    db = tmp_path / "v4.db"
    store = EmbeddedStore(db)
    with store.writer() as w:
        w.upsert_nodes(NODES)
    store.close()
    _version_4(db)
    reopened = EmbeddedStore(db)
    try:
        assert _version(db) == SCHEMA_VERSION == "5"
        assert [n.id for n in reopened.iter_nodes()] == ["c1", "c3", "t1", "t2"]
        judged = judge(reopened, "t2", "t1", "same", "ana")
        assert list(reopened.iter_judgements()) == [judged]
    finally:
        reopened.close()


def test_a_migration_that_fails_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "v4.db"
    EmbeddedStore(db).close()
    _version_4(db)
    conn = sqlite3.connect(db)  # a name the migration's index needs, taken: it must fail
    conn.execute("CREATE TABLE judgements_pair (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="could not be migrated"):
        EmbeddedStore(db)
    assert _version(db) == "4"
    conn = sqlite3.connect(db)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    assert "judgements" not in tables  # all or nothing: not half migrated


def test_a_judged_pair_is_not_proposed_again_until_withdrawn(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "x.db")
    try:
        with store.writer() as w:
            w.upsert_nodes(NODES)
        found = candidates(store.iter_nodes())
        assert {(c.a, c.b) for c in found} == {("t1", "t2"), ("c1", "c3")}
        judge(store, "t1", "t2", "unsure", "ana")  # unsure is a judgement too
        assert [(c.a, c.b) for c in unjudged(found, standing(store))] == [("c1", "c3")]
        withdraw(store, "t2", "t1", "ana")
        assert len(unjudged(found, standing(store))) == 2
    finally:
        store.close()


def test_a_judgement_names_a_pair_and_a_verdict(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "x.db")
    try:
        with store.writer() as w:
            w.upsert_nodes(NODES)
        with pytest.raises(ValueError, match="expected one of same, different, unsure"):
            judge(store, "t1", "t2", "maybe", "ana")
        with pytest.raises(ValueError, match="twice"):
            judge(store, "t1", "t1", "same", "ana")
        with pytest.raises(ValueError, match="who"):
            judge(store, "t1", "t2", "same", " ")
        assert list(store.iter_judgements()) == []
        assert pair_of("b", "a") == ("a", "b")
    finally:
        store.close()
