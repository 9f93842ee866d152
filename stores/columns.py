"""A columnar index of the embedded store's graph: numpy arrays for whole-graph questions.

The whole-graph queries (orphans, overlaps, coverage, mismatches, overlap pairs, conflicts)
look at every node and line: over networkx's dicts, a Python loop of 1–7 s on a 1M-node
province; over integer arrays, milliseconds. So the store keeps the graph a second time, as
columns: **nodes** by index (:attr:`Columns.ids`) with label and kind codes, validity as day
numbers (:meth:`datetime.date.toordinal`; an open end is :data:`NO_START` / :data:`NO_END`, so
"as of D" is two comparisons on a column), the placeholder flag and the numeric properties
the queries test (NaN: none); **edges** per type (:class:`EdgeColumns`) with their ends, kind,
validity and graph key, in key order. About 45 bytes a node and 22 an edge (~100 MiB at 1M
nodes; the graph holds ~1.8 GiB). The networkx graph stays the store's graph, for traversals
and names.

One :class:`Columns` per generation: :func:`build` makes it when a whole-graph query first
asks (C-level iteration over the graph's dicts: ~1 s at 200k nodes), and :func:`catch_up`
brings it forward by the rows of later generations, read in the caller's read transaction
(~0.25 s for a small write at 1M nodes); a catch-up touching much of the graph, or removing
edges, is a rebuild. Columns are never changed in place once handed out (but for the id
order, added when first asked for), so a reader holding the old object keeps a consistent one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import chain, repeat
from operator import itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from graph_schema.declaration import NODE_COMMON, NODE_LABELS
from stores.deadline import check

__all__ = [
    "NO_END",
    "NO_START",
    "Bools",
    "Columns",
    "EdgeColumns",
    "Ints",
    "build",
    "catch_up",
    "day",
]

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float64]

#: Day number of an empty ``valid_from``: before every day (ordinals start at 1).
NO_START = 0
#: Day number of an empty ``valid_to``: after every day.
NO_END = int(np.iinfo(np.int32).max)
#: A catch-up changing more rows than this share of the graph rebuilds instead.
REBUILD_SHARE = 0.25


def day(as_of: date) -> int:
    """The day number of a date, as the columns hold validity."""
    return as_of.toordinal()


def _bool_props() -> frozenset[str]:
    props = (p for lb in NODE_LABELS.values() for p in (*NODE_COMMON, *lb.props))
    return frozenset(p.name for p in props if p.type == "bool")


_BOOL_PROPS = _bool_props()


class _Codes:
    """Names (labels, kinds, types) as small integer codes; grows as new names appear."""

    __slots__ = ("codes", "names")

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names: list[str] = []
        self.codes: dict[str, int] = {}
        for name in names:
            self.code(name)

    def code(self, name: str) -> int:
        found = self.codes.get(name)
        if found is None:
            found = self.codes[name] = len(self.names)
            self.names.append(name)
        return found

    def encode(self, values: Sequence[str], dtype: type[np.signedinteger[Any]]) -> npt.NDArray[Any]:
        for name in set(values) - self.codes.keys():
            self.code(name)
        out: npt.NDArray[Any] = np.fromiter(map(self.codes.__getitem__, values), dtype, len(values))
        return out

    def copy(self) -> _Codes:
        other = _Codes()
        other.names = list(self.names)
        other.codes = dict(self.codes)
        return other


def _days(values: Sequence[date | None], empty: int) -> npt.NDArray[np.int32]:
    """Dates (or None) as day numbers; dates are shared objects, so each converts once."""
    table = {d: (empty if d is None else d.toordinal()) for d in set(values)}
    return np.fromiter(map(table.__getitem__, values), np.int32, len(values))


def _get(attrs: Sequence[Mapping[str, Any]], name: str) -> list[Any]:
    """``attrs[i].get(name)`` for every i, iterated in C."""
    return list(map(dict.get, attrs, repeat(name)))  # type: ignore[arg-type]


@dataclass(frozen=True, eq=False)
class EdgeColumns:
    """The edges of one relationship type, in key order (see the module docstring)."""

    src: npt.NDArray[np.int32]
    dst: npt.NDArray[np.int32]
    #: code in :attr:`Columns.edge_kinds`; -1 for an edge without a kind
    kind: npt.NDArray[np.int16]
    start: npt.NDArray[np.int32]
    end: npt.NDArray[np.int32]
    #: the graph's edge key (the SQLite rowid), ascending; 32 bits while they fit
    key: npt.NDArray[np.signedinteger[Any]]

    def __len__(self) -> int:
        return len(self.key)

    def active(self, on: int) -> Bools:
        """Which edges hold on day number ``on``."""
        found: Bools = (self.start <= on) & (on < self.end)
        return found

    def started(self, on: int) -> Bools:
        """Which edges had begun by day number ``on`` (ended or not)."""
        found: Bools = self.start <= on
        return found

    @property
    def nbytes(self) -> int:
        return sum(
            a.nbytes for a in (self.src, self.dst, self.kind, self.start, self.end, self.key)
        )


def _empty_edges() -> EdgeColumns:
    return EdgeColumns(
        np.empty(0, np.int32),
        np.empty(0, np.int32),
        np.empty(0, np.int16),
        np.empty(0, np.int32),
        np.empty(0, np.int32),
        np.empty(0, np.int64),
    )


@dataclass(frozen=True, eq=False)
class Columns:
    """The graph of one generation as arrays; see the module docstring. Read-only."""

    generation: int
    #: node index → id
    ids: list[str]
    label: npt.NDArray[np.int8]
    kind: npt.NDArray[np.int16]
    start: npt.NDArray[np.int32]
    end: npt.NDArray[np.int32]
    unresolved: Bools
    #: numeric node properties (NaN: none)
    props: dict[str, Floats]
    edges_by_type: dict[str, EdgeColumns]
    labels: _Codes
    kinds: _Codes
    edge_kinds: _Codes
    #: id order (see :meth:`rank`), worked out when first asked for
    _rank: list[npt.NDArray[np.int32]] = field(default_factory=list)
    #: id → node index (see :meth:`position`), worked out when first asked for
    _position: list[dict[str, int]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    # -- nodes ----------------------------------------------------------------------------

    def alive(self, on: int) -> Bools:
        """Which nodes exist on day number ``on``."""
        found: Bools = (self.start <= on) & (on < self.end)
        return found

    def label_is(self, label: str) -> Bools:
        code = self.labels.codes.get(label)
        if code is None:
            return np.zeros(len(self), dtype=bool)
        found: Bools = self.label == code
        return found

    def kind_in(self, kinds: Iterable[str]) -> Bools:
        """Which nodes have one of ``kinds``."""
        codes = [self.kinds.codes[k] for k in kinds if k in self.kinds.codes]
        found: Bools = np.isin(self.kind, np.array(codes, dtype=np.int16))
        return found

    def prop(self, name: str) -> Floats:
        """A numeric node property (NaN where a node has none)."""
        return self.props[name]

    def rank(self) -> npt.NDArray[np.int32]:
        """Each node's position in id order (Python's string order), for sorting by id."""
        if not self._rank:
            order = sorted(range(len(self.ids)), key=self.ids.__getitem__)
            rank = np.empty(len(self.ids), dtype=np.int32)
            rank[np.array(order, dtype=np.int64)] = np.arange(len(self.ids), dtype=np.int32)
            self._rank.append(rank)
        return self._rank[0]

    def position(self) -> dict[str, int]:
        """Each id's node index (worked out when first asked for): how the few ids a query
        names (a transfer's, an orphan's) find their rows."""
        if not self._position:
            self._position.append(dict(zip(self.ids, range(len(self.ids)), strict=True)))
        return self._position[0]

    # -- edges ----------------------------------------------------------------------------

    def edges(self, rel_type: str) -> EdgeColumns:
        """The edges of a relationship type (none: empty columns)."""
        found = self.edges_by_type.get(rel_type)
        return _empty_edges() if found is None else found

    def edge_kind_is(self, edges: EdgeColumns, kind: str) -> Bools:
        code = self.edge_kinds.codes.get(kind)
        if code is None:
            return np.zeros(len(edges), dtype=bool)
        found: Bools = edges.kind == code
        return found

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays and the id list (not the ids, which the graph holds)."""
        arrays: list[npt.NDArray[Any]] = [
            self.label,
            self.kind,
            self.start,
            self.end,
            self.unresolved,
            *self.props.values(),
        ]
        nodes = sum(int(a.nbytes) for a in arrays)
        ranks = sum(int(r.nbytes) for r in self._rank)
        return (
            nodes
            + ranks
            + 8 * len(self.ids)
            + 56
            + sum(e.nbytes for e in self.edges_by_type.values())
        )


