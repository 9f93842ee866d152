"""Record time: the load log and every version of every record, on both stores.

A record is evidence as it was loaded. A load that changes a record does not overwrite what
the store knew: the replaced version is kept with the load that wrote it and the load that
replaced it, so any load can be undone (:mod:`history.revert`) and any answer given again
as the graph stood after an earlier load (:mod:`history.recorded`).

Numbers
-------
* Every write is one **load**, numbered 1, 2, 3 … in the order they committed, whether it
  changed anything or not (a reload of the same file is logged as "nothing changed").
* A store's **generation** is the number of its last load that changed something: what a
  read is of, and what an answer is cited by ("at load 41").
* A store file made before the log (schema version 6 and earlier) is migrated once: its
  records become the versions of one load, kind ``migrated``, numbered by its old
  generation; earlier loads were not kept and cannot be asked for.

Each store keeps the log, the replaced versions and the tags in its own file or database
(:class:`RecordHistory`); what to do with them — revert, as-recorded answers, references by
tag or time — is written once, above the stores, in :mod:`history`.
"""

from __future__ import annotations

import getpass
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from graph_schema.records import Edge, Judgement, Node, Source, Transfer
from stores.base import StoreError

__all__ = [
    "LOAD_KINDS",
    "RECORD_KINDS",
    "Change",
    "FileRef",
    "LoadEntry",
    "LoadKind",
    "NodeInUseError",
    "RecordHistory",
    "RecordKey",
    "RecordedRecords",
    "Revision",
    "TagError",
    "UnknownLoadError",
    "WriteInfo",
    "file_ref",
    "now_utc",
    "record_key",
]

#: The kinds of record whose versions are kept (judgements keep their own history: ended,
#: never rewritten).
RECORD_KINDS = ("source", "node", "edge", "transfer")
RecordKind = Literal["source", "node", "edge", "transfer"]

LoadKind = Literal["load", "revert", "judgement", "write", "migrated"]
#: What a load was: a load of files, a revert of another load, a judgement of candidate
#: duplicates, any other write (e.g. a copy between stores), or the migration of a store
#: made before the log.
LOAD_KINDS: tuple[LoadKind, ...] = ("load", "revert", "judgement", "write", "migrated")

Record = Source | Node | Edge | Transfer


class RecordKey(tuple[str, str]):
    """(record kind, id): an edge's id is its ``key``."""

    __slots__ = ()

    def __new__(cls, kind: str, record_id: str) -> RecordKey:
        return super().__new__(cls, (kind, record_id))

    @property
    def kind(self) -> str:
        return self[0]

    @property
    def id(self) -> str:
        return self[1]

    def __repr__(self) -> str:
        return f"{self[0]} {self[1]}"


def record_key(record: Record) -> RecordKey:
    """The key of a record: its kind and id (an edge: its key)."""
    if isinstance(record, Edge):
        return RecordKey("edge", record.key)
    kind = "node" if isinstance(record, Node) else type(record).__name__.lower()
    return RecordKey(kind, record.id)


