"""Validation of a whole load: each record against the schema, then the load as a whole.

Per record: the Pydantic models derived from the declaration (for canonical CSV, the same
rules a column at a time first: :mod:`graph_schema.bulk`). Across records: duplicate
ids in one load, references to ids found neither in the load nor in the store (or, if asked
for, placeholder nodes for them), edge endpoints whose labels the declaration does not allow,
provenance naming unknown sources, and transfers that disagree with the AFFILIATED_TO lines.
All errors are collected; none stops the others from being found.

A load's valid records are held as rows (:class:`Rows`), and the checks across records ask
whole columns first (sets of ids, of label pairs, of sources): single records are looked at,
and made into :class:`Located` records, only where there is something to report.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress, count
from operator import itemgetter
from typing import Any

from pydantic import ValidationError

from graph_schema.declaration import NODE_LABELS, REL_TYPES, EndpointRule
from graph_schema.models import validate_record
from graph_schema.records import Edge, Record, Transfer
from graph_schema.rows import EDGE_ROW, ROW_FIELDS, Row, edge_key, record_of, row_of
from loaders.canonical import RawRecord
from loaders.errors import LoadError, Notice, from_pydantic
from stores.base import GraphStore

__all__ = [
    "Batch",
    "Invalid",
    "Located",
    "Placeholder",
    "Reference",
    "Rows",
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


class Rows:
    """The valid records of one kind in a load, as rows (:mod:`graph_schema.rows`), in input
    order, with the file and line each was read from.

    A province load holds millions of them: rows take a fraction of the memory records take,
    lines are packed in an array, files are kept per run of rows, and the source columns of
    records a source table produced only for those. :meth:`located` makes the
    :class:`Located` record of one row, where an error or a placeholder needs it.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.fields = ROW_FIELDS[kind]
        self.rows: list[Row] = []
        self.lines = array("q")
        self._starts: list[int] = []  # index of the first row of each file's run
        self._files: list[str] = []
        self._columns: dict[int, Mapping[str, str]] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def _file(self, file: str) -> None:
        if self._files and self._files[-1] == file:
            return
        if self._starts and self._starts[-1] == len(self.rows):  # an empty run: replace it
            self._files[-1] = file
            return
        self._starts.append(len(self.rows))
        self._files.append(file)

    def add(self, file: str, line: int, row: Row, columns: Mapping[str, str] | None = None) -> None:
        """Add one row read at ``file:line`` (``columns``: its fields' source columns)."""
        self._file(file)
        if columns is not None:
            self._columns[len(self.rows)] = columns
        self.rows.append(row)
        self.lines.append(line)

    def extend(self, file: str, rows: Sequence[Row], lines: Iterable[int]) -> None:
        """Add rows read from ``file``, at ``lines``."""
        if rows:
            self._file(file)
            self.rows.extend(rows)
            self.lines.extend(lines)

    def file(self, index: int) -> str:
        return self._files[bisect_right(self._starts, index) - 1]

    def located(self, index: int) -> Located:
        """The record of row ``index`` and where it was read."""
        return Located(
            self.file(index),
            self.lines[index],
            record_of(self.kind, self.rows[index]),
            self._columns.get(index),
        )

    def is_from_table(self, index: int) -> bool:
        """Whether row ``index`` was made by a source table (its fields have columns)."""
        return index in self._columns

    def column(self, name: str) -> list[Any]:
        """Every row's value of the field ``name``, in order."""
        return list(map(itemgetter(self.fields.index(name)), self.rows))

    def take(self) -> list[Row]:
        """The rows, which this object then no longer holds (to free them once written)."""
        rows, self.rows = self.rows, []
        return rows


