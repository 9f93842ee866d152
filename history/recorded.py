"""Answers as recorded: the graph as it stood right after an earlier load, so that a figure
computed then ("affgraph dataset at load 41, as of 2022-07-05") can be computed again, exactly,
however much has been loaded since.

Why a store of its own
----------------------
Every named query and export already answers on a :class:`~stores.base.GraphStore`. Rather
than teach each of them a second, historical way of reading, the records the store held
after load n (:meth:`~stores.history.RecordHistory.records_at`) are written into an embedded
store of their own, read-only, whose :meth:`~stores.base.GraphStore.state` says load n: every
query answers on it with its own code, and an answer computed on it cites load n.

The state after a load never changes (the history is append-only), so the store made for it
is kept: on disk, beside an embedded store's file (``affgraph.db.recorded/12-….db``) or, for
a Neo4j store, under the user's cache folder (``~/.cache/affgraph/recorded/<epoch>/``); each
file is written under a temporary name and renamed once complete, so a crash leaves no half
file. A file's name carries the load's number and a stamp of the store's log (the times of
its first load and of load n), so a store made anew at the same path is never answered from
the old one's cache. The last store opened stays open in this process (one: a province's
graph in memory, as much again as the store's own — measured in bench/README).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from history.refs import loads_held
from stores.base import GraphStore, StoreError
from stores.embedded import EmbeddedStore, EmbeddedWriter
from stores.history import RecordHistory, UnknownLoadError, WriteInfo

__all__ = ["RecordedStore", "answer_load", "cache_folder", "recorded_store", "state_load"]


class RecordedStore(EmbeddedStore):
    """An embedded store holding the records of another store as they stood after one load:
    read-only, its state that load (and the other store's epoch)."""

    def __init__(self, path: str | Path, *, epoch: str | None, load: int, of: str) -> None:
        super().__init__(path)
        weakref.finalize(self, self._conn.close)  # see close()
        self.recorded_load = load
        self.recorded_epoch = epoch
        #: the store whose history it holds
        self.recorded_of = of

    def state(self) -> tuple[str | None, int]:
        """The other store's epoch and the load its records are of."""
        return (self.recorded_epoch, self.recorded_load)

    def close(self) -> None:
        """Nothing: the store is shared — :func:`recorded_store` keeps the last one opened
        for every caller — so a caller done with it must not close it for the others. Its
        file closes once no one holds it."""

    @contextmanager
    def writer(self) -> Iterator[EmbeddedWriter]:
        """Refused: the state after a load cannot change."""
        raise StoreError(
            f"{self.recorded_of} as recorded at load {self.recorded_load} is read-only: "
            "the state after a load cannot change"
        )
        yield  # pragma: no cover - unreachable, makes this a context manager


def answer_load(store: GraphStore) -> int:
    """The load an answer on ``store`` is computed on: its generation, or the load a
    :func:`recorded_store` holds."""
    return store.state()[1]


def _history(store: GraphStore) -> RecordHistory:
    if not isinstance(store, RecordHistory):
        raise UnknownLoadError(f"{store.location} keeps no load log")
    return store


def state_load(store: GraphStore, number: int) -> int:
    """The load whose state load ``number`` left: ``number`` if it changed something, else
    the last earlier one that did (a load that changed nothing left the state as it was)."""
    history = _history(store)
    first = history.first_load()
    while number > first:
        entry = history.load_entry(number)
        if entry is not None and entry.changed:
            break
        number -= 1
    return number


def _user_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "affgraph"


def cache_folder(store: GraphStore) -> Path:
    """Where the recorded stores of ``store`` are kept: beside an embedded store's file, or
    under ``$XDG_CACHE_HOME`` (default ``~/.cache``) by the store's epoch."""
    if isinstance(store, EmbeddedStore):
        return store.path.parent / f"{store.path.name}.recorded"
    return _user_cache() / "recorded" / (store.state()[0] or "no-epoch")


def _fallback_folder(store: GraphStore) -> Path:
    """Where they are kept when the folder beside a store's file cannot be written (a
    store on a read-only share): the user's cache, by the file's path."""
    name = hashlib.sha256(store.location.encode()).hexdigest()[:16]
    return _user_cache() / "recorded" / f"file-{name}"


def _stamp(store: GraphStore, number: int) -> str:
    """A short stamp of the log up to load ``number``: the times of its first load and of
    load ``number`` — another store made at the same path has other times."""
    history = _history(store)
    first, entry = history.load_entry(history.first_load()), history.load_entry(number)
    text = f"{first.at if first else ''}|{entry.at if entry else ''}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _materialise(store: GraphStore, number: int, target: Path) -> None:
    """Write the records of load ``number``'s state into a new embedded store at ``target``,
    through a temporary file renamed into place once complete and closed: an embedded store
    copies its rows file to file (:meth:`~stores.embedded.EmbeddedStore.write_state_at`);
    another store's records are read from its history and written."""
    target.parent.mkdir(parents=True, exist_ok=True)  # a folder that cannot be: fails first
    handle, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".db", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    temporary.unlink()  # the store makes its file itself
    try:
        message = f"{store.location} as recorded at load {number}"
        if isinstance(store, EmbeddedStore):  # copied in SQL, file to file
            store.write_state_at(number, temporary, message)
            _save_snapshot(temporary)
        else:
            _write_records(store, number, temporary, message)
        os.replace(temporary, target)
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{temporary}{suffix}").unlink(missing_ok=True)


def _save_snapshot(path: Path) -> None:
    """Open the new file once and save its graph in it, so that each later opening reads
    the graph (200k nodes: 1.5 s) instead of building it from the rows (8 s)."""
    made = EmbeddedStore(path)
    try:
        made.save_snapshot()
    finally:
        made.close()


def _write_records(store: GraphStore, number: int, target: Path, message: str) -> None:
    """Write the records of load ``number``'s state (read from any store's history) into a
    new embedded store at ``target``, in one write."""
    records = _history(store).records_at(number)
    made = EmbeddedStore(target)
    try:
        with made.writer() as writer:
            writer.info = WriteInfo(kind="write", message=message)
            # each kind let go of once staged (a province's records are most of the peak);
            # judgements after the nodes they name
            writer.upsert_sources(records.sources)
            writer.upsert_nodes(records.nodes)
            records.nodes = []
            writer.upsert_edges(records.edges)
            records.edges = []
            writer.upsert_transfers(records.transfers)
            writer.upsert_judgements(records.judgements)
    finally:
        made.close()


def _made(store: GraphStore, number: int, name: str) -> Path:
    """The file of load ``number``'s state, made if it is not there yet."""
    for folder in (cache_folder(store), _fallback_folder(store)):
        target = folder / name
        if target.exists():
            return target
        try:
            _materialise(store, number, target)
            return target
        except OSError:  # the folder cannot be written: the next one
            if folder == _fallback_folder(store):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


class _Kept:
    """The one recorded store kept open in this process, by (store, epoch, load, stamp)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.key: tuple[str, str | None, int, str] | None = None
        self.store: RecordedStore | None = None

    def get(self, key: tuple[str, str | None, int, str]) -> RecordedStore | None:
        return self.store if self.key == key else None

    def keep(self, key: tuple[str, str | None, int, str], store: RecordedStore) -> None:
        # the one replaced is not closed: a read on another thread may still hold it; it
        # closes once no one does
        self.key, self.store = key, store


_KEPT = _Kept()


def recorded_store(store: GraphStore, number: int) -> GraphStore:
    """``store`` as it stood right after load ``number``: a read-only store on which every
    named query and export answers as it did then, its state load ``number`` (or the
    earlier load that last changed something). The store itself when that is its present
    state. :class:`UnknownLoadError` for a load outside the log."""
    history = _history(store)
    if not history.first_load() <= number <= history.last_load():
        raise UnknownLoadError(f"load {number}: {loads_held(store)}")
    number = state_load(store, number)
    epoch, generation = store.state()
    if number >= generation:
        return store
    stamp = _stamp(store, number)
    key = (store.location, epoch, number, stamp)
    with _KEPT.lock:
        kept = _KEPT.get(key)
        if kept is not None:
            return kept
        target = _made(store, number, f"{number}-{stamp}.db")
        try:
            opened = RecordedStore(target, epoch=epoch, load=number, of=store.location)
        except StoreError:  # a file another affgraph version made: made again
            target.unlink()
            _materialise(store, number, target)
            opened = RecordedStore(target, epoch=epoch, load=number, of=store.location)
        _KEPT.keep(key, opened)
        return opened
