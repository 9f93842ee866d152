"""The store contract: the same tests, the same data, the same answers, on both stores."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pytest

from dedupe.judgements import NoStandingJudgementError, judge, standing, withdraw
from graph_schema.records import Edge, Judgement, Node, Source, Transfer
from stores.base import GraphStore, JudgementConflictError, LabelChangeError, UnknownNodeError

D = date.fromisoformat

SOURCE = Source(
    "soe_reform_2022",
    {"title": "Tianjin mixed-ownership reform", "date": D("2022-07-05"), "language": "en"},
)
SASAC = Node(
    "tj-sasac-pc",
    "PartyOrg",
    "committee",
    "天津市国资委党委",
    props={
        "name_en": "Tianjin SASAC Party Committee",
        "members": 120,
        "source": "soe_reform_2022",
        "quote": "市国资委党委",
    },
)
ZH = Node("tj-zhonghuan-pc", "PartyOrg", "committee", "中环集团党委")
JINZHI = Node("tj-jinzhi-pc", "PartyOrg", "committee", "津智资本党委", valid_from=D("2018-01-01"))
JV_ORG = Node(
    "天津-中环三星-党支部",
    "PartyOrg",
    "branch",
    "中环三星合资企业党支部",
    props={"aliases": ["Zhonghuan–Samsung JV branch", "中环三星"], "members": 31},
)
JV = Node(
    "tj-jv",
    "Enterprise",
    "joint_venture",
    "中环三星",
    valid_from=D("2010-05-01"),
    props={"state_equity_pct": 49.5, "employees": 800},
)
SEOUL = Node("kr-samsung", "Enterprise", "foreign", "Samsung", valid_to=D("2030-01-01"))
NODES = [SASAC, ZH, JINZHI, JV_ORG, JV, SEOUL]

OLD_LINE = Edge(
    "AFFILIATED_TO",
    JV_ORG.id,
    ZH.id,
    "system",
    D("2015-01-01"),
    D("2022-07-05"),
    {"source": "soe_reform_2022", "quote": "剥离"},
)
NEW_LINE = Edge(
    "AFFILIATED_TO",
    JV_ORG.id,
    JINZHI.id,
    "system",
    D("2022-07-05"),
    None,
    {"source": "soe_reform_2022"},
)
ZH_LINE = Edge("AFFILIATED_TO", ZH.id, SASAC.id, "system")
BASED = Edge("BASED_IN", JV_ORG.id, JV.id)
OWNS = Edge("OWNS", SEOUL.id, JV.id, None, D("2010-05-01"), None, {"share_pct": 50.5})
GUIDES = Edge("SUPERVISES", SASAC.id, JV.id, "guidance", None, D("2022-07-05"))
EDGES = [OLD_LINE, NEW_LINE, ZH_LINE, BASED, OWNS, GUIDES]
TRANSFER = Transfer(
    "tj-transfer-jv",
    JV_ORG.id,
    "transferred",
    D("2022-07-05"),
    {"from": ZH.id, "decided_to": JINZHI.id, "source": "soe_reform_2022"},
)


def load_all(store: GraphStore) -> None:
    with store.writer() as w:
        w.upsert_sources([SOURCE])
        w.upsert_nodes(NODES)
        w.upsert_edges(EDGES)
        w.upsert_transfers([TRANSFER])


def write(
    store: GraphStore,
    nodes: list[Node],
    edges: list[Edge] | None = None,
    then: Exception | None = None,
) -> None:
    """One write of nodes then edges; ``then`` is raised inside the block, after them."""
    with store.writer() as w:
        w.upsert_nodes(nodes)
        w.upsert_edges(edges or [])
        if then is not None:
            raise then


def snapshot(store: GraphStore) -> tuple[object, ...]:
    """Everything a store holds, in a comparable form."""
    return (
        store.counts(),
        list(store.iter_nodes()),
        list(store.iter_edges()),
        list(store.iter_transfers()),
        list(store.iter_sources()),
    )


def test_upsert_then_read_back_exactly(store: GraphStore) -> None:
    load_all(store)
    for node in NODES:
        assert store.get_node(node.id) == node
    assert store.get_node("no-such-id") is None
    wanted = [*(n.id for n in reversed(NODES)), "no-such-id", NODES[0].id]
    assert store.get_nodes(wanted) == {n.id: n for n in NODES}
    assert store.get_nodes([]) == {}
    assert store.get_source(SOURCE.id) == SOURCE
    assert list(store.iter_transfers()) == [TRANSFER]
    assert list(store.iter_edges()) == sorted(EDGES, key=lambda e: e.key)


def test_node_id_with_chinese_characters(store: GraphStore) -> None:
    load_all(store)
    assert store.get_node("天津-中环三星-党支部") == JV_ORG
    assert store.node_labels(["天津-中环三星-党支部", "tj-jv", "nope"]) == {
        "天津-中环三星-党支部": "PartyOrg",
        "tj-jv": "Enterprise",
    }
    assert [e.dst for e in store.edges("天津-中环三星-党支部", types=["BASED_IN"])] == ["tj-jv"]


def test_write_summary_counts_created(store: GraphStore) -> None:
    with store.writer() as w:
        w.upsert_sources([SOURCE])
        w.upsert_nodes(NODES)
        w.upsert_edges(EDGES)
    assert {k: dict(v) for k, v in w.summary.counts.items()} == {
        "source": {"created": 1},
        "node": {"created": 6},
        "edge": {"created": 6},
    }


def test_reupsert_is_idempotent(store: GraphStore) -> None:
    load_all(store)
    before = snapshot(store)
    with store.writer() as w:
        w.upsert_sources([SOURCE])
        w.upsert_nodes(NODES)
        w.upsert_edges(EDGES)
        w.upsert_transfers([TRANSFER])
    assert w.summary.total("unchanged") == 14
    assert not w.summary.changed
    assert snapshot(store) == before


def test_update_replaces_properties(store: GraphStore) -> None:
    load_all(store)
    renamed = Node(
        JV_ORG.id, "PartyOrg", "general_branch", "中环三星党总支", props={"members": 55}
    )  # aliases dropped
    longer = Edge(OWNS.type, OWNS.src, OWNS.dst, None, OWNS.valid_from, None, {"share_pct": 60.0})
    with store.writer() as w:
        w.upsert_nodes([renamed, ZH])
        w.upsert_edges([longer])
    assert {k: dict(v) for k, v in w.summary.counts.items()} == {
        "node": {"updated": 1, "unchanged": 1},
        "edge": {"updated": 1},
    }
    assert store.get_node(JV_ORG.id) == renamed
    assert store.edges(SEOUL.id, types=["OWNS"]) == [longer]
    assert store.counts().nodes == 6
    assert store.counts().edges == 6


@pytest.mark.parametrize(
    ("as_of", "superiors"),
    [
        (D("2014-12-31"), []),  # before the first line began
        (D("2015-01-01"), ["tj-zhonghuan-pc"]),  # valid_from is inclusive
        (D("2022-07-04"), ["tj-zhonghuan-pc"]),  # the last day of the old line
        (D("2022-07-05"), ["tj-jinzhi-pc"]),  # valid_to is exclusive; new line begins
        (D("2030-01-01"), ["tj-jinzhi-pc"]),  # open-ended
        (None, ["tj-jinzhi-pc", "tj-zhonghuan-pc"]),  # no date: every line
    ],
)
def test_edges_as_of_interval_boundaries(
    store: GraphStore, as_of: date | None, superiors: list[str]
) -> None:
    load_all(store)
    found = store.edges(JV_ORG.id, types=["AFFILIATED_TO"], as_of=as_of)
    assert [e.dst for e in found] == superiors


def test_edges_by_direction_and_type(store: GraphStore) -> None:
    load_all(store)
    assert [(e.type, e.src) for e in store.edges(JV.id, direction="in")] == [
        ("BASED_IN", JV_ORG.id),
        ("OWNS", SEOUL.id),
        ("SUPERVISES", SASAC.id),
    ]
    assert store.edges(JV.id, direction="out") == []
    both = store.edges(
        JV_ORG.id, direction="both", types={"AFFILIATED_TO", "BASED_IN"}, as_of=D("2023-01-01")
    )
    assert [(e.type, e.dst) for e in both] == [("AFFILIATED_TO", JINZHI.id), ("BASED_IN", JV.id)]
    assert store.edges(SASAC.id, direction="in", types=["AFFILIATED_TO"]) == [ZH_LINE]
    assert store.edges("no-such-id", direction="both") == []


def test_iterate_by_label_and_kind_and_count(store: GraphStore) -> None:
    load_all(store)
    assert [n.id for n in store.iter_nodes(label="Enterprise")] == ["kr-samsung", "tj-jv"]
    assert [n.id for n in store.iter_nodes(label="PartyOrg", kind="committee")] == [
        "tj-jinzhi-pc",
        "tj-sasac-pc",
        "tj-zhonghuan-pc",
    ]
    assert list(store.iter_nodes(label="NoSuchLabel")) == []
    counts = store.counts()
    assert counts.nodes_by_label == {"Enterprise": 2, "PartyOrg": 4}
    assert counts.edges_by_type == {"AFFILIATED_TO": 3, "BASED_IN": 1, "OWNS": 1, "SUPERVISES": 1}
    assert (counts.nodes, counts.edges, counts.transfers, counts.sources) == (6, 6, 1, 1)


def test_failed_write_unknown_endpoint_leaves_store_unchanged(store: GraphStore) -> None:
    load_all(store)
    before = snapshot(store)
    newcomer = Node("tj-new-branch", "PartyOrg", "branch", "新支部")
    changed = Node(SASAC.id, "PartyOrg", "committee", "renamed in the failed write")
    line = Edge("AFFILIATED_TO", newcomer.id, "no-such-superior", "territorial")
    with pytest.raises(UnknownNodeError, match="no-such-superior"):
        write(store, [newcomer, changed], [line])
    after = snapshot(store)
    assert after == before
    assert store.get_node(newcomer.id) is None
    assert store.get_node(SASAC.id) == SASAC


def test_failed_write_exception_in_block_leaves_store_unchanged(store: GraphStore) -> None:
    load_all(store)
    before = snapshot(store)
    with pytest.raises(RuntimeError, match="interrupted"):
        write(
            store,
            [Node("tj-other", "Body", "sasac", "其他")],
            [Edge("SUPERVISES", "tj-other", JV.id, "inspection")],
            RuntimeError("interrupted"),
        )
    assert snapshot(store) == before


def test_label_change_is_refused_and_nothing_written(store: GraphStore) -> None:
    load_all(store)
    before = snapshot(store)
    with pytest.raises(LabelChangeError, match="tj-jv"):
        write(
            store,
            [
                Node("fresh", "Area", "street", "某街道"),
                Node(JV.id, "Body", "other", "not an enterprise"),
            ],
        )
    assert snapshot(store) == before


def test_reopen_sees_the_same_data(
    store: GraphStore, store_kind: str, open_store: Callable[[str], GraphStore]
) -> None:
    load_all(store)
    before = snapshot(store)
    store.close()
    reopened = open_store(store_kind)
    assert snapshot(reopened) == before
    assert reopened.edges(JV_ORG.id, types=["AFFILIATED_TO"], as_of=D("2020-01-01")) == [OLD_LINE]


# -- judgements of candidate duplicates ---------------------------------------------------------

T1, T2, T3 = "2026-12-01T09:00:00.000000+00:00", "2026-12-02T09:00:00", "2026-12-03T09:00:00"


def test_judgements_keep_their_history_on_both_stores(store: GraphStore) -> None:
    """A judgement of a pair, a later one replacing it (the first kept, marked superseded),
    a withdrawal (kept, marked withdrawn): each one write, read back alike on both stores."""
    load_all(store)
    pair = (JINZHI.id, ZH.id)
    judged = judge(store, ZH.id, JINZHI.id, "unsure", "ana", "same group?", at=T1)
    assert judged.pair == pair
    assert list(store.iter_judgements()) == [judged]
    again = judge(store, *pair, "different", "bo", at=T2)
    history = list(store.iter_judgements(pair=pair))
    assert history == [replace(judged, ended_at=T2, ended="superseded", ended_by="bo"), again]
    assert list(store.iter_judgements(standing=True)) == [again]
    assert standing(store) == {pair: again}
    withdrawn = withdraw(store, *pair, "ana", at=T3)
    assert withdrawn == replace(again, ended_at=T3, ended="withdrawn", ended_by="ana")
    assert list(store.iter_judgements(standing=True)) == []
    assert len(list(store.iter_judgements())) == 2  # nothing is ever deleted
    with pytest.raises(NoStandingJudgementError):
        withdraw(store, *pair, "ana")


def write_judgements(store: GraphStore, nodes: list[Node], judgements: list[Judgement]) -> None:
    with store.writer() as w:
        w.upsert_nodes(nodes)
        w.upsert_judgements(judgements)


def end_then_fail(store: GraphStore, pair: tuple[str, str]) -> None:
    with store.writer() as w:
        w.end_judgements([pair], at=T2, how="withdrawn", who="bo")
        raise RuntimeError("interrupted")


def test_judgements_are_all_or_nothing_and_name_known_nodes(store: GraphStore) -> None:
    load_all(store)
    before = list(store.iter_judgements())
    with pytest.raises(UnknownNodeError, match="no-such-node"):
        judge(store, SASAC.id, "no-such-node", "same", "ana")
    first = judge(store, SASAC.id, ZH.id, "different", "ana", at=T1)
    twice = Judgement("j-copy", SASAC.id, ZH.id, "same", "bo", T2)  # beside a standing one
    with pytest.raises(JudgementConflictError, match="tj-sasac-pc"):
        write_judgements(store, [Node("fresh", "Area", "street", "某街道")], [twice])
    assert store.get_node("fresh") is None
    assert [*before, first] == list(store.iter_judgements())
    with pytest.raises(RuntimeError, match="interrupted"):
        end_then_fail(store, first.pair)
    assert list(store.iter_judgements(standing=True)) == [first]


def test_judgements_reloaded_as_they_are(store: GraphStore) -> None:
    """An export's judgements, written back as they are, are the same records; writing
    them again changes nothing."""
    load_all(store)
    old = Judgement("j-1", SASAC.id, ZH.id, "same", "ana", T1, "典型", T2, "superseded", "bo")
    new = Judgement("j-2", SASAC.id, ZH.id, "different", "bo", T2)
    with store.writer() as w:
        w.upsert_judgements([old, new])
    assert dict(w.summary.counts["judgement"]) == {"created": 2}
    with store.writer() as w:
        w.upsert_judgements([new, old])
    assert dict(w.summary.counts["judgement"]) == {"unchanged": 2}
    assert not w.summary.changed
    assert list(store.iter_judgements()) == [old, new]
