"""The embedded store's in-memory model (stores/model.py) as the whole-graph queries read it
(stores/columns.py): built right, at interval boundaries, and kept current — after writes by
this process, by another process, small (moved on) and large (built anew) — always equal to
the records written."""

from __future__ import annotations

import math
import random
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import stores.embedded as embedded
from graph_schema.records import Edge, Node
from queries.orphans import ORPHANS, OrphansParams
from stores.columns import NO_END, NO_START, Columns, day
from stores.embedded import EmbeddedStore
from stores.model import Model

D = date.fromisoformat
REPO = Path(__file__).resolve().parent.parent

NODES = [
    Node("root", "PartyOrg", "local_committee", "Root"),
    Node("b1", "PartyOrg", "branch", "B1", D("2010-01-01"), D("2020-01-01"), {"members": 2}),
    Node(
        "e1",
        "Enterprise",
        "private",
        "E1",
        D("2015-06-01"),
        props={"employees": 60, "state_equity_pct": 0.0},
    ),
    Node("ghost", "PartyOrg", "committee", "Ghost", props={"unresolved": True}),
    Node("a1", "Area", "street", "A1"),
]
EDGES = [
    Edge("AFFILIATED_TO", "b1", "root", "territorial", D("2010-01-01"), D("2015-01-01")),
    Edge("AFFILIATED_TO", "b1", "root", "direct", D("2015-01-01")),
    Edge("BASED_IN", "b1", "e1", None, D("2015-06-01")),
    Edge("SUPERVISES", "root", "e1", "instructor", D("2016-01-01"), D("2016-01-02")),
    Edge("LOCATED_IN", "e1", "a1", "registered"),
]

NodeRow = tuple[str, str, int, int, bool, float | None, float | None, float | None]
EdgeRow = tuple[str, str, str | None, int, int]


def write(store: EmbeddedStore, nodes: list[Node], edges: list[Edge]) -> None:
    with store.writer() as w:
        w.upsert_nodes(nodes)
        w.upsert_edges(edges)


