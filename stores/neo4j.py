"""The Neo4j store: the same :class:`stores.base.GraphStore` over a Bolt server.

Idiomatic use of the official driver: one ``Driver`` per store (per process), short sessions
that always name the database, managed transactions whose functions consume their results
and return plain values, and ``UNWIND $rows`` batches. Every Cypher text that names a label
or a relationship type is built from the schema declaration (:mod:`graph_schema.cypher`);
values travel only as parameters.

A write (``with store.writer() as w``) collects the records and sends them in one managed
write transaction when the block exits, so a failure anywhere leaves nothing behind.
The graph mapping is documented in :mod:`graph_schema.cypher`.

Every write is a load of the log (:mod:`stores.history`), numbered in the order writes
commit; the versions it replaces or removes are kept beside the graph (see "record time"
below), so the state right after any load can be read again.

A read of several transactions (``with store.reading():``) sees one state by an optimistic
check: a write that changes anything also sets the store's ``generation`` to its load
number, in the same transaction; each transaction of the read reads the generation (and the
store's epoch) before and after its work, in the same transaction, and if it moved, a write
committed in between and the read may have mixed two states: it raises
:class:`~stores.base.StoreChangedError` and :func:`~stores.base.read_consistently` makes it
again. (Neo4j's reads are read-committed, so one long query alone could see a commit part-way
as well; the same check covers it — short of a commit still being applied at the very moment
the closing check reads the generation, which no check without read locks can see.)
"""

from __future__ import annotations

import heapq
import uuid
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any, LiteralString, cast

import orjson
from neo4j import Driver, GraphDatabase, ManagedTransaction, Session, unit_of_work
from neo4j.exceptions import ConstraintError, DriverError, Neo4jError
from neo4j.time import Date as CypherDate

from graph_schema.cypher import (
    JUDGEMENT_LABEL,
    LOAD_LABEL,
    MERGED_LABEL,
    NODE_LABEL,
    SOURCE_LABEL,
    STORE_LABEL,
    TAG_LABEL,
    TRANSFER_LABEL,
    VERSION_LABEL,
    constraint_statements,
    cypher_active,
    history_statements,
)
from graph_schema.declaration import NODE_LABELS, REL_TYPES
from graph_schema.properties import (
    HASH_PROPERTY,
    edge_from_properties,
    edge_properties,
    judgement_from_properties,
    judgement_properties,
    node_from_properties,
    node_properties,
    record_properties,
    source_from_properties,
    transfer_from_properties,
)
from graph_schema.records import (
    Edge,
    Judgement,
    Node,
    Source,
    Transfer,
    canonical_json,
    edge_from_canonical,
    edge_sort_key,
)
from stores.base import (
    Direction,
    JudgementConflictError,
    LabelChangeError,
    StoreChangedError,
    StoreCounts,
    StoreError,
    UnknownNodeError,
    WriteSummary,
    read_consistently,
)
from stores.deadline import QueryTimeoutError, current_limit, remaining
from stores.history import (
    RECORD_KINDS,
    Change,
    FileRef,
    LoadEntry,
    NodeInUseError,
    RecordedRecords,
    RecordKey,
    Revision,
    TagError,
    UnknownLoadError,
    WriteInfo,
    now_utc,
)
from stores.merges import MERGED_DST, MERGED_SRC, Merges, merges_of

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["BATCH_SIZE", "Neo4jStore", "Neo4jWriter"]

#: Rows per ``UNWIND`` batch.
BATCH_SIZE = 2000
_PAGE = 5000
#: The server's codes for a transaction it stopped at its time limit (Neo4j 5 sends
#: ``…TransactionTimedOutClientConfiguration`` for the driver's timeout, ``…TransactionTimedOut``
#: for its own ``db.transaction.timeout``; ArcadeDB sends the latter).
_TIMED_OUT = "Neo.ClientError.Transaction.TransactionTimedOut"
#: How often a write whose load number another write took meanwhile is made again.
_NUMBER_ATTEMPTS = 20


def _q(text: str) -> LiteralString:
    """A query built only from schema names (never from input); see module docstring."""
    return text  # safe: only names from the schema declaration are interpolated


