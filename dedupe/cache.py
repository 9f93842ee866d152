"""The candidate list of one state of a store, worked out once and reused.

Working out the candidates of a province takes seconds (every name parsed, every block
scored), and the list a person pages through, filters by label or score and judges pair by
pair stays the same as long as the nodes do. So the list is kept, and every page and filter
of ``GET /api/duplicates`` and ``affgraph dedupe`` in the process reads it:

* **One list** (bounded memory): for one store in one state, kept compactly (the pairs'
  ids, scores and rules in arrays; a request reads the nodes of the page it shows and works
  their evidence out again); another state, another store or a lower floor replaces it.
* **Keyed on the store's state** (:meth:`stores.base.GraphStore.state`: its epoch and
  generation, which every changing write moves on), read in the same consistent read as the
  nodes the list is made of.
* **A judgement keeps it**: a judgement changes which pairs are judged, not which are
  candidates; the judged filter is applied to each answer afresh. The judgement routes tell
  the cache the store's state before and after their write (:meth:`CandidateCache.judged`);
  if their write was the only one in between (the generation moved by one), the list is
  carried over to the new state. A judgement made by another process (``affgraph dedupe
  --review`` beside ``affgraph serve``) is a write like any other: the list is made again.
* **One computation at a time**: requests that find no list wait for the one being made (a
  lock), rather than each making its own.
* **A floor**: a list made at ``min_score`` serves any higher one by filtering (a pair's
  score does not depend on the floor); a lower one makes the list anew, at that floor.
* **Kept up to date**: after a load on the server, a list that was kept is made again for
  the new state in the background (:meth:`CandidateCache.renew_in_background`); none is made
  if nobody has asked for candidates in the process.
* **Labels**: a list of all nodes serves each label by filtering: names are blocked within
  a label, and a pair of equal USCCs is a candidate within a label as among all nodes.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import Protocol, TypeVar, cast, runtime_checkable

from dedupe.candidates import Blocking, Candidate, Pairs, Slim, candidates_in, slim
from graph_schema.declaration import NODE_LABELS
from graph_schema.records import Judgement, Node
from stores.base import READ_ATTEMPTS, GraphStore, StoreChangedError, read_consistently
from stores.collector import gc_paused

__all__ = [
    "CANDIDATES",
    "CandidateCache",
    "Computed",
    "Listed",
    "State",
    "compute",
    "judging",
]

T = TypeVar("T")
log = logging.getLogger(__name__)
#: the most judgements' transitions remembered between two computations
_MAX_TRANSITIONS = 10_000

#: a store's state: its epoch (None for the embedded store) and its generation
State = tuple[str | None, int]


@dataclass(frozen=True)
class Listed:
    """One pair of the list: the two nodes, the candidate's score and evidence, and the
    pair's standing judgement (None: not judged yet)."""

    candidate: Candidate
    a: Node
    b: Node
    judgement: Judgement | None = None


@dataclass(frozen=True)
class Computed:
    """The candidates of one state of a store, at a floor, kept compactly (best first;
    :class:`dedupe.candidates.Pairs`: a request materialises only the pairs it shows, with
    their nodes as they are in that state); when they were worked out (ISO 8601, UTC) and
    how long it took (seconds)."""

    state: State
    min_score: float
    pairs: Pairs
    computed_at: str
    seconds: float


def compute(store: GraphStore, min_score: float) -> Computed:
    """The candidates of the store's nodes now, in two passes (:mod:`dedupe.candidates`):
    the nodes' names and USCCs read a label and kind at a time and blocked, then the nodes of
    the pairs found read and scored a chunk at a time. Every read sees the state the first
    saw (a write in between has it all done again), and the store is held only while it is
    read: a million nodes are never in memory at once. The cyclic GC is paused throughout
    (see :func:`dedupe.candidates.candidates`)."""
    with gc_paused():
        for _ in range(READ_ATTEMPTS):
            try:
                return _compute(store, min_score)
            except _MovedError:
                continue
        raise StoreChangedError(store.location, READ_ATTEMPTS)


class _MovedError(Exception):
    """The store moved on to another state between two reads of one computation."""


def _read(store: GraphStore, state: State, read: Callable[[], T]) -> T:
    """``read()`` in one consistent read of the store in ``state`` (else :class:`_MovedError`)."""

    def checked() -> T:
        if store.state() != state:
            raise _MovedError
        return read()

    return read_consistently(store, checked)


def _blocking(store: GraphStore, state: State) -> Blocking:
    """The first pass over every node (:class:`dedupe.candidates.Blocking`), a label and kind
    at a time, each in a read of its own that digests its nodes as they are read (the
    embedded store fetches a read's rows a chunk at a time; one kind of one label is also a
    fraction of a province), then the nodes of kinds not declared."""

    def digested(label: str, kind: str | None = None) -> Callable[[], tuple[int, Blocking]]:
        def read() -> tuple[int, Blocking]:
            part, size = Blocking(), 0

            def slims() -> Iterator[Slim]:
                nonlocal size
                for node in store.iter_nodes(label=label, kind=kind):
                    if kind is None and node.kind in declared:
                        continue
                    size += 1
                    if (s := slim(node)) is not None:
                        yield s

            part.add(slims())
            return size, part

        return read

    if isinstance(store, _Paged):
        return _blocking_paged(store, state)
    blocking = Blocking()
    counts = _read(store, state, lambda: store.counts().nodes_by_label)
    for label in sorted({*NODE_LABELS, *counts}):
        declared = set(NODE_LABELS[label].kinds) if label in NODE_LABELS else set()
        read = 0
        for kind in sorted(declared):
            size, part = _read(store, state, digested(label, kind))
            read += size
            blocking.merge(part)
        if read < counts.get(label, 0):  # nodes of a kind not declared
            blocking.merge(_read(store, state, digested(label))[1])
    return blocking


