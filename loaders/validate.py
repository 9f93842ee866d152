"""Validation of a whole load: each record against the schema, then the load as a whole.

Per record: the Pydantic models derived from the declaration. Across records: duplicate
ids in one load, references to ids found neither in the load nor in the store (or, if asked
for, placeholder nodes for them), edge endpoints whose labels the declaration does not allow,
provenance naming unknown sources, and transfers that disagree with the AFFILIATED_TO lines.
All errors are collected; none stops the others from being found.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from pydantic import ValidationError

from graph_schema.declaration import NODE_LABELS, REL_TYPES, EndpointRule
from graph_schema.models import validate_record
from graph_schema.records import Edge, Node, Record, Source, Transfer
from loaders.canonical import RawRecord
from loaders.errors import LoadError, from_pydantic
from stores.base import GraphStore

__all__ = [
    "Batch",
    "Invalid",
    "Located",
    "Placeholder",
    "Reference",
    "check_batch",
    "check_transfers",
    "invalid_node",
    "placeholder_label",
    "reference",
    "validate_raw",
]


@dataclass(frozen=True)
class Located:
    """A valid record and the place it was read from.

    ``fields`` names, for a record a source table produced, the column each canonical field
    came from, so that errors found later point at the column the user wrote.
    """

    file: str
    line: int
    record: Record
    fields: Mapping[str, str] | None = None

    def column(self, name: str) -> str:
        """Where the record's field ``name`` came from: its source column, or the field."""
        return name if self.fields is None else self.fields.get(name, name)

    def error(self, name: str, value: object, expected: str) -> LoadError:
        """A located error about the record's field ``name``."""
        return LoadError(self.file, self.line, self.column(name), value, expected)


@dataclass(frozen=True)
class Invalid:
    """A node record that failed validation: its id (and label, if it named a real one).

    Its errors are reported where it stands; references to it are not reported again.
    """

    id: str
    label: str | None


def invalid_node(data: Mapping[str, object]) -> Invalid | None:
    """The :class:`Invalid` of a node record that failed validation, if it has an id."""
    node_id, label = data.get("id"), data.get("label")
    if data.get("record") != "node" or not isinstance(node_id, str) or not node_id:
        return None
    return Invalid(node_id, label if isinstance(label, str) and label in NODE_LABELS else None)


@dataclass
class Batch:
    """The valid records of one load, by kind, in input order."""

    sources: list[Located] = field(default_factory=list)
    nodes: list[Located] = field(default_factory=list)
    edges: list[Located] = field(default_factory=list)
    transfers: list[Located] = field(default_factory=list)
    #: the placeholder nodes made for unknown ids (``check_batch(allow_unresolved=True)``)
    placeholders: list[Placeholder] = field(default_factory=list)
    #: node records that failed validation, by id (their label, if known)
    invalid: dict[str, str | None] = field(default_factory=dict)

    def add(self, item: Located) -> None:
        record = item.record
        if isinstance(record, Node):
            self.nodes.append(item)
        elif isinstance(record, Edge):
            self.edges.append(item)
        elif isinstance(record, Transfer):
            self.transfers.append(item)
        else:
            self.sources.append(item)

    def __len__(self) -> int:
        return len(self.sources) + len(self.nodes) + len(self.edges) + len(self.transfers)


def validate_raw(raw: RawRecord) -> Located | list[LoadError]:
    """Validate one raw record; a located record or all its errors."""
    try:
        return Located(raw.file, raw.line, validate_record(raw.data))
    except ValidationError as exc:
        return from_pydantic(raw.file, raw.line, raw.data, exc.errors())


def _key(record: Record) -> str:
    return record.key if isinstance(record, Edge) else record.id


def _duplicates(items: Iterable[Located], what: str) -> Iterator[LoadError]:
    first: dict[str, Located] = {}
    for item in items:
        key = _key(item.record)
        if key in first:
            seen = first[key]
            field_name = (item.column("id") if what != "edge"
                          else f"{item.column('from')}/{item.column('to')}")
            yield LoadError(item.file, item.line, field_name, key,
                            f"expected each {what} once per load (first at "
                            f"{seen.file}:{seen.line})")
        else:
            first[key] = item