@dataclass
class Batch:
    """The valid records of one load, by kind, in input order."""

    sources: Rows = field(default_factory=lambda: Rows("source"))
    nodes: Rows = field(default_factory=lambda: Rows("node"))
    edges: Rows = field(default_factory=lambda: Rows("edge"))
    transfers: Rows = field(default_factory=lambda: Rows("transfer"))
    #: the placeholder nodes made for unknown ids (``check_batch(allow_unresolved=True)``)
    placeholders: list[Placeholder] = field(default_factory=list)
    #: node records that failed validation, by id (their label, if known)
    invalid: dict[str, str | None] = field(default_factory=dict)
    #: what checking the load found that the user should know (a name read as an id)
    notices: list[Notice] = field(default_factory=list)

    def of(self, kind: str) -> Rows:
        """The rows of a record kind."""
        return {
            "source": self.sources,
            "node": self.nodes,
            "edge": self.edges,
            "transfer": self.transfers,
        }[kind]

    def add(self, item: Located) -> None:
        kind, row = row_of(item.record)
        self.of(kind).add(item.file, item.line, row, item.fields)

    def __len__(self) -> int:
        return len(self.sources) + len(self.nodes) + len(self.edges) + len(self.transfers)


def validate_raw(raw: RawRecord) -> Located | list[LoadError]:
    """Validate one raw record; a located record or all its errors."""
    try:
        return Located(raw.file, raw.line, validate_record(raw.data))
    except ValidationError as exc:
        return from_pydantic(raw.file, raw.line, raw.data, exc.errors())


def _where(column: Iterable[Any], values: Collection[Any]) -> Iterator[int]:
    """The indexes at which ``column`` holds one of ``values`` (a C-speed scan)."""
    return compress(count(), map(values.__contains__, column))


def _edge_keys(edges: Rows, indexes: Iterable[int]) -> Iterator[tuple[int, str]]:
    rows = edges.rows
    return ((i, edge_key(rows[i])) for i in indexes)


def _duplicates(
    rows: Rows, what: str, ids: Sequence[str] | None = None, *, ends: Collection[str] = ()
) -> Iterator[LoadError]:
    """Each record whose id (an edge: key) an earlier record of the load has.

    For edges, ``ends`` holds (at least) every id they name.
    """
    if what == "edge":
        edges = rows.rows
        if "|" in "".join(ends):  # ids holding the key's separator: compare the keys
            distinct = len(set(map(edge_key, edges)))
        else:  # the key's fields are the key; equal fields, equal hashes
            distinct = len(set(map(hash, map(itemgetter(*_EDGE_KEY), edges))))
        if distinct == len(edges):
            return
        # a formal line's records are pieces of evidence, assembled into one history
        # (loaders.assemble), not records that must be given once
        keys: Iterable[tuple[int, str]] = _edge_keys(
            rows, (i for i, row in enumerate(edges) if row[0] != "AFFILIATED_TO")
        )
    else:
        assert ids is not None
        if len(set(ids)) == len(ids):
            return
        keys = enumerate(ids)
    first: dict[str, int] = {}
    for index, key in keys:
        if key not in first:
            first[key] = index
            continue
        item, seen = rows.located(index), first[key]
        field_name = (
            item.column("id") if what != "edge" else f"{item.column('from')}/{item.column('to')}"
        )
        yield LoadError(
            item.file,
            item.line,
            field_name,
            key,
            f"expected each {what} once per load (first at {rows.file(seen)}:{rows.lines[seen]})",
        )


#: the fields that make an edge's key (see :func:`graph_schema.rows.edge_key`)
_EDGE_KEY = tuple(EDGE_ROW.index(name) for name in ("type", "from", "to", "kind", "valid_from"))


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


def _type_rules(type_: str, kind: str | None) -> tuple[EndpointRule, ...]:
    return tuple(r for r in REL_TYPES[type_].endpoints if not r.kinds or kind in r.kinds)


def _rules(edge: Edge) -> tuple[EndpointRule, ...]:
    return _type_rules(edge.type, edge.kind)


#: the fields of a transfer that name a node (besides ``org``), in the order they are checked
_TRANSFER_REFS = ("from", "proposed_to", "decided_to")