def _num(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def content(c: Columns) -> tuple[dict[str, NodeRow], dict[str, list[EdgeRow]]]:
    """What the columns say, by id and name (independent of index order and codes)."""
    nodes = {
        c.ids[i]: (
            c.labels.names[c.label[i]],
            c.kinds.names[c.kind[i]],
            int(c.start[i]),
            int(c.end[i]),
            bool(c.unresolved[i]),
            _num(c.prop("members")[i]),
            _num(c.prop("employees")[i]),
            _num(c.prop("state_equity_pct")[i]),
        )
        for i in range(len(c))
    }
    edges = {}
    for rel_type, e in c.edges_by_type.items():
        assert (np.diff(e.key) > 0).all()  # in key order
        edges[rel_type] = sorted(
            (c.ids[s], c.ids[d], None if k < 0 else c.edge_kinds.names[k], int(a), int(b))
            for s, d, k, a, b in zip(
                e.src.tolist(),
                e.dst.tolist(),
                e.kind.tolist(),
                e.start.tolist(),
                e.end.tolist(),
                strict=True,
            )
        )
    return nodes, edges


def expected(
    nodes: list[Node], edges: list[Edge]
) -> tuple[dict[str, NodeRow], dict[str, list[EdgeRow]]]:
    """The same, worked out from the records written (the last record of an id or key wins)."""

    def days(start: date | None, end: date | None) -> tuple[int, int]:
        return (
            NO_START if start is None else start.toordinal(),
            NO_END if end is None else end.toordinal(),
        )

    def num(props: Any, name: str) -> float | None:
        return None if props.get(name) is None else float(props[name])

    by_id = {n.id: n for n in nodes}
    by_key = {e.key: e for e in edges}
    found_nodes = {
        n.id: (
            n.label,
            n.kind,
            *days(n.valid_from, n.valid_to),
            bool(n.props.get("unresolved")),
            num(n.props, "members"),
            num(n.props, "employees"),
            num(n.props, "state_equity_pct"),
        )
        for n in by_id.values()
    }
    found_edges: dict[str, list[EdgeRow]] = {}
    for e in by_key.values():
        found_edges.setdefault(e.type, []).append(
            (e.src, e.dst, e.kind, *days(e.valid_from, e.valid_to))
        )
    return found_nodes, {t: sorted(rows) for t, rows in found_edges.items()}


def fresh(store: EmbeddedStore) -> Columns:
    """Columns of a model built anew from the store's rows (nothing carried over)."""
    with store.reading() as graph:
        return embedded._built(store._conn, graph.generation).columns()


@pytest.fixture
def store(tmp_path: Path) -> EmbeddedStore:
    opened = EmbeddedStore(tmp_path / "c.db")
    write(opened, NODES, EDGES)
    return opened


# -- built right ---------------------------------------------------------------------------------


def test_columns_hold_the_records(store: EmbeddedStore) -> None:
    c = store.columns()
    assert c.generation == store._generation == 1
    assert content(c) == expected(NODES, EDGES)
    at = {node_id: i for i, node_id in enumerate(c.ids)}
    assert sorted(at) == ["a1", "b1", "e1", "ghost", "root"]
    assert (int(c.start[at["b1"]]), int(c.end[at["b1"]])) == (
        D("2010-01-01").toordinal(),
        D("2020-01-01").toordinal(),
    )
    assert (int(c.start[at["root"]]), int(c.end[at["root"]])) == (NO_START, NO_END)
    assert c.unresolved.tolist() == [i == at["ghost"] for i in range(5)]
    assert c.prop("employees")[at["e1"]] == 60
    assert c.prop("state_equity_pct")[at["e1"]] == 0.0
    assert math.isnan(c.prop("employees")[at["b1"]])
    based = c.edges("BASED_IN")
    assert (based.src.tolist(), based.dst.tolist(), based.kind.tolist()) == (
        [at["b1"]],
        [at["e1"]],
        [-1],
    )
    assert len(c.edges("OWNS")) == 0  # a type with no edges: empty columns
    keys = sorted(k for (k,) in store._conn.execute("SELECT eid FROM edges"))
    assert sorted(k for e in c.edges_by_type.values() for k in e.key.tolist()) == keys


def test_labels_kinds_and_rank(store: EmbeddedStore) -> None:
    c = store.columns()
    ids = np.array(c.ids)
    assert sorted(ids[c.label_is("PartyOrg")].tolist()) == ["b1", "ghost", "root"]
    assert c.label_is("Body").tolist() == [False] * 5  # a label nobody has
    assert ids[c.kind_in(["branch", "street", "no-such-kind"])].tolist() == sorted(
        ["b1", "a1"], key=c.ids.index
    )
    assert [c.ids[i] for i in np.argsort(c.rank())] == sorted(c.ids)
    aff = c.edges("AFFILIATED_TO")
    assert c.edge_kind_is(aff, "direct").sum() == 1
    assert not c.edge_kind_is(aff, "no-such-kind").any()


@pytest.mark.parametrize(
    ("on", "alive"),
    [
        ("2009-12-31", ["a1", "ghost", "root"]),
        ("2010-01-01", ["a1", "b1", "ghost", "root"]),  # valid_from: inclusive
        ("2015-05-31", ["a1", "b1", "ghost", "root"]),
        ("2015-06-01", ["a1", "b1", "e1", "ghost", "root"]),
        ("2019-12-31", ["a1", "b1", "e1", "ghost", "root"]),
        ("2020-01-01", ["a1", "e1", "ghost", "root"]),  # valid_to: exclusive
    ],
)
def test_nodes_alive_at_interval_boundaries(
    store: EmbeddedStore, on: str, alive: list[str]
) -> None:
    c = store.columns()
    assert sorted(np.array(c.ids)[c.alive(day(D(on)))].tolist()) == alive


@pytest.mark.parametrize(
    ("on", "aff_kinds", "instructor", "based_started"),
    [
        ("2009-12-31", [], False, False),
        ("2010-01-01", ["territorial"], False, False),
        ("2014-12-31", ["territorial"], False, False),
        ("2015-01-01", ["direct"], False, False),  # one line ends the day the other begins
        ("2015-06-01", ["direct"], False, True),
        ("2016-01-01", ["direct"], True, True),  # a line of one day
        ("2016-01-02", ["direct"], False, True),
    ],
)
def test_edges_active_at_interval_boundaries(
    store: EmbeddedStore, on: str, aff_kinds: list[str], instructor: bool, based_started: bool
) -> None:
    c = store.columns()
    n = day(D(on))
    aff = c.edges("AFFILIATED_TO")
    assert [c.edge_kinds.names[k] for k in aff.kind[aff.active(n)].tolist()] == aff_kinds
    assert c.edges("SUPERVISES").active(n).tolist() == [instructor]
    assert c.edges("BASED_IN").started(n).tolist() == [based_started]
    assert c.edges("LOCATED_IN").active(n).tolist() == [True]  # no dates: always


def test_days_are_ordinals() -> None:
    assert day(D("0001-01-01")) == 1 > NO_START
    assert day(D("9999-12-31")) < NO_END


# -- kept current --------------------------------------------------------------------------------


def test_one_build_per_generation(store: EmbeddedStore) -> None:
    first = store.columns()
    assert store.columns() is first
    with store.reading():
        assert store.columns() is first


LATER_NODES = [
    Node(
        "b1", "PartyOrg", "general_branch", "B1", D("2010-01-01"), D("2021-01-01"), {"members": 40}
    ),  # changed kind, end and members
    Node("b2", "PartyOrg", "branch", "B2", D("2018-01-01")),  # new
]
LATER_EDGES = [
    Edge("AFFILIATED_TO", "b1", "root", "direct", D("2015-01-01"), D("2019-01-01")),  # ended
    Edge("AFFILIATED_TO", "b2", "b1", "territorial", D("2018-01-01")),  # new
    Edge("OWNS", "e1", "e1", None),  # a type that had no edges
]


def test_a_write_by_this_process_brings_the_columns_forward(store: EmbeddedStore) -> None:
    before = store.columns()
    kept = content(before)
    write(store, LATER_NODES, LATER_EDGES)
    after = store.columns()
    assert after is not before
    assert after.generation == 2
    assert content(after) == expected(NODES + LATER_NODES, EDGES + LATER_EDGES)
    assert content(before) == kept  # the old object is left as it was
    assert content(after) == content(fresh(store))


def test_a_write_by_another_process_is_seen(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    reader = EmbeddedStore(path)
    write(reader, NODES, EDGES)
    assert content(reader.columns()) == expected(NODES, EDGES)
    before = ORPHANS.run(reader, OrphansParams(as_of=D("2019-06-01")))
    assert [(i.id, i.reason) for i in before.items] == []
    script = textwrap.dedent(f"""
        from datetime import date
        from graph_schema.records import Edge, Node
        from stores.embedded import EmbeddedStore
        store = EmbeddedStore({str(path)!r})
        with store.writer() as w:
            w.upsert_nodes([Node("b1", "PartyOrg", "general_branch", "B1", date(2010, 1, 1),
                                 date(2021, 1, 1), {{"members": 40}}),
                            Node("b2", "PartyOrg", "branch", "B2", date(2018, 1, 1))])
            w.upsert_edges([Edge("AFFILIATED_TO", "b1", "root", "direct", date(2015, 1, 1),
                                 date(2019, 1, 1)),
                            Edge("AFFILIATED_TO", "b2", "b1", "territorial", date(2018, 1, 1)),
                            Edge("OWNS", "e1", "e1", None)])
        store.close()
    """)
    subprocess.run([sys.executable, "-c", script], cwd=REPO, check=True)
    after = reader.columns()
    assert after.generation == 2
    assert content(after) == expected(NODES + LATER_NODES, EDGES + LATER_EDGES)
    # b1's line ended on 2019-01-01 in the other process's write: an orphan now
    result = ORPHANS.run(reader, OrphansParams(as_of=D("2019-06-01")))
    assert [(i.id, i.reason, i.related_id, i.since) for i in result.items] == [
        ("b1", "affiliation_ended", "root", D("2019-01-01"))
    ]


def test_a_large_write_rebuilds(store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[int] = []
    real = embedded._built

    def counting(*args: Any) -> Model:
        built.append(1)
        return real(*args)

    monkeypatch.setattr(embedded, "_built", counting)
    store.columns()
    write(store, [Node("b3", "PartyOrg", "branch", "B3")], [])  # 1 row of 11: moved on
    store.columns()
    assert built == []
    many = [Node(f"n{i}", "PartyOrg", "branch", f"N{i}") for i in range(10)]
    write(store, many, [])  # 10 rows of 21: more than a quarter, rebuilt
    assert content(store.columns()) == expected(
        [*NODES, Node("b3", "PartyOrg", "branch", "B3"), *many], EDGES
    )
    assert built == [1]


def _random_records(rng: random.Random, n: int, ids: list[str]) -> tuple[list[Node], list[Edge]]:
    days = [None, D("2010-01-01"), D("2015-06-01"), D("2020-01-01")]
    labels = {
        "PartyOrg": ["branch", "committee"],
        "Enterprise": ["private", "soe"],
        "Area": ["street"],
        "Body": ["sasac"],
    }

    def interval() -> tuple[date | None, date | None]:
        start, end = rng.choice(days), rng.choice(days)
        if start and end and end < start:
            return end, start
        return start, None if end == start else end

    nodes = []
    for _ in range(n):
        node_id = rng.choice(ids)
        label = ["PartyOrg", "Enterprise", "Area", "Body"][int(node_id[1:]) % 4]  # stays
        props: dict[str, Any] = {}
        if rng.random() < 0.5:
            props = {
                "members": rng.randint(0, 9),
                "employees": rng.randint(0, 99),
                "state_equity_pct": rng.choice([0.0, 50.0, 50.5]),
                "unresolved": rng.random() < 0.2,
            }
        nodes.append(Node(node_id, label, rng.choice(labels[label]), node_id, *interval(), props))
    known = {node.id for node in nodes}
    edges = []
    for _ in range(2 * n):
        src, dst = rng.choice(sorted(known)), rng.choice(sorted(known))
        rel = rng.choice(["AFFILIATED_TO", "SUPERVISES", "BASED_IN"])
        kind = None if rel == "BASED_IN" else rng.choice(["territorial", "guidance"])
        start = rng.choice(days)
        end = rng.choice([None, D("2024-01-01"), D("2030-01-01")])
        edges.append(Edge(rel, src, dst, kind, start, end))
    return nodes, edges


@pytest.mark.parametrize("seed", range(6))
def test_random_writes_keep_the_columns_equal_to_the_records(tmp_path: Path, seed: int) -> None:
    """Writes of every size, by this process and by another store on the file: after each,
    the columns are exactly what the records say, and what a fresh build finds."""
    rng = random.Random(seed)
    path = tmp_path / "r.db"
    store, other = EmbeddedStore(path), EmbeddedStore(path)
    ids = [f"x{i:02d}" for i in range(40)]
    all_nodes: list[Node] = []
    all_edges: list[Edge] = []
    for step in range(8):
        nodes, edges = _random_records(rng, rng.choice([1, 3, 30]), ids)
        write(other if step % 2 else store, nodes, edges)
        all_nodes += nodes
        all_edges += edges
        c = store.columns()
        assert content(c) == expected(all_nodes, all_edges), step
    assert content(store.columns()) == content(fresh(store))
