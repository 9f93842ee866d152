"""Search over the embedded store's index of names (:mod:`stores.name_index`) answers what the
old search answered — every node's names read and lower-cased in Python — on names where
folding, trigrams and ranking are easy to get wrong, on both stores, page by page; the index
follows every write (and none that fails), reaches a file written by the code before it
(``tests/search_v5``: schema version 5, made by that code with ``SEARCH_NODES``, with the
answers it gave), and a query builds only the records of its page.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph_schema.records import Judgement, Node, node_from_canonical
from queries.search import SEARCH, SearchParams, SearchResult, search_result
from stores import name_index
from stores.base import GraphStore, StoreError, UnknownNodeError
from stores.embedded import SCHEMA_VERSION, EmbeddedStore
from tests.conftest import Dataset, examples, stored_schema_version
from tests.query_graphs_search import SEARCH_NODES, SEARCH_QUERIES, load_search

V5 = Path(__file__).resolve().parent / "search_v5"


@pytest.fixture
def names(read_only: Callable[[Dataset], GraphStore]) -> GraphStore:
    return read_only(("search-names", load_search))


def old_answer(nodes: list[Node], params: SearchParams) -> SearchResult:
    """The old rule, from the records alone: every node's names lower-cased in Python, the
    best of each node's matching names ranked and the list paged in Python."""
    rows = [
        {
            "id": n.id,
            "label": n.label,
            "kind": n.kind,
            "name": n.name,
            "name_en": n.props.get("name_en"),
            "aliases": n.props.get("aliases"),
        }
        for n in nodes
    ]
    return search_result(rows, params)


def answer(store: GraphStore, q: str, **kw: Any) -> dict[str, Any]:
    return SEARCH.run(store, SearchParams(q=q, **kw)).model_dump(exclude={"load"})


# -- the same answers ---------------------------------------------------------------------------


def test_the_recorded_answers_of_the_old_search() -> None:
    """The old code's answers (recorded with the file) are what the old rule gives."""
    recorded = json.loads((V5 / "answers.json").read_text(encoding="utf-8"))
    assert list(recorded) == SEARCH_QUERIES
    for q in SEARCH_QUERIES:
        expected = old_answer(SEARCH_NODES, SearchParams(q=q, limit=10_000)).model_dump(
            exclude={"load"}
        )
        assert recorded[q] == expected, q


@pytest.mark.parametrize("q", SEARCH_QUERIES)
def test_tricky_names_found_as_before(names: GraphStore, q: str) -> None:
    recorded = json.loads((V5 / "answers.json").read_text(encoding="utf-8"))
    assert answer(names, q, limit=10_000) == recorded[q]


def test_every_page_as_before(names: GraphStore) -> None:
    """Pages of 1, 2 and 3 items (and past the end), with and without label and kind."""
    filters: list[dict[str, Any]] = [
        {},
        {"label": "PartyOrg"},
        {"label": "Enterprise", "kind": "private"},
        {"kind": "committee"},
    ]
    for q in ("a", "党", "党委", "天津市", " ", "co", "siemens"):
        for kw in filters:
            whole = old_answer(SEARCH_NODES, SearchParams(q=q, limit=10_000, **kw))
            for limit in (0, 1, 2, 3):
                for offset in range(0, whole.total + 3):
                    got = answer(names, q, limit=limit, offset=offset, **kw)
                    assert got["total"] == whole.total, (q, kw, limit, offset)
                    want = whole.items[offset : offset + limit]
                    assert got["items"] == [i.model_dump() for i in want], (q, kw, limit, offset)


def test_a_name_holding_every_trigram_but_not_the_text(tmp_path: Path) -> None:
    """The index narrows by trigrams; the text itself decides (abc_bcd holds abc and bcd)."""
    store = EmbeddedStore(tmp_path / "x.db")
    with store.writer() as w:
        w.upsert_nodes(
            [
                Node("x", "Enterprise", "private", "abc_bcd"),
                Node("y", "Enterprise", "private", "zabcd"),
            ]
        )
    assert [i["id"] for i in answer(store, "ABCD")["items"]] == ["y"]
    assert [i["id"] for i in answer(store, "bcd")["items"]] == ["y", "x"]  # shorter first
    store.close()


