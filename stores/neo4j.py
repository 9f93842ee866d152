"""The Neo4j store: the same :class:`stores.base.GraphStore` over a Bolt server.

Idiomatic use of the official driver: one ``Driver`` per store (per process), short sessions
that always name the database, managed transactions whose functions consume their results
and return plain values, and ``UNWIND $rows`` batches. Every Cypher text that names a label
or a relationship type is built from the schema declaration (:mod:`graph_schema.cypher`);
values travel only as parameters.

A write (``with store.writer() as w``) collects the records and sends them in one managed
write transaction when the block exits, so a failure anywhere leaves nothing behind.
The graph mapping is documented in :mod:`graph_schema.cypher`.

A read of several transactions (``with store.reading():``) sees one state by an optimistic
check: a write that changes anything also adds one to the store's ``generation``, in the
same transaction; each transaction of the read reads the generation (and the store's epoch)
before and after its work, in the same transaction, and if it moved, a write committed in
between and the read may have mixed two states: it raises
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
from typing import Any, LiteralString, cast

import orjson
from neo4j import Driver, GraphDatabase, ManagedTransaction, unit_of_work
from neo4j.exceptions import ConstraintError, DriverError, Neo4jError
from neo4j.time import Date as CypherDate

from graph_schema.cypher import (
    JUDGEMENT_LABEL,
    MERGED_LABEL,
    NODE_LABEL,
    SOURCE_LABEL,
    STORE_LABEL,
    TRANSFER_LABEL,
    constraint_statements,
    cypher_active,
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
from stores.merges import MERGED_DST, MERGED_SRC, Merges, merges_of

__all__ = ["BATCH_SIZE", "Neo4jStore", "Neo4jWriter"]

#: Rows per ``UNWIND`` batch.
BATCH_SIZE = 2000
_PAGE = 5000
#: The server's codes for a transaction it stopped at its time limit (Neo4j 5 sends
#: ``…TransactionTimedOutClientConfiguration`` for the driver's timeout, ``…TransactionTimedOut``
#: for its own ``db.transaction.timeout``; ArcadeDB sends the latter).
_TIMED_OUT = "Neo.ClientError.Transaction.TransactionTimedOut"


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


def _native_values(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _native(v) for k, v in values.items()}


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
{_WHEN.format(test=f"'{label}' IN was AND {_CHANGED}", write="SET old = r")}
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
def _merge_edges(rel: str, line: str) -> LiteralString:
    return _q(f"""
UNWIND $rows AS row
MATCH (a:{NODE_LABEL} {{id: row.src}})
MATCH (b:{NODE_LABEL} {{id: row.dst}})
OPTIONAL MATCH {line.format(var="old", rel=rel)}
WITH a, b, row, old, row.props AS r, old.{HASH_PROPERTY} AS before
{_WHEN.format(test="old IS NULL", write=f"MERGE {line.format(var='e', rel=rel)} SET e = r")}
{_WHEN.format(test=_CHANGED, write="SET old = r")}
RETURN {_COUNTS}
""")


_FROM_SRC = "(a)-[{var}:{rel} {{key: row.key}}]->(b)"
_FROM_DST = "(b)<-[{var}:{rel} {{key: row.key}}]-(a)"
_MERGE_EDGES = {
    (rel, from_dst): _merge_edges(rel, _FROM_DST if from_dst else _FROM_SRC)
    for rel in REL_TYPES
    for from_dst in (False, True)
}

_REMOVE_EDGES = {
    rel: _q(f"""
UNWIND $rows AS row
MATCH (:{NODE_LABEL} {{id: row.src}})-[e:{rel} {{key: row.key}}]->()
DELETE e
RETURN count(*) AS removed
""")
    for rel in REL_TYPES
}

_MISSING_IDS = _q(f"""
UNWIND $ids AS id
OPTIONAL MATCH (n:{NODE_LABEL} {{id: id}})
WITH id, n WHERE n IS NULL
RETURN id
""")


def _merge_records(label: str) -> LiteralString:
    return _q(f"""
