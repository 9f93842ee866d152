"""One error envelope for every error: ``{"error": {"code", "message", "details"}}``.

Bad input is always a 4xx naming what was wrong; a 500 means a bug, and says only that.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException

from history.revert import NotRevertibleError, RevertRefusedError
from queries.base import NotFoundError, QueryError
from stores.base import LabelChangeError, StoreError, UnknownNodeError
from stores.deadline import QueryTimeoutError
from stores.history import NodeInUseError, TagError, UnknownLoadError

__all__ = [
    "PARAMETER_ERRORS",
    "ErrorBody",
    "ErrorEnvelope",
    "UnknownParametersError",
    "error_response",
    "install_error_handlers",
]

log = logging.getLogger("affgraph.api")

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    411: "length_required",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_parameter",
    429: "too_many_requests",
    503: "store_unavailable",
    504: "query_timeout",
}


class ErrorBody(BaseModel):
    """What went wrong."""

    code: str = Field(description="a stable code, e.g. not_found or invalid_parameter")
    message: str = Field(description="a sentence for people")
    details: Any = Field(None, description="e.g. each bad parameter with its value")


class ErrorEnvelope(BaseModel):
    """The body of every error response."""

    error: ErrorBody


#: How every route documents its 422 (a route with errors of its own says them first).
PARAMETER_ERRORS = (
    "a parameter is invalid, or the query string has a parameter this route does not take "
    "(each unknown one is named in details, with the nearest parameter it does take)"
)


class UnknownParametersError(Exception):
    """The query string names parameters the route does not declare.

    ``details`` holds one entry per unknown parameter: its name, value, a message and the
    nearest declared one (or None).
    """

    def __init__(self, details: list[dict[str, Any]], message: str) -> None:
        super().__init__(message)
        self.details = details


def error_response(
    status: int,
    message: str,
    details: Any = None,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """An error response in the envelope."""
    body = ErrorEnvelope(
        error=ErrorBody(code=code or _CODES.get(status, "error"), message=message, details=details)
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def _parameter_details(errors: list[Any]) -> list[dict[str, Any]]:
    details = []
    for problem in errors:
        loc = [str(p) for p in problem.get("loc", ()) if p not in ("query", "path", "body")]
        value = problem.get("input")
        details.append(
            {
                "parameter": ".".join(loc) or "request",
                "value": value if isinstance(value, str | int | float | None) else repr(value),
                "message": str(problem.get("msg", "invalid")).removeprefix("Value error, "),
            }
        )
    return details


async def _invalid(request: Request, exc: Exception) -> JSONResponse:
    errors = exc.errors() if isinstance(exc, RequestValidationError | ValidationError) else []
    details = _parameter_details(list(errors))
    names = ", ".join(sorted({d["parameter"] for d in details})) or "request"
    first = details[0]["message"] if details else "invalid request"
    return error_response(422, f"invalid {names}: {first}", details)


async def _unknown_parameters(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, UnknownParametersError)
    return error_response(422, str(exc), exc.details)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers) if exc.headers else None
    return error_response(exc.status_code, str(exc.detail), headers=headers)


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return error_response(404, str(exc))


async def _query_error(request: Request, exc: Exception) -> JSONResponse:
    return error_response(422, str(exc), code="invalid_request")


async def _conflict(request: Request, exc: Exception) -> JSONResponse:
    return error_response(409, str(exc), code="conflict")


async def _refused(request: Request, exc: Exception) -> JSONResponse:
    """A revert later loads stand in the way of: each record a later load changed again
    (``changed_by``: the first that did) or that needs what the load made (``needs``: the
    load that wrote it), and the standing judgements naming a node it made."""
    assert isinstance(exc, RevertRefusedError)
    details = {
        "load": exc.load,
        "changed_again": [
            {"kind": key.kind, "id": key.id, "by_load": load}
            for key, load in sorted(exc.conflicts.items())
        ],
        "depend_on_it": [
            {"kind": key.kind, "id": key.id, "by_load": load}
            for key, load in sorted(exc.dependants.items())
        ],
        "judgements": list(exc.judgements),
    }
    return error_response(409, str(exc), details, code="revert_refused")


async def _timed_out(request: Request, exc: Exception) -> JSONResponse:
    return error_response(504, str(exc))


async def _store_error(request: Request, exc: Exception) -> JSONResponse:
    return error_response(503, f"the store could not answer: {exc}")


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "internal error: this is a bug in affgraph", code="internal")


def install_error_handlers(app: FastAPI) -> None:
    """Route every error through the envelope."""
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(ValidationError, _invalid)
    app.add_exception_handler(UnknownParametersError, _unknown_parameters)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(QueryError, _query_error)
    app.add_exception_handler(LabelChangeError, _conflict)
    app.add_exception_handler(UnknownNodeError, _conflict)
    app.add_exception_handler(UnknownLoadError, _not_found)
    app.add_exception_handler(TagError, _conflict)
    app.add_exception_handler(RevertRefusedError, _refused)
    app.add_exception_handler(NotRevertibleError, _conflict)
    app.add_exception_handler(NodeInUseError, _conflict)
    app.add_exception_handler(QueryTimeoutError, _timed_out)
    app.add_exception_handler(StoreError, _store_error)
    app.add_exception_handler(Exception, _unexpected)