def now_utc() -> str:
    """The time of a load as the log writes it: ISO 8601, UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class FileRef:
    """A file a load read: its name as given, sha256 and size in bytes."""

    name: str
    sha256: str
    size: int


def file_ref(path: Path) -> FileRef:
    """Hash a file in 1 MiB blocks (a province's CSV need not fit in memory twice)."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
            size += len(block)
    return FileRef(str(path), digest.hexdigest(), size)


@dataclass(frozen=True)
class WriteInfo:
    """What a writer is told about its write, for the log. ``who`` defaults to the user
    running the process; ``reverts`` is the load a revert undoes and ``forced`` the records
    it restored although a later load had changed them."""

    kind: LoadKind = "write"
    who: str = ""
    message: str = ""
    files: tuple[FileRef, ...] = ()
    reverts: int | None = None
    forced: tuple[RecordKey, ...] = ()

    def author(self) -> str:
        """``who``, or the name of the user running this process."""
        if self.who.strip():
            return self.who.strip()
        try:
            return getpass.getuser()
        except (KeyError, OSError):  # no name for this uid (a bare container)
            return "unknown"


@dataclass(frozen=True)
class LoadEntry:
    """One entry of the load log."""

    number: int
    at: str
    kind: LoadKind
    who: str
    message: str
    files: tuple[FileRef, ...]
    #: record kind → {"created", "updated", "unchanged", "removed"} → count
    counts: Mapping[str, Mapping[str, int]]
    reverts: int | None = None
    forced: tuple[RecordKey, ...] = ()
    #: the load that reverted this one, if any
    reverted_by: int | None = None
    tags: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return any(
            c.get(status, 0)
            for c in self.counts.values()
            for status in ("created", "updated", "removed")
        )


@dataclass(frozen=True)
class Change:
    """What one load did to one record: ``before`` is the version it replaced (None: the
    load made the record), ``after`` the version it wrote (None: the load removed it)."""

    key: RecordKey
    before: Record | None
    after: Record | None


@dataclass(frozen=True)
class Revision:
    """One version of a record: written by load ``written``, replaced (or removed) by load
    ``replaced`` (None: the version the store holds now)."""

    record: Record
    written: int
    replaced: int | None


@dataclass
class RecordedRecords:
    """Every record as the store held it after one load: what an as-recorded answer is
    computed from (:mod:`history.recorded`). The judgements are those recorded by then, each
    as it stood: one ended later was standing then."""

    sources: list[Source] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    judgements: list[Judgement] = field(default_factory=list)


class UnknownLoadError(StoreError):
    """A load number, tag or time that names no load of the log."""


class TagError(StoreError):
    """A tag that cannot be set: a bad name, or one that already names another load."""


class NodeInUseError(StoreError):
    """A write would remove nodes that lines still join (the lines must go first)."""

    def __init__(self, uses: Iterable[tuple[str, str]]) -> None:
        self.uses = sorted(set(uses))
        shown = ", ".join(f"{n} (line {k})" for n, k in self.uses[:10])
        super().__init__(f"{len(self.uses)} line(s) still join nodes being removed: {shown}")


@runtime_checkable
class RecordHistory(Protocol):
    """The log and the kept versions: what both stores offer beside :class:`GraphStore`.

    Writers log every write (``writer.info`` says what it is; ``writer.load`` is its number
    once committed) and keep every version they replace or remove. Stores also take
    ``writer.remove(kind, ids)`` for the records a revert takes away.
    """

    def last_load(self) -> int:
        """The number of the last load (0: none yet)."""
        ...

    def first_load(self) -> int:
        """The first load whose state can be asked for (a migrated store's migration)."""
        ...

    def loads(self, *, limit: int = 100, offset: int = 0) -> tuple[int, list[LoadEntry]]:
        """How many loads there are, and a page of them, newest first."""
        ...

    def load_entry(self, number: int) -> LoadEntry | None:
        """One load, or None."""
        ...

    def load_at(self, when: str) -> int | None:
        """The last load committed at or before ``when`` (ISO 8601 UTC), or None."""
        ...

    def changed_by(self, number: int) -> list[Change]:
        """Every record load ``number`` created, updated or removed, by (kind, id): for a
        caller that needs them all (a revert's plan); a page to show is :meth:`changes`."""
        ...

    def changes(
        self, number: int, *, limit: int = 100, offset: int = 0
    ) -> tuple[int, list[Change]]:
        """How many records load ``number`` changed, and the page ``offset``, ``limit`` of
        :meth:`changed_by`'s list (the same changes in the same order): keyed, counted and
        paged in the store, only the page's records read."""
        ...

    def revisions(self, kind: str, record_id: str) -> list[Revision]:
        """Every version of one record, oldest first (empty: never held)."""
        ...

    def changed_after(self, keys: Iterable[RecordKey], number: int) -> dict[RecordKey, int]:
        """For each of ``keys`` that a load after ``number`` changed, the first such load."""
        ...

    def records_at(self, number: int) -> RecordedRecords:
        """Every record as the store held it right after load ``number``."""
        ...

    def tags(self) -> dict[str, int]:
        """Every tag and the load it names."""
        ...

    def set_tag(self, name: str, number: int) -> None:
        """Name load ``number``; :class:`TagError` if the name already names another."""
        ...
