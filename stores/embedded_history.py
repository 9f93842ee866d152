"""The embedded store's record time (:mod:`stores.history`), in SQL on its own file.

The record tables (``sources``, ``nodes``, ``edges``, ``transfers``) hold the current version
of each record, with the load that wrote it (``gen``), and nothing else: current-state reads
are as they were. A version a load replaces or removes moves to ``versions``, with the load
that wrote it and the one that replaced it, as the same canonical JSON. So:

* the state right after load *n* is the current rows with ``gen <= n`` plus the versions with
  ``written <= n < replaced`` (:func:`records_at`);
* what load *n* did is the rows it wrote (current rows with ``gen = n``, versions with
  ``written = n``) against the versions it replaced (``replaced = n``) (:func:`changed_by`;
  a page of it, keyed and counted in SQL: :func:`changes`).

A reload of unchanged records writes nothing here; the growth of the file is one copy of
each changed or removed record.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import orjson

from graph_schema.records import (
    Judgement,
    edge_from_canonical,
    judgement_from_canonical,
    node_from_canonical,
    source_from_canonical,
    transfer_from_canonical,
)
from stores.history import (
    RECORD_KINDS,
    Change,
    FileRef,
    LoadEntry,
    LoadKind,
    RecordedRecords,
    RecordKey,
    Revision,
    TagError,
    UnknownLoadError,
    WriteInfo,
    now_utc,
)

__all__ = [
    "DDL",
    "TABLES",
    "changed_after",
    "changed_by",
    "changes",
    "judgements_at",
    "keep_removed",
    "keep_replaced",
    "load_at",
    "load_entry",
    "loads",
    "log_write",
    "migrate_to_log",
    "records_at",
    "revisions",
    "set_tag",
    "tags",
    "versions_at",
]

#: record kind → (table, key column)
TABLES: Mapping[str, tuple[str, str]] = {
    "source": ("sources", "id"),
    "node": ("nodes", "id"),
    "edge": ("edges", "key"),
    "transfer": ("transfers", "id"),
}

_DECODE = {
    "source": source_from_canonical,
    "node": node_from_canonical,
    "edge": edge_from_canonical,
    "transfer": transfer_from_canonical,
}

#: The tables of record time (statements without ``;``). ``loads``: the log, one row per
#: write. ``versions``: every replaced or removed version. ``removed_nodes``: nodes a write
#: took away (a revert's), for open graphs to catch up with, as ``removed`` is for edges.
DDL = (
    "CREATE TABLE IF NOT EXISTS loads ("
    " n INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, who TEXT NOT NULL,"
    " message TEXT NOT NULL, files TEXT NOT NULL, counts TEXT NOT NULL, reverts INTEGER,"
    " forced TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS loads_at ON loads (at)",
    "CREATE INDEX IF NOT EXISTS loads_reverts ON loads (reverts) WHERE reverts IS NOT NULL",
    "CREATE TABLE IF NOT EXISTS versions ("
    " kind TEXT NOT NULL, id TEXT NOT NULL, written INTEGER NOT NULL,"
    " replaced INTEGER NOT NULL, data TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS versions_record ON versions (kind, id, written)",
    "CREATE INDEX IF NOT EXISTS versions_written ON versions (written)",
    "CREATE INDEX IF NOT EXISTS versions_replaced ON versions (replaced)",
    "CREATE TABLE IF NOT EXISTS tags (name TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS removed_nodes ("
    " id TEXT NOT NULL, label TEXT NOT NULL, gen INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS removed_nodes_gen ON removed_nodes (gen)",
    "CREATE INDEX IF NOT EXISTS sources_gen ON sources (gen)",
    "CREATE INDEX IF NOT EXISTS transfers_gen ON transfers (gen)",
)

#: Columns a schema-6 file lacks, added by the migration: table → (column, declaration).
ADDED_COLUMNS = {
    "sources": (("gen", "INTEGER NOT NULL DEFAULT 0"),),
    "transfers": (("gen", "INTEGER NOT NULL DEFAULT 0"),),
    "judgements": (("gen", "INTEGER NOT NULL DEFAULT 0"), ("ended_gen", "INTEGER")),
}


# -- writing ---------------------------------------------------------------------------------


def keep_replaced(conn: sqlite3.Connection, kind: str, load: int) -> None:
    """Keep the current versions of the staged records this write changes (``_changed``,
    not created) before they are overwritten."""
    table, key = TABLES[kind]
    conn.execute(
        f"INSERT INTO versions (kind, id, written, replaced, data) "
        f"SELECT ?, t.{key}, t.gen, ?, t.data FROM {table} t "
        f"JOIN _changed c ON t.{key} = c.k WHERE NOT c.created",
        (kind, load),
    )


def keep_removed(conn: sqlite3.Connection, kind: str, ids: Sequence[str], load: int) -> None:
    """Keep the current versions of these records, which the write is about to delete."""
    table, key = TABLES[kind]
    marks = ", ".join("?" for _ in ids)
    conn.execute(
        f"INSERT INTO versions (kind, id, written, replaced, data) "
        f"SELECT ?, {key}, gen, ?, data FROM {table} WHERE {key} IN ({marks})",
        (kind, load, *ids),
    )


def log_write(
    conn: sqlite3.Connection, load: int, info: WriteInfo, counts: Mapping[str, Mapping[str, int]]
) -> None:
    """Add the write's entry to the log (inside its transaction)."""
    conn.execute(
        "INSERT INTO loads (n, at, kind, who, message, files, counts, reverts, forced) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            load,
            now_utc(),
            info.kind,
            info.author(),
            info.message,
            orjson.dumps([[f.name, f.sha256, f.size] for f in info.files]).decode(),
            _counts_json(counts),
            info.reverts,
            orjson.dumps([list(k) for k in info.forced]).decode(),
        ),
    )


