"""``timeline``: the events of one node, or of everything under an organization or in an
area, in time order, with counts per year (and per month when asked) — the series a chart
of "what happened when" draws.

Events are those of :mod:`queries.changes` (founded, dissolved, line begun, line ended,
transfer), over all time or a period. The subtree or area is taken as of ``as_of``; an
organization that was under the root for a while, and whose line to it began or ended in
the period, is part of it too.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, Self

from pydantic import ConfigDict, Field, model_validator

from graph_schema.models import IsoDate
from queries.base import Answer, Listing, NamedQuery, NotFoundError, Opens, Route, Rows
from queries.change_table import series
from queries.changes import (
    CHANGE_CODE,
    CHANGE_COLUMNS,
    ChangeItem,
    EventKind,
    Gathered,
    Period,
    ScopeParams,
    events_cypher,
    events_of_transfers,
    gather_in_rows,
    gather_over_graph,
    page_of,
)
from stores.base import CypherView, GraphView

__all__ = ["TIMELINE", "TimelineParams", "TimelineResult"]

_ALIASED = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class TimelineParams(ScopeParams):
    """Whose events, over which days, counted how."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    node: str | None = Field(None, min_length=1, description="the events of this node")
    from_: IsoDate | None = Field(
        None, alias="from", description="only events after this day (YYYY-MM-DD)"
    )
    to: IsoDate | None = Field(None, description="only events up to and including this day")
    as_of: IsoDate = Field(
        default_factory=dt.date.today,
        description="the day the subtree (root) or the area is taken on; default today",
    )
    by: Literal["year", "month"] = Field(
        "year", description="count events per year, or per month as well"
    )
    change: EventKind | None = Field(None, description="only events of this kind")

    @model_validator(mode="after")
    def _one_subject(self) -> Self:
        if sum(x is not None for x in (self.node, self.root, self.area)) != 1:
            raise ValueError("give exactly one of node, root and area")
        if self.from_ and self.to and self.to < self.from_:
            raise ValueError("to is before from")
        return self


class TimelineResult(Answer):
    """One page of events in time order, and the series: counts per kind, year, month."""

    model_config = _ALIASED

    node: str | None = None
    root: str | None = None
    area: str | None = None
    from_: dt.date | None = Field(None, alias="from")
    to: dt.date | None = None
    items: list[ChangeItem]
    total: int
    limit: int
    offset: int
    by_change: dict[str, int] = Field(description="events per kind (before the 'change' filter)")
    by_year: dict[str, int] = Field(description="events per year (YYYY), in order")
    by_month: dict[str, int] | None = Field(
        None, description="events per month (YYYY-MM), in order, when by=month"
    )


def _period(params: TimelineParams) -> Period:
    return Period(params.from_, params.to)


def _timeline(
    view: CypherView | GraphView, found: Gathered, params: TimelineParams
) -> TimelineResult:
    if params.node is not None and found.info(params.node) is None:
        raise NotFoundError(params.node)
    moves, transfers = events_of_transfers(view.iter_transfers(), _period(params))
    found.table.add_events(moves, CHANGE_CODE)
    page = page_of(found, transfers, params, params.change)
    return TimelineResult(
        node=params.node,
        root=params.root,
        area=params.area,
        from_=params.from_,
        to=params.to,
        items=page.items,
        total=page.total,
        limit=params.limit,
        offset=params.offset,
        by_change=page.by_change,
        by_year=series(page.days, 4),
        by_month=series(page.days, 7) if params.by == "month" else None,
    )


def _over_graph(view: GraphView, params: TimelineParams) -> TimelineResult:
    with view.reading_graph():
        found = gather_over_graph(
            view,
            _period(params),
            days=(params.as_of,),
            node=params.node,
            root=params.root,
            area=params.area,
        )
        return _timeline(view, found, params)


def _from_rows(view: CypherView, rows: Rows, params: TimelineParams) -> TimelineResult:
    found = gather_in_rows(
        view,
        rows,
        _period(params),
        days=(params.as_of,),
        node=params.node,
        root=params.root,
        area=params.area,
    )
    return _timeline(view, found, params)


TIMELINE: NamedQuery[TimelineParams, TimelineResult] = NamedQuery(
    name="timeline",
    title="Timeline of events",
    description="The events of one node, or of everything under an organization or in an "
    "area (taken as of 'as_of'): nodes founded and dissolved, lines begun and ended, transfer "
    "records — over all time or between 'from' (exclusive) and 'to' — in time order, each "
    "with its source and quote, and counted per kind, per year and (by=month) per month.",
    params=TimelineParams,
    result=TimelineResult,
    route=Route("/timeline", "changes"),
    cypher=events_cypher(one_node=True, area_days=("as_of",)),
    from_rows=_from_rows,
    over_graph=_over_graph,
    examples=(
        {"node": "tj-zhonghuan-samsung-jv-pc"},
        {"root": "tj-sasac-pc", "by": "month"},
        {"area": "tj-tianjin", "from": "2020-01-01", "to": "2024-12-31"},
    ),
    listing=Listing(
        title="Timeline of events",
        columns=CHANGE_COLUMNS,
        opens=(Opens("details"),),
        filter="change",
        counts="by_change",
    ),
)