def _references(batch: Batch, wanted: Collection[str]) -> Iterator[tuple[Located, str, str]]:
    """(record, field, node id) for every reference to one of the ``wanted`` ids in the
    batch, in input order."""
    edges = batch.edges
    src, dst = edges.column("from"), edges.column("to")
    for index in sorted({*_where(src, wanted), *_where(dst, wanted)}):
        item = edges.located(index)
        for name, ref in (("from", src[index]), ("to", dst[index])):
            if ref in wanted:
                yield item, name, ref
    for index in range(len(batch.transfers)):
        item = batch.transfers.located(index)
        transfer = item.record
        assert isinstance(transfer, Transfer)
        for name, ref in (
            ("org", transfer.org),
            *((n, transfer.props.get(n)) for n in _TRANSFER_REFS),
        ):
            if ref is not None and ref in wanted:
                yield item, name, ref


def _referenced(batch: Batch) -> set[str]:
    """Every node id the batch refers to."""
    found = {*batch.edges.column("from"), *batch.edges.column("to"), *batch.transfers.column("org")}
    for name in _TRANSFER_REFS:
        found.update(batch.transfers.column(name))
    found.discard(None)
    return found


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
        return (
            f"{self.id} ({self.label}, {self.kind}): referenced at {self.file}:{self.line} "
            f"({self.field})"
        )


def placeholder_label(ref: Reference, labels: Mapping[str, str]) -> str:
    """The label of a placeholder for ``ref``: the one its rule allows, else the first.

    Where the other end of an edge is known, only the rules that fit it count.
    """
    other = labels.get(ref.other) if ref.other is not None else None
    if other is not None and ref.rules:
        fitting = [
            r for r in ref.rules if other in (r.targets if ref.field == "from" else r.sources)
        ]
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
    node = validate_record(
        {
            "record": "node",
            "id": ref.id,
            "label": label,
            "kind": kind,
            "name": f"unresolved: {ref.id}",
            "unresolved": True,
            "quote": f"placeholder: {ref.id!r} is referenced at {item.file}:{item.line} ({column}) "
            "but defined neither in the load nor in the store (load --allow-unresolved)",
        }
    )
    return (
        Located(item.file, item.line, node),
        Placeholder(ref.id, label, kind, item.file, item.line, column),
    )


def check_batch(
    batch: Batch, store: GraphStore, *, allow_unresolved: bool = False
) -> list[LoadError]:
    """Errors of the load as a whole: duplicates, unknown references, bad endpoints, sources,
    and transfers that disagree with the AFFILIATED_TO lines.

    With ``allow_unresolved``, a reference to an unknown id gets a placeholder node instead
    (added to ``batch.nodes`` and listed in ``batch.placeholders``).

    Each check first asks the whole batch at once (sets of ids, of label pairs, of sources)
    and looks at single records only where that finds something to report.
    """
    errors: list[LoadError] = []
    ids = batch.nodes.column("id")
    referenced = _referenced(batch)
    errors.extend(_duplicates(batch.sources, "source", batch.sources.column("id")))
    errors.extend(_duplicates(batch.nodes, "node", ids))
    errors.extend(_duplicates(batch.edges, "edge", ends=referenced))
    errors.extend(_duplicates(batch.transfers, "transfer", batch.transfers.column("id")))
    labels = dict(zip(ids, batch.nodes.column("label"), strict=True))
    errors.extend(_check_relabels(batch, store, ids))
    del ids
    unknown = referenced - labels.keys()
    del referenced
    labels.update(store.node_labels(unknown))
    unresolved = unknown - labels.keys() - batch.invalid.keys()
    if unresolved:  # a source table may name a node instead of giving its id
        from loaders.names import resolve_names  # (it builds on this module)

        named = resolve_names(batch, store, unresolved)
        labels.update(named.labels)
        errors.extend(named.errors)
        batch.notices.extend(named.notices)
        refused = {(e.file, e.line, repr(e.value)) for e in named.errors}
    else:
        refused = set()
    for item, name, ref in _references(batch, unresolved) if unresolved else ():
        if (item.file, item.line, repr(ref)) in refused:
            continue  # a name of several nodes: reported as such
        if ref in labels:
            continue  # a placeholder made for an earlier reference
        if allow_unresolved:
            located, made = _placeholder(reference(item, name, ref), labels)
            batch.add(located)
            batch.placeholders.append(made)
            labels[ref] = made.label
        else:
            errors.append(
                item.error(name, ref, "expected the id of a node in this load or in the store")
            )
    errors.extend(_check_endpoints(batch, labels))
    errors.extend(_check_transfer_ends(batch, labels))
    errors.extend(_check_sources(batch, store))
    return errors