def _counts_json(counts: Mapping[str, Mapping[str, int]]) -> str:
    plain = {kind: dict(sorted(c.items())) for kind, c in sorted(counts.items())}
    return orjson.dumps(plain).decode()


def migrate_to_log(conn: sqlite3.Connection, generation: int) -> None:
    """Start the log of a file made before it (inside the migration's transaction): every
    record counts as written by one load of kind ``migrated``, numbered by the file's
    generation; earlier states were overwritten and cannot be asked for."""
    if generation <= 0:
        return
    for table, _ in TABLES.values():
        conn.execute(f"UPDATE {table} SET gen = ?", (generation,))
    conn.execute("UPDATE judgements SET gen = ?", (generation,))
    conn.execute("UPDATE judgements SET ended_gen = ? WHERE ended_at IS NOT NULL", (generation,))
    counts = {
        kind: {"created": conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]}
        for kind, (table, _) in TABLES.items()
    }
    log_write(
        conn,
        generation,
        WriteInfo(
            kind="migrated",
            who="affgraph",
            message=f"the store as it stood when its log began (after {generation} writes, "
            "whose earlier states were not kept)",
        ),
        {k: c for k, c in counts.items() if c["created"]},
    )


# -- the log ---------------------------------------------------------------------------------

_ENTRY = (
    "SELECT n, at, kind, who, message, files, counts, reverts, forced, "
    "(SELECT max(r.n) FROM loads r WHERE r.reverts = loads.n AND r.kind = 'revert'), "
    "(SELECT json_group_array(name) FROM (SELECT name FROM tags WHERE tags.n = loads.n "
    "ORDER BY name)) FROM loads"
)


def _entry(row: Sequence[Any]) -> LoadEntry:
    kind: LoadKind = row[2]
    return LoadEntry(
        number=row[0],
        at=row[1],
        kind=kind,
        who=row[3],
        message=row[4],
        files=tuple(FileRef(*f) for f in orjson.loads(row[5])),
        counts=orjson.loads(row[6]),
        reverts=row[7],
        forced=tuple(RecordKey(k, i) for k, i in orjson.loads(row[8])),
        reverted_by=row[9],
        tags=tuple(orjson.loads(row[10])),
    )


def loads(conn: sqlite3.Connection, limit: int, offset: int) -> tuple[int, list[LoadEntry]]:
    total = conn.execute("SELECT count(*) FROM loads").fetchone()[0]
    rows = conn.execute(f"{_ENTRY} ORDER BY n DESC LIMIT ? OFFSET ?", (limit, offset))
    return total, [_entry(r) for r in rows]


def load_entry(conn: sqlite3.Connection, number: int) -> LoadEntry | None:
    row = conn.execute(f"{_ENTRY} WHERE n = ?", (number,)).fetchone()
    return _entry(row) if row else None


def load_at(conn: sqlite3.Connection, when: str) -> int | None:
    found = conn.execute("SELECT max(n) FROM loads WHERE at <= ?", (when,)).fetchone()[0]
    return int(found) if found is not None else None


def tags(conn: sqlite3.Connection) -> dict[str, int]:
    return dict(conn.execute("SELECT name, n FROM tags ORDER BY name").fetchall())


