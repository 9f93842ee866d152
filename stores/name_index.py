"""The embedded store's index of names: search (:mod:`queries.search`) without scanning.

Search finds the nodes with a text in their name, English name or an alias, *in Python's lower
case on both sides* (``str.lower()``: Unicode letters fold; a Greek capital sigma becomes
``ς`` at the end of a word; ``İ`` becomes two code points; full-width letters stay full
width). FTS5's own case folding is not that rule (it folds by Unicode 6.1's simple folding,
one code point at a time), so the index never folds: each of a node's names is kept as
``str.lower()`` made it (``node_names.folded``), and the FTS5 table over that column uses the
trigram tokenizer with ``case_sensitive 1``. A query is lower-cased in Python too, so the
index answers exactly the old rule: ``needle in text.lower()``.

* A query of 3+ characters (after lower-casing) asks the index for the names holding each of
  its trigrams (``detail=none``: rowids only, a third of the size of positions), then keeps
  those that hold the whole text (``instr``): the index narrows, ``instr`` decides.
* A shorter one — common in Chinese (党委, 支部) — has no trigram to look up, so it reads
  ``node_names`` through, still in SQL: no record is built for a name that is not shown.

Ranking and paging are SQL too (:func:`search_page`): each node's best name (rank 0 equal,
1 starts with, 2 contains; then name, English name, aliases in order), ordered by rank, name
length and id, one page taken; only the page's node records are read. A query's memory is
SQLite's page cache and sorter (bounded, spilling to disk), whatever it matches.

The store's writer keeps the index current in the write's own transaction
(:func:`index_written`): the names of every node row the write touched (``gen``) are taken
out and put back. Nodes written into an empty table are indexed from the values the writer
holds instead (:func:`index_new`: the same rows, without reading each stored record's JSON
back). A file of an earlier schema version gets the index built by the migration
(:func:`index_all`), all or nothing like the rest of it.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

import orjson

__all__ = [
    "DDL",
    "FOLD_FUNCTION",
    "NameHit",
    "index_all",
    "index_new",
    "index_written",
    "search_page",
    "unindex_removed",
]

#: The SQL function the index's writes call: Python's ``str.lower`` (register it on every
#: connection that writes nodes: ``conn.create_function(FOLD_FUNCTION, 1, str.lower)``).
FOLD_FUNCTION = "affgraph_fold"

#: The tables (statements without ``;``: the migration runs them one by one). ``node_names``:
#: one row per non-empty name of a node — ``pos`` 0 the name, 1 the English name, 2 + i the
#: i-th alias — with the length of the node's name (the order's second key, so that ranking
#: reads no other table). ``id`` is an INTEGER PRIMARY KEY, so VACUUM keeps the rowids the
#: FTS5 index (external content: it stores no copy of the texts) refers to.
DDL = (
    "CREATE TABLE IF NOT EXISTS node_names ("
    " id INTEGER PRIMARY KEY, node TEXT NOT NULL, pos INTEGER NOT NULL, folded TEXT NOT NULL,"
    " name_len INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS node_names_node ON node_names (node)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS node_names_fts USING fts5 (folded,"
    " content = 'node_names', content_rowid = 'id', tokenize = 'trigram case_sensitive 1',"
    " detail = none, columnsize = 0)",
)

#: A node's names as index rows (``?1``: the nodes' condition, given by the caller).
_NAMES_OF = f"""
INSERT INTO node_names (node, pos, folded, name_len)
SELECT id, pos, {FOLD_FUNCTION}(text), name_len FROM (
    SELECT n.id, 0 AS pos, n.name AS text, length(n.name) AS name_len FROM nodes n
    WHERE {{where}}
    UNION ALL
    SELECT n.id, 1, json_extract(n.data, '$.name_en'), length(n.name) FROM nodes n
    WHERE {{where}}
    UNION ALL
    SELECT n.id, 2 + a.key, a.value, length(n.name)
    FROM nodes n, json_each(n.data, '$.aliases') a WHERE {{where}}
) WHERE typeof(text) = 'text' AND text != ''
"""


#: FTS5's own default of its ``hashsize`` option: the bytes of new index entries it holds
#: in memory before writing them out as a segment of the index (to be merged later)
_FTS_HASHSIZE = 1 << 20
#: the ``hashsize`` while many names are indexed at once: a province's 2 million names are
#: then written as a few large segments instead of hundreds merged again and again (at 1M
#: nodes 3.7 s instead of 6.2 s with 64 MiB; 32 MiB is as fast, 2.9–3.0 s against 3.0–3.2,
#: and its 34 MiB less is felt: the write of a load is its peak of memory; 16 MiB: 3.6 s)
_BULK_HASHSIZE = 32 << 20
#: names at least this many are indexed with :data:`_BULK_HASHSIZE`
_BULK_NAMES = 50_000


def _fts_add(conn: sqlite3.Connection, after: int, added: int) -> None:
    """Add the names of ``node_names`` after id ``after`` (``added`` of them) to FTS5."""
    bulk = added >= _BULK_NAMES
    if bulk:  # (a setting of the index, kept in its config table: set back after)
        conn.execute(
            "INSERT INTO node_names_fts (node_names_fts, rank) VALUES ('hashsize', ?)",
            (_BULK_HASHSIZE,),
        )
    conn.execute(
        "INSERT INTO node_names_fts (rowid, folded) SELECT id, folded FROM node_names WHERE id > ?",
        (after,),
    )
    if bulk:
        conn.execute(
            "INSERT INTO node_names_fts (node_names_fts, rank) VALUES ('hashsize', ?)",
            (_FTS_HASHSIZE,),
        )
        # and the config table as it was (SQLite's defensive mode forbids it: then kept)
        with contextlib.suppress(sqlite3.DatabaseError):
            conn.execute("DELETE FROM node_names_fts_config WHERE k = 'hashsize'")


def _add(conn: sqlite3.Connection, where: str, params: Sequence[Any]) -> None:
    """Index the names of the nodes ``where`` selects (none of which is indexed now)."""
    last = conn.execute("SELECT coalesce(max(id), 0) FROM node_names").fetchone()[0]
    added = conn.execute(_NAMES_OF.format(where=where), params).rowcount
    _fts_add(conn, last, added)


def index_written(conn: sqlite3.Connection, generation: int) -> None:
    """Bring the index up to date with the node rows of this write (``gen = generation``),
    inside its transaction: their old names out (from FTS5 first: an external-content index
    is told what it held), their names now in."""
    written = "SELECT id FROM nodes WHERE gen = ?1"
    if conn.execute(
        f"SELECT EXISTS (SELECT 1 FROM node_names WHERE node IN ({written}))", (generation,)
    ).fetchone()[0]:
        conn.execute(
            "INSERT INTO node_names_fts (node_names_fts, rowid, folded) "
            f"SELECT 'delete', id, folded FROM node_names WHERE node IN ({written})",
            (generation,),
        )
        conn.execute(f"DELETE FROM node_names WHERE node IN ({written})", (generation,))
    _add(conn, "n.gen = ?1", (generation,))


#: a node's names as :func:`index_new` takes them: id, name, English name, aliases
NodeNames = tuple[str, str, Any, Any]


def _as_sqlite(sql: str, text: str) -> Any:
    """What ``sql`` (one parameter) makes of ``text`` in SQLite: for the rare text holding
    NUL, where SQLite's answer is its own (``length()`` counts the characters before it; the
    JSON functions of some versions end a text there)."""
    with contextlib.closing(sqlite3.connect(":memory:")) as conn:
        return conn.execute(sql, (text,)).fetchone()[0]


def _length(name: str) -> int:
    """SQLite's ``length()`` of a name."""
    return _as_sqlite("SELECT length(?)", name) if "\0" in name else len(name)


