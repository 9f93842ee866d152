"""A small graph that changes between 2020 and 2023, on which ``diff`` and ``timeline``
answers are known exactly: a branch moved with its subtree by a transfer, a branch founded
and dissolved inside the period, lines ending and beginning on the period's two days, an
enterprise gaining a supervisor and, through its branch, a new formal superior.
"""

from __future__ import annotations

from graph_schema.records import Edge, Node, Transfer
from stores.base import GraphStore
from tests.query_graphs import SOURCE, D, line, org

#: The period the tests ask about: after FROM, up to and including TO.
FROM, TO = D("2020-01-01"), D("2023-01-01")

NODES = [
    org("root", "local_committee"),
    org("a", "committee"),
    org("b", "committee"),
    org("wc", "work_committee"),
    org("x"),
    org("x1"),
    org("n", valid_from=D("2021-03-01"), valid_to=D("2022-03-01")),
    org("y"),
    org("z"),
    org("v"),
    org("w"),
    Node("e", "Enterprise", "private", "E Co.", D("2000-01-01"), None, {"source": "hand"}),
    Node("county", "Area", "county", "A County", None, None, {"source": "hand"}),
]

EDGES = [
    line("a", "root"),
    line("b", "root"),
    line("wc", "root"),
    line("x", "a", "2000-01-01", "2021-06-30"),
    line("x", "b", "2021-06-30"),
    line("x1", "x"),
    line("n", "a", "2021-03-01", "2022-03-01"),
    line("y", "a", "2000-01-01", "2023-01-01"),  # ends on TO: a change of the period
    line("z", "a", "2000-01-01", "2020-01-01"),  # ends on FROM: not one
    line("v", "b", "2023-01-01"),  # begins on TO: a change
    line("w", "b", "2020-01-01"),  # begins on FROM: not one
    Edge("BASED_IN", "x", "e", None, D("2000-01-01"), None, {"source": "hand"}),
    Edge("LOCATED_IN", "e", "county", "registered", D("2000-01-01"), None, {"source": "hand"}),
    Edge(
        "SUPERVISES",
        "wc",
        "e",
        "guidance",
        D("2022-01-01"),
        None,
        {"source": "hand", "quote": "wc guides e"},
    ),
]

TRANSFERS = [
    Transfer(
        "t-x",
        "x",
        "transferred",
        D("2021-06-30"),
        {"from": "a", "decided_to": "b", "source": "hand", "quote": "x moves to b"},
    ),
    Transfer("t-old", "z", "transferred", D("2019-06-01"), {"from": "a", "source": "hand"}),
]


def load_changes(store: GraphStore) -> None:
    """Write the changing graph into a store."""
    with store.writer() as w:
        w.upsert_sources([SOURCE])
        w.upsert_nodes(NODES)
        w.upsert_edges(EDGES)
        w.upsert_transfers(TRANSFERS)
