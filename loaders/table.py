"""Source tables: the CSV tables researchers compile from rosters, reports and lists.

Each source loader (``county``, ``park``, ``street``, ``sasac``, ``transfers``,
``supervision``) is a :class:`Layout`: a short declarative description of its columns and a
``build`` function that turns one row into canonical record dicts. This module reads the CSV,
checks the header, runs ``build`` on each row, validates every record the row produced with
the canonical models (:func:`graph_schema.models.validate_record`), and reports every problem
at the row's line, under the name of the source column the bad value came from.

Every record a row produces carries the row's ``source``, ``quote`` and ``page``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from graph_schema.models import validate_record
from loaders.canonical import TableSource
from loaders.errors import LoadError, from_pydantic
from loaders.headers import CANONICAL_FIELDS, Names, is_chinese, nearest
from loaders.terms import VOCABULARIES, Vocabulary, term
from loaders.validate import Invalid, Located, invalid_node

__all__ = [
    "PROVENANCE",
    "Column",
    "Entry",
    "Layout",
    "Row",
    "detect",
    "one_of",
    "read_table",
]

REQUIRED = "expected a value: the field is required"
#: a canonical field's Chinese names, for the table columns named after it
_FIELD_ZH = {p.name: p.zh for p in CANONICAL_FIELDS["node"]}


def one_of(values: Iterable[str]) -> str:
    """``expected one of 'a', 'b' or 'c'``, worded as the schema's own errors are."""
    items = [repr(v) for v in values]
    listed = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
    return f"expected one of {listed}"


@dataclass(frozen=True)
class Column:
    """One column of a source table: its name, whether every row must fill it, its meaning."""

    name: str
    meaning: str
    required: bool = False
    #: its Chinese header names, the usual one first; a column named after a canonical field
    #: (id, name, kind, valid_from, source …) has that field's by default
    zh: tuple[str, ...] = ()

    @property
    def chinese(self) -> tuple[str, ...]:
        return self.zh or _FIELD_ZH.get(self.name, ())


@dataclass(frozen=True)
class Entry:
    """One value of a roster's ``entry`` column: what such a row describes and produces."""

    name: str
    meaning: str
    #: the Chinese words for it, the usual one first
    zh: tuple[str, ...] = ()


#: the provenance columns every source table has
PROVENANCE: tuple[Column, ...] = (
    Column("source", "id of the source record (document) the row is taken from", required=True),
    Column("quote", "the words of the source that support the row", required=True),
    Column("page", "where in the source the quote stands (page, section, paragraph)"),
)


@dataclass(frozen=True)
class Layout:
    """A source table: the ``--as`` name, a description, its columns and its row builder."""

    name: str
    title: str
    summary: str
    columns: tuple[Column, ...]
    build: Callable[[Row], None] = field(compare=False, repr=False)
    entries: tuple[Entry, ...] = ()

    @property
    def required(self) -> tuple[str, ...]:
        """The columns a header must have (and every row must fill)."""
        return tuple(c.name for c in self.columns if c.required)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def headers(self) -> Names:
        """The header names of its columns, English and Chinese."""
        return Names({c.name: c.chinese for c in self.columns})


@dataclass
class Produced:
    """A canonical record dict a row produced, and the source column of each of its fields."""

    data: dict[str, Any]
    columns: dict[str, str]