def set_tag(conn: sqlite3.Connection, name: str, number: int) -> None:
    """Name a load (in the caller's write transaction); a tag never moves."""
    if not conn.execute("SELECT 1 FROM loads WHERE n = ?", (number,)).fetchone():
        raise UnknownLoadError(f"load {number}: there is no such load to tag")
    row = conn.execute("SELECT n FROM tags WHERE name = ?", (name,)).fetchone()
    if row is not None and row[0] != number:
        raise TagError(
            f"tag {name!r} already names load {row[0]}; a tag never moves (choose another name)"
        )
    conn.execute("INSERT OR IGNORE INTO tags (name, n) VALUES (?, ?)", (name, number))


# -- the versions ----------------------------------------------------------------------------


def _decoded(kind: str, data: str) -> Any:
    return _DECODE[kind](orjson.loads(data))


def changed_by(conn: sqlite3.Connection, number: int) -> list[Change]:
    """Every record load ``number`` created, updated or removed."""
    after: dict[RecordKey, str] = {}
    for kind, (table, key) in TABLES.items():
        for record_id, data in conn.execute(
            f"SELECT {key}, data FROM {table} WHERE gen = ?", (number,)
        ):
            after[RecordKey(kind, record_id)] = data
    for kind, record_id, data in conn.execute(
        "SELECT kind, id, data FROM versions WHERE written = ?", (number,)
    ):
        after[RecordKey(kind, record_id)] = data
    before = {
        RecordKey(kind, record_id): data
        for kind, record_id, data in conn.execute(
            "SELECT kind, id, data FROM versions WHERE replaced = ?", (number,)
        )
    }
    order = {kind: i for i, kind in enumerate(RECORD_KINDS)}
    keys = sorted({*after, *before}, key=lambda k: (order[k.kind], k.id))
    return [
        Change(
            k,
            _decoded(k.kind, before[k]) if k in before else None,
            _decoded(k.kind, after[k]) if k in after else None,
        )
        for k in keys
    ]


#: a record kind's place in the order of :func:`changed_by` (``RECORD_KINDS``), in SQL
_KIND_ORDER = (
    "CASE kind "
    + " ".join(f"WHEN '{kind}' THEN {i}" for i, kind in enumerate(RECORD_KINDS))
    + " END"
)

#: the keys of the records load ?1 changed, each once, as (kind's place, id): the rows it
#: wrote that are current, the versions it wrote that a later load replaced, and the ones it
#: replaced (a merge of sorted index scans: nothing is decoded, nothing held in Python)
_CHANGED_KEYS = " UNION ".join(
    [
        *(
            f"SELECT {RECORD_KINDS.index(kind)} AS k, {key} AS id FROM {table} WHERE gen = ?1"
            for kind, (table, key) in TABLES.items()
        ),
        f"SELECT {_KIND_ORDER}, id FROM versions WHERE written = ?1",
        f"SELECT {_KIND_ORDER}, id FROM versions WHERE replaced = ?1",
    ]
)


def changes(
    conn: sqlite3.Connection, number: int, limit: int, offset: int
) -> tuple[int, list[Change]]:
    """How many records load ``number`` changed, and the page ``offset``, ``limit`` of
    :func:`changed_by`'s list: the keys counted and paged in SQL, only the page's versions
    read and decoded (a 3.6M-record load is paged in seconds and a few MiB, not minutes
    and GiBs)."""
    total = conn.execute(f"SELECT count(*) FROM ({_CHANGED_KEYS})", (number,)).fetchone()[0]
    page = conn.execute(
        f"{_CHANGED_KEYS} ORDER BY 1, 2 LIMIT ?2 OFFSET ?3", (number, limit, offset)
    ).fetchall()
    return total, [_change_of(conn, RecordKey(RECORD_KINDS[k], i), number) for k, i in page]


def _change_of(conn: sqlite3.Connection, key: RecordKey, number: int) -> Change:
    """What load ``number`` did to one record, as :func:`changed_by` pairs it: after, the
    last version the load wrote that was replaced since, else the current row it wrote;
    before, the last version it replaced."""
    table, column = TABLES[key.kind]
    after = (
        conn.execute(
            "SELECT data FROM versions WHERE kind = ? AND id = ? AND written = ? "
            "ORDER BY rowid DESC LIMIT 1",
            (key.kind, key.id, number),
        ).fetchone()
        or conn.execute(
            f"SELECT data FROM {table} WHERE {column} = ? AND gen = ?", (key.id, number)
        ).fetchone()
    )
    before = conn.execute(
        "SELECT data FROM versions WHERE kind = ? AND id = ? AND replaced = ? "
        "ORDER BY rowid DESC LIMIT 1",
        (key.kind, key.id, number),
    ).fetchone()
    return Change(
        key,
        None if before is None else _decoded(key.kind, before[0]),
        None if after is None else _decoded(key.kind, after[0]),
    )


