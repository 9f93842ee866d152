"""A route for every named query, built from its declaration, plus the catalogue itself.

A query's declaration gives the route's path and tag; its parameters model becomes the
route's documented path and query parameters, its result model the documented response.
Every route answers JSON or, with ``?format=csv|xlsx`` (or ``Accept: text/csv`` or the xlsx
media type), the same rows as a CSV or xlsx download named after the query, the day and the
load (:mod:`app.api.downloads`). Every route takes ``as_recorded`` (a load, a tag or a time)
and then answers from the graph as it stood right after that load (:mod:`app.api.history`);
every answer carries the load it was computed on (``load``; a download: ``X-Affgraph-Load``).
"""

from __future__ import annotations

import inspect
import io
import re
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from app.api.deps import StoreDep
from app.api.downloads import (
    LOAD_HEADER,
    XLSX_MEDIA_TYPE,
    answer_filename,
    csv_response,
    xlsx_response,
)
from app.api.errors import PARAMETER_ERRORS, ErrorEnvelope
from app.api.history import AS_RECORDED_DOC, recorded
from app.formats import header_of, rows_of, to_csv, to_xlsx
from queries.base import NamedQuery, NotFoundError
from queries.catalog import QUERIES, describe
from queries.graphview import GraphAnswer

__all__ = ["router"]

Format = Literal["json", "csv", "xlsx"]
GraphFormat = Literal["json", "csv", "xlsx", "graph"]
_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {
        "model": ErrorEnvelope,
        "description": "unknown id; or as_recorded names no load, tag or time of the log",
    },
    422: {"model": ErrorEnvelope, "description": PARAMETER_ERRORS},
}
_STORE_ERRORS: dict[int | str, dict[str, Any]] = {
    503: {"model": ErrorEnvelope, "description": "the store could not answer"},
    504: {"model": ErrorEnvelope, "description": "the query ran past AFFGRAPH_QUERY_TIMEOUT_S"},
}

router = APIRouter()


class QueryInfo(BaseModel):
    """A catalogue entry (:func:`queries.catalog.describe`)."""

    name: str
    title: str
    description: str
    parameters: list[dict[str, Any]]
    cypher: str
    path: str
    tag: str
    graph: bool
    examples: list[dict[str, str]]
    listing: dict[str, Any] | None


class Catalogue(BaseModel):
    """Every named query."""

    items: list[QueryInfo]
    total: int


@router.get(
    "/queries", response_model=Catalogue, tags=["queries"], summary="The catalogue of named queries"
)
def list_queries() -> Catalogue:
    """Every question affgraph answers: name, description, parameters, Cypher, URL,
    examples, and how the web UI lists it."""
    items = [QueryInfo(**describe(q)) for q in QUERIES.values()]
    return Catalogue(items=items, total=len(items))


@router.get(
    "/queries/{name}",
    response_model=QueryInfo,
    tags=["queries"],
    summary="One named query",
    responses=_ERRORS,
)
def get_query(name: Annotated[str, Path(description="the query's name")]) -> QueryInfo:
    """A named query's catalogue entry."""
    if name not in QUERIES:
        raise NotFoundError(name, "named query")
    return QueryInfo(**describe(QUERIES[name]))


def _answer_format(request: Request, fmt: str | None) -> str:
    """``?format=`` if given, else what ``Accept`` asks for: JSON wins whenever listed."""
    if fmt is not None:
        return fmt
    accept = request.headers.get("accept", "")
    if "application/json" in accept:
        return "json"
    if XLSX_MEDIA_TYPE in accept:
        return "xlsx"
    return "csv" if "text/csv" in accept else "json"


def _table_answer(query: NamedQuery[Any, Any], params: Any, result: Any, fmt: str) -> Response:
    """The answer's rows as a CSV or xlsx download; an empty list still has its header."""
    rows = rows_of(result)
    columns = header_of(rows, query.result)
    day = getattr(params, "as_of", None) or date.today()
    name = answer_filename(query.name, day, f".{fmt}", getattr(params, "id", None), result.load)
    if fmt == "csv":
        response = csv_response(to_csv(rows, columns), name)
    else:
        book = io.BytesIO()
        to_xlsx(rows, columns, query.name, book)
        response = xlsx_response(book, name)
    response.headers[LOAD_HEADER] = str(result.load)
    return response


