"""Undoing a load: one new load that puts back every record the undone load changed.

Nothing is deleted from the history. A revert is itself a load, logged with the load it
reverts: the versions it replaces are kept like any others, so a revert can be reverted
(which puts the reverted load's versions back).

A revert is refused, with the records named, when undoing the load would also undo or break
what a later load did:

* **conflicts** — records the load changed that a later load changed again: putting back
  the earlier version would throw the later one away;
* **dependants** — records of later loads that need what the load made: lines and transfers
  joining a node it created (they would dangle once it goes), records citing a source it
  created, and standing judgements naming a node it created.

With ``force`` the conflicts are put back to their version before the load too, the lines
and transfers joining its nodes are removed, and the judgements naming them withdrawn — all
listed in the log (``forced``). A source that later records still cite is kept (a revert
does not take the evidence of records it does not undo); the revert says so (``kept``).

The plan is worked out inside the revert's writer: on the embedded store the writer holds
the file's write lock, so no load can commit between the plan and the write. (The Neo4j
store takes no such lock: a load committing in the moments between would not be seen.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from graph_schema.records import Edge, Judgement, Node, Source, Transfer
from history.refs import loads_held
from stores.base import GraphStore, StoreError, StoreWriter
from stores.history import (
    Change,
    LoadEntry,
    RecordHistory,
    RecordKey,
    UnknownLoadError,
    WriteInfo,
    record_key,
)

__all__ = [
    "NotRevertibleError",
    "RevertPlan",
    "RevertRefusedError",
    "Reverted",
    "plan_revert",
    "revert",
]

#: records named in a message before "…"
SHOWN = 10
Record = Source | Node | Edge | Transfer


class NotRevertibleError(StoreError, ValueError):
    """A load that no revert can undo: a migration, judgements, or one that changed nothing."""


@dataclass(frozen=True)
class RevertPlan:
    """What reverting load ``load`` would do, and what stands in its way."""

    load: int
    #: what the load did to each record, by key
    changes: list[Change]
    #: records the load changed that a later load changed again → the first such load
    conflicts: dict[RecordKey, int]
    #: later records that need a node or source the load created → the load that wrote them
    dependants: dict[RecordKey, int]
    #: the current version of each dependant record (lines and transfers: removed by force)
    dependant_records: dict[RecordKey, Record]
    #: standing judgements naming a node the load created (withdrawn by force)
    judgements: list[Judgement]
    #: sources the load created that later records cite (kept, even by force)
    cited_sources: tuple[str, ...]

    @property
    def blocked(self) -> bool:
        """Whether a revert without force is refused."""
        return bool(self.conflicts or self.dependants or self.judgements)


@dataclass(frozen=True)
class Reverted:
    """A revert done: the new load's number, how many records of the reverted load it put
    back, the write's counts, and what it undid beyond them (``force``)."""

    load: int
    reverted: int
    counts: Mapping[str, Mapping[str, int]]
    forced: tuple[RecordKey, ...] = ()
    #: sources the reverted load created that later records cite, kept
    kept: tuple[RecordKey, ...] = field(default=())


class RevertRefusedError(StoreError):
    """A revert refused: records a later load changed (``conflicts``), or that need what the
    load made (``dependants``; ``judgements``). ``--force`` reverts those too."""

    def __init__(self, plan: RevertPlan) -> None:
        self.load = plan.load
        self.conflicts = dict(plan.conflicts)
        self.dependants = dict(plan.dependants)
        self.judgements = [j.id for j in plan.judgements]
        parts: list[str] = []
        if plan.conflicts:
            parts.append(
                f"{len(plan.conflicts)} record(s) it changed were changed again by a later "
                f"load: {_named(plan.conflicts)}"
            )
        if plan.dependants:
            parts.append(
                f"{len(plan.dependants)} record(s) of later loads need a node or source it "
                f"created: {_named(plan.dependants)}"
            )
        if plan.judgements:
            shown = ", ".join(f"{j.a} / {j.b} ({j.verdict})" for j in plan.judgements[:SHOWN])
            more = " …" if len(plan.judgements) > SHOWN else ""
            parts.append(
                f"{len(plan.judgements)} standing judgement(s) name a node it created: "
                f"{shown}{more}"
            )
        super().__init__(
            f"load {plan.load} cannot be reverted: {'; '.join(parts)}. Revert the later "
            "loads first, or revert with --force to put these back as they were before "
            f"load {plan.load} too"
        )


