"""The Neo4j store: the same :class:`stores.base.GraphStore` over a Bolt server.

Idiomatic use of the official driver: one ``Driver`` per store (per process), short sessions
that always name the database, managed transactions whose functions consume their results
and return plain values, and ``UNWIND $rows`` batches. Every Cypher text that names a label
or a relationship type is built from the schema declaration (:mod:`graph_schema.cypher`);
values travel only as parameters.

A write (``with store.writer() as w``) collects the records and sends them in one managed
write transaction when the block exits, so a failure anywhere leaves nothing behind.
The graph mapping is documented in :mod:`graph_schema.cypher`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, LiteralString, cast

from neo4j import Driver, GraphDatabase, ManagedTransaction, unit_of_work
from neo4j.exceptions import DriverError, Neo4jError
from neo4j.time import Date as CypherDate

from graph_schema.cypher import (
    NODE_LABEL,
    SOURCE_LABEL,
    TRANSFER_LABEL,
    constraint_statements,
    cypher_active,
)
from graph_schema.declaration import NODE_LABELS, REL_TYPES
from graph_schema.records import (
    Edge,
    Node,
    Source,
    Transfer,
    canonical_json,
    edge_sort_key,
)
from stores.base import (
    Direction,
    LabelChangeError,
    StoreCounts,
    StoreError,
    UnknownNodeError,
    WriteSummary,
)
from stores.deadline import QueryTimeoutError, current_limit, remaining

__all__ = ["BATCH_SIZE", "Neo4jStore", "Neo4jWriter"]

#: Rows per ``UNWIND`` batch.
BATCH_SIZE = 2000
_PAGE = 5000
_HASH = "_hash"
#: The server's codes for a transaction it stopped at its time limit (Neo4j 5 sends
#: ``…TransactionTimedOutClientConfiguration`` for the driver's timeout, ``…TransactionTimedOut``
#: for its own ``db.transaction.timeout``; ArcadeDB sends the latter).
_TIMED_OUT = "Neo.ClientError.Transaction.TransactionTimedOut"


def _q(text: str) -> LiteralString:
    """A query built only from schema names (never from input); see module docstring."""
    return text  # safe: only names from the schema declaration are interpolated


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def _batches(rows: Sequence[Any], size: int = BATCH_SIZE) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


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


def _props(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _native(v) for k, v in values.items() if k != _HASH}


# -- Cypher, per label and type, from the declaration ----------------------------------------

_STATUS_NODES = _q(f"""
UNWIND $rows AS r
OPTIONAL MATCH (n:{NODE_LABEL} {{id: r.id}})
RETURN r.id AS k, n.{_HASH} AS hash, [l IN labels(n) WHERE l <> '{NODE_LABEL}'] AS labels
""")

# New nodes are created with both labels at once, and changed ones matched through
# ``:Node`` alone: a lookup naming two labels cannot use the ``Node.id`` index on every
# server (ArcadeDB scans), and adding a label after creation trips its unique constraint.
_CREATE_NODES = {
    label: _q(f"""
UNWIND $rows AS r
CREATE (n:{NODE_LABEL}:{label})
SET n = r.props
""")
    for label in NODE_LABELS
}

_UPDATE_NODES = _q(f"""
UNWIND $rows AS r
MATCH (n:{NODE_LABEL} {{id: r.id}})
SET n = r.props
""")

_MISSING_IDS = _q(f"""
UNWIND $ids AS id
OPTIONAL MATCH (n:{NODE_LABEL} {{id: id}})
WITH id, n WHERE n IS NULL
RETURN id
""")

_STATUS_EDGES = {
    rel: _q(f"""
UNWIND $rows AS r
OPTIONAL MATCH (:{NODE_LABEL} {{id: r.src}})-[e:{rel} {{key: r.key}}]->(:{NODE_LABEL} {{id: r.dst}})
RETURN r.key AS k, e.{_HASH} AS hash, [] AS labels
""")
    for rel in REL_TYPES
}

_MERGE_EDGES = {
    rel: _q(f"""
UNWIND $rows AS r
MATCH (a:{NODE_LABEL} {{id: r.src}})
MATCH (b:{NODE_LABEL} {{id: r.dst}})
MERGE (a)-[e:{rel} {{key: r.key}}]->(b)
SET e = r.props
""")
    for rel in REL_TYPES
}


def _simple_queries(label: str) -> tuple[LiteralString, LiteralString]:
    status = _q(f"""