# -- building -----------------------------------------------------------------------------------


class _NodeFields:
    """The column values of some nodes, from their graph attribute dicts."""

    def __init__(
        self,
        attrs: Sequence[Mapping[str, Any]],
        labels: _Codes,
        kinds: _Codes,
        numeric: Sequence[str],
    ) -> None:
        self.label = labels.encode(list(map(itemgetter("label"), attrs)), np.int8)
        self.kind = kinds.encode(list(map(itemgetter("kind"), attrs)), np.int16)
        self.start = _days(_get(attrs, "valid_from"), NO_START)
        self.end = _days(_get(attrs, "valid_to"), NO_END)
        self.unresolved: Bools = np.array(_get(attrs, "unresolved"), dtype=bool)
        # None becomes NaN; bool(NaN) and comparisons with NaN are false, as for a missing value
        self.props = {name: np.array(_get(attrs, name), dtype=np.float64) for name in numeric}


class _EdgeFields:
    """Type, kind and validity of edges, from their graph attribute dicts (shared objects:
    each distinct one converts once)."""

    def __init__(
        self, attrs: Sequence[Mapping[str, Any]], types: _Codes, edge_kinds: _Codes
    ) -> None:
        ids = np.fromiter(map(id, attrs), np.int64, len(attrs))
        _, first, self.code = np.unique(ids, return_index=True, return_inverse=True)
        once = [attrs[i] for i in first.tolist()]
        self.type = types.encode(list(map(itemgetter("type"), once)), np.int8)[self.code]
        kinds = _get(once, "kind")
        kind = edge_kinds.encode([k for k in kinds if k is not None], np.int16)
        per_once = np.full(len(once), -1, dtype=np.int16)
        per_once[np.array([k is not None for k in kinds], dtype=bool)] = kind
        self.kind = per_once[self.code]
        self.start = _days(_get(once, "valid_from"), NO_START)[self.code]
        self.end = _days(_get(once, "valid_to"), NO_END)[self.code]


