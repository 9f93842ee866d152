"""The merged view: what standing ``same`` judgements make of the graph the named queries read.

A ``same`` judgement says two node ids name one body. The records stay as they were loaded
(exports, ``iter_nodes``, ``get_node``, ``edges`` … give them so); the named queries read a
*projection* in which each group of ids judged the same is one node:

* **Groups** are the connected components of the standing ``same`` judgements (judged
  ``a = b`` and ``b = c`` puts all three together). A pair of nodes of different labels is no
  body: it is left out of every group, with a warning (``judge`` refuses such a verdict; a
  reloaded export may still carry one).
* **The canonical id** of a group is :func:`canonical_of`'s: the lexicographically least id.
* **Aliases** (the other ids) are absent from the query graph; their lines hang on the
  canonical node, each keeping the ends it was loaded with (where it came from). A line
  between two ids of one group would join the body to itself: it is left out of the view
  (kept, and back when the group splits).
* **Undo**: a later ``different`` or ``unsure`` judgement of the pair, or its withdrawal,
  ends the ``same`` one; the projection is worked out again and the group splits. Nothing
  was rewritten, so nothing needs restoring but the projection.

Each store keeps its projection itself (:meth:`stores.model.Model.folded` in memory,
:mod:`stores.neo4j` in the database, both within the write that changes the judgements); this
module holds the rules they share.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "MERGED_DST",
    "MERGED_SRC",
    "NODE_ID_FIELDS",
    "Merges",
    "canonical_of",
    "merges_of",
]

log = logging.getLogger("affgraph.store")

#: The attribute (embedded graph) or property (Neo4j relationship) of a line moved onto a
#: canonical node: the id it was loaded with at that end (set only on the end that moved).
MERGED_SRC = "_src"
MERGED_DST = "_dst"

#: The parameters of the named queries that name a node: an alias given there is asked as
#: its canonical node (:meth:`Merges.resolve`).
NODE_ID_FIELDS = ("id", "root", "node", "area", "parent")


def canonical_of(group: Iterable[str]) -> str:
    """The id a group of nodes judged the same is known by: the lexicographically least.

    Why this rule: it depends on nothing but the ids, so the canonical id is the same
    whatever the order of the loads and of the judgements, on both stores, and after an
    export is read back; a rule preferring the record with more facts (a credit code) would
    change the id answers are given under whenever a later load adds a fact."""
    return min(group)


@dataclass(frozen=True)
class Merges:
    """The projection's groups: ``into`` maps each alias to its canonical id, ``groups``
    each canonical id to every id of its group (itself included), sorted."""

    into: Mapping[str, str] = field(default_factory=dict)
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.into)

    def canonical(self, node_id: str) -> str:
        """The id ``node_id`` is answered under (itself unless it is an alias)."""
        return self.into.get(node_id, node_id)

    def same_as(self, node_id: str) -> list[str]:
        """The other ids merged with ``node_id`` (sorted; empty if none)."""
        group = self.groups.get(self.canonical(node_id), ())
        return [i for i in group if i != node_id]

    def touches(self, node_id: str) -> bool:
        """Whether ``node_id`` is in a group (an alias or a canonical id)."""
        return node_id in self.into or node_id in self.groups

    def resolve(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Query parameters with every node id (:data:`NODE_ID_FIELDS`) that is an alias
        replaced by its canonical id: the one place an alias resolves, for every route."""
        return {
            k: (self.into.get(v, v) if k in NODE_ID_FIELDS and isinstance(v, str) else v)
            for k, v in values.items()
        }


def merges_of(pairs: Iterable[tuple[str, str]], labels: Mapping[str, str]) -> Merges:
    """The groups of the standing ``same`` pairs (connected components), over the nodes
    ``labels`` holds (id → label). A pair naming a missing node, or nodes of two labels, is
    left out with a warning."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in sorted(pairs):
        if a not in labels or b not in labels:
            log.warning("same judgement of %s / %s: a node is not in the store; ignored", a, b)
            continue
        if labels[a] != labels[b]:
            log.warning(
                "same judgement of %s (%s) / %s (%s): nodes of two labels are not one body; "
                "left out of the merged view",
                a,
                labels[a],
                b,
                labels[b],
            )
            continue
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members: dict[str, list[str]] = {}
    for x in list(parent):
        members.setdefault(root(x), []).append(x)
    groups = {canonical_of(g): tuple(sorted(g)) for g in members.values() if len(g) > 1}
    into = {x: c for c, g in groups.items() for x in g if x != c}
    return Merges(into, groups)
