"""Judgements of candidate duplicates beyond the store contract: the embedded store's
schema migration, and the candidates a judgement takes out of the list."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from dedupe.candidates import candidates, candidates_against
from dedupe.judgements import judge, pair_of, standing, unjudged, withdraw
from graph_schema.records import Node
from stores.base import StoreError
from stores.embedded import SCHEMA_VERSION, EmbeddedStore
from tests.conftest import BEFORE_THE_LOG, stored_schema_version

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
        BEFORE_THE_LOG
        + "DROP TABLE judgements; UPDATE meta SET value = '4' WHERE key = 'schema_version';"
    )
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
        assert stored_schema_version(db) == SCHEMA_VERSION == "7"
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
    assert stored_schema_version(db) == "4"
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


def _store_with(tmp_path: Path, nodes: list[Node]) -> Path:
    db = tmp_path / "x.db"
    store = EmbeddedStore(db)
    with store.writer() as w:
        w.upsert_nodes(nodes)
    store.close()
    return db


def test_the_review_judges_one_pair_at_a_time_and_resumes(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from app.cli import cli
    from tests.test_dedupe_names import NODES as FIXTURE

    db = _store_with(tmp_path, FIXTURE)
    runner = CliRunner()
    args = ["dedupe", "--review", "--store", str(db), "--label", "Enterprise", "--who", "ana"]
    # the first pair: a note, then same; then quit at the second
    first = runner.invoke(cli, args, input="n括号全角半角\nsq")
    assert first.exit_code == 0, first.output
    assert "Pair 1 of 2" in first.output
    assert "某（天津）科技有限公司" in first.output  # both nodes, side by side
    assert "USCC" in first.output
    assert "Judged 1 (same 1); 1 left." in first.output
    # resumed: the judged pair is not asked again; an unknown key is refused with the keys
    second = runner.invoke(cli, args, input="xd")
    assert second.exit_code == 0, second.output
    assert "Pair 1 of 1" in second.output
    assert "'x': expected one of s, d, u, n, q" in second.output
    assert "equal USCC 91120000MA05XXXX1X" in second.output
    assert "Judged 1 (different 1); 0 left." in second.output
    assert "No pairs left to judge." in runner.invoke(cli, args).output
    store = EmbeddedStore(db)
    try:
        judged = {j.pair: j for j in store.iter_judgements()}
    finally:
        store.close()
    assert set(judged) == {("e1", "e2"), ("u1", "u2")}
    assert (judged["e1", "e2"].verdict, judged["e1", "e2"].note) == ("same", "括号全角半角")
    assert (judged["u1", "u2"].verdict, judged["u1", "u2"].who) == ("different", "ana")
    listed = runner.invoke(
        cli,
        [
            "dedupe",
            "--store",
            str(db),
            "--label",
            "Enterprise",
            "--judged",
            "yes",
            "--format",
            "json",
        ],
    )
    rows = json.loads(listed.stdout)["items"]
    assert sorted((r["a"], r["verdict"], r["who"]) for r in rows) == [
        ("e1", "same", "ana"),
        ("u1", "different", "ana"),
    ]
    assert (
        "Possible duplicates: 0"
        in runner.invoke(cli, ["dedupe", "--store", str(db), "--label", "Enterprise"]).output
    )


def test_new_nodes_against_the_store_find_what_candidates_find() -> None:
    """The load's check (a new node against the existing ones) proposes exactly the pairs
    the whole-store candidates propose across new and old, for every node taken as new."""
    from tests.test_dedupe_names import NODES as FIXTURE

    everything = {(c.a, c.b): c for c in candidates(FIXTURE)}
    for node in FIXTURE:
        expected = {pair: c for pair, c in everything.items() if node.id in pair}
        found = candidates_against([node], FIXTURE)
        assert {(c.a, c.b): c for c in found} == expected, node.id
    split = {"t1", "c1", "e1", "u1"}
    new = [n for n in FIXTURE if n.id in split]
    crossing = {p for p in everything if len(split & set(p)) == 1}
    assert {(c.a, c.b) for c in candidates_against(new, FIXTURE)} == crossing