UNWIND $rows AS r
OPTIONAL MATCH (old:{label} {{id: r.id}})
WITH r, old, old.{HASH_PROPERTY} AS before
{_WHEN.format(test="old IS NULL", write=f"MERGE (n:{label} {{id: r.id}}) SET n = r")}
{_WHEN.format(test=_CHANGED, write="SET old = r")}
RETURN {_COUNTS}
""")


_MERGE_SOURCES = _merge_records(SOURCE_LABEL)
_MERGE_TRANSFERS = _merge_records(TRANSFER_LABEL)
_MERGE_JUDGEMENTS = _merge_records(JUDGEMENT_LABEL)

# A pair's standing judgement(s): the one to end, or two that a write must not leave.
_STANDING = _q(f"""
UNWIND $pairs AS p
MATCH (j:{JUDGEMENT_LABEL} {{a: p.a}})
WHERE j.b = p.b AND j.ended_at IS NULL
RETURN j
""")

# The store's state (see the module docstring): one node with a counter, ``generation``.
# ``epoch`` is set when the node is made, so that a database emptied and loaded again does
# not repeat the generations a reader saw before. The node is made when a store is opened
# (:meth:`Neo4jStore.ensure_schema`): two first writes at once must not both create it.
_STATE = _q(f"""
MATCH (s:{STORE_LABEL} {{id: 'store'}})
RETURN s.epoch AS epoch, s.generation AS generation, s.merges_at AS merges_at
""")
# ``merges_at``: the generation of the last write that changed the merged view (below), by
# which a read knows that the groups it kept from an earlier read still hold
_MERGES_MOVED = _q(f"MATCH (s:{STORE_LABEL} {{id: 'store'}}) SET s.merges_at = s.generation")
_MAKE_STATE = _q(f"""
MERGE (s:{STORE_LABEL} {{id: 'store'}})
ON CREATE SET s.generation = 0, s.epoch = $epoch
""")
_NEXT_GENERATION = _q(f"""
MERGE (s:{STORE_LABEL} {{id: 'store'}})
ON CREATE SET s.generation = 1, s.epoch = $epoch
ON MATCH SET s.generation = coalesce(s.generation, 0) + 1
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


def _run_batches(
    tx: ManagedTransaction, query: LiteralString, rows: list[dict[str, Any]]
) -> _Tally:
    """Send ``rows`` to an upsert statement, ``BATCH_SIZE`` at a time; sum what it returns."""
    tally = _Tally(sent=len(rows))
    for batch in _batches(rows):
        found = tx.run(query, rows=list(batch)).single(strict=True)
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
_MERGED_KEYS = (_INTO, _LABEL, _INNER)

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
        for edge in map(_inner_edge, m.get(_INNER) or ()):
            rows.setdefault(edge.type, []).append(
                {"src": edge.src, "dst": edge.dst, "props": edge_properties(edge)}
            )
    _relink(tx, rows)


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
        rows: dict[str, list[dict[str, Any]]] = {}
        for rel, now_src, now_dst, props in (lines[k] for k in sorted(lines)):
            src, dst = _loaded_ends(now_src, now_dst, props)
            at_src, at_dst = into.get(src, src), into.get(dst, dst)
            if at_src == at_dst:
                inner.append(canonical_json(_edge_from(rel, src, dst, props)))
                continue
            if at_src != src:
                props[MERGED_SRC] = src
            if at_dst != dst:
                props[MERGED_DST] = dst
            rows.setdefault(rel, []).append({"src": at_src, "dst": at_dst, "props": props})
        label = next(lb for lb in found["labels"] if lb in NODE_LABELS)
        kept = {**found["props"], _INTO: into[alias], _LABEL: label}
        if inner:
            kept[_INNER] = inner
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
    if not aliases.isdisjoint(writer.nodes):
        return True
    lines = (*writer.edges.values(), *writer.removed.values())
    return any(e.src in aliases or e.dst in aliases for e in lines)


def _write_all(tx: ManagedTransaction, writer: Neo4jWriter) -> WriteSummary:
    """The body of the one write transaction. Idempotent, so the driver may retry it."""
    summary = WriteSummary()
    merged = _merged_now(tx)
    refold = _refolds(writer, {m["id"] for m in merged})
    if merged and refold:  # the records are written to the graph as loaded
        _unfold(tx, merged)
    for query, kind, records in (
        (_MERGE_SOURCES, "source", writer.sources),
        (_MERGE_TRANSFERS, "transfer", writer.transfers),
    ):
        rows = [record_properties(r) for r in records.values()]
        _run_batches(tx, query, rows).count(kind, summary)
    _write_nodes(tx, writer.nodes.values(), summary)
    _remove_edges(tx, writer.removed, summary)
    _write_edges(tx, writer.edges.values(), summary)
    _end_judgements(tx, writer.ends, summary)
    _write_judgements(tx, writer.judgements, summary)
    moved = False
    if refold:
        merges = _standing_merges(tx)
        _fold(tx, merges)
        moved = {m["id"]: m[_INTO] for m in merged} != dict(merges.into)
    if summary.changed or moved:  # committed with the records, or not at all
        tx.run(_NEXT_GENERATION, epoch=uuid.uuid4().hex).consume()
    if moved:
        tx.run(_MERGES_MOVED).consume()
    return summary


