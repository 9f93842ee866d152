"""Validation of a whole load: each record against the schema, then the load as a whole.

Per record: the Pydantic models derived from the declaration. Across records: duplicate
ids in one load, references to ids found neither in the load nor in the store, and edge
endpoints whose labels the declaration does not allow. All errors are collected; none stops
the others from being found.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from pydantic import ValidationError

from graph_schema.declaration import REL_TYPES
from graph_schema.models import validate_record
from graph_schema.records import Edge, Node, Record, Source, Transfer
from loaders.canonical import RawRecord
from loaders.errors import LoadError, from_pydantic
from stores.base import GraphStore

__all__ = ["Batch", "Located", "check_batch", "validate_raw"]


@dataclass(frozen=True)
class Located:
    """A valid record and the place it was read from."""

    file: str
    line: int
    record: Record


@dataclass
class Batch:
    """The valid records of one load, by kind, in input order."""

    sources: list[Located] = field(default_factory=list)
    nodes: list[Located] = field(default_factory=list)
    edges: list[Located] = field(default_factory=list)
    transfers: list[Located] = field(default_factory=list)

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
            yield LoadError(item.file, item.line, "id" if what != "edge" else "from/to", key,
                            f"expected each {what} once per load (first at "
                            f"{seen.file}:{seen.line})")
        else:
            first[key] = item


def _references(batch: Batch) -> Iterator[tuple[Located, str, str]]:
    """(record, field, node id) for every node reference in the batch."""
    for item in batch.edges:
        assert isinstance(item.record, Edge)
        yield item, "from", item.record.src
        yield item, "to", item.record.dst
    for item in batch.transfers:
        assert isinstance(item.record, Transfer)
        yield item, "org", item.record.org
        for name in ("from", "proposed_to", "decided_to"):
            value = item.record.props.get(name)
            if value is not None:
                yield item, name, value


def check_batch(batch: Batch, store: GraphStore) -> list[LoadError]:
    """Errors of the load as a whole (duplicates, unknown references, bad endpoints)."""
    errors: list[LoadError] = []
    for items, what in ((batch.sources, "source"), (batch.nodes, "node"),
                        (batch.edges, "edge"), (batch.transfers, "transfer")):
        errors.extend(_duplicates(items, what))
    labels = {item.record.id: item.record.label for item in batch.nodes
              if isinstance(item.record, Node)}
    refs = list(_references(batch))
    unknown = {ref for _, _, ref in refs} - labels.keys()
    labels.update(store.node_labels(unknown))
    for item, name, ref in refs:
        if ref not in labels:
            errors.append(LoadError(item.file, item.line, name, ref,
                                    "expected the id of a node in this load or in the store"))
    errors.extend(_check_endpoints(batch, labels))
    errors.extend(_check_sources(batch, store))
    return errors


def _check_endpoints(batch: Batch, labels: dict[str, str]) -> Iterator[LoadError]:
    for item in batch.edges:
        edge = item.record
        assert isinstance(edge, Edge)
        src, dst = labels.get(edge.src), labels.get(edge.dst)
        if src is None or dst is None:
            continue  # reported as an unknown reference
        rules = [r for r in REL_TYPES[edge.type].endpoints
                 if not r.kinds or edge.kind in r.kinds]
        if not any(src in r.sources and dst in r.targets for r in rules):
            allowed = "; ".join(f"{'|'.join(sorted(r.sources))} → {'|'.join(sorted(r.targets))}"
                                for r in rules)
            yield LoadError(item.file, item.line, "from/to", f"{src} → {dst}",
                            f"expected {edge.type}{'/' + edge.kind if edge.kind else ''} "
                            f"between {allowed}")


def _check_sources(batch: Batch, store: GraphStore) -> Iterator[LoadError]:
    """Provenance must name a source record of the load or the store."""
    known = {item.record.id for item in batch.sources if isinstance(item.record, Source)}
    for item in (*batch.nodes, *batch.edges, *batch.transfers):
        ref = item.record.props.get("source")
        if ref is None or ref in known:
            continue
        if store.get_source(ref) is not None:
            known.add(ref)
            continue
        yield LoadError(item.file, item.line, "source", ref,
                        "expected the id of a source record in this load or in the store")
