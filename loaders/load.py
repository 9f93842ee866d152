"""Loading files into a store: find them, read and validate all, then write all or nothing.

A file is read by its kind: ``*.jsonl`` as canonical JSON Lines; a CSV file or a workbook's
sheet (``*.xlsx``) as a table — canonical when its name says so (``nodes*``, ``edges*``,
``transfers*``, ``sources*`` or their Chinese 节点, 关系, 转移, 来源), else a source table,
whose layout is chosen with ``as_table`` (``affgraph load --as``), by a sheet's name, or
recognised from its header (see :mod:`loaders.registry`); ``*.ftm.json`` / ``*.ftm.jsonl`` as
FollowTheMoney entities, matched to the load and the store once all is read (:mod:`loaders.ftm`).
A file of another type is refused unless the user says to skip it; nothing is left out without
a word.

Canonical CSV — the bulk format, millions of rows per province — is read in chunks and
validated a column at a time (:mod:`graph_schema.bulk`); the rows that check does not pass
go to the models one by one, so the records and the errors are exactly theirs. Valid records
are held as rows (:mod:`graph_schema.rows`), not record objects, and a store that takes rows
(the embedded one) writes them as they are; the cyclic garbage collector is paused meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from graph_schema.bulk import ColumnCheck
from graph_schema.records import Edge, Node, Source, Transfer
from graph_schema.rows import Row, record_of, row_of
from loaders.assemble import assemble, replace_formal
from loaders.canonical import (
    CsvFile,
    RawRecord,
    TableSource,
    csv_record_kind,
    read_jsonl,
    record_kind_of_name,
)
from loaders.errors import LoadError, LoadFailedError, Notice
from loaders.ftm import FtmFile, is_ftm, read_ftm, resolve_ftm
from loaders.headers import CANONICAL_FIELDS, Names
from loaders.registry import LAYOUTS
from loaders.table import Layout, detect, read_table
from loaders.terms import normalize
from loaders.validate import (
    Batch,
    Invalid,
    Located,
    Placeholder,
    Rows,
    check_batch,
    invalid_node,
    validate_raw,
)
from loaders.workbook import Sheet, is_guide, open_workbook
from stores.base import GraphStore, RowWriter, StoreError, StoreWriter, WriteSummary
from stores.collector import gc_paused
from stores.history import FileRef, WriteInfo, file_ref

if TYPE_CHECKING:
    from dedupe.candidates import Candidate

__all__ = [
    "READABLE",
    "LoadProgress",
    "LoadResult",
    "Reading",
    "TableRead",
    "discover",
    "load_paths",
    "read_batch",
]

#: rows of a canonical CSV file validated together, a column at a time
CHUNK_ROWS = 20_000
#: fields whose texts the rows of a load share (one object per distinct id): node ids, the
#: ids edges and transfers refer to, source ids
SHARED_FIELDS = ("id", "from", "to", "org", "proposed_to", "decided_to", "source")


def _ignore(*_: object) -> None:
    return None


#: the step after the write has committed, while a load looks for possible duplicates
LOOKING_FOR_DUPLICATES = "looking for possible duplicates"


@dataclass
class LoadProgress:
    """What a load reports while it runs (for a progress display); every hook is optional."""

    #: ``n`` more input records (lines of JSON Lines, rows of CSV) have been read
    records: Callable[[int], None] = _ignore
    #: reading file ``index`` (1-based) of ``total`` begins
    file: Callable[[int, int, Path], None] = _ignore
    #: a step after reading begins: "checking", then "writing", then (the write committed,
    #: new nodes to compare) LOOKING_FOR_DUPLICATES
    step: Callable[[str], None] = _ignore


#: a progress hook: a :class:`LoadProgress`, or a plain function of the records read
Progress = LoadProgress | Callable[[int], None]


@dataclass
class LoadResult(WriteSummary):
    """What a load did (a :class:`WriteSummary`): the placeholders it made, what it read each
    table as, what the user should know (notices), and — for a check without writing — how
    many valid records it found."""

    placeholders: list[Placeholder] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    tables: list[TableRead] = field(default_factory=list)
    checked: int | None = None
    #: pairs of a node the load created and one the store held, that may be one body
    #: (:func:`dedupe.candidates.candidates_against`); never merged: ``affgraph dedupe``
    possible_duplicates: list[Candidate] = field(default_factory=list)
    #: the load's number in the store's log (0: a check, which writes and logs nothing)
    load: int = 0


#: the file types a load reads, by the end of their name
READABLE = {
    ".jsonl": "JSON Lines",
    ".csv": "CSV",
    ".xlsx": "Excel workbook",
    ".ftm.json": "FollowTheMoney entities (JSON lines)",
    ".ftm.jsonl": "FollowTheMoney entities (JSON lines)",
}
#: what to do with a file type it does not read, where there is something better to say
_HINTS = {
    ".xls": "save it as .xlsx (Excel: File › Save As › Excel Workbook)",
    ".xlsm": "save it as .xlsx (a workbook without macros)",
    ".ods": "save it as .xlsx or CSV UTF-8 (LibreOffice: File › Save As)",
    ".tsv": "save it as CSV",
    ".json": "write one record per line as JSON Lines (.jsonl); FollowTheMoney entities: name "
    "the file *.ftm.json",
}


@dataclass(frozen=True)
class TableRead:
    """One table (or JSON Lines file) a load read: where, as what, how many input records."""

    name: str
    table: str
    records: int
    encoding: str | None = None


def _unknown(path: Path, *, skip_unknown: bool) -> LoadError | Notice:
    """A file of a type the load does not read: an error, or with ``--skip-unknown`` a
    notice."""
    name = str(path)
    if skip_unknown:
        return Notice(name, 0, "file", path.suffix or path.name, "not loaded (--skip-unknown)")
    hint = _HINTS.get(path.suffix.lower())
    expected = "expected a .jsonl, .csv or .xlsx file (canonical or a source table)"
    if path.name.startswith("~$"):
        hint = "the lock file Excel keeps while a workbook is open: close it in Excel"
    return LoadError(
        name,
        0,
        "file",
        path.suffix or path.name,
        f"{expected}{': ' + hint if hint else ''}; or load with --skip-unknown to leave out what "
        "is not data",
    )


def discover(
    paths: Iterable[str | Path], *, skip_unknown: bool = False
) -> tuple[list[Path], list[LoadError], list[Notice]]:
    """The files to load — each file given, and every file under a folder — with an error (or,
    with ``skip_unknown``, a notice) for each one of a type the load does not read. Hidden
    files under a folder (``.DS_Store``) are left out with a notice."""
    files: list[Path] = []
    errors: list[LoadError] = []
    notices: list[Notice] = []

    def take(path: Path) -> None:
        if path.name.lower().endswith(tuple(READABLE)) and not path.name.startswith("~$"):
            files.append(path)
            return
        found = _unknown(path, skip_unknown=skip_unknown)
        (notices if isinstance(found, Notice) else errors).append(found)  # type: ignore[arg-type]

    for given in map(Path, paths):
        if given.is_dir():
            for path in sorted(p for p in given.rglob("*") if p.is_file()):
                if any(part.startswith(".") for part in path.relative_to(given).parts):
                    notices.append(Notice(str(path), 0, "file", path.name, "not loaded: hidden"))
                else:
                    take(path)
        elif not given.exists():
            errors.append(
                LoadError(str(given), 0, "path", None, "expected an existing file or folder")
            )
        else:
            take(given)
    return files, errors, notices


@dataclass(frozen=True)
class _Run:
    """Valid rows of one record kind read from one file, in order, with their lines."""

    kind: str
    file: str
    rows: list[Row]
    lines: list[int]


_Found = Located | LoadError | Invalid | _Run | Notice | TableRead | FtmFile


def _tables(path: Path, encoding: str | None) -> tuple[list[TableSource], list[_Found]]:
    """The tables of a CSV file or a workbook, and what stopped or struck their reading."""
    if path.suffix.lower() == ".xlsx":
        sheets, errors, notices = open_workbook(path)
        return list(sheets), [*errors, *notices]
    table = CsvFile(path, encoding)
    return [table], list(table.notices)


def _canonical_kind(table: TableSource, path: Path) -> str | None:
    """The record kind of a canonical table: by the file's name, or a sheet's."""
    if isinstance(table, Sheet):
        return record_kind_of_name(table.title)
    return csv_record_kind(path)


def _read(
    path: Path, as_table: Layout | None, share: dict[str, str], encoding: str | None = None
) -> Iterator[tuple[int, list[_Found]]]:
    """A file's input records (lines or rows) a few at a time: how many, and what they gave
    (valid records, runs of valid rows, errors, invalid nodes, notices, and per table what it
    was read as)."""
    if is_ftm(path):  # FtM entities, mapped once the whole load is read (resolve_ftm)
        entities = 0
        for lines, ftm_found in read_ftm(path):
            entities += lines
            yield lines, list[_Found](ftm_found)
        yield 0, [TableRead(str(path), "FollowTheMoney entities", entities, "utf-8")]
        return
    if path.suffix.lower() == ".jsonl":
        count = 0
        for raw in read_jsonl(path):
            count += 1
            yield 1, [raw] if isinstance(raw, LoadError) else _validated(raw)
        yield 0, [TableRead(str(path), "canonical JSON Lines", count, "utf-8")]
        return
    tables, found = _tables(path, encoding)
    if found:
        yield 0, found
    for table in tables:
        if isinstance(table, Sheet) and is_guide(table.title):  # a template's explanation
            note = "not loaded: the column guide of a template (affgraph template)"
            yield 0, [Notice(table.name, 0, "sheet", table.title, note)]
            continue
        kind = _canonical_kind(table, path)
        layout = as_table
        if layout is None and kind is None and isinstance(table, Sheet):
            layout = LAYOUTS.get(normalize(table.title))
        read = 0
        if kind is not None and as_table is None:
            what = f"canonical {kind} records"
            for count, items in _read_canonical(table, kind, share):
                read += count
                yield count, items
        else:
            chosen = layout if layout is not None else _detected(table)
            what = f"{chosen.name} table" if isinstance(chosen, Layout) else "unreadable table"
            for row_items in read_table(table, tuple(LAYOUTS.values()), layout):
                read += 1
                yield 1, list(row_items)
        yield 0, [TableRead(table.name, what, read, getattr(table, "encoding", None))]


def _detected(table: TableSource) -> Layout | None:
    if table.error is not None:
        return None
    found = detect(table.header, tuple(LAYOUTS.values()))
    return found if isinstance(found, Layout) else None


def _validated(raw: RawRecord) -> list[_Found]:
    """A raw record validated by the models: its record, or its errors (and, for a node, its
    id as invalid)."""
    checked = validate_raw(raw)
    if isinstance(checked, Located):
        return [checked]
    found: list[_Found] = list(checked)
    invalid = invalid_node(raw.data)
    if invalid is not None:
        found.append(invalid)
    return found


def _canonical_header(
    table: TableSource, kind: str
) -> tuple[list[str], dict[str, str], list[LoadError]]:
    """The field each header cell names (English or Chinese), the header cell of each field
    where the two differ, and the error of a field named twice."""
    names = Names.of_fields(CANONICAL_FIELDS[kind])
    fields = [f or cell for f, cell in zip(names.resolve(table.header), table.header, strict=True)]
    written = {f: cell for f, cell in zip(fields, table.header, strict=True) if f != cell}
    errors = [
        LoadError(
            table.name,
            1,
            "header",
            cell,
            f"expected each field once: {field!r} is named by an earlier column too",
        )
        for index, (field, cell) in enumerate(zip(fields, table.header, strict=True))
        if field in fields[:index]
    ]
    return fields, written, errors


def _relabel(item: _Found, written: Mapping[str, str]) -> _Found:
    """An error about a field, named as the header writes it (``开始日期 (valid_from)``)."""
    if isinstance(item, LoadError) and item.field in written:
        return LoadError(
            item.file, item.line, f"{written[item.field]} ({item.field})", item.value, item.expected
        )
    return item


def _read_canonical(
    table: TableSource, kind: str, share: dict[str, str]
) -> Iterator[tuple[int, list[_Found]]]:
    """A canonical table, :data:`CHUNK_ROWS` rows at a time, validated a column at a time
    (:class:`graph_schema.bulk.ColumnCheck`); a row that check does not pass, or one with more
    or fewer cells than the header, is validated by the models as a record of its own — so
    every error is theirs, at its row's line."""
    if table.error is not None:
        yield 1, [table.error]
        return
    fields, written, errors = _canonical_header(table, kind)
    if errors:
        yield 1, list(errors)
        return
    width = len(fields)
    check = ColumnCheck(kind, fields, shared=SHARED_FIELDS, share=share)
    for chunk in table.chunks(CHUNK_ROWS):
        if isinstance(chunk, LoadError):
            yield 1, [chunk]
            continue
        lines, cells = chunk
        checked: list[Row | None]
        if set(map(len, cells)) == {width}:
            checked = check.check(cells)
        else:
            fitting = [i for i, row in enumerate(cells) if len(row) == width]
            checked = [None] * len(cells)
            for index, row in zip(fitting, check.check([cells[i] for i in fitting]), strict=True):
                checked[index] = row
        if None not in checked:
            yield len(cells), [_Run(kind, table.name, checked, lines)]  # type: ignore[arg-type]
            continue
        found = _judged(
            table, kind, dict(zip(table.header, fields, strict=True)), lines, cells, checked
        )
        yield len(cells), [_relabel(item, written) for item in found]