def _annotation(field: FieldInfo) -> Any:
    """The field's type with its constraints and validators (e.g. limit ≤ 10,000)."""
    if not field.metadata:
        return field.annotation
    return Annotated[(field.annotation, *field.metadata)]


def _signature(query: NamedQuery[Any, Any]) -> inspect.Signature:
    """The endpoint's parameters: the query's, in the path or the query string."""
    in_path = set(re.findall(r"{(\w+)}", query.route.path))
    params = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
        inspect.Parameter("response", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Response),
        inspect.Parameter("store", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=StoreDep),
    ]
    for name, field in query.params.model_fields.items():
        # Path()/Query() go inside Annotated: as a default value, FastAPI drops the field's
        # string constraints (min_length) from the docs and from its own validation.
        annotation = _annotation(field)
        default: Any = inspect.Parameter.empty
        if name in in_path:
            annotation = Annotated[annotation, Path(description=field.description)]
        elif field.is_required():  # e.g. search's q: documented as required, not optional
            annotation = Annotated[
                annotation, Query(alias=field.alias, description=field.description or name)
            ]
        else:
            annotation = Annotated[
                annotation | None,
                Query(alias=field.alias, description=field.description or name),
            ]
            default = None
        params.append(
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
            )
        )
    params.append(
        inspect.Parameter(
            "as_recorded",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[
                str | None, Query(min_length=1, max_length=200, description=AS_RECORDED_DOC)
            ],
            default=None,
        )
    )
    graph = query.graph is not None
    params.append(
        inspect.Parameter(
            "format",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=(GraphFormat if graph else Format) | None,
            default=Query(
                None,
                description="json (default), csv or xlsx: the same rows as a download named "
                "after the query and the day (or send Accept: text/csv, or the xlsx media type)"
                + ("; graph: nodes + edges for a graph library" if graph else ""),
            ),
        )
    )
    return inspect.Signature(params)


def _endpoint(query: NamedQuery[Any, Any]) -> Any:
    def endpoint(request: Request, response: Response, store: StoreDep, **values: Any) -> Any:
        fmt = values.pop("format", None)
        as_recorded = values.pop("as_recorded", None)
        # by field name: a parameter whose name is a Python keyword (diff's "from") is
        # the field from_ with that alias, and arrives here under the field's name
        params = query.params.model_validate(
            {k: v for k, v in values.items() if v is not None}, by_name=True
        )
        timeout = request.app.state.settings.query_timeout_s
        with recorded(store, as_recorded) as answering:
            result = query.run(answering, params, timeout=timeout)
        response.headers[LOAD_HEADER] = str(result.load)  # every format, graph included
        if fmt == "graph" and query.graph is not None:
            return query.graph(result)
        answer = _answer_format(request, fmt)
        if answer in ("csv", "xlsx"):
            return _table_answer(query, params, result, answer)
        return result

    endpoint.__signature__ = _signature(query)  # type: ignore[attr-defined]
    endpoint.__name__ = f"query_{query.name}"
    endpoint.__doc__ = query.description
    return endpoint


def _add_routes() -> None:
    for query in QUERIES.values():
        router.add_api_route(
            query.route.path,
            _endpoint(query),
            methods=["GET"],
            response_model=query.result | GraphAnswer if query.graph else query.result,
            summary=query.title,
            description=query.description,
            tags=[query.route.tag],
            responses={
                **_ERRORS,
                **_STORE_ERRORS,
                200: {
                    "content": {
                        "text/csv": {"schema": {"type": "string"}},
                        XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
                    },
                    "description": "the answer (JSON; or its rows as a CSV file with a UTF-8 "
                    "byte order mark, or an xlsx workbook, with ?format=csv|xlsx)",
                },
            },
        )


_add_routes()