UNWIND $rows AS r
OPTIONAL MATCH (n:{label} {{id: r.id}})
RETURN r.id AS k, n.{_HASH} AS hash, [] AS labels
""")
    merge = _q(f"""
UNWIND $rows AS r
MERGE (n:{label} {{id: r.id}})
SET n = r.props
""")
    return status, merge


_SOURCE_QUERIES = _simple_queries(SOURCE_LABEL)
_TRANSFER_QUERIES = _simple_queries(TRANSFER_LABEL)

_GET_NODE = _q(f"MATCH (n:{NODE_LABEL} {{id: $id}}) RETURN n")
_GET_SOURCE = _q(f"MATCH (s:{SOURCE_LABEL} {{id: $id}}) RETURN s")
_LABELS = _q(f"""
UNWIND $ids AS id MATCH (n:{NODE_LABEL} {{id: id}})
RETURN n.id AS id, [l IN labels(n) WHERE l <> '{NODE_LABEL}'] AS labels
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
_COUNT_LABEL = {label: _q(f"MATCH (n:{label}) RETURN count(n) AS n") for label in NODE_LABELS}
_COUNT_TYPE = {rel: _q(f"MATCH ()-[e:{rel}]->() RETURN count(e) AS n") for rel in REL_TYPES}
_COUNT_OTHER = _q(f"""
CALL {{ MATCH (t:{TRANSFER_LABEL}) RETURN count(t) AS transfers }}
CALL {{ MATCH (s:{SOURCE_LABEL}) RETURN count(s) AS sources }}
RETURN transfers, sources
""")


# -- records <-> properties ------------------------------------------------------------------

def _node_props(node: Node) -> dict[str, Any]:
    props = {"id": node.id, "kind": node.kind, "name": node.name,
             "valid_from": node.valid_from, "valid_to": node.valid_to, **node.props,
             _HASH: _hash(canonical_json(node))}
    return {k: v for k, v in props.items() if v is not None}


def _edge_props(edge: Edge) -> dict[str, Any]:
    props = {"key": edge.key, "kind": edge.kind, "valid_from": edge.valid_from,
             "valid_to": edge.valid_to, **edge.props, _HASH: _hash(canonical_json(edge))}
    return {k: v for k, v in props.items() if v is not None}


def _record_props(record: Source | Transfer) -> dict[str, Any]:
    core: dict[str, Any] = {"id": record.id}
    if isinstance(record, Transfer):
        core.update(org=record.org, status=record.status, date=record.date)
    props = {**core, **record.props, _HASH: _hash(canonical_json(record))}
    return {k: v for k, v in props.items() if v is not None}


def _node_from(labels: Iterable[str], values: Mapping[str, Any]) -> Node:
    props = _props(values)
    label = next(lb for lb in labels if lb in NODE_LABELS)
    return Node(props.pop("id"), label, props.pop("kind"), props.pop("name"),
                props.pop("valid_from", None), props.pop("valid_to", None), props)


def _edge_from(rel_type: str, src: str, dst: str, values: Mapping[str, Any]) -> Edge:
    props = _props(values)
    props.pop("key", None)
    return Edge(rel_type, src, dst, props.pop("kind", None), props.pop("valid_from", None),
                props.pop("valid_to", None), props)


def _transfer_from(values: Mapping[str, Any]) -> Transfer:
    props = _props(values)
    return Transfer(props.pop("id"), props.pop("org"), props.pop("status"),
                    props.pop("date", None), props)


def _source_from(values: Mapping[str, Any]) -> Source:
    props = _props(values)
    return Source(props.pop("id"), props)


# -- writing ---------------------------------------------------------------------------------

@dataclass
class Neo4jWriter:
    """Collects upserts; :meth:`Neo4jStore.writer` sends them in one transaction."""

    summary: WriteSummary = field(default_factory=WriteSummary)
    sources: dict[str, Source] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[str, Edge] = field(default_factory=dict)
    transfers: dict[str, Transfer] = field(default_factory=dict)

    def upsert_sources(self, records: Iterable[Source]) -> None:
        self.sources.update((r.id, r) for r in records)

    def upsert_nodes(self, records: Iterable[Node]) -> None:
        self.nodes.update((r.id, r) for r in records)

    def upsert_edges(self, records: Iterable[Edge]) -> None:
        self.edges.update((r.key, r) for r in records)

    def upsert_transfers(self, records: Iterable[Transfer]) -> None:
        self.transfers.update((r.id, r) for r in records)


