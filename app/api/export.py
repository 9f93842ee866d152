"""``GET /api/export``: the graph as a file download (GraphML, JSON, CSV, neo4j-admin, xlsx…).

The export is written to a temporary file in the worker thread and sent in chunks
(``FileResponse``); the file is removed once it has been sent. CSV and neo4j-admin come as a
zip of their files. Errors (a bad format or date, the store unavailable) use the envelope.
``as_recorded`` exports the graph as it stood right after a load; the file is named after
the load it holds (``affgraph-load-41.json``), also said in ``X-Affgraph-Load``.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from app.api.deps import StoreDep
from app.api.downloads import LOAD_HEADER, attachment
from app.api.errors import PARAMETER_ERRORS, ErrorEnvelope
from app.api.history import AS_RECORDED_DOC, UNKNOWN_LOAD, recorded
from exports import FORMATS, ExportFormat, ExportResult, export, zip_folder
from graph_schema.models import IsoDate
from stores.base import READ_ATTEMPTS, GraphStore, StoreChangedError

__all__ = ["router"]

router = APIRouter(tags=["export"])

_FORMAT_DOC = "; ".join(f"{f.name}: {f.description}" for f in FORMATS.values())
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the export as a file download (Content-Disposition: attachment)",
        "content": {
            f.media_type: {
                "schema": (
                    {"oneOf": [{"type": "object"}, {"type": "array"}]}  # json; bods: an array
                    if f.media_type == "application/json"
                    else {"type": "string", "format": "binary"}
                )
            }
            for f in FORMATS.values()
        },
    },
    422: {
        "model": ErrorEnvelope,
        "description": f"an unknown format or an invalid date; {PARAMETER_ERRORS}",
    },
    **UNKNOWN_LOAD,
    503: {"model": ErrorEnvelope, "description": "the store could not answer"},
}


def _export_of_one_load(
    store: GraphStore, fmt: ExportFormat, out: Path, as_of: date | None
) -> tuple[ExportResult, int]:
    """The export and the load it holds: the store's load before and after the export must
    be one (an export overtaken by a load is written again, as a read is)."""
    for _ in range(READ_ATTEMPTS):
        load = store.state()[1]
        result = export(store, fmt, out, as_of=as_of)
        if store.state()[1] == load:
            return result, load
    raise StoreChangedError(store.location, READ_ATTEMPTS)


@router.get(
    "/export",
    summary="Export the graph as a file",
    response_class=FileResponse,
    responses=_RESPONSES,
)
def get_export(
    store: StoreDep,
    format: Annotated[ExportFormat, Query(description=_FORMAT_DOC)] = "json",
    as_of: Annotated[
        IsoDate | None,
        Query(
            description="keep only the nodes and edges valid on this day (YYYY-MM-DD; edges "
            "need both ends valid); default: everything"
        ),
    ] = None,
    as_recorded: Annotated[
        str | None, Query(min_length=1, max_length=200, description=AS_RECORDED_DOC)
    ] = None,
) -> FileResponse:
    """The whole graph, or what is valid on `as_of`: GraphML (Gephi, networkx), JSON
    (`{"nodes", "edges", "transfers", "sources", "judgements"}`: canonical records, and the
    judgements of candidate duplicates with their history), a zip of the
    canonical CSV files (`affgraph load` reads them back) or of the neo4j-admin import
    files, or an Excel workbook with a sheet per record kind. With `as_recorded`, the graph
    as it stood right after that load. The file is named after the load it holds."""
    info = FORMATS[format]
    workdir = Path(tempfile.mkdtemp(prefix="affgraph-export-"))
    try:
        with recorded(store, as_recorded) as answering:
            # written under a working name, named after the load it turned out to hold
            out = workdir / "export" / ("affgraph" if info.folder else f"affgraph{info.suffix}")
            out.parent.mkdir()
            result, load = _export_of_one_load(answering, format, out, as_of)
        stem = "affgraph" + (f"-{as_of.isoformat()}" if as_of else "") + f"-load-{load}"
        if info.folder:
            target = zip_folder(out, result.paths, workdir / f"{stem}-{format}.zip")
        else:
            target = out.rename(workdir / f"{stem}{info.suffix}")
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    return FileResponse(
        target,
        media_type=info.media_type,
        headers={"Content-Disposition": attachment(target.name), LOAD_HEADER: str(load)},
        background=BackgroundTask(shutil.rmtree, workdir, ignore_errors=True),
    )
