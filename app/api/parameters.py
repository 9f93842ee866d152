"""Strict query strings: a parameter a route does not take is a 422, never silently ignored.

Without this, ``/api/orgs/x/chain?asof=2022-07-04`` (``as_of`` misspelt) answered for today,
with a 200: a wrong answer that looks right. :func:`refuse_unknown_parameters` is a
dependency of the router that collects every API route (``app.main``), so it runs once per
request on every route under ``/api``, whatever its parameters: it reads the parameters the
matched route declares (its own and its dependencies') and refuses the others, naming each
with the nearest declared one. Dependencies given to that router or to ``include_router``
must not take query parameters of their own (none does): they are not part of the route's
declaration read here.

The web UI's routes (``/``, ``/vendor/…``, ``/static/…``) and the docs pages answer files and
take no parameters; a query string there (a cache-buster, a link's tracking tag) cannot
change an answer, and is left alone.
"""

from __future__ import annotations

import difflib
from typing import Any

from fastapi import Request, params
from fastapi.dependencies.models import Dependant

from app.api.errors import UnknownParametersError

__all__ = ["declared_parameters", "refuse_unknown_parameters"]

#: How close a name must be to a declared one to be suggested (difflib's ratio).
_CUTOFF = 0.6


def declared_parameters(dependant: Dependant) -> dict[str, str]:
    """Every parameter a route declares, by name, with where it goes: ``query``, ``path``,
    ``form`` or ``body`` (a name in the query string and elsewhere counts as ``query``)."""
    found: dict[str, str] = {}
    stack = [dependant]
    while stack:
        current = stack.pop()
        for field in current.query_params:
            found[field.alias] = "query"
        for field in current.path_params:
            found.setdefault(field.alias, "path")
        for field in current.body_params:
            where = "form" if isinstance(field.field_info, params.Form) else "body"
            found.setdefault(field.alias, where)
        stack.extend(current.dependencies)
    return found


def _nearest(name: str, declared: dict[str, str]) -> str | None:
    """The declared parameter closest to ``name`` (case aside), if any is close enough."""
    by_lower = {known.lower(): known for known in declared}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=_CUTOFF)
    return by_lower[close[0]] if close else None


def _hint(name: str, nearest: str | None, where: str | None) -> str:
    """What to say about one unknown parameter: the nearest declared one, and where it goes
    when that is not the query string (``id`` belongs in the path)."""
    if nearest is None:
        return "no parameter of this route is close"
    if where == "query":
        return f"did you mean {nearest!r}?"
    if nearest == name:
        return f"{name!r} is a {where} parameter of this route, not a query parameter"
    return f"did you mean {nearest!r}? it is a {where} parameter of this route"


def _problem(name: str, value: str, declared: dict[str, str]) -> dict[str, Any]:
    """The details entry of one unknown parameter."""
    nearest = _nearest(name, declared)
    hint = _hint(name, nearest, declared.get(nearest or ""))
    return {"parameter": name, "value": value, "message": hint, "nearest": nearest}


def _message(problems: list[dict[str, Any]], declared: dict[str, str]) -> str:
    """One sentence: each unknown name with its hint, then what the route does take."""
    named = "; ".join(f"{p['parameter']!r} ({p['message']})" for p in problems)
    query = [name for name, where in declared.items() if where == "query"]
    takes = ", ".join(sorted(query)) if query else "no query parameters"
    plural = "s" if len(problems) > 1 else ""
    return f"unknown parameter{plural} {named}. This route takes {takes}"


def refuse_unknown_parameters(request: Request) -> None:
    """Dependency of every API route: 422 when the query string names a parameter the
    route does not declare."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if not request.query_params or not isinstance(dependant, Dependant):
        return
    declared = declared_parameters(dependant)
    unknown = {
        name: request.query_params[name]
        for name in request.query_params
        if declared.get(name) != "query"
    }
    if unknown:
        problems = [_problem(name, value, declared) for name, value in unknown.items()]
        raise UnknownParametersError(problems, _message(problems, declared))