def _numeric_props(node_hot: Sequence[str]) -> tuple[str, ...]:
    return tuple(name for name in node_hot if name not in _BOOL_PROPS)


Neighbours = Mapping[str, Mapping[str, Mapping[int, Mapping[str, Any]]]]


def build(
    node: Mapping[str, Mapping[str, Any]],
    succ: Neighbours,
    pred: Neighbours,
    generation: int,
    node_hot: Sequence[str],
) -> Columns:
    """The columns of a graph, from networkx's own dicts (node attrs, successors,
    predecessors).

    Iterates the dicts with C-level ``map``/``chain`` (no Python statement per node or edge):
    ~3 s of CPU for a million nodes and 2.6 million edges.
    """
    ids = list(node)
    n = len(ids)
    labels, kinds, types, edge_kinds = _Codes(), _Codes(), _Codes(), _Codes()
    fields = _NodeFields(list(node.values()), labels, kinds, _numeric_props(node_hot))
    check()
    # successors: node → {target → {key → attrs}}; flattened in node order
    per_node = np.fromiter(map(len, succ.values()), np.int64, n)
    keyed: list[Mapping[int, Mapping[str, Any]]] = list(
        chain.from_iterable(map(dict.values, succ.values()))  # type: ignore[arg-type]
    )
    per_pair = np.fromiter(map(len, keyed), np.int64, len(keyed))
    targets = _targets(ids, succ, pred, keyed)
    count = int(per_pair.sum())
    src = np.repeat(np.repeat(np.arange(n, dtype=np.int32), per_node), per_pair)
    dst = np.repeat(targets, per_pair)
    key = _narrow(np.fromiter(chain.from_iterable(keyed), np.int64, count))
    attrs: list[Mapping[str, Any]] = list(chain.from_iterable(map(dict.values, keyed)))  # type: ignore[arg-type]
    del keyed
    check()
    edge = _EdgeFields(attrs, types, edge_kinds)
    del attrs
    by_type = {}
    for code, name in enumerate(types.names):
        part = np.flatnonzero(edge.type == code)
        part = part[np.argsort(key[part])]  # keys are distinct: any sort will do
        by_type[name] = EdgeColumns(
            src[part], dst[part], edge.kind[part], edge.start[part], edge.end[part], key[part]
        )
    return Columns(
        generation,
        ids,
        fields.label,
        fields.kind,
        fields.start,
        fields.end,
        fields.unresolved,
        fields.props,
        by_type,
        labels,
        kinds,
        edge_kinds,
    )


