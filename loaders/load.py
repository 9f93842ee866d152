"""Loading files into a store: find them, read and validate all, then write all or nothing.

A file is read by its kind: ``*.jsonl`` as canonical JSON Lines; ``nodes*`` / ``edges*`` /
``transfers*`` / ``sources*.csv`` as canonical CSV (by name); any other ``*.csv`` as a source
table, whose layout is chosen with ``as_table`` (``affgraph load --as``) or recognised from
its header (see :mod:`loaders.registry`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from graph_schema.records import Edge, Node, Source, Transfer
from loaders.canonical import csv_record_kind, read_csv, read_jsonl
from loaders.errors import LoadError, LoadFailedError
from loaders.registry import LAYOUTS
from loaders.table import Layout, read_table
from loaders.validate import (
    Batch,
    Invalid,
    Located,
    Placeholder,
    check_batch,
    invalid_node,
    validate_raw,
)
from stores.base import GraphStore, WriteSummary

__all__ = ["LoadProgress", "LoadResult", "discover", "load_paths", "read_batch"]

_R = TypeVar("_R", Source, Node, Edge, Transfer)


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
            errors.append(LoadError(str(given), 0, "path", None, "expected an existing file "
                                    "or folder"))
        elif _recognised(given):
            files.append(given)
        else:
            errors.append(LoadError(str(given), 0, "path", None, "expected a .jsonl file or a "
                                    ".csv file (canonical or a source table)"))
    return files, errors


def _read(path: Path, as_table: Layout | None) -> Iterator[list[Located | LoadError | Invalid]]:
    """Per input record (line or row) of a file: its valid records and its errors."""
    kind = csv_record_kind(path)
    if path.suffix.lower() == ".csv" and (as_table is not None or kind is None):
        yield from read_table(path, tuple(LAYOUTS.values()), as_table)
        return
    raws = read_jsonl(path) if kind is None else read_csv(path, kind)
    for raw in raws:
        if isinstance(raw, LoadError):
            yield [raw]
            continue
        checked = validate_raw(raw)
        if isinstance(checked, Located):
            yield [checked]
            continue
        found: list[Located | LoadError | Invalid] = list(checked)
        invalid = invalid_node(raw.data)
        if invalid is not None:
            found.append(invalid)
        yield found


def _progress(progress: Progress | None) -> LoadProgress:
    if progress is None:
        return LoadProgress()
    if isinstance(progress, LoadProgress):
        return progress
    return LoadProgress(records=progress)


def read_batch(files: Iterable[Path], progress: Progress | None = None,
               as_table: str | None = None) -> tuple[Batch, list[LoadError]]:
    """Read and validate every record of ``files``; the valid ones and all errors.

    ``as_table`` names the source table every CSV file is read as (``--as``).
    """
    hooks = _progress(progress)
    layout = LAYOUTS[as_table] if as_table is not None else None
    batch, errors = Batch(), []
    files = list(files)
    for index, path in enumerate(files, start=1):
        hooks.file(index, len(files), path)
        for found in _read(path, layout):
            for item in found:
                if isinstance(item, Located):
                    batch.add(item)
                elif isinstance(item, Invalid):
                    batch.invalid[item.id] = item.label
                else:
                    errors.append(item)
            hooks.records(1)
    return batch, errors


def _records(items: list[Located], kind: type[_R]) -> list[_R]:
    return [item.record for item in items if isinstance(item.record, kind)]


def load_paths(store: GraphStore, paths: Iterable[str | Path],
               progress: Progress | None = None, *, as_table: str | None = None,
               allow_unresolved: bool = False) -> LoadResult:
    """Load files and folders into ``store`` as one all-or-nothing write.

    ``as_table`` reads every CSV file as that source table (a name of
    :data:`loaders.registry.LAYOUTS`); ``allow_unresolved`` makes placeholder nodes for
    references to unknown ids instead of reporting them. Raises :class:`LoadFailedError`
    with every error found, having written nothing.
    """
    if as_table is not None and as_table not in LAYOUTS:
        raise ValueError(f"unknown source table {as_table!r}: expected one of "
                         f"{', '.join(LAYOUTS)}")
    hooks = _progress(progress)
    files, errors = discover(paths)
    batch, read_errors = read_batch(files, hooks, as_table)
    errors.extend(read_errors)
    hooks.step("checking")
    errors.extend(check_batch(batch, store, allow_unresolved=allow_unresolved))
    if errors:
        raise LoadFailedError(errors)
    hooks.step("writing")
    with store.writer() as writer:
        writer.upsert_sources(_records(batch.sources, Source))
        writer.upsert_nodes(_records(batch.nodes, Node))
        writer.upsert_edges(_records(batch.edges, Edge))
        writer.upsert_transfers(_records(batch.transfers, Transfer))
    return LoadResult(counts=writer.summary.counts, placeholders=list(batch.placeholders))
