"""``transfers`` and ``history``: changes of affiliation, over all time.

* ``transfers`` lists transfer records (proposed, pending, retained or transferred moves of
  an organization from one superior to another), filtered by status, organization and date
  range, in (date, id) order — undated ones first — with the names of the nodes they name.
* ``history`` tells the story of one Party organization: every AFFILIATED_TO line it ever
  had (whatever the dates) and every transfer of it, in time order.

Neither depends on an as-of day: they are about time itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Literal, Self, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from graph_schema.cypher import NODE_LABEL, TRANSFER_LABEL
from graph_schema.declaration import TRANSFER_FIELDS, TRANSFER_STATUSES
from graph_schema.models import IsoDate
from graph_schema.records import Transfer, evidence_from_canonical
from queries.base import (
    MAX_LIMIT,
    MAX_OFFSET,
    Answer,
    Column,
    Listing,
    NamedQuery,
    NotFoundError,
    Opens,
    QueryError,
    QueryParams,
    Route,
    Rows,
)
from queries.cypher import cypher_node
from queries.graph import lines_out
from stores.base import CypherView, GraphView

__all__ = [
    "HISTORY",
    "TRANSFERS",
    "HistoryItem",
    "HistoryParams",
    "HistoryResult",
    "TransferItem",
    "TransfersParams",
    "TransfersResult",
    "history_result",
    "transfers_result",
]

Status = Literal["proposed", "pending", "retained", "transferred"]
if set(get_args(Status)) != set(TRANSFER_STATUSES):  # pragma: no cover - schema guard
    raise RuntimeError("transfer statuses differ from the schema declaration")

#: The fields of a transfer that name a node (or, for ``proposed_by``, may).
NODE_REFS = ("org", "from", "proposed_to", "proposed_by", "decided_to")
_TRANSFER_NAMES = frozenset(p.name for p in TRANSFER_FIELDS)
_ALIASED = ConfigDict(populate_by_name=True, serialize_by_alias=True)


def _undated_first(when: dt.date | None) -> tuple[bool, dt.date]:
    return (when is not None, when or dt.date.min)


def _transfer_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """A transfer's declared fields (store internals left out)."""
    return {k: v for k, v in values.items() if k in _TRANSFER_NAMES and v is not None}


def _record_values(transfer: Transfer) -> dict[str, Any]:
    return {
        "id": transfer.id,
        "org": transfer.org,
        "status": transfer.status,
        "date": transfer.date,
        **transfer.props,
    }


# -- transfers ----------------------------------------------------------------------------------


class TransfersParams(QueryParams):
    """Which transfer records to list, one page at a time."""

    status: Status | None = Field(None, description="only records with this status")
    org: str | None = Field(
        None, min_length=1, description="only transfers of this Party organization"
    )
    date_from: IsoDate | None = Field(
        None,
        description="only records dated on or after this day "
        "(records without a date are then left out)",
    )
    date_to: IsoDate | None = Field(
        None,
        description="only records dated on or before this day "
        "(records without a date are then left out)",
    )
    limit: int = Field(100, ge=0, le=MAX_LIMIT, description="items per page (at most 10,000)")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="items to skip")

    @model_validator(mode="after")
    def _range(self) -> Self:
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValueError("date_to is before date_from")
        return self


class TransferItem(BaseModel):
    """A transfer record, with the names of the nodes it refers to."""

    model_config = _ALIASED

    id: str = Field(description="the transfer's id")
    org: str = Field(description="the Party organization whose affiliation is in question")
    org_name: str | None = None
    status: str
    date: dt.date | None = None
    from_: str | None = Field(None, alias="from", description="the superior before")
    from_name: str | None = None
    proposed_to: str | None = None
    proposed_to_name: str | None = None
    proposed_by: str | None = Field(None, description="who proposed it: a node id or free text")
    proposed_by_name: str | None = Field(
        None, description="its name, when proposed_by is a node id"
    )
    decided_to: str | None = None
    decided_to_name: str | None = None
    reason: str | None = None
    source: str | None = None
    quote: str | None = None


class TransfersResult(Answer):
    """One page of transfer records."""

    items: list[TransferItem]
    total: int
    limit: int
    offset: int


def _keep(values: Mapping[str, Any], params: TransfersParams) -> bool:
    if params.status is not None and values["status"] != params.status:
        return False
    if params.org is not None and values["org"] != params.org:
        return False
    if params.date_from is None and params.date_to is None:
        return True
    when: dt.date | None = values.get("date")
    return (
        when is not None
        and (params.date_from is None or params.date_from <= when)
        and (params.date_to is None or when <= params.date_to)
    )