@dataclass(frozen=True)
class Reference:
    """A record's reference to a node id, and the labels that may stand there (in order)."""

    item: Located
    field: str
    id: str
    labels: tuple[str, ...]
    #: for an edge end: the id at the other end and the rules that could apply
    other: str | None = None
    rules: tuple[EndpointRule, ...] = ()


def _rules(edge: Edge) -> tuple[EndpointRule, ...]:
    return tuple(r for r in REL_TYPES[edge.type].endpoints if not r.kinds or edge.kind in r.kinds)


def _references(batch: Batch) -> Iterator[tuple[Located, str, str]]:
    """(record, field, node id) for every node reference in the batch, in input order."""
    for item in batch.edges:
        edge = item.record
        assert isinstance(edge, Edge)
        yield item, "from", edge.src
        yield item, "to", edge.dst
    for item in batch.transfers:
        transfer = item.record
        assert isinstance(transfer, Transfer)
        yield item, "org", transfer.org
        for name in ("from", "proposed_to", "decided_to"):
            value = transfer.props.get(name)
            if value is not None:
                yield item, name, value


def reference(item: Located, field_name: str, node_id: str) -> Reference:
    """A reference with the labels the schema allows at its place."""
    edge = item.record
    if not isinstance(edge, Edge):
        return Reference(item, field_name, node_id, ("PartyOrg",))  # a transfer's ends
    rules = _rules(edge)
    if field_name == "from":
        labels = tuple(dict.fromkeys(label for r in rules for label in r.sources))
        return Reference(item, field_name, node_id, labels, edge.dst, rules)
    labels = tuple(dict.fromkeys(label for r in rules for label in r.targets))
    return Reference(item, field_name, node_id, labels, edge.src, rules)


@dataclass(frozen=True)
class Placeholder:
    """A node made for a reference to an unknown id (``load --allow-unresolved``)."""

    id: str
    label: str
    kind: str
    file: str
    line: int
    field: str

    def __str__(self) -> str:
        return (f"{self.id} ({self.label}, {self.kind}): referenced at {self.file}:{self.line} "
                f"({self.field})")


def placeholder_label(ref: Reference, labels: Mapping[str, str]) -> str:
    """The label of a placeholder for ``ref``: the one its rule allows, else the first.

    Where the other end of an edge is known, only the rules that fit it count.
    """
    other = labels.get(ref.other) if ref.other is not None else None
    if other is not None and ref.rules:
        fitting = [r for r in ref.rules
                   if other in (r.targets if ref.field == "from" else r.sources)]
        if fitting:
            ends = fitting[0].sources if ref.field == "from" else fitting[0].targets
            return ends[0]
    return ref.labels[0]


def _placeholder(ref: Reference, labels: Mapping[str, str]) -> tuple[Located, Placeholder]:
    label = placeholder_label(ref, labels)
    kinds = NODE_LABELS[label].kinds
    kind = "other" if "other" in kinds else next(iter(kinds))
    item = ref.item
    column = item.column(ref.field)
    node = validate_record({
        "record": "node", "id": ref.id, "label": label, "kind": kind,
        "name": f"unresolved: {ref.id}", "unresolved": True,
        "quote": f"placeholder: {ref.id!r} is referenced at {item.file}:{item.line} ({column}) "
                 "but defined neither in the load nor in the store (load --allow-unresolved)"})
    return (Located(item.file, item.line, node),
            Placeholder(ref.id, label, kind, item.file, item.line, column))