def _statuses(tx: ManagedTransaction, status_query: LiteralString, rows: list[dict[str, Any]],
              key: str, record_kind: str, summary: WriteSummary) -> tuple[
                  list[dict[str, Any]], list[dict[str, Any]], list[tuple[str, str, str]]]:
    """Split rows into created and updated (unchanged ones dropped), counting all three.

    Also returns (id, old label, new label) for nodes that exist under another label.
    """
    created, updated, relabelled = [], [], []
    for batch in _batches(rows):
        stored = {r["k"]: (r["hash"], r["labels"]) for r in tx.run(status_query, rows=list(batch))}
        for row in batch:
            old_hash, old_labels = stored.get(row[key], (None, None))
            if old_hash is None:
                created.append(row)
            elif old_hash == row["props"][_HASH]:
                summary.add(record_kind, "unchanged")
            else:
                updated.append(row)
            if old_labels and row.get("label") not in old_labels:
                relabelled.append((row[key], old_labels[0], row["label"]))
    summary.add(record_kind, "created", len(created))
    summary.add(record_kind, "updated", len(updated))
    return created, updated, relabelled


def _run_batches(tx: ManagedTransaction, query: LiteralString, rows: list[dict[str, Any]]) -> (
        None):
    for batch in _batches(rows):
        tx.run(query, rows=list(batch)).consume()


def _write_all(tx: ManagedTransaction, writer: Neo4jWriter) -> WriteSummary:
    """The body of the one write transaction. Idempotent, so the driver may retry it."""
    summary = WriteSummary()
    for (status, merge), kind, records in ((_SOURCE_QUERIES, "source", writer.sources),
                                           (_TRANSFER_QUERIES, "transfer", writer.transfers)):
        rows = [{"id": r.id, "props": _record_props(r)} for r in records.values()]
        created, updated, _ = _statuses(tx, status, rows, "id", kind, summary)
        _run_batches(tx, merge, created + updated)
    _write_nodes(tx, writer.nodes.values(), summary)
    _write_edges(tx, writer.edges.values(), summary)
    return summary


def _write_nodes(tx: ManagedTransaction, nodes: Iterable[Node], summary: WriteSummary) -> None:
    rows = [{"id": n.id, "label": n.label, "props": _node_props(n)} for n in nodes]
    created, updated, relabelled = _statuses(tx, _STATUS_NODES, rows, "id", "node", summary)
    if relabelled:
        raise LabelChangeError(relabelled)
    for label, query in _CREATE_NODES.items():
        _run_batches(tx, query, [r for r in created if r["label"] == label])
    _run_batches(tx, _UPDATE_NODES, updated)


