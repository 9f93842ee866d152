"""The embedded store's graph in memory: one compact model of integer arrays.

Why this shape
--------------
A province is millions of nodes and lines. As Python objects (networkx's dicts) it took
~1.9 GiB at 1M nodes and seconds to build or to scan; as arrays it takes a tenth of that,
and the whole-graph queries read the same arrays the traversals read. :class:`Model` holds
one generation of the graph, read-only:

* **nodes** in id order (Python's string order, which is UTF-8 byte order and SQLite's):
  ids and names in one UTF-8 buffer each (:mod:`stores.texts`), label and kind as small
  codes, validity as day numbers (:func:`datetime.date.toordinal`; an open end is
  :data:`NO_START` / :data:`NO_END`, so "as of D" is two comparisons on a column), and the
  numeric and boolean properties the queries test as float columns (NaN: none);
* **lines** in (type, key) order — the key is the SQLite rowid of the line's record — with
  their ends as node indexes, type and kind codes, validity and numeric properties;
* **adjacency** both ways as CSR (compressed sparse rows): the lines leaving node ``i`` are
  ``out_edges[out_ptr[i]:out_ptr[i + 1]]``, those arriving likewise.

Texts and provenance stay in SQLite. The named queries that walk the graph read it through
:meth:`Model.adjacency` (mappings shaped like networkx's, built per node as asked), the
whole-graph ones through :meth:`Model.columns` (slices of the same arrays, no copy).

A write moves the model on by :meth:`Model.updated` (the rows of the generations it has not
seen: vectorised splices, a new model; readers holding the old one keep a consistent graph).
:meth:`Model.folded` is the merged view (:mod:`stores.merges`). :func:`to_bytes` and
:func:`from_bytes` are the snapshot the store keeps in its file: the arrays' own bytes,
read back without a copy and without running anything.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from functools import cached_property
from itertools import pairwise
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from graph_schema.declaration import EDGE_COMMON, NODE_COMMON, NODE_LABELS, REL_TYPES, Prop
from stores.base import Adjacency, Lines
from stores.columns import NO_END, NO_START, Bools, Codes, Columns, EdgeColumns, Floats, Ints
from stores.merges import MERGED_DST, MERGED_SRC
from stores.texts import SortedTexts, Texts, spliced

__all__ = [
    "EDGE_HOT",
    "NODE_HOT",
    "Model",
    "find_all",
    "from_bytes",
    "snapshot_pieces",
    "to_bytes",
]

#: Bits of an edge key in the (type, key) order's sort number.
_KEY_BITS = 40


def _hot(props: Iterable[Prop]) -> dict[str, str]:
    """The numeric and boolean properties (name → declared type), which live in memory as
    well as in SQLite."""
    found: dict[str, str] = {}
    for p in props:
        if p.type in ("int", "float", "bool"):
            found.setdefault(p.name, p.type)
    return found


_NODE_TYPES = _hot(p for lb in NODE_LABELS.values() for p in (*NODE_COMMON, *lb.props))
_EDGE_TYPES = _hot(p for rel in REL_TYPES.values() for p in (*EDGE_COMMON, *rel.props))
#: Node properties kept in memory besides the core (label, kind, name, validity).
NODE_HOT = tuple(_NODE_TYPES)
#: Edge properties kept in memory besides the core (type, kind, validity).
EDGE_HOT = tuple(_EDGE_TYPES)
_AS_PYTHON = {"int": int, "float": float, "bool": bool}


_DATES: dict[int, date] = {}


def _date(day: int) -> date:
    """The date of a day number, one shared object per day."""
    found = _DATES.get(day)
    if found is None:
        found = _DATES[day] = date.fromordinal(day)
    return found


def _days(texts: Sequence[str | None], empty: int) -> npt.NDArray[np.int32]:
    """ISO dates (or None) as day numbers; each distinct text converts once."""
    table = {
        t: (empty if t is None else date.fromisoformat(t).toordinal()) for t in dict.fromkeys(texts)
    }
    return np.fromiter(map(table.__getitem__, texts), np.int32, len(texts))


def _floats(values: Sequence[Any]) -> Floats:
    """Property values as floats (None: NaN; booleans 0 / 1)."""
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _csr(ends: npt.NDArray[np.int32], n: int) -> tuple[Ints, npt.NDArray[np.int32]]:
    """The lines at each node (by one end): pointers and line indexes, each node's lines in
    the model's (type, key) order."""
    order = np.argsort(ends, kind="stable").astype(np.int32)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(ends, minlength=n), out=ptr[1:])
    return ptr, order


def find_all(ids: SortedTexts, wanted: Sequence[str]) -> Ints:
    """The index of each of ``wanted`` (-1: absent): one lookup each for a few, a transient
    dict for many."""
    if len(wanted) * 8 < len(ids):
        return ids.positions(wanted)
    index = dict(zip(ids, range(len(ids)), strict=True))
    return np.fromiter((index.get(i, -1) for i in wanted), np.int64, len(wanted))


