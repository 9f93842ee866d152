"""Changes as a table of integer columns: what ``diff`` and ``timeline`` filter, order, count
and page, on both stores.

A whole-graph diff of a province over five years holds over a million changes. As Python
objects, making, sorting and counting them took most of its time; here each change is one
row of integer columns (its day, kind, node and other node, line type and kind, and where
its evidence is), filtered, ordered and counted in numpy, and only the page asked for
becomes :class:`~queries.changes.Event` objects and then items.

Node ids are codes of a :class:`Coding`: the embedded store's column indexes (ids no column
holds get codes after them), or codes given to ids as a Cypher answer's rows are read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import numpy.typing as npt

from graph_schema.declaration import REL_TYPES
from queries.arrays import Bools, Ints, rank

if TYPE_CHECKING:
    from queries.changes import Event
    from stores.columns import Columns

__all__ = [
    "NO_DAY",
    "TYPE_NAMES",
    "ChangeTable",
    "Coding",
    "DayNumbers",
    "Lazy",
    "last_day",
    "series",
]

#: The day of a difference of state that no event explains: after every day, as the order
#: of changes puts undated ones last (the largest day number the table's days hold).
NO_DAY = int(np.iinfo(np.int32).max)
#: Day numbers (:meth:`datetime.date.toordinal`), as the table holds them: 32 bits, half an
#: ``int64``'s memory for the arrays of a whole province.
DayNumbers = npt.NDArray[np.int32]
#: Relationship types in string order: a type's code is its position (-1: no type).
TYPE_NAMES: tuple[str, ...] = tuple(sorted(REL_TYPES))
_TYPE_CODES = {name: code for code, name in enumerate(TYPE_NAMES)}
#: a day number past every date's (date.max is 3,652,059): where undated changes sort
_LAST_DAY = 1 << 22


class Coding:
    """Node ids as integer codes, and their order as strings.

    Over the embedded store's columns an id's code is its column index, so the columns'
    arrays (labels, kinds, superior pairs) index by it directly; an id no column holds gets
    the next code. Over Cypher every id gets its code as it is met (``extra`` is the dict
    :func:`queries.overlaps.superior_pairs_on` fills, so that its codes and these agree).
    """

    def __init__(self, columns: Columns | None = None) -> None:
        self.columns = columns
        self.base: Sequence[str] = () if columns is None else columns.ids
        self.extra: dict[str, int] = {}
        self._extra_ids: list[str] = []
        self._rank: tuple[int, npt.NDArray[np.signedinteger[Any]]] | None = None

    def __len__(self) -> int:
        return len(self.base) + len(self.extra)

    def code(self, node_id: str) -> int:
        """The code of ``node_id``, given one if it has none yet."""
        if self.columns is not None:
            found = self.columns.position().get(node_id)
            if found is not None:
                return found
        code = self.extra.get(node_id)
        if code is None:
            code = self.extra[node_id] = len(self.base) + len(self.extra)
        return code

    def codes(self, ids: Iterable[str]) -> Ints:
        return np.fromiter(map(self.code, ids), np.int64)

    def id(self, code: int) -> str:
        if code < len(self.base):
            return self.base[code]
        if len(self._extra_ids) != len(self.extra):
            self._extra_ids = list(self.extra)
        return self._extra_ids[code - len(self.base)]

    def known(self, ids: Iterable[str]) -> Ints:
        """The codes of those of ``ids`` that have one (no code is given)."""
        position = {} if self.columns is None else self.columns.position()
        found = [position.get(i, self.extra.get(i)) for i in ids]
        return np.array([c for c in found if c is not None], dtype=np.int64)

    def rank(self) -> npt.NDArray[np.signedinteger[Any]]:
        """Each code's position in id order (Python's string order), for sorting by id: the
        columns' own while no id is extra (32 bits, not copied)."""
        if self._rank is None or self._rank[0] != len(self):
            found: npt.NDArray[np.signedinteger[Any]] = (
                self.columns.rank()
                if self.columns is not None and not self.extra
                else rank([*self.base, *self.extra])
            )
            self._rank = (len(self), found)
        return self._rank[1]

    def kinds_in(self, kinds: Collection[str], kind_of: Callable[[str], str | None]) -> Bools:
        """Which codes are of a node of one of ``kinds`` (``kind_of``: an id's kind, None
        for no node), by the columns where they hold it."""
        found = np.zeros(len(self), dtype=bool)
        start = 0
        if self.columns is not None:
            found[: len(self.base)] = self.columns.kind_in(kinds)
            start = len(self.base)
        for code in range(start, len(self)):
            found[code] = kind_of(self.id(code)) in kinds
        return found