def check_batch(batch: Batch, store: GraphStore, *, allow_unresolved: bool = False) -> list[
        LoadError]:
    """Errors of the load as a whole: duplicates, unknown references, bad endpoints, sources,
    and transfers that disagree with the AFFILIATED_TO lines.

    With ``allow_unresolved``, a reference to an unknown id gets a placeholder node instead
    (added to ``batch.nodes`` and listed in ``batch.placeholders``).
    """
    errors: list[LoadError] = []
    for items, what in ((batch.sources, "source"), (batch.nodes, "node"),
                        (batch.edges, "edge"), (batch.transfers, "transfer")):
        errors.extend(_duplicates(items, what))
    labels = {item.record.id: item.record.label for item in batch.nodes
              if isinstance(item.record, Node)}
    errors.extend(_check_relabels(batch, store))
    refs = list(_references(batch))
    unknown = {ref for _, _, ref in refs} - labels.keys()
    labels.update(store.node_labels(unknown))
    for item, name, ref in refs:
        if ref in labels or ref in batch.invalid:
            continue  # known, or invalid and reported where it stands
        if allow_unresolved:
            located, made = _placeholder(reference(item, name, ref), labels)
            batch.add(located)
            batch.placeholders.append(made)
            labels[ref] = made.label
        else:
            errors.append(item.error(name, ref, "expected the id of a node in this load or in "
                                     "the store"))
    errors.extend(_check_endpoints(batch, labels))
    errors.extend(_check_transfer_ends(batch, labels))
    errors.extend(_check_sources(batch, store))
    errors.extend(check_transfers(batch, store, labels))
    return errors


def _check_relabels(batch: Batch, store: GraphStore) -> Iterator[LoadError]:
    """A node already in the store keeps its label (the stores refuse a change; say where)."""
    stored = store.node_labels(item.record.id for item in batch.nodes
                               if isinstance(item.record, Node))
    for item in batch.nodes:
        node = item.record
        assert isinstance(node, Node)
        old = stored.get(node.id)
        if old is not None and old != node.label:
            yield item.error("label", node.label, f"expected {old}: node {node.id!r} is in the "
                             "store as a " + old + "; a label cannot change (use a new id)")


def _check_transfer_ends(batch: Batch, labels: dict[str, str]) -> Iterator[LoadError]:
    """A transfer is about a Party organization and its superiors, all PartyOrg nodes."""
    for item in batch.transfers:
        transfer = item.record
        assert isinstance(transfer, Transfer)
        for name, ref in (("org", transfer.org), *((n, transfer.props.get(n)) for n in (
                "from", "proposed_to", "decided_to"))):
            label = labels.get(ref) if isinstance(ref, str) else None
            if label is not None and label != "PartyOrg":
                yield item.error(name, ref, "expected the id of a PartyOrg, not of a node of "
                                 f"label {label}")


def _check_endpoints(batch: Batch, labels: dict[str, str]) -> Iterator[LoadError]:
    for item in batch.edges:
        edge = item.record
        assert isinstance(edge, Edge)
        src, dst = labels.get(edge.src), labels.get(edge.dst)
        if src is None or dst is None:
            continue  # reported as an unknown reference
        rules = _rules(edge)
        if not any(src in r.sources and dst in r.targets for r in rules):
            allowed = "; ".join(f"{'|'.join(sorted(r.sources))} → {'|'.join(sorted(r.targets))}"
                                for r in rules)
            yield LoadError(item.file, item.line, f"{item.column('from')}/{item.column('to')}",
                            f"{src} → {dst}",
                            f"expected {edge.type}{'/' + edge.kind if edge.kind else ''} "
                            f"between {allowed}")


def _check_sources(batch: Batch, store: GraphStore) -> Iterator[LoadError]:
    """Provenance must name a source record of the load or the store."""
    known = {item.record.id for item in batch.sources if isinstance(item.record, Source)}
    missing: set[str] = set()
    for item in (*batch.nodes, *batch.edges, *batch.transfers):
        ref = item.record.props.get("source")
        if ref is None or ref in known:
            continue
        if ref not in missing and store.get_source(ref) is not None:
            known.add(ref)
            continue
        missing.add(ref)
        yield item.error("source", ref,
                         "expected the id of a source record in this load or in the store")


# -- transfers against the AFFILIATED_TO lines -----------------------------------------------