def _judged(
    table: TableSource,
    kind: str,
    rename: Mapping[str, str],
    lines: list[int],
    cells: list[list[str]],
    checked: list[Row | None],
) -> list[_Found]:
    """A chunk's valid rows and, for the rows the column check did not pass, what the models
    find, in the rows' order."""
    found: list[_Found] = []
    rows: list[Row] = []
    at: list[int] = []
    for line, row_cells, row in zip(lines, cells, checked, strict=True):
        if row is not None:
            rows.append(row)
            at.append(line)
            continue
        paired = table.cells(line, row_cells)
        if isinstance(paired, LoadError):
            found.append(paired)
            continue
        data = {rename.get(k, k): v for k, v in paired.cells.items()}
        for item in _validated(RawRecord(table.name, line, {**data, "record": kind})):
            if isinstance(item, Located):  # the models take what the column check did not
                rows.append(row_of(item.record)[1])
                at.append(line)
            else:
                found.append(item)
    found.append(_Run(kind, table.name, rows, at))
    return found


def _progress(progress: Progress | None) -> LoadProgress:
    if progress is None:
        return LoadProgress()
    if isinstance(progress, LoadProgress):
        return progress
    return LoadProgress(records=progress)


@dataclass
class Reading:
    """What reading the files of a load found: the valid records, every error, the notices,
    and what each table was read as."""

    batch: Batch = field(default_factory=Batch)
    errors: list[LoadError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    tables: list[TableRead] = field(default_factory=list)
    #: FtM files read, to be resolved against the load and the store
    ftm: list[FtmFile] = field(default_factory=list)

    def take(self, item: _Found) -> None:
        if isinstance(item, _Run):
            self.batch.of(item.kind).extend(item.file, item.rows, item.lines)
        elif isinstance(item, Located):
            self.batch.add(item)
        elif isinstance(item, Invalid):
            self.batch.invalid[item.id] = item.label
        elif isinstance(item, Notice):
            self.notices.append(item)
        elif isinstance(item, TableRead):
            self.tables.append(item)
        elif isinstance(item, FtmFile):
            self.ftm.append(item)
        else:
            self.errors.append(item)


def read_batch(
    files: Iterable[Path],
    progress: Progress | None = None,
    as_table: str | None = None,
    encoding: str | None = None,
) -> Reading:
    """Read and validate every record of ``files``: the valid ones, all errors and notices.

    ``as_table`` names the source table every CSV file and sheet is read as (``--as``);
    ``encoding`` the encoding of every CSV file (``--encoding``; default: detected).
    """
    hooks = _progress(progress)
    layout = LAYOUTS[as_table] if as_table is not None else None
    reading = Reading()
    share: dict[str, str] = {}
    files = list(files)
    for index, path in enumerate(files, start=1):
        hooks.file(index, len(files), path)
        for count, found in _read(path, layout, share, encoding):
            for item in found:
                reading.take(item)
            hooks.records(count)
    return reading


def _source_dates(batch: Batch, store: GraphStore) -> dict[str, date]:
    """The ``date`` of each source the load's formal lines cite (the day a roster speaks
    of), from the load or the store."""
    cited = set(batch.edges.column("source")) - {None}
    if not cited:
        return {}
    dates = {
        i: d
        for i, d in zip(batch.sources.column("id"), batch.sources.column("date"), strict=True)
        if d is not None and i in cited
    }
    for source_id in cited - dates.keys() - set(batch.sources.column("id")):
        source = store.get_source(source_id)
        day = source.props.get("date") if source is not None else None
        if isinstance(day, date):
            dates[source_id] = day
    return dates


def _write(writer: StoreWriter, rows: Rows) -> None:
    """Write a kind's rows (and let go of them): in bulk where the store takes rows, else as
    records, one at a time."""
    kind = rows.kind
    taken = rows.take()
    if isinstance(writer, RowWriter):
        writer.upsert_rows(kind, taken)
        return
    records = (record_of(kind, row) for row in taken)
    if kind == "source":
        writer.upsert_sources(r for r in records if isinstance(r, Source))
    elif kind == "node":
        writer.upsert_nodes(r for r in records if isinstance(r, Node))
    elif kind == "edge":
        writer.upsert_edges(r for r in records if isinstance(r, Edge))
    else:
        writer.upsert_transfers(r for r in records if isinstance(r, Transfer))


def load_paths(
    store: GraphStore,
    paths: Iterable[str | Path],
    progress: Progress | None = None,
    *,
    as_table: str | None = None,
    allow_unresolved: bool = False,
    skip_unknown: bool = False,
    encoding: str | None = None,
    check_only: bool = False,
    as_of: date | None = None,
    message: str = "",
    who: str = "",
    names_under: Path | None = None,
) -> LoadResult:
    """Load files and folders into ``store`` as one all-or-nothing write.

    ``as_table`` reads every CSV file and sheet as that source table (a name of
    :data:`loaders.registry.LAYOUTS`); ``allow_unresolved`` makes placeholder nodes for
    references to unknown ids instead of reporting them; ``skip_unknown`` leaves out files of
    a type the load does not read (with a notice) instead of refusing them; ``encoding``
    names the encoding of CSV files; ``check_only`` validates everything and writes nothing;
    ``as_of`` is the day the source tables speak of (a roster's date: the lines it draws held
    then), which is otherwise their source's ``date``. Formal lines are assembled from all
    their evidence, the store's included (:mod:`loaders.assemble`). The write is logged as
    one load (:mod:`stores.history`) with ``message``, ``who`` and each file read (sha256,
    size; named relative to ``names_under`` if given: an upload folder).
    Raises :class:`LoadFailedError` with every error and notice found, having written nothing.
    """
    if as_table is not None and as_table not in LAYOUTS:
        raise ValueError(f"unknown source table {as_table!r}: expected one of {', '.join(LAYOUTS)}")
    hooks = _progress(progress)
    with gc_paused():
        files, errors, notices = discover(paths, skip_unknown=skip_unknown)
        reading = read_batch(files, hooks, as_table, encoding)
        errors.extend(reading.errors)
        notices.extend(reading.notices)
        batch = reading.batch
        resolved = resolve_ftm(reading.ftm, batch, store)  # FtM: matched to load and store
        errors.extend(resolved.errors)
        notices.extend(resolved.notices)
        hooks.step("checking")
        errors.extend(check_batch(batch, store, allow_unresolved=allow_unresolved))
        notices.extend(batch.notices)
        if not errors:
            assembled = assemble(
                batch, store, as_of=as_of, source_dates=_source_dates(batch, store)
            )
            errors.extend(assembled.errors)
        if errors:
            raise LoadFailedError(errors, notices)
        replace_formal(batch, assembled)
        placeholders = list(batch.placeholders)
        if check_only:
            return LoadResult(
                placeholders=placeholders,
                notices=notices,
                tables=reading.tables,
                checked=len(batch),
            )
        new_nodes = _new_nodes(store, batch.nodes)
        logged = tuple(_logged(f, names_under) for f in files)
        info = WriteInfo(kind="load", who=who, message=message, files=logged)
        hooks.step("writing")
        kinds = [batch.sources, batch.nodes, batch.edges, batch.transfers]
        del batch
        with store.writer() as writer:
            writer.info = info
            writer.remove_edges(assembled.removed)  # a line's records its history replaces
            for rows in kinds:  # nodes before the edges that need them
                _write(writer, rows)  # (each kind's rows let go of once written)
        if new_nodes:  # the write has committed: said, for whoever watches the phases
            hooks.step(LOOKING_FOR_DUPLICATES)
        possible = _possible_duplicates(store, new_nodes, notices)
    return LoadResult(
        counts=writer.summary.counts,
        placeholders=placeholders,
        notices=notices,
        tables=reading.tables,
        possible_duplicates=possible,
        load=writer.load,
    )


def _logged(path: Path, names_under: Path | None) -> FileRef:
    """A file read, as the log names it: by its path relative to ``names_under`` (an
    upload folder, whose temporary name says nothing), else as found."""
    found = file_ref(path)
    if names_under is None or not path.is_relative_to(names_under):
        return found
    return replace(found, name=path.relative_to(names_under).as_posix())


def _new_nodes(store: GraphStore, rows: Rows) -> list[Node]:
    """The load's nodes that the store does not hold yet — none if it holds no node at
    all, as before a province's first load: there is nothing they could look like."""
    if not len(rows) or not store.counts().nodes:
        return []
    known = store.node_labels(row[0] for row in rows.rows)
    return [
        node
        for row in rows.rows
        if row[0] not in known
        for node in (record_of("node", row),)
        if isinstance(node, Node)
    ]


def _possible_duplicates(
    store: GraphStore, new: list[Node], notices: list[Notice]
) -> list[Candidate]:
    """The pairs of a new node and an existing one that may be one body: reported, never
    merged. Only the new nodes' blocks are looked for (one scan of the existing nodes of
    their labels). The write has committed: a store that fails here fails no load, and the
    check not made is said."""
    if not new:
        return []
    from dedupe.candidates import candidates_against  # opencc, rapidfuzz: only when asked

    try:
        labels = sorted({n.label for n in new})
        existing = (n for label in labels for n in store.iter_nodes(label=label))
        return candidates_against(new, existing)
    except StoreError as exc:
        notices.append(
            Notice("", 0, "nodes", None, f"possible duplicates were not looked for: {exc}")
        )
        return []
