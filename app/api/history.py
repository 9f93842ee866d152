"""Record time over HTTP: the load log, each record's versions, revert, tags, as-recorded.

Nothing the store was told is overwritten (:mod:`stores.history`): every write is a numbered
load, every replaced version of a record is kept with the load that wrote it and the one that
replaced it. These routes read that log (``GET /api/loads``, ``/api/loads/{n}``), a node's or
a line's versions (``…/revisions``) and the tags, and write a revert or a tag (token needed;
logged under the token's name). :func:`recorded` is how every named query and the export
answer ``as_recorded=<load, tag or time>``: from the graph as it stood right after that load.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar, cast

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from app.api.auth import Writer, require_read, require_write
from app.api.deps import StoreDep
from app.api.errors import PARAMETER_ERRORS, ErrorEnvelope
from dedupe.cache import CANDIDATES
from graph_schema.records import to_canonical
from history.recorded import recorded_store
from history.refs import check_tag_name, loads_held, resolve_load
from history.revert import revert
from stores.base import GraphStore, StoreError, read_consistently
from stores.history import Change, LoadEntry, RecordHistory, Revision, TagError, UnknownLoadError

__all__ = ["AS_RECORDED_DOC", "MAX_LOAD", "UNKNOWN_LOAD", "recorded", "router"]

T = TypeVar("T")

#: The largest load number a route takes: beyond any log, and within 64 bits.
MAX_LOAD = 1_000_000_000_000
#: How the ``as_recorded`` parameter is documented, on every named query and the export.
AS_RECORDED_DOC = (
    "answer from the graph as it stood right after this load: a load number (GET /api/loads), "
    "a tag (GET /api/tags) or an ISO date/time (the last load committed by then, UTC); "
    "default: now. A cited answer's `load` given here reproduces it exactly"
)
#: The 404 of a route that takes a load, a tag or a time.
UNKNOWN_LOAD: dict[int | str, dict[str, Any]] = {
    404: {
        "model": ErrorEnvelope,
        "description": "no such load, tag or time in the load log (the message says which "
        "loads and tags there are)",
    }
}

_Page = Annotated[int, Query(ge=0, le=10_000, description="items per page (at most 10,000)")]
_Offset = Annotated[int, Query(ge=0, le=MAX_LOAD, description="items to skip")]
_Number = Annotated[int, Path(ge=1, le=MAX_LOAD, description="the load's number")]

# reads: like every read route, the token only when AFFGRAPH_TOKEN_FOR_READS says so
router = APIRouter(tags=["history"])
reads = [Depends(require_read)]


def _history(store: GraphStore) -> RecordHistory:
    if not isinstance(store, RecordHistory):  # pragma: no cover - both stores keep one
        raise StoreError(f"{type(store).__name__} keeps no load log")
    return cast(RecordHistory, store)


def _consistently(store: GraphStore, read: Callable[[RecordHistory], T]) -> T:
    """``read`` of the log, from one state of the store (a load may commit meanwhile)."""
    return read_consistently(store, lambda: read(_history(store)))


def _resolve(store: GraphStore, ref: str | int, what: str = "as_recorded") -> int:
    """The load ``ref`` names, or an :class:`UnknownLoadError` (404) naming the value and
    what the log holds (:func:`history.refs.resolve_load`)."""
    try:
        return resolve_load(store, ref)
    except UnknownLoadError as exc:
        raise UnknownLoadError(f"{what}: {exc}") from exc


@contextmanager
def recorded(store: GraphStore, ref: str | None) -> Iterator[GraphStore]:
    """The store to answer on: ``store`` itself, or with ``ref`` (``as_recorded``) the graph
    as it stood right after the load ``ref`` names (:func:`history.recorded.recorded_store`)."""
    if ref is None or not ref.strip():
        yield store
        return
    past = recorded_store(store, _resolve(store, ref))
    try:
        yield past
    finally:
        if past is not store:
            past.close()


# -- models ---------------------------------------------------------------------------------


class FileOut(BaseModel):
    """A file a load read."""

    name: str
    sha256: str
    size: int = Field(description="bytes")


class RecordKeyOut(BaseModel):
    """A record: its kind (source, node, edge, transfer) and id (an edge: its key)."""

    kind: str
    id: str


class LoadOut(BaseModel):
    """One entry of the load log."""

    number: int
    at: str = Field(description="when it committed (ISO 8601, UTC)")
    kind: str = Field(description="load, revert, judgement, write or migrated")
    who: str = Field(description="the token's name (API), or the user running the CLI")
    message: str
    files: list[FileOut]
    counts: dict[str, dict[str, int]] = Field(
        description="record kind → created/updated/unchanged/removed → count"
    )
    changed: bool = Field(description="whether it changed anything")
    reverts: int | None = Field(None, description="a revert: the load it undid")
    forced: list[RecordKeyOut] = Field(
        default_factory=list,
        description="a forced revert: the records restored although a later load changed them",
    )
    reverted_by: int | None = Field(None, description="the load that reverted this one")
    tags: list[str] = Field(default_factory=list)


class LoadsPage(BaseModel):
    """A page of the load log, newest first."""

    items: list[LoadOut]
    total: int
    limit: int
    offset: int
    last_load: int = Field(description="the number of the last load (0: none yet)")


class ChangeOut(BaseModel):
    """What a load did to one record: its version before (null: the load made it) and after
    (null: the load removed it), as canonical records."""

    kind: str
    id: str
    change: str = Field(description="created, updated or removed")
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class LoadDetail(BaseModel):
    """One load and a page of the records it changed, by kind and id."""

    entry: LoadOut
    changes: list[ChangeOut]
    total: int = Field(description="how many records it changed")
    limit: int
    offset: int


class RevisionOut(BaseModel):
    """One version of a record: written by load ``written``, replaced by load ``replaced``
    (null: the version the store holds now, or held when it was removed)."""

    written: int
    replaced: int | None
    current: bool = Field(description="whether the store holds this version now")
    record: dict[str, Any] = Field(description="the version, as a canonical record")
    written_by: LoadOut | None = Field(
        None, description="the log entry of the load that wrote it (null: before the log)"
    )


class RevisionsAnswer(BaseModel):
    """Every version of one record, newest first."""

    kind: str
    id: str
    items: list[RevisionOut]
    total: int


class RevertAnswer(BaseModel):
    """The load a revert made."""

    load: int = Field(description="the revert's own number in the log (it can be reverted)")
    reverts: int = Field(description="the load it undid")
    records: int = Field(description="how many records of that load it put back")
    counts: dict[str, dict[str, int]] = Field(
        description="record kind → created/updated/unchanged/removed → count"
    )
    forced: list[RecordKeyOut] = Field(
        description="with force: the records later loads had changed or that needed what the "
        "load made, put back (or removed) all the same"
    )
    kept: list[RecordKeyOut] = Field(
        description="sources the load created that later records cite: kept"
    )


class TagOut(BaseModel):
    """A name for a load."""

    name: str
    load: int


class TagsAnswer(BaseModel):
    """Every tag, by name."""

    items: list[TagOut]
    total: int


class TagIn(BaseModel):
    """A tag to set: its name and the load it names (a number, a tag or an ISO time;
    default the last load)."""

    name: str = Field(min_length=1, max_length=200, description="e.g. paper-2027")
    load: int | str | None = Field(None, description="the load it names; default the last")


# -- shaping ---------------------------------------------------------------------------------


def _entry(entry: LoadEntry) -> LoadOut:
    return LoadOut(
        number=entry.number,
        at=entry.at,
        kind=entry.kind,
        who=entry.who,
        message=entry.message,
        files=[FileOut(name=f.name, sha256=f.sha256, size=f.size) for f in entry.files],
        counts={kind: dict(counts) for kind, counts in entry.counts.items()},
        changed=entry.changed,
        reverts=entry.reverts,
        forced=[RecordKeyOut(kind=k.kind, id=k.id) for k in entry.forced],
        reverted_by=entry.reverted_by,
        tags=list(entry.tags),
    )


def _change(change: Change) -> ChangeOut:
    kind = "created" if change.before is None else "removed" if change.after is None else "updated"
    return ChangeOut(
        kind=change.key.kind,
        id=change.key.id,
        change=kind,
        before=None if change.before is None else to_canonical(change.before),
        after=None if change.after is None else to_canonical(change.after),
    )


def _revisions(history: RecordHistory, kind: str, record_id: str, what: str) -> RevisionsAnswer:
    found = history.revisions(kind, record_id)
    if not found:
        raise HTTPException(404, f"no {what} {record_id!r} was ever loaded")
    entries: dict[int, LoadOut | None] = {}
    for revision in found:
        if revision.written not in entries:
            entry = history.load_entry(revision.written)
            entries[revision.written] = None if entry is None else _entry(entry)
    current = found[-1].replaced is None
    items = [_revision(r, entries[r.written], current and r is found[-1]) for r in found]
    return RevisionsAnswer(kind=kind, id=record_id, items=items[::-1], total=len(items))


def _revision(revision: Revision, written_by: LoadOut | None, current: bool) -> RevisionOut:
    return RevisionOut(
        written=revision.written,
        replaced=revision.replaced,
        current=current,
        record=to_canonical(revision.record),
        written_by=written_by,
    )


# -- reads -----------------------------------------------------------------------------------


@router.get(
    "/loads",
    response_model=LoadsPage,
    summary="The load log, newest first",
    dependencies=reads,
)
def get_loads(store: StoreDep, limit: _Page = 100, offset: _Offset = 0) -> LoadsPage:
    """Every write the store has had — file loads, reverts, judgements — numbered in the order
    they committed: when, who (the token's name, or the CLI's user), the files with their
    sha256 and size, the counts, the message, its tags and the revert that undid it, if any."""

    def read(history: RecordHistory) -> LoadsPage:
        total, entries = history.loads(limit=limit, offset=offset)
        return LoadsPage(
            items=[_entry(e) for e in entries],
            total=total,
            limit=limit,
            offset=offset,
            last_load=history.last_load(),
        )

    return _consistently(store, read)


@router.get(
    "/loads/{n}",
    response_model=LoadDetail,
    summary="One load and the records it changed",
    dependencies=reads,
    responses={404: {"model": ErrorEnvelope, "description": "no load of this number"}},
)
def get_load(store: StoreDep, n: _Number, limit: _Page = 100, offset: _Offset = 0) -> LoadDetail:
    """The log entry of load `n` and a page of the records it created, updated or removed,
    each with its version before and after (canonical records), by kind and id."""

    def read(history: RecordHistory) -> LoadDetail:
        entry = history.load_entry(n)
        if entry is None:
            raise HTTPException(404, f"no load {n}: {loads_held(store)}")
        total, changes = history.changes(n, limit=limit, offset=offset)
        return LoadDetail(
            entry=_entry(entry),
            changes=[_change(c) for c in changes],
            total=total,
            limit=limit,
            offset=offset,
        )

    return _consistently(store, read)


_NOT_LOADED: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorEnvelope, "description": "no record of this id was ever loaded"}
}


@router.get(
    "/nodes/{id}/revisions",
    response_model=RevisionsAnswer,
    summary="Every version of a node",
    dependencies=reads,
    responses=_NOT_LOADED,
)
def get_node_revisions(
    store: StoreDep, id: Annotated[str, Path(min_length=1, description="the node's id")]
) -> RevisionsAnswer:
    """Every version of the node's record, newest first: each with the load that wrote it
    (its log entry: when, who, files) and the load that replaced it. The records are as
    loaded (a node merged into another by a judgement keeps its own)."""
    return _consistently(store, lambda history: _revisions(history, "node", id, "node"))


@router.get(
    "/lines/{key:path}/revisions",
    response_model=RevisionsAnswer,
    summary="Every version of a line",
    dependencies=reads,
    responses=_NOT_LOADED,
)
def get_line_revisions(
    store: StoreDep,
    key: Annotated[
        str,
        Path(
            min_length=1,
            description="the line's key, TYPE|from|to|kind|valid_from "
            "(e.g. AFFILIATED_TO|b|a|territorial|2010-01-01)",
        ),
    ],
) -> RevisionsAnswer:
    """Every version of a line (an edge: an affiliation or a supervision), newest first, each
    with the load that wrote it and the load that replaced it."""
    return _consistently(store, lambda history: _revisions(history, "edge", key, "line"))


@router.get("/tags", response_model=TagsAnswer, summary="Every tag", dependencies=reads)
def get_tags(store: StoreDep) -> TagsAnswer:
    """The names given to loads (e.g. the load a paper's figures were computed on); a tag
    works wherever a load number does (as_recorded, revert)."""
    tags = _consistently(store, lambda history: history.tags())
    items = [TagOut(name=name, load=load) for name, load in sorted(tags.items())]
    return TagsAnswer(items=items, total=len(items))


# -- writes ----------------------------------------------------------------------------------

_WRITES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorEnvelope},
    403: {"model": ErrorEnvelope},
}


@router.post(
    "/loads/{n}/revert",
    response_model=RevertAnswer,
    status_code=201,
    summary="Revert a load (a new load; nothing is deleted)",
    responses={
        **_WRITES,
        404: {"model": ErrorEnvelope, "description": "no load of this number"},
        409: {
            "model": ErrorEnvelope,
            "description": "refused (code revert_refused): later loads changed records load n "
            "changed, or need what it made — each named in details with the load; force "
            "reverts them too. Or load n cannot be reverted (a migration, judgements, a load "
            "that changed nothing, one already reverted)",
        },
    },
)
async def post_revert(
    store: StoreDep,
    who: Writer,
    n: _Number,
    force: Annotated[
        bool,
        Query(description="revert also the records a later load changed (the answer names them)"),
    ] = False,
    message: Annotated[str, Query(max_length=2000, description="why, for the load log")] = "",
) -> RevertAnswer:
    """Make a new load that restores every record load `n` changed to its version before it
    (records it made are removed, kept in their history). Refused (409, the records named)
    when a later load changed the same records, unless `force`. The revert is itself logged
    under the token's name and can be reverted. Needs `Authorization: Bearer <token>`."""
    done = await run_in_threadpool(revert, store, n, force=force, who=who, message=message)
    CANDIDATES.renew_in_background(store)
    return RevertAnswer(
        load=done.load,
        reverts=n,
        records=done.reverted,
        counts={kind: dict(counts) for kind, counts in done.counts.items()},
        forced=[RecordKeyOut(kind=k.kind, id=k.id) for k in done.forced],
        kept=[RecordKeyOut(kind=k.kind, id=k.id) for k in done.kept],
    )


@router.post(
    "/tags",
    response_model=TagOut,
    status_code=201,
    summary="Name a load",
    dependencies=[Depends(require_write)],
    responses={
        **_WRITES,
        **UNKNOWN_LOAD,
        409: {"model": ErrorEnvelope, "description": "the name already names another load"},
        422: {
            "model": ErrorEnvelope,
            "description": f"a name a tag cannot have; or {PARAMETER_ERRORS}",
        },
    },
)
async def post_tag(store: StoreDep, body: TagIn) -> TagOut:
    """Name a load (default the last), e.g. `paper-2027`: the name then works wherever a
    load number does. Setting the same name on the same load again is no change; a name
    already on another load is 409. Needs `Authorization: Bearer <token>`."""
    try:
        name = check_tag_name(body.name)
    except TagError as exc:
        raise HTTPException(422, f"name: {exc}") from exc

    def tag() -> int:
        history = _history(store)
        number = history.last_load() if body.load is None else _resolve(store, body.load, "load")
        if number == 0:
            raise UnknownLoadError("there are no loads to tag yet")
        history.set_tag(name, number)
        return number

    return TagOut(name=name, load=await run_in_threadpool(tag))
