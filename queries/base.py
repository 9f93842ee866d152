"""What a named query is: a name, a description, a parameters model, a result model, one
Cypher text for Neo4j and one implementation over the embedded store.

A query is configuration as much as code (the API lists the catalogue, datasette-style):
:class:`NamedQuery` carries everything the CLI, the HTTP layer and the docs need. Both
implementations must give equal answers; ``tests/test_queries_contract.py`` checks that.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from graph_schema.models import IsoDate
from stores.base import GraphStore, StoreError, read_consistently
from stores.deadline import time_limit
from stores.embedded import EmbeddedStore
from stores.neo4j import Neo4jStore

__all__ = [
    "MAX_LIMIT",
    "MAX_OFFSET",
    "AsOfParams",
    "EntityParams",
    "ListParams",
    "NamedQuery",
    "NodeRef",
    "NotFoundError",
    "QueryError",
    "QueryParams",
    "page",
]

#: The most items one page of a list answer may hold.
MAX_LIMIT = 10_000
#: The furthest a page may start (beyond any store's size; keeps values within 64 bits).
MAX_OFFSET = 1_000_000_000


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


class NodeRef(BaseModel):
    """A node as it appears inside an answer."""

    id: str
    label: str
    kind: str
    name: str


_Rows = list[dict[str, Any]]
P = TypeVar("P", bound=QueryParams)
R = TypeVar("R", bound=BaseModel)
T = TypeVar("T")


def page(items: Sequence[T], params: ListParams) -> list[T]:
    """One page of an already ordered list."""
    return list(items[params.offset : params.offset + params.limit])


@dataclass(frozen=True)
class NamedQuery(Generic[P, R]):
    """A question affgraph answers, on either store.

    ``cypher`` is the one Cypher text; ``from_rows`` shapes its rows into the result, and
    ``embedded`` answers the same over the in-memory graph. Where a query has rules beyond
    gathering (where a chain stops, why an organization is an orphan), both sides feed the
    same Python function, so the two stores cannot disagree on the rules.
    """

    name: str
    title: str
    description: str
    params: type[P]
    result: type[R]
    cypher: str
    from_rows: Callable[[GraphStore, _Rows, P], R]
    embedded: Callable[[EmbeddedStore, P], R]

    def cypher_params(self, params: P) -> dict[str, Any]:
        """The Cypher parameters: the query's parameters as plain values."""
        return params.model_dump()

    def run(self, store: GraphStore, params: P, *, timeout: float | None = None) -> R:
        """Answer on whichever store this is, within ``timeout`` seconds if given (past it:
        :class:`~stores.deadline.QueryTimeoutError`, see :mod:`stores.deadline`)."""
        with time_limit(timeout):
            # the whole answer from one state of the store: every read the implementation
            # makes (graph, records, transfers, names) joins one consistent read
            return read_consistently(store, lambda: self._answer(store, params))

    def _answer(self, store: GraphStore, params: P) -> R:
        if isinstance(store, EmbeddedStore):
            return self.embedded(store, params)
        if isinstance(store, Neo4jStore):
            rows = store.read_rows(self.cypher, **self.cypher_params(params))
            return self.from_rows(store, rows, params)
        raise QueryError(f"no implementation of {self.name} for a {store.kind} store")

    def run_dict(
        self, store: GraphStore, values: dict[str, Any], *, timeout: float | None = None
    ) -> R:
        """Validate raw parameters (e.g. from the CLI) and answer."""
        return self.run(store, self.params.model_validate(values), timeout=timeout)
