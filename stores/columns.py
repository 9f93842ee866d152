"""The whole-graph queries' view of the embedded store's graph: numpy columns.

The whole-graph queries (orphans, overlaps, coverage, mismatches, overlap pairs, conflicts)
look at every node and line: over Python dicts, a loop of 1–7 s on a 1M-node province; over
integer arrays, milliseconds. :class:`Columns` is that view: **nodes** by index
(:attr:`Columns.ids`, in id order) with label and kind codes, validity as day numbers
(:meth:`datetime.date.toordinal`; an open end is :data:`NO_START` / :data:`NO_END`, so "as
of D" is two comparisons on a column), the placeholder flag and the numeric properties the
queries test (NaN: none); **edges** per type (:class:`EdgeColumns`) with their ends, kind,
validity and graph key, in key order.

The arrays are the store's own in-memory model (:mod:`stores.model`), sliced, not copied:
one :class:`Columns` per generation (and merged view), read-only, so a reader holding an
old one keeps a consistent graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from stores.texts import SortedTexts

__all__ = [
    "NO_END",
    "NO_START",
    "Bools",
    "Codes",
    "Columns",
    "EdgeColumns",
    "Floats",
    "Ints",
    "day",
]

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float64]

#: Day number of an empty ``valid_from``: before every day (ordinals start at 1).
NO_START = 0
#: Day number of an empty ``valid_to``: after every day.
NO_END = int(np.iinfo(np.int32).max)


def day(as_of: date) -> int:
    """The day number of a date, as the columns hold validity."""
    return as_of.toordinal()


class Codes:
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

    def encode(self, values: Sequence[str | None], dtype: Any) -> npt.NDArray[Any]:
        """Codes of ``values`` (None: -1), new names coded as met."""
        table = {v: (-1 if v is None else self.code(v)) for v in dict.fromkeys(values)}
        out: npt.NDArray[Any] = np.fromiter(map(table.__getitem__, values), dtype, len(values))
        return out

    def copy(self) -> Codes:
        return Codes(self.names)


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
    #: node index → id, in id order (:class:`stores.texts.SortedTexts`)
    ids: SortedTexts
    label: npt.NDArray[np.int8]
    kind: npt.NDArray[np.int16]
    start: npt.NDArray[np.int32]
    end: npt.NDArray[np.int32]
    unresolved: Bools
    #: numeric node properties (NaN: none)
    props: dict[str, Floats]
    edges_by_type: dict[str, EdgeColumns]
    labels: Codes
    kinds: Codes
    edge_kinds: Codes

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
        """Each node's position in id order (Python's string order), for sorting by id: the
        node index itself, since nodes are in id order."""
        return np.arange(len(self.ids), dtype=np.int32)

    def position(self) -> Mapping[str, int]:
        """Each id's node index: how the few ids a query names (a transfer's, an orphan's)
        find their rows."""
        return _Positions(self.ids)

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
        """Memory held by the arrays and the ids."""
        arrays: list[npt.NDArray[Any]] = [
            self.label,
            self.kind,
            self.start,
            self.end,
            self.unresolved,
            *self.props.values(),
        ]
        nodes = sum(int(a.nbytes) for a in arrays) + self.ids.nbytes
        return nodes + sum(e.nbytes for e in self.edges_by_type.values())


class _Positions(Mapping[str, int]):
    """id → node index, by looking the id up in the sorted ids."""

    __slots__ = ("_ids",)

    def __init__(self, ids: SortedTexts) -> None:
        self._ids = ids

    def __getitem__(self, node_id: str) -> int:
        at = self._ids.find(node_id) if isinstance(node_id, str) else -1
        if at < 0:
            raise KeyError(node_id)
        return at

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._ids

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)
