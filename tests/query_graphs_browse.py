"""Hand-built graphs for the browsing queries (node, subtree, stats, transfers, history,
search), on which every answer is known exactly.

``TREE``: an organization ``top`` under ``city`` with, below it, lines and organizations
that begin or end on 2024-01-01 (the interval boundary), an organization with two superiors
(``both``), a cycle under the root that also runs back up through it (``cy-1`` → ``cy-2`` →
``cy-1``, and ``top`` → ``cy-2``), a dissolved branch, and lines of other types that must not
count. As of 2023-12-31 (levels below ``top``)::

    1  cy-1, ga, gb                  (jc not founded yet; dead dissolved in 2010)
    2  cy-2 (under cy-1); both, ga-1, ga-2 (under ga); gb-2 (under gb; both also under gb)
    3  ga-1-x                        (cy-2's children cy-1 and top are already shown)
    4  ga-1-x-y

As of 2024-01-01: ga-2's line has ended, gb-2 is dissolved, gb-1's line and jc begin.

``DEEP``: a chain of 55 organizations, ``deep-00`` at the top, deeper than any walk goes.
"""

from __future__ import annotations

from datetime import date

from graph_schema.records import Edge, Node, Source, Transfer
from stores.base import GraphStore
from tests.query_graphs import line, org

D = date.fromisoformat

SOURCES = [
    Source("hand", {"title": "hand-built test graph"}),
    Source(
        "doc-2020",
        {
            "title": "A document",
            "publisher": "A publisher",
            "date": D("2020-05-01"),
            "url": "https://example.org/doc",
            "language": "zh",
        },
    ),
]

# -- TREE: subtree and stats ----------------------------------------------------------------------

TREE_NODES = [
    org("city", "local_committee", members=1),
    org("top", "committee", members=100),
    org("ga", "general_branch", members=30),
    org("gb", "general_branch", members=20),
    org("jc", "joint_branch", members=5, valid_from=D("2024-01-01")),
    org("ga-1", members=10),
    org("ga-2", members=8),
    org("ga-1-x", members=3),
    org("ga-1-x-y", members=2),
    org("gb-1", members=7),
    org("gb-2", members=6, valid_to=D("2024-01-01")),
    org("both", members=4),
    org("cy-1", "committee"),
    org("cy-2"),
    org("dead", members=50, valid_to=D("2010-01-01")),
    org("stray", members=9),
    Node("host", "Enterprise", "private", "Host Co.", None, None, {"employees": 120}),
    Node("bureau", "Body", "organization_dept", "Organization Department"),
    Node("zone", "Area", "park", "Industrial Park", None, D("2015-01-01")),
]

TREE_EDGES = [
    line("top", "city"),
    line("ga", "top"),
    line("gb", "top"),
    line("jc", "top"),
    line("ga-1", "ga"),
    line("ga-2", "ga", "2000-01-01", "2024-01-01"),
    line("ga-1-x", "ga-1"),
    line("ga-1-x-y", "ga-1-x"),
    line("gb-1", "gb", "2024-01-01"),
    line("gb-2", "gb"),
    line("both", "ga"),
    line("both", "gb", kind="sector"),
    line("cy-1", "top"),
    line("cy-2", "cy-1"),
    line("cy-1", "cy-2", kind="other"),
    line("top", "cy-2", kind="other"),
    line("dead", "top", None),
    Edge("BASED_IN", "ga", "host"),
    Edge("SUPERVISES", "bureau", "top", "guidance"),
    Edge("SUPERVISES", "stray", "top", "guidance"),
]

DEEP_LENGTH = 55
DEEP_NODES = [org(f"deep-{i:02d}", members=1) for i in range(DEEP_LENGTH)]
DEEP_EDGES = [line(f"deep-{i:02d}", f"deep-{i - 1:02d}") for i in range(1, DEEP_LENGTH)]


def load_tree(store: GraphStore) -> None:
    """Write the TREE and DEEP graphs into a store."""
    with store.writer() as w:
        w.upsert_sources(SOURCES)
        w.upsert_nodes([*TREE_NODES, *DEEP_NODES])
        w.upsert_edges([*TREE_EDGES, *DEEP_EDGES])


# -- DETAILS: node --------------------------------------------------------------------------------

DETAIL_NODES = [
    Node(
        "co",
        "Enterprise",
        "mixed",
        "天津某集团有限公司",
        D("2001-02-03"),
        D("2024-01-01"),
        {
            "name_en": "Tianjin Some Group",
            "aliases": ["某集团", "Some Group"],
            "employees": 5200,
            "state_equity_pct": 12.5,
            "uscc": "91350100M000100Y43",
            "source": "doc-2020",
            "quote": "某集团……",
            "page": "p. 3",
        },
    ),
    org("co-pc", "committee", members=310, source="nowhere", quote="a quote"),
    Node("plain", "Area", "grid", "Grid 7"),
    Node("ph", "PartyOrg", "committee", "ph", None, None, {"unresolved": True}),
]


