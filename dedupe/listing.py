"""The list a person works through: candidate pairs with the evidence for and against, and
each pair's standing judgement, if one has been made.

One function serves ``GET /api/duplicates`` and ``affgraph dedupe`` (and its review), so both
list the same pairs in the same order. A judged pair is never proposed again: by default
only the unjudged candidates are listed; asked for the judged ones, each comes with its
judgement and with the evidence worked out again for that one pair (a pair judged once may
no longer be a candidate: its names changed, or the score was lowered).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from dedupe.candidates import Candidate, candidates
from dedupe.judgements import standing
from graph_schema.records import Judgement, Node
from stores.base import GraphStore, read_consistently

__all__ = ["Judged", "Listed", "listing"]

#: which pairs to list: the unjudged candidates (the work left), the judged pairs, or both
Judged = Literal["no", "yes", "all"]


@dataclass(frozen=True)
class Listed:
    """One pair of the list: the two nodes, the candidate's score and evidence, and the
    pair's standing judgement (None: not judged yet)."""

    candidate: Candidate
    a: Node
    b: Node
    judgement: Judgement | None = None


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


def listing(
    store: GraphStore,
    *,
    label: str | None = None,
    min_score: float = 85.0,
    judged: Judged = "no",
) -> list[Listed]:
    """The pairs to show, best first (judged pairs after the unjudged ones with
    ``judged="all"``), all read from one state of the store."""

    def read() -> tuple[dict[str, Node], dict[tuple[str, str], Judgement]]:
        return {n.id: n for n in store.iter_nodes(label=label)}, standing(store)

    nodes, judgements = read_consistently(store, read)
    out: list[Listed] = []
    if judged in ("no", "all"):
        out.extend(
            Listed(c, nodes[c.a], nodes[c.b])
            for c in candidates(nodes.values(), min_score=min_score)
            if (c.a, c.b) not in judgements
        )
    if judged in ("yes", "all"):
        out.extend(_judged(nodes, judgements.values()))
    return out


def _judged(nodes: dict[str, Node], judgements: Iterable[Judgement]) -> list[Listed]:
    """The judged pairs among ``nodes`` (a label asked for leaves the others out), by
    when they were judged, latest first."""
    found = [
        Listed(_judged_pair(nodes[j.a], nodes[j.b]), nodes[j.a], nodes[j.b], j)
        for j in judgements
        if j.a in nodes and j.b in nodes
    ]
    return sorted(found, key=lambda x: x.judgement.recorded_at if x.judgement else "", reverse=True)