def _from_json(text: str) -> Any:
    """A text of a record as :data:`_NAMES_OF` reads it back from the record's JSON."""
    if "\0" not in text:
        return text
    return _as_sqlite("SELECT json_extract(?, '$')", orjson.dumps(text).decode())


def _name_rows(nodes: Callable[[], Iterable[NodeNames]]) -> Iterator[tuple[str, int, str, int]]:
    """The ``node_names`` rows (node, pos, folded, name_len) of nodes' names, in the order
    :data:`_NAMES_OF` makes them: every name, then every English name, then the aliases."""
    for node, name, _, _ in nodes():
        if name:
            yield node, 0, name.lower(), _length(name)
    for node, name, name_en, _ in nodes():
        if isinstance(name_en, str) and name_en and (text := _from_json(name_en)):
            yield node, 1, text.lower(), _length(name)
    for node, name, _, aliases in nodes():
        if aliases:
            for index, alias in enumerate(aliases):
                if isinstance(alias, str) and alias and (text := _from_json(alias)):
                    yield node, 2 + index, text.lower(), _length(name)


def index_new(conn: sqlite3.Connection, nodes: Callable[[], Iterable[NodeNames]]) -> bool:
    """Index the names of nodes a write has just inserted into an empty ``nodes`` table,
    from their values, if the index is empty (else False, and nothing done: it may hold names
    of nodes the write removed, for :func:`index_written` to sort out). ``nodes()`` gives
    each node's id, name, English name and aliases, in the order they were inserted, each time
    it is called. The rows are those :func:`index_written` makes from the stored records, in
    the same order."""
    if conn.execute("SELECT EXISTS (SELECT 1 FROM node_names)").fetchone()[0]:
        return False
    index = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'node_names_node'"
    ).fetchone()
    if index is not None:  # into an empty table: the index made after, by sorting
        conn.execute("DROP INDEX node_names_node")
    added = conn.executemany(
        "INSERT INTO node_names (node, pos, folded, name_len) VALUES (?, ?, ?, ?)",
        _name_rows(nodes),
    ).rowcount
    if index is not None:
        conn.execute(index[0])
    _fts_add(conn, 0, added)
    return True