def _named(found: Mapping[RecordKey, int]) -> str:
    items = sorted(found.items(), key=lambda item: (item[1], item[0]))
    shown = ", ".join(f"{key!r} (load {load})" for key, load in items[:SHOWN])
    return shown + (" …" if len(items) > SHOWN else "")


def _history(store: GraphStore) -> RecordHistory:
    if not isinstance(store, RecordHistory):
        raise UnknownLoadError(f"{store.location} keeps no load log")
    return store


def _revertible(store: GraphStore, number: int) -> LoadEntry:
    """The log entry of a load a revert may undo; else why not."""
    history = _history(store)
    entry = history.load_entry(number)
    if entry is None or number < history.first_load():
        raise UnknownLoadError(f"load {number}: {loads_held(store)}")
    if entry.kind == "migrated":
        raise NotRevertibleError(
            f"load {number} is the migration of a store made before the log: the state "
            "before it was not kept, so it cannot be reverted"
        )
    if entry.kind == "judgement":
        raise NotRevertibleError(
            f"load {number} recorded judgements of possible duplicates: withdraw them "
            "instead (the Duplicates view, or DELETE /api/duplicates/judgements)"
        )
    if not entry.changed:
        raise NotRevertibleError(f"load {number} changed nothing: there is nothing to revert")
    if entry.reverted_by is not None:
        undone = history.load_entry(entry.reverted_by)
        if undone is not None and undone.reverted_by is None:
            raise NotRevertibleError(
                f"load {number} was reverted by load {entry.reverted_by}; to put load "
                f"{number}'s records back, revert load {entry.reverted_by}"
            )
    return entry


def _later_loads(history: RecordHistory, number: int) -> list[int]:
    """The loads after ``number`` that changed something."""
    found = []
    for later in range(number + 1, history.last_load() + 1):
        entry = history.load_entry(later)
        if entry is not None and entry.changed:
            found.append(later)
    return found


def _later_records(
    history: RecordHistory, later: list[int]
) -> dict[RecordKey, tuple[Record | None, int]]:
    """Every record the ``later`` loads changed, as the store holds it now (None: removed),
    with the last of them to change it: the only records that can need what an earlier load
    created (before it, its nodes and sources did not exist, and a load refuses references
    to unknown ones)."""
    latest: dict[RecordKey, tuple[Record | None, int]] = {}
    for load in later:
        for change in history.changed_by(load):
            latest[change.key] = (change.after, load)
    return latest


def _conflicts(
    changes: list[Change],
    changed_later: Mapping[RecordKey, int],
    now: Mapping[RecordKey, tuple[Record | None, int]],
) -> dict[RecordKey, int]:
    """The records a later load changed that do not stand as the load left them: a record a
    later load changed and its revert put back is no conflict."""
    left = {change.key: change.after for change in changes}
    return {
        key: first
        for key, first in changed_later.items()
        if key not in now or now[key][0] != left.get(key)
    }


def _cites(record: Record, sources: set[str]) -> bool:
    props: Mapping[str, Any] = record.props
    if props.get("source") in sources:
        return True
    evidence = props.get("evidence") or ()
    return any(isinstance(item, Mapping) and item.get("source") in sources for item in evidence)


def _joins(record: Record, nodes: set[str]) -> bool:
    if isinstance(record, Edge):
        return record.src in nodes or record.dst in nodes
    if isinstance(record, Transfer):
        named = {record.org, *(record.props.get(k) for k in ("from", "proposed_to", "decided_to"))}
        return bool(named & nodes)
    return False


