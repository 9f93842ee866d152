"""``GET /api/export``: the graph as a file download (GraphML, JSON, CSV, neo4j-admin, xlsx…).

The export is written to a temporary file in the worker thread and sent in chunks
(``FileResponse``); the file is removed once it has been sent. CSV and neo4j-admin come as a
zip of their files. Errors (a bad format or date, the store unavailable) use the envelope.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from app.api.deps import StoreDep
from app.api.downloads import attachment
from app.api.errors import PARAMETER_ERRORS, ErrorEnvelope
from exports import FORMATS, ExportFormat, export, zip_folder
from graph_schema.models import IsoDate

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
    503: {"model": ErrorEnvelope, "description": "the store could not answer"},
}


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
) -> FileResponse:
    """The whole graph, or what is valid on `as_of`: GraphML (Gephi, networkx), JSON
    (`{"nodes", "edges", "transfers", "sources", "judgements"}`: canonical records, and the
    judgements of candidate duplicates with their history), a zip of the
    canonical CSV files (`affgraph load` reads them back) or of the neo4j-admin import
    files, or an Excel workbook with a sheet per record kind."""
    info = FORMATS[format]
    workdir = Path(tempfile.mkdtemp(prefix="affgraph-export-"))
    try:
        stem = "affgraph" + (f"-{as_of.isoformat()}" if as_of else "")
        if info.folder:
            folder = workdir / stem
            result = export(store, format, folder, as_of=as_of)
            target = zip_folder(folder, result.paths, workdir / f"{stem}-{format}.zip")
        else:
            target = workdir / f"{stem}{info.suffix}"
            export(store, format, target, as_of=as_of)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    return FileResponse(
        target,
        media_type=info.media_type,
        headers={"Content-Disposition": attachment(target.name)},
        background=BackgroundTask(shutil.rmtree, workdir, ignore_errors=True),
    )
