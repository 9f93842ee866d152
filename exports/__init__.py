"""Exports of the graph for analysts' tools: GraphML, JSON, canonical CSV and the CSV layout
of ``neo4j-admin database import full``; optionally only what is valid on an as-of day.

``affgraph export --format F [--as-of D] OUT`` and ``GET /api/export`` both call
:func:`export`. See :mod:`exports.snapshot` for what ``--as-of`` keeps.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from exports.bods import write_bods
from exports.canonical import write_csv, write_json
from exports.graphml import write_graphml
from exports.neo4j_admin import write_neo4j_admin
from exports.snapshot import Snapshot
from exports.xlsx import MEDIA_TYPE as XLSX_MEDIA_TYPE
from exports.xlsx import write_xlsx
from stores.base import GraphStore, read_consistently

__all__ = [
    "FORMATS",
    "ExportFormat",
    "ExportResult",
    "FormatInfo",
    "Snapshot",
    "export",
    "zip_folder",
]


def write_ftm(snapshot: Snapshot, path: Path) -> list[Path]:
    """The FtM export (:mod:`exports.ftm`), imported when asked for: the followthemoney
    library takes a second to import, which no other command should pay."""
    from exports.ftm import write_ftm as write

    return write(snapshot, path)


ExportFormat = Literal["graphml", "json", "csv", "neo4j-admin", "xlsx", "ftm", "bods"]


@dataclass(frozen=True)
class FormatInfo:
    """How a format is written: to one file, or to a folder of files."""

    name: ExportFormat
    description: str
    folder: bool
    suffix: str
    media_type: str
    write: Callable[[Snapshot, Path], list[Path]]


FORMATS: Mapping[str, FormatInfo] = {
    f.name: f
    for f in (
        FormatInfo(
            "graphml",
            "GraphML (Gephi, yEd, networkx): nodes and edges, typed attributes",
            False,
            ".graphml",
            "application/graphml+xml",
            write_graphml,
        ),
        FormatInfo(
            "json",
            'one JSON object {"nodes", "edges", "transfers", "sources", "judgements"} of '
            "canonical records and the judgements of candidate duplicates, with their history",
            False,
            ".json",
            "application/json",
            write_json,
        ),
        FormatInfo(
            "csv",
            "nodes.csv, edges.csv, transfers.csv, sources.csv in the canonical "
            "layout (affgraph load reads them back)",
            True,
            ".zip",
            "application/zip",
            write_csv,
        ),
        FormatInfo(
            "neo4j-admin",
            "header and data CSV files for neo4j-admin database import full, with import.sh",
            True,
            ".zip",
            "application/zip",
            write_neo4j_admin,
        ),
        FormatInfo(
            "xlsx",
            "one Excel workbook: a sheet each of sources, nodes, edges and transfers, in the "
            "canonical CSV columns",
            False,
            ".xlsx",
            XLSX_MEDIA_TYPE,
            write_xlsx,
        ),
        FormatInfo(
            "ftm",
            "FollowTheMoney entities, one JSON object per line (Aleph, OpenSanctions): "
            "organizations, companies, public bodies, territories and their links",
            False,
            ".ftm.json",
            "application/x-ndjson",
            write_ftm,
        ),
        FormatInfo(
            "bods",
            "Beneficial Ownership Data Standard 0.4: a JSON array of entity statements and "
            "relationship statements for the lines of control and ownership",
            False,
            ".bods.json",
            "application/json",
            write_bods,
        ),
    )
}


@dataclass
class ExportResult:
    """What an export wrote."""

    format: str
    as_of: date | None
    paths: list[Path]
    counts: dict[str, int] = field(default_factory=dict)


def export(store: GraphStore, fmt: str, out: Path, *, as_of: date | None = None) -> ExportResult:
    """Export ``store`` in format ``fmt`` to ``out`` (a file, or a folder for csv and
    neo4j-admin), keeping only what is valid on ``as_of`` if given.

    The files are written in a staging folder beside ``out`` and moved into place only once
    the whole export was read from one state of the store (a load committed meanwhile must
    not mix into it; on the Neo4j store, whose pages are separate transactions, the export
    is written again): an export that fails, or that loads overtake on every try, leaves
    nothing at ``out``.
    """
    info = FORMATS.get(fmt)
    if info is None:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    staged = staging / out.name

    def write() -> ExportResult:
        snapshot = Snapshot(store, as_of)
        paths = info.write(snapshot, staged)
        counts = {k: snapshot.counts[k] for k in ("node", "edge", "transfer", "source")}
        return ExportResult(fmt, as_of, paths, counts)

    try:
        result = read_consistently(store, write)
        result.paths = [_into_place(path, staged, out) for path in result.paths]
        return result
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _into_place(path: Path, staged: Path, out: Path) -> Path:
    """Move a written file from the staging folder to where it belongs under ``out``."""
    target = out if path == staged else out / path.relative_to(staged)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, target)
    return target


def zip_folder(folder: Path, paths: list[Path], target: Path) -> Path:
    """Zip ``paths`` (files in ``folder``) into ``target``, named relative to ``folder``."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in paths:
            info = zipfile.ZipInfo.from_file(path, path.relative_to(folder).as_posix())
            with path.open("rb") as handle:
                archive.writestr(info, handle.read(), compress_type=zipfile.ZIP_DEFLATED)
    return target
