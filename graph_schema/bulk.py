"""Validating many canonical records at once, a column at a time.

The Pydantic models (:mod:`graph_schema.models`) validate one record dict at a time and name
every error. At province scale — millions of CSV rows — building a model per row is most of
a load's time. :class:`ColumnCheck` applies the same rules, derived from the same declaration,
to whole columns of text cells (a CSV file's rows, transposed): a set difference per literal
column, one parse per distinct date or number, the required, allowed-field and interval
checks over the column. It passes a row only if every rule holds on it; a row it does not
pass is left to the models, which either accept it (the rules here are stricter than the
models on purpose where the models are lenient: number texts, booleans) or name its errors.
So the records and the errors of a load are the models' own, only reached faster.

Nothing here names a label, kind or property either: shapes (one per node label, relationship
type, or the transfer and source records), fields, types, limits and checks all come from
the declaration, with the models' own parsing functions (:func:`~graph_schema.models.parse_date`,
:func:`~graph_schema.models.split_list`, :data:`~graph_schema.models.CHECKS`,
:func:`~graph_schema.models.bounds`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress, count, repeat
from operator import is_
from typing import Any

from graph_schema.declaration import (
    EDGE_COMMON,
    NODE_COMMON,
    NODE_LABELS,
    REL_TYPES,
    SOURCE_FIELDS,
    TRANSFER_FIELDS,
    TRANSFER_STATUSES,
    Prop,
    precision_field,
)
from graph_schema.models import CHECKS, bounds, parse_date, split_list, transfer_id
from graph_schema.rows import ROW_FIELDS, Row
from graph_schema.text import is_clean
from graph_schema.uscc import USCC_ALPHABET, USCC_WEIGHTS, is_valid_uscc

__all__ = ["ColumnCheck", "Shape", "shapes"]

#: number texts taken without the models: plain decimals, no sign but minus, no leading zeros
#: (anything else — "+1", " 1", "1e3", "1_000", "007" — is left to the models to judge)
_INT = re.compile(r"(?:0|-?[1-9][0-9]{0,18})")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]{0,18})(?:\.[0-9]{1,17})?")
#: boolean texts taken without the models (they take more: yes, on, 1 …)
_BOOLS = {"true": True, "false": False}


@dataclass(frozen=True)
class Shape:
    """The rules of one record model: its fields, which are required, the literal values
    some take, and whether valid_to must follow valid_from."""

    fields: Mapping[str, Prop]
    required: frozenset[str]
    literals: Mapping[str, frozenset[str]] = field(default_factory=dict)
    interval: bool = False


def _shape(
    props: Iterable[Prop],
    literals: Mapping[str, Iterable[str]],
    *,
    interval: bool,
    drop: Iterable[str] = (),
    require: Iterable[str] = (),
) -> Shape:
    fields = {p.name: p for p in props if p.name not in set(drop)}
    required = frozenset(n for n, p in fields.items() if p.required) | frozenset(require)
    closed = {n: p.choices for n, p in fields.items() if p.choices} | dict(literals)
    return Shape(fields, required, {n: frozenset(v) for n, v in closed.items()}, interval)


def shapes(kind: str) -> tuple[str | None, Mapping[str | None, Shape]]:
    """The discriminating field of a record kind and its shapes by that field's value (one
    shape, under ``None``, for a kind without one): the models of :mod:`graph_schema.models`
    — a node model per label, an edge model per relationship type (``kind`` required and one
    of the type's kinds where it has kinds, refused where it has none), the transfer and the
    source model."""
    if kind == "node":
        return "label", {
            name: _shape(
                (*NODE_COMMON, *label.props), {"label": [name], "kind": label.kinds}, interval=True
            )
            for name, label in NODE_LABELS.items()
        }
    if kind == "edge":
        return "type", {
            name: _shape(
                (*EDGE_COMMON, *rel.props),
                {"type": [name], **({"kind": rel.kinds} if rel.has_kinds else {})},
                interval=True,
                drop=() if rel.has_kinds else ("kind",),
                require=("kind",) if rel.has_kinds else (),
            )
            for name, rel in REL_TYPES.items()
        }
    if kind == "transfer":
        return None, {None: _shape(TRANSFER_FIELDS, {"status": TRANSFER_STATUSES}, interval=False)}
    if kind == "source":
        return None, {None: _shape(SOURCE_FIELDS, {}, interval=False)}
    raise ValueError(f"not a record kind: {kind!r}")


class ColumnCheck:
    """Validates the rows of one canonical CSV file (one record kind, one header) a chunk of
    rows at a time; keeps its caches (parsed dates and numbers) from chunk to chunk.

    ``header`` holds the file's field names (stripped, each once). ``share`` is a dict the
    values of the fields named in ``shared`` are interned in (the same text, one object),
    shared with the caller (ids that edges repeat, say).
    """

    def __init__(
        self,
        kind: str,
        header: Sequence[str],
        *,
        shared: Iterable[str] = (),
        share: dict[str, str] | None = None,
    ) -> None:
        if len(set(header)) != len(header):
            raise ValueError("a header must name each field once")
        self.kind = kind
        self.header = tuple(header)
        self.discriminator, self.shapes = shapes(kind)
        self._shared = frozenset(shared)
        self._share = share if share is not None else {}
        #: field → its type, limits and check (one declaration per name, whatever the shape)
        self._props: dict[str, Prop] = {}
        for shape in self.shapes.values():
            for name, prop in shape.fields.items():
                known = self._props.setdefault(name, prop)
                if (known.type, known.minimum, known.maximum, known.check) != (
                    prop.type,
                    prop.minimum,
                    prop.maximum,
                    prop.check,
                ):
                    raise ValueError(f"field {name!r} is declared with two types")
        self._caches: dict[str, dict[str, Any]] = {}
        self._bad: dict[str, set[str]] = {}
        #: the fields saying how precise a date is (whose rules span two fields)
        self._precisions = frozenset(
            precision_field(n) for n, p in self._props.items() if p.type == "date"
        )
        #: per field: the shapes that have it, that require it, and its literals by shape
        self._everywhere = frozenset(self.shapes)
        self._where_allowed: dict[str, frozenset[str | None]] = {}
        self._where_required: dict[str, frozenset[str | None]] = {}
        self._literals: dict[str, dict[str | None, frozenset[str]]] = {}
        for name in self._props:
            allowed = frozenset(d for d, s in self.shapes.items() if name in s.fields)
            self._where_allowed[name] = self._everywhere if allowed == self._everywhere else allowed
            self._where_required[name] = frozenset(
                d for d, s in self.shapes.items() if name in s.required
            )
            literals = {d: s.literals[name] for d, s in self.shapes.items() if name in s.literals}
            if literals:
                self._literals[name] = literals

    # -- one chunk ---------------------------------------------------------------------------

    def check(self, rows: Sequence[Sequence[str]]) -> list[Row | None]:
        """The valid record row (:data:`graph_schema.rows.ROW_FIELDS` order) of each of
        ``rows`` — cells in header order, as many as the header has fields — or ``None``
        for a row the models must judge."""
        n = len(rows)
        if n == 0:
            return []
        columns = dict(zip(self.header, zip(*rows, strict=True), strict=True))
        bad: set[int] = set()
        cells: dict[str, list[str | None] | tuple[str, ...]] = {}
        for name, column in columns.items():
            if name == "record":
                continue  # a CSV file's record kind is its name's; such a column is ignored
            cells[name] = _blanked(column)
            if name not in self._props:  # not a field of this kind: refused where filled
                bad.update(_filled(cells[name]))
        disc = self._discriminate(cells, n, bad)
        values: dict[str, Sequence[Any]] = {}
        for name, prop in self._props.items():
            given = cells.get(name)
            self._fit(name, given, disc, n, bad)
            if given is not None:
                values[name] = self._convert(name, prop, given, bad)
        for shape_values in self._intervals(values, disc, n):
            bad.update(shape_values)
        for name in self._precisions.intersection(values):  # rare: left to the models
            bad.update(compress(count(), map(_given, values[name])))
        if not values:  # no field of the kind in the header: no row can be valid
            return [None] * n
        if self.kind == "transfer":
            values["id"] = self._transfer_ids(values, n)
        fields = ROW_FIELDS[self.kind]
        out: list[Row | None] = list(
            zip(*(values.get(f, repeat(None)) for f in fields), strict=False)
        )
        for index in bad:
            out[index] = None
        return out

    def _discriminate(
        self, cells: Mapping[str, Sequence[str | None]], n: int, bad: set[int]
    ) -> Sequence[str | None]:
        """The shape key of each row (``None`` for a kind of one shape); rows without a
        known one are bad."""
        if self.discriminator is None:
            return [None] * n
        given = cells.get(self.discriminator)
        if given is None:
            bad.update(range(n))
            return [None] * n
        unknown = set(given) - self.shapes.keys()
        if unknown:
            bad.update(i for i, v in enumerate(given) if v in unknown)
        return given

    def _fit(
        self,
        name: str,
        given: Sequence[str | None] | None,
        disc: Sequence[str | None],
        n: int,
        bad: set[int],
    ) -> None:
        """Required where its shape requires it, refused where its shape lacks it, and one
        of the shape's literals where it has them."""
        allowed, required = self._where_allowed[name], self._where_required[name]
        if given is None:  # not in the header: missing wherever required
            if required:
                bad.update(compress(count(), map(required.__contains__, disc)))
            return
        if allowed is not self._everywhere and not allowed.issuperset(compress(disc, given)):
            bad.update(
                i
                for i, (d, v) in enumerate(zip(disc, given, strict=True))
                if v is not None and d not in allowed and d in self.shapes
            )
        if required and None in given:
            bad.update(
                i
                for i, (d, v) in enumerate(zip(disc, given, strict=True))
                if v is None and d in required
            )
        literals = self._literals.get(name)
        if literals is None or name == self.discriminator:
            return
        odd = {
            (d, v)
            for d, v in set(zip(disc, given, strict=True))
            if v is not None and d in literals and v not in literals[d]
        }
        if odd:
            bad.update(compress(count(), map(odd.__contains__, zip(disc, given, strict=True))))

    def _convert(
        self, name: str, prop: Prop, given: Sequence[str | None], bad: set[int]
    ) -> Sequence[Any]:
        """The column's values as the models make them; rows with a value the rules here do
        not take are bad."""
        if prop.type == "str":
            rejected = self._bad.setdefault(name, set())
            fresh: set[str] = {v for v in set(given) - rejected if v is not None}
            rejected.update(_unclean(fresh, identifier=prop.check == "id"))
            if prop.check == "uscc":
                rejected.update(_bad_usccs(fresh - rejected))
            elif prop.check is not None and not (prop.check == "id" and _plain_ids(fresh)):
                check = CHECKS[prop.check]
                rejected.update(v for v in fresh - rejected if not _passes(check, v))
            _mark(given, rejected, bad)
            if name in self._shared:
                share = self._share
                return list(map(share.setdefault, given, given))  # type: ignore[arg-type]
            if name in self._literals:
                return list(map(self._literal(name).get, given, given))  # type: ignore[arg-type]
            return given
        if prop.type == "str_list":
            return [None if v is None else split_list(v) for v in given]
        if prop.type == "evidence":  # JSON in a cell: rare (a re-loaded export), the models'
            bad.update(i for i, v in enumerate(given) if v is not None)
            return given
        cache = self._caches.setdefault(name, {})
        rejected = self._bad.setdefault(name, set())
        parse = _parser(prop)
        for value in set(given).difference(cache, rejected):
            if value is None:
                continue
            try:
                cache[value] = parse(value)
            except ValueError:
                rejected.add(value)
        _mark(given, rejected, bad)
        return list(map(cache.get, given))  # type: ignore[arg-type]

    def _literal(self, name: str) -> dict[str, str]:
        """The declared literal texts of a field, as themselves (one object per value)."""
        cache = self._caches.get(f"\0literal {name}")
        if cache is None:
            values = {v for s in self.shapes.values() for v in s.literals.get(name, ())}
            cache = self._caches[f"\0literal {name}"] = {v: v for v in values}
        return cache

    def _intervals(
        self, values: Mapping[str, Sequence[Any]], disc: Sequence[str | None], n: int
    ) -> Iterable[Iterable[int]]:
        """Rows whose valid_to does not follow their valid_from, in shapes that check it."""
        start, end = values.get("valid_from"), values.get("valid_to")
        if start is None or end is None:
            return
        checked = frozenset(d for d, s in self.shapes.items() if s.interval)
        # only the rows with a valid_to (a date is never false)
        yield (
            i
            for i in compress(count(), end)
            if start[i] is not None and end[i] <= start[i] and disc[i] in checked
        )

    @staticmethod
    def _transfer_ids(values: Mapping[str, Sequence[Any]], n: int) -> list[Any]:
        ids = values.get("id", repeat(None, n))
        orgs = values.get("org", repeat(None, n))
        dates = values.get("date", repeat(None, n))
        return [
            i if i is not None or org is None else transfer_id(org, when)
            for i, org, when in zip(ids, orgs, dates, strict=False)
        ]


_EMPTY: dict[str, None] = {"": None}


def _blanked(column: tuple[str, ...]) -> list[str | None] | tuple[str, ...]:
    """A column's cells with the blank ones (empty or only white space) as ``None``."""
    if any(map(str.isspace, column)):
        blanks: dict[str, None] = {v: None for v in set(column) if not v.strip()}
        return list(map(blanks.get, column, column))
    if "" in column:
        return list(map(_EMPTY.get, column, column))
    return column


def _given(value: object) -> bool:
    return value is not None


def _filled(column: Sequence[str | None]) -> Iterable[int]:
    if all(v is None for v in column):
        return ()
    return (i for i, v in enumerate(column) if v is not None)


def _mark(column: Sequence[Any], rejected: set[Any], bad: set[int]) -> None:
    if rejected and not rejected.isdisjoint(column):
        bad.update(i for i, v in enumerate(column) if v in rejected)


def _unclean(values: set[str], *, identifier: bool) -> Iterable[str]:
    """The texts cleaning would change (:mod:`graph_schema.text`), left to the models to clean
    or refuse. The usual column is told in a few scans at C speed: its texts are NFC (ASCII
    ones are; joined with NUL, which composes with nothing, they are NFC exactly when each
    is) and stripping leaves each as it is (the same object)."""
    listed = list(values)
    joined = "\0".join(listed)
    chars = repeat(" " if identifier else None)
    if (joined.isascii() or unicodedata.is_normalized("NFC", joined)) and all(
        map(is_, listed, map(str.strip, listed, chars))
    ):
        return ()
    return [value for value in values if not is_clean(value, identifier=identifier)]


def _plain_ids(values: set[str]) -> bool:
    """Whether every id is printable ASCII without ``|``: what the id check passes, told in
    one scan of their joined text (the usual column of a province's ids)."""
    joined = "".join(values)
    return joined.isascii() and joined.isprintable() and "|" not in joined


#: codes at least this many are checked in numpy (:func:`_bad_usccs`)
_MANY_USCCS = 1000


def _bad_usccs(values: set[str]) -> list[str]:
    """The codes the ``uscc`` check refuses (:func:`graph_schema.uscc.is_valid_uscc`): many
    at once in numpy — each code's characters as their values in the alphabet, the weighted
    sum of the first 17 against the 18th — the rest (few, or not 18 ASCII characters) one
    by one."""
    if len(values) < _MANY_USCCS:
        return [v for v in values if not is_valid_uscc(v)]
    plain = [v for v in values if len(v) == 18 and v.isascii()]
    bad = [v for v in values if (len(v) != 18 or not v.isascii()) and not is_valid_uscc(v)]
    if not plain:
        return bad
    import numpy as np  # (only for a column of many codes: a province's enterprises)

    table = np.full(256, -1, dtype=np.int64)
    alphabet = np.frombuffer(USCC_ALPHABET.encode("ascii"), dtype=np.uint8)
    table[alphabet] = np.arange(len(USCC_ALPHABET))
    codes = table[np.frombuffer("".join(plain).encode("ascii"), dtype=np.uint8)].reshape(-1, 18)
    total = codes[:, :17] @ np.array(USCC_WEIGHTS, dtype=np.int64)
    good = (codes >= 0).all(axis=1) & (-total % 31 == codes[:, 17])
    bad.extend(compress(plain, (~good).tolist()))
    return bad


def _passes(check: Callable[[str], str], value: str) -> bool:
    try:
        check(value)
    except ValueError:
        return False
    return True


def _parser(prop: Prop) -> Callable[[str], Any]:
    """Text → value for a date, number or boolean property; ValueError for a text the rules
    here do not take."""
    if prop.type == "date":
        return parse_date
    if prop.type == "bool":

        def boolean(text: str) -> bool:
            if text not in _BOOLS:
                raise ValueError(text)
            return _BOOLS[text]

        return boolean
    low, high = bounds(prop)
    pattern, convert = (_INT, int) if prop.type == "int" else (_FLOAT, float)

    def number(text: str) -> Any:
        if not pattern.fullmatch(text):
            raise ValueError(text)
        value = convert(text)
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(text)
        return value

    return number
