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
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from graph_schema.models import validate_record
from loaders.canonical import CsvFile
from loaders.errors import LoadError, from_pydantic
from loaders.terms import normalize, term
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
_YES = frozenset({"yes", "y", "true", "1", "是", "√"})
_NO = frozenset({"no", "n", "false", "0", "否"})


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


@dataclass(frozen=True)
class Entry:
    """One value of a roster's ``entry`` column: what such a row describes and produces."""

    name: str
    meaning: str


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

    def __init__(self, layout: Layout, file: str, line: int, cells: Mapping[str, str]) -> None:
        self.layout = layout
        self.file = file
        self.line = line
        self.cells = cells
        self.what = f"a row of the {layout.name} table"
        self.records: list[Produced] = []
        self.errors: list[LoadError] = []
        self.abandoned = False
        self._used: set[str] = set()

    # -- reading cells ---------------------------------------------------------------------

    def get(self, column: str) -> str | None:
        """The cell's text (stripped), or None if it is empty."""
        self._used.add(column)
        return self.cells.get(column)

    def error(self, column: str, value: Any, expected: str) -> None:
        self.errors.append(LoadError(self.file, self.line, column, value, expected))

    def flag(self, column: str) -> bool:
        """A yes/no cell: empty means no."""
        value = self.get(column)
        if value is None:
            return False
        plain = normalize(value)
        if plain in _YES:
            return True
        if plain not in _NO:
            self.error(column, value, "expected yes or no")
        return False

    def choice(self, column: str, entries: Sequence[Entry]) -> str | None:
        """The row's entry (or another closed choice); None, reported, if it is not one."""
        value = self.get(column)
        names = [e.name for e in entries]
        if value is None:
            return None
        if normalize(value) in names:
            return normalize(value)
        self.error(column, value, one_of(names))
        return None

    def term(self, column: str, vocabulary: str) -> str | None:
        """A cell holding a term of the format (a kind, basis, status …), normalized."""
        value = self.get(column)
        return None if value is None else term(vocabulary, value)

    def ids(self, column: str) -> list[str]:
        """The ids of a cell: one, or several separated by ``|``."""
        value = self.get(column)
        return [] if value is None else [part.strip() for part in value.split("|") if part.strip()]

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
        self.emit({**data, **more}, {**columns, **more_columns})

    # -- finishing -------------------------------------------------------------------------

    def finish(self) -> list[Located | LoadError | Invalid]:
        """Validate what the row produced: its located records and all its errors."""
        found: list[Located | LoadError | Invalid] = []
        errors = list(self.errors)
        if not self.abandoned:
            for column, value in self.cells.items():
                if column not in self._used:
                    errors.append(
                        LoadError(
                            self.file,
                            self.line,
                            column,
                            value,
                            f"expected an empty cell: {self.what} does not use this column",
                        )
                    )
        for produced in self.records:
            try:
                record = validate_record(produced.data)
            except ValidationError as exc:
                invalid = invalid_node(produced.data)
                if invalid is not None:
                    found.append(invalid)
                for err in from_pydantic(self.file, self.line, produced.data, exc.errors()):
                    errors.append(
                        LoadError(
                            err.file,
                            err.line,
                            produced.columns.get(err.field, err.field),
                            err.value,
                            err.expected,
                        )
                    )
                continue
            found.append(Located(self.file, self.line, record, produced.columns))
        seen: set[tuple[str, str, str]] = set()
        for err in errors:  # a shared cell (e.g. valid_from) is reported once per row
            key = (err.field, repr(err.value), err.expected)
            if key not in seen:
                seen.add(key)
                found.append(err)
        return found


def detect(columns: Iterable[str], layouts: Sequence[Layout]) -> Layout | str:
    """The one layout whose required columns the header has, or what is wrong with it."""
    have = set(columns)
    matches = [layout for layout in layouts if set(layout.required) <= have]
    if len(matches) == 1:
        return matches[0]
    if matches:
        names = " and ".join(m.name for m in matches)
        return (
            f"expected the header of one source table, not of several ({names}): choose "
            "one with --as"
        )
    missing = {layout.name: [c for c in layout.required if c not in have] for layout in layouts}
    fewest = min(len(m) for m in missing.values())
    nearest = "; ".join(
        f"{name} lacks {', '.join(lacks)}"
        for name, lacks in missing.items()
        if len(lacks) == fewest
    )
    return (
        "expected the required columns of a source table (or a canonical file named "
        f"nodes*/edges*/transfers*/sources*.csv); nearest: {nearest}"
    )


def _header_errors(name: str, header: list[str], layout: Layout) -> list[LoadError]:
    errors: list[LoadError] = []
    seen: set[str] = set()
    for column in header:
        if column in seen:
            errors.append(LoadError(name, 1, "header", column, "expected each column once"))
        seen.add(column)
        if column not in layout.names:
            errors.append(
                LoadError(
                    name,
                    1,
                    "header",
                    column,
                    f"expected a column of the {layout.name} table (see docs/loaders.md)",
                )
            )
    errors.extend(
        LoadError(
            name,
            1,
            column,
            None,
            f"expected a {column} column in the header: the {layout.name} table requires it",
        )
        for column in layout.required
        if column not in seen
    )
    return errors


def read_table(
    path: Path, layouts: Sequence[Layout], forced: Layout | None = None
) -> Iterator[list[Located | LoadError | Invalid]]:
    """Read a source table: per row, its located records and errors.

    The layout is ``forced`` (``--as``) or detected from the header among ``layouts``.
    """
    table = CsvFile(path)
    if table.error is not None:
        yield [table.error]
        return
    header = [normalize(column) for column in table.header]
    layout = forced if forced is not None else detect(header, layouts)
    if isinstance(layout, str):
        yield [LoadError(table.name, 1, "header", ",".join(table.header), layout)]
        return
    header_errors = _header_errors(table.name, header, layout)
    if header_errors:
        yield list(header_errors)
        return
    for item in table.rows():
        if isinstance(item, LoadError):
            yield [item]
            continue
        cells = {normalize(k): v.strip() for k, v in item.cells.items()}
        row = Row(layout, table.name, item.line, cells)
        for column in layout.required:
            if column not in cells:
                row.error(column, None, REQUIRED)
        layout.build(row)
        yield row.finish()