@dataclass(frozen=True, eq=False)
class Model:
    """One generation of the graph as arrays; see the module docstring. Read-only."""

    generation: int
    ids: SortedTexts
    names: Texts
    label: npt.NDArray[np.int8]
    kind: npt.NDArray[np.int16]
    start: npt.NDArray[np.int32]
    end: npt.NDArray[np.int32]
    #: every :data:`NODE_HOT` property (NaN: none)
    props: dict[str, Floats]
    labels: Codes
    kinds: Codes
    # -- lines, in (type, key) order
    src: npt.NDArray[np.int32]
    dst: npt.NDArray[np.int32]
    type: npt.NDArray[np.int8]
    edge_kind: npt.NDArray[np.int16]
    edge_start: npt.NDArray[np.int32]
    edge_end: npt.NDArray[np.int32]
    key: Ints
    #: every :data:`EDGE_HOT` property (NaN: none)
    edge_props: dict[str, Floats]
    types: Codes
    edge_kinds: Codes
    # -- adjacency
    out_ptr: Ints
    out_edges: npt.NDArray[np.int32]
    in_ptr: Ints
    in_edges: npt.NDArray[np.int32]
    #: the merged view's moved lines: key → the (src, dst) ids loaded at the ends that moved
    moved: Mapping[int, tuple[str | None, str | None]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def edge_count(self) -> int:
        return len(self.key)

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays and texts."""
        arrays: list[npt.NDArray[Any]] = [
            *(getattr(self, name) for name in _PLAIN),
            *self.props.values(),
            *self.edge_props.values(),
        ]
        return self.ids.nbytes + self.names.nbytes + sum(int(a.nbytes) for a in arrays)

    # -- counting -----------------------------------------------------------------------------

    def node_counts(self) -> dict[str, int]:
        """Nodes by label (labels with none left out)."""
        counts = np.bincount(self.label, minlength=len(self.labels.names)).tolist()
        return {name: n for name, n in zip(self.labels.names, counts, strict=True) if n}

    def edge_counts(self) -> dict[str, int]:
        """Lines by relationship type (types with none left out)."""
        counts = np.bincount(self.type, minlength=len(self.types.names)).tolist()
        return {name: n for name, n in zip(self.types.names, counts, strict=True) if n}

    def type_span(self, rel_type: str) -> tuple[int, int]:
        """The lines of a relationship type: ``[first, last)`` in the model's order."""
        code = self.types.codes.get(rel_type)
        if code is None:
            return (0, 0)
        return (
            int(np.searchsorted(self.type, code, "left")),
            int(np.searchsorted(self.type, code, "right")),
        )

    # -- one node or line, as the traversals read them -----------------------------------------

    @cached_property
    def _at(self) -> _Views:
        return _Views(self)

    def node_attrs(self, i: int) -> dict[str, Any]:
        """A node's attributes (label, kind, name, dates, properties; none left out)."""
        at = self._at
        attrs: dict[str, Any] = {
            "label": self.labels.names[at.label[i]],
            "kind": self.kinds.names[at.kind[i]],
            "name": self.names[i],
        }
        start, end = at.start[i], at.end[i]
        if start != NO_START:
            attrs["valid_from"] = _date(start)
        if end != NO_END:
            attrs["valid_to"] = _date(end)
        for name, values in at.props:
            value = values[i]
            if value == value:  # not NaN
                attrs[name] = _AS_PYTHON[_NODE_TYPES[name]](value)
        return attrs

    def edge_attrs(self, j: int) -> dict[str, Any]:
        """A line's attributes (type, kind, dates, properties, and where a merged view moved
        it from); equal lines share one dict, which nobody may change."""
        at = self._at
        props = [None if (p := v[j]) != p else p for v in at.edge_props]  # NaN: none
        moved = self.moved.get(at.key[j]) if self.moved else None
        code, kind, start, end = at.type[j], at.edge_kind[j], at.edge_start[j], at.edge_end[j]
        cache_key = (code, kind, start, end, *props, moved)
        found = self._edge_attrs.get(cache_key)
        if found is not None:
            return found
        attrs: dict[str, Any] = {"type": self.types.names[code]}
        if kind >= 0:
            attrs["kind"] = self.edge_kinds.names[kind]
        if start != NO_START:
            attrs["valid_from"] = _date(start)
        if end != NO_END:
            attrs["valid_to"] = _date(end)
        for name, value in zip(self.edge_props, props, strict=True):
            if value is not None:
                attrs[name] = _AS_PYTHON[_EDGE_TYPES[name]](value)
        if moved is not None:
            if moved[0] is not None:
                attrs[MERGED_SRC] = moved[0]
            if moved[1] is not None:
                attrs[MERGED_DST] = moved[1]
        self._edge_attrs[cache_key] = attrs
        return attrs

    @cached_property
    def _edge_attrs(self) -> dict[tuple[Any, ...], dict[str, Any]]:
        return {}

    def lines_at(self, i: int, direction: str) -> npt.NDArray[np.int32]:
        """The lines leaving (``"out"``) or reaching (``"in"``) node ``i``."""
        ptr, edges = (
            (self.out_ptr, self.out_edges) if direction == "out" else (self.in_ptr, self.in_edges)
        )
        lo, hi = ptr[i : i + 2].tolist()
        return edges[lo:hi]

    def typed_lines(
        self, i: int, direction: str, rel_type: str, as_of: date | None
    ) -> list[tuple[int, int, int]]:
        """(other end's index, key, line index) of the lines of ``rel_type`` leaving or
        reaching node ``i`` that hold on ``as_of`` (None: every one), in key order."""
        code = self.types.codes.get(rel_type)
        if code is None:
            return []
        at = self._at
        out = direction == "out"
        ptr, edges = (at.out_ptr, at.out_edges) if out else (at.in_ptr, at.in_edges)
        ends = at.dst if out else at.src
        types, key = at.type, at.key
        found = []
        if as_of is None:
            for j in edges[ptr[i] : ptr[i + 1]]:
                if types[j] == code:
                    found.append((ends[j], key[j], j))
            return found
        on, starts, stops = as_of.toordinal(), at.edge_start, at.edge_end
        for j in edges[ptr[i] : ptr[i + 1]]:
            if types[j] == code and starts[j] <= on < stops[j]:
                found.append((ends[j], key[j], j))
        return found

    def adjacency(self) -> Adjacency:
        """The graph as the traversals read it: mappings shaped like networkx's dicts (node
        → attributes; node → neighbour → key → line attributes, both ways)."""
        return Adjacency(_Nodes(self), _Neighbours(self, "out"), _Neighbours(self, "in"))

    def columns(self) -> Columns:
        """The graph as the whole-graph queries read it (:mod:`stores.columns`): slices of
        this model's arrays."""
        by_type = {}
        for name in self.types.names:
            lo, hi = self.type_span(name)
            if hi > lo:
                by_type[name] = EdgeColumns(
                    self.src[lo:hi],
                    self.dst[lo:hi],
                    self.edge_kind[lo:hi],
                    self.edge_start[lo:hi],
                    self.edge_end[lo:hi],
                    self.key[lo:hi],
                )
        numeric = {k: v for k, v in self.props.items() if _NODE_TYPES[k] != "bool"}
        unresolved = self.props.get("unresolved")
        return Columns(
            generation=self.generation,
            ids=self.ids,
            label=self.label,
            kind=self.kind,
            start=self.start,
            end=self.end,
            unresolved=np.zeros(len(self), bool) if unresolved is None else unresolved == 1,
            props=numeric,
            edges_by_type=by_type,
            labels=self.labels,
            kinds=self.kinds,
            edge_kinds=self.edge_kinds,
        )

    # -- making and moving on -------------------------------------------------------------------

    @classmethod
    def empty(cls, generation: int = 0) -> Model:
        no_ints = np.zeros(0, np.int32)
        return cls(
            generation,
            SortedTexts.of(()),
            Texts.of(()),
            np.zeros(0, np.int8),
            np.zeros(0, np.int16),
            no_ints,
            no_ints,
            {name: np.zeros(0) for name in NODE_HOT},
            Codes(),
            Codes(),
            no_ints,
            no_ints,
            np.zeros(0, np.int8),
            np.zeros(0, np.int16),
            no_ints,
            no_ints,
            np.zeros(0, np.int64),
            {name: np.zeros(0) for name in EDGE_HOT},
            Codes(),
            Codes(),
            np.zeros(1, np.int64),
            no_ints,
            np.zeros(1, np.int64),
            no_ints,
        )

    @classmethod
    def built(
        cls,
        generation: int,
        node_chunks: Iterable[Sequence[Sequence[Any]]],
        edge_chunks: Iterable[Sequence[Sequence[Any]]],
    ) -> Model:
        """The model of every row, read in chunks (rows as for :meth:`updated`): each chunk
        becomes arrays before the next is read, so a province is never held as millions of
        Python tuples."""
        builder = Builder()
        for rows in node_chunks:
            builder.add_nodes(list(zip(*rows, strict=True)))
        for rows in edge_chunks:
            builder.add_lines(list(zip(*rows, strict=True)))
        return builder.model(generation)

    def updated(
        self,
        generation: int,
        node_rows: Sequence[Sequence[Any]],
        edge_rows: Sequence[Sequence[Any]],
        removed_keys: Iterable[int] = (),
        removed_ids: Iterable[str] = (),
    ) -> Model:
        """This model moved on to ``generation``: ``node_rows`` (``id, label, kind, name,
        valid_from, valid_to, *NODE_HOT``; new or replacing) and ``edge_rows`` (``src, dst,
        key, type, kind, valid_from, valid_to, *EDGE_HOT``) applied, the lines of
        ``removed_keys`` and the nodes of ``removed_ids`` taken out (a node written again
        after its removal is among ``node_rows`` and stays). A new model; this one is
        unchanged. The nodes a line joins must be in the result."""
        nodes = sorted(node_rows, key=lambda r: str(r[0]))
        written = [str(r[0]) for r in nodes]
        gone = set(removed_ids) - set(written)
        n = len(self)
        old = find_all(self.ids, written) if n else np.full(len(written), -1, np.int64)
        keep = np.ones(n, dtype=bool)
        keep[old[old >= 0]] = False
        keep[[i for i in find_all(self.ids, sorted(gone)).tolist() if i >= 0]] = False
        at = self._insertions(written, old, keep)
        base = replace(self, generation=generation)
        model = base._with_nodes(nodes, keep, at) if nodes or not keep.all() else base
        remap = _remap(keep, at, old, n)
        return model._with_edges(edge_rows, set(removed_keys), remap)

    def _insertions(self, written: Sequence[str], old: Ints, keep: Bools) -> Ints:
        """Where each written id goes among the kept nodes (ascending, as ``written`` is)."""
        if not len(self):
            return np.zeros(len(written), dtype=np.int64)
        pairs = zip(written, old.tolist(), strict=True)
        place = np.fromiter(
            (o if o >= 0 else self.ids.insertion(i) for i, o in pairs), np.int64, len(written)
        )
        dropped_before = np.concatenate(([0], np.cumsum(~keep)))
        found: Ints = place - dropped_before[place]
        return found

    def _with_nodes(self, rows: Sequence[Sequence[Any]], keep: Bools, at: Ints) -> Model:
        labels, kinds = self.labels.copy(), self.kinds.copy()
        new = _node_arrays(list(zip(*rows, strict=True)), labels, kinds)

        def put(values: npt.NDArray[Any], added: npt.NDArray[Any]) -> npt.NDArray[Any]:
            return np.insert(values[keep], at, added)

        id_raw, id_offsets = spliced(self.ids, keep, at, [str(r[0]) for r in rows])
        name_raw, name_offsets = spliced(self.names, keep, at, [str(r[3]) for r in rows])
        return replace(
            self,
            ids=SortedTexts(id_raw, id_offsets),
            names=Texts(name_raw, name_offsets),
            label=put(self.label, new.label),
            kind=put(self.kind, new.kind),
            start=put(self.start, new.start),
            end=put(self.end, new.end),
            props={name: put(self.props[name], new.props[name]) for name in NODE_HOT},
            labels=labels,
            kinds=kinds,
        )

    def _with_edges(
        self, rows: Sequence[Sequence[Any]], removed: set[int], remap: npt.NDArray[np.int32]
    ) -> Model:
        """This model's nodes (moved on already) with the lines moved on: ``remap`` maps the
        old node indexes to the new."""
        types, edge_kinds = self.types.copy(), self.edge_kinds.copy()
        new = _edge_arrays(list(zip(*rows, strict=True)), self._ends_of(rows), types, edge_kinds)
        drop = np.isin(self.key, np.array(sorted(removed | set(new.key.tolist())), np.int64))
        kept = ~drop
        src, dst = remap[self.src[kept]], remap[self.dst[kept]]
        if (src < 0).any() or (dst < 0).any():
            raise ValueError("a line joins a node that is not in the graph")
        order = np.argsort((new.type.astype(np.int64) << _KEY_BITS) | new.key, kind="stable")
        new = _taken(new, order)
        old_sort = (self.type[kept].astype(np.int64) << _KEY_BITS) | self.key[kept]
        at = np.searchsorted(old_sort, (new.type.astype(np.int64) << _KEY_BITS) | new.key)

        def put(values: npt.NDArray[Any], added: npt.NDArray[Any]) -> npt.NDArray[Any]:
            return np.insert(values, at, added)

        src, dst = put(src, new.src), put(dst, new.dst)
        n = len(self)
        out_ptr, out_edges = _csr(src, n)
        in_ptr, in_edges = _csr(dst, n)
        return replace(
            self,
            src=src,
            dst=dst,
            type=put(self.type[kept], new.type),
            edge_kind=put(self.edge_kind[kept], new.kind),
            edge_start=put(self.edge_start[kept], new.start),
            edge_end=put(self.edge_end[kept], new.end),
            key=put(self.key[kept], new.key),
            edge_props={k: put(self.edge_props[k][kept], new.props[k]) for k in EDGE_HOT},
            types=types,
            edge_kinds=edge_kinds,
            out_ptr=out_ptr,
            out_edges=out_edges,
            in_ptr=in_ptr,
            in_edges=in_edges,
        )

    def _ends_of(self, rows: Sequence[Sequence[Any]]) -> Callable[[str], int]:
        """id → node index of the ends of line ``rows`` (:func:`find_all`); an end that is
        not a node of this model is an error."""
        wanted = sorted({str(r[0]) for r in rows} | {str(r[1]) for r in rows})
        at = find_all(self.ids, wanted)
        if (at < 0).any():
            missing = wanted[int(np.flatnonzero(at < 0)[0])]
            raise ValueError(f"a line joins {missing!r}, which is not in the graph")
        return dict(zip(wanted, at.tolist(), strict=True)).__getitem__

    def folded(self, into: Mapping[str, str]) -> Model:
        """The merged view (:mod:`stores.merges`): each alias of ``into`` (alias → canonical
        id) leaves the graph, its lines move to the canonical node, remembering the id
        loaded at the end that moved (:data:`MERGED_SRC`, :data:`MERGED_DST`); a line
        between two ids of one group is left out."""
        aliases = [a for a in sorted(into) if a in self.ids]
        if not aliases:
            return self
        alias_at = self.ids.positions(aliases)
        target = np.arange(len(self), dtype=np.int64)
        target[alias_at] = self.ids.positions([into[a] for a in aliases])
        keep = np.ones(len(self), dtype=bool)
        keep[alias_at] = False
        new_index = (np.cumsum(keep) - 1).astype(np.int32)
        src_at, dst_at = target[self.src], target[self.dst]
        moved_src, moved_dst = src_at != self.src, dst_at != self.dst
        moved = moved_src | moved_dst
        lines = ~(moved & (src_at == dst_at))
        marks: dict[int, tuple[str | None, str | None]] = {}
        for j in np.flatnonzero(moved & lines).tolist():
            marks[int(self.key[j])] = (
                self.ids[int(self.src[j])] if moved_src[j] else None,
                self.ids[int(self.dst[j])] if moved_dst[j] else None,
            )
        no_nodes = np.zeros(0, dtype=np.int64)
        id_raw, id_offsets = spliced(self.ids, keep, no_nodes, ())
        name_raw, name_offsets = spliced(self.names, keep, no_nodes, ())
        src, dst = new_index[src_at[lines]], new_index[dst_at[lines]]
        n = int(keep.sum())
        out_ptr, out_edges = _csr(src, n)
        in_ptr, in_edges = _csr(dst, n)
        return replace(
            self,
            ids=SortedTexts(id_raw, id_offsets),
            names=Texts(name_raw, name_offsets),
            label=self.label[keep],
            kind=self.kind[keep],
            start=self.start[keep],
            end=self.end[keep],
            props={k: v[keep] for k, v in self.props.items()},
            src=src,
            dst=dst,
            type=self.type[lines],
            edge_kind=self.edge_kind[lines],
            edge_start=self.edge_start[lines],
            edge_end=self.edge_end[lines],
            key=self.key[lines],
            edge_props={k: v[lines] for k, v in self.edge_props.items()},
            out_ptr=out_ptr,
            out_edges=out_edges,
            in_ptr=in_ptr,
            in_edges=in_edges,
            moved=marks,
        )


@dataclass(frozen=True)
class _NodeArrays:
    """Node columns (``id, label, kind, name, valid_from, valid_to, *NODE_HOT``) as arrays,
    but for the ids and names: texts, kept apart (:class:`Texts`, in id order)."""

    label: npt.NDArray[np.int8]
    kind: npt.NDArray[np.int16]
    start: npt.NDArray[np.int32]
    end: npt.NDArray[np.int32]
    props: dict[str, Floats]


def _node_arrays(columns: Sequence[Sequence[Any]], labels: Codes, kinds: Codes) -> _NodeArrays:
    """Node columns (``id, label, kind, name, valid_from, valid_to, *NODE_HOT``; the ids and
    names are not read) as :class:`_NodeArrays`."""
    if not columns:
        columns = [()] * (6 + len(NODE_HOT))
    return _NodeArrays(
        labels.encode(columns[1], np.int8),
        kinds.encode(columns[2], np.int16),
        _days(columns[4], NO_START),
        _days(columns[5], NO_END),
        {name: _floats(columns[6 + k]) for k, name in enumerate(NODE_HOT)},
    )


@dataclass(frozen=True)
class _EdgeArrays:
    """Line rows (``src, dst, key, type, kind, valid_from, valid_to, *EDGE_HOT``) as arrays,
    their ends as node indexes."""

    src: npt.NDArray[np.int32]
    dst: npt.NDArray[np.int32]
    key: Ints
    type: npt.NDArray[np.int8]
    kind: npt.NDArray[np.int16]
    start: npt.NDArray[np.int32]
    end: npt.NDArray[np.int32]
    props: dict[str, Floats]


def _edge_arrays(
    columns: Sequence[Sequence[Any]], index: Callable[[str], int], types: Codes, edge_kinds: Codes
) -> _EdgeArrays:
    """Line columns (``src, dst, key, type, kind, valid_from, valid_to, *EDGE_HOT``) as
    arrays, the ends as node indexes (``index``)."""
    if not columns:
        columns = [()] * (7 + len(EDGE_HOT))
    count = len(columns[0])
    return _EdgeArrays(
        np.fromiter(map(index, columns[0]), np.int32, count),
        np.fromiter(map(index, columns[1]), np.int32, count),
        np.array(columns[2], dtype=np.int64),
        types.encode(columns[3], np.int8),
        edge_kinds.encode(columns[4], np.int16),
        _days(columns[5], NO_START),
        _days(columns[6], NO_END),
        {name: _floats(columns[7 + k]) for k, name in enumerate(EDGE_HOT)},
    )


class Builder:
    """A model made as its rows come, a chunk of columns at a time: every node first (in any
    order), then the lines. :meth:`Model.built` reads the rows back from SQLite this way; a
    first write into an empty store hands over the columns it inserts, so a province's model
    is made without reading it back.

    Each chunk becomes arrays as it comes; only the ids and names are kept as the strings
    given until the nodes are put in id order, when the first lines come (or the model is
    asked for)."""

    def __init__(self) -> None:
        self._labels, self._kinds, self._types, self._edge_kinds = (Codes() for _ in range(4))
        self._node_parts: list[_NodeArrays] = []
        self._ids: list[str] = []
        self._names: list[str] = []
        self._nodes: tuple[SortedTexts, Texts, _NodeArrays] | None = None
        self._index: dict[str, int] = {}
        self._lines: list[_EdgeArrays] = []

    def add_nodes(self, columns: Sequence[Sequence[Any]]) -> None:
        """Nodes (columns ``id, label, kind, name, valid_from, valid_to, *NODE_HOT``; more
        columns after those are ignored); ids never given before."""
        if self._nodes is not None:
            raise ValueError("nodes come before the lines that join them")
        if not columns or not len(columns[0]):
            return
        self._node_parts.append(_node_arrays(columns, self._labels, self._kinds))
        self._ids.extend(columns[0])
        self._names.extend(columns[3])

    @property
    def ordered(self) -> bool:
        """Whether the nodes are in id order already (no more can be added)."""
        return self._nodes is not None

    def index(self) -> Mapping[str, int]:
        """Each node's id → its index in the model (the nodes are then in order)."""
        self._in_order()
        return self._index

    def add_lines(self, columns: Sequence[Sequence[Any]]) -> None:
        """Lines (columns ``src, dst, key, type, kind, valid_from, valid_to, *EDGE_HOT``;
        more columns after those are ignored), joining nodes given before."""
        self._in_order()
        self._lines.append(
            _edge_arrays(columns, self._index.__getitem__, self._types, self._edge_kinds)
        )

    def _in_order(self) -> tuple[SortedTexts, Texts, _NodeArrays]:
        """The nodes in id order (Python's string order: UTF-8 byte order, SQLite's), made
        once: their ids, names and other arrays."""
        if self._nodes is None:
            ids, names = self._ids, self._names
            self._ids, self._names = [], []
            order = None
            if any(a >= b for a, b in pairwise(ids)):
                by_id = sorted(range(len(ids)), key=ids.__getitem__)
                ids = [ids[i] for i in by_id]
                names = [names[i] for i in by_id]
                order = np.fromiter(by_id, np.int64, len(by_id))
                del by_id  # (a list of a million numbers: gone before the index is made)
            arrays = _concatenated(self._node_parts, _node_arrays((), Codes(), Codes()))
            self._node_parts = []
            if order is not None:  # (and the codes numbered as met in id order)
                arrays = _taken(arrays, order)
                label, self._labels = _recoded(arrays.label, self._labels)
                kind, self._kinds = _recoded(arrays.kind, self._kinds)
                arrays = replace(arrays, label=label, kind=kind)
            self._index = dict(zip(ids, range(len(ids)), strict=True))
            self._nodes = (SortedTexts.of(ids), Texts.of(names), arrays)
        return self._nodes

    def model(self, generation: int) -> Model:
        """The model of the rows given, as of ``generation``."""
        ids, names, node = self._in_order()
        self._index = {}
        edge = _concatenated(self._lines, _edge_arrays((), lambda _: 0, Codes(), Codes()))
        self._lines = []
        order = np.argsort((edge.type.astype(np.int64) << _KEY_BITS) | edge.key, kind="stable")
        edge = _taken(edge, order)
        n = len(ids)
        out_ptr, out_edges = _csr(edge.src, n)
        in_ptr, in_edges = _csr(edge.dst, n)
        return Model(
            generation,
            ids,
            names,
            node.label,
            node.kind,
            node.start,
            node.end,
            node.props,
            self._labels,
            self._kinds,
            edge.src,
            edge.dst,
            edge.type,
            edge.kind,
            edge.start,
            edge.end,
            edge.key,
            edge.props,
            self._types,
            self._edge_kinds,
            out_ptr,
            out_edges,
            in_ptr,
            in_edges,
        )


A = TypeVar("A", "_NodeArrays", "_EdgeArrays")


def _concatenated(parts: Sequence[A], empty: A) -> A:
    """The chunks' arrays as one, field by field: property columns by name, arrays
    concatenated (``empty`` if there are no chunks)."""
    if not parts:
        return empty
    joined: dict[str, Any] = {}
    for name in (f.name for f in fields(parts[0])):
        got: list[Any] = [getattr(p, name) for p in parts]
        if isinstance(got[0], dict):
            joined[name] = {k: np.concatenate([g[k] for g in got]) for k in got[0]}
        else:
            joined[name] = np.concatenate(got)
    return type(parts[0])(**joined)


C = TypeVar("C", npt.NDArray[np.int8], npt.NDArray[np.int16])


def _recoded(values: C, codes: Codes) -> tuple[C, Codes]:
    """``values`` (codes of ``codes``, -1: none) coded anew in the order the names are met
    in them: as coding them in this order makes them, so that a model is the same array for
    array whatever order its rows came in."""
    given = values[values >= 0]
    met, first = np.unique(given, return_index=True)
    in_order = met[np.argsort(first)]
    renumber = np.full(len(codes.names) + 1, -1, dtype=values.dtype)  # (the last: -1 → -1)
    renumber[in_order] = np.arange(len(in_order), dtype=values.dtype)
    return renumber[values], Codes(codes.names[c] for c in in_order.tolist())


def _taken(arrays: A, order: Ints) -> A:
    """The arrays with their items in ``order`` (property columns too)."""
    taken: dict[str, Any] = {}
    for name in (f.name for f in fields(arrays)):
        values = getattr(arrays, name)
        if isinstance(values, dict):
            taken[name] = {k: v[order] for k, v in values.items()}
        else:
            taken[name] = values[order]
    return type(arrays)(**taken)


def _remap(keep: Bools, at: Ints, old: Ints, n: int) -> npt.NDArray[np.int32]:
    """Old node index → new, after :meth:`Model._with_nodes` (-1: removed)."""
    remap = np.full(n, -1, dtype=np.int32)
    kept = np.flatnonzero(keep)
    rank = np.arange(len(kept))
    remap[kept] = rank + np.searchsorted(at, rank, "right")
    placed = at + np.arange(len(at))
    rewritten = old >= 0
    remap[old[rewritten]] = placed[rewritten]
    return remap


# -- the traversals' view -----------------------------------------------------------------------


_MISSING: Any = object()


class _NodeView(Mapping[str, Any]):
    """One node's attributes, each read from the arrays when asked (a traversal asks one or
    two of them per node; building all of them would cost several times more)."""

    __slots__ = ("_i", "_model")

    def __init__(self, model: Model, i: int) -> None:
        self._model = model
        self._i = i

    def get(self, key: str, default: Any = None) -> Any:
        model, i = self._model, self._i
        at = model._at
        if key == "label":
            return model.labels.names[at.label[i]]
        if key == "kind":
            return model.kinds.names[at.kind[i]]
        if key == "name":
            return model.names[i]
        if key == "valid_from":
            day = at.start[i]
            return default if day == NO_START else _date(day)
        if key == "valid_to":
            day = at.end[i]
            return default if day == NO_END else _date(day)
        values = at.prop.get(key)
        if values is None:
            return default
        value = values[i]
        return default if value != value else _AS_PYTHON[_NODE_TYPES[key]](value)

    def __getitem__(self, key: str) -> Any:
        found = self.get(key, _MISSING)
        if found is _MISSING:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key, _MISSING) is not _MISSING

    def __iter__(self) -> Iterator[str]:
        return iter(self._model.node_attrs(self._i))

    def __len__(self) -> int:
        return len(self._model.node_attrs(self._i))


