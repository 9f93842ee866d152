"""``POST /api/load``: upload canonical files or source tables; all or nothing, like the CLI.

Writes need ``Authorization: Bearer <token>`` (:mod:`app.api.auth`); the load is logged as
made by the token's name, with the upload's ``message``. :func:`guard_writes` checks the
token and the declared size *before* the body is read, so neither a stranger nor an
oversized upload costs the server a byte of disk.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field
from starlette.responses import Response

from app.api.auth import Writer, require_write
from app.api.deps import StoreDep
from app.api.errors import PARAMETER_ERRORS, ErrorEnvelope, error_response
from app.settings import Settings
from dedupe.cache import CANDIDATES
from graph_schema.models import IsoDate
from loaders.errors import LoadFailedError, Notice
from loaders.load import LoadResult, load_paths
from loaders.registry import LAYOUTS

__all__ = ["LOAD_PATH", "LoadAnswer", "guard_writes", "router", "sweep_stale_uploads"]

LOAD_PATH = "/api/load"
_CHUNK = 1 << 20
#: Uploads are saved in ``<temp dir>/affgraph-upload-<server pid>-<random>/`` until loaded.
UPLOAD_PREFIX = "affgraph-upload-"
_UPLOAD_FOLDER = re.compile(rf"{UPLOAD_PREFIX}(\d+)-")

log = logging.getLogger("affgraph.api")

router = APIRouter(tags=["load"])


class PlaceholderOut(BaseModel):
    """A placeholder node made for an unknown reference."""

    id: str
    label: str
    kind: str
    file: str
    line: int
    field: str


class NoticeOut(BaseModel):
    """Something the load did that the user should know (a file not loaded, an encoding)."""

    file: str
    line: int
    field: str
    value: str | None
    message: str


class TableOut(BaseModel):
    """A table (a file, or a workbook's sheet) the load read, and what it read it as."""

    name: str
    table: str
    records: int
    encoding: str | None


class PossibleDuplicateOut(BaseModel):
    """A node the load created and one the store held that may be one body (never merged:
    judge them with ``GET /api/duplicates`` or ``affgraph dedupe --review``)."""

    a: str
    b: str
    score: float
    rule: str
    same: list[str]
    different: list[str]


class LoadAnswer(BaseModel):
    """What the load did (with ``check``: what it would do; nothing was written)."""

    load: int | None = Field(
        default=None,
        description="the load's number in the load log (GET /api/loads/{n}); null with check",
    )
    created: int
    updated: int
    unchanged: int
    by_record: dict[str, dict[str, int]] = Field(
        description="per record kind (source, node, edge, transfer): created/updated/unchanged"
    )
    placeholders: list[PlaceholderOut]
    files: list[str]
    tables: list[TableOut]
    notices: list[NoticeOut]
    checked: int | None = Field(
        default=None, description="with check: the valid records found; nothing was written"
    )
    possible_duplicates: list[PossibleDuplicateOut] = Field(
        default_factory=list,
        description="new nodes that look like ones the store held (possible duplicates: N — "
        "run affgraph dedupe); nothing is merged",
    )


def _limit_bytes(settings: Settings) -> int:
    return int(settings.max_upload_mb * 1024 * 1024)


async def guard_writes(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """HTTP middleware: token and declared size of a write, checked before the body is read."""
    if request.url.path != LOAD_PATH or request.method != "POST":
        return await call_next(request)
    settings: Settings = request.app.state.settings
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    credentials = (
        HTTPAuthorizationCredentials(scheme=scheme, credentials=token.strip())
        if scheme.lower() == "bearer" and token
        else None
    )
    try:
        require_write(request, credentials)
    except HTTPException as exc:
        return error_response(
            exc.status_code, str(exc.detail), headers=dict(exc.headers) if exc.headers else None
        )
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        return error_response(
            411, "send the upload with a Content-Length header", code="length_required"
        )
    if int(length) > _limit_bytes(settings):
        return error_response(
            413,
            f"the upload is {int(length):,} bytes; the limit is "
            f"{_limit_bytes(settings):,} (AFFGRAPH_MAX_UPLOAD_MB)",
        )
    return await call_next(request)


#: The longest file name (in UTF-8 bytes) the upload folder takes: Linux's NAME_MAX.
_NAME_MAX = 255


def _upload_name(filename: str | None, taken: list[str]) -> str:
    """The base name an upload is saved under, or a 422 saying why it cannot be: a name
    that is empty, ``..``, too long for the file system, has a NUL, or is taken."""
    name = Path(filename or "").name
    if not name or name in taken:
        raise HTTPException(422, f"each file needs a distinct name (got {name!r})")
    try:  # as the file system takes it (a name decoded with a crafted charset may not be)
        size = len(os.fsencode(name))
    except UnicodeEncodeError:
        size = -1
    if name in (".", "..") or "\0" in name or not 0 < size <= _NAME_MAX:
        raise HTTPException(
            422,
            f"file name {name[:100]!r}: expected a file's name of at "
            f"most {_NAME_MAX} bytes in UTF-8, without NUL characters",
        )
    return name


async def _save(uploads: list[UploadFile], folder: Path, limit: int) -> list[str]:
    """Write the uploads into ``folder`` under their base names; refuse clashes and size."""
    names: list[str] = []
    total = 0
    for upload in uploads:
        name = _upload_name(upload.filename, names)
        with (folder / name).open("wb") as out:
            while chunk := await upload.read(_CHUNK):
                total += len(chunk)
                if total > limit:
                    raise HTTPException(413, f"the upload exceeds the limit of {limit:,} bytes")
                out.write(chunk)
        names.append(name)
    return names


def _answer(result: LoadResult, names: list[str], folder: Path) -> LoadAnswer:
    prefix = f"{folder}/"
    return LoadAnswer(
        load=None if result.checked is not None else result.load,
        created=result.total("created"),
        updated=result.total("updated"),
        unchanged=result.total("unchanged"),
        by_record={kind: dict(counts) for kind, counts in result.counts.items()},
        placeholders=[
            PlaceholderOut(
                id=p.id,
                label=p.label,
                kind=p.kind,
                file=p.file.removeprefix(prefix),
                line=p.line,
                field=p.field,
            )
            for p in result.placeholders
        ],
        files=names,
        tables=[
            TableOut(
                name=t.name.removeprefix(prefix),
                table=t.table,
                records=t.records,
                encoding=t.encoding,
            )
            for t in result.tables
        ],
        notices=[_notice(n, prefix) for n in result.notices],
        checked=result.checked,
        possible_duplicates=[
            PossibleDuplicateOut(
                a=c.a,
                b=c.b,
                score=c.score,
                rule=c.rule,
                same=list(c.same),
                different=list(c.different),
            )
            for c in result.possible_duplicates
        ],
    )


def _notice(notice: Notice, prefix: str) -> NoticeOut:
    return NoticeOut(
        file=notice.file.removeprefix(prefix),
        line=notice.line,
        field=notice.field,
        value=None if notice.value is None else str(notice.value),
        message=notice.message,
    )


def _invalid(exc: LoadFailedError, folder: Path) -> JSONResponse:
    prefix = f"{folder}/"
    details: list[dict[str, Any]] = []
    for error in exc.errors:
        detail = error.as_dict()
        detail["file"] = str(detail["file"]).removeprefix(prefix)
        details.append(detail)
    count = len(details)
    return error_response(
        422,
        f"{count} error{'' if count == 1 else 's'} in the upload; nothing was loaded",
        details,
        code="invalid_input",
    )


@router.post(
    "/load",
    response_model=LoadAnswer,
    summary="Load files (all or nothing)",
    responses={
        400: {
            "model": ErrorEnvelope,
            "description": "a body that is not valid multipart/form-data",
        },
        401: {"model": ErrorEnvelope},
        403: {"model": ErrorEnvelope},
        411: {"model": ErrorEnvelope},
        413: {"model": ErrorEnvelope},
        422: {
            "model": ErrorEnvelope,
            "description": "every error of the upload, with its location; or " + PARAMETER_ERRORS,
        },
    },
)
async def post_load(
    request: Request,
    store: StoreDep,
    who: Writer,
    files: Annotated[
        list[UploadFile],
        File(description="canonical .jsonl, .csv or .xlsx files, or source tables (CSV, xlsx)"),
    ],
    as_table: Annotated[
        str | None,
        Form(alias="as", description="read every CSV as this source table: " + ", ".join(LAYOUTS)),
    ] = None,
    allow_unresolved: Annotated[
        bool, Form(description="make marked placeholders for unknown references")
    ] = False,
    encoding: Annotated[
        str | None,
        Form(description="the encoding of the CSV files; default: UTF-8, else GB18030 (said)"),
    ] = None,
    check: Annotated[
        bool, Form(description="validate everything against the store and write nothing")
    ] = False,
    as_of: Annotated[
        IsoDate | None,
        Form(
            description="the day the source tables speak of (a roster's date), YYYY-MM-DD; "
            "default: each table's source date"
        ),
    ] = None,
    message: Annotated[
        str,
        Form(
            max_length=2000,
            description="what the load is, for the load log (e.g. 'Feng County roster 2019, "
            "p.1-12'); who loaded it is the token's name",
        ),
    ] = "",
) -> LoadAnswer | JSONResponse:
    """Upload files and load them as one all-or-nothing write.

    Answers the created/updated/unchanged counts, or 422 with every error and its location
    (file, line, field, value, expected); then nothing was written.
    """
    if as_table is not None and as_table not in LAYOUTS:
        raise HTTPException(422, f"as: {as_table!r} — expected one of {', '.join(LAYOUTS)}")
    settings: Settings = request.app.state.settings
    with tempfile.TemporaryDirectory(prefix=f"{UPLOAD_PREFIX}{os.getpid()}-") as tmp:
        folder = Path(tmp)
        names = await _save(files, folder, _limit_bytes(settings))
        try:
            # each file, not the folder: a file the loader cannot read is an error, not
            # silently left out (as a folder's .xlsx would be)
            result = await run_in_threadpool(
                load_paths,
                store,
                sorted(folder / name for name in names),
                None,
                as_table=as_table,
                allow_unresolved=allow_unresolved,
                encoding=encoding,
                check_only=check,
                as_of=as_of,
                message=message,
                who=who,
                names_under=folder,
            )
        except LoadFailedError as exc:
            return _invalid(exc, folder)
        if not check:
            CANDIDATES.renew_in_background(store)
        return _answer(result, names, folder)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def sweep_stale_uploads(root: Path | None = None) -> list[Path]:
    """Remove the upload folders of servers that died mid-upload (killed: no ``finally``
    ran); a folder whose server process still runs is left alone. Returns what it removed.

    A server calls this as it starts, so uploads a crash left behind do not pile up.
    """
    removed = []
    for folder in Path(root or tempfile.gettempdir()).glob(f"{UPLOAD_PREFIX}*"):
        owner = _UPLOAD_FOLDER.match(folder.name)
        if not folder.is_dir() or owner is None or _running(int(owner.group(1))):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        log.info("removed %s, left by a server that stopped mid-upload", folder)
        removed.append(folder)
    return removed