def revisions(conn: sqlite3.Connection, kind: str, record_id: str) -> list[Revision]:
    """Every version of one record, oldest first."""
    if kind not in TABLES:
        raise ValueError(f"not a record kind: {kind!r} (expected one of {', '.join(TABLES)})")
    table, key = TABLES[kind]
    rows: list[tuple[int, int | None, str]] = conn.execute(
        "SELECT written, replaced, data FROM versions WHERE kind = ? AND id = ? "
        f"UNION ALL SELECT gen, NULL, data FROM {table} WHERE {key} = ? ORDER BY 1",
        (kind, record_id, record_id),
    ).fetchall()
    return [Revision(_decoded(kind, data), written, replaced) for written, replaced, data in rows]


def changed_after(
    conn: sqlite3.Connection, keys: Iterable[RecordKey], number: int
) -> dict[RecordKey, int]:
    """For each record of ``keys`` that a load after ``number`` changed, the first such load."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for k in keys:
        by_kind[k.kind].append(k.id)
    found: dict[RecordKey, int] = {}
    for kind, ids in by_kind.items():
        table, key = TABLES[kind]
        wanted = sorted(set(ids))
        for start in range(0, len(wanted), 400):
            chunk = wanted[start : start + 400]
            marks = ", ".join("?" for _ in chunk)
            for record_id, first in conn.execute(
                "SELECT id, min(load) FROM ("
                f" SELECT {key} AS id, gen AS load FROM {table} WHERE {key} IN ({marks})"
                "  AND gen > ?"
                " UNION ALL SELECT id, CASE WHEN written > ? THEN written ELSE replaced END"
                f"  FROM versions WHERE kind = ? AND id IN ({marks}) AND replaced > ?"
                ") GROUP BY id",
                (*chunk, number, number, kind, *chunk, number),
            ):
                found[RecordKey(kind, record_id)] = first
    return found


def _state_at(conn: sqlite3.Connection, kind: str, number: int) -> list[Any]:
    """The records of one kind right after load ``number``, in the order the store's
    ``iter_*`` reads give them."""
    table, key = TABLES[kind]
    rows = conn.execute(
        f"SELECT data FROM (SELECT {key} AS id, data FROM {table} WHERE gen <= ?1"
        " UNION ALL SELECT id, data FROM versions WHERE kind = ?2 AND written <= ?1"
        " AND replaced > ?1) ORDER BY id",
        (number, kind),
    )
    records = [_decoded(kind, data) for (data,) in rows]
    if kind == "transfer":  # iter_transfers: undated first, then by date, then id
        records.sort(key=lambda t: (t.date is not None, t.date.isoformat() if t.date else ""))
    return records


def versions_at(
    conn: sqlite3.Connection, number: int, *, schema: str = "main"
) -> dict[str, list[tuple[Any, str, int]]]:
    """The replaced versions that were current right after load ``number``, by kind: each
    record, its stored text and the load that wrote it (the rest of that state is the
    current rows with ``gen <= number``)."""
    found: dict[str, list[tuple[Any, str, int]]] = defaultdict(list)
    for kind, data, written in conn.execute(
        f"SELECT kind, data, written FROM {schema}.versions WHERE written <= ?1 "
        "AND replaced > ?1 ORDER BY kind, id",
        (number,),
    ):
        found[kind].append((_decoded(kind, data), data, written))
    return found


def judgements_at(
    conn: sqlite3.Connection, number: int, *, schema: str = "main"
) -> list[Judgement]:
    """The judgements recorded by load ``number``, each as it stood right after it: one
    ended later was standing then (its end cleared)."""
    return [
        replace(j, ended_at=None, ended=None, ended_by=None) if ended else j
        for data, ended in conn.execute(
            "SELECT data, ended_gen IS NOT NULL AND ended_gen > ?1 "
            f"FROM {schema}.judgements WHERE gen <= ?1 ORDER BY a, b, recorded_at, id",
            (number,),
        )
        for j in (judgement_from_canonical(orjson.loads(data)),)
    ]


def records_at(conn: sqlite3.Connection, number: int) -> RecordedRecords:
    """Every record as the file held it right after load ``number`` (in the caller's read
    transaction: one state throughout), judgements standing then with their end cleared."""
    judgements = judgements_at(conn, number)
    return RecordedRecords(
        sources=_state_at(conn, "source", number),
        nodes=_state_at(conn, "node", number),
        edges=_state_at(conn, "edge", number),
        transfers=_state_at(conn, "transfer", number),
        judgements=judgements,
    )