def transfers_result(
    found: Iterable[tuple[Mapping[str, Any], Mapping[str, str | None]]], params: TransfersParams
) -> TransfersResult:
    """The page of (transfer values, names of the nodes it names by field) pairs."""
    kept = sorted(
        ((_transfer_values(t), names) for t, names in found if _keep(t, params)),
        key=lambda pair: (*_undated_first(pair[0].get("date")), pair[0]["id"]),
    )
    shown = kept[params.offset : params.offset + params.limit]
    items = [
        TransferItem.model_validate(
            {**values, **{f"{field}_name": names.get(field) for field in NODE_REFS}}
        )
        for values, names in shown
    ]
    return TransfersResult(items=items, total=len(kept), limit=params.limit, offset=params.offset)


def _transfers_over_graph(view: GraphView, params: TransfersParams) -> TransfersResult:
    transfers = list(view.iter_transfers(org=params.org))
    with view.reading_graph() as adj:
        nodes = adj.node
        found = []
        for transfer in transfers:
            values = _record_values(transfer)
            names = {
                field: nodes[values[field]]["name"]
                for field in NODE_REFS
                if isinstance(values.get(field), str) and values[field] in nodes
            }
            found.append((values, names))
    return transfers_result(found, params)


TRANSFERS_CYPHER = f"""
MATCH (t:{TRANSFER_LABEL})
WHERE ($status IS NULL OR t.status = $status) AND ($org IS NULL OR t.org = $org)
OPTIONAL MATCH (o:{NODE_LABEL} {{id: t.org}})
OPTIONAL MATCH (f:{NODE_LABEL} {{id: t.`from`}})
OPTIONAL MATCH (pt:{NODE_LABEL} {{id: t.proposed_to}})
OPTIONAL MATCH (pb:{NODE_LABEL} {{id: t.proposed_by}})
OPTIONAL MATCH (dt:{NODE_LABEL} {{id: t.decided_to}})
RETURN properties(t) AS transfer,
       {{org: o.name, `from`: f.name, proposed_to: pt.name, proposed_by: pb.name,
         decided_to: dt.name}} AS names
"""


def _transfers_from_rows(view: CypherView, rows: Rows, params: TransfersParams) -> TransfersResult:
    return transfers_result(((row["transfer"], row["names"]) for row in rows), params)


TRANSFERS: NamedQuery[TransfersParams, TransfersResult] = NamedQuery(
    name="transfers",
    title="Transfers of affiliation",
    description="Transfer records — proposed, pending, retained or carried-out moves of a "
    "Party organization to another superior — filtered by status, organization and date "
    "range (inclusive), in date order (undated first), with the names of the organization, "
    "the superior before, the one proposed, the proposer and the one decided on.",
    params=TransfersParams,
    result=TransfersResult,
    route=Route("/transfers", "transfers"),
    cypher=TRANSFERS_CYPHER,
    from_rows=_transfers_from_rows,
    over_graph=_transfers_over_graph,
    examples=(
        {},
        {"status": "retained"},
        {"org": "tj-zhonghuan-samsung-jv-pc"},
        {"date_from": "2022-01-01", "date_to": "2022-12-31"},
    ),
    listing=Listing(
        title="Transfers of affiliation: proposed and decided",
        columns=(
            Column("organization", "org", link="always", name="org_name"),
            Column("status", "status", terms="transfer_statuses"),
            Column("date", "date"),
            Column("from", "from", link="always", name="from_name"),
            Column("proposed to", "proposed_to", link="always", name="proposed_to_name"),
            Column("proposed by", "proposed_by", link="named", name="proposed_by_name"),
            Column("decided to", "decided_to", link="always", name="decided_to_name"),
            Column("reason", "reason"),
        ),
        # the tree on the day of the transfer, when the new line holds
        opens=(Opens("tree", "org", date="date"),),
        filter="status",
    ),
)


# -- history ------------------------------------------------------------------------------------


class HistoryParams(QueryParams):
    """The organization whose history is told."""

    id: str = Field(min_length=1, description="the Party organization's id")


Event = Literal["affiliation", "transfer"]


class Evidence(BaseModel):
    """One piece of evidence about a line: what it says, and from which source."""

    role: str = Field(description="interval, begins, ends or holds")
    date: dt.date | None = Field(None, description="the day it speaks of (begins, ends, holds)")
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    transfer: str | None = Field(None, description="the transfer record it comes from")
    source: str | None = None
    quote: str | None = None
    page: str | None = None


class HistoryItem(BaseModel):
    """One event: a line to a superior, or a transfer."""

    model_config = _ALIASED

    event: Event
    date: dt.date | None = Field(None, description="when the line began, or the transfer's date")
    id: str = Field(description="the superior (affiliation) or the transfer record (transfer)")
    name: str | None = Field(None, description="the superior's name (affiliation)")
    line_kind: str | None = Field(None, description="the line's basis (affiliation)")
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    status: str | None = Field(None, description="the transfer's status (transfer)")
    from_: str | None = Field(None, alias="from", description="the superior before (transfer)")
    proposed_to: str | None = None
    proposed_by: str | None = None
    decided_to: str | None = None
    reason: str | None = None
    source: str | None = None
    quote: str | None = None
    evidence: list[Evidence] = Field(
        default_factory=list,
        description="affiliation: every piece of evidence the line's interval is assembled "
        "from, each with its own source and quote (empty: the line's record states its "
        "interval outright)",
    )


