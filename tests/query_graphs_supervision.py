"""A hand-built graph for the supervision queries: superiors, overlaps, pairs, conflicts.

Asked on ``ASK`` (2025-01-01):

* ``e1`` (an enterprise) answers to ten distinct superiors: its organization ``e1-po`` is
  affiliated to ``street``; seven bodies and ``street`` itself supervise ``e1`` directly,
  ``b-npe``, ``b-org`` and ``b-union`` supervise ``e1-po``, and ``b-prop`` supervises the
  second organization ``e1-sub`` (whose own superior, ``e1-po``, is internal to ``e1`` and so
  is not a superior of ``e1``). Left out: ``b-ta`` (its line ended on ``ASK``: its last day was
  the day before), ``b-dead`` (dissolved), ``b-gov`` (it supervises ``e1-old``, an
  organization dissolved in 2020) and ``b-sasac`` (it supervises ``e1-moved``, whose
  BASED_IN line ended in 2024). ``b-coc``'s line begins on ``ASK`` and counts.
* ``b-x`` and ``b-y`` supervise ``e2``, ``e3``, ``e4`` (``b-y`` also ``e5``): 3 shared of 4,
  Jaccard 0.75. Both also supervise ``e6``, which has closed. ``b-fic`` and ``b-union``
  share ``e1`` and ``e2`` (2 of 3).
* Conflicts: ``o-two`` has two superiors; ``o-dup`` has two lines to one superior (no
  conflict); ``o-was-two`` and ``o-dead-sup`` had or have a second superior that no longer
  counts. Cycles: ``c2a ↔ c2b``; ``c3a → c3c → c3b → c3a`` (``c3b`` also under ``root``, so
  it has two superiors as well); the self-loop ``s1 → s1``; ``x1 ↔ x2`` was a cycle until
  2024 (one line ended). ``t1`` hangs below the 2-cycle without being in it.
"""

from __future__ import annotations

from datetime import date

from graph_schema.records import Edge, Node, Source
from stores.base import GraphStore

D = date.fromisoformat

ASK = D("2025-01-01")

SOURCE = Source("hand", {"title": "hand-built test graph"})


def _node(node_id: str, label: str, kind: str, start: str | None, end: str | None) -> Node:
    return Node(
        node_id,
        label,
        kind,
        f"{label} {node_id}",
        D(start) if start else None,
        D(end) if end else None,
        {"source": "hand"},
    )


def org(
    node_id: str, kind: str = "branch", start: str | None = None, end: str | None = None
) -> Node:
    """A Party organization."""
    return _node(node_id, "PartyOrg", kind, start, end)


def body(node_id: str, kind: str, start: str | None = None, end: str | None = None) -> Node:
    """A supervising body."""
    return _node(node_id, "Body", kind, start, end)


def ent(
    node_id: str, kind: str = "private", start: str | None = None, end: str | None = None
) -> Node:
    """An enterprise."""
    return _node(node_id, "Enterprise", kind, start, end)


def _edge(
    rel: str, src: str, dst: str, kind: str | None, start: str | None, end: str | None
) -> Edge:
    return Edge(
        rel,
        src,
        dst,
        kind,
        D(start) if start else None,
        D(end) if end else None,
        {"source": "hand", "quote": f"{src} {rel.lower()} {dst}"},
    )


def aff(
    src: str,
    dst: str,
    kind: str = "territorial",
    start: str | None = "2000-01-01",
    end: str | None = None,
) -> Edge:
    """An AFFILIATED_TO line."""
    return _edge("AFFILIATED_TO", src, dst, kind, start, end)


def sup(
    src: str,
    dst: str,
    kind: str = "guidance",
    start: str | None = "2010-01-01",
    end: str | None = None,
) -> Edge:
    """A SUPERVISES line."""
    return _edge("SUPERVISES", src, dst, kind, start, end)


def based(src: str, dst: str, start: str | None = "2005-01-01", end: str | None = None) -> Edge:
    """A BASED_IN line."""
    return _edge("BASED_IN", src, dst, None, start, end)