def _check_relabels(batch: Batch, store: GraphStore, ids: Sequence[str]) -> Iterator[LoadError]:
    """A node already in the store keeps its label (the stores refuse a change; say where)."""
    stored = store.node_labels(ids)
    if not stored:
        return
    labels = batch.nodes.column("label")
    for index in _where(ids, stored.keys()):
        old, label = stored[ids[index]], labels[index]
        if old != label:
            item = batch.nodes.located(index)
            yield item.error(
                "label",
                label,
                f"expected {old}: node {ids[index]!r} is in the "
                "store as a " + old + "; a label cannot change (use a new id)",
            )


def _check_transfer_ends(batch: Batch, labels: dict[str, str]) -> Iterator[LoadError]:
    """A transfer is about a Party organization and its superiors, all PartyOrg nodes."""
    for index in range(len(batch.transfers)):
        item = batch.transfers.located(index)
        transfer = item.record
        assert isinstance(transfer, Transfer)
        for name, ref in (
            ("org", transfer.org),
            *((n, transfer.props.get(n)) for n in _TRANSFER_REFS),
        ):
            label = labels.get(ref) if isinstance(ref, str) else None
            if label is not None and label != "PartyOrg":
                yield item.error(
                    name, ref, f"expected the id of a PartyOrg, not of a node of label {label}"
                )


def _rule_fits(type_: str, kind: str | None, src: str, dst: str) -> bool:
    return any(src in r.sources and dst in r.targets for r in _type_rules(type_, kind))


def _check_endpoints(batch: Batch, labels: dict[str, str]) -> Iterator[LoadError]:
    edges = batch.edges
    if not edges:
        return

    def combos() -> Iterator[tuple[str, str | None, str | None, str | None]]:
        return zip(
            edges.column("type"),
            edges.column("kind"),
            map(labels.get, edges.column("from")),
            map(labels.get, edges.column("to")),
            strict=True,
        )

    # the distinct (type, kind, source label, target label) of the batch: a handful
    wrong = {
        combo
        for combo in set(combos())
        if combo[2] is not None and combo[3] is not None and not _rule_fits(*combo)  # type: ignore[arg-type]
    }
    if not wrong:
        return  # (an edge with an end of no known label is reported as an unknown reference)
    for index in _where(combos(), wrong):
        item = edges.located(index)
        edge = item.record
        assert isinstance(edge, Edge)
        src, dst = labels[edge.src], labels[edge.dst]
        allowed = "; ".join(
            f"{'|'.join(sorted(r.sources))} → {'|'.join(sorted(r.targets))}" for r in _rules(edge)
        )
        yield LoadError(
            item.file,
            item.line,
            f"{item.column('from')}/{item.column('to')}",
            f"{src} → {dst}",
            f"expected {edge.type}{'/' + edge.kind if edge.kind else ''} between {allowed}",
        )


def _check_sources(batch: Batch, store: GraphStore) -> Iterator[LoadError]:
    """Provenance must name a source record of the load or the store."""
    known = set(batch.sources.column("id"))
    cited = {kind: batch.of(kind).column("source") for kind in ("node", "edge", "transfer")}
    named = set().union(*cited.values()) - known
    named.discard(None)
    missing = {ref for ref in named if store.get_source(ref) is None}
    if not missing:
        return
    for kind, column in cited.items():
        rows = batch.of(kind)
        for index in _where(column, missing):
            ref = column[index]
            yield rows.located(index).error(
                "source", ref, "expected the id of a source record in this load or in the store"
            )