class Row:
    """One row of a source table, as its layout's ``build`` sees it.

    ``get`` reads a cell (and marks it as used: a filled cell nothing reads is reported, so no
    value is silently dropped); ``emit`` and its helpers add records; ``error`` reports a
    problem at this row.
    """

    def __init__(
        self,
        layout: Layout,
        file: str,
        line: int,
        cells: Mapping[str, str],
        written: Mapping[str, str] | None = None,
    ) -> None:
        self.layout = layout
        self.file = file
        self.line = line
        self.cells = cells
        #: column → its header cell as the table writes it (where that differs from its name)
        self.written = written or {}
        self.what = f"a row of the {layout.name} table"
        self.records: list[Produced] = []
        self.errors: list[LoadError] = []
        self.abandoned = False
        self._used: set[str] = set()
        #: columns whose value was refused already (their records' errors are not repeated)
        self._refused: set[str] = set()

    def label(self, column: str) -> str:
        """A column as errors name it: as the header writes it, with its name if that
        differs (``类型 (kind)``)."""
        written = self.written.get(column)
        return column if written is None or written == column else f"{written} ({column})"

    # -- reading cells ---------------------------------------------------------------------

    def get(self, column: str) -> str | None:
        """The cell's text (stripped), or None if it is empty."""
        self._used.add(column)
        return self.cells.get(column)

    def error(self, column: str, value: Any, expected: str) -> None:
        self.errors.append(LoadError(self.file, self.line, self.label(column), value, expected))

    def flag(self, column: str) -> bool:
        """A yes/no cell (是 / 否 …): empty means no."""
        value = self.get(column)
        if value is None:
            return False
        found = term("yes_no", value)
        if found is None:
            self.error(column, value, "expected yes or no (是 or 否; also true, false, 1, 0)")
        return found == "yes"

    def choice(self, column: str, entries: Sequence[Entry]) -> str | None:
        """The row's entry (or another closed choice); None, reported, if it is not one."""
        value = self.get(column)
        if value is None:
            return None
        found = Vocabulary(column, tuple(e.name for e in entries), {e.name: e.zh for e in entries})
        chosen = found.lookup(value)
        if chosen is None:
            self.error(column, value, f"expected one of {found.listing()}")
        return chosen

    def term(self, column: str, vocabulary: str) -> str | None:
        """A cell holding a term of the format (a kind, basis, status …), as the format's
        term; a word that is none is reported here, with every accepted term, once."""
        value = self.get(column)
        if value is None:
            return None
        found = term(vocabulary, value)
        if found is None and column not in self._refused:
            self._refused.add(column)
            self.error(column, value, VOCABULARIES[vocabulary].expected())
        return found

    def ids(self, column: str) -> list[str]:
        """The ids of a cell: one, or several separated by ``|``."""
        value = self.get(column)
        if value is None:
            return []
        return [part.strip(" ") for part in value.split("|") if part.strip()]

    # -- producing records -----------------------------------------------------------------

    def values(self, fields: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
        """Canonical fields read from columns (field → column), and that mapping."""
        data: dict[str, Any] = {}
        for name, column in fields.items():
            value = self.get(column)
            if value is not None:
                data[name] = value
        return data, dict(fields)

    def emit(self, data: dict[str, Any], columns: Mapping[str, str]) -> None:
        """Add a canonical record, with the row's provenance."""
        record = dict(data)
        mapped = dict(columns)
        provenance = ["source", "quote", "page"]
        if record["record"] == "transfer":  # the format's transfer record has no page
            self.get("page")
            provenance.remove("page")
        for name in provenance:
            value = self.get(name)
            mapped[name] = name
            if value is not None:
                record[name] = value
        self.records.append(Produced(record, mapped))

    def node(
        self,
        label: str,
        fields: Mapping[str, str],
        *,
        kind: str | None = None,
        kind_column: str = "kind",
        fixed: Mapping[str, tuple[str, str]] | None = None,
    ) -> str | None:
        """A node of ``label`` from ``fields`` (canonical field → column); returns its id.

        ``kind`` is the kind when the kind column is empty; the column's value is read as a
        term of the label's kinds. ``fixed`` gives fields already read: field → (value,
        column).
        """
        data, columns = self.values(fields)
        for name, (value, column) in (fixed or {}).items():
            data[name] = value
            columns[name] = column
        given = self.term(kind_column, f"{label}_kind")
        data["kind"] = given if given is not None else kind
        columns["kind"] = kind_column
        if data["kind"] is None:
            del data["kind"]
        self.emit({"record": "node", "label": label, **data}, columns)
        node_id: str | None = data.get("id")
        return node_id

    def edge(
        self,
        type_: str,
        src: tuple[str | None, str],
        dst: tuple[str | None, str],
        *,
        kind: tuple[str | None, str] | None = None,
        dated: bool = False,
        extra: Mapping[str, str] | None = None,
        evidence: list[dict[str, Any]] | None = None,
    ) -> None:
        """A line ``src → dst`` ((id, column) each); nothing if either end is missing.

        ``dated`` gives it the row's valid_from / valid_to; ``extra`` maps further canonical
        fields to columns (e.g. share_pct).
        """
        if src[0] is None or dst[0] is None:
            return
        data: dict[str, Any] = {"record": "edge", "type": type_, "from": src[0], "to": dst[0]}
        columns = {"from": src[1], "to": dst[1]}
        if kind is not None:
            columns["kind"] = kind[1]
            if kind[0] is not None:
                data["kind"] = kind[0]
        fields = dict(extra or {})
        if dated:
            fields.update(valid_from="valid_from", valid_to="valid_to")
        more, more_columns = self.values(fields)
        if evidence:  # what the row says of the line, piece by piece (see loaders.assemble)
            more["evidence"] = evidence
        self.emit({**data, **more}, {**columns, **more_columns})

    # -- finishing -------------------------------------------------------------------------

    def finish(self) -> list[Located | LoadError | Invalid]:
        """Validate what the row produced: its located records and all its errors, each
        problem once (a cell several records share is reported once)."""
        found: list[Located | LoadError | Invalid] = []
        errors = list(self.errors)
        if not self.abandoned:
            errors.extend(
                LoadError(
                    self.file,
                    self.line,
                    self.label(column),
                    value,
                    f"expected an empty cell: {self.what} does not use this column",
                )
                for column, value in self.cells.items()
                if column not in self._used
            )
        for produced in self.records:
            labels = {name: self.label(column) for name, column in produced.columns.items()}
            try:
                record = validate_record(produced.data)
            except ValidationError as exc:
                invalid = invalid_node(produced.data)
                if invalid is not None:
                    found.append(invalid)
                for err in from_pydantic(self.file, self.line, produced.data, exc.errors()):
                    if produced.columns.get(err.field) in self._refused:
                        continue  # its cell was refused already, saying what it may hold
                    column = labels.get(err.field, err.field)
                    errors.append(LoadError(err.file, err.line, column, err.value, err.expected))
                continue
            found.append(Located(self.file, self.line, record, labels))
        seen: set[tuple[str, str, str]] = set()
        for err in errors:
            key = (err.field, repr(err.value), err.expected)
            if key not in seen:
                seen.add(key)
                found.append(err)
        return found


def _fit(header: Sequence[str], layout: Layout) -> tuple[int, list[str]]:
    """How many header cells name a column of ``layout``, and its required columns missing."""
    named = [c for c in layout.headers.resolve(header) if c is not None]
    return len(named), [c for c in layout.required if c not in named]


def detect(header: Sequence[str], layouts: Sequence[Layout]) -> Layout | str:
    """The one layout whose required columns the header has, or what is wrong with it: the
    table it is closest to, with the columns it lacks and those it does not know, in the
    header's language."""
    fits = {layout.name: _fit(header, layout) for layout in layouts}
    matches = [layout for layout in layouts if not fits[layout.name][1]]
    if len(matches) == 1:
        return matches[0]
    if matches:
        names = " and ".join(m.name for m in matches)
        return (
            f"expected the header of one source table, not of several ({names}): choose "
            "one with --as"
        )
    closest = max(layouts, key=lambda lt: (fits[lt.name][0], -len(fits[lt.name][1])))
    chinese = is_chinese(header)
    missing = closest.headers.listing(fits[closest.name][1], chinese=chinese)
    named = closest.headers.resolve(header)
    unknown = [cell for cell, c in zip(header, named, strict=True) if c is None]
    message = (
        "expected the header of a source table (or of a canonical file named nodes*, edges*, "
        f"transfers* or sources*); closest: the {closest.name} table, which also needs the "
        f"columns {missing}"
    )
    if unknown:
        message += f" (unknown to it: {', '.join(unknown)})"
    return message + "; see docs/loaders.md"


def _header_errors(
    name: str, header: Sequence[str], layout: Layout
) -> tuple[dict[str, str], list[LoadError]]:
    """The column each header cell names (column → the cell as written), and what is wrong
    with the header: a cell naming no column (with the nearest name), a column named twice,
    a required column missing."""
    errors: list[LoadError] = []
    written: dict[str, str] = {}
    chinese = is_chinese(header)
    for cell, column in zip(header, layout.headers.resolve(header), strict=True):
        if column is None:
            near = nearest(cell, layout.headers)
            hint = f": did you mean {near}?" if near else " (see docs/loaders.md)"
            errors.append(
                LoadError(
                    name, 1, "header", cell, f"expected a column of the {layout.name} table{hint}"
                )
            )
        elif column in written:
            errors.append(
                LoadError(
                    name,
                    1,
                    "header",
                    cell,
                    f"expected each column once: {written[column]!r} names "
                    f"{layout.headers.show(column, chinese=chinese)} too",
                )
            )
        else:
            written[column] = cell
    errors.extend(
        LoadError(
            name,
            1,
            layout.headers.show(column, chinese=chinese),
            None,
            f"expected this column in the header: the {layout.name} table requires it",
        )
        for column in layout.required
        if column not in written
    )
    return written, errors


def read_table(
    table: TableSource, layouts: Sequence[Layout], forced: Layout | None = None
) -> Iterator[list[Located | LoadError | Invalid]]:
    """Read a source table: per row, its located records and errors.

    The layout is ``forced`` (``--as``) or detected from the header among ``layouts``.
    """
    if table.error is not None:
        yield [table.error]
        return
    layout = forced if forced is not None else detect(table.header, layouts)
    if isinstance(layout, str):
        yield [LoadError(table.name, 1, "header", ",".join(table.header), layout)]
        return
    written, header_errors = _header_errors(table.name, table.header, layout)
    if header_errors:
        yield list(header_errors)
        return
    column_of = {cell: column for column, cell in written.items()}
    for item in table.rows():
        if isinstance(item, LoadError):
            yield [item]
            continue
        cells = {column_of[k]: v.strip(" ") for k, v in item.cells.items() if k in column_of}
        row = Row(layout, table.name, item.line, cells, written)
        for column in layout.required:
            if column not in cells:
                row.error(column, None, REQUIRED)
        layout.build(row)
        yield row.finish()
