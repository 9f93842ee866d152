"""The embedded store: the graph in memory as compact arrays, persisted in one SQLite file.

Why this shape
--------------
* **Reads** come from the in-memory model (:mod:`stores.model`): integer arrays holding only
  what whole-graph questions need — label, kind, name, validity dates and the numeric and
  boolean properties of each node; type, kind, dates and numeric properties of each line,
  and the adjacency both ways. Texts and provenance (aliases, quotes, sources) stay in
  SQLite and are fetched per record, so a province of ~1M nodes fits in a small memory
  budget. Lines are keyed by their SQLite ``rowid``. Search reads an index of the names in
  SQLite (:mod:`stores.name_index`), which each write keeps current.
* **Writes** are one SQLite transaction on a connection of their own, staged through temporary
  tables and applied with set-based SQL (no per-row round trips). Each write is a numbered
  load (:mod:`stores.history`); every row it changes carries that number (``gen``), and the
  *generation* is the last load that changed something.
* **The model catches up** with the file by applying the rows of generations it has not
  seen (:meth:`EmbeddedStore._catch_up`, :meth:`Model.updated`): a new model, so a reader
  holding the old one keeps a consistent graph. That one mechanism serves our own writes
  (after their ``COMMIT``, so a failed write leaves file and graph as they were), writes by
  other processes (``affgraph load`` while ``affgraph serve`` runs: noticed through
  ``PRAGMA data_version``) and opening the file.
* **Opening a province fast**: after large writes the model's arrays are saved in the file as
  a snapshot (:func:`stores.model.to_bytes`: the arrays' bytes and a JSON header, read back
  in place — nothing in it can run). Opening reads the snapshot and catches up with any
  later generations; without one it builds from the rows.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from itertools import chain, islice
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from graph_schema.records import (
    Edge,
    Judgement,
    Node,
    Source,
    Transfer,
    canonical_json,
    edge_from_canonical,
    edge_sort_key,
    judgement_from_canonical,
    judgement_to_canonical,
    node_from_canonical,
    source_from_canonical,
    transfer_from_canonical,
)
from graph_schema.rows import EDGE_ROW, NODE_ROW, Row, row_json
from stores import embedded_history, model, name_index
from stores.base import (
    Adjacency,
    Direction,
    JudgementConflictError,
    LabelChangeError,
    StoreCounts,
    StoreError,
    UnknownNodeError,
    WriteSummary,
)
from stores.collector import gc_paused
from stores.deadline import QueryTimeoutError, acquired, current_limit, expired
from stores.history import (
    Change,
    LoadEntry,
    NodeInUseError,
    RecordedRecords,
    RecordKey,
    Revision,
    WriteInfo,
)
from stores.merges import Merges, merges_of
from stores.model import EDGE_HOT, NODE_HOT, Model

if TYPE_CHECKING:
    import networkx as nx

    from stores.columns import Columns

__all__ = ["Adjacency", "EmbeddedStore", "StoreBusyError"]

log = logging.getLogger("affgraph.store")

SCHEMA_VERSION = "7"
#: the schema versions a store file is migrated from on opening (see ``_migrate``)
MIGRATES_FROM = ("3", "4", "5", "6")
#: A catch-up changing more rows than this share of the graph builds the model anew.
REBUILD_SHARE = 0.25
#: Rows applied since the last snapshot that make a new one worth its cost.
SNAPSHOT_MIN_ROWS = 100_000
_BUSY_TIMEOUT_S = 30.0
#: SQLite VM steps between two looks at a query's time limit (~1 ms of work).
_PROGRESS_STEPS = 20_000
#: SQLite page cache of a writer: large enough that a province's indexes stay in memory.
_WRITE_CACHE_KIB = 128 * 1024
#: Rows inserted into an empty table from which its indexes are made afterwards, by sorting.
_REINDEX_ROWS = 50_000
#: Rows the model is made of at a time (read back, or as inserted: the table rows of a chunk,
#: their JSON included, are held until it is written, ~10 MiB).
_CHUNK_ROWS = 20_000
#: Rows a read inside a transaction fetches at a time (:meth:`EmbeddedStore._iter_data`).
_READ_CHUNK = 10_000


class StoreBusyError(StoreError):
    """Another process holds the write lock on the file for longer than we wait."""


_NODE_COLS = ("id", "label", "kind", "name", "valid_from", "valid_to", *NODE_HOT)
#: the in-memory columns of each graph table, which a migration adds if a file lacks them
_HOT_COLUMNS = {"nodes": NODE_HOT, "edges": EDGE_HOT}
#: The edge columns that become graph attributes.
_EDGE_ATTR_COLS = ("type", "kind", "valid_from", "valid_to", *EDGE_HOT)
_EDGE_COLS = ("key", "src", "dst", *_EDGE_ATTR_COLS)


#: the snapshot's bytes, in parts: SQLite holds at most ~1 GB in one value, and the model of
#: a 5M-node province is more (made by a snapshot's first save in a file of schema 7 before it)
_SNAPSHOT_PARTS = (
    "CREATE TABLE IF NOT EXISTS snapshot_parts (part INTEGER PRIMARY KEY, data BLOB NOT NULL)"
)
#: bytes in one part of the snapshot
_PART_BYTES = 1 << 28


def _ddl() -> str:
    node_hot = "".join(f", {c}" for c in NODE_HOT)
    edge_hot = "".join(f", {c}" for c in EDGE_HOT)
    names = ";\n    ".join(name_index.DDL)
    record_time = ";\n    ".join(embedded_history.DDL)
    return f"""
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS nodes (
        id TEXT PRIMARY KEY, label TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
        valid_from TEXT, valid_to TEXT{node_hot}, data TEXT NOT NULL, gen INTEGER NOT NULL);
    -- (no index of label and kind: no read uses one, and a province's load made it in 3 s)
    CREATE INDEX IF NOT EXISTS nodes_gen ON nodes (gen);
    CREATE TABLE IF NOT EXISTS edges (
        eid INTEGER PRIMARY KEY,  -- the graph's edge key: an alias of rowid that VACUUM keeps
        key TEXT NOT NULL UNIQUE, type TEXT NOT NULL, src TEXT NOT NULL, dst TEXT NOT NULL,
        kind TEXT, valid_from TEXT, valid_to TEXT{edge_hot}, data TEXT NOT NULL,
        gen INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS edges_gen ON edges (gen);
    CREATE INDEX IF NOT EXISTS edges_src ON edges (src);
    CREATE INDEX IF NOT EXISTS edges_dst ON edges (dst);
    CREATE TABLE IF NOT EXISTS transfers (
        id TEXT PRIMARY KEY, org TEXT NOT NULL, date TEXT, data TEXT NOT NULL,
        gen INTEGER NOT NULL DEFAULT 0);
    CREATE INDEX IF NOT EXISTS transfers_org ON transfers (org);
    CREATE TABLE IF NOT EXISTS sources (
        id TEXT PRIMARY KEY, data TEXT NOT NULL, gen INTEGER NOT NULL DEFAULT 0);
    -- edges a write removed (a line's records replaced by its assembled history): the
    -- graphs of open stores catch up with them as with new rows
    CREATE TABLE IF NOT EXISTS removed (
        eid INTEGER NOT NULL, src TEXT NOT NULL, dst TEXT NOT NULL, type TEXT NOT NULL,
        gen INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS removed_gen ON removed (gen);
    -- people's judgements of candidate duplicates, history included: at most one standing
    -- (ended_at NULL) per pair
    CREATE TABLE IF NOT EXISTS judgements (
        id TEXT PRIMARY KEY, a TEXT NOT NULL, b TEXT NOT NULL, recorded_at TEXT NOT NULL,
        ended_at TEXT, data TEXT NOT NULL, gen INTEGER NOT NULL DEFAULT 0, ended_gen INTEGER);
    CREATE INDEX IF NOT EXISTS judgements_pair ON judgements (a, b, recorded_at);
    CREATE UNIQUE INDEX IF NOT EXISTS judgements_standing ON judgements (a, b)
        WHERE ended_at IS NULL;
    CREATE TABLE IF NOT EXISTS snapshot (
        id INTEGER PRIMARY KEY CHECK (id = 1), generation INTEGER NOT NULL,
        format INTEGER NOT NULL, data BLOB NOT NULL);
    {_SNAPSHOT_PARTS};
    -- the names search reads (stores.name_index)
    {names};
    -- the load log and every replaced version (stores.embedded_history)
    {record_time};
    """


def _write_parts(conn: sqlite3.Connection, size: int, pieces: list[tuple[int, memoryview]]) -> None:
    """Write a snapshot of ``size`` bytes into ``snapshot_parts``, straight from its pieces
    (:func:`model.snapshot_pieces`): each part is made of zeros, then the pieces that fall in
    it are written in place."""
    for part, start in enumerate(range(0, size, _PART_BYTES)):
        end = min(start + _PART_BYTES, size)
        conn.execute("INSERT INTO snapshot_parts VALUES (?, zeroblob(?))", (part, end - start))
        with conn.blobopen("snapshot_parts", "data", part) as blob:
            for at, piece in pieces:
                low, high = max(at, start), min(at + len(piece), end)
                if low < high:
                    blob.seek(low - start)
                    blob.write(piece[low - at : high - at])


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _snapshot_bytes(conn: sqlite3.Connection) -> bytearray:
    """The snapshot's bytes, its parts read a slice at a time into one buffer (reading the
    values would hold them twice at once: SQLite's copy and Python's)."""
    parts = conn.execute("SELECT part, length(data) FROM snapshot_parts ORDER BY part").fetchall()
    data = bytearray(sum(size for _, size in parts))
    at = 0
    for part, size in parts:
        with conn.blobopen("snapshot_parts", "data", part, readonly=True) as blob:
            for start in range(0, size, 1 << 24):
                chunk = blob.read(1 << 24)
                data[at + start : at + start + len(chunk)] = chunk
        at += size
    return data


def _moved_on(current: Model, conn: sqlite3.Connection, generation: int) -> tuple[Model, int]:
    """The model at ``generation`` (read in ``conn``'s transaction), and how many rows that
    took: ``current`` moved on by the rows of later generations, or built anew from every
    row when they are many (or ``current`` is of a later generation: a file replaced)."""
    old = current.generation
    changed = conn.execute(
        "SELECT (SELECT count(*) FROM nodes WHERE gen > ?1) "
        "+ (SELECT count(*) FROM edges WHERE gen > ?1)",
        (old,),
    ).fetchone()[0]
    size = len(current) + current.edge_count
    if old > generation or changed > REBUILD_SHARE * size:
        return _built(conn, generation), changed
    removed_keys = [r[0] for r in conn.execute("SELECT eid FROM removed WHERE gen > ?", (old,))]
    removed_ids = [r[0] for r in conn.execute("SELECT id FROM removed_nodes WHERE gen > ?", (old,))]
    node_rows = conn.execute(
        f"SELECT {', '.join(_NODE_COLS)} FROM nodes WHERE gen > ? ORDER BY id", (old,)
    ).fetchall()
    edge_rows = conn.execute(
        f"SELECT src, dst, rowid, {', '.join(_EDGE_ATTR_COLS)} FROM edges WHERE gen > ?", (old,)
    ).fetchall()
    try:
        moved = current.updated(generation, node_rows, edge_rows, removed_keys, removed_ids)
    except ValueError as exc:  # the rows do not fit the model (never seen): start afresh
        log.warning("the graph could not be moved on (%s); building it from the rows", exc)
        return _built(conn, generation), changed
    return moved, changed + len(removed_keys) + len(removed_ids)


def _built(conn: sqlite3.Connection, generation: int) -> Model:
    """The model of every row (read in ``conn``'s transaction, a chunk at a time)."""
    nodes = conn.execute(f"SELECT {', '.join(_NODE_COLS)} FROM nodes ORDER BY id")
    edges = conn.execute(f"SELECT src, dst, rowid, {', '.join(_EDGE_ATTR_COLS)} FROM edges")
    return Model.built(generation, _chunks(nodes), _chunks(edges))


def _chunks(cursor: sqlite3.Cursor, size: int = _CHUNK_ROWS) -> Iterator[list[Any]]:
    while rows := cursor.fetchmany(size):
        yield rows


def _line_keys(
    graph: Model,
    node_id: str,
    direction: Direction,
    types: Collection[str] | None,
    as_of: date | None,
) -> list[int]:
    """The keys of a node's lines (of ``types``, holding on ``as_of``), sorted."""
    at = graph.ids.find(node_id)
    if at < 0:
        return []
    ways = {"out": ("out",), "in": ("in",), "both": ("out", "in")}[direction]
    lines = np.concatenate([graph.lines_at(at, way) for way in ways])
    if types is not None:
        codes = [graph.types.codes[t] for t in types if t in graph.types.codes]
        lines = lines[np.isin(graph.type[lines], codes)]
    if as_of is not None:
        on = as_of.toordinal()
        lines = lines[(graph.edge_start[lines] <= on) & (on < graph.edge_end[lines])]
    return sorted(set(graph.key[lines].tolist()))


@contextmanager
def _stopped_at_deadline(conn: sqlite3.Connection) -> Iterator[None]:
    """Under a query time limit (:mod:`stores.deadline`), SQLite statements of the block stop
    when it passes: SQLite asks a progress handler every few thousand VM steps, and aborts
    the statement when it answers true. Installed only after catching up, so a catch-up is
    never cut half-way."""
    if current_limit() is None:
        yield
        return
    conn.set_progress_handler(expired, _PROGRESS_STEPS)
    try:
        yield
    except sqlite3.OperationalError as exc:
        if expired():
            raise QueryTimeoutError(current_limit()) from exc
        raise
    finally:
        conn.set_progress_handler(None, 0)


def _node_cols(node: Node) -> tuple[Any, ...]:
    """The ``_NODE_COLS`` values of a node."""
    hot = tuple(node.props.get(name) for name in NODE_HOT)
    return (
        node.id,
        node.label,
        node.kind,
        node.name,
        _iso(node.valid_from),
        _iso(node.valid_to),
        *hot,
    )


def _edge_cols(edge: Edge) -> tuple[Any, ...]:
    """The ``_EDGE_COLS`` values of an edge; ``[3:]`` are its ``_EDGE_ATTR_COLS``."""
    hot = tuple(edge.props.get(name) for name in EDGE_HOT)
    return (
        edge.key,
        edge.src,
        edge.dst,
        edge.type,
        edge.kind,
        _iso(edge.valid_from),
        _iso(edge.valid_to),
        *hot,
    )


class _IsoDates(dict[date | None, str | None]):
    """``date`` → its ``YYYY-MM-DD`` text (``None`` → ``None``), each worked out once."""

    def __init__(self) -> None:
        super().__init__({None: None})

    def __missing__(self, day: date | None) -> str | None:
        text = self[day] = day.isoformat() if day is not None else None
        return text


def _positions(fields: Sequence[str], names: Sequence[str]) -> Callable[[Row], tuple[Any, ...]]:
    """A function picking the values of ``names`` from a row of ``fields``, as a tuple."""
    at = [fields.index(name) for name in names]
    if not at:
        return lambda row: ()
    pick = itemgetter(*at)
    return pick if len(at) > 1 else lambda row: (pick(row),)


#: a node row's id, name, English name and aliases (what the index of names takes)
_NODE_NAMES = itemgetter(0, 3, NODE_ROW.index("name_en"), NODE_ROW.index("aliases"))


def _node_table_rows(rows: Iterable[Row]) -> Iterator[tuple[Any, ...]]:
    """``_NODE_COLS`` and data of node rows (:data:`graph_schema.rows.NODE_ROW`)."""
    iso, hot = _IsoDates(), _positions(NODE_ROW, NODE_HOT)
    for row in rows:
        yield (
            row[0],
            row[1],
            row[2],
            row[3],
            iso[row[4]],
            iso[row[5]],
            *hot(row),
            row_json("node", row),
        )


def _edge_table_rows(rows: Iterable[Row]) -> Iterator[tuple[Any, ...]]:
    """``_EDGE_COLS`` and data of edge rows (:data:`graph_schema.rows.EDGE_ROW`)."""
    iso, hot = _IsoDates(), _positions(EDGE_ROW, EDGE_HOT)
    for row in rows:
        start = iso[row[4]]
        yield (
            f"{row[0]}|{row[1]}|{row[2]}|{row[3] or ''}|{start or ''}",
            row[1],
            row[2],
            row[0],
            row[3],
            start,
            iso[row[5]],
            *hot(row),
            row_json("edge", row),
        )


def _transfer_table_rows(rows: Iterable[Row]) -> Iterator[tuple[Any, ...]]:
    iso = _IsoDates()
    return ((row[0], row[1], iso[row[3]], row_json("transfer", row)) for row in rows)


def _source_table_rows(rows: Iterable[Row]) -> Iterator[tuple[Any, ...]]:
    return ((row[0], row_json("source", row)) for row in rows)


def _judgement_json(judgement: Judgement) -> str:
    """The stored text of a judgement: its canonical dict, keys sorted."""
    return orjson.dumps(judgement_to_canonical(judgement), option=orjson.OPT_SORT_KEYS).decode()


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _let_go(rows: list[Row]) -> Iterator[Row]:
    """Each of ``rows``, which the list no longer holds once it is given (its items become
    None): rows written are freed as the write goes on, not at its end."""
    for at in range(len(rows)):
        row = rows[at]
        rows[at] = None  # type: ignore[call-overload]
        yield row


def _passed(
    rows: Iterable[tuple[Any, ...]], seen: Callable[[Sequence[tuple[Any, ...]]], None]
) -> Iterator[tuple[Any, ...]]:
    """``rows``, each chunk of them passed to ``seen`` before it is given on (the rows of a
    chunk given by ``chain``, without a Python step each)."""
    it = iter(rows)

    def chunks() -> Iterator[list[tuple[Any, ...]]]:
        while chunk := list(islice(it, _CHUNK_ROWS)):
            seen(chunk)
            yield chunk

    return chain.from_iterable(chunks())


def _meta_of(conn: sqlite3.Connection, key: str) -> str:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return str(row[0])


@contextmanager
def _write_transaction(path: Path, *, bulk: bool = False) -> Iterator[sqlite3.Connection]:
    """A connection of its own holding the file's write lock (waiting up to the busy
    timeout, else :class:`StoreBusyError`), committed if the block ends cleanly and rolled
    back otherwise. ``bulk``: a page cache large enough for a province's indexes."""
    conn = _connect(path)
    try:
        if bulk:
            conn.execute(f"PRAGMA cache_size = -{_WRITE_CACHE_KIB}")
            conn.execute("PRAGMA temp_store = MEMORY")
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreBusyError(
                f"{path} is being written by another load; try again when it has finished"
            ) from exc
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(
        path, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
    )
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.create_function(name_index.FOLD_FUNCTION, 1, str.lower, deterministic=True)
    return conn


class EmbeddedWriter:
    """One all-or-nothing write into an :class:`EmbeddedStore` (see :meth:`EmbeddedStore.writer`).

    Into an empty table, an upsert inserts its rows as they come (every one is new). Otherwise
    it stages them into a temporary table, works out which are new or changed with one join,
    keeps the versions it replaces (:mod:`stores.embedded_history`) and upserts only the
    changed rows. Graph changes are applied by the store after the commit. Every row written
    carries the write's load number (``gen``).
    """

    def __init__(self, conn: sqlite3.Connection, load: int) -> None:
        self._conn = conn
        #: the number this write will have in the load log (its rows' ``gen``)
        self.generation = load
        self.load = 0  # set once committed
        self.info = WriteInfo()
        self.summary = WriteSummary()
        #: the ids of the nodes this write has written (edges need no lookup for them), but
        #: for those the fresh model holds (:meth:`_unwritten`)
        self._written: set[str] = set()
        #: whether the names of every node this write has written are indexed already (by
        #: an insert into an empty table: :func:`name_index.index_new`)
        self._names_indexed = True
        #: judgements to end, then to write, once the write's nodes are in (``done``)
        self._ends: dict[tuple[str, str], tuple[str, str, str]] = {}
        self._judgements: dict[str, Judgement] = {}
        #: the model of the graph this write leaves, made from the rows it inserts, while it
        #: fills empty graph tables (a province's first load): no need to read them back
        self._fresh: model.Builder | None = None
        self._fresh_possible = True
        self._next_eid = 1

    @property
    def fresh(self) -> tuple[int, model.Builder] | None:
        """The generation and model of the graph this write leaves, if it filled empty graph
        tables and did nothing else to them (else None: the store reads the rows back)."""
        return (self.generation, self._fresh) if self._fresh is not None else None

    def _not_fresh(self) -> None:
        self._fresh, self._fresh_possible = None, False

    def _fresh_nodes(self, chunk: Sequence[tuple[Any, ...]]) -> None:
        """Node table rows just inserted into the empty table, for the fresh model (none
        after lines: then the rows are read back)."""
        if self._fresh is None and self._fresh_possible:
            self._fresh = model.Builder()
        if self._fresh is not None and self._fresh.ordered:
            self._not_fresh()
        if self._fresh is not None:
            self._fresh.add_nodes(list(zip(*chunk, strict=True)))

    def _unwritten(self, ids: Iterable[str]) -> set[str]:
        """Those of ``ids`` this write has not written (as far as it knows: a node the
        fresh model was given is written; if that model was given up, the file is asked)."""
        written = self._written
        fresh = self._fresh.index() if self._fresh is not None else {}
        return {i for i in ids if i not in written and i not in fresh}

    def _last_eid(self) -> int:
        return int(self._conn.execute("SELECT coalesce(max(eid), 0) FROM edges").fetchone()[0])

    def _fresh_lines(self, chunk: Sequence[tuple[Any, ...]]) -> None:
        """Edge table rows just inserted into the empty table, for the fresh model: their
        keys are the rowids SQLite gives rows inserted into an empty table, 1, 2, …"""
        assert self._fresh is not None
        columns = list(zip(*chunk, strict=True))
        keys = range(self._next_eid, self._next_eid + len(chunk))
        self._next_eid += len(chunk)
        self._fresh.add_lines([columns[1], columns[2], keys, *columns[3:]])

    def done(self) -> None:
        """The write is over: index the names of its nodes, write its judgements (after its
        nodes, which they name), then let go of what only it needed."""
        if not self._names_indexed:
            name_index.index_written(self._conn, self.generation)
        name_index.unindex_removed(self._conn, self.generation)
        self._end_judgements()
        self._write_judgements()
        self._written = set()

    def end_judgements(
        self, pairs: Iterable[tuple[str, str]], *, at: str, how: str, who: str
    ) -> None:
        self._ends.update((pair, (at, how, who)) for pair in pairs)

    def upsert_judgements(self, records: Iterable[Judgement]) -> None:
        self._judgements.update((j.id, j) for j in records)

    def _end_judgements(self) -> None:
        """End the standing judgement of each pair: its row is rewritten with the end (its
        verdict, who and when stay), never deleted."""
        for (a, b), (at, how, who) in sorted(self._ends.items()):
            row = self._conn.execute(
                "SELECT data FROM judgements WHERE a = ? AND b = ? AND ended_at IS NULL", (a, b)
            ).fetchone()
            if row is None:
                continue
            ended = replace(
                judgement_from_canonical(orjson.loads(row[0])), ended_at=at, ended=how, ended_by=who
            )
            self._conn.execute(
                "UPDATE judgements SET ended_at = ?, ended_gen = ?, data = ? WHERE id = ?",
                (at, self.generation, _judgement_json(ended), ended.id),
            )
            self.summary.add("judgement", "updated")

    def _write_judgements(self) -> None:
        if not self._judgements:
            return
        records = list(self._judgements.values())
        ends = self._unwritten(i for j in records for i in j.pair)
        missing = ends - self._existing(ends)
        if missing:
            raise UnknownNodeError(missing)
        rows = [(j.id, j.a, j.b, j.recorded_at, j.ended_at, _judgement_json(j)) for j in records]
        cols = ("id", "a", "b", "recorded_at", "ended_at")
        try:
            self._upsert("judgement", "judgements", cols, lambda: rows, len(rows))
        except sqlite3.IntegrityError as exc:
            if "judgements" not in str(exc):
                raise
            raise JudgementConflictError(self._doubly_standing()) from exc
        self._conn.execute(  # written already ended (an export's history): ended by this load
            "UPDATE judgements SET ended_gen = gen WHERE gen = ? AND ended_at IS NOT NULL "
            "AND ended_gen IS NULL",
            (self.generation,),
        )

    def _doubly_standing(self) -> list[tuple[str, str]]:
        """The pairs this write's judgements would leave with two standing ones."""
        standing = [j for j in self._judgements.values() if j.standing]
        found = []
        for j in standing:
            other = self._conn.execute(
                "SELECT id FROM judgements WHERE a = ? AND b = ? AND ended_at IS NULL",
                j.pair,
            ).fetchone()
            twice = sum(1 for k in standing if k.pair == j.pair) > 1
            if twice or (other is not None and other[0] != j.id):
                found.append(j.pair)
        return found

    def _existing(self, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` name nodes in the file."""
        found: set[str] = set()
        wanted = sorted(ids)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            found.update(
                r[0]
                for r in self._conn.execute(
                    f"SELECT id FROM nodes WHERE id IN ({', '.join('?' for _ in chunk)})", chunk
                )
            )
        return found

    def upsert_sources(self, records: Iterable[Source]) -> None:
        rows = list({s.id: (s.id, canonical_json(s)) for s in records}.values())
        self._upsert("source", "sources", ("id",), lambda: rows, len(rows))

    def upsert_transfers(self, records: Iterable[Transfer]) -> None:
        rows = list(
            {t.id: (t.id, t.org, _iso(t.date), canonical_json(t)) for t in records}.values()
        )
        self._upsert("transfer", "transfers", ("id", "org", "date"), lambda: rows, len(rows))

    def upsert_nodes(self, records: Iterable[Node]) -> None:
        by_id = {n.id: n for n in records}  # the last record of an id wins
        rows = [(*_node_cols(n), canonical_json(n)) for n in by_id.values()]
        self._upsert_nodes(
            lambda: rows,
            len(rows),
            by_id.keys(),
            lambda: (
                (n.id, n.name, n.props.get("name_en"), n.props.get("aliases"))
                for n in by_id.values()
            ),
        )

    def upsert_edges(self, records: Iterable[Edge]) -> None:
        by_key = {e.key: e for e in records}
        rows = [(*_edge_cols(e), canonical_json(e)) for e in by_key.values()]
        self._upsert_edges(
            lambda: rows, len(rows), (end for e in by_key.values() for end in (e.src, e.dst))
        )

    def upsert_rows(self, kind: str, rows: Sequence[Row]) -> None:
        """Upsert valid rows of one record kind (:mod:`graph_schema.rows`), as the upserts of
        their records would: what a load writes. The table rows are made from them as they
        are written, never all held at once, and a list of edge rows is emptied as they are
        written (the lines are most of a province's rows: each is let go of once written).
        Their ids (edges: keys) must be distinct (a load checks that): into an empty table,
        one given twice is an ``sqlite3.IntegrityError``."""
        if kind == "node":
            self._upsert_nodes(
                lambda: _node_table_rows(rows),
                len(rows),
                map(itemgetter(0), rows),
                lambda: map(_NODE_NAMES, rows),
            )
        elif kind == "edge":
            self._upsert_edges(
                lambda: _edge_table_rows(_let_go(rows) if isinstance(rows, list) else rows),
                len(rows),
                chain(map(itemgetter(1), rows), map(itemgetter(2), rows)),
            )
        elif kind == "transfer":
            self._upsert(
                "transfer",
                "transfers",
                ("id", "org", "date"),
                lambda: _transfer_table_rows(rows),
                len(rows),
            )
        elif kind == "source":
            self._upsert("source", "sources", ("id",), lambda: _source_table_rows(rows), len(rows))
        else:
            raise ValueError(f"not a record kind: {kind!r}")

    def _upsert_nodes(
        self,
        rows: Callable[[], Iterable[tuple[Any, ...]]],
        count: int,
        ids: Iterable[str],
        names: Callable[[], Iterable[name_index.NodeNames]],
    ) -> None:
        """Write node rows; ``names()`` gives their ids, names, English names and aliases in
        the same order, for the index of names when they are inserted into an empty table
        (else :meth:`done` indexes the names of every node the write wrote)."""
        seen = self._fresh_nodes if self._fresh_possible else None
        if self._upsert("node", "nodes", _NODE_COLS, rows, count, graph=True, seen=seen):
            if self._names_indexed:
                self._names_indexed = name_index.index_new(self._conn, names)
        else:
            relabelled = self._conn.execute(
                "SELECT s.id, n.label, s.label FROM _stage s JOIN nodes n ON n.id = s.id "
                "WHERE n.label != s.label"
            ).fetchall()
            if relabelled:
                raise LabelChangeError(relabelled)
            self._not_fresh()
            self._apply_stage("nodes", "id", _NODE_COLS)
            self._names_indexed = False
        if seen is None or self._fresh is None:  # (else the fresh model holds them)
            self._written.update(ids)

    def remove_edges(self, records: Iterable[Edge]) -> None:
        """Remove these edges (by key), noting each in ``removed`` for the graphs to catch
        up with."""
        self.remove("edge", (r.key for r in records))

    def remove(self, kind: str, ids: Iterable[str]) -> None:
        """Remove records by kind and id (edges: key), keeping their last versions; edges and
        nodes are noted for the graphs to catch up with (``removed``, ``removed_nodes``)."""
        if kind not in embedded_history.TABLES:
            raise ValueError(f"not a record kind: {kind!r}")
        table, key = embedded_history.TABLES[kind]
        wanted = sorted(set(ids))
        if wanted and kind in ("node", "edge"):
            self._not_fresh()
        if kind == "node":
            self._refuse_joined(wanted)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            embedded_history.keep_removed(self._conn, kind, chunk, self.generation)
            if kind == "edge":
                self._conn.execute(
                    "INSERT INTO removed (eid, src, dst, type, gen) SELECT eid, src, dst, type, "
                    f"{self.generation} FROM edges WHERE key IN ({marks})",
                    chunk,
                )
            elif kind == "node":
                self._conn.execute(
                    "INSERT INTO removed_nodes (id, label, gen) SELECT id, label, "
                    f"{self.generation} FROM nodes WHERE id IN ({marks})",
                    chunk,
                )
            gone = self._conn.execute(
                f"DELETE FROM {table} WHERE {key} IN ({marks})", chunk
            ).rowcount
            self.summary.add(kind, "removed", gone)

    def _refuse_joined(self, ids: Sequence[str]) -> None:
        """:class:`NodeInUseError` if lines still join any of these nodes."""
        uses: list[tuple[str, str]] = []
        for start in range(0, len(ids), 400):
            chunk = ids[start : start + 400]
            marks = ", ".join("?" for _ in chunk)
            uses.extend(
                self._conn.execute(
                    f"SELECT src, key FROM edges WHERE src IN ({marks}) UNION "
                    f"SELECT dst, key FROM edges WHERE dst IN ({marks})",
                    [*chunk, *chunk],
                ).fetchall()
            )
        if uses:
            raise NodeInUseError(uses)

    def _upsert_edges(
        self, rows: Callable[[], Iterable[tuple[Any, ...]]], count: int, ends: Iterable[str]
    ) -> None:
        ends = self._unwritten(ends)
        if ends:  # nodes of earlier writes: ask the file (before writing, if staged)
            found = self._existing(ends)
            if ends - found:
                raise UnknownNodeError(ends - found)
        seen = self._fresh_lines if self._fresh is not None else None
        if not self._upsert("edge", "edges", _EDGE_COLS, rows, count, graph=True, seen=seen):
            self._not_fresh()
            self._apply_stage("edges", "key", _EDGE_COLS)
        elif seen is None:
            self._not_fresh()  # lines into an empty table, their nodes written before
        elif self._last_eid() != self._next_eid - 1:
            self._not_fresh()  # (never seen: the rowids are not 1, 2, …)

    # -- writing and staging ---------------------------------------------------------------

    def _upsert(
        self,
        record_kind: str,
        table: str,
        cols: Sequence[str],
        rows: Callable[[], Iterable[tuple[Any, ...]]],
        count: int,
        *,
        graph: bool = False,
        seen: Callable[[Sequence[tuple[Any, ...]]], None] | None = None,
    ) -> bool:
        """Write ``rows()`` (``count`` of them: ``cols`` and data; distinct keys) into
        ``table``: inserted outright if the table is empty (True; each chunk of rows passed
        to ``seen`` as it is inserted), else staged and counted (False; graph tables are left
        for the caller to check and apply, the others are applied).

        A large insert into an empty table drops the table's secondary indexes first and
        makes them again after (in the same transaction): sorting once is much faster than
        inserting millions of keys one by one, and the indexes come out compact.
        """
        conn = self._conn
        if conn.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {table})").fetchone()[0]:
            columns = (*cols, "data", "gen")
            marks = ", ".join(["?"] * (len(cols) + 1) + [str(self.generation)])
            indexes = (
                conn.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                    "AND sql IS NOT NULL",
                    (table,),
                ).fetchall()
                if count >= _REINDEX_ROWS
                else []
            )
            for name, _ in indexes:
                conn.execute(f'DROP INDEX "{name}"')
            created = conn.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                rows() if seen is None else _passed(rows(), seen),
            ).rowcount
            for _, sql in indexes:
                conn.execute(sql)
            self.summary.add(record_kind, "created", created)
            return True
        self._stage_and_diff(record_kind, table, cols[0], cols, rows())
        if record_kind in embedded_history.TABLES:
            embedded_history.keep_replaced(conn, record_kind, self.generation)
        if not graph:
            self._apply_stage(table, cols[0], cols)
        return False

    def _stage_and_diff(
        self,
        record_kind: str,
        table: str,
        key: str,
        cols: Sequence[str],
        rows: Iterable[tuple[Any, ...]],
    ) -> None:
        """Stage ``rows`` in ``_stage``, list the keys that change in ``_changed``, count."""
        conn = self._conn
        col_list = ", ".join(cols)
        conn.execute("DROP TABLE IF EXISTS temp._stage")
        conn.execute(f"CREATE TEMP TABLE _stage AS SELECT {col_list}, data FROM {table} LIMIT 0")
        marks = ", ".join("?" for _ in range(len(cols) + 1))
        staged = conn.executemany(f"INSERT INTO _stage VALUES ({marks})", rows).rowcount
        conn.execute("DROP TABLE IF EXISTS temp._changed")
        conn.execute(
            f"CREATE TEMP TABLE _changed AS SELECT s.{key} AS k, t.{key} IS NULL AS created "
            f"FROM _stage s LEFT JOIN {table} t ON t.{key} = s.{key} "
            "WHERE t.data IS NULL OR t.data != s.data"
        )
        created, updated = conn.execute(
            "SELECT coalesce(sum(created), 0), coalesce(sum(1 - created), 0) FROM _changed"
        ).fetchone()
        self.summary.add(record_kind, "created", created)
        self.summary.add(record_kind, "updated", updated)
        self.summary.add(record_kind, "unchanged", staged - created - updated)

    def _apply_stage(self, table: str, key: str, cols: Sequence[str]) -> None:
        """Upsert the changed staged rows into ``table``, with this write's ``gen``."""
        all_cols = (*cols, "data", "gen")
        values = (*cols, "data", str(self.generation))
        updates = ", ".join(f"{c} = excluded.{c}" for c in all_cols if c != key)
        self._conn.execute(
            f"INSERT INTO {table} ({', '.join(all_cols)}) "
            f"SELECT {', '.join(values)} FROM _stage WHERE {key} IN (SELECT k FROM _changed) "
            f"ON CONFLICT ({key}) DO UPDATE SET {updates}"
        )


class EmbeddedStore:
    """The default store: see the module docstring.

    Parameters
    ----------
    path
        The SQLite file; created (with its folder) if missing.

    Examples
    --------
    >>> store = EmbeddedStore(tmp_path / "affgraph.db")  # doctest: +SKIP
    >>> with store.writer() as w:  # doctest: +SKIP
    ...     w.upsert_nodes([Node("a", "PartyOrg", "branch", "A branch")])
    """

    kind = "embedded"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = _connect(self.path)
        if not self._check_version():
            self._create()
        #: the graph as loaded (:mod:`stores.model`), of the generation the store reads
        self._model = Model.empty()
        #: what the named queries read: the model folded by the merges (None: to be worked
        #: out again, at the end of the next catch-up), and its columns once asked for
        self._view: Model | None = None
        self._columns: Columns | None = None
        #: the groups the queries read as one node
        self._merges = Merges()
        self._since_snapshot = 0
        self._data_version = -1
        with self._lock:
            self._load_snapshot()
            self._catch_up()

    # -- opening and reloading ---------------------------------------------------------------

    def _check_version(self) -> bool:
        """Whether the file is a store of this schema version already (then opening it only
        reads: no write lock, so it opens while another process loads). Refuses a file of
        another schema version before touching it."""
        has_meta = self._conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        ).fetchone()
        if not has_meta:
            return False
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            return False
        if row[0] in MIGRATES_FROM:
            self._migrate(row[0])
            return True
        if row[0] != SCHEMA_VERSION:
            self._conn.close()
            raise StoreError(
                f"{self.path} is an affgraph store of schema version {row[0]}; "
                f"this affgraph reads version {SCHEMA_VERSION}: load the data "
                "into a new store file"
            )
        return True

    def _migrate(self, version: str) -> None:
        """Bring a store file of an earlier schema version to this one, all or nothing:
        version 3 lacks the ``removed`` table and the in-memory columns of properties
        declared since (e.g. ``dual_line``), whose rows hold no such values yet; versions 3
        and 4 lack the ``judgements`` table; versions 3 to 5 lack the index of names, which is
        made from the nodes here; versions 3 to 6 lack the load log and the versions (every
        record becomes written by one ``migrated`` load: :func:`embedded_history.migrate_to_log`).
        Every statement of the DDL makes only what is missing (``IF NOT EXISTS``), so running
        it all adds exactly that."""
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                added = {t: tuple((c, "") for c in hot) for t, hot in _HOT_COLUMNS.items()}
                for table, columns in {**added, **embedded_history.ADDED_COLUMNS}.items():
                    have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
                    for column, declared in columns:
                        if have and column not in have:
                            conn.execute(f'ALTER TABLE {table} ADD COLUMN "{column}" {declared}')
                for statement in _ddl().split(";"):
                    conn.execute(statement)
                if int(version) < 6:
                    name_index.index_all(conn)
                if int(version) < 7:
                    generation = int(_meta_of(conn, "generation"))
                    embedded_history.migrate_to_log(conn, generation)
                    for key, value in (("last_load", generation), ("first_load", generation or 1)):
                        conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, str(value)))
                conn.execute(
                    "UPDATE meta SET value = ? WHERE key = 'schema_version'", (SCHEMA_VERSION,)
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as exc:
            self._conn.close()
            raise StoreBusyError(
                f"{self.path} (schema version {version}) could not be migrated to version "
                f"{SCHEMA_VERSION}: {exc}"
            ) from exc
        log.info("%s: migrated from schema version %s to %s", self.path, version, SCHEMA_VERSION)

    def _create(self) -> None:
        """Make the tables of a new store (the one time opening writes)."""
        try:
            self._conn.executescript(_ddl())
            self._conn.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,)
            )
            self._conn.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0')")
            self._conn.execute("INSERT OR IGNORE INTO meta VALUES ('last_load', '0')")
            self._conn.execute("INSERT OR IGNORE INTO meta VALUES ('first_load', '1')")
        except sqlite3.OperationalError as exc:
            self._conn.close()
            raise StoreBusyError(f"{self.path} could not be created: {exc}") from exc

    def _meta(self, key: str) -> str:
        return _meta_of(self._conn, key)

    def _load_snapshot(self) -> None:
        """Start from the saved snapshot, if there is a usable one (:func:`model.from_bytes`:
        plain arrays, so a shared file cannot run code)."""
        conn = self._conn
        conn.execute("BEGIN")
        try:
            row = conn.execute("SELECT generation, format FROM snapshot").fetchone()
            if row is None or row[1] != model.FORMAT:
                return
            data = _snapshot_bytes(conn)
        finally:
            conn.execute("COMMIT")
        try:
            found = model.from_bytes(data)
            if found.generation != row[0]:
                raise ValueError(f"it says generation {found.generation}, its row {row[0]}")
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            log.warning(
                "%s: ignoring an unreadable snapshot (%s); building from the rows", self.path, exc
            )
            return
        self._model = found

    def _catch_up(self, fresh: tuple[int, model.Builder] | None = None) -> int:
        """Move the model on by the rows of every generation it has not seen, and work the
        merged view out again; return how many rows were applied. ``fresh``: a generation
        and the model of the graph it left, made by the write (:attr:`EmbeddedWriter.fresh`),
        taken if the file is of that generation.

        Reads in one transaction (the caller's, if one is open), so the graph moves from one
        committed state to another. Call with the lock held.
        """
        conn = self._conn
        own = not conn.in_transaction
        with gc_paused():
            if own:
                conn.execute("BEGIN")
            try:
                generation = int(self._meta("generation"))
                applied = 0
                if fresh is not None and fresh[0] == generation:
                    self._model = fresh[1].model(generation)
                    applied = len(self._model) + self._model.edge_count
                    self._view = None
                elif generation != self._model.generation:
                    self._model, applied = _moved_on(self._model, conn, generation)
                    self._view = None
                if self._view is None:
                    self._refold()
            finally:
                if own:
                    conn.execute("COMMIT")
        self._data_version = self._read_data_version()
        self._since_snapshot += applied
        big = max(SNAPSHOT_MIN_ROWS, len(self._model) // 4)
        if self._since_snapshot >= big and not conn.in_transaction:
            self._try_snapshot()
        return applied

    @property
    def _generation(self) -> int:
        return self._model.generation

    # -- the merged view (stores.merges) ----------------------------------------------------

    def _refold(self) -> None:
        """Work out the groups of the standing ``same`` judgements (read in the catch-up's
        transaction) and fold the model by them. Call with the lock held."""
        pairs = self._conn.execute(
            "SELECT a, b FROM judgements WHERE ended_at IS NULL "
            "AND json_extract(data, '$.verdict') = 'same'"
        ).fetchall()
        labels = self._labels({i for pair in pairs for i in pair})
        self._merges = merges_of(pairs, labels) if pairs else Merges()
        self._view = self._model.folded(self._merges.into)
        self._columns = None

    def _labels(self, ids: Iterable[str]) -> dict[str, str]:
        """The labels of those of ``ids`` in the graph as loaded."""
        if not len(self._model):  # (a province's first load asks of every id it holds)
            return {}
        wanted = sorted(set(ids))
        names, codes = self._model.labels.names, self._model.label
        at = model.find_all(self._model.ids, wanted)
        return {i: names[codes[a]] for i, a in zip(wanted, at.tolist(), strict=True) if a >= 0}

    def merges(self) -> Merges:
        """The groups of ids the named queries read as one node (:mod:`stores.merges`)."""
        self.refresh()
        with self._lock:
            return self._merges

    def _try_snapshot(self) -> None:
        """Save a snapshot if the file is free now; a snapshot is only a speed-up, so a busy
        file or a full disk must never turn a committed write into a reported failure."""
        try:
            self.save_snapshot(wait=False)
        except sqlite3.Error as exc:
            log.warning(
                "%s: snapshot not saved (%s); opening will build from the rows", self.path, exc
            )

    def save_snapshot(self, *, wait: bool = True) -> bool:
        """Save the graph in the file so that opening it is fast; False if the file has
        moved on meanwhile (another process wrote; it will save its own) or, with
        ``wait=False``, if another process is writing it right now."""
        with self._lock:
            size, pieces = model.snapshot_pieces(self._model)
            conn = self._conn
            if not wait:
                conn.execute("PRAGMA busy_timeout = 0")
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                if wait:
                    raise
                return False
            finally:
                conn.execute(f"PRAGMA busy_timeout = {int(_BUSY_TIMEOUT_S * 1000)}")
            try:
                if int(self._meta("generation")) != self._generation:
                    conn.execute("ROLLBACK")
                    return False
                conn.execute(_SNAPSHOT_PARTS)
                conn.execute("DELETE FROM snapshot_parts")
                _write_parts(conn, size, pieces)
                conn.execute(
                    "INSERT OR REPLACE INTO snapshot VALUES (1, ?, ?, x'')",
                    (self._generation, model.FORMAT),
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._since_snapshot = 0
            self._data_version = self._read_data_version()
            return True

    def _read_data_version(self) -> int:
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def refresh(self) -> bool:
        """Catch up with writes by other processes; True if there were any."""
        with self._lock:
            if self._read_data_version() == self._data_version:
                return False
            return self._catch_up() > 0

    def state(self) -> tuple[str | None, int]:
        """(None, the generation the graph is of), read like any read: inside a
        :meth:`reading` block, the generation that block reads."""
        with self.reading() as graph:
            return (None, graph.generation)

    # -- writing ----------------------------------------------------------------------------

    @contextmanager
    def writer(self) -> Iterator[EmbeddedWriter]:
        """One all-or-nothing write, logged as one load (:mod:`stores.history`); see
        :class:`EmbeddedWriter`.

        Writers are serialised by SQLite's write lock: a second writer, in this process or
        another, waits up to 30 s and then gets :class:`StoreBusyError`. The cyclic GC is
        paused inside the block: a bulk load allocates millions of acyclic objects, and
        repeated full collections over them made loads several times slower.
        """
        with _write_transaction(self.path, bulk=True) as conn:
            load = int(_meta_of(conn, "last_load")) + 1
            writer = EmbeddedWriter(conn, load)
            with gc_paused():
                yield writer
            writer.done()
            embedded_history.log_write(conn, load, writer.info, writer.summary.counts)
            conn.execute("UPDATE meta SET value = ? WHERE key = 'last_load'", (str(load),))
            if writer.summary.changed:
                conn.execute("UPDATE meta SET value = ? WHERE key = 'generation'", (str(load),))
        writer.load = load
        if writer.summary.changed:
            with self._lock:
                self._catch_up(writer.fresh)

    # -- reading ----------------------------------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[Model]:
        """The current graph (the merged view the named queries read), held still for a
        consistent read (writes wait meanwhile). Read-only.

        Waiting for the lock counts against the query's time limit (:mod:`stores.deadline`).
        """
        with acquired(self._lock):
            conn = self._conn
            if conn.in_transaction:  # a nested read: the outer one holds the snapshot
                yield self._current_view()
                return
            # One read transaction for the whole read: the graph is caught up inside it, so
            # the rows a query fetches (names, provenance) are of the graph's generation even
            # if another process commits meanwhile.
            conn.execute("BEGIN")
            try:
                self._catch_up()
                with _stopped_at_deadline(conn):
                    yield self._current_view()
            finally:
                conn.execute("COMMIT")

    def _current_view(self) -> Model:
        if self._view is None:  # (only between a failed catch-up and the next)
            self._refold()
        assert self._view is not None
        return self._view

    @contextmanager
    def reading_graph(self) -> Iterator[Adjacency]:
        """:meth:`reading`, lending the graph as the traversals read it
        (:meth:`Model.adjacency`)."""
        with self.reading() as graph:
            yield graph.adjacency()

    def columns(self) -> Columns:
        """The graph as numpy columns, for whole-graph queries (see :mod:`stores.columns`):
        slices of the model's arrays, made once per generation and merged view."""
        with self.reading() as graph:
            if self._columns is None or self._columns.generation != graph.generation:
                self._columns = graph.columns()
            return self._columns

    def _by_keys(self, sql: str, keys: Iterable[Any]) -> Iterator[Any]:
        """Rows of ``sql`` (with ``{marks}`` for an IN list) for many keys, 500 at a time."""
        wanted = sorted(set(keys))
        with self._lock:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                yield from self._conn.execute(
                    sql.format(marks=", ".join("?" for _ in chunk)), chunk
                ).fetchall()

    def get_nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        self.refresh()
        nodes = (
            node_from_canonical(orjson.loads(data))
            for (data,) in self._by_keys("SELECT data FROM nodes WHERE id IN ({marks})", ids)
        )
        return {node.id: node for node in nodes}

    def search_names(
        self, needle: str, *, label: str | None, kind: str | None, limit: int, offset: int
    ) -> tuple[int, list[tuple[Node, Node, int]]]:
        """(how many nodes match, the page of them with the record and position of their
        best name): ranked and paged by the index (:func:`stores.name_index.search_page`),
        only the page's records read. A merged group is one node, found by any of its
        records' names."""
        with self.reading():
            groups = self._merges.groups
            merged = self._merged_names(groups) if groups else None
            total, hits = name_index.search_page(
                self._conn,
                needle.lower(),
                label=label,
                kind=kind,
                limit=limit,
                offset=offset,
                merged=merged,
            )
            matched = [groups[h.node][h.record] if h.record else h.node for h in hits]
            records = self.get_nodes([*(h.node for h in hits), *matched])
        return total, [
            (records[h.node], records[m], h.pos) for h, m in zip(hits, matched, strict=True)
        ]

    def _merged_names(self, groups: Mapping[str, tuple[str, ...]]) -> str:
        """The merged view's aliases for the name index, as JSON: alias, canonical id, its
        place in the group, the canonical name's length."""
        names = {c: n.name for c, n in self.get_nodes(groups).items()}
        return orjson.dumps(
            [
                [alias, canonical, at, len(names[canonical])]
                for canonical, group in groups.items()
                for at, alias in enumerate(group)
                if alias != canonical
            ]
        ).decode()

    def edge_records(self, rowids: Iterable[int]) -> dict[int, Edge]:
        """Full records of edges by their graph keys (SQLite rowids), with the ends the
        named queries read: an alias's line names its canonical node there (the records as
        loaded: :meth:`edges`, :meth:`iter_edges`)."""
        found = self._records_as_loaded(rowids)
        into = self._merges.into
        if not into:
            return found
        return {
            k: replace(e, src=into.get(e.src, e.src), dst=into.get(e.dst, e.dst))
            if e.src in into or e.dst in into
            else e
            for k, e in found.items()
        }

    def _records_as_loaded(self, rowids: Iterable[int]) -> dict[int, Edge]:
        return {
            rowid: edge_from_canonical(orjson.loads(data))
            for rowid, data in self._by_keys(
                "SELECT rowid, data FROM edges WHERE rowid IN ({marks})", rowids
            )
        }

    def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def get_node(self, node_id: str) -> Node | None:
        self.refresh()
        rows = self._fetch("SELECT data FROM nodes WHERE id = ?", (node_id,))
        return node_from_canonical(orjson.loads(rows[0][0])) if rows else None

    def nodes_named(self, names: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        found: dict[str, set[tuple[str, str]]] = {}
        sql = (
            "SELECT name, id, label FROM nodes WHERE name IN ({marks}) UNION "
            "SELECT a.value, n.id, n.label FROM nodes n, json_each(n.data, '$.aliases') a "
            "WHERE a.value IN ({marks})"
        )
        wanted = sorted(set(names))
        with self._lock:
            for start in range(0, len(wanted), 400):
                chunk = wanted[start : start + 400]
                marks = ", ".join("?" for _ in chunk)
                for name, node_id, label in self._conn.execute(
                    sql.format(marks=marks), [*chunk, *chunk]
                ):
                    found.setdefault(name, set()).add((node_id, label))
        return {name: sorted(nodes) for name, nodes in found.items()}

    def node_labels(self, ids: Iterable[str]) -> dict[str, str]:
        self.refresh()
        with self._lock:
            return self._labels(ids)

    def edges(
        self,
        node_id: str,
        *,
        direction: Direction = "out",
        types: Collection[str] | None = None,
        as_of: date | None = None,
    ) -> list[Edge]:
        self.refresh()
        with self._lock:
            rowids = _line_keys(self._model, node_id, direction, types, as_of)
            found = self._records_as_loaded(rowids).values()
        return sorted(found, key=edge_sort_key)

    def _iter_data(
        self, sql: str, params: Sequence[Any], build: Callable[[Any], Any]
    ) -> Iterator[Any]:
        """The records of ``sql``'s rows. Inside a read (:meth:`reading`: this thread holds
        the lock and one transaction throughout, as an export does) the rows are fetched a
        chunk at a time: an export of a province held every record's JSON at once (~1 GiB
        at 1M nodes). Outside one, all at once, so that they are of one state while other
        threads use the connection between chunks."""
        self.refresh()
        with self._lock:
            cursor = self._conn.execute(sql, params)
            chunked = self._conn.in_transaction
            rows = cursor.fetchmany(_READ_CHUNK) if chunked else cursor.fetchall()
        while rows:
            for (data,) in rows:
                yield build(orjson.loads(data))
            if not chunked:
                return
            with self._lock:
                rows = cursor.fetchmany(_READ_CHUNK)

    def iter_nodes(self, *, label: str | None = None, kind: str | None = None) -> Iterator[Node]:
        return self._iter_data(
            "SELECT data FROM nodes WHERE (?1 IS NULL OR label = ?1) AND (?2 IS NULL OR kind = ?2)"
            " ORDER BY id",
            (label, kind),
            node_from_canonical,
        )

    def nodes_after(self, after: str | None, limit: int) -> list[Node]:
        """The first ``limit`` nodes by id after ``after`` (None: from the first): a page of
        the nodes for a reader that must not hold them all, e.g. the duplicate candidates
        (:mod:`dedupe.cache`); pages of one state only within one read."""
        self.refresh()
        if after is None:
            rows = self._fetch("SELECT data FROM nodes ORDER BY id LIMIT ?", (limit,))
        else:
            sql = "SELECT data FROM nodes WHERE id > ? ORDER BY id LIMIT ?"
            rows = self._fetch(sql, (after, limit))
        return [node_from_canonical(orjson.loads(data)) for (data,) in rows]

    def iter_edges(self, *, types: Collection[str] | None = None) -> Iterator[Edge]:
        wanted = None if types is None else set(types)
        for edge in self._iter_data("SELECT data FROM edges ORDER BY key", (), edge_from_canonical):
            if wanted is None or edge.type in wanted:
                yield edge

    def get_source(self, source_id: str) -> Source | None:
        rows = self._fetch("SELECT data FROM sources WHERE id = ?", (source_id,))
        return source_from_canonical(orjson.loads(rows[0][0])) if rows else None

    def iter_sources(self) -> Iterator[Source]:
        return self._iter_data("SELECT data FROM sources ORDER BY id", (), source_from_canonical)

    def iter_transfers(self, *, org: str | None = None) -> Iterator[Transfer]:
        # one organization's by the index on org (SQLite uses no index for "?1 IS NULL OR")
        where, params = ("WHERE org = ? ", (org,)) if org is not None else ("", ())
        return self._iter_data(
            f"SELECT data FROM transfers {where}ORDER BY date IS NOT NULL, date, id",
            params,
            transfer_from_canonical,
        )

    def iter_judgements(
        self, *, standing: bool = False, pair: tuple[str, str] | None = None
    ) -> Iterator[Judgement]:
        a, b = pair if pair is not None else (None, None)
        return self._iter_data(
            "SELECT data FROM judgements WHERE (?1 = 0 OR ended_at IS NULL) "
            "AND (?2 IS NULL OR (a = ?2 AND b = ?3)) ORDER BY a, b, recorded_at, id",
            (int(standing), a, b),
            judgement_from_canonical,
        )

    def counts(self) -> StoreCounts:
        self.refresh()
        with self._lock:
            transfers, sources = self._conn.execute(
                "SELECT (SELECT count(*) FROM transfers), (SELECT count(*) FROM sources)"
            ).fetchone()
            return StoreCounts(  # (a label whose last node a revert removed counts 0)
                dict(sorted(self._model.node_counts().items())),
                dict(sorted(self._model.edge_counts().items())),
                transfers,
                sources,
            )

    # -- record time: the load log and the kept versions (stores.history) ------------------

    def last_load(self) -> int:
        with self.reading():
            return int(self._meta("last_load"))

    def first_load(self) -> int:
        with self.reading():
            return int(self._meta("first_load"))

    def loads(self, *, limit: int = 100, offset: int = 0) -> tuple[int, list[LoadEntry]]:
        with self.reading():
            return embedded_history.loads(self._conn, limit, offset)

    def load_entry(self, number: int) -> LoadEntry | None:
        with self.reading():
            return embedded_history.load_entry(self._conn, number)

    def load_at(self, when: str) -> int | None:
        with self.reading():
            return embedded_history.load_at(self._conn, when)

    def changed_by(self, number: int) -> list[Change]:
        with self.reading():
            return embedded_history.changed_by(self._conn, number)

    def changes(
        self, number: int, *, limit: int = 100, offset: int = 0
    ) -> tuple[int, list[Change]]:
        with self.reading():
            return embedded_history.changes(self._conn, number, limit, offset)

    def revisions(self, kind: str, record_id: str) -> list[Revision]:
        with self.reading():
            return embedded_history.revisions(self._conn, kind, record_id)

    def changed_after(self, keys: Iterable[RecordKey], number: int) -> dict[RecordKey, int]:
        with self.reading():
            return embedded_history.changed_after(self._conn, keys, number)

    def records_at(self, number: int) -> RecordedRecords:
        with self.reading():
            return embedded_history.records_at(self._conn, number)

    def write_state_at(self, number: int, target: Path, message: str = "") -> None:
        """Write the records as they stood right after load ``number`` into a new store
        file ``target`` (which must not exist): what an as-recorded answer reads
        (:mod:`history.recorded`). Set-based: the current rows of that state are copied in
        SQL from this file, attached read-only; only the replaced versions still current then
        are decoded in Python. The copy keeps each row's ``gen`` (the load that wrote it)."""
        if target.exists():
            raise FileExistsError(target)
        conn = _connect(target)
        try:
            conn.executescript(_ddl())
            conn.execute("ATTACH DATABASE ? AS src", (f"{self.path.resolve().as_uri()}?mode=ro",))
            conn.execute("BEGIN")  # one read of the source: one state throughout
            try:
                self._copy_state(conn, number)
                name_index.index_all(conn)
                meta = {
                    "schema_version": SCHEMA_VERSION,
                    "generation": number,
                    "last_load": number,
                    "first_load": number,
                }
                conn.executemany(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                    [(k, str(v)) for k, v in meta.items()],
                )
                embedded_history.log_write(
                    conn, number, WriteInfo(kind="write", message=message), {}
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("DETACH DATABASE src")
        finally:
            conn.close()

    def _copy_state(self, conn: sqlite3.Connection, number: int) -> None:
        """Fill the tables of ``conn`` (a new file, ``src`` attached) with the state after
        load ``number``; each table's secondary indexes are made after its rows."""
        versions = embedded_history.versions_at(conn, number, schema="src")
        table_rows: dict[str, Callable[[Any, str, int], tuple[Any, ...]]] = {
            "sources": lambda r, data, gen: (r.id, data, gen),
            "nodes": lambda r, data, gen: (*_node_cols(r), data, gen),
            "edges": lambda r, data, gen: (*_edge_cols(r), data, gen),
            "transfers": lambda r, data, gen: (r.id, r.org, _iso(r.date), data, gen),
        }
        columns = {
            "sources": ("id",),
            "nodes": _NODE_COLS,
            "edges": _EDGE_COLS,
            "transfers": ("id", "org", "date"),
        }
        for kind, (table, _) in embedded_history.TABLES.items():
            cols = (*columns[table], "data", "gen")
            listed = ", ".join(cols)
            indexes = conn.execute(
                "SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND tbl_name = ? "
                "AND sql IS NOT NULL",
                (table,),
            ).fetchall()
            for name, _ in indexes:
                conn.execute(f'DROP INDEX main."{name}"')
            conn.execute(
                f"INSERT INTO main.{table} ({listed}) SELECT {listed} FROM src.{table} "
                "WHERE gen <= ?",
                (number,),
            )
            make = table_rows[table]
            conn.executemany(
                f"INSERT INTO main.{table} ({listed}) VALUES ({', '.join('?' for _ in cols)})",
                (make(record, data, gen) for record, data, gen in versions.get(kind, ())),
            )
            for _, sql in indexes:
                conn.execute(sql)
        conn.executemany(
            "INSERT INTO main.judgements (id, a, b, recorded_at, ended_at, data, gen, ended_gen)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    j.id,
                    j.a,
                    j.b,
                    j.recorded_at,
                    j.ended_at,
                    _judgement_json(j),
                    number,
                    None if j.ended_at is None else number,
                )
                for j in embedded_history.judgements_at(conn, number, schema="src")
            ),
        )

    def to_networkx(
        self,
        *,
        as_of: date | None = None,
        types: Collection[str] | None = None,
        root: str | None = None,
    ) -> nx.MultiDiGraph[str]:
        """The graph as a new networkx ``MultiDiGraph`` (:func:`exports.networkx.to_networkx`)."""
        from exports.networkx import to_networkx

        return to_networkx(self, as_of=as_of, types=types, root=root)

    def tags(self) -> dict[str, int]:
        with self.reading():
            return embedded_history.tags(self._conn)

    def set_tag(self, name: str, number: int) -> None:
        """Name a load: a small write of its own (not a load: it changes no record)."""
        with _write_transaction(self.path) as conn:
            embedded_history.set_tag(conn, name, number)

    def close(self) -> None:
        with self._lock:
            self._conn.close()
