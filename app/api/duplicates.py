"""``/api/duplicates``: the pairs of nodes that may be one body under two names, and people's
judgements of them.

``GET /api/duplicates`` lists candidate pairs (:mod:`dedupe.listing`) with the evidence for
and against, paged and downloadable as CSV or xlsx like every list. The candidates are not a
Cypher question (names are normalised and scored in Python, on either store), so this is a
route of its own rather than a named query; its parameters and answer are documented in
OpenAPI all the same. ``POST /api/duplicates/judgements`` records a judgement and
``DELETE /api/duplicates/judgements`` withdraws one; both need the write token, like
``POST /api/load``.
"""

from __future__ import annotations

import io
from datetime import date
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.auth import require_read, require_write
from app.api.deps import StoreDep
from app.api.downloads import XLSX_MEDIA_TYPE, answer_filename, csv_response, xlsx_response
from app.api.errors import ErrorEnvelope
from app.formats import header_of, rows_of, to_csv, to_xlsx
from dedupe.cache import judging
from dedupe.judgements import NoStandingJudgementError, judge, withdraw
from dedupe.listing import Judged, Listed, listing
from graph_schema.declaration import JUDGEMENT_VERDICTS, NODE_LABELS
from graph_schema.records import Judgement, Node
from queries.base import MAX_LIMIT, MAX_OFFSET
from stores.base import JudgementConflictError, UnknownNodeError

__all__ = ["CACHED_HEADER", "DuplicatesAnswer", "JudgementIn", "JudgementOut", "router"]

router = APIRouter(tags=["duplicates"])

#: a node label, as declared (a pattern: the declared words, and the error names them)
_LABEL = f"^({'|'.join(NODE_LABELS)})$"
#: the header of a download that says whether its candidate list was kept from an earlier
#: request (the JSON answer says so in ``cached``)
CACHED_HEADER = "X-Candidates-Cached"
#: a verdict, as declared
_VERDICT = f"^({'|'.join(JUDGEMENT_VERDICTS)})$"


class PairNode(BaseModel):
    """One node of a pair, with what a person compares."""

    id: str
    label: str
    kind: str
    name: str
    name_en: str | None = None
    aliases: list[str] = Field(default_factory=list)
    uscc: str | None = None


class JudgementOut(BaseModel):
    """A judgement of a pair (``a`` < ``b``): its verdict, who made it, when, and why; with
    ``ended_at`` once a later judgement replaced it or it was withdrawn."""

    id: str
    a: str
    b: str
    verdict: str
    who: str
    recorded_at: str
    note: str | None = None
    ended_at: str | None = None
    ended: str | None = None
    ended_by: str | None = None


class DuplicatePair(BaseModel):
    """A pair that may be one body: both nodes, how likely (0–100), by which rule (uscc,
    name; judged: no longer a candidate), what matched and what differed, and the pair's
    standing judgement if one has been made."""

    score: float
    rule: str
    a: PairNode
    b: PairNode
    same: list[str]
    different: list[str]
    judgement: JudgementOut | None = None


class DuplicatesAnswer(BaseModel):
    """One page of pairs, best first; and of the candidate list it is a page of, when it
    was worked out and whether it was kept from an earlier request (the list is worked out
    once per state of the store: a load makes it again, a judgement keeps it)."""

    items: list[DuplicatePair]
    total: int
    limit: int
    offset: int
    cached: bool = Field(
        default=False, description="whether the candidate list was kept from an earlier request"
    )
    computed_at: str | None = Field(
        default=None,
        description="when the candidate list was worked out (ISO 8601, UTC); null when only "
        "judged pairs were asked for",
    )


class JudgementIn(BaseModel):
    """A judgement to record: the two node ids (in either order), the verdict, who judges,
    and an optional note."""

    model_config = ConfigDict(extra="forbid")

    a: str = Field(min_length=1, description="id of one node of the pair")
    b: str = Field(min_length=1, description="id of the other node")
    verdict: str = Field(pattern=_VERDICT, description="same, different or unsure")
    who: str = Field(min_length=1, max_length=200, description="who judges")
    note: str | None = Field(default=None, max_length=10_000, description="why, optional")


def _node(node: Node) -> PairNode:
    aliases = node.props.get("aliases") or []
    return PairNode(
        id=node.id,
        label=node.label,
        kind=node.kind,
        name=node.name,
        name_en=node.props.get("name_en"),
        aliases=list(aliases),
        uscc=node.props.get("uscc"),
    )


def _judgement(judgement: Judgement) -> JudgementOut:
    return JudgementOut(**{k: getattr(judgement, k) for k in JudgementOut.model_fields})


def _pair(listed: Listed) -> DuplicatePair:
    c = listed.candidate
    return DuplicatePair(
        score=c.score,
        rule=c.rule,
        a=_node(listed.a),
        b=_node(listed.b),
        same=list(c.same),
        different=list(c.different),
        judgement=_judgement(listed.judgement) if listed.judgement else None,
    )


def _download(answer: DuplicatesAnswer, fmt: str) -> Response:
    """The page's rows as a CSV or xlsx download (nested values flattened: ``a.name``,
    ``judgement.verdict``); an empty list still has its header."""
    rows = rows_of(answer)
    columns = header_of(rows, DuplicatesAnswer)
    name = answer_filename("duplicates", date.today(), f".{fmt}")
    if fmt == "csv":
        return csv_response(to_csv(rows, columns), name)
    book = io.BytesIO()
    to_xlsx(rows, columns, "duplicates", book)
    return xlsx_response(book, name)