class _Nodes(Mapping[str, Mapping[str, Any]]):
    """node id → its attributes (a view of the arrays per lookup)."""

    __slots__ = ("_model",)

    def __init__(self, model: Model) -> None:
        self._model = model

    def __getitem__(self, node_id: str) -> Mapping[str, Any]:
        at = self._model.ids.find(node_id) if isinstance(node_id, str) else -1
        if at < 0:
            raise KeyError(node_id)
        return _NodeView(self._model, at)

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._model.ids

    def __iter__(self) -> Iterator[str]:
        return iter(self._model.ids)

    def __len__(self) -> int:
        return len(self._model)


class _Views:
    """The model's arrays as memoryviews: indexing one gives a plain Python number (a numpy
    array gives a numpy scalar, several times slower), for the per-node and per-line reads
    of the traversals."""

    def __init__(self, model: Model) -> None:
        def view(values: npt.NDArray[Any]) -> memoryview:
            return np.ascontiguousarray(values).data

        self.label, self.kind = view(model.label), view(model.kind)
        self.start, self.end = view(model.start), view(model.end)
        self.props = [(name, view(values)) for name, values in model.props.items()]
        self.prop = dict(self.props)
        self.src, self.dst, self.key = view(model.src), view(model.dst), view(model.key)
        self.type, self.edge_kind = view(model.type), view(model.edge_kind)
        self.edge_start, self.edge_end = view(model.edge_start), view(model.edge_end)
        self.edge_props = [view(values) for values in model.edge_props.values()]
        self.out_ptr, self.out_edges = view(model.out_ptr), view(model.out_edges)
        self.in_ptr, self.in_edges = view(model.in_ptr), view(model.in_edges)