class HistoryResult(Answer):
    """The affiliation history of one Party organization."""

    id: str
    label: str
    kind: str
    name: str
    items: list[HistoryItem]
    total: int


def _check_org(node_id: str, node: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if node is None:
        raise NotFoundError(node_id)
    if node["label"] != "PartyOrg":
        raise QueryError(
            f"{node_id!r} is a {node['label']}: only a PartyOrg has an affiliation history"
        )
    return node


def history_result(
    node_id: str,
    node: Mapping[str, Any] | None,
    lines: Iterable[Mapping[str, Any]],
    transfers: Iterable[Mapping[str, Any]],
) -> HistoryResult:
    """The history from the organization (id, label, kind, name), its lines (superior id and
    name, kind, validity, source, quote) and its transfers (declared fields)."""
    org = _check_org(node_id, node)
    items = [
        HistoryItem(
            event="affiliation",
            date=line["valid_from"],
            id=line["sid"],
            name=line["name"],
            line_kind=line["kind"],
            valid_from=line["valid_from"],
            valid_to=line["valid_to"],
            source=line.get("source"),
            quote=line.get("quote"),
            evidence=evidence_from_canonical(line.get("evidence") or []),
        )
        for line in lines
    ]
    for values in map(_transfer_values, transfers):
        items.append(
            HistoryItem.model_validate(
                {k: v for k, v in values.items() if k != "org"} | {"event": "transfer"}
            )
        )
    items.sort(
        key=lambda i: (
            *_undated_first(i.date),
            i.event,
            i.id,
            i.line_kind or "",
            *_undated_first(i.valid_to),
        )
    )
    return HistoryResult(
        id=node_id,
        label=org["label"],
        kind=org["kind"],
        name=org["name"],
        items=items,
        total=len(items),
    )


def _history_over_graph(view: GraphView, params: HistoryParams) -> HistoryResult:
    with view.reading_graph() as adj:
        attrs = adj.node.get(params.id)
        node = None if attrs is None else {"id": params.id, **attrs}
        _check_org(params.id, node)
        names = {
            key: (target, adj.node[target]["name"])
            for target, key, _ in lines_out(adj, params.id, "AFFILIATED_TO", None)
        }
        edges = view.edge_records(names)
    lines = [
        {
            "sid": names[key][0],
            "name": names[key][1],
            "kind": edge.kind,
            "valid_from": edge.valid_from,
            "valid_to": edge.valid_to,
            "source": edge.props.get("source"),
            "quote": edge.props.get("quote"),
            "evidence": edge.props.get("evidence"),
        }
        for key, edge in edges.items()
    ]
    transfers = [_record_values(t) for t in view.iter_transfers(org=params.id)]
    return history_result(params.id, node, lines, transfers)


HISTORY_CYPHER = f"""
MATCH (o:{NODE_LABEL} {{id: $id}})
CALL (o) {{
  OPTIONAL MATCH (o)-[r:AFFILIATED_TO]->(s:{NODE_LABEL})
  RETURN collect(CASE WHEN r IS NULL THEN null ELSE {{sid: s.id, name: s.name, kind: r.kind,
      valid_from: r.valid_from, valid_to: r.valid_to, source: r.source, quote: r.quote,
      evidence: r.evidence}} END)
      AS lines
}}
CALL (o) {{
  OPTIONAL MATCH (t:{TRANSFER_LABEL} {{org: o.id}})
  RETURN collect(properties(t)) AS transfers
}}
RETURN {cypher_node("o")} AS node, lines, transfers
"""


def _history_from_rows(view: CypherView, rows: Rows, params: HistoryParams) -> HistoryResult:
    if not rows:
        return history_result(params.id, None, [], [])
    row = rows[0]
    return history_result(params.id, row["node"], row["lines"], row["transfers"])


HISTORY: NamedQuery[HistoryParams, HistoryResult] = NamedQuery(
    name="history",
    title="Affiliation history",
    description="The story of one Party organization's affiliation: every AFFILIATED_TO line "
    "it has had to a superior (with basis, dates and source) and every transfer of it "
    "(proposed, pending, retained or carried out), in time order, undated events first.",
    params=HistoryParams,
    result=HistoryResult,
    route=Route("/orgs/{id}/history", "organizations"),
    cypher=HISTORY_CYPHER,
    from_rows=_history_from_rows,
    over_graph=_history_over_graph,
    examples=({"id": "tj-zhonghuan-samsung-jv-pc"}, {"id": "tj-pharma-pc"}),
)