def _write_edges(tx: ManagedTransaction, edges: Iterable[Edge], summary: WriteSummary) -> None:
    by_type: dict[str, list[dict[str, Any]]] = {}
    ends: set[str] = set()
    for e in edges:
        by_type.setdefault(e.type, []).append(
            {"key": e.key, "src": e.src, "dst": e.dst, "props": _edge_props(e)})
        ends.update((e.src, e.dst))
    missing = [r["id"] for batch in _batches(sorted(ends))
               for r in tx.run(_MISSING_IDS, ids=list(batch))]
    if missing:
        raise UnknownNodeError(missing)
    for rel, rows in by_type.items():
        created, updated, _ = _statuses(tx, _STATUS_EDGES[rel], rows, "key", "edge", summary)
        _run_batches(tx, _MERGE_EDGES[rel], created + updated)


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
        """Create the constraints and indexes the schema asks for (idempotent)."""
        with self.driver.session(database=self.database) as session:
            for statement in constraint_statements():
                session.run(_q(statement)).consume()

    # -- transactions --------------------------------------------------------------------------

    def _read(self, work: Callable[[ManagedTransaction], Any]) -> Any:
        """Run ``work`` in a read transaction; under a time limit (:mod:`stores.deadline`)
        the server stops the transaction when the time left has passed."""
        left = remaining()
        limited = work if left is None else unit_of_work(timeout=left)(work)
        with self._server_errors(), self.driver.session(database=self.database) as session:
            return session.execute_read(limited)

    def read_rows(self, query: str, **params: Any) -> list[dict[str, Any]]:
        """Run a read query (a constant text; values as parameters) and return plain dicts.

        The named queries use this; their Cypher texts are constants of :mod:`queries`.
        """
        text: LiteralString = query  # constants only, see above
        return cast(list[dict[str, Any]],
                    self._read(lambda tx: [_plain(r.data()) for r in tx.run(text, **params)]))

    def _rows(self, query: LiteralString, **params: Any) -> list[dict[str, Any]]:
        """Run a read query and return its records as plain dicts."""
        return cast(list[dict[str, Any]],
                    self._read(lambda tx: [r.data() for r in tx.run(query, **params)]))

    def _raw(self, query: LiteralString, **params: Any) -> list[Any]:
        """Run a read query and return its records' first values (nodes keep their labels)."""
        def work(tx: ManagedTransaction) -> list[Any]:
            return [(list(r[0].labels), dict(r[0])) for r in tx.run(query, **params)]
        return cast(list[Any], self._read(work))

    @contextmanager
    def writer(self) -> Iterator[Neo4jWriter]:
        writer = Neo4jWriter()
        yield writer
        with self._server_errors(), self.driver.session(database=self.database) as session:
            summary = session.execute_write(_write_all, writer)
        writer.summary.counts.update(summary.counts)

    # -- reading -------------------------------------------------------------------------------

    def get_node(self, node_id: str) -> Node | None:
        found = self._raw(_GET_NODE, id=node_id)
        return _node_from(*found[0]) if found else None

    def node_labels(self, ids: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for batch in _batches(sorted(set(ids)), 10_000):
            found.update((r["id"], r["labels"][0]) for r in self._rows(_LABELS, ids=list(batch)))
        return found

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
        found = {}
        for side in sides:
            for r in self._rows(_EDGES[side], id=node_id, types=wanted, as_of=as_of):
                edge = _edge_from(r["type"], r["src"], r["dst"], r["props"])
                found[edge.key] = edge
        return sorted(found.values(), key=edge_sort_key)

    def _pages(self, fetch: Callable[[str], list[Any]], cursor: Callable[[Any], str]) -> (
            Iterator[Any]):
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
        for labels, values in self._pages(
                lambda after: self._raw(_PAGE_NODES, after=after, limit=_PAGE, label=label,
                                        kind=kind),
                lambda r: str(r[1]["id"])):
            yield _node_from(labels, values)

    def iter_edges(self, *, types: Collection[str] | None = None) -> Iterator[Edge]:
        wanted = None if types is None else sorted(types)
        for r in self._pages(
                lambda after: self._rows(_PAGE_EDGES, after=after, limit=_PAGE, types=wanted),
                lambda r: str(r["props"]["key"])):
            yield _edge_from(r["type"], r["src"], r["dst"], r["props"])

    def get_source(self, source_id: str) -> Source | None:
        found = self._raw(_GET_SOURCE, id=source_id)
        return _source_from(found[0][1]) if found else None

    def iter_sources(self) -> Iterator[Source]:
        for _, values in self._pages(
                lambda after: self._raw(_PAGE_SOURCES, after=after, limit=_PAGE),
                lambda r: str(r[1]["id"])):
            yield _source_from(values)

    def iter_transfers(self, *, org: str | None = None) -> Iterator[Transfer]:
        found = [_transfer_from(values) for _, values in self._raw(_TRANSFERS, org=org)]
        yield from sorted(found, key=lambda t: (t.date is not None, t.date or date.min, t.id))

    def counts(self) -> StoreCounts:
        by_label = {lb: self._rows(q)[0]["n"] for lb, q in _COUNT_LABEL.items()}
        by_type = {rel: self._rows(q)[0]["n"] for rel, q in _COUNT_TYPE.items()}
        other = self._rows(_COUNT_OTHER)[0]
        return StoreCounts({k: v for k, v in sorted(by_label.items()) if v},
                           {k: v for k, v in sorted(by_type.items()) if v},
                           other["transfers"], other["sources"])

    def close(self) -> None:
        self.driver.close()