class _Neighbours(Lines):
    """node id → neighbour id → line key → line attributes, one way (built per lookup)."""

    __slots__ = ("_direction", "_model")

    def __init__(self, model: Model, direction: str) -> None:
        self._model = model
        self._direction = direction

    def __getitem__(self, node_id: str) -> dict[str, dict[int, dict[str, Any]]]:
        model = self._model
        at = model.ids.find(node_id) if isinstance(node_id, str) else -1
        if at < 0:
            raise KeyError(node_id)
        views = model._at
        ptr, edges, ends = (
            (views.out_ptr, views.out_edges, views.dst)
            if self._direction == "out"
            else (views.in_ptr, views.in_edges, views.src)
        )
        found: dict[str, dict[int, dict[str, Any]]] = {}
        for j in edges[ptr[at] : ptr[at + 1]]:
            other = model.ids[ends[j]]
            found.setdefault(other, {})[views.key[j]] = model.edge_attrs(j)
        return found

    def typed(
        self, node_id: str, rel_type: str, as_of: date | None
    ) -> Iterator[tuple[str, int, Mapping[str, Any]]]:
        model = self._model
        at = model.ids.find(node_id)
        if at < 0:
            raise KeyError(node_id)
        ids, attrs = model.ids, model.edge_attrs
        for other, key, j in model.typed_lines(at, self._direction, rel_type, as_of):
            yield ids[other], key, attrs(j)

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._model.ids

    def __iter__(self) -> Iterator[str]:
        return iter(self._model.ids)

    def __len__(self) -> int:
        return len(self._model)