NODES = [
    Node("area", "Area", "county", "Area area", None, None, {"source": "hand"}),
    org("root", "local_committee"),
    org("street", "work_committee"),
    org("park", "comprehensive_committee"),
    org("dead-org", "committee", end="2020-01-01"),
    # e1 and its organizations
    ent("e1"),
    org("e1-po", "general_branch"),
    org("e1-sub"),
    org("e1-old", end="2020-01-01"),
    org("e1-moved"),
    body("b-ufd", "united_front_dept"),
    body("b-union", "union"),
    body("b-yl", "youth_league"),
    body("b-wf", "womens_federation"),
    body("b-fic", "federation_industry_commerce"),
    body("b-npe", "npe_party_office"),
    body("b-org", "organization_dept"),
    body("b-prop", "propaganda_dept"),
    body("b-ta", "trade_association"),
    body("b-coc", "chamber_of_commerce", start="2024-01-01"),
    body("b-dead", "social_work_dept", end="2024-06-01"),
    body("b-gov", "government"),
    body("b-sasac", "sasac"),
    # the overlapping pair
    ent("e2"),
    org("e2-po"),
    ent("e3", "foreign"),
    ent("e4", "hmt"),
    ent("e5", "joint_venture"),
    ent("e6", end="2023-01-01"),
    body("b-x", "investment_promotion"),
    body("b-y", "industry_commerce"),
    # conflicts
    org("o-two"),
    org("o-dup"),
    org("o-was-two"),
    org("o-dead-sup"),
    org("c2a", "committee"),
    org("c2b", "committee"),
    org("c3a", "committee"),
    org("c3b", "committee"),
    org("c3c", "committee"),
    org("s1", "committee"),
    org("x1", "committee"),
    org("x2", "committee"),
    org("t1"),
]

EDGES = [
    aff("street", "root"),
    aff("park", "root"),
    aff("dead-org", "root"),
    # e1
    based("e1-po", "e1"),
    based("e1-sub", "e1"),
    based("e1-old", "e1"),
    based("e1-moved", "e1", end="2024-01-01"),
    aff("e1-po", "street"),
    aff("e1-sub", "e1-po"),
    aff("e1-old", "root"),
    aff("e1-moved", "park"),
    sup("b-ufd", "e1"),
    sup("b-union", "e1", "evaluation"),
    sup("b-yl", "e1"),
    sup("b-wf", "e1", "coordination"),
    sup("b-fic", "e1", "coordination"),
    sup("street", "e1", "coordination"),
    sup("b-npe", "e1-po", "direct_contact"),
    sup("b-org", "e1-po", "instructor"),
    sup("b-union", "e1-po", "guidance"),
    sup("b-prop", "e1-sub"),
    sup("b-ta", "e1", "coordination", end="2025-01-01"),
    sup("b-coc", "e1", "coordination", start="2025-01-01"),
    sup("b-dead", "e1"),
    sup("b-dead", "e2"),
    sup("b-dead", "e3"),
    sup("b-gov", "e1-old"),
    sup("b-sasac", "e1-moved"),
    # e2..e6
    based("e2-po", "e2"),
    aff("e2-po", "street"),
    sup("b-union", "e2", "evaluation"),
    sup("b-fic", "e2", "coordination"),
    *(sup("b-x", e, "registration") for e in ("e2", "e3", "e4", "e6")),
    *(sup("b-y", e, "inspection") for e in ("e2", "e3", "e4", "e5", "e6")),
    # conflicts
    aff("o-two", "street"),
    aff("o-two", "park", "sector"),
    aff("o-dup", "street"),
    aff("o-dup", "street", "sector"),
    aff("o-was-two", "street"),
    aff("o-was-two", "park", end="2024-07-01"),
    aff("o-dead-sup", "street"),
    aff("o-dead-sup", "dead-org"),
    aff("c2a", "c2b"),
    aff("c2b", "c2a"),
    aff("c3a", "c3c"),
    aff("c3c", "c3b"),
    aff("c3b", "c3a"),
    aff("c3b", "root", "direct"),
    aff("s1", "s1"),
    aff("x1", "x2"),
    aff("x2", "x1", end="2024-01-01"),
    aff("t1", "c2a"),
]


def load_supervision(store: GraphStore) -> None:
    """Write the supervision graph into a store."""
    with store.writer() as w:
        w.upsert_sources([SOURCE])
        w.upsert_nodes(NODES)
        w.upsert_edges(EDGES)