def _fts5_folding_finds(text: str, q: str) -> bool:
    """Whether FTS5's trigram index with its own case folding finds ``q`` in ``text``."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE VIRTUAL TABLE f USING fts5 (t, tokenize = 'trigram')")
        conn.execute("INSERT INTO f (t) VALUES (?)", (text,))
        phrase = '"' + q.replace('"', '""') + '"'
        return bool(conn.execute("SELECT 1 FROM f WHERE f MATCH ?", (phrase,)).fetchall())
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("name", "q"),
    [
        ("İSTANBUL", "i̇st"),  # str.lower: i + a combining dot; FTS5: one code point
        ("ᏣᎳᎩ Co", "ꮳꮃꭹ"),  # Cherokee: str.lower folds it, FTS5 does not
        ("ΟΔΟΣ Co", "οδοσ"),  # final sigma: str.lower writes ς, FTS5 σ — found only by FTS5
    ],
)
def test_fts5_folding_is_not_the_rule_and_the_index_keeps_the_rule(
    tmp_path: Path, name: str, q: str
) -> None:
    """Why the index keeps names as ``str.lower()`` made them and never folds itself."""
    node = Node("x", "Enterprise", "private", name)
    old = old_answer([node], SearchParams(q=q)).total == 1
    assert _fts5_folding_finds(name, q) != old
    store = EmbeddedStore(tmp_path / "x.db")
    with store.writer() as w:
        w.upsert_nodes([node])
    assert answer(store, q)["total"] == int(old)
    store.close()


ALPHABET = 'aAbBİiıΣσςßẞÄäＡａ党委天津 "*%_'


def _enterprises(
    names: Sequence[tuple[str, str | None, list[str] | None]], *, empty_aliases: bool
) -> list[Node]:
    """Enterprises ``n0``, ``n1``, … of (name, English name, aliases); an empty list of
    aliases is given as such with ``empty_aliases``, else left out."""
    return [
        Node(
            f"n{i}",
            "Enterprise",
            "private",
            name,
            None,
            None,
            {
                **({"name_en": name_en} if name_en is not None else {}),
                **({"aliases": aliases} if aliases or (empty_aliases and aliases == []) else {}),
            },
        )
        for i, (name, name_en, aliases) in enumerate(names)
    ]


@settings(max_examples=examples(200))
@given(
    names=st.lists(
        st.tuples(
            st.text(ALPHABET, min_size=1, max_size=8),
            st.one_of(st.none(), st.text(ALPHABET, max_size=8)),
            st.lists(st.text(ALPHABET, max_size=6), max_size=3),
        ),
        min_size=1,
        max_size=12,
    ),
    queries=st.lists(st.text(ALPHABET, min_size=1, max_size=5), min_size=1, max_size=6),
)
def test_random_names_found_as_the_old_rule_finds_them(
    tmp_path_factory: pytest.TempPathFactory,
    names: list[tuple[str, str | None, list[str]]],
    queries: list[str],
) -> None:
    nodes = _enterprises(names, empty_aliases=False)
    store = EmbeddedStore(tmp_path_factory.mktemp("random") / "x.db")
    try:
        with store.writer() as w:
            w.upsert_nodes(nodes)
        for q in queries:
            for limit, offset in ((10_000, 0), (2, 1)):
                params = SearchParams(q=q, limit=limit, offset=offset)
                assert answer(store, q, limit=limit, offset=offset) == (
                    old_answer(nodes, params).model_dump(exclude={"load"})
                ), q
    finally:
        store.close()


def _all_index_rows(db: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT * FROM node_names ORDER BY id").fetchall()
    finally:
        conn.close()


@settings(max_examples=examples(100))
@given(
    names=st.lists(
        st.tuples(
            st.text(ALPHABET + "\0\t", min_size=1, max_size=8),
            st.one_of(st.none(), st.text(ALPHABET + "\0", max_size=8)),
            st.one_of(st.none(), st.lists(st.text(ALPHABET + "\0", max_size=6), max_size=3)),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_names_indexed_from_the_values_as_from_the_stored_records(
    tmp_path_factory: pytest.TempPathFactory, names: list[tuple[str, str | None, list[str] | None]]
) -> None:
    """A write into an empty store indexes its nodes' names from the values it holds
    (``name_index.index_new``): the rows are those made from the stored records (ids, order,
    folding, a name's length as SQLite counts it, empty names left out), in one write or
    two (the second: staged, the whole write's names made again from the records)."""
    nodes = _enterprises(names, empty_aliases=True)
    folder = tmp_path_factory.mktemp("from-values")
    for writes in ([nodes], [nodes[: len(nodes) // 2], nodes[len(nodes) // 2 :]]):
        db = folder / f"{len(writes)}.db"
        store = EmbeddedStore(db)
        with store.writer() as w:
            for part in writes:
                w.upsert_nodes(part)
        store.close()
        indexed = _all_index_rows(db)
        conn = sqlite3.connect(db, isolation_level=None)
        try:
            conn.create_function("affgraph_fold", 1, str.lower, deterministic=True)
            conn.execute("BEGIN")
            name_index.index_all(conn)  # made again from the stored records
            assert conn.execute("SELECT * FROM node_names ORDER BY id").fetchall() == indexed, (
                writes
            )
            conn.execute("ROLLBACK")
        finally:
            conn.close()


def test_nodes_removed_and_written_again_in_one_write_are_indexed_once(tmp_path: Path) -> None:
    """Into a table the write has emptied, the index still holds the removed nodes' names:
    the write's names are then made from the records, as for any write."""
    store = EmbeddedStore(tmp_path / "x.db")
    load_search(store)
    with store.writer() as w:
        w.remove("node", [n.id for n in SEARCH_NODES])
        w.upsert_nodes(SEARCH_NODES[:3])
    assert _index_rows(store) == sorted(
        (n.id, pos, text.lower())
        for n in SEARCH_NODES[:3]
        for pos, text in (
            (0, n.name),
            (1, n.props.get("name_en")),
            *((2 + i, a) for i, a in enumerate(n.props.get("aliases") or ())),
        )
        if text
    )
    assert answer(store, "天津")["total"] == 2
    store.close()


# -- the index follows the writes ---------------------------------------------------------------


def _index_rows(store: EmbeddedStore) -> list[tuple[str, int, str]]:
    conn = sqlite3.connect(store.path)
    try:
        return conn.execute(
            "SELECT node, pos, folded FROM node_names ORDER BY node, pos"
        ).fetchall()
    finally:
        conn.close()


def _fts_ids(store: EmbeddedStore, phrase: str) -> list[int]:
    conn = sqlite3.connect(store.path)
    try:
        return [
            r[0]
            for r in conn.execute(
                "SELECT rowid FROM node_names_fts WHERE node_names_fts MATCH ? ORDER BY rowid",
                (phrase,),
            )
        ]
    finally:
        conn.close()


def test_the_index_follows_renames_and_reloads(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    store = EmbeddedStore(db)
    load_search(store)
    rows = _index_rows(store)
    load_search(store)  # the same records again: nothing changes, nothing doubles
    assert _index_rows(store) == rows
    renamed = Node(
        "e-siemens", "Enterprise", "foreign", "Simmons Trading", None, None, {"aliases": ["SMT"]}
    )
    with store.writer() as w:
        w.upsert_nodes([renamed])
    assert [i["id"] for i in answer(store, "siemens", limit=100)["items"]] == ["e-fw"]
    assert answer(store, "simmons")["items"][0]["match"] == "Simmons Trading"
    assert answer(store, "smt")["items"][0]["matched"] == "alias"
    assert [r for r in _index_rows(store) if r[0] == "e-siemens"] == [
        ("e-siemens", 0, "simmons trading"),
        ("e-siemens", 2, "smt"),
    ]
    assert _fts_ids(store, '"sie" "iem"') != []  # e-fw's English name still
    other = EmbeddedStore(db)  # another process's view of the file sees the same index
    assert answer(other, "simmons") == answer(store, "simmons")
    with other.writer() as w:
        w.upsert_nodes([Node("e-siemens", "Enterprise", "foreign", "Siemens")])
    assert [i["id"] for i in answer(store, "siemens")["items"]] == ["e-siemens", "e-fw"]
    assert answer(store, "smt")["total"] == 0
    for q in SEARCH_QUERIES:  # and every other answer as the records say
        nodes = list(store.iter_nodes())
        assert answer(store, q, limit=10_000) == old_answer(
            nodes, SearchParams(q=q, limit=10_000)
        ).model_dump(exclude={"load"})
    other.close()
    store.close()


def _write_then_fail(store: EmbeddedStore) -> None:
    with store.writer() as w:
        w.upsert_nodes([Node("e-new", "Enterprise", "private", "Brand new name")])
        w.upsert_nodes([Node("e-siemens", "Enterprise", "foreign", "Renamed")])
        w.upsert_judgements(
            [Judgement("j-1", "e-new", "nowhere", "same", "ana", "2026-01-01T00:00:00Z")]
        )


def test_a_failed_write_leaves_the_index_as_it_was(tmp_path: Path) -> None:
    """The write fails after its names were indexed (its judgement names no node): the
    index rolls back with it."""
    store = EmbeddedStore(tmp_path / "x.db")
    load_search(store)
    rows = _index_rows(store)
    with pytest.raises(UnknownNodeError):
        _write_then_fail(store)
    assert _index_rows(store) == rows
    assert answer(store, "brand new")["total"] == 0
    assert answer(store, "siemens")["total"] == 2
    store.close()


# -- a file of schema version 5 -----------------------------------------------------------------


def _v5_file(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.executescript((V5 / "store.sql").read_text(encoding="utf-8"))
    conn.close()


def test_a_version_5_file_gains_the_index_on_opening(tmp_path: Path) -> None:
    db = tmp_path / "v5.db"
    _v5_file(db)
    assert stored_schema_version(db) == "5"
    store = EmbeddedStore(db)
    try:
        assert stored_schema_version(db) == SCHEMA_VERSION == "7"
        assert list(store.iter_nodes()) == sorted(SEARCH_NODES, key=lambda n: n.id)
        recorded = json.loads((V5 / "answers.json").read_text(encoding="utf-8"))
        for q in SEARCH_QUERIES:
            assert answer(store, q, limit=10_000) == recorded[q], q
        fresh = EmbeddedStore(tmp_path / "fresh.db")
        load_search(fresh)
        assert _index_rows(store) == _index_rows(fresh)  # what a load of today makes
        fresh.close()
    finally:
        store.close()


def test_a_failed_migration_leaves_the_version_5_file_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "v5.db"
    _v5_file(db)
    conn = sqlite3.connect(db)  # a name the index needs, taken: the migration must fail
    conn.execute("CREATE TABLE node_names_node (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="could not be migrated"):
        EmbeddedStore(db)
    assert stored_schema_version(db) == "5"
    conn = sqlite3.connect(db)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert not {"node_names", "node_names_fts"} & tables  # all or nothing


# -- only the page is built ---------------------------------------------------------------------


def test_a_one_letter_query_builds_only_its_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = EmbeddedStore(tmp_path / "x.db")
    nodes = [Node(f"n{i:04d}", "Enterprise", "private", f"Name {i} a") for i in range(1500)]
    with store.writer() as w:
        w.upsert_nodes(nodes)
    built: list[str] = []

    def counting(data: Any) -> Node:
        built.append(data["id"])
        return node_from_canonical(data)

    monkeypatch.setattr("stores.embedded.node_from_canonical", counting)
    for q, expected_total in (("a", 1500), ("name 1", 611), ("n", 1500)):
        built.clear()
        result = SEARCH.run(store, SearchParams(q=q, limit=20, offset=40))
        assert (result.total, len(result.items)) == (expected_total, 20)
        assert sorted(built) == sorted(i.id for i in result.items)  # 20 records, not 1500
    store.close()


def test_a_query_holding_nul_is_answered_by_the_rule(tmp_path: Path) -> None:
    """An FTS5 query cannot hold NUL (the fuzzer found 'unterminated string'): a trigram with
    one narrows nothing, and the names are read through."""
    store = EmbeddedStore(tmp_path / "nul.db")
    try:
        with store.writer() as w:
            w.upsert_nodes(
                [Node("nul-1", "Body", "other", "ab\x00cd"), Node("nul-2", "Body", "other", "abcd")]
            )
        for q, expected in (("b\x00c", ["nul-1"]), ("ab\x00", ["nul-1"]), ("\x00\x00\x00", [])):
            found = SEARCH.run(store, SearchParams(q=q))
            assert [i.id for i in found.items] == expected, repr(q)
    finally:
        store.close()