def _targets(
    ids: list[str], succ: Neighbours, pred: Neighbours, keyed: list[Mapping[int, Mapping[str, Any]]]
) -> npt.NDArray[np.int32]:
    """The target's index of each (source, target) pair of ``keyed``, succ's key dicts in
    succ's order.

    networkx shares one key dict between ``succ[u][v]`` and ``pred[v][u]``, so the pairs of
    succ and of pred (whose order gives the target) are matched by that dict's identity: two
    sorts of integers, instead of millions of lookups in a dict of a million ids (which
    would also leave a million integers behind in the allocator). A graph that did not share
    them would be looked up by id instead."""
    n, m = len(ids), len(keyed)
    outgoing = np.fromiter(map(id, keyed), np.int64, m)
    per_target = np.fromiter(map(len, pred.values()), np.int64, len(pred))
    if len(pred) == n and int(per_target.sum()) == m and list(pred) == ids:
        incoming = np.fromiter(
            map(id, chain.from_iterable(map(dict.values, pred.values()))),  # type: ignore[arg-type]
            np.int64,
            m,
        )
        by_in, by_out = np.argsort(incoming), np.argsort(outgoing)
        if np.array_equal(incoming[by_in], outgoing[by_out]):
            found = np.empty(m, dtype=np.int32)
            found[by_out] = np.repeat(np.arange(n, dtype=np.int32), per_target)[by_in]
            return found
    index = dict(zip(ids, range(n), strict=True))
    return np.fromiter(map(index.__getitem__, chain.from_iterable(succ.values())), np.int32, m)


def catch_up(
    columns: Columns | None,
    node: Mapping[str, Mapping[str, Any]],
    succ: Neighbours,
    pred: Neighbours,
    conn: sqlite3.Connection,
    generation: int,
    node_hot: Sequence[str],
    into: Mapping[str, str] | None = None,
) -> Columns:
    """Columns of the graph at ``generation``: ``columns`` if it is of that generation
    already, brought forward by the rows of the later generations, or built anew.

    ``conn`` must be inside the read transaction in which the graph caught up with
    ``generation`` (the rows read are then exactly those the graph applied). ``into`` maps
    the aliases folded into canonical nodes (:mod:`stores.merges`): their rows are read at
    the canonical node, lines inside a group not at all.
    """
    if columns is not None and columns.generation == generation:
        return columns
    if columns is None or columns.generation > generation:
        return build(node, succ, pred, generation, node_hot)
    old = columns.generation
    removals = (
        "SELECT EXISTS (SELECT 1 FROM removed WHERE gen > ?1) "
        "OR EXISTS (SELECT 1 FROM removed_nodes WHERE gen > ?1)"
    )
    if conn.execute(removals, (old,)).fetchone()[0]:
        return build(node, succ, pred, generation, node_hot)  # (edges or nodes removed: rare)
    changed = conn.execute("SELECT count(*) FROM nodes WHERE gen > ?", (old,)).fetchone()[0]
    changed += conn.execute("SELECT count(*) FROM edges WHERE gen > ?", (old,)).fetchone()[0]
    size = len(columns) + sum(len(e) for e in columns.edges_by_type.values())
    if changed > REBUILD_SHARE * size:
        return build(node, succ, pred, generation, node_hot)
    node_ids = [r[0] for r in conn.execute("SELECT id FROM nodes WHERE gen > ?", (old,))]
    edge_rows = conn.execute("SELECT rowid, src, dst FROM edges WHERE gen > ?", (old,)).fetchall()
    if into:
        node_ids = [i for i in node_ids if i not in into]
        moved = ((k, into.get(s, s), into.get(d, d)) for k, s, d in edge_rows)
        edge_rows = [(k, s, d) for k, s, d in moved if s != d]
    return _brought_forward(columns, node, succ, generation, node_ids, edge_rows)