class Names:
    """Line kinds as small codes (-1: none, as an empty kind), ordered as strings."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.codes: dict[str, int] = {}

    def code(self, name: str | None) -> int:
        if not name:
            return -1
        found = self.codes.get(name)
        if found is None:
            found = self.codes[name] = len(self.names)
            self.names.append(name)
        return found

    def rank(self, codes: npt.NDArray[np.int32]) -> Ints:
        """The codes as positions in string order (-1 stays first)."""
        if not self.names:
            return codes.astype(np.int64)
        order = rank(self.names)
        return np.where(codes >= 0, order[np.maximum(codes, 0)], -1)


class Lazy:
    """The fields of a difference of state (superiors before and after, gained and lost),
    worked out only for the changes a page shows: ``of(code)`` for the node of code."""

    def __init__(self, of: Callable[[int], dict[str, Any]]) -> None:
        self.of = of


class ChangeColumns(NamedTuple):
    """The columns of a table (see :class:`ChangeTable`), each of its type in
    :data:`_TYPES`."""

    day: DayNumbers
    change: npt.NDArray[np.int8]
    node: npt.NDArray[np.int32]
    other: npt.NDArray[np.int32]
    type: npt.NDArray[np.int8]
    line_kind: npt.NDArray[np.int32]
    key: Ints
    obj: npt.NDArray[np.int32]


#: Each column's type, as narrow as its values: day numbers (below :data:`NO_DAY`), a few
#: kinds and types, codes and indexes (below 2**31: a province has millions of nodes), edge
#: keys (SQLite rowids). A whole-graph diff of a province holds over a million rows: 30
#: bytes a row instead of 64 is ~45 MiB less at 1M nodes.
_TYPES: dict[str, type[np.signedinteger[Any]]] = {
    "day": np.int32,
    "change": np.int8,
    "node": np.int32,
    "other": np.int32,
    "type": np.int8,
    "line_kind": np.int32,
    "key": np.int64,
    "obj": np.int32,
}


@dataclass
class ChangeTable:
    """Changes, one row each: ``day`` (a day number; :data:`NO_DAY` for none), ``change``
    (its position in :data:`~queries.changes.CHANGE_KINDS`), ``node`` and ``other`` (codes;
    -1: none), ``type`` (in :data:`TYPE_NAMES`; -1), ``line_kind`` (in ``kinds``; -1),
    ``key`` (the embedded store's edge key; -1) and ``obj`` (in ``objects``: a Cypher row, a
    transfer's id, a difference of state's fields or a :class:`Lazy`; -1).

    Rows are added in parts, kept column by column (``parts``: per column, its arrays) and
    put together one column at a time when read: joining them all at once would hold the
    table twice."""

    coding: Coding
    kinds: Names = field(default_factory=Names)
    objects: list[Any] = field(default_factory=list)
    parts: dict[str, list[npt.NDArray[Any]]] = field(
        default_factory=lambda: {name: [] for name in ChangeColumns._fields}
    )

    @property
    def rows(self) -> ChangeColumns:
        """Every row, the parts put together (once), a column at a time."""
        for name, arrays in self.parts.items():
            if len(arrays) != 1:
                joined = np.concatenate(arrays) if arrays else np.empty(0, dtype=_TYPES[name])
                arrays[:] = [joined]  # this column's parts go before the next is joined
        return ChangeColumns(*(arrays[0] for arrays in self.parts.values()))

    def __len__(self) -> int:
        return sum(len(part) for part in self.parts["day"])

    def add(self, **columns: Any) -> None:
        """Add rows given as arrays (a missing column: -1 throughout)."""
        size = len(columns["day"])
        for name, arrays in self.parts.items():
            dtype = _TYPES[name]
            given = columns.get(name)
            arrays.append(
                np.full(size, -1, dtype=dtype) if given is None else np.asarray(given, dtype=dtype)
            )

    def add_events(self, events: Sequence[Event], order: Mapping[str, int]) -> None:
        """Add events made as objects (a scope's, a Cypher answer's, the transfers', the
        orphans'): an ``int`` ref is an edge key, any other is kept in ``objects``."""
        if not events:
            return
        keys, objs = [], []
        for event in events:
            if isinstance(event.ref, int) and not isinstance(event.ref, bool):
                keys.append(event.ref)
                objs.append(-1)
            else:
                keys.append(-1)
                objs.append(self.keep(event.ref))
        code = self.coding.code
        self.add(
            day=[NO_DAY if e.day is None else e.day.toordinal() for e in events],
            change=[order[e.change] for e in events],
            node=[code(e.id) for e in events],
            other=[-1 if e.other is None else code(e.other) for e in events],
            type=[-1 if e.type is None else _TYPE_CODES[e.type] for e in events],
            line_kind=[self.kinds.code(e.line_kind) for e in events],
            key=keys,
            obj=objs,
        )

    def keep(self, value: Any) -> int:
        """Keep ``value`` among ``objects``; its index (None: -1)."""
        if value is None:
            return -1
        self.objects.append(value)
        return len(self.objects) - 1

    # -- reading ----------------------------------------------------------------------------

    def order(self, kept: Ints, stop: int | None = None) -> Ints:
        """The rows ``kept`` in the order of changes — day (undated last), kind, node id,
        type, other id, line kind — or only the first ``stop`` of them (with ties at the
        end). Two integer keys hold those six; a page near the start sorts only the rows
        that can be on it."""
        id_bits = self._id_bits()
        first = self._first_key(kept, id_bits)
        if stop is not None and 0 < stop < len(kept):
            near = first <= np.partition(first, stop - 1)[stop - 1]
            kept, first = kept[near], first[near]
        found: Ints = kept[np.lexsort((self._second_key(kept, id_bits), first))]
        return found

    def tie_groups(self, ordered: Ints) -> Ints:
        """For rows in order, a number per run of rows the order cannot tell apart (two
        records of one line on one day, say): what sorts them is their record."""
        id_bits = self._id_bits()
        first, second = self._first_key(ordered, id_bits), self._second_key(ordered, id_bits)
        differs = np.ones(len(ordered), dtype=bool)
        differs[1:] = (first[1:] != first[:-1]) | (second[1:] != second[:-1])
        found: Ints = np.cumsum(differs) - 1
        return found

    def _id_bits(self) -> int:
        return max(len(self.coding), 1).bit_length() + 1

    def _first_key(self, kept: Ints, id_bits: int) -> Ints:
        """(day, kind, node id) of rows, packed in one integer key."""
        rows, ranks = self.rows, self.coding.rank()
        day = np.minimum(rows.day[kept], _LAST_DAY).astype(np.int64)
        found: Ints = (((day << 4) | rows.change[kept]) << id_bits) | ranks[rows.node[kept]]
        return found

    def _second_key(self, kept: Ints, id_bits: int) -> Ints:
        """(type, other id, line kind) of rows, packed in one integer key; ids by their
        rank in string order, none first."""
        rows, ranks = self.rows, self.coding.rank()
        kind_bits = (len(self.kinds.names) + 1).bit_length()
        other = rows.other[kept]
        other = np.where(other >= 0, ranks[np.maximum(other, 0)] + 1, 0)
        second = (((rows.type[kept].astype(np.int64) + 1) << id_bits) | other) << kind_bits
        found: Ints = second | (self.kinds.rank(rows.line_kind[kept]) + 1)
        return found

    def event(self, at: int, kinds: Sequence[str]) -> Event:
        """Row ``at`` as an event (``kinds``: the change kinds, by code)."""
        from queries.changes import Event

        rows = self.rows
        day, change, node = int(rows.day[at]), int(rows.change[at]), int(rows.node[at])
        other, rel, line_kind = int(rows.other[at]), int(rows.type[at]), int(rows.line_kind[at])
        key, obj = int(rows.key[at]), int(rows.obj[at])
        ref: Any = key if key >= 0 else (self.objects[obj] if obj >= 0 else None)
        if isinstance(ref, Lazy):
            ref = ref.of(node)
        return Event(
            None if day == NO_DAY else dt.date.fromordinal(day),
            kinds[change],
            self.coding.id(node),
            None if other < 0 else self.coding.id(other),
            None if rel < 0 else TYPE_NAMES[rel],
            None if line_kind < 0 else self.kinds.names[line_kind],
            ref,
        )


def last_day(size: int, codes: npt.NDArray[Any], days: npt.NDArray[Any]) -> DayNumbers:
    """Per code, the latest of ``days`` given for it (-1: none)."""
    found = np.full(size, -1, dtype=np.int32)
    np.maximum.at(found, codes, days)
    return found


def series(days: DayNumbers, width: int) -> dict[str, int]:
    """Day numbers counted per year (``width`` 4) or month (7), in order."""
    distinct, counts = np.unique(days, return_counts=True)
    found: dict[str, int] = {}
    for number, count in zip(distinct.tolist(), counts.tolist(), strict=True):
        key = dt.date.fromordinal(number).isoformat()[:width]
        found[key] = found.get(key, 0) + count
    return found