# -- the snapshot ---------------------------------------------------------------------------------

#: The model's fields that are one array each (the snapshot holds them as they are).
_PLAIN = (
    "label", "kind", "start", "end", "src", "dst", "type", "edge_kind", "edge_start",
    "edge_end", "key", "out_ptr", "out_edges", "in_ptr", "in_edges",
)  # fmt: skip
#: Version of the snapshot's layout; a snapshot of another version is ignored (rebuilt).
FORMAT = 3
_ALIGN = 8


def _arrays(model: Model) -> dict[str, npt.NDArray[Any]]:
    found: dict[str, npt.NDArray[Any]] = {
        "ids.raw": model.ids.buffer(),
        "ids.offsets": model.ids.offsets - model.ids.offsets[0],
        "names.raw": model.names.buffer(),
        "names.offsets": model.names.offsets - model.names.offsets[0],
    }
    for name in _PLAIN:
        found[name] = getattr(model, name)
    found.update((f"props.{k}", v) for k, v in model.props.items())
    found.update((f"edge_props.{k}", v) for k, v in model.edge_props.items())
    return found


def snapshot_pieces(model: Model) -> tuple[int, list[tuple[int, memoryview]]]:
    """The snapshot of a model (the graph as loaded, not a merged view) as its size and its
    pieces, each at its offset — a JSON header (codes, and each array's name, dtype, offset
    and length), then the arrays' own bytes, aligned; the bytes between are zeros. The
    pieces are the arrays' memory, not copies: a snapshot is written without a second model
    in memory."""
    if model.moved:
        raise ValueError("a merged view is not saved; save the model it was folded from")
    arrays = _arrays(model)
    layout: list[tuple[str, str, int, int]] = []
    offset = 0
    for name, values in arrays.items():
        layout.append((name, values.dtype.str, offset, len(values)))
        offset += -(-values.nbytes // _ALIGN) * _ALIGN
    header = json.dumps(
        {
            "generation": model.generation,
            "codes": {
                k: getattr(model, k).names for k in ("labels", "kinds", "types", "edge_kinds")
            },
            "arrays": layout,
        }
    ).encode()
    start = -(-(len(header) + 8) // _ALIGN) * _ALIGN
    pieces = [(0, memoryview(len(header).to_bytes(8, "little") + header))]
    for (_, _, at, _), values in zip(layout, arrays.values(), strict=True):
        pieces.append((start + at, np.ascontiguousarray(values).view(np.uint8).data))
    return start + offset, pieces


def to_bytes(model: Model) -> bytearray:
    """The snapshot of a model in one buffer (:func:`snapshot_pieces`)."""
    size, pieces = snapshot_pieces(model)
    body = bytearray(size)
    for at, piece in pieces:
        body[at : at + len(piece)] = piece
    return body


def from_bytes(data: bytes | bytearray) -> Model:
    """A model from its snapshot, the arrays reading ``data`` in place (read-only, no copy:
    the model keeps ``data``, which nobody may change). Raises ``ValueError`` on anything
    that is not such a snapshot."""
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + size])
    start = -(-(size + 8) // _ALIGN) * _ALIGN
    arrays, where = {}, {}
    for name, dtype, at, count in header["arrays"]:
        where[name] = start + at
        kind = np.dtype(dtype)
        if kind.hasobject:
            raise ValueError(f"a snapshot holds plain numbers only, not {dtype}")
        arrays[name] = np.frombuffer(data, kind, count, start + at)
        arrays[name].flags.writeable = False
    codes = {k: Codes(v) for k, v in header["codes"].items()}
    plain: dict[str, Any] = {name: arrays[name] for name in _PLAIN}
    props = {k: arrays[f"props.{k}"] for k in NODE_HOT}
    edge_props = {k: arrays[f"edge_props.{k}"] for k in EDGE_HOT}
    return Model(
        generation=int(header["generation"]),
        ids=SortedTexts(data, arrays["ids.offsets"] + where["ids.raw"]),
        names=Texts(data, arrays["names.offsets"] + where["names.raw"]),
        props=props,
        edge_props=edge_props,
        labels=codes["labels"],
        kinds=codes["kinds"],
        types=codes["types"],
        edge_kinds=codes["edge_kinds"],
        **plain,
    )
