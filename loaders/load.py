"""Loading files into a store: find them, read and validate all, then write all or nothing.

A file is read by its kind: ``*.jsonl`` as canonical JSON Lines; ``nodes*`` / ``edges*`` /
``transfers*`` / ``sources*.csv`` as canonical CSV (by name); any other ``*.csv`` as a source
table, whose layout is chosen with ``as_table`` (``affgraph load --as``) or recognised from
its header (see :mod:`loaders.registry`).

Canonical CSV — the bulk format, millions of rows per province — is read in chunks and
validated a column at a time (:mod:`graph_schema.bulk`); the rows that check does not pass
go to the models one by one, so the records and the errors are exactly theirs. Valid records
are held as rows (:mod:`graph_schema.rows`), not record objects, and a store that takes rows
(the embedded one) writes them as they are; the cyclic garbage collector is paused meanwhile.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from graph_schema.bulk import ColumnCheck
from graph_schema.records import Edge, Node, Source, Transfer
from graph_schema.rows import Row, record_of, row_of
from loaders.canonical import CsvFile, RawRecord, csv_record_kind, read_jsonl
from loaders.errors import LoadError, LoadFailedError
from loaders.registry import LAYOUTS
from loaders.table import Layout, read_table
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
from stores.base import GraphStore, RowWriter, StoreWriter, WriteSummary

__all__ = ["LoadProgress", "LoadResult", "discover", "load_paths", "read_batch"]

#: rows of a canonical CSV file validated together, a column at a time
CHUNK_ROWS = 20_000
#: fields whose texts the rows of a load share (one object per distinct id): node ids, the
#: ids edges and transfers refer to, source ids
SHARED_FIELDS = ("id", "from", "to", "org", "proposed_to", "decided_to", "source")


def _ignore(*_: object) -> None:
    return None


@dataclass
class LoadProgress:
    """What a load reports while it runs (for a progress display); every hook is optional."""

    #: ``n`` more input records (lines of JSON Lines, rows of CSV) have been read
    records: Callable[[int], None] = _ignore
    #: reading file ``index`` (1-based) of ``total`` begins
    file: Callable[[int, int, Path], None] = _ignore
    #: a step after reading begins: "checking", then "writing"
    step: Callable[[str], None] = _ignore


#: a progress hook: a :class:`LoadProgress`, or a plain function of the records read
Progress = LoadProgress | Callable[[int], None]


@dataclass
class LoadResult(WriteSummary):
    """What a load did (a :class:`WriteSummary`) and the placeholders it made."""

    placeholders: list[Placeholder] = field(default_factory=list)


def _recognised(path: Path) -> bool:
    return path.suffix.lower() in (".jsonl", ".csv")


def discover(paths: Iterable[str | Path]) -> tuple[list[Path], list[LoadError]]:
    """The files to load: each file given, and the ``.jsonl`` / ``.csv`` files under folders."""
    files: list[Path] = []
    errors: list[LoadError] = []
    for given in map(Path, paths):
        if given.is_dir():
            files.extend(sorted(p for p in given.rglob("*") if p.is_file() and _recognised(p)))
        elif not given.exists():
            errors.append(
                LoadError(str(given), 0, "path", None, "expected an existing file or folder")
            )
        elif _recognised(given):
            files.append(given)
        else:
            errors.append(
                LoadError(
                    str(given),
                    0,
                    "path",
                    None,
                    "expected a .jsonl file or a .csv file (canonical or a source table)",
                )
            )
    return files, errors


@dataclass(frozen=True)
class _Run:
    """Valid rows of one record kind read from one file, in order, with their lines."""

    kind: str
    file: str
    rows: list[Row]
    lines: list[int]


_Found = Located | LoadError | Invalid | _Run


def _read(
    path: Path, as_table: Layout | None, share: dict[str, str]
) -> Iterator[tuple[int, list[_Found]]]:
    """A file's input records (lines or rows) a few at a time: how many, and what they gave
    (valid records, runs of valid rows, errors, invalid nodes)."""
    kind = csv_record_kind(path)
    if path.suffix.lower() == ".csv" and (as_table is not None or kind is None):
        for found in read_table(path, tuple(LAYOUTS.values()), as_table):
            yield 1, list(found)
        return
    if kind is not None:
        yield from _read_canonical_csv(path, kind, share)
        return
    for raw in read_jsonl(path):
        yield 1, [raw] if isinstance(raw, LoadError) else _validated(raw)


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


def _read_canonical_csv(
    path: Path, kind: str, share: dict[str, str]
) -> Iterator[tuple[int, list[_Found]]]:
    """A canonical CSV file, :data:`CHUNK_ROWS` rows at a time, validated a column at a time
    (:class:`graph_schema.bulk.ColumnCheck`); a row that check does not pass, one with more or
    fewer cells than the header, or every row of a header naming a field twice, is validated
    by the models as a record of its own — so every error is theirs, at its row's line."""
    table = CsvFile(path)
    if table.error is not None:
        yield 1, [table.error]
        return
    width = len(table.header)
    check = (
        ColumnCheck(kind, table.header, shared=SHARED_FIELDS, share=share)
        if len(set(table.header)) == width and "\0extra" not in table.header
        else None
    )
    for chunk in table.chunks(CHUNK_ROWS):
        if isinstance(chunk, LoadError):
            yield 1, [chunk]
            continue
        lines, cells = chunk
        checked: list[Row | None]
        if check is None:
            checked = [None] * len(cells)
        elif set(map(len, cells)) == {width}:
            checked = check.check(cells)
        else:
            fitting = [i for i, row in enumerate(cells) if len(row) == width]
            checked = [None] * len(cells)
            for index, row in zip(fitting, check.check([cells[i] for i in fitting]), strict=True):
                checked[index] = row
        if None not in checked:
            yield len(cells), [_Run(kind, table.name, checked, lines)]  # type: ignore[arg-type]
            continue
        yield len(cells), _judged(table, kind, lines, cells, checked)