def plan_revert(store: GraphStore, number: int) -> RevertPlan:
    """What reverting load ``number`` would do and what stands in its way (see the module
    docstring). :class:`UnknownLoadError` for a load not in the log; :class:`NotRevertibleError`
    for a migration, a judgement load, one that changed nothing, or one already reverted."""
    history = _history(store)
    _revertible(store, number)
    changes = history.changed_by(number)
    own = {change.key for change in changes}
    later = _later_loads(history, number)
    # no later load changed anything: nothing can conflict (the usual undo of the last load)
    changed_later = history.changed_after(own, number) if later else {}
    created = {c.key for c in changes if c.before is None and c.after is not None}
    nodes = {key.id for key in created if key.kind == "node"}
    sources = {key.id for key in created if key.kind == "source"}
    now = _later_records(history, later) if changed_later or nodes or sources else {}
    conflicts = _conflicts(changes, changed_later, now)
    dependants: dict[RecordKey, int] = {}
    records: dict[RecordKey, Record] = {}
    cited: set[str] = set()
    if nodes or sources:
        for key, (record, load) in now.items():
            if key in own or record is None:
                continue  # a record of the load itself (a conflict, if any), or one gone
            if _joins(record, nodes):
                dependants[key] = load
                records[key] = record
            elif sources and _cites(record, sources):
                dependants[key] = load  # stands in the way; by force its source is kept
                cited |= {s for s in sources if _cites(record, {s})}
    judgements = [j for j in store.iter_judgements(standing=True) if j.a in nodes or j.b in nodes]
    return RevertPlan(
        number, changes, conflicts, dependants, records, judgements, tuple(sorted(cited))
    )


def _apply(writer: StoreWriter, plan: RevertPlan, force: bool, who: str) -> None:
    """Write the plan: what the load created goes (lines before nodes), what it updated or
    removed comes back as its version before the load."""
    removed: dict[str, list[str]] = {}
    restored: dict[str, list[Record]] = {}
    kept = set(plan.cited_sources)
    for change in plan.changes:
        if change.before is None:
            if not (change.key.kind == "source" and change.key.id in kept):
                removed.setdefault(change.key.kind, []).append(change.key.id)
        else:
            restored.setdefault(change.key.kind, []).append(change.before)
    if force:  # later lines and transfers joining a node the load made go with it
        for key, record in plan.dependant_records.items():
            removed.setdefault(key.kind, []).append(record_key(record).id)
        if plan.judgements:
            writer.end_judgements(
                sorted({j.pair for j in plan.judgements}),
                at=datetime.now(UTC).isoformat(timespec="microseconds"),
                how="withdrawn",
                who=who or writer.info.author(),
            )
    for kind in ("edge", "transfer", "node", "source"):
        if removed.get(kind):
            writer.remove(kind, removed[kind])
    _restore(writer, restored)


def _restore(writer: StoreWriter, restored: Mapping[str, Iterable[Record]]) -> None:
    """Upsert the versions put back: sources and nodes before the lines that need them."""
    writer.upsert_sources(r for r in restored.get("source", ()) if isinstance(r, Source))
    writer.upsert_nodes(r for r in restored.get("node", ()) if isinstance(r, Node))
    writer.upsert_edges(r for r in restored.get("edge", ()) if isinstance(r, Edge))
    writer.upsert_transfers(r for r in restored.get("transfer", ()) if isinstance(r, Transfer))


def _forced(plan: RevertPlan) -> tuple[RecordKey, ...]:
    """What a forced revert undoes beyond the load's own records: the conflicts put back,
    the dependant lines and transfers removed, the judgements withdrawn."""
    keys = sorted({*plan.conflicts, *plan.dependant_records})
    return (*keys, *(RecordKey("judgement", j.id) for j in plan.judgements))


def revert(
    store: GraphStore, number: int, *, force: bool = False, who: str = "", message: str = ""
) -> Reverted:
    """Revert load ``number`` as one write (see the module docstring): refused with
    :class:`RevertRefusedError` when later loads changed its records or need what it made,
    unless ``force``. Returns the new load's number and what it did."""
    _revertible(store, number)  # refused before taking the write lock, if it can be
    with store.writer() as writer:
        plan = plan_revert(store, number)
        if plan.blocked and not force:
            raise RevertRefusedError(plan)
        forced = _forced(plan) if force else ()
        writer.info = WriteInfo(
            kind="revert",
            who=who,
            message=message or f"revert of load {number}",
            reverts=number,
            forced=forced,
        )
        _apply(writer, plan, force, who)
    counts = {kind: dict(c) for kind, c in writer.summary.counts.items()}
    kept = tuple(RecordKey("source", s) for s in plan.cited_sources)
    return Reverted(writer.load, len(plan.changes), counts, forced, kept)