@runtime_checkable
class _Paged(Protocol):
    """A store that reads its nodes a page at a time (the embedded store)."""

    def nodes_after(self, after: str | None, limit: int) -> list[Node]: ...


#: the nodes of one read of :func:`_blocking_paged`
_PAGE = 20_000


def _blocking_paged(store: _Paged, state: State) -> Blocking:
    """The first pass over every node of a store that reads them a page at a time: each
    page in a read of its own (of ``state``), digested after it (the store is held only
    while a page is read, and no more than a page is in memory as records)."""
    blocking = Blocking()
    after: str | None = None
    while True:
        page = _read(cast(GraphStore, store), state, partial(store.nodes_after, after, _PAGE))
        if not page:
            return blocking
        after = page[-1].id
        blocking.add(s for node in page if (s := slim(node)) is not None)


def _compute(store: GraphStore, min_score: float) -> Computed:
    start = time.perf_counter()
    state = read_consistently(store, store.state)
    found = _blocking(store, state).blocks()

    def nodes(ids: list[str]) -> dict[str, Node]:
        return _read(store, state, partial(store.get_nodes, ids))

    pairs = candidates_in(found, nodes, min_score=min_score)
    return Computed(
        state,
        min_score,
        pairs,
        datetime.now(UTC).isoformat(timespec="seconds"),
        time.perf_counter() - start,
    )


class CandidateCache:
    """One candidate list, for one store in one state (see the module docstring).

    Two locks: ``_computing`` lets one call at a time check the list and make it anew (the
    others wait for it, and then find it); ``_kept`` guards the list itself for a moment,
    so that a judgement written meanwhile is noted at once rather than after the
    computation: a judgement's transition from one state to the next is remembered, and a
    list made of the earlier state is carried along the transitions when it is kept."""

    def __init__(self) -> None:
        self._computing = threading.Lock()
        self._kept = threading.Lock()
        self._store: weakref.ref[GraphStore] | None = None
        self._entry: Computed | None = None
        #: judgements' transitions (state before → state after), of the kept store
        self._judged: dict[State, State] = {}
        #: how many lists were worked out (what the tests count)
        self.computations = 0

    def candidates(self, store: GraphStore, min_score: float) -> tuple[Computed, bool]:
        """The candidates of the store's present state at ``min_score`` or a lower floor,
        and whether they were kept from before (False: worked out by this call)."""
        with self._computing:
            with self._kept:
                entry = self._of(store)
            if entry is not None and entry.min_score <= min_score and entry.state == store.state():
                return entry, True
            with self._kept:  # the stale list goes first: one list in memory at a time
                if self._of(store) is None:
                    self._judged = {}
                self._store, self._entry = weakref.ref(store), None
            entry = compute(store, min_score)
            self.computations += 1
            with self._kept:
                entry = self._carried(entry)
                self._entry, self._judged = entry, {}
            return entry, False

    def judged(self, store: GraphStore, before: State, after: State) -> None:
        """A judgement (or its withdrawal) was written to ``store``, which was in state
        ``before`` ahead of the write and is in ``after`` behind it: if no other write came
        in between (the generation moved by one), the list of ``before`` is the list of
        ``after``."""
        if not _next(before, after):
            return
        with self._kept:
            if self._store is None or self._store() is not store:
                return
            if len(self._judged) < _MAX_TRANSITIONS:
                self._judged[before] = after
            if self._entry is not None:
                self._entry = self._carried(self._entry)

    def _carried(self, entry: Computed) -> Computed:
        """``entry`` carried along the judgements' transitions from its state."""
        state = entry.state
        while state in self._judged:
            state = self._judged[state]
        return entry if state == entry.state else replace(entry, state=state)

    def renew_in_background(self, store: GraphStore) -> threading.Thread | None:
        """After a write (a load on the server): if a list of ``store`` is kept, make the
        list of its new state in a thread of its own, so that the next request finds it
        ready (or waits for this one computation). None when no list is kept: nobody has
        asked for candidates here, and a load alone is no reason to spend seconds of CPU."""
        with self._kept:
            entry = self._of(store)
        if entry is None:
            return None
        thread = threading.Thread(
            target=self._renew, args=(store, entry.min_score), name="candidates", daemon=True
        )
        thread.start()
        return thread

    def _renew(self, store: GraphStore, min_score: float) -> None:
        try:
            self.candidates(store, min_score)
        except Exception:  # a thread of its own: no caller would hear of it
            log.warning(
                "%s: the candidate list was not made again after the load; the next request "
                "makes it",
                store.location,
                exc_info=True,
            )

    def clear(self) -> None:
        """Forget the list."""
        with self._kept:
            self._store, self._entry, self._judged = None, None, {}

    def _of(self, store: GraphStore) -> Computed | None:
        if self._store is None or self._store() is not store:
            return None
        return self._entry


def _next(before: State, after: State) -> bool:
    """Whether ``after`` is the state one write after ``before``: the same epoch, the
    generation one more."""
    return after == (before[0], before[1] + 1)


#: the process's candidate list, shared by the API and the command line
CANDIDATES = CandidateCache()


def judging(store: GraphStore, write: Callable[[], T], cache: CandidateCache = CANDIDATES) -> T:
    """``write()`` — a judgement or a withdrawal — with the cache told of it, so that the
    candidate list is kept (:meth:`CandidateCache.judged`)."""
    before = store.state()
    done = write()
    cache.judged(store, before, store.state())
    return done