def load_details(store: GraphStore) -> None:
    """Write the DETAILS nodes into a store."""
    with store.writer() as w:
        w.upsert_sources(SOURCES)
        w.upsert_nodes(DETAIL_NODES)


# -- MOVES: transfers and history -----------------------------------------------------------------

MOVE_NODES = [
    org("sasac-pc", "committee"),
    org("street-wc", "work_committee"),
    org("platform-pc", "committee"),
    org("old-pc", "committee"),
    org("mover"),
    org("stayer"),
    Node("investor", "Enterprise", "private", "Investor Co."),
]

MOVE_EDGES = [
    line("mover", "old-pc", None, "2010-01-01", kind="system"),
    line("mover", "sasac-pc", "2010-01-01", "2020-01-01", kind="system"),
    line("mover", "platform-pc", "2020-01-01", kind="sector"),
    line("stayer", "sasac-pc", "2005-01-01", kind="system"),
]

MOVE_TRANSFERS = [
    Transfer(
        "t-mover-idea",
        "mover",
        "proposed",
        None,
        {
            "from": "old-pc",
            "proposed_to": "street-wc",
            "proposed_by": "investor",
            "reason": "an early idea",
            "source": "hand",
        },
    ),
    Transfer(
        "t-mover-2010",
        "mover",
        "transferred",
        D("2010-01-01"),
        {"from": "old-pc", "decided_to": "sasac-pc", "source": "hand", "quote": "moved"},
    ),
    Transfer(
        "t-mover-2020",
        "mover",
        "transferred",
        D("2020-01-01"),
        {"from": "sasac-pc", "decided_to": "platform-pc", "proposed_by": "the strategic investors"},
    ),
    Transfer(
        "t-stayer",
        "stayer",
        "retained",
        D("2019-06-30"),
        {"from": "sasac-pc", "proposed_to": "street-wc", "decided_to": "sasac-pc"},
    ),
    Transfer(
        "t-stayer-open",
        "stayer",
        "pending",
        D("2021-03-01"),
        {"from": "sasac-pc", "proposed_to": "nobody-known"},
    ),
    Transfer("a-undated", "stayer", "pending", None, {"from": "sasac-pc"}),
]


def load_moves(store: GraphStore) -> None:
    """Write the MOVES graph into a store."""
    with store.writer() as w:
        w.upsert_sources(SOURCES)
        w.upsert_nodes(MOVE_NODES)
        w.upsert_edges(MOVE_EDGES)
        w.upsert_transfers(MOVE_TRANSFERS)


# -- NAMES: search --------------------------------------------------------------------------------


def _named(
    node_id: str,
    label: str,
    kind: str,
    name: str,
    name_en: str | None = None,
    aliases: list[str] | None = None,
) -> Node:
    props: dict[str, object] = {}
    if name_en:
        props["name_en"] = name_en
    if aliases:
        props["aliases"] = aliases
    return Node(node_id, label, kind, name, None, None, props)


NAME_NODES = [
    _named("tj", "Area", "province", "天津", "Tianjin"),
    _named("tj-pc", "PartyOrg", "local_committee", "天津市委", "Tianjin Municipal Committee"),
    _named("tj-pharma", "Enterprise", "mixed", "天津医药集团", "Tianjin Pharmaceutical Group"),
    _named("tj-org", "Body", "organization_dept", "中共天津市委组织部"),
    _named("tj-sasac-pc", "PartyOrg", "committee", "国资委党委", None, ["天津国资委党委"]),
    _named("tj-pipe", "Enterprise", "mixed", "钢管公司", "Tianjin Pipe Corporation"),
    _named("sh", "Area", "province", "上海", "Shanghai"),
    _named("siemens", "Enterprise", "foreign", "Siemens"),
    _named("siemens-cn", "Enterprise", "foreign", "SIEMENS China"),
    _named(
        "siemens-zh",
        "Enterprise",
        "foreign",
        "西门子（中国）有限公司",
        "Siemens Ltd., China",
        ["西门子"],
    ),
    _named("siemens-gb", "PartyOrg", "general_branch", "Beijing siemens general branch"),
    _named("siemens-alias", "PartyOrg", "branch", "A branch", None, ["SIEMENS"]),
    _named("aerzte", "Enterprise", "private", "ÄRZTE GmbH"),
    _named("aa", "Enterprise", "private", "Foo Bar"),
    _named("ab", "Enterprise", "private", "Foo Baz"),
]


def load_names(store: GraphStore) -> None:
    """Write the NAMES graph into a store."""
    with store.writer() as w:
        w.upsert_nodes(NAME_NODES)