def _judged(
    table: CsvFile, kind: str, lines: list[int], cells: list[list[str]], checked: list[Row | None]
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
        for item in _validated(RawRecord(table.name, line, {**paired.cells, "record": kind})):
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


def read_batch(
    files: Iterable[Path], progress: Progress | None = None, as_table: str | None = None
) -> tuple[Batch, list[LoadError]]:
    """Read and validate every record of ``files``; the valid ones and all errors.

    ``as_table`` names the source table every CSV file is read as (``--as``).
    """
    hooks = _progress(progress)
    layout = LAYOUTS[as_table] if as_table is not None else None
    batch, errors = Batch(), []
    share: dict[str, str] = {}
    files = list(files)
    for index, path in enumerate(files, start=1):
        hooks.file(index, len(files), path)
        for count, found in _read(path, layout, share):
            for item in found:
                if isinstance(item, _Run):
                    batch.of(item.kind).extend(item.file, item.rows, item.lines)
                elif isinstance(item, Located):
                    batch.add(item)
                elif isinstance(item, Invalid):
                    batch.invalid[item.id] = item.label
                else:
                    errors.append(item)
            hooks.records(count)
    return batch, errors


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: a load makes millions of objects that live until
    its end and hold no cycles, and the collector would go over them again and again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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
) -> LoadResult:
    """Load files and folders into ``store`` as one all-or-nothing write.

    ``as_table`` reads every CSV file as that source table (a name of
    :data:`loaders.registry.LAYOUTS`); ``allow_unresolved`` makes placeholder nodes for
    references to unknown ids instead of reporting them. Raises :class:`LoadFailedError`
    with every error found, having written nothing.
    """
    if as_table is not None and as_table not in LAYOUTS:
        raise ValueError(f"unknown source table {as_table!r}: expected one of {', '.join(LAYOUTS)}")
    hooks = _progress(progress)
    with _gc_paused():
        files, errors = discover(paths)
        batch, read_errors = read_batch(files, hooks, as_table)
        errors.extend(read_errors)
        hooks.step("checking")
        errors.extend(check_batch(batch, store, allow_unresolved=allow_unresolved))
        if errors:
            raise LoadFailedError(errors)
        hooks.step("writing")
        placeholders = list(batch.placeholders)
        kinds = [batch.sources, batch.nodes, batch.edges, batch.transfers]
        del batch
        with store.writer() as writer:
            for rows in kinds:  # nodes before the edges that need them
                _write(writer, rows)  # (each kind's rows let go of once written)
    return LoadResult(counts=writer.summary.counts, placeholders=placeholders)
