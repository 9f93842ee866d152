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

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from dedupe.cache import CANDIDATES, CandidateCache, Computed, Listed, State
from dedupe.candidates import Candidate, candidates
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
    """The pairs to show, and of the candidate list they come from: when it was worked out
    (ISO 8601, UTC) and whether it was kept from an earlier call (:mod:`dedupe.cache`);
    ``computed_at`` is None when only judged pairs were asked for (no candidates needed)."""

    items: list[Listed]
    cached: bool = False
    computed_at: str | None = None


def listing(
    store: GraphStore,
    *,
    label: str | None = None,
    min_score: float = 85.0,
    judged: Judged = "no",
    cache: CandidateCache = CANDIDATES,
) -> Listing:
    """The pairs to show, best first (judged pairs after the unjudged ones with
    ``judged="all"``), all of one state of the store: the candidates of the cache (made for
    the state now, or kept), and the judgements, with the nodes of the judged pairs, read in
    one read that sees the same state — a write in between has the candidates made again."""
    if judged == "yes":
        _, judgements, judged_nodes = read_consistently(store, lambda: _judgements(store))
        return Listing(_judged(judged_nodes, judgements.values(), label))
    for _ in range(READ_ATTEMPTS):
        computed, kept = cache.candidates(store, min_score)
        state, judgements, judged_nodes = read_consistently(
            store, lambda: _judgements(store, nodes=judged == "all")
        )
        if state == computed.state:
            break
    else:
        raise StoreChangedError(store.location, READ_ATTEMPTS)
    out = _unjudged(computed, label, min_score, judgements)
    if judged == "all":
        out.extend(_judged(judged_nodes, judgements.values(), label))
    return Listing(out, kept, computed.computed_at)


def _unjudged(
    computed: Computed,
    label: str | None,
    min_score: float,
    judgements: dict[tuple[str, str], Judgement],
) -> list[Listed]:
    """The kept list's pairs of ``label`` at ``min_score`` that no one has judged, without
    a pass over the list in Python: the list is best first, so a higher floor is a prefix
    (found by bisection), and each judged pair is found by its pair and bisected to; the
    answer is the slices between them (a province's 160,000 pairs copied, not filtered)."""
    pairs = computed.listed if label is None else computed.by_label.get(label, [])
    end = len(pairs)
    if min_score > computed.min_score:
        end = bisect_right(pairs, -min_score, key=_minus_score)
    drop = []
    for pair in judgements:
        x = computed.by_pair.get(pair)
        if x is not None:
            at = bisect_left(pairs, _order(x), key=_order)
            if at < end and pairs[at] is x:  # in this label's list, above the floor
                drop.append(at)
    out: list[Listed] = []
    start = 0
    for at in sorted(drop):
        out.extend(pairs[start:at])
        start = at + 1
    out.extend(pairs[start:end])
    return out


def _order(x: Listed) -> tuple[float, str, str]:
    """The order of the candidates (:func:`dedupe.candidates.candidates`): best first,
    ties by ids."""
    return (-x.candidate.score, x.candidate.a, x.candidate.b)


def _minus_score(x: Listed) -> float:
    return -x.candidate.score


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