# -- transfers against the AFFILIATED_TO lines -----------------------------------------------


def _interval(edge: Edge) -> str:
    start = edge.valid_from.isoformat() if edge.valid_from else "…"
    end = edge.valid_to.isoformat() if edge.valid_to else "…"
    return f"[{start}, {end})"


class _Lines:
    """The AFFILIATED_TO lines of some organizations after the load: the store's, updated by
    the load's (a line with the same key is replaced). The store is asked only when needed."""

    def __init__(self, batch: Batch, store: GraphStore, orgs: Collection[str]) -> None:
        self._store = store
        self._batch: dict[str, dict[str, Edge]] = {}
        edges = batch.edges
        types = edges.column("type")
        for index in _where(edges.column("from"), orgs):
            if types[index] == "AFFILIATED_TO":
                edge = record_of("edge", edges.rows[index])
                assert isinstance(edge, Edge)
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
            return [
                item.error(
                    "from",
                    None,
                    "expected a value: a retained transfer names the "
                    "superior the organization stays with",
                )
            ]
        standing = [
            e
            for e in lines
            if e.dst == before and (e.active(when) if when is not None else e.valid_to is None)
        ]
        if not standing:
            on = f"on {when.isoformat()}" if when is not None else "still (no valid_to)"
            problems.append(
                item.error(
                    "from",
                    before,
                    f"expected an AFFILIATED_TO line {org} → "
                    f"{before} standing {on}: a retained organization stays "
                    f"with its superior; {found(before)}",
                )
            )
        return problems
    if when is None or decided is None:
        return [
            item.error(
                name,
                None,
                "expected a value: a transferred transfer needs the "
                "superior decided on and the date the old line ends and the new "
                "one begins",
            )
            for name, value in (("decided_to", decided), ("date", when))
            if value is None
        ]
    day = when.isoformat()
    if before is not None and not any(e.dst == before and e.valid_to == when for e in lines):
        problems.append(
            item.error(
                "from",
                before,
                f"expected an AFFILIATED_TO line {org} → "
                f"{before} that ends on {day} (valid_to {day}): a "
                f"transferred organization leaves its superior on the "
                f"transfer's date; {found(before)}",
            )
        )
    if not any(e.dst == decided and e.valid_from == when for e in lines):
        problems.append(
            item.error(
                "decided_to",
                decided,
                f"expected an AFFILIATED_TO line "
                f"{org} → {decided} that begins on {day} (valid_from {day}): "
                f"a transferred organization joins its new superior on the "
                f"transfer's date; {found(decided)}",
            )
        )
    return problems


def check_transfers(batch: Batch, store: GraphStore, labels: Mapping[str, str]) -> list[LoadError]:
    """``transferred`` and ``retained`` transfers must agree with the AFFILIATED_TO lines of
    the load and the store (see FORMAT.md); each that does not is reported."""
    decided: list[tuple[Located, Transfer]] = []
    for index in range(len(batch.transfers)):
        item = batch.transfers.located(index)
        if isinstance(item.record, Transfer) and item.record.status in ("retained", "transferred"):
            decided.append((item, item.record))
    if not decided:
        return []
    lines = _Lines(batch, store, {transfer.org for _, transfer in decided})
    errors: list[LoadError] = []
    for item, transfer in decided:
        ends = [transfer.org, transfer.props.get("from"), transfer.props.get("decided_to")]
        if any(end is not None and end not in labels for end in ends):
            continue  # an unknown reference, reported as such
        if _transfer_problems(item, transfer, lines.of(transfer.org, with_store=False)):
            errors.extend(
                _transfer_problems(item, transfer, lines.of(transfer.org, with_store=True))
            )
    return errors