def _brought_forward(
    columns: Columns,
    node: Mapping[str, Mapping[str, Any]],
    succ: Mapping[str, Mapping[str, Mapping[int, Mapping[str, Any]]]],
    generation: int,
    node_ids: list[str],
    edge_rows: list[tuple[int, str, str]],
) -> Columns:
    """New columns: ``columns`` with the given nodes and edges replaced or appended."""
    labels, kinds = columns.labels.copy(), columns.kinds.copy()
    edge_kinds, types = columns.edge_kinds.copy(), _Codes(columns.edges_by_type)
    index = dict(zip(columns.ids, range(len(columns.ids)), strict=True))
    new_ids = [i for i in dict.fromkeys(node_ids) if i not in index]
    ids = columns.ids + new_ids if new_ids else columns.ids
    for i in new_ids:
        index[i] = len(index)
    n = len(ids)

    def grown(values: npt.NDArray[Any], fill: Any) -> npt.NDArray[Any]:
        out = np.full(n, fill, dtype=values.dtype)
        out[: len(values)] = values
        return out

    label, kind = grown(columns.label, -1), grown(columns.kind, -1)
    start, end = grown(columns.start, NO_START), grown(columns.end, NO_END)
    unresolved = grown(columns.unresolved, False)
    props = {name: grown(values, np.nan) for name, values in columns.props.items()}
    if node_ids:
        at = np.fromiter(map(index.__getitem__, node_ids), np.int64, len(node_ids))
        fields = _NodeFields([node[i] for i in node_ids], labels, kinds, tuple(props))
        label[at], kind[at], start[at], end[at] = (
            fields.label,
            fields.kind,
            fields.start,
            fields.end,
        )
        unresolved[at] = fields.unresolved
        for name, values in props.items():
            values[at] = fields.props[name]
    by_type = dict(columns.edges_by_type)
    if edge_rows:
        attrs = [succ[s][d][k] for k, s, d in edge_rows]
        edge = _EdgeFields(attrs, types, edge_kinds)
        keys = _narrow(np.array([r[0] for r in edge_rows], dtype=np.int64))
        src = np.fromiter((index[r[1]] for r in edge_rows), np.int32, len(edge_rows))
        dst = np.fromiter((index[r[2]] for r in edge_rows), np.int32, len(edge_rows))
        for code, name in enumerate(types.names):
            part = np.flatnonzero(edge.type == code)
            if len(part):
                by_type[name] = _merged(
                    columns.edges(name),
                    src[part],
                    dst[part],
                    edge.kind[part],
                    edge.start[part],
                    edge.end[part],
                    keys[part],
                )
    return Columns(
        generation,
        ids,
        label,
        kind,
        start,
        end,
        unresolved,
        props,
        by_type,
        labels,
        kinds,
        edge_kinds,
    )


def _narrow(keys: npt.NDArray[np.int64]) -> npt.NDArray[np.signedinteger[Any]]:
    """Edge keys as 32-bit integers when they fit (they are SQLite rowids: they do, short of
    two billion edges), else as they are."""
    if len(keys) and int(keys.max()) > np.iinfo(np.int32).max:
        return keys
    return keys.astype(np.int32)


def _merged(
    old: EdgeColumns,
    src: npt.NDArray[np.int32],
    dst: npt.NDArray[np.int32],
    kind: npt.NDArray[np.int16],
    start: npt.NDArray[np.int32],
    end: npt.NDArray[np.int32],
    key: npt.NDArray[np.signedinteger[Any]],
) -> EdgeColumns:
    """``old`` with the edges of these keys replaced (same key) or added, in key order."""
    pos = np.searchsorted(old.key, key)
    known = pos < len(old)
    known[known] = old.key[pos[known]] == key[known]
    merged = replace(old, kind=old.kind.copy(), start=old.start.copy(), end=old.end.copy())
    at = pos[known]
    merged.kind[at], merged.start[at], merged.end[at] = kind[known], start[known], end[known]
    added = ~known
    if not added.any():
        return merged
    parts: list[tuple[npt.NDArray[Any], npt.NDArray[Any]]] = [
        (merged.src, src[added]),
        (merged.dst, dst[added]),
        (merged.kind, kind[added]),
        (merged.start, start[added]),
        (merged.end, end[added]),
        (merged.key, key[added]),
    ]
    columns = [np.concatenate(p) for p in parts]
    order = np.argsort(columns[5], kind="stable")
    c = [a[order] for a in columns]
    return EdgeColumns(c[0], c[1], c[2], c[3], c[4], c[5])
