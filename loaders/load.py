"""Loading files into a store: find them, read and validate all, then write all or nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

from graph_schema.records import Edge, Node, Source, Transfer
from loaders.canonical import RawRecord, csv_record_kind, read_csv, read_jsonl
from loaders.errors import LoadError, LoadFailedError
from loaders.validate import Batch, Located, check_batch, validate_raw
from stores.base import GraphStore, WriteSummary

__all__ = ["discover", "load_paths", "read_batch"]

Progress = Callable[[int], None]
_R = TypeVar("_R", Source, Node, Edge, Transfer)


def _recognised(path: Path) -> bool:
    return path.suffix.lower() == ".jsonl" or csv_record_kind(path) is not None


def discover(paths: Iterable[str | Path]) -> tuple[list[Path], list[LoadError]]:
    """The files to load: each file given, and the recognised files under each folder."""
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
                                    "nodes*/edges*/transfers*/sources*.csv file"))
    return files, errors


def _read(path: Path) -> Iterator[RawRecord | LoadError]:
    kind = csv_record_kind(path)
    return read_jsonl(path) if kind is None else read_csv(path, kind)


def read_batch(files: Iterable[Path], progress: Progress | None = None) -> tuple[
        Batch, list[LoadError]]:
    """Read and validate every record of ``files``; the valid ones and all errors."""
    batch, errors = Batch(), []
    for path in files:
        for item in _read(path):
            checked = item if isinstance(item, LoadError) else validate_raw(item)
            if isinstance(checked, Located):
                batch.add(checked)
            elif isinstance(checked, LoadError):
                errors.append(checked)
            else:
                errors.extend(checked)
            if progress:
                progress(1)
    return batch, errors


def _records(items: list[Located], kind: type[_R]) -> list[_R]:
    return [item.record for item in items if isinstance(item.record, kind)]


def load_paths(store: GraphStore, paths: Iterable[str | Path],
               progress: Progress | None = None) -> WriteSummary:
    """Load files and folders into ``store`` as one all-or-nothing write.

    Raises :class:`LoadFailedError` with every error found, having written nothing.
    """
    files, errors = discover(paths)
    batch, read_errors = read_batch(files, progress)
    errors.extend(read_errors)
    errors.extend(check_batch(batch, store))
    if errors:
        raise LoadFailedError(errors)
    with store.writer() as writer:
        writer.upsert_sources(_records(batch.sources, Source))
        writer.upsert_nodes(_records(batch.nodes, Node))
        writer.upsert_edges(_records(batch.edges, Edge))
        writer.upsert_transfers(_records(batch.transfers, Transfer))
    return writer.summary