def _write_nodes(tx: ManagedTransaction, nodes: Iterable[Node], summary: WriteSummary) -> None:
    by_label: dict[str, list[dict[str, Any]]] = {}
    for n in nodes:
        by_label.setdefault(n.label, []).append(node_properties(n))
    relabelled: list[tuple[str, str, str]] = []
    for label, rows in by_label.items():
        tally = _run_batches(tx, _MERGE_NODES[label], rows)
        tally.count("node", summary)
        relabelled.extend((k, old, label) for k, old in tally.relabelled)
    if relabelled:  # raised inside the transaction: nothing of the write is kept
        raise LabelChangeError(relabelled)


def _remove_edges(
    tx: ManagedTransaction, records: Mapping[str, Edge], summary: WriteSummary
) -> None:
    """Delete these relationships (found from their start node, by key)."""
    by_type: dict[str, list[dict[str, str]]] = {}
    for key, edge in sorted(records.items()):
        by_type.setdefault(edge.type, []).append({"key": key, "src": edge.src})
    for rel, rows in by_type.items():
        for batch in _batches(rows):
            found = tx.run(_REMOVE_EDGES[rel], rows=list(batch)).single(strict=True)
            summary.add("edge", "removed", found["removed"])


def _write_edges(tx: ManagedTransaction, edges: Iterable[Edge], summary: WriteSummary) -> None:
    by_type: dict[str, list[dict[str, Any]]] = {}
    for e in edges:
        by_type.setdefault(e.type, []).append(
            {"key": e.key, "src": e.src, "dst": e.dst, "props": edge_properties(e)}
        )
    for rel, rows in by_type.items():
        from_dst = len({r["dst"] for r in rows}) > len({r["src"] for r in rows})
        tally = _run_batches(tx, _MERGE_EDGES[rel, from_dst], rows)
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
        judgement_from_properties(dict(r["j"]))
        for batch in _batches(rows)
        for r in tx.run(_STANDING, pairs=list(batch))
    ]


def _end_judgements(
    tx: ManagedTransaction,
    ends: Mapping[tuple[str, str], tuple[str, str, str]],
    summary: WriteSummary,
) -> None:
    """End the standing judgement of each pair: its node is written again with the end
    (its verdict, who and when stay), never deleted."""
    ended = [
        replace(j, ended_at=at, ended=how, ended_by=who)
        for j in _standing(tx, ends)
        for at, how, who in (ends[j.pair],)
    ]
    rows = [judgement_properties(j) for j in ended]
    _run_batches(tx, _MERGE_JUDGEMENTS, rows).count("judgement", summary)


def _write_judgements(
    tx: ManagedTransaction, records: Mapping[str, Judgement], summary: WriteSummary
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
    _run_batches(tx, _MERGE_JUDGEMENTS, rows).count("judgement", summary)
    standing = Counter(j.pair for j in _standing(tx, (j.pair for j in records.values())))
    twice = [pair for pair, n in standing.items() if n > 1]
    if twice:
        raise JudgementConflictError(twice)


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
        """Create the constraints and indexes the schema asks for, and the store's state
        node (idempotent)."""
        with self.driver.session(database=self.database) as session:
            for statement in constraint_statements():
                session.run(_q(statement)).consume()
            # another client making it at the same moment is fine: it is there
            with suppress(ConstraintError):
                session.run(_MAKE_STATE, epoch=uuid.uuid4().hex).consume()
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
        """The store's epoch (made with its database) and generation (how many changing
        writes it has had): a read that sees the same pair before and after saw one state."""
        return cast(_State, self._read(_state))

    def generation(self) -> int:
        """How many changing writes the store has had (0 for a new one)."""
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
        with self._server_errors(), self.driver.session(database=self.database) as session:
            summary = session.execute_write(_write_all, writer)
        if writer.ends or writer.judgements:  # the merged view may have moved: read it anew
            self._drop_merges()
        writer.summary.counts.update(summary.counts)

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
            judgement_from_properties(values)
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

    def close(self) -> None:
        self.driver.close()
