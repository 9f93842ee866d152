"""The list a person works through: candidate pairs with the evidence for and against, and
each pair's standing judgement, if one has been made.

One function serves ``GET /api/duplicates`` and ``affgraph dedupe`` (and its review), so both
list the same pairs in the same order. A judged pair is never proposed again: by default
only the unjudged candidates are listed; asked for the judged ones, each comes with its
judgement and with the evidence worked out again for that one pair (a pair judged once may
no longer be a candidate: its names changed, or the score was lowered). The candidates come
from the process's list of the store's present state (:mod:`dedupe.cache`: worked out once,
then filtered by label, floor and judgements for each call).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from dedupe.cache import CANDIDATES, CandidateCache, Computed, Listed, State
from dedupe.candidates import Candidate, Pairs, candidate_of, candidates
from dedupe.judgements import standing
from graph_schema.records import Judgement, Node
from stores.base import READ_ATTEMPTS, GraphStore, StoreChangedError, read_consistently

__all__ = ["Judged", "Listed", "Listing", "listing"]

#: which pairs to list: the unjudged candidates (the work left), the judged pairs, or both
Judged = Literal["no", "yes", "all"]


def _judged_pair(a: Node, b: Node) -> Candidate:
    """The candidate of one judged pair, its evidence worked out again; a pair the
    candidates would not propose (different USCCs, another organ type) scores 0 and says
    so."""
    found = candidates([a, b], min_score=0.0)
    if found:
        return found[0]
    return Candidate(
        a.id, b.id, a.label, 0.0, "judged", (), ("not a candidate now: the names do not block",)
    )


@dataclass(frozen=True)
class Listing:
    """The pairs to show (the page asked for), how many there are in all, and of the
    candidate list they come from: when it was worked out (ISO 8601, UTC) and whether it was
    kept from an earlier call (:mod:`dedupe.cache`); ``computed_at`` is None when only
    judged pairs were asked for (no candidates needed)."""

    items: list[Listed]
    total: int
    cached: bool = False
    computed_at: str | None = None


def listing(
    store: GraphStore,
    *,
    label: str | None = None,
    min_score: float = 85.0,
    judged: Judged = "no",
    cache: CandidateCache = CANDIDATES,
    offset: int = 0,
    limit: int | None = None,
) -> Listing:
    """The pairs to show, best first (judged pairs after the unjudged ones with
    ``judged="all"``), all of one state of the store: the candidates of the cache (made for
    the state now, or kept), and the judgements, with the nodes of the judged pairs, read in
    one read that sees the same state — a write in between has the candidates made again.
    Only the page from ``offset`` (``limit`` pairs; None: every one) is materialised: its
    nodes read, its evidence worked out again."""
    end = None if limit is None else offset + limit
    if judged == "yes":
        _, judgements, judged_nodes = read_consistently(store, lambda: _judgements(store))
        found = _judged(judged_nodes, judgements.values(), label)
        return Listing(found[offset:end], len(found))
    for _ in range(READ_ATTEMPTS):
        computed, kept = cache.candidates(store, min_score)

        def read(computed: Computed = computed, kept: bool = kept) -> tuple[State, Listing] | None:
            state, judgements, judged_nodes = _judgements(store, nodes=judged == "all")
            if state != computed.state:
                return None
            positions = _unjudged(computed, label, min_score, judgements)
            shown = _materialised(store, computed.pairs, positions[offset:end])
            total = len(positions)
            if judged == "all":
                others = _judged(judged_nodes, judgements.values(), label)
                start = max(0, offset - total)
                stop = None if end is None else max(0, end - total)
                shown.extend(others[start:stop])
                total += len(others)
            return state, Listing(shown, total, kept, computed.computed_at)

        answer = read_consistently(store, read)
        if answer is not None:
            return answer[1]
    raise StoreChangedError(store.location, READ_ATTEMPTS)


def _materialised(
    store: GraphStore, pairs: Pairs, positions: npt.NDArray[np.int64]
) -> list[Listed]:
    """The candidates at ``positions`` with their nodes (read in the caller's read) and
    their evidence worked out again (:func:`dedupe.candidates.candidate_of`)."""
    shown = []
    for position in positions.tolist():
        a, b = (store.get_node(i) for i in pairs.pair(position))
        if a is None or b is None:  # pragma: no cover - the read is of the list's state
            raise StoreChangedError(store.location, 1)
        shown.append(Listed(candidate_of(a, b, bool(pairs.uscc[position])), a, b))
    return shown


def _unjudged(
    computed: Computed,
    label: str | None,
    min_score: float,
    judgements: dict[tuple[str, str], Judgement],
) -> npt.NDArray[np.int64]:
    """The positions in the kept list of its pairs of ``label`` at ``min_score`` that no
    one has judged, in its order (best first), found over its arrays: no pair is
    materialised."""
    pairs = computed.pairs
    keep = pairs.score >= min_score
    if label is not None:
        code = pairs.labels.index(label) if label in pairs.labels else -1
        keep &= pairs.label == code
    judged = [_code(pairs, pair) for pair in judgements]
    judged_codes = np.array([c for c in judged if c is not None], dtype=np.int64)
    if len(judged_codes):
        keep &= ~np.isin(pairs.codes(), judged_codes)
    return np.flatnonzero(keep)


def _code(pairs: Pairs, pair: tuple[str, str]) -> int | None:
    """A pair's number in ``pairs`` (:meth:`Pairs.codes`), or None if a node of it is in
    no candidate."""
    at = [bisect_left(pairs.ids, i) for i in pair]
    if any(n == len(pairs.ids) or pairs.ids[n] != i for n, i in zip(at, pair, strict=True)):
        return None
    return at[0] * len(pairs.ids) + at[1]


def _judgements(
    store: GraphStore, *, nodes: bool = True
) -> tuple[State, dict[tuple[str, str], Judgement], dict[str, Node]]:
    """The store's state, its standing judgements and (with ``nodes``) the nodes they
    judge, as one read sees them."""
    judgements = standing(store)
    found: dict[str, Node] = {}
    if nodes:
        for node_id in sorted({i for pair in judgements for i in pair}):
            node = store.get_node(node_id)
            if node is not None:
                found[node_id] = node
    return store.state(), judgements, found


def _judged(
    nodes: dict[str, Node], judgements: Iterable[Judgement], label: str | None
) -> list[Listed]:
    """The judged pairs among ``nodes`` (a label asked for leaves the others out), by
    when they were judged, latest first."""
    found = [
        Listed(_judged_pair(nodes[j.a], nodes[j.b]), nodes[j.a], nodes[j.b], j)
        for j in judgements
        if j.a in nodes
        and j.b in nodes
        and (label is None or nodes[j.a].label == nodes[j.b].label == label)
    ]
    return sorted(found, key=lambda x: x.judgement.recorded_at if x.judgement else "", reverse=True)