_DOWNLOADS: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
        "description": "the pairs (JSON; or their rows as CSV or xlsx with ?format=csv|xlsx)",
    },
    503: {"model": ErrorEnvelope, "description": "the store could not answer"},
}


@router.get(
    "/duplicates",
    response_model=DuplicatesAnswer,
    summary="Pairs of nodes that may be one body",
    responses=_DOWNLOADS,
    dependencies=[Depends(require_read)],
)
async def get_duplicates(
    request: Request,
    store: StoreDep,
    label: Annotated[
        str | None, Query(pattern=_LABEL, description="only nodes of this label")
    ] = None,
    min_score: Annotated[
        float, Query(ge=0, le=100, description="the least score (0–100) a pair is listed at")
    ] = 85.0,
    judged: Annotated[
        Literal["no", "yes", "all"],
        Query(
            description="no (default): the candidates no one has judged yet; yes: the judged "
            "pairs with their judgement, latest first; all: both"
        ),
    ] = "no",
    limit: Annotated[
        int, Query(ge=0, le=MAX_LIMIT, description="items per page (at most 10,000)")
    ] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="items to skip")] = 0,
    format: Annotated[
        Literal["json", "csv", "xlsx"] | None,
        Query(description="json (default), csv or xlsx: the same rows as a download"),
    ] = None,
) -> DuplicatesAnswer | Response:
    """Pairs of nodes that may be one body under two names — equal USCCs, then names alike
    once normalised (traditional characters, full-width brackets, long forms, a left-out
    place), never across organ types or legal forms — each with what matched and what
    differed. A judged pair is not proposed again; ask ``judged=yes`` to see it with its
    judgement. Nothing is merged."""
    chosen: Judged = judged
    found = await run_in_threadpool(
        partial(listing, label=label, min_score=min_score, judged=chosen),
        store,
        offset=offset,
        limit=limit,
    )
    answer = DuplicatesAnswer(
        items=[_pair(x) for x in found.items],
        total=found.total,
        limit=limit,
        offset=offset,
        cached=found.cached,
        computed_at=found.computed_at,
    )
    accept = request.headers.get("accept", "")
    fmt = format or (
        "json"
        if "application/json" in accept
        else "xlsx"
        if XLSX_MEDIA_TYPE in accept
        else "csv"
        if "text/csv" in accept
        else "json"
    )
    if fmt == "json":
        return answer
    download = _download(answer, fmt)
    download.headers[CACHED_HEADER] = "true" if found.cached else "false"
    return download


_WRITES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorEnvelope},
    403: {"model": ErrorEnvelope},
    404: {"model": ErrorEnvelope, "description": "an unknown node id, or nothing to withdraw"},
    409: {"model": ErrorEnvelope, "description": "another judgement of the pair came first"},
}


@router.post(
    "/duplicates/judgements",
    response_model=JudgementOut,
    status_code=201,
    summary="Record a judgement of a pair",
    dependencies=[Depends(require_write)],
    responses=_WRITES,
)
async def post_judgement(store: StoreDep, body: JudgementIn) -> JudgementOut:
    """Record that two nodes are the same body, different bodies, or that one cannot tell
    (unsure), with who judges and why. The pair's standing judgement, if any, is superseded
    (kept, marked ended); the pair is not proposed again. Needs
    ``Authorization: Bearer <AFFGRAPH_API_TOKEN>``."""
    if body.a == body.b:
        raise HTTPException(422, f"a and b: {body.a!r} twice — expected two different nodes")
    try:
        made = await run_in_threadpool(
            judging, store, lambda: judge(store, body.a, body.b, body.verdict, body.who, body.note)
        )
    except UnknownNodeError as exc:
        raise HTTPException(404, f"no node with id {', '.join(map(repr, exc.ids))}") from exc
    except JudgementConflictError as exc:
        raise HTTPException(409, str(exc)) from exc
    except ValueError as exc:  # same, of nodes of two labels: never one body
        raise HTTPException(422, str(exc)) from exc
    return _judgement(made)


@router.delete(
    "/duplicates/judgements",
    response_model=JudgementOut,
    summary="Withdraw the judgement of a pair",
    dependencies=[Depends(require_write)],
    responses=_WRITES,
)
async def delete_judgement(
    store: StoreDep,
    a: Annotated[str, Query(min_length=1, description="id of one node of the pair")],
    b: Annotated[str, Query(min_length=1, description="id of the other node")],
    who: Annotated[str, Query(min_length=1, max_length=200, description="who withdraws it")],
) -> JudgementOut:
    """Withdraw (undo) the pair's standing judgement: it is kept, marked withdrawn, and the
    pair is a candidate again. Answers the withdrawn judgement; 404 if the pair has none.
    Needs ``Authorization: Bearer <AFFGRAPH_API_TOKEN>``."""
    if a == b:
        raise HTTPException(422, f"a and b: {a!r} twice — expected two different nodes")
    try:
        ended = await run_in_threadpool(judging, store, lambda: withdraw(store, a, b, who))
    except NoStandingJudgementError as exc:
        raise HTTPException(404, str(exc)) from exc
    return _judgement(ended)