def unindex_removed(conn: sqlite3.Connection, generation: int) -> None:
    """Take out the names of the nodes this write removed (``removed_nodes``: a revert's)."""
    gone = "SELECT id FROM removed_nodes WHERE gen = ?1 AND id NOT IN (SELECT id FROM nodes)"
    if not conn.execute(
        f"SELECT EXISTS (SELECT 1 FROM node_names WHERE node IN ({gone}))", (generation,)
    ).fetchone()[0]:
        return
    conn.execute(
        "INSERT INTO node_names_fts (node_names_fts, rowid, folded) "
        f"SELECT 'delete', id, folded FROM node_names WHERE node IN ({gone})",
        (generation,),
    )
    conn.execute(f"DELETE FROM node_names WHERE node IN ({gone})", (generation,))


def index_all(conn: sqlite3.Connection) -> None:
    """Index every node's names (a file migrated from a schema version without the index)."""
    conn.execute("DELETE FROM node_names")
    conn.execute("INSERT INTO node_names_fts (node_names_fts) VALUES ('delete-all')")
    _add(conn, "1", ())


# -- reading ----------------------------------------------------------------------------------


class NameHit(NamedTuple):
    """A node found: its id, its rank (0 equal, 1 starts with, 2 contains) and which of its
    names matched best (``pos``: 0 name, 1 English name, 2 + i the i-th alias) — of its own
    record (``record`` 0) or, in a merged group, of the ``record``-th id of the group."""

    node: str
    rank: int
    pos: int
    record: int = 0


#: Rank, record and position packed in one integer, so that SQL's ``min`` picks a node's best
#: name: ``rank * _POS_SPAN + record * _RECORD_SPAN + pos``.
_POS_SPAN = 1_000_000_000
_RECORD_SPAN = 10_000


def _trigrams(needle: str) -> str:
    """An FTS5 query for the names holding every trigram of ``needle`` (each a string)."""
    grams = dict.fromkeys(needle[i : i + 3] for i in range(len(needle) - 2))
    # an FTS5 query cannot hold NUL (its string ends there): such trigrams narrow nothing
    return " ".join('"' + gram.replace('"', '""') + '"' for gram in grams if "\x00" not in gram)


