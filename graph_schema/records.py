"""The records stores hold and return: small, typed and cheap to build.

The store interface speaks these, not the Pydantic models: a province has millions of
records, and every record here is already valid (validation happens once, at the edge, in
:mod:`graph_schema.models`). Each has a core of typed fields — identity, discriminator and
validity — and ``props`` for the remaining declared properties (name_en, members, source, …).

``to_canonical`` / ``*_from_canonical`` convert to and from the canonical record dicts of
the canonical format (:mod:`graph_schema.declaration`), which is also how stores persist
records (see :func:`canonical_json`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson

from graph_schema.declaration import JUDGEMENT_FIELDS

__all__ = [
    "Edge",
    "Judgement",
    "Node",
    "Record",
    "Source",
    "Transfer",
    "active",
    "canonical_json",
    "edge_from_canonical",
    "edge_sort_key",
    "evidence_from_canonical",
    "evidence_json",
    "from_canonical",
    "judgement_from_canonical",
    "judgement_to_canonical",
    "node_from_canonical",
    "source_from_canonical",
    "to_canonical",
    "transfer_from_canonical",
]


def active(valid_from: date | None, valid_to: date | None, as_of: date | None) -> bool:
    """Whether a half-open interval [valid_from, valid_to) holds on ``as_of``.

    ``as_of=None`` means "ignore time": every record counts.
    """
    if as_of is None:
        return True
    if valid_from is not None and as_of < valid_from:
        return False
    return valid_to is None or as_of < valid_to


@dataclass(frozen=True, slots=True)
class Node:
    """A node: a Party organization, enterprise, body or area."""

    id: str
    label: str
    kind: str
    name: str
    valid_from: date | None = None
    valid_to: date | None = None
    props: Mapping[str, Any] = field(default_factory=dict)

    def active(self, as_of: date | None) -> bool:
        """Whether the node exists on ``as_of``."""
        return active(self.valid_from, self.valid_to, as_of)


@dataclass(frozen=True, slots=True)
class Edge:
    """A relationship between two nodes, valid over a half-open interval.

    An edge is identified by :attr:`key`: its type, ends, kind and start date. Loading a line
    with the same key again updates it; a line that ended and began again is a second edge.
    """

    type: str
    src: str
    dst: str
    kind: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    props: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The natural key: ``TYPE|from|to|kind|valid_from``."""
        start = self.valid_from.isoformat() if self.valid_from else ""
        return f"{self.type}|{self.src}|{self.dst}|{self.kind or ''}|{start}"

    def active(self, as_of: date | None) -> bool:
        """Whether the line holds on ``as_of``."""
        return active(self.valid_from, self.valid_to, as_of)


@dataclass(frozen=True, slots=True)
class Transfer:
    """A change of affiliation, proposed or carried out."""

    id: str
    org: str
    status: str
    date: date | None = None
    props: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Source:
    """A document facts are taken from."""

    id: str
    props: Mapping[str, Any] = field(default_factory=dict)


Record = Node | Edge | Transfer | Source


@dataclass(frozen=True, slots=True)
class Judgement:
    """A person's judgement of a pair of nodes that may be one body (``a`` < ``b``): its
    fields are :data:`graph_schema.declaration.JUDGEMENT_FIELDS`. Never overwritten: a later
    judgement of the pair, or a withdrawal, marks it ``ended`` and it stays, as history."""

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

    @property
    def pair(self) -> tuple[str, str]:
        return (self.a, self.b)

    @property
    def standing(self) -> bool:
        """Whether it is the pair's judgement now (not superseded, not withdrawn)."""
        return self.ended_at is None


_JUDGEMENT_NAMES = tuple(p.name for p in JUDGEMENT_FIELDS)


def judgement_to_canonical(judgement: Judgement) -> dict[str, Any]:
    """The canonical dict of a judgement (``record: judgement``, empty values left out)."""
    values = {name: getattr(judgement, name) for name in _JUDGEMENT_NAMES}
    return {"record": "judgement", **{k: v for k, v in values.items() if v is not None}}


def judgement_from_canonical(data: Mapping[str, Any]) -> Judgement:
    """Build a :class:`Judgement` from its canonical dict (or a store's properties)."""
    values: dict[str, Any] = {name: data.get(name) for name in _JUDGEMENT_NAMES}
    return Judgement(**values)


def edge_sort_key(edge: Edge) -> tuple[str, str, str, str, date]:
    """The order in which stores return edges: type, ends, kind, start."""
    return (edge.type, edge.src, edge.dst, edge.kind or "", edge.valid_from or date.min)


