"""Hand-built graphs for ``mismatches`` and ``coverage``, whose answers are known exactly.

``MISMATCH`` hits each mismatch detail and the cases around it: a state line reached through
a middle committee or at exactly 50 superiors (and not at 51), a committee that is itself a
state-system committee, a cycle, two superiors at once, a dissolved superior, a line that
changes on the day, a SASAC base that ended, 50 % versus 51 % state equity, operating versus
registered location, areas without committees or of other kinds, and transfers.

``COVERAGE`` hits each coverage status and its boundaries: 49 versus 50 employees, a BASED_IN
line ending and an instructor line beginning on the day, 2 versus 3 members, 5 versus 6
units, 50 versus 51 members.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise

from graph_schema.records import Edge, Node, Transfer
from stores.base import GraphStore
from tests.query_graphs import SOURCE, D, line, org

__all__ = ["COVERAGE_DAY", "MISMATCH_DAY", "load_coverage", "load_mismatch"]

#: the day most questions are asked for (lines change on it)
MISMATCH_DAY = "2025-01-01"
COVERAGE_DAY = "2025-01-01"


def ent(node_id: str, kind: str = "private", valid_to: date | None = None, **props: object) -> Node:
    """An enterprise; numeric props (state_equity_pct, employees) by keyword."""
    return Node(
        node_id, "Enterprise", kind, f"Ent {node_id}", None, valid_to, {"source": "hand", **props}
    )


def body(node_id: str, kind: str) -> Node:
    return Node(node_id, "Body", kind, f"Body {node_id}", None, None, {"source": "hand"})


def area(node_id: str, kind: str) -> Node:
    return Node(node_id, "Area", kind, f"Area {node_id}", None, None, {"source": "hand"})


def based(src: str, dst: str, start: str | None = None, end: str | None = None) -> Edge:
    return Edge(
        "BASED_IN",
        src,
        dst,
        None,
        D(start) if start else None,
        D(end) if end else None,
        {"source": "hand"},
    )


def located(src: str, dst: str, kind: str = "registered") -> Edge:
    return Edge("LOCATED_IN", src, dst, kind, None, None, {"source": "hand"})


def supervises(src: str, dst: str, kind: str = "instructor", start: str | None = None) -> Edge:
    return Edge("SUPERVISES", src, dst, kind, D(start) if start else None, None, {"source": "hand"})


# -- mismatches ---------------------------------------------------------------------------------

DEEP = [f"m-d{i:02d}" for i in range(50)]  # m-d00 → m-d01 → … → m-d49 → m-sasac-pc

MISMATCH_NODES = [
    org("m-root", "local_committee"),
    body("m-sasac", "sasac"),
    org("m-sasac-pc", "committee"),
    body("m-gov", "government"),
    org("m-gov-pc", "committee"),
    org("m-old-pc", "committee"),  # its SASAC base ended in 2020
    area("m-street", "street"),
    org("m-street-wc", "work_committee"),
    area("m-county", "county"),
    org("m-county-pc", "committee"),
    area("m-park", "park"),  # no committee
    org("m-mid", "committee"),
    org("m-dead-mid", "committee", valid_to=D("2020-01-01")),
    # ownership: zero state equity
    ent("e-zero", "mixed", state_equity_pct=0.0),
    org("o-zero", "committee"),
    ent("e-deep", "mixed", state_equity_pct=0.0),
    org("o-deep", "committee"),
    ent("e-zero-ok", "mixed", state_equity_pct=0.0),
    org("o-zero-ok", "committee"),
    ent("e-switch", "mixed", state_equity_pct=0.0),
    org("o-switch", "committee"),
    ent("e-old", "mixed", state_equity_pct=0.0),
    org("o-old", "committee"),
    ent("e-self", "soe", state_equity_pct=0.0),
    org("o-self", "committee"),
    ent("e-two", "mixed", state_equity_pct=0.0),
    org("o-two", "committee"),
    ent("e-dead", "mixed", state_equity_pct=0.0),
    org("o-dead", "committee"),
    ent("e-closed", "mixed", valid_to=D("2024-01-01"), state_equity_pct=0.0),
    org("o-closed", "committee"),
    ent("e-d50", "mixed", state_equity_pct=0.0),
    *(org(d, "committee") for d in DEEP),
    ent("e-d51", "mixed", state_equity_pct=0.0),
    org("o-d51", "committee"),
    # ownership: majority state equity
    ent("e-major", "soe", state_equity_pct=51.0),
    org("o-major", "committee"),
    ent("e-major-none", "soe", state_equity_pct=80.5),
    ent("e-major-ok", "soe", state_equity_pct=100.0),
    org("o-major-ok", "committee"),
    ent("e-fifty", "mixed", state_equity_pct=50.0),
    ent("e-cycle", "soe", state_equity_pct=90.0),
    org("o-cyc1", "committee"),
    org("o-cyc2", "committee"),
    # location
    ent("e-loc", "private"),
    org("o-loc", "branch"),
    ent("e-loc-ok", "private"),
    org("o-loc-ok", "branch"),
    ent("e-loc-op", "private"),
    org("o-loc-op", "branch"),
    ent("e-loc-county", "private"),
    org("o-loc-county", "branch"),
    ent("e-loc-park", "private"),
    org("o-loc-park", "branch"),
    ent("e-loc-none", "private"),
]

MISMATCH_EDGES = [
    based("m-sasac-pc", "m-sasac"),
    line("m-sasac-pc", "m-root", kind="direct"),
    based("m-gov-pc", "m-gov"),
    line("m-gov-pc", "m-root"),
    based("m-old-pc", "m-sasac", end="2020-01-01"),
    line("m-old-pc", "m-root"),
    based("m-street-wc", "m-street"),
    line("m-street-wc", "m-root"),
    based("m-county-pc", "m-county"),
    line("m-county-pc", "m-root"),
    line("m-mid", "m-sasac-pc", kind="system"),
    line("m-dead-mid", "m-sasac-pc", kind="system"),
    based("o-zero", "e-zero"),
    line("o-zero", "m-sasac-pc", kind="system"),
    based("o-deep", "e-deep"),
    line("o-deep", "m-mid", kind="system"),
    based("o-zero-ok", "e-zero-ok"),
    line("o-zero-ok", "m-street-wc"),
    located("e-zero-ok", "m-street"),
    based("o-switch", "e-switch"),
    line("o-switch", "m-sasac-pc", end=MISMATCH_DAY, kind="system"),
    line("o-switch", "m-street-wc", start=MISMATCH_DAY),
    located("e-switch", "m-street"),
    based("o-old", "e-old"),
    line("o-old", "m-old-pc", kind="system"),
    based("o-self", "e-self"),
    based("o-self", "m-sasac"),
    line("o-self", "m-root"),
    based("o-two", "e-two"),
    line("o-two", "m-sasac-pc", kind="system"),
    line("o-two", "m-gov-pc"),
    based("o-dead", "e-dead"),
    line("o-dead", "m-dead-mid", kind="system"),
    based("o-closed", "e-closed"),
    line("o-closed", "m-sasac-pc", kind="system"),
    based("m-d00", "e-d50"),
    *(line(a, b, kind="system") for a, b in pairwise(DEEP)),
    line(DEEP[-1], "m-sasac-pc", kind="system"),
    based("o-d51", "e-d51"),
    line("o-d51", DEEP[0], kind="system"),
    based("o-major", "e-major"),
    line("o-major", "m-gov-pc", kind="sector"),
    based("o-major-ok", "e-major-ok"),
    line("o-major-ok", "m-mid", kind="system"),
    based("o-cyc1", "e-cycle"),
    line("o-cyc1", "o-cyc2"),
    line("o-cyc2", "o-cyc1"),
    based("o-loc", "e-loc"),
    line("o-loc", "m-sasac-pc", kind="system"),
    located("e-loc", "m-street"),
    based("o-loc-ok", "e-loc-ok"),
    line("o-loc-ok", "m-street-wc"),
    located("e-loc-ok", "m-street"),
    based("o-loc-op", "e-loc-op"),
    line("o-loc-op", "m-sasac-pc", kind="system"),
    located("e-loc-op", "m-street", "operating"),
    based("o-loc-county", "e-loc-county"),
    line("o-loc-county", "m-sasac-pc", kind="system"),
    located("e-loc-county", "m-county"),
    based("o-loc-park", "e-loc-park"),
    line("o-loc-park", "m-sasac-pc", kind="system"),
    located("e-loc-park", "m-park"),
    located("e-loc-none", "m-street"),
]

MISMATCH_TRANSFERS = [
    Transfer(
        "t-zero-early",
        "o-zero",
        "proposed",
        D("2021-03-01"),
        {"from": "m-sasac-pc", "proposed_to": "m-street-wc", "source": "hand"},
    ),
    Transfer(
        "t-zero-kept",
        "o-zero",
        "retained",
        D("2022-07-05"),
        {
            "from": "m-sasac-pc",
            "proposed_to": "m-street-wc",
            "decided_to": "m-sasac-pc",
            "source": "hand",
        },
    ),
    Transfer(
        "t-loc-undated",
        "o-loc",
        "retained",
        None,
        {
            "from": "m-sasac-pc",
            "proposed_to": "m-street-wc",
            "decided_to": "m-sasac-pc",
            "source": "hand",
        },
    ),
]


def load_mismatch(store: GraphStore) -> None:
    """Write the mismatch graph into a store."""
    with store.writer() as w:
        w.upsert_sources([SOURCE])
        w.upsert_nodes(MISMATCH_NODES)
        w.upsert_edges(MISMATCH_EDGES)
        w.upsert_transfers(MISMATCH_TRANSFERS)


# -- coverage -----------------------------------------------------------------------------------

UNITS = [f"c-u{i}" for i in range(12)]

COVERAGE_NODES = [
    org("c-root", "local_committee"),
    area("c-street", "street"),
    org("c-wc", "work_committee"),
    org("c-gone", "work_committee", valid_to=D("2020-01-01")),
    ent("c-e-50", employees=50),
    ent("c-e-49", employees=49),
    ent("c-e-ended", employees=80),
    org("c-o-ended", "branch", members=4),
    ent("c-e-instr", employees=60),
    ent("c-e-guide", employees=70),
    ent("c-e-gone-instr", employees=75),
    ent("c-e-joint", employees=55),
    ent("c-e-own", employees=500),
    org("c-o-own", "committee", members=40),
    ent("c-e-closed", employees=90, valid_to=D("2024-01-01")),
    ent("c-e-unknown"),
    *(ent(u) for u in UNITS),
    org("c-o-2", "branch", members=2),
    org("c-o-3", "branch", members=3),
    org("c-o-unknown", "branch"),
    org("c-gb-1", "general_branch", members=1),
    org("c-tb-0", "temporary_branch", members=0),
    org("c-committee-1", "committee", members=1),
    org("c-o-dissolved", "branch", members=1, valid_to=D("2020-01-01")),
    org("c-j5", "joint_branch", members=10),
    org("c-j6", "joint_branch", members=10),
    org("c-j-small", "joint_branch", members=2),
    org("c-o-50", "branch", members=50),
    org("c-o-51", "branch", members=51),
    org("c-gb-60", "general_branch", members=60),
]

COVERAGE_EDGES = [
    based("c-wc", "c-street"),
    line("c-wc", "c-root"),
    based("c-o-ended", "c-e-ended", end=COVERAGE_DAY),
    line("c-o-ended", "c-wc"),
    supervises("c-wc", "c-e-instr", start=COVERAGE_DAY),
    supervises("c-wc", "c-e-guide", "guidance"),
    supervises("c-gone", "c-e-gone-instr"),
    based("c-o-own", "c-e-own"),
    based("c-j5", "c-e-joint"),
    # c-j5: five active units (c-e-joint and c-u0..c-u3) and one line that ended the day before
    *(based("c-j5", u) for u in UNITS[:4]),
    based("c-j5", UNITS[4], end="2024-12-31"),
    # c-j6: six active units, one of them begun on the day
    *(based("c-j6", u) for u in UNITS[5:10]),
    based("c-j6", UNITS[10], start=COVERAGE_DAY),
    based("c-j-small", UNITS[11]),
    based("c-j-small", "c-e-joint"),
]


def load_coverage(store: GraphStore) -> None:
    """Write the coverage graph into a store."""
    with store.writer() as w:
        w.upsert_sources([SOURCE])
        w.upsert_nodes(COVERAGE_NODES)
        w.upsert_edges(COVERAGE_EDGES)
