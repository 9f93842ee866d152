"""What a named query is: one declaration that the API, the CLI, the cookbook, the route tests
and the web UI all read.

A :class:`NamedQuery` is configuration as much as code (datasette's canned queries): its
name, sentence, parameters and result models, its route, its one Cypher text and its one
implementation over the embedded store's graph, its graph view, examples, and the columns
the web UI's analysis view shows. A store is reached only through the view it offers
(:class:`~stores.base.CypherView` or :class:`~stores.base.GraphView`), so this package
imports neither the Neo4j driver nor a store class. Both implementations give equal answers
(``tests/test_queries_contract.py`` and the other query tests check it on both stores).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from itertools import chain
from typing import Any, Generic, Literal, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field

from graph_schema.models import IsoDate
from graph_schema.records import Transfer
from queries.graphview import GraphAnswer
from stores.base import CypherView, GraphStore, GraphView, StoreError, read_consistently
from stores.deadline import time_limit
from stores.merges import NODE_ID_FIELDS

__all__ = [
    "MAX_LIMIT",
    "MAX_OFFSET",
    "Answer",
    "AsOfParams",
    "Column",
    "EntityParams",
    "ListParams",
    "Listing",
    "NamedQuery",
    "NodeRef",
    "NotFoundError",
    "Opens",
    "QueryError",
    "QueryParams",
    "Route",
    "Rows",
    "is_graph_view",
    "page",
    "transfers_of",
]

#: The most items one page of a list answer may hold.
MAX_LIMIT = 10_000
#: The furthest a page may start (beyond any store's size; keeps values within 64 bits).
MAX_OFFSET = 1_000_000_000
#: Up to how many organizations' transfer records the embedded store looks up one by one.
ASK_EACH_ORG = 1000


class QueryError(StoreError):
    """A query cannot answer these parameters (the message says why)."""


class NotFoundError(QueryError):
    """The query names a node that is not in the store."""

    def __init__(self, node_id: str, what: str = "node") -> None:
        self.node_id = node_id
        super().__init__(f"no {what} with id {node_id!r}")


class QueryParams(BaseModel):
    """Parameters of a query; unknown ones are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class AsOfParams(QueryParams):
    """Parameters of a query asked for one day."""

    as_of: IsoDate = Field(
        default_factory=date.today,
        description="the day the question is asked for (YYYY-MM-DD); default today",
    )


class ListParams(AsOfParams):
    """Parameters of a query whose answer is a list, one page at a time."""

    limit: int = Field(100, ge=0, le=MAX_LIMIT, description="items per page (at most 10,000)")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="items to skip")


class EntityParams(AsOfParams):
    """Parameters of a query about one node."""

    id: str = Field(min_length=1, description="the node's id")


class Answer(BaseModel):
    """What every named query's answer derives from: the load it was computed on.

    A figure cited as "affgraph dataset at load 41, as of 2022-07-05" is given again, exactly,
    by asking the same query with ``as_recorded=41`` however the data has moved on since
    (:mod:`history.recorded`). :meth:`NamedQuery.run` sets it from the same consistent read
    as the answer, so it is the load the answer saw, never one that committed just after.
    """

    load: int = Field(
        0,
        ge=0,
        description="the load number this answer was computed on: cite it with as_of; "
        "as_recorded=<load> reproduces it",
    )


class NodeRef(BaseModel):
    """A node as it appears inside an answer."""

    id: str
    label: str
    kind: str
    name: str


Rows = list[dict[str, Any]]
P = TypeVar("P", bound=QueryParams)
R = TypeVar("R", bound=Answer)
T = TypeVar("T")


def page(items: Sequence[T], params: ListParams) -> list[T]:
    """One page of an already ordered list."""
    return list(items[params.offset : params.offset + params.limit])