def _names_sql(needle: str) -> tuple[str, dict[str, Any]]:
    """``node_names WHERE …``: the names holding ``needle`` (lower-cased), and parameters."""
    params: dict[str, Any] = {"q": needle, "span": _POS_SPAN}
    trigrams = _trigrams(needle)
    if not trigrams:  # no trigram to look up: read the names through (in SQL)
        return "node_names WHERE instr(folded, :q) > 0", params
    params["trigrams"] = trigrams
    return (
        "node_names WHERE id IN (SELECT rowid FROM node_names_fts "
        "WHERE node_names_fts MATCH :trigrams) AND instr(folded, :q) > 0"
    ), params


def _hits_sql(names: str, merged: bool) -> str:
    """The best of each node's ``names``: ``node``, ``best`` (rank, record and position
    packed), ``name_len`` (alike in all of a node's rows). ``merged``: the names of an alias
    (``:merged``, JSON) count for its group's node, as the group's ``record``-th record."""
    rank = "(CASE WHEN folded = :q THEN 0 WHEN instr(folded, :q) = 1 THEN 1 ELSE 2 END) * :span"
    if not merged:
        return f"SELECT node, min({rank} + pos) AS best, name_len FROM {names} GROUP BY node"
    return (
        "SELECT coalesce(m.canonical, node) AS node, "
        f"min({rank} + coalesce(m.record, 0) * :record_span + pos) AS best, "
        "coalesce(m.name_len, node_names.name_len) AS name_len "
        f"FROM {_merged_names(names)} GROUP BY coalesce(m.canonical, node)"
    )


def _merged_names(names: str) -> str:
    """``names`` (``node_names WHERE …``) with each alias's group: ``m.canonical``,
    ``m.record`` (its place in the group) and ``m.name_len`` (the canonical name's length)."""
    table, where = names.split(" WHERE ", 1)
    merged = (
        "(SELECT json_extract(value, '$[0]') AS alias, json_extract(value, '$[1]') AS canonical,"
        " json_extract(value, '$[2]') AS record, json_extract(value, '$[3]') AS name_len"
        " FROM json_each(:merged))"
    )
    return f"{table} LEFT JOIN {merged} m ON m.alias = node_names.node WHERE {where}"


def search_page(
    conn: sqlite3.Connection,
    needle: str,
    *,
    label: str | None,
    kind: str | None,
    limit: int,
    offset: int,
    merged: str | None = None,
) -> tuple[int, list[NameHit]]:
    """(how many nodes match, the page of them) for ``needle`` (already lower-cased), in
    the order of :mod:`queries.search`: rank, then the length of the node's name (in code
    points, as Python's ``len``), then id (SQLite compares UTF-8 bytes: code point order).

    ``merged``: the aliases of the merged view as JSON, ``[[alias, canonical, record,
    canonical name length], …]`` — a group is one node, found by any of its records'
    names (the canonical record first, then the others in id order)."""
    names, params = _names_sql(needle)
    hits = _hits_sql(names, merged is not None)
    params.update(label=label, kind=kind, limit=limit, offset=offset)
    order = "ORDER BY h.best / :span, h.name_len, h.node LIMIT :limit OFFSET :offset"
    if merged is not None:
        params.update(merged=merged, record_span=_RECORD_SPAN)
        total_sql = (
            f"SELECT count(DISTINCT coalesce(m.canonical, node)) FROM {_merged_names(names)}"
        )
    else:
        total_sql = f"SELECT count(DISTINCT node) FROM {names}"
    if label is None and kind is None:  # the names alone answer
        page_sql = f"SELECT h.node, h.best FROM ({hits}) h {order}"
    else:
        where = "(:label IS NULL OR n.label = :label) AND (:kind IS NULL OR n.kind = :kind)"
        of_nodes = f"FROM ({hits}) h JOIN nodes n ON n.id = h.node WHERE {where}"
        total_sql = f"SELECT count(*) {of_nodes}"
        page_sql = f"SELECT h.node, h.best {of_nodes} {order}"
    total = conn.execute(total_sql, params).fetchone()[0]
    if limit == 0 or offset >= total:
        return total, []
    page = conn.execute(page_sql, params).fetchall()
    return total, [
        NameHit(node, best // _POS_SPAN, best % _RECORD_SPAN, best % _POS_SPAN // _RECORD_SPAN)
        for node, best in page
    ]