def _interval(edge: Edge) -> str:
    start = edge.valid_from.isoformat() if edge.valid_from else "…"
    end = edge.valid_to.isoformat() if edge.valid_to else "…"
    return f"[{start}, {end})"


class _Lines:
    """The AFFILIATED_TO lines of an organization after the load: the store's, updated by the
    load's (a line with the same key is replaced). The store is asked only when needed."""

    def __init__(self, batch: Batch, store: GraphStore) -> None:
        self._store = store
        self._batch: dict[str, dict[str, Edge]] = {}
        for item in batch.edges:
            edge = item.record
            if isinstance(edge, Edge) and edge.type == "AFFILIATED_TO":
                self._batch.setdefault(edge.src, {})[edge.key] = edge
        self._merged: dict[str, list[Edge]] = {}

    def of(self, org: str, *, with_store: bool) -> list[Edge]:
        own = self._batch.get(org, {})
        if not with_store:
            return list(own.values())
        if org not in self._merged:
            stored = {e.key: e for e in self._store.edges(org, types=["AFFILIATED_TO"])}
            self._merged[org] = list({**stored, **own}.values())
        return self._merged[org]


def _transfer_problems(item: Located, transfer: Transfer, lines: list[Edge]) -> list[LoadError]:
    org, when = transfer.org, transfer.date
    before = transfer.props.get("from")
    decided = transfer.props.get("decided_to")

    def found(target: str) -> str:
        held = [_interval(e) for e in lines if e.dst == target]
        if not held:
            return f"there is no line {org} → {target} in the load or the store"
        return f"the lines {org} → {target} hold {', '.join(held)}"

    problems: list[LoadError] = []
    if transfer.status == "retained":
        if before is None:
            return [item.error("from", None, "expected a value: a retained transfer names the "
                               "superior the organization stays with")]
        standing = [e for e in lines if e.dst == before and (
            e.active(when) if when is not None else e.valid_to is None)]
        if not standing:
            on = f"on {when.isoformat()}" if when is not None else "still (no valid_to)"
            problems.append(item.error("from", before, f"expected an AFFILIATED_TO line {org} → "
                                       f"{before} standing {on}: a retained organization stays "
                                       f"with its superior; {found(before)}"))
        return problems
    if when is None or decided is None:
        return [item.error(name, None, "expected a value: a transferred transfer needs the "
                           "superior decided on and the date the old line ends and the new "
                           "one begins")
                for name, value in (("decided_to", decided), ("date", when)) if value is None]
    day = when.isoformat()
    if before is not None and not any(e.dst == before and e.valid_to == when for e in lines):
        problems.append(item.error("from", before, f"expected an AFFILIATED_TO line {org} → "
                                   f"{before} that ends on {day} (valid_to {day}): a "
                                   f"transferred organization leaves its superior on the "
                                   f"transfer's date; {found(before)}"))
    if not any(e.dst == decided and e.valid_from == when for e in lines):
        problems.append(item.error("decided_to", decided, f"expected an AFFILIATED_TO line "
                                   f"{org} → {decided} that begins on {day} (valid_from {day}): "
                                   f"a transferred organization joins its new superior on the "
                                   f"transfer's date; {found(decided)}"))
    return problems


def check_transfers(batch: Batch, store: GraphStore, labels: Mapping[str, str]) -> list[
        LoadError]:
    """``transferred`` and ``retained`` transfers must agree with the AFFILIATED_TO lines of
    the load and the store (see FORMAT.md); each that does not is reported."""
    lines = _Lines(batch, store)
    errors: list[LoadError] = []
    for item in batch.transfers:
        transfer = item.record
        assert isinstance(transfer, Transfer)
        if transfer.status not in ("retained", "transferred"):
            continue
        ends = [transfer.org, transfer.props.get("from"), transfer.props.get("decided_to")]
        if any(end is not None and end not in labels for end in ends):
            continue  # an unknown reference, reported as such
        if _transfer_problems(item, transfer, lines.of(transfer.org, with_store=False)):
            errors.extend(_transfer_problems(item, transfer,
                                             lines.of(transfer.org, with_store=True)))
    return errors