# -- how the query is served and shown -----------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """Where the API serves a query: its path under ``/api`` (``{id}`` names a path
    parameter) and the OpenAPI tag it is listed under."""

    path: str
    tag: str


@dataclass(frozen=True)
class Column:
    """One column of a list in the web UI's analysis view: the item field it shows.

    ``link``: whether the value is a node id shown as a link to that node — ``always``, or
    only when ``name`` (the field holding its name, shown instead of the id) has a value.
    List values are joined with ``join``; ``detail`` is another field shown after the value;
    ``terms`` names the schema's words the values are (``GET /api/labels``), whose Chinese
    terms are shown beside them.
    """

    title: str
    field: str
    link: Literal["never", "always", "named"] = "never"
    name: str | None = None
    join: str = ", "
    detail: str | None = None
    terms: (
        Literal[
            "labels",
            "kinds",
            "transfer_statuses",
            "orphan_reasons",
            "coverage_statuses",
            "mismatch_types",
            "mismatch_details",
            "conflict_types",
        ]
        | None
    ) = None


@dataclass(frozen=True)
class Opens:
    """What clicking a row opens: the view of the node whose id is in field ``id`` (the
    first of a listing's ``opens`` whose field has a value). ``view`` ``by_label`` is the tree
    for an organization and its parents-in-law for anything else; ``details`` shows the node
    beside the list; ``date`` names a field whose day, if any, the view is drawn for."""

    view: Literal["tree", "superiors", "by_label", "details"]
    id: str = "id"
    date: str | None = None


@dataclass(frozen=True)
class Listing:
    """How the web UI's analysis view lists a query's answer: a title, the columns, the one
    parameter its filter control sets (a choice for an enumerated parameter, a number
    otherwise), the answer field that counts the items by that parameter's values, and what
    a row opens."""

    title: str
    columns: tuple[Column, ...]
    opens: tuple[Opens, ...]
    filter: str | None = None
    counts: str | None = None


@cache
def _view_of(store: type) -> type[CypherView] | type[GraphView] | None:
    """The view a store class offers (worked out once per class: checking a protocol reads
    each of its members)."""
    return next((view for view in (CypherView, GraphView) if issubclass(store, view)), None)


def is_graph_view(view: CypherView | GraphView) -> bool:
    """Whether ``view`` holds the graph in memory (the embedded store), not Cypher: for
    the few shared gatherings (orphans, superiors) that other queries compose."""
    return _view_of(type(view)) is GraphView


def transfers_of(view: CypherView | GraphView, orgs: Collection[str]) -> Iterable[Transfer]:
    """The transfer records of ``orgs``, each organization's in the stores' order (undated
    first, then by date, then id): for a page's latest records.

    The embedded store looks up a page's few organizations one by one (by its index on org:
    reading a province's every record took a few hundred milliseconds at 5M nodes);
    otherwise, and over Bolt (a round trip each), every record is read once."""
    if is_graph_view(view) and len(orgs) <= ASK_EACH_ORG:
        return chain.from_iterable(view.iter_transfers(org=org) for org in orgs)
    return (t for t in view.iter_transfers() if t.org in orgs)


def _resolved(store: CypherView | GraphView | GraphStore, params: P) -> P:
    """``params`` with a node id that is an alias of a merged group (a ``same`` judgement,
    :mod:`stores.merges`) replaced by its canonical id: every query answers for the group's
    one node whichever of its ids it is asked with. The one place aliases resolve."""
    merges = store.merges()
    if not merges:
        return params
    values = {k: getattr(params, k) for k in NODE_ID_FIELDS if k in type(params).model_fields}
    changed = {k: v for k, v in merges.resolve(values).items() if v != values[k]}
    return params.model_copy(update=changed) if changed else params


# -- the query ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NamedQuery(Generic[P, R]):
    """A question affgraph answers, on either store, and everything said about it.

    ``cypher`` is the one Cypher text, which a :class:`~stores.base.CypherView` runs and
    ``from_rows`` shapes into the result; ``over_graph`` answers the same over a
    :class:`~stores.base.GraphView`. Where a query has rules beyond gathering (where a chain
    stops, why an organization is an orphan), both feed the same Python function, so the two
    stores cannot disagree on the rules. ``examples`` are parameters to ask it with on the
    public cases (the docs show the first; the route tests ask every one); ``graph`` turns an
    answer into nodes and edges (``?format=graph``); ``listing`` puts it among the web UI's
    analysis lists.
    """

    name: str
    title: str
    description: str
    params: type[P]
    result: type[R]
    route: Route
    cypher: str
    from_rows: Callable[[CypherView, Rows, P], R]
    over_graph: Callable[[GraphView, P], R]
    examples: tuple[Mapping[str, str], ...]
    graph: Callable[[R], GraphAnswer] | None = None
    listing: Listing | None = None

    @property
    def path(self) -> str:
        """The URL path the API serves it at."""
        return f"/api{self.route.path}"

    def cypher_params(self, params: P) -> dict[str, Any]:
        """The Cypher parameters: the query's parameters as plain values, by the names the
        API gives them (``from``, which Python calls ``from_``)."""
        return params.model_dump(by_alias=True)

    def run(self, store: GraphStore, params: P, *, timeout: float | None = None) -> R:
        """Answer on whichever store this is, within ``timeout`` seconds if given (past it:
        :class:`~stores.deadline.QueryTimeoutError`, see :mod:`stores.deadline`)."""
        with time_limit(timeout):
            # the whole answer from one state of the store: every read the implementation
            # makes (graph, records, transfers, names, the load it is of) joins one read
            return read_consistently(store, lambda: self._cited(store, params))

    def _cited(self, store: GraphStore, params: P) -> R:
        """The answer, carrying the load of the state it was computed on."""
        result = self._answer(store, params)
        return result.model_copy(update={"load": store.state()[1]})

    def answer(self, store: CypherView | GraphView | GraphStore, params: P) -> R:
        """Answer inside a read the caller already holds: how one query composes another
        (``diff`` asks ``subtree`` for its scope) on whichever view it was given."""
        return self._answer(store, params)

    def _answer(self, store: CypherView | GraphView | GraphStore, params: P) -> R:
        view = _view_of(type(store))
        params = _resolved(store, params)
        if view is CypherView:
            cypher = cast(CypherView, store)
            rows = cypher.read_rows(self.cypher, **self.cypher_params(params))
            return self.from_rows(cypher, rows, params)
        if view is GraphView:
            return self.over_graph(cast(GraphView, store), params)
        raise QueryError(f"{type(store).__name__} offers no view the named queries can read")

    def run_dict(
        self, store: GraphStore, values: dict[str, Any], *, timeout: float | None = None
    ) -> R:
        """Validate raw parameters (e.g. from the CLI) and answer."""
        return self.run(store, self.params.model_validate(values), timeout=timeout)
