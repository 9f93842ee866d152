"""The one interface every store keeps: a writer side and a reader side.

Both stores — the embedded default (:mod:`stores.embedded`) and Neo4j (:mod:`stores.neo4j`) —
implement :class:`GraphStore`, and one contract test suite (``tests/test_store_contract.py``)
runs the same tests against both.

Writes go through a writer context: every upsert inside one ``with store.writer() as w:``
block is one all-or-nothing write. If the block raises, nothing of it is kept, in the file,
the database or the in-memory graph.

Reads that take several steps (a named query and the names it looks up, an export, the
counts) go through :func:`read_consistently`, so that all of them see one state of the store
— the one before a concurrent write or the one after it, never a mix.

A named query reads a store through one of two views, declared here so that the queries
need no store class: :class:`CypherView` (the Neo4j store runs the query's one Cypher text)
and :class:`GraphView` (the embedded store lends its in-memory graph and columns).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Protocol, TypeVar, runtime_checkable

from graph_schema.records import Edge, Judgement, Node, Source, Transfer
from graph_schema.rows import Row

if TYPE_CHECKING:
    import networkx as nx

    from stores.columns import Columns
    from stores.history import WriteInfo
    from stores.merges import Merges

__all__ = [
    "Adjacency",
    "CypherView",
    "Direction",
    "GraphStore",
    "GraphView",
    "JudgementConflictError",
    "LabelChangeError",
    "RowWriter",
    "StoreChangedError",
    "StoreCounts",
    "StoreError",
    "StoreWriter",
    "UnknownNodeError",
    "WriteSummary",
    "read_consistently",
]

Direction = Literal["out", "in", "both"]


class StoreError(Exception):
    """Base of every error a store raises on purpose."""


class StoreChangedError(StoreError):
    """A write committed while a read of several steps was running, again and again: the
    read could not get one state of the store (the API answers 503: try again)."""

    def __init__(self, location: str, attempts: int) -> None:
        self.attempts = attempts
        super().__init__(
            f"{location} was written to during this read ({attempts} "
            f"attempt{'s' if attempts > 1 else ''}), so no answer of one state "
            "could be made; try again when the load has finished"
        )


class UnknownNodeError(StoreError):
    """An edge names a node id that is neither in the store nor in the same write."""

    def __init__(self, ids: Iterable[str]) -> None:
        self.ids = sorted(set(ids))
        shown = ", ".join(self.ids[:10]) + (" …" if len(self.ids) > 10 else "")
        super().__init__(f"edges refer to {len(self.ids)} unknown node id(s): {shown}")


class LabelChangeError(StoreError):
    """A node id is loaded again under another label (a label is part of a node's identity)."""

    def __init__(self, changes: Iterable[tuple[str, str, str]]) -> None:
        self.changes = sorted(changes)
        shown = "; ".join(f"{i}: {old} → {new}" for i, old, new in self.changes[:10])
        super().__init__(
            f"{len(self.changes)} node(s) would change label ({shown}); a node's "
            "label cannot change — give the node a new id"
        )


class JudgementConflictError(StoreError):
    """A write would leave a pair with two standing judgements (a judgement written as it
    is, e.g. reloaded from an export, beside the pair's standing one)."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self.pairs = sorted(set(pairs))
        shown = ", ".join(f"{a} / {b}" for a, b in self.pairs[:10])
        super().__init__(
            f"{len(self.pairs)} pair(s) would have two standing judgements ({shown}); "
            "end the standing one first (a later judgement supersedes it)"
        )


@dataclass
class WriteSummary:
    """What one write did, per record kind: created, updated, unchanged (and, for edges,
    removed: records of a line replaced by its assembled history) counts."""

    counts: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, record_kind: str, status: str, n: int = 1) -> None:
        """Count ``n`` records of ``record_kind`` ("node", "edge", …) as ``status``."""
        if n:
            self.counts.setdefault(record_kind, Counter())[status] += n

    def total(self, status: str) -> int:
        """Records of every kind with ``status``."""
        return sum(c[status] for c in self.counts.values())

    @property
    def changed(self) -> bool:
        """Whether the write created, updated or removed anything."""
        return bool(self.total("created") or self.total("updated") or self.total("removed"))


@dataclass(frozen=True)
class StoreCounts:
    """How much a store holds."""

    nodes_by_label: dict[str, int]
    edges_by_type: dict[str, int]
    transfers: int
    sources: int

    @property
    def nodes(self) -> int:
        return sum(self.nodes_by_label.values())

    @property
    def edges(self) -> int:
        return sum(self.edges_by_type.values())


class StoreWriter(Protocol):
    """Batched upserts inside one all-or-nothing write.

    Nodes must be written before the edges that refer to them (in the same writer or an
    earlier one). ``summary`` is complete once the ``with`` block has exited cleanly.
    """

    summary: WriteSummary
    #: what the write is, for the load log (:mod:`stores.history`); set inside the block
    info: WriteInfo
    #: the write's number in the load log, once it has committed (every write is logged,
    #: whether it changed anything or not)
    load: int

    def upsert_sources(self, records: Iterable[Source]) -> None: ...

    def upsert_nodes(self, records: Iterable[Node]) -> None: ...

    def upsert_edges(self, records: Iterable[Edge]) -> None: ...

    def upsert_transfers(self, records: Iterable[Transfer]) -> None: ...

    def remove_edges(self, records: Iterable[Edge]) -> None:
        """Remove these edges (as the store returned them; ones no longer there are
        ignored), before the write's upserts: a line whose history was assembled anew
        replaces its old records."""
        ...

    def remove(self, kind: str, ids: Iterable[str]) -> None:
        """Remove records of one kind ("source", "node", "edge", "transfer") by id (an
        edge: its key), keeping their last versions in the history: what a revert does to
        the records the reverted load made. Ids not held are ignored. A node that a line
        still joins is a :class:`~stores.history.NodeInUseError` (remove the lines first)."""
        ...

    def end_judgements(
        self, pairs: Iterable[tuple[str, str]], *, at: str, how: str, who: str
    ) -> None:
        """Mark the standing judgement of each pair (``a`` < ``b``) as ended ``at`` (ISO
        time), ``how`` (superseded or withdrawn), by ``who``: counted as updated judgements;
        a pair without one is left alone. Applied before the write's judgement upserts,
        after its nodes (whatever the order of the calls)."""
        ...

    def upsert_judgements(self, records: Iterable[Judgement]) -> None:
        """Write judgements as they are, by id (a new one, or a reload of an export's
        history). Both nodes of each must exist (:class:`UnknownNodeError`); a pair left
        with two standing judgements is a :class:`JudgementConflictError`."""
        ...


@runtime_checkable
class RowWriter(Protocol):
    """A writer that also takes records as rows (:mod:`graph_schema.rows`), in bulk: what a
    load of millions of records writes, without making a record object of each."""

    def upsert_rows(self, kind: str, rows: Sequence[Row]) -> None:
        """Upsert valid rows of one record kind ("source", "node", "edge", "transfer"),
        whose ids (edges: keys) are distinct; as the upserts of their records would. The rows
        are the writer's to use up: a list may be emptied as it is written, so that a
        province's rows are let go of one by one, not all at the end."""
        ...


class GraphStore(Protocol):
    """A graph of nodes, edges, transfers and sources, with writes and as-of reads."""

    #: "embedded" or "neo4j"
    kind: str
    #: the file path or server URL it was opened on (never a password)
    location: str

    def writer(self) -> AbstractContextManager[StoreWriter]:
        """A context in which upserts are collected and committed as one write."""
        ...

    def reading(self) -> AbstractContextManager[Any]:
        """A context in which every read sees one state of the store (reentrant).

        The embedded store holds its graph still for the block; the Neo4j store checks on
        leaving that no write committed meanwhile and raises :class:`StoreChangedError` if
        one did. Use :func:`read_consistently`, which tries such a read again.
        """
        ...

    def get_node(self, node_id: str) -> Node | None:
        """The node with this id, or None."""
        ...

    def get_nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        """The nodes of ``ids`` the store holds, by id (others left out): :meth:`get_node`
        of many, in a few queries rather than one each."""
        ...

    def node_labels(self, ids: Iterable[str]) -> dict[str, str]:
        """The label of each of ``ids`` that names a node in the store (others left out)."""
        ...

    def nodes_named(self, names: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        """For each of ``names`` that is the exact name or an alias of nodes in the store,
        their (id, label), sorted (others left out). A scan: for the rare reference by name."""
        ...

    def edges(
        self,
        node_id: str,
        *,
        direction: Direction = "out",
        types: Collection[str] | None = None,
        as_of: date | None = None,
    ) -> list[Edge]:
        """Edges at one node, by direction and type, that hold on ``as_of`` (None: all).

        Sorted by (type, src, dst, kind, valid_from) so that both stores agree.
        """
        ...

    def iter_nodes(self, *, label: str | None = None, kind: str | None = None) -> Iterator[Node]:
        """Every node, or those of a label (and kind), in id order."""
        ...

    def iter_edges(self, *, types: Collection[str] | None = None) -> Iterator[Edge]:
        """Every edge (of the given types), ordered by key."""
        ...

    def get_source(self, source_id: str) -> Source | None:
        """The source record with this id, or None."""
        ...

    def iter_sources(self) -> Iterator[Source]:
        """Every source record, in id order."""
        ...

    def iter_transfers(self, *, org: str | None = None) -> Iterator[Transfer]:
        """Every transfer record (of one organization), in (date, id) order."""
        ...

    def iter_judgements(
        self, *, standing: bool = False, pair: tuple[str, str] | None = None
    ) -> Iterator[Judgement]:
        """Every judgement (or the standing ones; or those of one pair), history included,
        in (a, b, recorded_at, id) order."""
        ...

    def counts(self) -> StoreCounts:
        """Node counts by label, edge counts by type, transfers and sources."""
        ...

    def state(self) -> tuple[str | None, int]:
        """The store's epoch (made with its database; None for the embedded store, whose
        file is its identity) and generation (how many changing writes it has had), as a
        read sees it: what an answer kept for later is kept for (:mod:`dedupe.cache`)."""
        ...

    def merges(self) -> Merges:
        """The groups of node ids that standing ``same`` judgements make one node for the
        named queries (:mod:`stores.merges`); the records stay as loaded."""
        ...

    def to_networkx(
        self,
        *,
        as_of: date | None = None,
        types: Collection[str] | None = None,
        root: str | None = None,
    ) -> nx.MultiDiGraph[str]:
        """The graph as a new networkx ``MultiDiGraph``, built through networkx's public API
        (:func:`exports.networkx.to_networkx`): for notebooks, GraphML and algorithms."""
        ...

    def close(self) -> None:
        """Release the file or the driver."""
        ...


# -- what the named queries read -----------------------------------------------------------


class Lines(Mapping[str, Mapping[str, Mapping[int, Mapping[str, Any]]]], ABC):
    """One way of the embedded store's adjacency: node → neighbour → line key → line
    attributes, and (what the traversals mostly ask) one node's lines of a type on a day."""

    @abstractmethod
    def typed(
        self, node_id: str, rel_type: str, as_of: date | None
    ) -> Iterator[tuple[str, int, Mapping[str, Any]]]:
        """(other end, key, attributes) of the node's ``rel_type`` lines that hold on
        ``as_of`` (None: every one), in key order; ``KeyError`` for an unknown node."""


class Adjacency(NamedTuple):
    """The embedded store's graph as the traversals read it (:meth:`stores.model.Model.adjacency`),
    shaped like networkx's dicts: node id → attributes, and node → neighbour → line key →
    line attributes, both ways. Built per node as asked; read-only.

    Line keys are the lines' SQLite rowids (:meth:`GraphView.edge_records`).
    """

    node: Mapping[str, Mapping[str, Any]]
    succ: Lines
    pred: Lines


class _RecordReads(Protocol):
    """The record reads both views offer (see :class:`GraphStore`)."""

    def get_node(self, node_id: str) -> Node | None: ...

    def get_source(self, source_id: str) -> Source | None: ...

    def iter_transfers(self, *, org: str | None = None) -> Iterator[Transfer]: ...

    def merges(self) -> Merges: ...


@runtime_checkable
class CypherView(_RecordReads, Protocol):
    """A store that speaks Cypher: a named query sends it its one Cypher text and shapes
    the rows in Python (the Neo4j store)."""

    def read_rows(self, query: str, **params: Any) -> list[dict[str, Any]]:
        """Run a read query (a constant text; values as parameters): plain dicts, dates as
        ``datetime.date``, inside the caller's consistent read."""
        ...


@runtime_checkable
class GraphView(_RecordReads, Protocol):
    """A store that holds the graph in memory: a named query walks it (the embedded
    store). Texts and provenance are not in the graph; they are read by key."""

    def reading_graph(self) -> AbstractContextManager[Adjacency]:
        """The graph, held still for the block (a consistent read, see
        :meth:`GraphStore.reading`)."""
        ...

    def columns(self) -> Columns:
        """The graph as numpy columns, for whole-graph questions (:mod:`stores.columns`)."""
        ...

    def edge_records(self, keys: Iterable[int]) -> dict[int, Edge]:
        """Full records (provenance included) of edges by their graph keys."""
        ...

    def search_names(
        self, needle: str, *, label: str | None, kind: str | None, limit: int, offset: int
    ) -> tuple[int, list[tuple[Node, Node, int]]]:
        """Nodes whose name, English name or an alias contains ``needle`` (any case), in the
        order of :mod:`queries.search`: how many there are, and the page from ``offset``
        (at most ``limit``), each with the record whose name matched best (the node's own;
        in a merged group, maybe another of the group's) and that name's position in it (0
        name, 1 English name, 2 + i its i-th alias)."""
        ...


T = TypeVar("T")

#: How often :func:`read_consistently` tries a read that a write overtook.
READ_ATTEMPTS = 5


def read_consistently(store: GraphStore, read: Callable[[], T]) -> T:
    """``read()`` (any number of reads of ``store``) with every step seeing one state.

    A read that a committed write overtook (:class:`StoreChangedError`, Neo4j store) is
    made again from the start — it cannot have been passed on, since its result is only
    returned here; after :data:`READ_ATTEMPTS` overtaken tries the error goes to the caller.
    """
    for attempt in range(1, READ_ATTEMPTS + 1):
        try:
            with store.reading():
                return read()
        except StoreChangedError as exc:
            if attempt == READ_ATTEMPTS:
                raise StoreChangedError(store.location, attempt) from exc
    raise AssertionError("unreachable")  # pragma: no cover
