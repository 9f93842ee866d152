"""Formal lines over time: a load's evidence assembled with the store's into one history.

A record is evidence about the world. A roster row says a branch belonged to a street work
committee from 2016 (and, if the roster has a date, that it still did on that day); a reform
report says the branch was transferred to the county committee on 2021-10-01; a canonical edge
states an interval outright. Each is a piece of evidence (:mod:`loaders.spans`) about a line —
an AFFILIATED_TO line with the same ends and basis (kind) is one line — and the line's
intervals are assembled from all of its pieces, those of this load and those the store already
holds, each keeping its own source and quote (the edge's ``evidence``).

A transfer speaks for itself: ``transferred`` ends the line to ``from`` on its date, whatever
record made that line, and needs a line to ``decided_to`` that begins then; ``retained``
attests the line to ``from`` on its date; ``proposed`` and ``pending`` change no line.

What cannot be reconciled is refused, one located error per line or organization, naming the
pieces: a line said to hold after it ended; two formal superiors on one day (unless every such
line says ``dual_line``); a transfer from a body that was not the organization's superior.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath
from typing import Any

from graph_schema.records import Edge, Transfer
from graph_schema.rows import EDGE_ROW, row_of
from loaders.errors import LoadError
from loaders.spans import Clash, Item, Span, spans
from loaders.validate import Batch, Located
from stores.base import GraphStore

__all__ = ["FORMAL", "Assembled", "assemble"]

FORMAL = "AFFILIATED_TO"

#: a line's identity: organization, superior, basis (kind)
Identity = tuple[str, str, str | None]


@dataclass
class _Line:
    """What is known of one line: its pieces of evidence, where the load's stand, the
    properties its records carry besides the interval, and its stored records."""

    items: set[Item] = field(default_factory=set)
    places: dict[Item, Located] = field(default_factory=dict)
    props: dict[str, Any] = field(default_factory=dict)
    stored: list[Edge] = field(default_factory=list)


@dataclass
class Assembled:
    """The formal lines to write (replacing the load's AFFILIATED_TO records), the keys of
    stored lines they replace, and what could not be reconciled."""

    edges: list[Edge] = field(default_factory=list)
    removed: list[Edge] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    #: indexes of the load's AFFILIATED_TO records (replaced by :attr:`edges`)
    replaced: list[int] = field(default_factory=list)


def _read(item: Located) -> str:
    return f"{PurePath(item.file).name}:{item.line}"


def _own_item(edge: Edge, read: str | None) -> Item:
    """The piece of evidence a record is when it states its interval outright."""
    return Item(
        "interval",
        valid_from=edge.valid_from,
        valid_to=edge.valid_to,
        source=edge.props.get("source"),
        quote=edge.props.get("quote"),
        page=edge.props.get("page"),
        read=read,
    )


def _items_of(edge: Edge, read: str | None) -> list[Item]:
    """An edge's evidence: its ``evidence`` list, or itself as one piece."""
    given = edge.props.get("evidence")
    if not given:
        return [_own_item(edge, read)]
    return [Item.of({**piece, "read": read}) for piece in given]


def _holds(day: date | None, edge: Edge) -> bool:
    return day is not None and edge.active(day)


class _Assembler:
    def __init__(
        self, batch: Batch, store: GraphStore, as_of: date | None, dates: Mapping[str, date]
    ) -> None:
        self.batch, self.store, self.as_of, self.dates = batch, store, as_of, dates
        self.lines: dict[Identity, _Line] = {}
        #: organization → its lines' identities (looked up once per transfer)
        self.of_org: dict[str, list[Identity]] = {}
        self.out = Assembled()
        self._stored_orgs: set[str] = set()
        self._store_has_lines = store.counts().edges_by_type.get(FORMAL, 0) > 0

    def line(self, identity: Identity) -> _Line:
        found = self.lines.get(identity)
        if found is None:
            found = self.lines[identity] = _Line()
            self.of_org.setdefault(identity[0], []).append(identity)
            self._stored(identity[0])
        return found

    def _stored(self, org: str) -> None:
        """Bring in the store's lines of ``org`` (once)."""
        if org in self._stored_orgs:
            return
        self._stored_orgs.add(org)
        if not self._store_has_lines:
            return
        for edge in self.store.edges(org, types=[FORMAL]):
            line = self.line((edge.src, edge.dst, edge.kind))
            line.stored.append(edge)
            line.items.update(_items_of(edge, None))
            for name, value in edge.props.items():
                line.props.setdefault(name, value)

    def add(self, place: Located, edge: Edge, items: Iterable[Item]) -> None:
        line = self.line((edge.src, edge.dst, edge.kind))
        for item in items:
            line.items.add(item)
            line.places.setdefault(item, place)
        line.props.update({k: v for k, v in edge.props.items() if k != "evidence"})

    # -- the load's records ------------------------------------------------------------------

    def take_edges(self) -> None:
        """The load's AFFILIATED_TO records that need assembling: those of an organization
        with more than one line in the load, a transfer, lines in the store, given evidence
        or a table day. The others — nearly all of a province's bulk load — are lines as they
        stand, and are left as they are."""
        edges = self.batch.edges
        formal = [i for i, t in enumerate(edges.column("type")) if t == FORMAL]
        if not formal:
            return
        srcs, rows = edges.column("from"), edges.rows
        evidence, source = EDGE_ROW.index("evidence"), EDGE_ROW.index("source")
        orgs = [srcs[i] for i in formal]
        slow = {org for org, n in Counter(orgs).items() if n > 1}
        slow.update(self.batch.transfers.column("org"))
        if self._store_has_lines:
            slow.update(self.store.node_labels(set(orgs)))
        for i in formal:
            dated = self.as_of is not None or rows[i][source] in self.dates
            if rows[i][evidence] or (dated and edges.is_from_table(i)):
                slow.add(srcs[i])
        for index in formal:
            if srcs[index] in slow:
                self._take_edge(index)

    def _take_edge(self, index: int) -> None:
        self.out.replaced.append(index)
        place = self.batch.edges.located(index)
        edge = place.record
        assert isinstance(edge, Edge)
        items = _items_of(edge, _read(place))
        if place.fields is not None and not edge.props.get("evidence"):
            day = self.as_of or self.dates.get(str(edge.props.get("source")))
            if _holds(day, edge):  # a table of that day: the line held then
                items.append(
                    Item(
                        "holds",
                        date=day,
                        source=edge.props.get("source"),
                        quote=edge.props.get("quote"),
                        page=edge.props.get("page"),
                        read=_read(place),
                    )
                )
        self.add(place, edge, items)

    def take_transfers(self) -> None:
        transfers = self.batch.transfers
        for index in range(len(transfers)):
            place = transfers.located(index)
            transfer = place.record
            assert isinstance(transfer, Transfer)
            if transfer.status in ("transferred", "retained"):
                self._transfer(place, transfer)

    def _to(self, org: str, superior: str) -> list[Identity]:
        self._stored(org)
        return [i for i in self.of_org.get(org, ()) if i[1] == superior]

    def _piece(self, role: str, transfer: Transfer, place: Located) -> Item:
        return Item(
            role,
            date=transfer.date,
            transfer=transfer.id,
            source=transfer.props.get("source"),
            quote=transfer.props.get("quote"),
            read=_read(place),
        )

    def _transfer(self, place: Located, transfer: Transfer) -> None:
        org, before = transfer.org, transfer.props.get("from")
        decided = transfer.props.get("decided_to")
        if transfer.status == "retained":
            if before is None:
                self.error(
                    place,
                    "from",
                    None,
                    "expected a value: a retained transfer names "
                    "the superior the organization stays with",
                )
                return
            found = self._to(org, before)
            if not found:
                self.error(
                    place,
                    "from",
                    before,
                    f"expected an AFFILIATED_TO line {org} → "
                    f"{before} in the load or the store: a retained organization stays "
                    "with its superior",
                )
            for identity in found if transfer.date is not None else ():
                line = self.lines[identity]
                item = self._piece("holds", transfer, place)
                line.items.add(item)
                line.places.setdefault(item, place)
            return
        missing = [n for n, v in (("decided_to", decided), ("date", transfer.date)) if v is None]
        for name in missing:
            self.error(
                place,
                name,
                None,
                "expected a value: a transferred transfer needs the "
                "superior decided on and the date the old line ends and the new one "
                "begins",
            )
        if missing:
            return
        kinds = {i[2] for i in self._to(org, before)} if before is not None else set()
        for superior, role, name in ((before, "ends", "from"), (decided, "begins", "decided_to")):
            if superior is None:
                continue
            found = self._to(org, superior)
            if not found and role == "begins" and len(kinds) == 1:
                found = [(org, superior, next(iter(kinds)))]  # opened with the old line's basis
                self.line(found[0]).props.update(self._opened_props(transfer))
            if not found:
                day = transfer.date.isoformat() if transfer.date else "?"
                what = "ends" if role == "ends" else "begins"
                self.error(
                    place,
                    name,
                    superior,
                    f"expected an AFFILIATED_TO line {org} → "
                    f"{superior} in the load or the store that {what} on {day}: a "
                    "transferred organization leaves its superior and joins the new one "
                    "on the transfer's date; there is no such line",
                )
            for identity in found:
                line = self.lines[identity]
                item = self._piece(role, transfer, place)
                line.items.add(item)
                line.places.setdefault(item, place)

    @staticmethod
    def _opened_props(transfer: Transfer) -> dict[str, Any]:
        """The provenance of a line a transfer opens (no record of the load draws it)."""
        props = {"source": transfer.props.get("source"), "quote": transfer.props.get("quote")}
        return {k: v for k, v in props.items() if v is not None}

    # -- assembling and checking -------------------------------------------------------------

    def error(self, place: Located, name: str, value: object, expected: str) -> None:
        self.out.errors.append(place.error(name, value, expected))

    def _place(self, line: _Line, *items: Item) -> Located | None:
        return next((line.places[i] for i in items if i in line.places), None) or next(
            iter(line.places.values()), None
        )

    def assemble(self) -> dict[str, list[tuple[Identity, Span]]]:
        """Every line's spans, by organization; clashes reported."""
        by_org: dict[str, list[tuple[Identity, Span]]] = {}
        for identity, line in self.lines.items():
            found = spans(line.items)
            if isinstance(found, Clash):
                place = self._place(line, found.second, found.first)
                if place is not None:
                    name = _superior_field(place, identity[1])
                    self.error(place, name, identity[1], _clash(identity, found))
                continue
            by_org.setdefault(identity[0], []).extend((identity, s) for s in found)
            self._edges(identity, line, found)
        return by_org

    def _edges(self, identity: Identity, line: _Line, found: list[Span]) -> None:
        """The records of a line's spans; its stored records no span keeps are removed."""
        keys = set()
        for span in found:
            edge = _edge(identity, line, span)
            keys.add(edge.key)
            self.out.edges.append(edge)
        self.out.removed.extend(e for e in line.stored if e.key not in keys)

    def check_one_superior(self, by_org: Mapping[str, list[tuple[Identity, Span]]]) -> None:
        """An organization has one formal superior on each day, unless its lines say
        ``dual_line``."""
        for lines in by_org.values():
            clash = _overlap(lines, self.lines)
            if clash is None:
                continue
            (first, a), (second, b) = clash
            line = self.lines[first] if self.lines[first].places else self.lines[second]
            other = self.lines[second] if line is self.lines[first] else self.lines[first]
            place = self._place(line) or self._place(other)
            if place is None:
                continue
            day = max((d for d in (a.start, b.start) if d is not None), default=None)
            when = f"on {day.isoformat()}" if day else "since a day no evidence gives"
            superior = place.record.dst if isinstance(place.record, Edge) else first[1]
            self.error(
                place,
                _superior_field(place, superior),
                superior,
                f"expected one formal superior on each day: {first[0]} would belong to "
                f"{first[1]} ({_evidence(a)}) and to {second[1]} ({_evidence(b)}) at once, "
                f"{when}; where that is so on purpose (a joint appointment), mark both lines "
                "dual_line",
            )

    def check_transfers(self, by_org: Mapping[str, list[tuple[Identity, Span]]]) -> None:
        """A transferred organization's new line begins on the transfer's date."""
        transfers = self.batch.transfers
        for index in range(len(transfers)):
            place = transfers.located(index)
            transfer = place.record
            assert isinstance(transfer, Transfer)
            decided = transfer.props.get("decided_to")
            if transfer.status != "transferred" or decided is None or transfer.date is None:
                continue
            lines = [s for i, s in by_org.get(transfer.org, []) if i[1] == decided]
            if lines and not any(s.start == transfer.date for s in lines):
                held = ", ".join(_interval(s) for s in lines)
                self.error(
                    place,
                    "decided_to",
                    decided,
                    f"expected the line {transfer.org} → "
                    f"{decided} to begin on {transfer.date.isoformat()}, the transfer's "
                    f"date; the evidence has it hold {held}",
                )


def _superior_field(place: Located, superior: str) -> str:
    """The field of a record that names the superior of a line: an edge's ``to``, a
    transfer's ``from`` or ``decided_to``."""
    if isinstance(place.record, Transfer):
        return "from" if place.record.props.get("from") == superior else "decided_to"
    return "to"


def _interval(span: Span) -> str:
    start = span.start.isoformat() if span.start else "…"
    end = span.end.isoformat() if span.end else "…"
    return f"[{start}, {end})"


def _evidence(span: Span) -> str:
    return (
        f"{_interval(span)}: "
        + "; ".join(i.said() for i in span.items[:3])
        + ("; …" if len(span.items) > 3 else "")
    )


def _clash(identity: Identity, clash: Clash) -> str:
    return (
        f"expected one history of the line {identity[0]} → {identity[1]}: it "
        f"{clash.first.said()} and {clash.second.said()}, which cannot both be true "
        f"({clash.why}, {clash.day.isoformat()})"
    )


def _before(a: date | None, b: date | None) -> bool:
    """Whether a start ``a`` comes before an end ``b`` (None: open)."""
    return a is None or b is None or a < b


def _overlap(
    lines: list[tuple[Identity, Span]], known: Mapping[Identity, _Line]
) -> tuple[tuple[Identity, Span], tuple[Identity, Span]] | None:
    for n, (first, a) in enumerate(lines):
        for second, b in lines[n + 1 :]:
            if first == second or not (_before(a.start, b.end) and _before(b.start, a.end)):
                continue
            if known[first].props.get("dual_line") and known[second].props.get("dual_line"):
                continue
            return (first, a), (second, b)
    return None


#: the fields of an assembled line that its pieces of evidence decide
_DECIDED = ("evidence", "source", "quote", "page", "valid_from_precision", "valid_to_precision")


def _edge(identity: Identity, line: _Line, span: Span) -> Edge:
    """The record of one interval of a line, with the evidence behind it."""
    org, superior, kind = identity
    first = next((i for i in span.items if i.source is not None), None)
    props = {k: v for k, v in line.props.items() if k not in _DECIDED}
    if first is not None:
        props.update(
            {
                k: v
                for k, v in (("source", first.source), ("quote", first.quote), ("page", first.page))
                if v is not None
            }
        )
    for name, day in (("valid_from_precision", span.start), ("valid_to_precision", span.end)):
        given = line.props.get(name)
        if given is not None and day is not None:
            props[name] = given
    own = len(span.items) == 1 and span.items[0] == Item(
        "interval",
        valid_from=span.start,
        valid_to=span.end,
        source=props.get("source"),
        quote=props.get("quote"),
        page=props.get("page"),
    )
    if not own:
        props["evidence"] = [i.as_dict() for i in span.items]
    return Edge(FORMAL, org, superior, kind, span.start, span.end, props)


def assemble(
    batch: Batch,
    store: GraphStore,
    *,
    as_of: date | None = None,
    source_dates: Mapping[str, date] | None = None,
) -> Assembled:
    """The load's formal lines assembled with the store's, and what cannot be reconciled.

    ``as_of`` is the day the load's tables speak of (``--as-of``); without it a table row's
    day is its source's ``date`` (``source_dates``), if it has one.
    """
    assembler = _Assembler(batch, store, as_of, source_dates or {})
    assembler.take_edges()
    assembler.take_transfers()
    if not assembler.lines:
        return assembler.out
    by_org = assembler.assemble()
    assembler.check_one_superior(by_org)
    assembler.check_transfers(by_org)
    return assembler.out


def replace_formal(batch: Batch, assembled: Assembled) -> None:
    """Put the assembled lines in the load's place of its AFFILIATED_TO records."""
    if not assembled.replaced and not assembled.edges:
        return  # (a bulk load's lines as they stand: no copy of its millions of rows)
    edges = batch.edges
    dropped = set(assembled.replaced)
    kept = [row for index, row in enumerate(edges.rows) if index not in dropped]
    edges.rows = kept + [row_of(edge)[1] for edge in assembled.edges]