def _batches(rows: Sequence[Any], size: int = BATCH_SIZE) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _native(value: Any) -> Any:
    """Bolt values back to Python: Cypher dates to ``datetime.date``."""
    if isinstance(value, CypherDate):
        return value.to_native()
    if isinstance(value, list):
        return [_native(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    """A query result with Cypher dates turned into ``datetime.date``, at any depth."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return _native(value)


#: what a record's node or relationship carries beside its fields: the load that wrote its
#: version, and (a judgement) the load that ended it (see "record time" below)
_LOAD_PROPERTY, _ENDED_PROPERTY = "_load", "_ended_load"


def _native_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """A record's properties as its fields: dates native, record time left out."""
    return {k: _native(v) for k, v in values.items() if k not in (_LOAD_PROPERTY, _ENDED_PROPERTY)}


# -- Cypher, per label and type, from the declaration ----------------------------------------
#
# Each upsert is one statement per batch, so one round trip: it looks every row up, creates
# the missing ones, writes the changed ones (their ``_hash`` differs from the stored one),
# leaves the unchanged ones alone, and returns the counts of the write summary: ``rows`` that
# got that far, ``existing`` ones among them and ``unchanged`` ones among those. A conditional
# write is a ``FOREACH`` over a list of zero or one element, which Neo4j 5 and ArcadeDB both
# run. A missing node, line or record is created by MERGE where MERGE guards against a
# concurrent writer (Neo4j locks the ends of a line, or the unique ``id``, before creating);
# looking up first keeps MERGE off the rows that exist (on ArcadeDB a matching MERGE is
# several times slower than the lookup, so a reload of unchanged data costs lookups only).

_WHEN = "FOREACH (once IN CASE WHEN {test} THEN [1] ELSE [] END | {write})"


def _keep(var: str, kind: str, record_id: str, more: str = "") -> str:
    """Cypher that keeps the version ``var`` holds before it is replaced or removed: a
    ``:RecordVersion`` with its properties as they are, what record it is (``more``: its
    label, or its type and ends), the load that wrote it (missing: the migration's) and this
    load, which replaces it (see "record time" below)."""
    return (
        f"CREATE (v:{VERSION_LABEL}) SET v = properties({var}), v._v_kind = '{kind}', "
        f"v._v_id = {record_id}, {more}"
        f"v._v_written = coalesce({var}.{_LOAD_PROPERTY}, $migrated, 0), v._v_replaced = $load"
    )


_CHANGED = f"old IS NOT NULL AND (before IS NULL OR before <> r.{HASH_PROPERTY})"
_COUNTS = (
    f"count(*) AS rows, count(old) AS existing, "
    f"count(CASE WHEN before = r.{HASH_PROPERTY} THEN 1 END) AS unchanged"
)

# New nodes are created with both labels at once, and existing ones matched through
# ``:Node`` alone: a lookup naming two labels cannot use the ``Node.id`` index on every
# server (ArcadeDB scans), and adding a label after creation trips its unique constraint
# (so CREATE, the ``Node.id`` constraint refusing a concurrent duplicate). A node stored
# under another label is left alone and returned in ``relabelled``.
_MERGE_NODES = {
    label: _q(f"""
UNWIND $rows AS r
OPTIONAL MATCH (old:{NODE_LABEL} {{id: r.id}})
WITH r, old, old.{HASH_PROPERTY} AS before, [l IN labels(old) WHERE l <> '{NODE_LABEL}'] AS was
{_WHEN.format(test="old IS NULL", write=f"CREATE (n:{NODE_LABEL}:{label}) SET n = r")}
{
        _WHEN.format(
            test=f"'{label}' IN was AND {_CHANGED}",
            write=_keep("old", "node", "r.id", f"v._v_label = '{label}', ") + " SET old = r",
        )
    }
RETURN {_COUNTS},
       collect(CASE WHEN NOT '{label}' IN was THEN [r.id, was[0]] END) AS relabelled
""")
    for label in NODE_LABELS
}


# Per relationship type, two texts that differ only in the end a line is looked up from:
# ArcadeDB walks the lines of the first node of the pattern (OPTIONAL MATCH and MERGE alike),
# so from a body supervising 800 enterprises each lookup walks 800 lines, and from each
# enterprise a handful (Neo4j picks the cheaper end itself). :func:`_write_edges` starts from
# the end with more distinct ids in the write. A row whose end is missing stops at its MATCH:
# ``rows`` falls short.
#: a line's type and ends ``a`` and ``b``, kept with its version (a line the merged view
#: moved also keeps the marks of the ends it was loaded with)
_ENDS = "v._v_type = '{rel}', v._v_src = a.id, v._v_dst = b.id, "


def _keep_edge(rel: str, key: str = "row.key") -> str:
    return _keep("old", "edge", key, _ENDS.format(rel=rel))


def _merge_edges(rel: str, line: str) -> LiteralString:
    return _q(f"""
UNWIND $rows AS row
MATCH (a:{NODE_LABEL} {{id: row.src}})
MATCH (b:{NODE_LABEL} {{id: row.dst}})
OPTIONAL MATCH {line.format(var="old", rel=rel)}
WITH a, b, row, old, row.props AS r, old.{HASH_PROPERTY} AS before
{_WHEN.format(test="old IS NULL", write=f"MERGE {line.format(var='e', rel=rel)} SET e = r")}
{_WHEN.format(test=_CHANGED, write=_keep_edge(rel) + " SET old = r")}
RETURN {_COUNTS}
""")


_FROM_SRC = "(a)-[{var}:{rel} {{key: row.key}}]->(b)"
_FROM_DST = "(b)<-[{var}:{rel} {{key: row.key}}]-(a)"
_MERGE_EDGES = {
    (rel, from_dst): _merge_edges(rel, _FROM_DST if from_dst else _FROM_SRC)
    for rel in REL_TYPES
    for from_dst in (False, True)
}

# Lines taken out of the graph: moved by the merged view (no version: the records as
# loaded stay), or removed by a write (their last version kept), by record or by key.
_REMOVE_EDGES = {
    rel: _q(f"""
UNWIND $rows AS row
MATCH (:{NODE_LABEL} {{id: row.src}})-[e:{rel} {{key: row.key}}]->()
DELETE e
RETURN count(*) AS removed
""")
    for rel in REL_TYPES
}
_DROP_EDGES = {
    rel: _q(f"""
UNWIND $rows AS row
MATCH (a:{NODE_LABEL} {{id: row.src}})-[old:{rel} {{key: row.key}}]->(b)
{_keep_edge(rel)}
DELETE old
RETURN count(*) AS removed
""")
    for rel in REL_TYPES
}
# by key alone, for a key that does not name its start node (see ``_by_start``): a scan
_DROP_EDGE_KEYS = {
    rel: _q(f"""
UNWIND $ids AS id
MATCH (a)-[old:{rel} {{key: id}}]->(b)
{_keep_edge(rel, "id")}
DELETE old
RETURN count(*) AS removed
""")
    for rel in REL_TYPES
}
_DROP_RECORDS = {
    kind: _q(f"""
UNWIND $ids AS id
MATCH (old:{label} {{id: id}})
{_keep("old", kind, "id", more)}
DELETE old
RETURN count(*) AS removed
""")
    for kind, label, more in (
        ("node", NODE_LABEL, f"v._v_label = [l IN labels(old) WHERE l <> '{NODE_LABEL}'][0], "),
        ("source", SOURCE_LABEL, ""),
        ("transfer", TRANSFER_LABEL, ""),
    )
}
#: the lines that still join nodes a write would remove
_IN_USE = _q(f"""
UNWIND $ids AS id
MATCH (:{NODE_LABEL} {{id: id}})-[e]-()
RETURN id, e.key AS key
""")

_MISSING_IDS = _q(f"""
UNWIND $ids AS id
OPTIONAL MATCH (n:{NODE_LABEL} {{id: id}})
WITH id, n WHERE n IS NULL
RETURN id
""")


def _merge_records(label: str, kind: str) -> LiteralString:
    return _q(f"""
UNWIND $rows AS r
OPTIONAL MATCH (old:{label} {{id: r.id}})
WITH r, old, old.{HASH_PROPERTY} AS before
{_WHEN.format(test="old IS NULL", write=f"MERGE (n:{label} {{id: r.id}}) SET n = r")}
{_WHEN.format(test=_CHANGED, write=_keep("old", kind, "r.id") + " SET old = r")}
RETURN {_COUNTS}
""")


_MERGE_SOURCES = _merge_records(SOURCE_LABEL, "source")
_MERGE_TRANSFERS = _merge_records(TRANSFER_LABEL, "transfer")
# A judgement is never versioned (it is ended, not rewritten): it keeps the load that wrote
# it and the one that ended it (a judgement loaded already ended: this load), so that the
# judgements standing after any load can be told.
_MERGE_JUDGEMENTS = _q(f"""
UNWIND $rows AS r
OPTIONAL MATCH (old:{JUDGEMENT_LABEL} {{id: r.id}})
WITH r, old, old.{HASH_PROPERTY} AS before, old.{_LOAD_PROPERTY} AS wrote,
     CASE WHEN r.ended_at IS NULL THEN null
          WHEN old.ended_at IS NULL THEN $load
          ELSE coalesce(old.{_ENDED_PROPERTY}, $migrated, 0) END AS ended
{
    _WHEN.format(
        test="old IS NULL",
        write=f"MERGE (n:{JUDGEMENT_LABEL} {{id: r.id}}) SET n = r, n.{_LOAD_PROPERTY} = $load, "
        f"n.{_ENDED_PROPERTY} = ended",
    )
}
{
    _WHEN.format(
        test=_CHANGED,
        write=f"SET old = r, old.{_LOAD_PROPERTY} = wrote, old.{_ENDED_PROPERTY} = ended",
    )
}
RETURN {_COUNTS}
""")

# A pair's standing judgement(s): the one to end, or two that a write must not leave.
_STANDING = _q(f"""
UNWIND $pairs AS p
MATCH (j:{JUDGEMENT_LABEL} {{a: p.a}})
WHERE j.b = p.b AND j.ended_at IS NULL
RETURN j
""")

# The store's state (see the module docstring): one node with two counters: ``loads``, the
# number of the last write (every write is a load of the log), and ``generation``, the number
# of the last load that changed something. ``epoch`` is set when the node is made, so that a
# database emptied and loaded again does not repeat the generations a reader saw before. The
# node is made when a store is opened (:meth:`Neo4jStore.ensure_schema`): two first writes
# at once must not both create it. ``migrated``: the load a store made before the log was
# migrated as (see :meth:`Neo4jStore.ensure_schema`), whose records carry no ``_load``.
_STATE = _q(f"""
MATCH (s:{STORE_LABEL} {{id: 'store'}})
RETURN s.epoch AS epoch, s.generation AS generation, s.merges_at AS merges_at
""")
# ``merges_at``: the generation of the last write that changed the merged view (below), by
# which a read knows that the groups it kept from an earlier read still hold
_MAKE_STATE = _q(f"""
MERGE (s:{STORE_LABEL} {{id: 'store'}})
ON CREATE SET s.generation = 0, s.epoch = $epoch, s.loads = 0
""")
#: Every node label's type, made when a store opens: ArcadeDB makes a type for each set of
#: labels on its first use (``Node~PartyOrg``), and refuses a second write making the same
#: type at the same moment with a general error that names neither. A node of the label is
#: created (under an id no record has) and deleted by one statement, which leaves the type.
_MAKE_NODE_TYPES = {
    label: _q(f"CREATE (n:{NODE_LABEL}:{label} {{id: $id}}) DELETE n") for label in NODE_LABELS
}
# A write's first statement takes its number, so that the versions it keeps can name it:
# it also locks the state node (Neo4j) for the write, so that writes are numbered in the
# order they commit (ArcadeDB: a write that took a number another took meanwhile is made
# again, see ``Neo4jStore._commit``). It reads the merged view's nodes too (one round trip).
_BEGIN_LOAD = _q(f"""
MERGE (s:{STORE_LABEL} {{id: 'store'}})
ON CREATE SET s.generation = 0, s.epoch = $epoch, s.loads = 0
SET s.loads = coalesce(s.loads, 0) + 1
WITH s
OPTIONAL MATCH (m:{MERGED_LABEL})
RETURN s.loads AS load, s.migrated AS migrated, collect(properties(m)) AS merged
""")
_STATE_LOADS = _q(f"""
MATCH (s:{STORE_LABEL} {{id: 'store'}}) RETURN s.loads AS loads, s.generation AS generation
""")
# A write's last statement logs it; one that changed something (or moved the merged view)
# is the store's generation from now on (and the view's).
_LOG = _q(f"""
MATCH (s:{STORE_LABEL} {{id: 'store'}})
SET s.generation = CASE WHEN $changed THEN $load ELSE s.generation END,
    s.merges_at = CASE WHEN $moved THEN $load ELSE s.merges_at END
CREATE (l:{LOAD_LABEL}) SET l = $entry
""")
# A store made before the log: its generation becomes the number of one load, ``migrated``,
# that wrote every record it holds (none yet: nothing to log). One transaction: all or
# nothing; a second client migrating at the same moment is refused by the unique number.
_MIGRATE = _q(f"""
MATCH (s:{STORE_LABEL} {{id: 'store'}}) WHERE s.loads IS NULL
SET s.loads = coalesce(s.generation, 0),
    s.migrated = CASE WHEN s.generation > 0 THEN s.generation END
WITH s WHERE s.generation > 0
CREATE (l:{LOAD_LABEL}) SET l = $entry, l.number = s.generation
RETURN l.number AS number
""")

_State = tuple[str | None, int]  # (epoch, generation)


#: (epoch, merges_at): which merged view a store's groups were read from
_MergesAt = tuple[str | None, int]


def _state_and_merges(tx: ManagedTransaction) -> tuple[_State, _MergesAt]:
    found = tx.run(_STATE).single()
    if not found:
        return (None, 0), (None, 0)
    epoch = found["epoch"]
    return (epoch, int(found["generation"] or 0)), (epoch, int(found["merges_at"] or 0))


def _state(tx: ManagedTransaction) -> _State:
    return _state_and_merges(tx)[0]


@dataclass
class _OneState:
    """The check of one consistent read (:meth:`Neo4jStore.reading`): each of its
    transactions reads the store's state before and after its work, in the same transaction;
    all must equal the first. The generation only grows within an epoch, so the first read's
    state equal to the last one's means no write committed between them.

    A read that took the merged view's groups from an earlier read (``merges_seen``, see
    :meth:`Neo4jStore.merges`) also checks, before any work, that the view has not changed
    since; if it has, the kept groups are dropped (``stale``) and the read is made again."""

    location: str
    began: _State | None = None
    merges_seen: _MergesAt | None = None
    stale: Callable[[], None] | None = None

    def checked(
        self, work: Callable[[ManagedTransaction], Any]
    ) -> Callable[[ManagedTransaction], Any]:
        def run(tx: ManagedTransaction) -> Any:
            now, merges_at = _state_and_merges(tx)
            self._same(now)
            if self.merges_seen is not None and merges_at != self.merges_seen:
                if self.stale is not None:
                    self.stale()
                raise StoreChangedError(self.location, 1)
            result = work(tx)
            self._same(_state(tx))
            return result

        return run

    def _same(self, now: _State) -> None:
        if self.began is None:
            self.began = now
        elif now != self.began:
            raise StoreChangedError(self.location, 1)


#: The consistent read of each store (by ``id(store)``) open in this context: a new dict each
#: time, never changed in place.
_READS: ContextVar[dict[int, _OneState]] = ContextVar("neo4j_reads", default={})  # noqa: B039

_GET_NODE = _q(f"MATCH (n:{NODE_LABEL} {{id: $id}}) RETURN n")
_GET_SOURCE = _q(f"MATCH (s:{SOURCE_LABEL} {{id: $id}}) RETURN s")
_LABELS = _q(f"""
UNWIND $ids AS id MATCH (n:{NODE_LABEL} {{id: id}})
RETURN n.id AS id, [l IN labels(n) WHERE l <> '{NODE_LABEL}'] AS labels
""")

_NAMED = _q(f"""
UNWIND $names AS name
MATCH (n:{NODE_LABEL})
WHERE n.name = name OR name IN coalesce(n.aliases, [])
RETURN name, n.id AS id, [l IN labels(n) WHERE l <> '{NODE_LABEL}'] AS labels
""")

_ACTIVE = f"($as_of IS NULL OR {cypher_active('e')})"
_EDGES = {
    "out": _q(f"""
MATCH (n:{NODE_LABEL} {{id: $id}})-[e]->(m:{NODE_LABEL})
WHERE ($types IS NULL OR type(e) IN $types) AND {_ACTIVE}
RETURN type(e) AS type, n.id AS src, m.id AS dst, properties(e) AS props
"""),
    "in": _q(f"""
MATCH (n:{NODE_LABEL} {{id: $id}})<-[e]-(m:{NODE_LABEL})
WHERE ($types IS NULL OR type(e) IN $types) AND {_ACTIVE}
RETURN type(e) AS type, m.id AS src, n.id AS dst, properties(e) AS props
"""),
}

_MERGED_IDS = _q(f"MATCH (m:{MERGED_LABEL}) RETURN m.id AS id, m._into AS into")
_GET_MERGED = _q(f"MATCH (m:{MERGED_LABEL} {{id: $id}}) RETURN m")
_GET_NODES = _q(f"UNWIND $ids AS id MATCH (n:{NODE_LABEL} {{id: id}}) RETURN n")
_GET_MERGED_NODES = _q(f"UNWIND $ids AS id MATCH (m:{MERGED_LABEL} {{id: id}}) RETURN m")
_MERGED_LABELS = _q(f"""
MATCH (m:{MERGED_LABEL}) WHERE m.id IN $ids RETURN m.id AS id, m._label AS label
""")
_MERGED_NAMED = _q(f"""
UNWIND $names AS name
MATCH (m:{MERGED_LABEL})
WHERE m.name = name OR name IN coalesce(m.aliases, [])
RETURN name, m.id AS id, m._label AS label
""")

_PAGE_NODES = _q(f"""
MATCH (n:{NODE_LABEL})
WHERE n.id > $after AND ($kind IS NULL OR n.kind = $kind)
  AND ($label IS NULL OR $label IN labels(n))
RETURN n ORDER BY n.id LIMIT $limit
""")
_PAGE_EDGES = _q(f"""
MATCH (a:{NODE_LABEL})-[e]->(b:{NODE_LABEL})
WHERE e.key > $after AND ($types IS NULL OR type(e) IN $types)
RETURN type(e) AS type, a.id AS src, b.id AS dst, properties(e) AS props
ORDER BY e.key LIMIT $limit
""")
_PAGE_SOURCES = _q(f"""
MATCH (n:{SOURCE_LABEL}) WHERE n.id > $after RETURN n ORDER BY n.id LIMIT $limit
""")
_TRANSFERS = _q(f"""
MATCH (t:{TRANSFER_LABEL}) WHERE $org IS NULL OR t.org = $org RETURN t
""")
_JUDGEMENTS = _q(f"""
MATCH (j:{JUDGEMENT_LABEL})
WHERE ($standing = false OR j.ended_at IS NULL) AND ($a IS NULL OR (j.a = $a AND j.b = $b))
RETURN j
""")
_COUNT_LABEL = {label: _q(f"MATCH (n:{label}) RETURN count(n) AS n") for label in NODE_LABELS}
_COUNT_TYPE = {rel: _q(f"MATCH ()-[e:{rel}]->() RETURN count(e) AS n") for rel in REL_TYPES}
_COUNT_RECORDS = _q(f"""
CALL () {{ MATCH (n:{NODE_LABEL}) RETURN count(n) AS nodes }}
CALL () {{ MATCH (m:{MERGED_LABEL}) RETURN count(m) AS merged }}
CALL () {{ MATCH ()-[e]->() RETURN count(e) AS edges }}
CALL () {{ MATCH (m:{MERGED_LABEL}) RETURN sum(size(coalesce(m._inner, []))) AS inner }}
CALL () {{ MATCH (t:{TRANSFER_LABEL}) RETURN count(t) AS transfer }}
CALL () {{ MATCH (s:{SOURCE_LABEL}) RETURN count(s) AS source }}
RETURN nodes + merged AS node, edges + inner AS edge, transfer, source
""")
_COUNT_OTHER = _q(f"""
CALL () {{ MATCH (t:{TRANSFER_LABEL}) RETURN count(t) AS transfers }}
CALL () {{ MATCH (s:{SOURCE_LABEL}) RETURN count(s) AS sources }}
RETURN transfers, sources
""")


# -- records <-> properties (graph_schema.properties) ------------------------------------------


def _node_from(labels: Iterable[str], values: Mapping[str, Any]) -> Node:
    return node_from_properties(labels, _native_values(values))


def _edge_from(rel_type: str, src: str, dst: str, values: Mapping[str, Any]) -> Edge:
    """The edge record of a relationship, at the ends it was loaded with (a line moved onto
    a canonical node carries the id of the end that moved: see the merged view below)."""
    if MERGED_SRC in values or MERGED_DST in values:
        values = dict(values)
        src, dst = values.pop(MERGED_SRC, src), values.pop(MERGED_DST, dst)
    return edge_from_properties(rel_type, src, dst, _native_values(values))


def _merged_node(values: Mapping[str, Any]) -> Node:
    """The node record kept by a ``:MergedNode``."""
    props = {k: v for k, v in values.items() if k not in _MERGED_KEYS}
    return _node_from([values[_LABEL]], props)


def _transfer_from(values: Mapping[str, Any]) -> Transfer:
    return transfer_from_properties(_native_values(values))


def _source_from(values: Mapping[str, Any]) -> Source:
    return source_from_properties(_native_values(values))


def _judgement_from(values: Mapping[str, Any]) -> Judgement:
    return judgement_from_properties(_native_values(values))


# -- writing ---------------------------------------------------------------------------------


@dataclass
class Neo4jWriter:
    """Collects upserts; :meth:`Neo4jStore.writer` sends them in one transaction."""

    summary: WriteSummary = field(default_factory=WriteSummary)
    sources: dict[str, Source] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[str, Edge] = field(default_factory=dict)
    transfers: dict[str, Transfer] = field(default_factory=dict)
    removed: dict[str, Edge] = field(default_factory=dict)
    ends: dict[tuple[str, str], tuple[str, str, str]] = field(default_factory=dict)
    judgements: dict[str, Judgement] = field(default_factory=dict)
    #: record kind → ids (edges: keys) to remove, their last versions kept
    removals: dict[str, set[str]] = field(default_factory=dict)
    info: WriteInfo = field(default_factory=WriteInfo)
    #: the write's number in the load log, once committed
    load: int = 0

    def remove(self, kind: str, ids: Iterable[str]) -> None:
        if kind not in RECORD_KINDS:
            raise ValueError(f"unknown record kind {kind!r}: one of {', '.join(RECORD_KINDS)}")
        self.removals.setdefault(kind, set()).update(ids)

    def end_judgements(
        self, pairs: Iterable[tuple[str, str]], *, at: str, how: str, who: str
    ) -> None:
        self.ends.update((pair, (at, how, who)) for pair in pairs)

    def upsert_judgements(self, records: Iterable[Judgement]) -> None:
        self.judgements.update((r.id, r) for r in records)

    def upsert_sources(self, records: Iterable[Source]) -> None:
        self.sources.update((r.id, r) for r in records)

    def upsert_nodes(self, records: Iterable[Node]) -> None:
        self.nodes.update((r.id, r) for r in records)

    def upsert_edges(self, records: Iterable[Edge]) -> None:
        self.edges.update((r.key, r) for r in records)

    def upsert_transfers(self, records: Iterable[Transfer]) -> None:
        self.transfers.update((r.id, r) for r in records)

    def remove_edges(self, records: Iterable[Edge]) -> None:
        self.removed.update((r.key, r) for r in records)


@dataclass
class _Tally:
    """What the batches of one upsert statement returned, summed."""

    sent: int = 0
    rows: int = 0
    existing: int = 0
    unchanged: int = 0
    relabelled: list[tuple[str, str]] = field(default_factory=list)

    def count(self, record_kind: str, summary: WriteSummary) -> None:
        """Add the created, updated and unchanged counts to ``summary``."""
        summary.add(record_kind, "created", self.rows - self.existing)
        summary.add(record_kind, "updated", self.existing - self.unchanged)
        summary.add(record_kind, "unchanged", self.unchanged)


@dataclass(frozen=True)
class _Stamp:
    """The load a write is (its number) and the load a migrated store's unstamped records
    count as written by (None: not migrated): what the write's statements are given."""

    load: int
    migrated: int | None

    @property
    def params(self) -> dict[str, Any]:
        return {"load": self.load, "migrated": self.migrated}


def _run_batches(
    tx: ManagedTransaction, query: LiteralString, rows: list[dict[str, Any]], stamp: _Stamp
) -> _Tally:
    """Send ``rows`` to an upsert statement, ``BATCH_SIZE`` at a time; sum what it returns."""
    tally = _Tally(sent=len(rows))
    for batch in _batches(rows):
        found = tx.run(query, rows=list(batch), **stamp.params).single(strict=True)
        tally.rows += found["rows"]
        tally.existing += found["existing"]
        tally.unchanged += found["unchanged"]
        tally.relabelled.extend((k, old) for k, old in found.get("relabelled") or ())
    return tally


# -- the merged view (stores.merges), kept in the database -----------------------------------
#
# An alias of a merged group is taken out of ``:Node`` and its label: its node is replaced by a
# ``:MergedNode`` holding its properties, its label (``_label``), its canonical id (``_into``)
# and the lines inside its group (``_inner``, each a record's canonical JSON: a line joining
# the body to itself is out of the view). Each of its other lines is made again on the
# canonical node, carrying the loaded id of the end that moved (``_src``/``_dst``), so every
# named query's Cypher reads one node, unchanged. A write puts the graph back as loaded first
# (so it writes, counts and checks the records as ever, aliases included) and works out the
# projection again at its end, in the same transaction.

_INTO, _LABEL, _INNER = "_into", "_label", "_inner"
#: the loads that wrote the lines of ``_inner``, in its order (0: the migration's)
_INNER_LOADS = "_inner_loads"
_MERGED_KEYS = (_INTO, _LABEL, _INNER, _INNER_LOADS)

_MERGED = _q(f"MATCH (m:{MERGED_LABEL}) RETURN properties(m) AS props ORDER BY m.id")
_MERGED_OF = _q(f"""
MATCH (m:{MERGED_LABEL}) WHERE m.id = $id OR m.{_INTO} = $id
RETURN properties(m) AS props ORDER BY m.id
""")
_SAME_PAIRS = _q(f"""
MATCH (j:{JUDGEMENT_LABEL}) WHERE j.ended_at IS NULL AND j.verdict = 'same'
RETURN j.a AS a, j.b AS b
""")
_NODE_OF = _q(
    f"MATCH (n:{NODE_LABEL} {{id: $id}}) RETURN labels(n) AS labels, properties(n) AS props"
)
_DROP_NODE = _q(f"MATCH (n:{NODE_LABEL} {{id: $id}}) DETACH DELETE n")
_MAKE_MERGED = _q(f"CREATE (m:{MERGED_LABEL}) SET m = $props")
_DROP_MERGED = _q(f"MATCH (m:{MERGED_LABEL}) DELETE m")
_RESTORE_NODE = {
    label: _q(f"CREATE (n:{NODE_LABEL}:{label}) SET n = $props") for label in NODE_LABELS
}
_RELINK = {
    rel: _q(f"""
UNWIND $rows AS row
MATCH (a:{NODE_LABEL} {{id: row.src}})
MATCH (b:{NODE_LABEL} {{id: row.dst}})
CREATE (a)-[e:{rel}]->(b) SET e = row.props
RETURN count(*) AS made
""")
    for rel in REL_TYPES
}

#: a line as a transaction reads it: type, its ends now, its properties
_Line = tuple[str, str, str, dict[str, Any]]


def _lines_at(tx: ManagedTransaction, node_id: str) -> dict[str, _Line]:
    """Every line at a node, by key (a line from the node to itself once)."""
    found: dict[str, _Line] = {}
    for side in ("out", "in"):
        for r in tx.run(_EDGES[side], id=node_id, types=None, as_of=None):
            found[r["props"]["key"]] = (r["type"], r["src"], r["dst"], dict(r["props"]))
    return found


def _loaded_ends(src: str, dst: str, props: dict[str, Any]) -> tuple[str, str]:
    """A line's ends as loaded (taking the moved ends' marks out of ``props``)."""
    return props.pop(MERGED_SRC, src), props.pop(MERGED_DST, dst)


def _relink(tx: ManagedTransaction, rows: Mapping[str, list[dict[str, Any]]]) -> None:
    for rel, typed in rows.items():
        for batch in _batches(typed):
            tx.run(_RELINK[rel], rows=list(batch)).consume()


def _inner_edge(text: str) -> Edge:
    return edge_from_canonical(orjson.loads(text))


def _unfold(tx: ManagedTransaction, merged: list[dict[str, Any]]) -> None:
    """Put the graph back as loaded: the aliases' nodes as they were, their lines at the
    ends they were loaded with."""
    moved: dict[str, _Line] = {}
    for canonical in sorted({m[_INTO] for m in merged}):
        for key, (rel, src, dst, props) in _lines_at(tx, canonical).items():
            if MERGED_SRC in props or MERGED_DST in props:
                moved[key] = (rel, src, dst, props)
    removed: dict[str, list[dict[str, str]]] = {}
    for key, (rel, src, _, _) in sorted(moved.items()):
        removed.setdefault(rel, []).append({"key": key, "src": src})
    for rel, keys in removed.items():
        for batch in _batches(keys):
            tx.run(_REMOVE_EDGES[rel], rows=list(batch)).consume()
    for m in merged:
        props = {k: v for k, v in m.items() if k not in _MERGED_KEYS}
        tx.run(_RESTORE_NODE[m[_LABEL]], props=props).consume()
    tx.run(_DROP_MERGED).consume()
    rows: dict[str, list[dict[str, Any]]] = {}
    for rel, src, dst, props in moved.values():
        at_src, at_dst = _loaded_ends(src, dst, props)
        rows.setdefault(rel, []).append({"src": at_src, "dst": at_dst, "props": props})
    for m in merged:
        for edge, load in _inner_lines(m):
            props = edge_properties(edge)
            if load:
                props[_LOAD_PROPERTY] = load
            rows.setdefault(edge.type, []).append(
                {"src": edge.src, "dst": edge.dst, "props": props}
            )
    _relink(tx, rows)


def _inner_lines(merged: Mapping[str, Any]) -> list[tuple[Edge, int]]:
    """The lines inside a merged group kept by one ``:MergedNode``, with the loads that
    wrote them (0: the migration's)."""
    texts = merged.get(_INNER) or ()
    loads = merged.get(_INNER_LOADS) or [0] * len(texts)
    return [(_inner_edge(text), int(load)) for text, load in zip(texts, loads, strict=True)]


def _fold(tx: ManagedTransaction, merges: Merges) -> None:
    """Fold each alias into its canonical node (see above), one after the other: a line
    between two aliases is found again at the first one's canonical node, with its mark."""
    into = merges.into
    for alias in sorted(into):
        found = tx.run(_NODE_OF, id=alias).single()
        if found is None:
            continue
        lines = _lines_at(tx, alias)
        tx.run(_DROP_NODE, id=alias).consume()
        inner: list[str] = []
        inner_loads: list[int] = []
        rows: dict[str, list[dict[str, Any]]] = {}
        for rel, now_src, now_dst, props in (lines[k] for k in sorted(lines)):
            src, dst = _loaded_ends(now_src, now_dst, props)
            at_src, at_dst = into.get(src, src), into.get(dst, dst)
            if at_src == at_dst:
                inner.append(canonical_json(_edge_from(rel, src, dst, props)))
                inner_loads.append(int(props.get(_LOAD_PROPERTY) or 0))
                continue
            if at_src != src:
                props[MERGED_SRC] = src
            if at_dst != dst:
                props[MERGED_DST] = dst
            rows.setdefault(rel, []).append({"src": at_src, "dst": at_dst, "props": props})
        label = next(lb for lb in found["labels"] if lb in NODE_LABELS)
        kept = {**found["props"], _INTO: into[alias], _LABEL: label}
        if inner:
            kept[_INNER], kept[_INNER_LOADS] = inner, inner_loads
        tx.run(_MAKE_MERGED, props=kept).consume()
        _relink(tx, rows)


def _merges(pairs: Iterable[tuple[str, str]]) -> Merges:
    """The groups of (alias, canonical id) pairs."""
    into = dict(pairs)
    groups: dict[str, list[str]] = {}
    for alias, canonical in into.items():
        groups.setdefault(canonical, [canonical]).append(alias)
    return Merges(into, {c: tuple(sorted(g)) for c, g in groups.items()})


def _merged_now(tx: ManagedTransaction) -> list[dict[str, Any]]:
    return [dict(r["props"]) for r in tx.run(_MERGED)]


def _standing_merges(tx: ManagedTransaction) -> Merges:
    """The groups of the standing ``same`` judgements, over the graph as loaded."""
    pairs = [(r["a"], r["b"]) for r in tx.run(_SAME_PAIRS)]
    if not pairs:
        return Merges()
    ids = sorted({i for pair in pairs for i in pair})
    labels = {r["id"]: r["labels"][0] for r in tx.run(_LABELS, ids=ids)}
    return merges_of(pairs, labels)


def _refolds(writer: Neo4jWriter, aliases: set[str]) -> bool:
    """Whether a write must put the graph back as loaded and fold it again: it changes
    judgements, or names an alias (its node, or an end of a line it writes or removes). Any
    other write finds what it writes where the records as loaded have it, so a load beside
    the merged groups costs one look at them."""
    if writer.ends or writer.judgements:
        return True
    if not aliases:
        return False
    if not aliases.isdisjoint(writer.nodes) or any(writer.removals.values()):
        return True  # a removal by id: its lines' ends are not known here
    lines = (*writer.edges.values(), *writer.removed.values())
    return any(e.src in aliases or e.dst in aliases for e in lines)


def _make_node_types(session: Session) -> None:
    """Make every node label's type (see ``_MAKE_NODE_TYPES``). A label's statement is sent
    a second time if it failed: another client opening the store may have made the type at
    the same moment, and then the second finds it."""
    for make in _MAKE_NODE_TYPES.values():
        try:
            session.run(make, id=f"affgraph-type-{uuid.uuid4().hex}").consume()
        except Neo4jError:
            session.run(make, id=f"affgraph-type-{uuid.uuid4().hex}").consume()


def _write_all(tx: ManagedTransaction, writer: Neo4jWriter) -> tuple[WriteSummary, int]:
    """The body of the one write transaction: the write's summary and its load number.
    Idempotent, so the driver may retry it (the retry takes the next number)."""
    summary = WriteSummary()
    begun = tx.run(_BEGIN_LOAD, epoch=uuid.uuid4().hex).single(strict=True)
    stamp = _Stamp(int(begun["load"]), begun["migrated"])
    merged = sorted((dict(m) for m in begun["merged"]), key=lambda m: str(m["id"]))
    refold = _refolds(writer, {m["id"] for m in merged})
    if merged and refold:  # the records are written to the graph as loaded
        _unfold(tx, merged)
    for query, kind, records in (
        (_MERGE_SOURCES, "source", writer.sources),
        (_MERGE_TRANSFERS, "transfer", writer.transfers),
    ):
        rows = [_stamped(record_properties(r), stamp) for r in records.values()]
        _run_batches(tx, query, rows, stamp).count(kind, summary)
    _write_nodes(tx, writer.nodes.values(), summary, stamp)
    _remove_edges(tx, writer.removed, summary, stamp)
    _remove_edge_keys(tx, writer.removals.get("edge", set()), summary, stamp)
    _write_edges(tx, writer.edges.values(), summary, stamp)
    _remove_records(tx, writer.removals, summary, stamp)
    _end_judgements(tx, writer.ends, summary, stamp)
    _write_judgements(tx, writer.judgements, summary, stamp)
    moved = False
    if refold:
        merges = _standing_merges(tx)
        _fold(tx, merges)
        moved = {m["id"]: m[_INTO] for m in merged} != dict(merges.into)
    tx.run(  # committed with the records, or not at all
        _LOG,
        load=stamp.load,
        changed=summary.changed or moved,
        moved=moved,
        entry=_entry_properties(stamp.load, writer.info, summary),
    ).consume()
    return summary, stamp.load


def _stamped(props: dict[str, Any], stamp: _Stamp) -> dict[str, Any]:
    """A record's properties as a write sends them: with the load that writes them (kept
    only where the record is created or changed)."""
    props[_LOAD_PROPERTY] = stamp.load
    return props


def _entry_properties(number: int, info: WriteInfo, summary: WriteSummary) -> dict[str, Any]:
    """A ``:LoadEntry``'s properties: lists and maps, which a property cannot hold, as JSON."""
    entry: dict[str, Any] = {
        "number": number,
        "at": now_utc(),
        "kind": info.kind,
        "who": info.author(),
        "message": info.message,
        "files": _json([[f.name, f.sha256, f.size] for f in info.files]),
        "counts": _json({k: dict(c) for k, c in summary.counts.items()}),
        "forced": _json([list(k) for k in info.forced]),
    }
    if info.reverts is not None:
        entry["reverts"] = info.reverts
    return entry


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _by_start(
    keys: Iterable[str], into: Mapping[str, str] | None = None
) -> tuple[dict[str, list[dict[str, str]]], list[str]]:
    """Line keys by the type they name, each with the id of the node its relationship
    starts from (found by the ``Node.id`` index, as the line upserts find theirs): a key is
    ``TYPE|from|to|kind|start`` and ids hold no ``|``. A line the merged view moved starts
    from its canonical node (``into``). Keys that do not read so are left over."""
    by_type: dict[str, list[dict[str, str]]] = {}
    other: list[str] = []
    for key in sorted(keys):
        parts = key.split("|")
        if len(parts) == 5 and parts[0] in REL_TYPES:
            src = (into or {}).get(parts[1], parts[1])
            by_type.setdefault(parts[0], []).append({"key": key, "src": src})
        else:
            other.append(key)
    return by_type, other


def _remove_edge_keys(
    tx: ManagedTransaction, keys: Collection[str], summary: WriteSummary, stamp: _Stamp
) -> None:
    """Remove lines by key, keeping their last versions (the graph is as loaded here)."""
    by_type, other = _by_start(keys)
    for rel, rows in by_type.items():
        for batch in _batches(rows):
            found = tx.run(_DROP_EDGES[rel], rows=list(batch), **stamp.params).single()
            summary.add("edge", "removed", found["removed"] if found else 0)
    for rel in REL_TYPES if other else ():
        for batch in _batches(other):
            found = tx.run(_DROP_EDGE_KEYS[rel], ids=list(batch), **stamp.params).single()
            summary.add("edge", "removed", found["removed"] if found else 0)


def _remove_records(
    tx: ManagedTransaction,
    removals: Mapping[str, Collection[str]],
    summary: WriteSummary,
    stamp: _Stamp,
) -> None:
    """Remove nodes, sources and transfers by id, keeping their last versions; a node a
    line still joins is refused (inside the transaction: nothing is kept)."""
    nodes = sorted(removals.get("node", ()))
    in_use = [
        (r["id"], r["key"]) for batch in _batches(nodes) for r in tx.run(_IN_USE, ids=list(batch))
    ]
    if in_use:
        raise NodeInUseError(in_use)
    for kind in ("node", "transfer", "source"):
        for batch in _batches(sorted(removals.get(kind, ()))):
            found = tx.run(_DROP_RECORDS[kind], ids=list(batch), **stamp.params).single()
            summary.add(kind, "removed", found["removed"] if found else 0)


def _write_nodes(
    tx: ManagedTransaction, nodes: Iterable[Node], summary: WriteSummary, stamp: _Stamp
) -> None:
    by_label: dict[str, list[dict[str, Any]]] = {}
    for n in nodes:
        by_label.setdefault(n.label, []).append(_stamped(node_properties(n), stamp))
    relabelled: list[tuple[str, str, str]] = []
    for label, rows in by_label.items():
        tally = _run_batches(tx, _MERGE_NODES[label], rows, stamp)
        tally.count("node", summary)
        relabelled.extend((k, old, label) for k, old in tally.relabelled)
    if relabelled:  # raised inside the transaction: nothing of the write is kept
        raise LabelChangeError(relabelled)


def _remove_edges(
    tx: ManagedTransaction, records: Mapping[str, Edge], summary: WriteSummary, stamp: _Stamp
) -> None:
    """Delete these relationships (found from their start node, by key), keeping their
    last versions."""
    by_type: dict[str, list[dict[str, str]]] = {}
    for key, edge in sorted(records.items()):
        by_type.setdefault(edge.type, []).append({"key": key, "src": edge.src})
    for rel, rows in by_type.items():
        for batch in _batches(rows):
            found = tx.run(_DROP_EDGES[rel], rows=list(batch), **stamp.params).single()
            summary.add("edge", "removed", found["removed"] if found else 0)


def _write_edges(
    tx: ManagedTransaction, edges: Iterable[Edge], summary: WriteSummary, stamp: _Stamp
) -> None:
    by_type: dict[str, list[dict[str, Any]]] = {}
    for e in edges:
        by_type.setdefault(e.type, []).append(
            {"key": e.key, "src": e.src, "dst": e.dst, "props": _stamped(edge_properties(e), stamp)}
        )
    for rel, rows in by_type.items():
        from_dst = len({r["dst"] for r in rows}) > len({r["src"] for r in rows})
        tally = _run_batches(tx, _MERGE_EDGES[rel, from_dst], rows, stamp)
        if tally.rows < tally.sent:  # some end is missing: say which, for every type
            ends = sorted(
                {r[end] for typed in by_type.values() for r in typed for end in ("src", "dst")}
            )
            raise UnknownNodeError(
                r["id"] for batch in _batches(ends) for r in tx.run(_MISSING_IDS, ids=list(batch))
            )
        tally.count("edge", summary)


def _standing(tx: ManagedTransaction, pairs: Iterable[tuple[str, str]]) -> list[Judgement]:
    rows = [{"a": a, "b": b} for a, b in sorted(set(pairs))]
    return [
        _judgement_from(dict(r["j"]))
        for batch in _batches(rows)
        for r in tx.run(_STANDING, pairs=list(batch))
    ]


def _end_judgements(
    tx: ManagedTransaction,
    ends: Mapping[tuple[str, str], tuple[str, str, str]],
    summary: WriteSummary,
    stamp: _Stamp,
) -> None:
    """End the standing judgement of each pair: its node is written again with the end
    (its verdict, who and when stay), never deleted."""
    ended = [
        replace(j, ended_at=at, ended=how, ended_by=who)
        for j in _standing(tx, ends)
        for at, how, who in (ends[j.pair],)
    ]
    rows = [judgement_properties(j) for j in ended]
    _run_batches(tx, _MERGE_JUDGEMENTS, rows, stamp).count("judgement", summary)


def _write_judgements(
    tx: ManagedTransaction, records: Mapping[str, Judgement], summary: WriteSummary, stamp: _Stamp
) -> None:
    """Write judgements as they are; both their nodes must exist, and no pair may be left
    with two standing judgements (checked inside the transaction: nothing is kept)."""
    if not records:
        return
    ids = sorted({i for j in records.values() for i in j.pair})
    missing = [r["id"] for batch in _batches(ids) for r in tx.run(_MISSING_IDS, ids=list(batch))]
    if missing:
        raise UnknownNodeError(missing)
    rows = [judgement_properties(j) for j in records.values()]
    _run_batches(tx, _MERGE_JUDGEMENTS, rows, stamp).count("judgement", summary)
    standing = Counter(j.pair for j in _standing(tx, (j.pair for j in records.values())))
    twice = [pair for pair, n in standing.items() if n > 1]
    if twice:
        raise JudgementConflictError(twice)


# -- record time (stores.history): the log, the kept versions, the tags ----------------------
#
# A current record carries the load that wrote it (``_load``; missing: the migration's); a
# version a load replaced or removed is a ``:RecordVersion`` (see ``_keep``). A record held
# right after load n is a current one written by n or before, or a version written by n or
# before and replaced after n. None of this is read by a query of the graph.

_LOADS_STATE = _q(f"""
MATCH (s:{STORE_LABEL} {{id: 'store'}}) RETURN s.loads AS loads, s.migrated AS migrated
""")
_COUNT_LOADS = _q(f"MATCH (l:{LOAD_LABEL}) RETURN count(l) AS n")
_PAGE_LOADS = _q(f"""
MATCH (l:{LOAD_LABEL}) RETURN properties(l) AS l ORDER BY l.number DESC SKIP $offset LIMIT $limit
""")
_ONE_LOAD = _q(f"MATCH (l:{LOAD_LABEL} {{number: $number}}) RETURN properties(l) AS l")
_LOAD_AT = _q(f"MATCH (l:{LOAD_LABEL}) WHERE l.at <= $when RETURN max(l.number) AS n")
_REVERTED_BY = _q(f"""
MATCH (r:{LOAD_LABEL}) WHERE r.kind = 'revert' AND r.reverts IN $numbers
RETURN r.reverts AS reverts, max(r.number) AS by
""")
_TAGS_OF = _q(
    f"MATCH (t:{TAG_LABEL}) WHERE t.load IN $numbers RETURN t.load AS load, t.name AS name"
)
_ALL_TAGS = _q(f"MATCH (t:{TAG_LABEL}) RETURN t.name AS name, t.load AS load")
_TAG_NAMED = _q(f"MATCH (t:{TAG_LABEL} {{name: $name}}) RETURN t.load AS load")
_MAKE_TAG = _q(f"CREATE (t:{TAG_LABEL}) SET t.name = $name, t.load = $load")

_VERSIONS_REPLACED_BY = _q(f"""
MATCH (v:{VERSION_LABEL}) WHERE v._v_replaced = $n RETURN properties(v) AS v
""")
_VERSIONS_WRITTEN_BY = _q(f"""
MATCH (v:{VERSION_LABEL}) WHERE v._v_written = $n RETURN properties(v) AS v
""")
_VERSIONS_HELD_AT = _q(f"""
MATCH (v:{VERSION_LABEL}) WHERE v._v_replaced > $n AND v._v_written <= $n
RETURN properties(v) AS v
""")
_VERSIONS_OF = _q(f"""
UNWIND $ids AS id MATCH (v:{VERSION_LABEL} {{_v_id: id}}) RETURN properties(v) AS v
""")

_RECORD_LABELS = {"node": NODE_LABEL, "source": SOURCE_LABEL, "transfer": TRANSFER_LABEL}
# The keys alone of what a load changed (a page of them is read whole: Neo4jStore.changes).
_VERSION_KEYS = _q(f"""
MATCH (v:{VERSION_LABEL}) WHERE v._v_replaced = $n OR v._v_written = $n
RETURN v._v_kind AS kind, v._v_id AS id
""")
_KEYS_WRITTEN_BY = {
    (kind, stamped): _q(f"""
MATCH (x:{label}) WHERE {"x._load = $n" if stamped else "x._load IS NULL"} RETURN x.id AS id
""")
    for kind, label in _RECORD_LABELS.items()
    for stamped in (True, False)
}
_EDGE_KEYS_WRITTEN_BY = {
    (rel, stamped): _q(f"""
MATCH ()-[e:{rel}]->() WHERE {"e._load = $n" if stamped else "e._load IS NULL"}
RETURN e.key AS id
""")
    for rel in REL_TYPES
    for stamped in (True, False)
}
# The current records a load wrote (stamped with it; the migration's: not stamped at all).
_WRITTEN_BY = {
    (kind, stamped): _q(f"""
MATCH (x:{label}) WHERE {"x._load = $n" if stamped else "x._load IS NULL"}
RETURN labels(x) AS labels, properties(x) AS props
""")
    for kind, label in _RECORD_LABELS.items()
    for stamped in (True, False)
}
_EDGES_WRITTEN_BY = {
    (rel, stamped): _q(f"""
MATCH (a)-[e:{rel}]->(b) WHERE {"e._load = $n" if stamped else "e._load IS NULL"}
RETURN a.id AS src, b.id AS dst, properties(e) AS props
""")
    for rel in REL_TYPES
    for stamped in (True, False)
}
_CURRENT = {
    kind: _q(f"""
UNWIND $ids AS id MATCH (x:{label} {{id: id}}) RETURN labels(x) AS labels, properties(x) AS props
""")
    for kind, label in _RECORD_LABELS.items()
}
_CURRENT_EDGES = {
    rel: _q(f"""
UNWIND $rows AS row MATCH (a:{NODE_LABEL} {{id: row.src}})-[e:{rel} {{key: row.key}}]->(b)
RETURN a.id AS src, b.id AS dst, properties(e) AS props
""")
    for rel in REL_TYPES
}
_CURRENT_EDGE_KEYS = {
    rel: _q(f"""
UNWIND $ids AS id MATCH (a)-[e:{rel} {{key: id}}]->(b)
RETURN a.id AS src, b.id AS dst, properties(e) AS props
""")
    for rel in REL_TYPES
}

#: a record as the store holds it, and the load that wrote it
_Held = tuple[RecordKey, Any, int]


def _key_order(key: RecordKey) -> tuple[int, str]:
    return RECORD_KINDS.index(key.kind), key.id


def _migrated(tx: ManagedTransaction) -> int:
    """The load unstamped records count as written by (0: none are)."""
    found = tx.run(_LOADS_STATE).single()
    return int(found["migrated"] or 0) if found is not None else 0


def _record_of(kind: str, labels: Sequence[str], values: Mapping[str, Any]) -> Any:
    if kind == "node":
        return _node_from(labels, values)
    return _source_from(values) if kind == "source" else _transfer_from(values)


def _version(values: dict[str, Any]) -> tuple[RecordKey, Any, int, int]:
    """A ``:RecordVersion``'s record, key and the loads that wrote and replaced it."""
    meta = {k: values.pop(k) for k in [k for k in values if k.startswith("_v_")]}
    kind = meta["_v_kind"]
    if kind == "edge":
        record = _edge_from(meta["_v_type"], meta["_v_src"], meta["_v_dst"], values)
    else:
        record = _record_of(kind, [meta.get("_v_label") or ""], values)
    key = RecordKey(kind, meta["_v_id"])
    return key, record, int(meta["_v_written"]), int(meta["_v_replaced"])


def _versions(
    tx: ManagedTransaction, query: LiteralString, number: int
) -> list[tuple[RecordKey, Any, int, int]]:
    return [_version(dict(r["v"])) for r in tx.run(query, n=number)]


def _versions_of(
    tx: ManagedTransaction, ids: Sequence[str]
) -> list[tuple[RecordKey, Any, int, int]]:
    return [
        _version(dict(r["v"]))
        for batch in _batches(ids)
        for r in tx.run(_VERSIONS_OF, ids=list(batch))
    ]


def _load_of(values: Mapping[str, Any], migrated: int) -> int:
    return int(values.get(_LOAD_PROPERTY) or migrated)


def _merged_held(tx: ManagedTransaction, migrated: int) -> list[_Held]:
    """The aliases of the merged view and the lines inside their groups, as loaded."""
    held: list[_Held] = []
    for m in _merged_now(tx):
        held.append((RecordKey("node", m["id"]), _merged_node(m), _load_of(m, migrated)))
        held.extend((RecordKey("edge", e.key), e, load or migrated) for e, load in _inner_lines(m))
    return held


def _written_by(
    tx: ManagedTransaction, number: int, migrated: int, kinds: Collection[str]
) -> list[_Held]:
    """Every current record of ``kinds`` load ``number`` wrote (a scan of each: a record's
    load is not indexed, see :func:`graph_schema.cypher.history_statements`)."""
    stamped = [True] if number != migrated else [True, False]
    held: list[_Held] = []
    for kind in (k for k in _RECORD_LABELS if k in kinds):
        for mark in stamped:
            for r in tx.run(_WRITTEN_BY[kind, mark], n=number):
                record = _record_of(kind, r["labels"], r["props"])
                held.append((RecordKey(kind, record.id), record, number))
    for rel in REL_TYPES if "edge" in kinds else ():
        for mark in stamped:
            for r in tx.run(_EDGES_WRITTEN_BY[rel, mark], n=number):
                edge = _edge_from(rel, r["src"], r["dst"], r["props"])
                held.append((RecordKey("edge", edge.key), edge, number))
    held.extend(h for h in _merged_held(tx, migrated) if h[2] == number)
    return held


def _changed_keys(tx: ManagedTransaction, number: int, migrated: int) -> list[RecordKey]:
    """The keys of the records load ``number`` changed, in :meth:`Neo4jStore.changed_by`'s
    order: the versions it wrote or replaced and the current records it wrote (of the kinds
    its counts say it wrote; :func:`_written_by`), without reading the records."""
    keys = {RecordKey(r["kind"], r["id"]) for r in tx.run(_VERSION_KEYS, n=number)}
    wrote = _kinds_written(tx, number)
    stamped = [True] if number != migrated else [True, False]
    for kind in (k for k in _RECORD_LABELS if k in wrote):
        for mark in stamped:
            keys.update(
                RecordKey(kind, r["id"]) for r in tx.run(_KEYS_WRITTEN_BY[kind, mark], n=number)
            )
    for rel in REL_TYPES if "edge" in wrote else ():
        for mark in stamped:
            keys.update(
                RecordKey("edge", r["id"])
                for r in tx.run(_EDGE_KEYS_WRITTEN_BY[rel, mark], n=number)
            )
    if wrote:
        keys.update(key for key, _, load in _merged_held(tx, migrated) if load == number)
    return sorted(keys, key=_key_order)


def _kinds_written(tx: ManagedTransaction, number: int) -> set[str]:
    """The record kinds load ``number`` created or updated records of, by its log entry."""
    entry = tx.run(_ONE_LOAD, number=number).single()
    counts = orjson.loads(entry["l"]["counts"]) if entry is not None else {}
    return {k for k, c in counts.items() if c.get("created") or c.get("updated")}


def _changes_of(
    tx: ManagedTransaction, keys: Sequence[RecordKey], number: int, migrated: int
) -> list[Change]:
    """What load ``number`` did to each of ``keys``, as :meth:`Neo4jStore.changed_by` pairs
    it: after, the version it wrote that a later load replaced, else the current record it
    wrote; before, the version it replaced."""
    wanted = set(keys)
    before: dict[RecordKey, Any] = {}
    after: dict[RecordKey, Any] = {}
    for key, record, written, replaced in _versions_of(tx, sorted({k.id for k in keys})):
        if key in wanted:
            if replaced == number:
                before[key] = record
            if written == number:
                after[key] = record
    wrote = _kinds_written(tx, number)
    for kind in RECORD_KINDS:
        ids = [k.id for k in keys if k.kind == kind and k not in after]
        if ids and kind in wrote:
            for record_id, (record, load) in _current(tx, kind, ids, migrated).items():
                if load == number:
                    after[RecordKey(kind, record_id)] = record
    return [Change(k, before.get(k), after.get(k)) for k in keys]


def _current(
    tx: ManagedTransaction, kind: str, ids: Collection[str], migrated: int
) -> dict[str, tuple[Any, int]]:
    """The current records of one kind among ``ids`` (edges: keys), with their loads."""
    wanted = sorted(ids)
    found: dict[str, tuple[Any, int]] = {}
    if kind == "edge":
        merged = _merged_now(tx)
        by_type, other = _by_start(wanted, {m["id"]: m[_INTO] for m in merged})
        runs: list[tuple[str, LiteralString, str, Sequence[Any]]] = [
            (rel, _CURRENT_EDGES[rel], "rows", rows) for rel, rows in by_type.items()
        ]
        runs += [(rel, _CURRENT_EDGE_KEYS[rel], "ids", other) for rel in REL_TYPES if other]
        for rel, query, name, values in runs:
            for batch in _batches(values):
                for r in tx.run(query, {name: list(batch)}):
                    edge = _edge_from(rel, r["src"], r["dst"], r["props"])
                    found[edge.key] = (edge, _load_of(r["props"], migrated))
    else:
        for batch in _batches(wanted):
            for r in tx.run(_CURRENT[kind], ids=list(batch)):
                record = _record_of(kind, r["labels"], r["props"])
                found[record.id] = (record, _load_of(r["props"], migrated))
    if kind in ("node", "edge"):
        keep = set(wanted)
        for key, record, load in _merged_held(tx, migrated):
            if key.kind == kind and key.id in keep:
                found[key.id] = (record, load)
    return found


def _entries(tx: ManagedTransaction, found: list[dict[str, Any]]) -> list[LoadEntry]:
    """Log entries from their nodes' properties, with the loads reverting them and tags."""
    numbers = [int(p["number"]) for p in found]
    reverted = {r["reverts"]: r["by"] for r in tx.run(_REVERTED_BY, numbers=numbers)}
    tags: dict[int, list[str]] = {}
    for r in tx.run(_TAGS_OF, numbers=numbers):
        tags.setdefault(int(r["load"]), []).append(r["name"])
    return [
        LoadEntry(
            number=int(p["number"]),
            at=p["at"],
            kind=p["kind"],
            who=p["who"],
            message=p.get("message") or "",
            files=tuple(FileRef(n, h, int(size)) for n, h, size in orjson.loads(p["files"])),
            counts=orjson.loads(p["counts"]),
            reverts=p.get("reverts"),
            forced=tuple(RecordKey(k, i) for k, i in orjson.loads(p.get("forced") or "[]")),
            reverted_by=reverted.get(p["number"]),
            tags=tuple(sorted(tags.get(int(p["number"]), ()))),
        )
        for p in found
    ]


def _migrate(tx: ManagedTransaction) -> int | None:
    """Give a store made before the load log (its state node has no ``loads``) its log: one
    entry, kind ``migrated``, numbered by its generation G, which wrote every record it holds
    (their missing ``_load`` is read as G: nothing is rewritten, so migrating a national
    graph costs one small transaction). A store never written gets no entry. The number of
    the entry made, if any."""
    state = tx.run(_STATE_LOADS).single()
    if state is None or state["loads"] is not None:
        return None  # logged already: nothing is counted on an ordinary open
    generation = int(state["generation"] or 0)
    summary = WriteSummary()
    if generation:
        counts = tx.run(_COUNT_RECORDS).single(strict=True)
        for kind in RECORD_KINDS:
            summary.add(kind, "created", int(counts[kind]))
    info = WriteInfo(
        kind="migrated",
        who="affgraph",
        message=f"the store as it stood when its log began (after {generation} writes, "
        "whose earlier states were not kept)",
    )
    found = tx.run(_MIGRATE, entry=_entry_properties(0, info, summary)).single()
    return None if found is None else int(found["number"])


class Neo4jStore:
    """A :class:`stores.base.GraphStore` on Neo4j (or any Bolt server speaking its Cypher).

    Parameters
    ----------
    uri
        ``bolt://`` or ``neo4j://`` URL.
    auth
        (user, password).
    database
        The database to use; always named explicitly.
    """

    kind = "neo4j"

    def __init__(self, uri: str, auth: tuple[str, str], *, database: str = "neo4j") -> None:
        self.location = uri
        self.database = database
        #: the merged view's groups and the view they were read from (see :meth:`merges`)
        self._merges_kept: tuple[_MergesAt, Merges] | None = None
        try:
            self.driver: Driver = GraphDatabase.driver(uri, auth=auth)
        except (DriverError, Neo4jError, ValueError) as exc:
            raise StoreError(f"Neo4j store at {uri}: {exc}") from exc
        try:
            with self._server_errors():
                self.driver.verify_connectivity()
                self.ensure_schema()
        except BaseException:
            self.driver.close()
            raise

    @contextmanager
    def _server_errors(self) -> Iterator[None]:
        """The server's or the driver's failures (unreachable, refused, timed out) as
        :class:`StoreError`: the store is unavailable, which is not a bug of ours."""
        try:
            yield
        except StoreError:
            raise
        except Neo4jError as exc:
            if (exc.code or "").startswith(_TIMED_OUT):
                raise QueryTimeoutError(current_limit()) from exc
            raise StoreError(f"Neo4j store at {self.location}: {exc}") from exc
        except DriverError as exc:
            raise StoreError(f"Neo4j store at {self.location}: {exc}") from exc

    def ensure_schema(self) -> None:
        """Create the constraints and indexes the schema asks for, the store's state node
        and every node label's type (``_MAKE_NODE_TYPES``), idempotently; migrate a store
        made before the load log (:meth:`_migrate`)."""
        with self.driver.session(database=self.database) as session:
            for statement in (*constraint_statements(), *history_statements()):
                session.run(_q(statement)).consume()
            # another client making it at the same moment is fine: it is there
            with suppress(ConstraintError):
                session.run(_MAKE_STATE, epoch=uuid.uuid4().hex).consume()
            _make_node_types(session)
            # another client migrating it at the same moment: its entry is the one kept
            try:
                session.execute_write(_migrate)
            except ConstraintError as exc:
                found = session.run(_STATE_LOADS).single()
                if found is not None and found["loads"] is None:
                    raise StoreError(
                        f"Neo4j store at {self.location} could not be migrated to the load "
                        f"log (nothing of it was changed): {exc}"
                    ) from exc
            found = session.run(_STATE).single()
            ids = [(r["id"], r["into"]) for r in session.run(_MERGED_IDS)]
            if found is not None:  # the groups as of opening (checked by every read: merges)
                self._merges_kept = ((found["epoch"], int(found["merges_at"] or 0)), _merges(ids))

    # -- transactions --------------------------------------------------------------------------

    def _read(self, work: Callable[[ManagedTransaction], Any]) -> Any:
        """Run ``work`` in a read transaction; under a time limit (:mod:`stores.deadline`)
        the server stops the transaction when the time left has passed. Inside
        :meth:`reading` the transaction also checks the store's state before and after."""
        one_state = _READS.get().get(id(self))
        if one_state is not None:
            work = one_state.checked(work)
        left = remaining()
        limited = work if left is None else unit_of_work(timeout=left)(work)
        with self._server_errors(), self.driver.session(database=self.database) as session:
            return session.execute_read(limited)

    def read_rows(self, query: str, **params: Any) -> list[dict[str, Any]]:
        """Run a read query (a constant text; values as parameters) and return plain dicts.

        The named queries use this; their Cypher texts are constants of :mod:`queries`.
        """
        text: LiteralString = query  # constants only, see above
        return cast(
            list[dict[str, Any]],
            self._read(lambda tx: [_plain(r.data()) for r in tx.run(text, **params)]),
        )

    def _rows(self, query: LiteralString, **params: Any) -> list[dict[str, Any]]:
        """Run a read query and return its records as plain dicts."""
        return cast(
            list[dict[str, Any]], self._read(lambda tx: [r.data() for r in tx.run(query, **params)])
        )

    def _raw(self, query: LiteralString, **params: Any) -> list[Any]:
        """Run a read query and return its records' first values (nodes keep their labels)."""

        def work(tx: ManagedTransaction) -> list[Any]:
            return [(list(r[0].labels), dict(r[0])) for r in tx.run(query, **params)]

        return cast(list[Any], self._read(work))

    def state(self) -> _State:
        """The store's epoch (made with its database) and generation (the number of its
        last load that changed something): a read that sees the same pair before and after
        saw one state. Inside :meth:`reading`, once a read has run, the state that read saw
        (every read of the block is checked against it): no transaction of its own, so an
        answer citing its load (:class:`queries.base.Answer`) costs no round trip."""
        one_state = _READS.get().get(id(self))
        if one_state is not None and one_state.began is not None:
            return one_state.began
        return cast(_State, self._read(_state))

    def generation(self) -> int:
        """The number of the store's last load that changed something (0 for a new one)."""
        return self.state()[1]

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Reads in the block see one state, or :class:`StoreChangedError` is raised on
        leaving it (see the module docstring). Reentrant: an inner block joins the outer."""
        reads = _READS.get()
        if id(self) in reads:
            yield
            return
        token = _READS.set({**reads, id(self): _OneState(self.location)})
        try:
            yield
        finally:
            _READS.reset(token)

    @contextmanager
    def writer(self) -> Iterator[Neo4jWriter]:
        writer = Neo4jWriter()
        yield writer
        with self._server_errors():
            summary, writer.load = self._commit(writer)
        if writer.ends or writer.judgements:  # the merged view may have moved: read it anew
            self._drop_merges()
        writer.summary.counts.update(summary.counts)

    def _commit(self, writer: Neo4jWriter) -> tuple[WriteSummary, int]:
        """Send a write in one transaction; its summary and load number. Two writes that
        took the same number (ArcadeDB lets both read the counter before either commits;
        the unique number refuses the second) — the second is made again, numbered anew."""
        for attempt in range(1, _NUMBER_ATTEMPTS + 1):
            try:
                with self.driver.session(database=self.database) as session:
                    return session.execute_write(_write_all, writer)
            except ConstraintError as exc:
                if LOAD_LABEL not in str(exc) or attempt == _NUMBER_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    # -- reading -------------------------------------------------------------------------------

    # -- the merged view: the records as loaded, aliases included --------------------------

    def merges(self) -> Merges:
        """The groups the named queries read as one node, from the ``:MergedNode``s.

        Inside a consistent read, the groups read before are used as long as the merged
        view has not changed since (the read's first transaction checks it with the store's
        state, see :class:`_OneState`): a named query stays one transaction."""
        one = _READS.get().get(id(self))
        kept = self._merges_kept
        if one is not None and kept is not None:
            if one.merges_seen is None:
                one.merges_seen, one.stale = kept[0], self._drop_merges
            if one.merges_seen == kept[0]:
                return kept[1]

        def work(tx: ManagedTransaction) -> tuple[_MergesAt, Merges]:
            merges_at = _state_and_merges(tx)[1]
            return merges_at, _merges([(r["id"], r["into"]) for r in tx.run(_MERGED_IDS)])

        self._merges_kept = cast(tuple[_MergesAt, Merges], self._read(work))
        return self._merges_kept[1]

    def _drop_merges(self) -> None:
        self._merges_kept = None

    def _merged(self, node_id: str | None = None) -> list[dict[str, Any]]:
        """The ``:MergedNode``s' properties (of the group of ``node_id``, if given)."""
        if node_id is None:
            return [dict(r["props"]) for r in self._rows(_MERGED)]
        return [dict(r["props"]) for r in self._rows(_MERGED_OF, id=node_id)]

    @staticmethod
    def _inner(merged: Iterable[Mapping[str, Any]]) -> list[Edge]:
        """The lines inside merged groups (out of the view), as loaded, by key."""
        found = [_inner_edge(text) for m in merged for text in m.get(_INNER) or ()]
        return sorted(found, key=lambda e: e.key)

    def get_node(self, node_id: str) -> Node | None:
        found = self._raw(_GET_NODE, id=node_id)
        if found:
            return _node_from(*found[0])
        merged = self._raw(_GET_MERGED, id=node_id)
        return _merged_node(merged[0][1]) if merged else None

    def get_nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        """The nodes as loaded, merged ones too (:meth:`get_node`), 10,000 ids a query."""
        found: dict[str, Node] = {}
        wanted = sorted(set(ids))
        for batch in _batches(wanted, 10_000):
            for labels, values in self._raw(_GET_NODES, ids=list(batch)):
                node = _node_from(labels, values)
                found[node.id] = node
        missing = [i for i in wanted if i not in found]
        for batch in _batches(missing, 10_000):
            for _, values in self._raw(_GET_MERGED_NODES, ids=list(batch)):
                node = _merged_node(values)
                found[node.id] = node
        return found

    def node_labels(self, ids: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        wanted = sorted(set(ids))
        for batch in _batches(wanted, 10_000):
            found.update((r["id"], r["labels"][0]) for r in self._rows(_LABELS, ids=list(batch)))
        missing = [i for i in wanted if i not in found]
        for batch in _batches(missing, 10_000):
            found.update((r["id"], r["label"]) for r in self._rows(_MERGED_LABELS, ids=list(batch)))
        return found

    def nodes_named(self, names: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        found: dict[str, list[tuple[str, str]]] = {}
        for batch in _batches(sorted(set(names)), 1_000):
            for r in self._rows(_NAMED, names=list(batch)):
                found.setdefault(r["name"], []).append((r["id"], r["labels"][0]))
            for r in self._rows(_MERGED_NAMED, names=list(batch)):
                found.setdefault(r["name"], []).append((r["id"], r["label"]))
        return {name: sorted(set(nodes)) for name, nodes in found.items()}

    def edges(
        self,
        node_id: str,
        *,
        direction: Direction = "out",
        types: Collection[str] | None = None,
        as_of: date | None = None,
    ) -> list[Edge]:
        wanted = None if types is None else sorted(types)
        sides = ("out", "in") if direction == "both" else (direction,)
        group = self._merged(node_id)
        at, inner = node_id, []
        if group:  # its lines as loaded: at its canonical node, or inside the group
            at = next((m[_INTO] for m in group if m["id"] == node_id), node_id)
            if at != node_id:
                group = self._merged(at)
            inner = [e for e in self._inner(group) if wanted is None or e.type in wanted]
        found = {}
        for side in sides:
            for r in self._rows(_EDGES[side], id=at, types=wanted, as_of=as_of):
                edge = _edge_from(r["type"], r["src"], r["dst"], r["props"])
                found[edge.key] = edge
        found.update((e.key, e) for e in inner if e.active(as_of))
        ends = {"out": ("src",), "in": ("dst",), "both": ("src", "dst")}[direction]
        mine = (e for e in found.values() if any(getattr(e, end) == node_id for end in ends))
        return sorted(mine, key=edge_sort_key)

    def _pages(
        self, fetch: Callable[[str], list[Any]], cursor: Callable[[Any], str]
    ) -> Iterator[Any]:
        """Keyset pagination: each page is one short read transaction, consumed inside it."""
        after = ""
        while True:
            page = fetch(after)
            yield from page
            if len(page) < _PAGE:
                return
            after = cursor(page[-1])

    def iter_nodes(self, *, label: str | None = None, kind: str | None = None) -> Iterator[Node]:
        if label is not None and label not in NODE_LABELS:
            return
        merged = [_merged_node(m) for m in self._merged()]
        aliases = [
            n
            for n in merged
            if (label is None or n.label == label) and (kind is None or n.kind == kind)
        ]
        pages = (
            _node_from(labels, values)
            for labels, values in self._pages(
                lambda after: self._raw(
                    _PAGE_NODES, after=after, limit=_PAGE, label=label, kind=kind
                ),
                lambda r: str(r[1]["id"]),
            )
        )
        yield from heapq.merge(pages, aliases, key=lambda n: n.id)

    def iter_edges(self, *, types: Collection[str] | None = None) -> Iterator[Edge]:
        wanted = None if types is None else sorted(types)
        inner = [e for e in self._inner(self._merged()) if wanted is None or e.type in wanted]
        pages = (
            _edge_from(r["type"], r["src"], r["dst"], r["props"])
            for r in self._pages(
                lambda after: self._rows(_PAGE_EDGES, after=after, limit=_PAGE, types=wanted),
                lambda r: str(r["props"]["key"]),
            )
        )
        yield from heapq.merge(pages, inner, key=lambda e: e.key)

    def get_source(self, source_id: str) -> Source | None:
        found = self._raw(_GET_SOURCE, id=source_id)
        return _source_from(found[0][1]) if found else None

    def iter_sources(self) -> Iterator[Source]:
        for _, values in self._pages(
            lambda after: self._raw(_PAGE_SOURCES, after=after, limit=_PAGE),
            lambda r: str(r[1]["id"]),
        ):
            yield _source_from(values)

    def iter_transfers(self, *, org: str | None = None) -> Iterator[Transfer]:
        found = [_transfer_from(values) for _, values in self._raw(_TRANSFERS, org=org)]
        yield from sorted(found, key=lambda t: (t.date is not None, t.date or date.min, t.id))

    def iter_judgements(
        self, *, standing: bool = False, pair: tuple[str, str] | None = None
    ) -> Iterator[Judgement]:
        a, b = pair if pair is not None else (None, None)
        found = [
            _judgement_from(values)
            for _, values in self._raw(_JUDGEMENTS, standing=standing, a=a, b=b)
        ]
        yield from sorted(found, key=lambda j: (j.a, j.b, j.recorded_at, j.id))

    def counts(self) -> StoreCounts:
        return read_consistently(self, self._counts)

    def _counts(self) -> StoreCounts:
        by_label = {lb: self._rows(q)[0]["n"] for lb, q in _COUNT_LABEL.items()}
        by_type = {rel: self._rows(q)[0]["n"] for rel, q in _COUNT_TYPE.items()}
        other = self._rows(_COUNT_OTHER)[0]
        merged = self._merged()  # the aliases and their lines inside groups: records too
        for m in merged:
            by_label[m[_LABEL]] += 1
        for edge in self._inner(merged):
            by_type[edge.type] += 1
        return StoreCounts(
            {k: v for k, v in sorted(by_label.items()) if v},
            {k: v for k, v in sorted(by_type.items()) if v},
            other["transfers"],
            other["sources"],
        )

    # -- record time (stores.history) ------------------------------------------------------

    def _loads_state(self) -> tuple[int, int | None]:
        """The last load's number and the migration's (None: not migrated)."""

        def work(tx: ManagedTransaction) -> tuple[int, int | None]:
            found = tx.run(_LOADS_STATE).single()
            if found is None:
                return 0, None
            return int(found["loads"] or 0), found["migrated"]

        return cast(tuple[int, int | None], self._read(work))

    def last_load(self) -> int:
        return self._loads_state()[0]

    def first_load(self) -> int:
        migrated = self._loads_state()[1]
        return 1 if migrated is None else int(migrated)

    def loads(self, *, limit: int = 100, offset: int = 0) -> tuple[int, list[LoadEntry]]:
        def work(tx: ManagedTransaction) -> tuple[int, list[LoadEntry]]:
            total = int(tx.run(_COUNT_LOADS).single(strict=True)["n"])
            page = [dict(r["l"]) for r in tx.run(_PAGE_LOADS, limit=limit, offset=offset)]
            return total, _entries(tx, page)

        return cast(tuple[int, list[LoadEntry]], self._read(work))

    def load_entry(self, number: int) -> LoadEntry | None:
        def work(tx: ManagedTransaction) -> LoadEntry | None:
            found = [dict(r["l"]) for r in tx.run(_ONE_LOAD, number=number)]
            return next(iter(_entries(tx, found)), None)

        return cast(LoadEntry | None, self._read(work))

    def load_at(self, when: str) -> int | None:
        found = self._rows(_LOAD_AT, when=when)
        return None if not found or found[0]["n"] is None else int(found[0]["n"])

    def changed_by(self, number: int) -> list[Change]:
        def work(tx: ManagedTransaction) -> list[Change]:
            migrated = _migrated(tx)
            before = {k: r for k, r, _, _ in _versions(tx, _VERSIONS_REPLACED_BY, number)}
            after = {k: r for k, r, _, _ in _versions(tx, _VERSIONS_WRITTEN_BY, number)}
            entry = tx.run(_ONE_LOAD, number=number).single()
            counts = orjson.loads(entry["l"]["counts"]) if entry is not None else {}
            wrote = {k for k, c in counts.items() if c.get("created") or c.get("updated")}
            after.update(
                (k, r) for k, r, _ in _written_by(tx, number, migrated, wrote) if k not in after
            )
            keys = sorted({*before, *after}, key=_key_order)
            return [Change(k, before.get(k), after.get(k)) for k in keys]

        return cast(list[Change], self._read(work))

    def changes(
        self, number: int, *, limit: int = 100, offset: int = 0
    ) -> tuple[int, list[Change]]:
        def work(tx: ManagedTransaction) -> tuple[int, list[Change]]:
            migrated = _migrated(tx)
            keys = _changed_keys(tx, number, migrated)
            page = keys[offset : offset + limit]
            return len(keys), _changes_of(tx, page, number, migrated) if page else []

        return cast(tuple[int, list[Change]], self._read(work))

    def revisions(self, kind: str, record_id: str) -> list[Revision]:
        if kind not in RECORD_KINDS:
            raise ValueError(f"unknown record kind {kind!r}: one of {', '.join(RECORD_KINDS)}")

        def work(tx: ManagedTransaction) -> list[Revision]:
            found = [
                Revision(record, written, replaced)
                for key, record, written, replaced in _versions_of(tx, [record_id])
                if key.kind == kind
            ]
            now = _current(tx, kind, [record_id], _migrated(tx)).get(record_id)
            if now is not None:
                found.append(Revision(now[0], now[1], None))
            return sorted(found, key=lambda r: (r.written, r.replaced or 1 << 62))

        return cast(list[Revision], self._read(work))

    def changed_after(self, keys: Iterable[RecordKey], number: int) -> dict[RecordKey, int]:
        wanted: dict[str, set[str]] = {}
        for key in keys:
            wanted.setdefault(key.kind, set()).add(key.id)

        def work(tx: ManagedTransaction) -> dict[RecordKey, int]:
            migrated = _migrated(tx)
            first: dict[RecordKey, int] = {}

            def saw(key: RecordKey, load: int | None) -> None:
                if load is not None and load > number and load < first.get(key, 1 << 62):
                    first[key] = load

            ids = sorted({i for typed in wanted.values() for i in typed})
            for key, _, written, replaced in _versions_of(tx, ids):
                if key.id in wanted.get(key.kind, ()):
                    saw(key, written)
                    saw(key, replaced)
            for kind, typed in wanted.items():
                for record_id, (_, load) in _current(tx, kind, typed, migrated).items():
                    saw(RecordKey(kind, record_id), load)
            return first

        return cast(dict[RecordKey, int], self._read(work))

    def records_at(self, number: int) -> RecordedRecords:
        last, migrated = self._loads_state()
        if not (migrated or 1) <= number <= last:
            raise UnknownLoadError(
                f"no load {number} in {self.location} (loads {migrated or 1}-{last})"
            )
        return read_consistently(self, lambda: self._records_at(number, migrated or 0))

    def _records_at(self, number: int, migrated: int) -> RecordedRecords:
        """Every record held right after load ``number``: the current ones written by it or
        before, and the versions written by then and replaced after."""

        def held(values: Mapping[str, Any]) -> bool:
            return int(values.get(_LOAD_PROPERTY) or migrated) <= number

        kept = self._rows(_VERSIONS_HELD_AT, n=number)
        old: dict[str, list[Any]] = {}
        for row in kept:
            key, record, _, _ = _version(dict(row["v"]))
            old.setdefault(key.kind, []).append(record)
        merged = self._merged()
        nodes = [
            _node_from(labels, values)
            for labels, values in self._pages(
                lambda after: self._raw(
                    _PAGE_NODES, after=after, limit=_PAGE, label=None, kind=None
                ),
                lambda r: str(r[1]["id"]),
            )
            if held(values)
        ]
        nodes += [_merged_node(m) for m in merged if held(m)]
        edges = [
            _edge_from(r["type"], r["src"], r["dst"], r["props"])
            for r in self._pages(
                lambda after: self._rows(_PAGE_EDGES, after=after, limit=_PAGE, types=None),
                lambda r: str(r["props"]["key"]),
            )
            if held(r["props"])
        ]
        edges += [e for m in merged for e, load in _inner_lines(m) if (load or migrated) <= number]
        sources = [
            _source_from(values)
            for _, values in self._pages(
                lambda after: self._raw(_PAGE_SOURCES, after=after, limit=_PAGE),
                lambda r: str(r[1]["id"]),
            )
            if held(values)
        ]
        transfers = [_transfer_from(v) for _, v in self._raw(_TRANSFERS, org=None) if held(v)]
        judgements = [  # each as it stood then: one ended later was standing
            _judgement_from(v)
            if v.get("ended_at") is not None and int(v.get(_ENDED_PROPERTY) or migrated) <= number
            else replace(_judgement_from(v), ended_at=None, ended=None, ended_by=None)
            for _, v in self._raw(_JUDGEMENTS, standing=False, a=None, b=None)
            if held(v)
        ]
        nodes += old.get("node", [])
        edges += old.get("edge", [])
        sources += old.get("source", [])
        transfers += old.get("transfer", [])
        return RecordedRecords(
            sources=sorted(sources, key=lambda r: r.id),
            nodes=sorted(nodes, key=lambda n: n.id),
            edges=sorted(edges, key=lambda e: e.key),
            transfers=sorted(
                transfers, key=lambda t: (t.date is not None, t.date or date.min, t.id)
            ),
            judgements=sorted(judgements, key=lambda j: (j.a, j.b, j.recorded_at, j.id)),
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
        return {r["name"]: int(r["load"]) for r in self._rows(_ALL_TAGS)}

    def set_tag(self, name: str, number: int) -> None:
        def work(tx: ManagedTransaction) -> None:
            if tx.run(_ONE_LOAD, number=number).single() is None:
                raise UnknownLoadError(f"no load {number} in {self.location}")
            found = tx.run(_TAG_NAMED, name=name).single()
            if found is not None:
                if int(found["load"]) != number:
                    raise TagError(f"tag {name!r} names load {found['load']} already")
                return
            tx.run(_MAKE_TAG, name=name, load=number).consume()

        try:
            with self._server_errors(), self.driver.session(database=self.database) as session:
                session.execute_write(work)
        except ConstraintError as exc:  # another client named a load by it meanwhile
            raise TagError(f"tag {name!r} was just set by another client") from exc

    def close(self) -> None:
        self.driver.close()