def _iso(value: Any) -> Any:
    """A value as JSON holds it: dates ``YYYY-MM-DD``, also inside a line's evidence."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [{k: _iso(v) for k, v in item.items()} for item in value]
    return value


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _fields(record: Record) -> dict[str, Any]:
    """The record's canonical fields with their Python values (dates as ``date``), in the
    order the canonical format lists them, empty values left out."""
    out: dict[str, Any]
    if isinstance(record, Node):
        out = {
            "record": "node",
            "id": record.id,
            "label": record.label,
            "kind": record.kind,
            "name": record.name,
            "valid_from": record.valid_from,
            "valid_to": record.valid_to,
        }
    elif isinstance(record, Edge):
        out = {
            "record": "edge",
            "type": record.type,
            "from": record.src,
            "to": record.dst,
            "kind": record.kind,
            "valid_from": record.valid_from,
            "valid_to": record.valid_to,
        }
    elif isinstance(record, Transfer):
        out = {
            "record": "transfer",
            "id": record.id,
            "org": record.org,
            "status": record.status,
            "date": record.date,
        }
    else:
        out = {"record": "source", "id": record.id}
    out.update(record.props)
    return {k: v for k, v in out.items() if v is not None}


def to_canonical(record: Record) -> dict[str, Any]:
    """The canonical dict of a record (dates as ``YYYY-MM-DD``, empty values left out)."""
    return {k: _iso(v) for k, v in _fields(record).items()}


def canonical_json(record: Record) -> str:
    """A deterministic JSON text of the record: equal records give equal texts.

    orjson: several times faster than the standard library on the load path, and it writes
    dates as ``YYYY-MM-DD`` itself.
    """
    return orjson.dumps(_fields(record), option=orjson.OPT_SORT_KEYS).decode()


def _rest(
    data: Mapping[str, Any], core: tuple[str, ...], dates: tuple[str, ...] = ()
) -> dict[str, Any]:
    return {
        k: (_date(v) if k in dates else v)
        for k, v in data.items()
        if k not in core and k != "record" and v is not None
    }


def node_from_canonical(data: Mapping[str, Any]) -> Node:
    """Build a :class:`Node` from a canonical dict that is already valid."""
    core = ("id", "label", "kind", "name", "valid_from", "valid_to")
    return Node(
        data["id"],
        data["label"],
        data["kind"],
        data["name"],
        _date(data.get("valid_from")),
        _date(data.get("valid_to")),
        _rest(data, core),
    )


#: the date fields of a piece of evidence (see ``EVIDENCE_FIELDS`` in the declaration)
_EVIDENCE_DATES = ("date", "valid_from", "valid_to")


def evidence_json(items: Any) -> str:
    """A line's evidence as one text: compact JSON, keys sorted, dates ``YYYY-MM-DD`` — how
    the Neo4j store keeps it (a property cannot hold maps) and exports write it in a cell."""
    return orjson.dumps(list(items), option=orjson.OPT_SORT_KEYS).decode()


def evidence_from_canonical(items: Any) -> list[dict[str, Any]]:
    """An edge's ``evidence`` as stored (JSON text, or dicts with ``YYYY-MM-DD`` dates) as
    records hold it: dicts with ``date`` values, so that every store returns equal edges."""
    if isinstance(items, str):
        items = orjson.loads(items)
    return [
        {k: (_date(v) if k in _EVIDENCE_DATES else v) for k, v in item.items() if v is not None}
        for item in items
    ]


def edge_from_canonical(data: Mapping[str, Any]) -> Edge:
    """Build an :class:`Edge` from a canonical dict that is already valid."""
    core = ("type", "from", "to", "kind", "valid_from", "valid_to")
    rest = _rest(data, core)
    if "evidence" in rest:
        rest["evidence"] = evidence_from_canonical(rest["evidence"])
    return Edge(
        data["type"],
        data["from"],
        data["to"],
        data.get("kind"),
        _date(data.get("valid_from")),
        _date(data.get("valid_to")),
        rest,
    )


def transfer_from_canonical(data: Mapping[str, Any]) -> Transfer:
    """Build a :class:`Transfer` from a canonical dict that is already valid."""
    return Transfer(
        data["id"],
        data["org"],
        data["status"],
        _date(data.get("date")),
        _rest(data, ("id", "org", "status", "date")),
    )


def source_from_canonical(data: Mapping[str, Any]) -> Source:
    """Build a :class:`Source` from a canonical dict that is already valid."""
    return Source(data["id"], _rest(data, ("id",), dates=("date",)))


_FROM_CANONICAL = {
    "node": node_from_canonical,
    "edge": edge_from_canonical,
    "transfer": transfer_from_canonical,
    "source": source_from_canonical,
}


def from_canonical(data: Mapping[str, Any]) -> Record:
    """Build the record named by ``data["record"]``."""
    build: Any = _FROM_CANONICAL[data["record"]]
    record: Record = build(data)
    return record
