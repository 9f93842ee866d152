"""Small hand-built graphs on which every query's answer is known exactly.

``PATHOLOGIES`` hits every orphan reason, every chain stop, the interval boundaries (the
day a line ends, the day one begins), a cycle and a double superior. Tests load it into
each store and assert the same, exact answers.
"""

from __future__ import annotations

from datetime import date

from graph_schema.records import Edge, Node, Source, Transfer
from stores.base import GraphStore

D = date.fromisoformat

SOURCE = Source("hand", {"title": "hand-built test graph"})


def org(node_id: str, kind: str = "branch", **kw: object) -> Node:
    """A Party organization; ``valid_from``/``valid_to`` and props by keyword."""
    start = kw.pop("valid_from", None)
    end = kw.pop("valid_to", None)
    return Node(
        node_id,
        "PartyOrg",
        kind,
        f"Org {node_id}",
        start,  # type: ignore[arg-type]
        end,  # type: ignore[arg-type]
        {"source": "hand", **kw},
    )


def line(
    src: str,
    dst: str,
    start: str | None = "2000-01-01",
    end: str | None = None,
    kind: str = "territorial",
) -> Edge:
    """An AFFILIATED_TO line."""
    return Edge(
        "AFFILIATED_TO",
        src,
        dst,
        kind,
        D(start) if start else None,
        D(end) if end else None,
        {"source": "hand", "quote": f"{src} under {dst}"},
    )


PATHOLOGY_NODES = [
    org("root", "local_committee"),
    org("street", "work_committee"),
    org("b-ok", members=12),
    org("b-none", members=5),
    org("b-future"),
    org("b-ended"),
    org("dead", "committee", valid_to=D("2020-01-01")),
    org("b-dead-sup"),
    org("ghost", "committee", unresolved=True),
    org("b-ghost"),
    Node(
        "ent-closed",
        "Enterprise",
        "private",
        "Closed Co.",
        D("2001-01-01"),
        D("2022-06-01"),
        {"employees": 80},
    ),
    org("b-host"),
    org("b-two"),
    org("c1", "committee"),
    org("c2", "committee"),
    org("b-gone", valid_to=D("2015-01-01")),
]

PATHOLOGY_EDGES = [
    line("street", "root"),
    line("b-ok", "street", "2010-01-01"),
    line("b-future", "street", "2030-01-01"),
    line("b-ended", "street", "2010-01-01", "2024-01-01"),
    line("dead", "root"),
    line("b-dead-sup", "dead", "2010-01-01"),
    line("b-ghost", "ghost"),
    line("b-host", "street"),
    Edge("BASED_IN", "b-host", "ent-closed", None, D("2015-01-01")),
    line("b-two", "street"),
    line("b-two", "root", kind="direct"),
    line("c1", "c2"),
    line("c2", "c1"),
]

PATHOLOGY_TRANSFERS = [
    Transfer(
        "t-ended",
        "b-ended",
        "pending",
        D("2024-01-01"),
        {"from": "street", "proposed_to": "root", "source": "hand"},
    ),
]


def load_pathologies(store: GraphStore) -> None:
    """Write the pathology graph into a store."""
    with store.writer() as w:
        w.upsert_sources([SOURCE])
        w.upsert_nodes(PATHOLOGY_NODES)
        w.upsert_edges(PATHOLOGY_EDGES)
        w.upsert_transfers(PATHOLOGY_TRANSFERS)
