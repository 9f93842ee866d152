"""The browsing queries — node, subtree, stats, transfers, history, search — give the same
exact answers on both stores, on hand-built graphs and on the public cases."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from graph_schema.records import Edge, Node, Transfer
from loaders.load import load_paths
from queries.base import EntityParams, NotFoundError, QueryError
from queries.history import HISTORY, TRANSFERS, HistoryParams, TransfersParams
from queries.node import NODE, NodeResult
from queries.search import SEARCH, SearchParams
from queries.stats import STATS, StatsParams
from queries.subtree import SUBTREE, SubtreeParams, TreeNode
from stores.base import GraphStore
from tests.conftest import Dataset
from tests.query_graphs_browse import load_details, load_moves, load_names, load_tree

D = date.fromisoformat


@pytest.fixture
def tree(read_only: Callable[[Dataset], GraphStore]) -> GraphStore:
    return read_only(("tree", load_tree))


@pytest.fixture
def details(read_only: Callable[[Dataset], GraphStore]) -> GraphStore:
    return read_only(("details", load_details))


@pytest.fixture
def moves(read_only: Callable[[Dataset], GraphStore]) -> GraphStore:
    return read_only(("moves", load_moves))


@pytest.fixture
def names(read_only: Callable[[Dataset], GraphStore]) -> GraphStore:
    return read_only(("names", load_names))


@pytest.fixture
def cases(read_only: Callable[[Dataset], GraphStore], cases_dir: Path) -> GraphStore:
    return read_only(("cases", lambda store: load_paths(store, [cases_dir])))


# -- node ---------------------------------------------------------------------------------------


def test_node_has_every_declared_property_and_its_source(details: GraphStore) -> None:
    store = details
    result = NODE.run(store, EntityParams(id="co", as_of=D("2023-12-31")))
    assert result.model_dump(exclude={"load"}) == {
        "id": "co",
        "label": "Enterprise",
        "kind": "mixed",
        "name": "天津某集团有限公司",
        "name_en": "Tianjin Some Group",
        "aliases": ["某集团", "Some Group"],
        "valid_from": D("2001-02-03"),
        "valid_to": D("2024-01-01"),
        "valid_from_precision": None,
        "valid_to_precision": None,
        "source": "doc-2020",
        "quote": "某集团……",
        "page": "p. 3",
        "unresolved": None,
        "members": None,
        "employees": 5200,
        "state_equity_pct": 12.5,
        "uscc": "91350100M000100Y43",
        "as_of": D("2023-12-31"),
        "active": True,
        "source_record": {
            "id": "doc-2020",
            "title": "A document",
            "publisher": "A publisher",
            "date": D("2020-05-01"),
            "date_precision": None,
            "url": "https://example.org/doc",
            "language": "zh",
        },
        "same_as": None,
    }


def test_node_active_on_the_interval_boundaries(details: GraphStore) -> None:
    store = details
    days = {"2001-02-02": False, "2001-02-03": True, "2023-12-31": True, "2024-01-01": False}
    assert {
        day: NODE.run(store, EntityParams(id="co", as_of=D(day))).model_dump()["active"]
        for day in days
    } == days


def test_node_without_a_known_source_and_a_placeholder(details: GraphStore) -> None:
    store = details
    party = NODE.run(store, EntityParams(id="co-pc")).model_dump(exclude={"load"})
    assert (
        party["label"],
        party["members"],
        party["source"],
        party["quote"],
        party["source_record"],
        party["employees"],
    ) == ("PartyOrg", 310, "nowhere", "a quote", None, None)
    placeholder = NODE.run(store, EntityParams(id="ph")).model_dump(exclude={"load"})
    assert (placeholder["unresolved"], placeholder["active"]) == (True, True)
    plain = NODE.run(store, EntityParams(id="plain")).model_dump(exclude={"load"})
    assert {k for k, v in plain.items() if v is not None} == {
        "id",
        "label",
        "kind",
        "name",
        "as_of",
        "active",
    }


def test_node_model_is_derived_from_the_declaration() -> None:
    fields = set(NodeResult.model_fields)
    assert {
        "members",
        "employees",
        "state_equity_pct",
        "uscc",
        "aliases",
        "unresolved",
        "page",
        "source_record",
        "active",
    } <= fields


def test_node_refuses_unknown_ids(details: GraphStore) -> None:
    store = details
    with pytest.raises(NotFoundError, match="nope"):
        NODE.run(store, EntityParams(id="nope"))


# -- subtree ------------------------------------------------------------------------------------


def shape(node: TreeNode) -> Any:
    """A tree as (id, hidden, [children]) tuples, or (id, hidden) for a leaf."""
    if node.children:
        return (node.id, node.hidden, [shape(c) for c in node.children])
    return (node.id, node.hidden)


def subtree(store: GraphStore, node_id: str, as_of: str, **kw: Any) -> Any:
    return SUBTREE.run(store, SubtreeParams(id=node_id, as_of=D(as_of), **kw))


def test_subtree_depth_cut_counts_hidden_children(tree: GraphStore) -> None:
    result = subtree(tree, "top", "2023-12-31", depth=2)
    assert shape(result.tree) == (
        "top",
        0,
        [
            ("cy-1", 0, [("cy-2", 0)]),  # cy-2's children cy-1 and top are shown already
            ("ga", 0, [("both", 0), ("ga-1", 1), ("ga-2", 0)]),
            ("gb", 0, [("gb-2", 0)]),  # both hangs under ga, its first superior by id
        ],
    )
    assert (result.total, result.truncated, result.active) == (9, False, True)
    assert result.counts == {"branch": 5, "committee": 2, "general_branch": 2}
    one = subtree(tree, "top", "2023-12-31", depth=1)
    assert shape(one.tree) == ("top", 0, [("cy-1", 1), ("ga", 3), ("gb", 2)])
    assert (one.total, one.truncated) == (4, False)


def test_subtree_nodes_carry_their_fields(tree: GraphStore) -> None:
    result = subtree(tree, "top", "2023-12-31", depth=1)
    assert result.tree.model_dump(exclude={"children"}) == {
        "id": "top",
        "label": "PartyOrg",
        "kind": "committee",
        "name": "Org top",
        "members": 100,
        "hidden": 0,
    }
    assert [(c.kind, c.members) for c in result.tree.children] == [
        ("committee", None),
        ("general_branch", 30),
        ("general_branch", 20),
    ]


def test_subtree_interval_boundaries(tree: GraphStore) -> None:
    before = subtree(tree, "top", "2023-12-31", depth=50)
    assert shape(before.tree) == (
        "top",
        0,
        [
            ("cy-1", 0, [("cy-2", 0)]),
            ("ga", 0, [("both", 0), ("ga-1", 0, [("ga-1-x", 0, [("ga-1-x-y", 0)])]), ("ga-2", 0)]),
            ("gb", 0, [("gb-2", 0)]),
        ],
    )
    on_day = subtree(tree, "top", "2024-01-01", depth=50)
    assert shape(on_day.tree) == (
        "top",
        0,
        [
            ("cy-1", 0, [("cy-2", 0)]),
            ("ga", 0, [("both", 0), ("ga-1", 0, [("ga-1-x", 0, [("ga-1-x-y", 0)])])]),
            ("gb", 0, [("gb-1", 0)]),
            ("jc", 0),
        ],
    )
    assert (before.total, on_day.total) == (11, 11)
    assert on_day.counts == {"branch": 6, "committee": 2, "general_branch": 2, "joint_branch": 1}


def test_subtree_max_nodes_cuts_breadth_first(tree: GraphStore) -> None:
    result = subtree(tree, "top", "2023-12-31", depth=50, max_nodes=5)
    assert shape(result.tree) == ("top", 0, [("cy-1", 1), ("ga", 2, [("both", 0)]), ("gb", 1)])
    assert (result.total, result.truncated) == (5, True)
    alone = subtree(tree, "top", "2023-12-31", max_nodes=1)
    assert (shape(alone.tree), alone.total, alone.truncated) == (("top", 3), 1, True)
    exact = subtree(tree, "top", "2023-12-31", depth=50, max_nodes=11)
    assert (exact.total, exact.truncated) == (11, False)


def test_subtree_stops_at_the_deepest_level(tree: GraphStore) -> None:
    result = subtree(tree, "deep-00", "2025-01-01", depth=50)
    node, levels = result.tree, 0
    while node.children:
        (node,) = node.children
        levels += 1
    assert (levels, node.id, node.hidden, result.total) == (50, "deep-50", 1, 51)


def test_subtree_of_a_dissolved_leaf_and_refusals(tree: GraphStore) -> None:
    dead = subtree(tree, "dead", "2023-12-31")
    assert (shape(dead.tree), dead.active, dead.total) == (("dead", 0), False, 1)
    with pytest.raises(NotFoundError, match="nope"):
        subtree(tree, "nope", "2023-12-31")
    with pytest.raises(QueryError, match="is a Enterprise"):
        subtree(tree, "host", "2023-12-31")
    with pytest.raises(ValidationError):
        SubtreeParams(id="top", depth=51)
    with pytest.raises(ValidationError):
        SubtreeParams(id="top", max_nodes=0)


# -- stats --------------------------------------------------------------------------------------


def stats(store: GraphStore, as_of: str, root: str | None = None) -> dict[str, Any]:
    return STATS.run(store, StatsParams(as_of=D(as_of), root=root)).model_dump(exclude={"load"})


def test_stats_under_a_root_on_the_interval_boundaries(tree: GraphStore) -> None:
    assert stats(tree, "2023-12-31", "top") == {
        "as_of": D("2023-12-31"),
        "root": "top",
        "total": 11,
        "by_label": {"PartyOrg": 11},
        "by_kind": [
            {"label": "PartyOrg", "kind": "branch", "count": 7},
            {"label": "PartyOrg", "kind": "committee", "count": 2},
            {"label": "PartyOrg", "kind": "general_branch", "count": 2},
        ],
        "members": 183,
    }
    on_day = stats(tree, "2024-01-01", "top")
    assert (on_day["total"], on_day["members"]) == (11, 181)
    assert [(k["kind"], k["count"]) for k in on_day["by_kind"]] == [
        ("branch", 6),
        ("committee", 2),
        ("general_branch", 2),
        ("joint_branch", 1),
    ]


def test_stats_of_the_whole_graph(tree: GraphStore) -> None:
    assert stats(tree, "2023-12-31") == {
        "as_of": D("2023-12-31"),
        "root": None,
        "total": 71,
        "by_label": {"Body": 1, "Enterprise": 1, "PartyOrg": 69},
        "by_kind": [
            {"label": "Body", "kind": "organization_dept", "count": 1},
            {"label": "Enterprise", "kind": "private", "count": 1},
            {"label": "PartyOrg", "kind": "branch", "count": 64},
            {"label": "PartyOrg", "kind": "committee", "count": 2},
            {"label": "PartyOrg", "kind": "general_branch", "count": 2},
            {"label": "PartyOrg", "kind": "local_committee", "count": 1},
        ],
        "members": 255,
    }
    early = stats(tree, "2005-01-01")  # dead and the park still exist; jc does not
    assert early["by_label"] == {"Area": 1, "Body": 1, "Enterprise": 1, "PartyOrg": 70}
    assert early["members"] == 305


def test_stats_root_counts_itself_only_while_it_exists(tree: GraphStore) -> None:
    assert stats(tree, "2023-12-31", "dead")["total"] == 0
    assert stats(tree, "2005-01-01", "dead")["by_kind"] == [
        {"label": "PartyOrg", "kind": "branch", "count": 1}
    ]
    deep = stats(tree, "2025-01-01", "deep-00")  # at most 50 levels below the root
    assert (deep["total"], deep["members"]) == (51, 51)


def test_stats_refusals(tree: GraphStore) -> None:
    with pytest.raises(NotFoundError, match="nope"):
        stats(tree, "2023-12-31", "nope")
    with pytest.raises(QueryError, match="is a Body"):
        stats(tree, "2023-12-31", "bureau")


# -- transfers ----------------------------------------------------------------------------------


def transfer_ids(store: GraphStore, **params: Any) -> list[str]:
    result = TRANSFERS.run(store, TransfersParams.model_validate(params))
    assert result.total == len(result.items) or "limit" in params
    return [item.id for item in result.items]


def test_transfers_order_and_filters(moves: GraphStore) -> None:
    store = moves
    assert transfer_ids(store) == [
        "a-undated",
        "t-mover-idea",
        "t-mover-2010",
        "t-stayer",
        "t-mover-2020",
        "t-stayer-open",
    ]
    assert transfer_ids(store, status="pending") == ["a-undated", "t-stayer-open"]
    assert transfer_ids(store, org="mover") == ["t-mover-idea", "t-mover-2010", "t-mover-2020"]
    assert transfer_ids(store, org="mover", status="transferred") == [
        "t-mover-2010",
        "t-mover-2020",
    ]
    assert transfer_ids(store, date_from="2019-06-30", date_to="2020-01-01") == [
        "t-stayer",
        "t-mover-2020",
    ]
    assert transfer_ids(store, date_from="2020-01-01") == ["t-mover-2020", "t-stayer-open"]
    assert transfer_ids(store, date_to="2010-01-01") == ["t-mover-2010"]
    assert transfer_ids(store, org="nobody") == []


def test_transfers_pages(moves: GraphStore) -> None:
    store = moves
    result = TRANSFERS.run(store, TransfersParams(limit=2, offset=1))
    assert [i.id for i in result.items] == ["t-mover-idea", "t-mover-2010"]
    assert (result.total, result.limit, result.offset) == (6, 2, 1)
    with pytest.raises(ValidationError, match="date_to is before date_from"):
        TransfersParams(date_from=D("2020-01-02"), date_to=D("2020-01-01"))


def test_transfers_name_the_nodes_they_refer_to(moves: GraphStore) -> None:
    store = moves
    items = {i.id: i.model_dump() for i in TRANSFERS.run(store, TransfersParams()).items}
    assert items["t-mover-idea"] == {
        "id": "t-mover-idea",
        "org": "mover",
        "org_name": "Org mover",
        "status": "proposed",
        "date": None,
        "from": "old-pc",
        "from_name": "Org old-pc",
        "proposed_to": "street-wc",
        "proposed_to_name": "Org street-wc",
        "proposed_by": "investor",
        "proposed_by_name": "Investor Co.",
        "decided_to": None,
        "decided_to_name": None,
        "reason": "an early idea",
        "source": "hand",
        "quote": None,
    }
    assert (
        items["t-mover-2020"]["proposed_by"],
        items["t-mover-2020"]["proposed_by_name"],
        items["t-mover-2020"]["decided_to_name"],
    ) == ("the strategic investors", None, "Org platform-pc")
    assert (items["t-stayer-open"]["proposed_to"], items["t-stayer-open"]["proposed_to_name"]) == (
        "nobody-known",
        None,
    )


# -- history ------------------------------------------------------------------------------------


def events(store: GraphStore, node_id: str) -> list[tuple[Any, ...]]:
    result = HISTORY.run(store, HistoryParams(id=node_id))
    assert result.total == len(result.items)
    return [(i.event, i.date, i.id) for i in result.items]


def test_history_in_time_order(moves: GraphStore) -> None:
    store = moves
    assert events(store, "mover") == [
        ("affiliation", None, "old-pc"),
        ("transfer", None, "t-mover-idea"),
        ("affiliation", D("2010-01-01"), "sasac-pc"),
        ("transfer", D("2010-01-01"), "t-mover-2010"),
        ("affiliation", D("2020-01-01"), "platform-pc"),
        ("transfer", D("2020-01-01"), "t-mover-2020"),
    ]
    assert events(store, "stayer") == [
        ("transfer", None, "a-undated"),
        ("affiliation", D("2005-01-01"), "sasac-pc"),
        ("transfer", D("2019-06-30"), "t-stayer"),
        ("transfer", D("2021-03-01"), "t-stayer-open"),
    ]
    assert events(store, "street-wc") == []


def test_history_items_carry_lines_and_transfers(moves: GraphStore) -> None:
    store = moves
    result = HISTORY.run(store, HistoryParams(id="mover"))
    assert (result.id, result.label, result.kind, result.name) == (
        "mover",
        "PartyOrg",
        "branch",
        "Org mover",
    )
    line, transfer = result.items[2].model_dump(), result.items[3].model_dump()
    assert line == {
        "event": "affiliation",
        "date": D("2010-01-01"),
        "id": "sasac-pc",
        "name": "Org sasac-pc",
        "line_kind": "system",
        "valid_from": D("2010-01-01"),
        "valid_to": D("2020-01-01"),
        "status": None,
        "from": None,
        "proposed_to": None,
        "proposed_by": None,
        "decided_to": None,
        "reason": None,
        "source": "hand",
        "quote": "mover under sasac-pc",
        "evidence": [],  # the line's record states its interval outright
    }
    assert transfer == {
        "event": "transfer",
        "date": D("2010-01-01"),
        "id": "t-mover-2010",
        "name": None,
        "line_kind": None,
        "valid_from": None,
        "valid_to": None,
        "status": "transferred",
        "from": "old-pc",
        "proposed_to": None,
        "proposed_by": None,
        "decided_to": "sasac-pc",
        "reason": None,
        "source": "hand",
        "quote": "moved",
        "evidence": [],
    }


def test_history_refusals(moves: GraphStore) -> None:
    store = moves
    with pytest.raises(NotFoundError, match="nope"):
        HISTORY.run(store, HistoryParams(id="nope"))
    with pytest.raises(QueryError, match="is a Enterprise"):
        HISTORY.run(store, HistoryParams(id="investor"))


# -- search -------------------------------------------------------------------------------------


def found(store: GraphStore, q: str, **kw: Any) -> list[tuple[str, str, str]]:
    result = SEARCH.run(store, SearchParams(q=q, **kw))
    return [(i.id, i.matched, i.match) for i in result.items]


def test_search_chinese_ranks_exact_then_prefix_then_the_rest(names: GraphStore) -> None:
    store = names
    assert found(store, "天津") == [
        ("tj", "name", "天津"),
        ("tj-pc", "name", "天津市委"),
        ("tj-sasac-pc", "alias", "天津国资委党委"),  # name 国资委党委: 5 characters
        ("tj-pharma", "name", "天津医药集团"),
        ("tj-org", "name", "中共天津市委组织部"),
    ]
    assert found(store, "西门子") == [("siemens-zh", "alias", "西门子")]


def test_search_english_names_any_case(names: GraphStore) -> None:
    store = names
    assert found(store, "tianjin") == [
        ("tj", "name_en", "Tianjin"),
        ("tj-pc", "name_en", "Tianjin Municipal Committee"),  # ties on length 4: by id
        ("tj-pipe", "name_en", "Tianjin Pipe Corporation"),
        ("tj-pharma", "name_en", "Tianjin Pharmaceutical Group"),
    ]
    assert found(store, "SIEMENS") == [
        ("siemens", "name", "Siemens"),
        ("siemens-alias", "alias", "SIEMENS"),
        ("siemens-zh", "name_en", "Siemens Ltd., China"),
        ("siemens-cn", "name", "SIEMENS China"),
        ("siemens-gb", "name", "Beijing siemens general branch"),
    ]
    assert found(store, "ärzte") == [("aerzte", "name", "ÄRZTE GmbH")]
    assert found(store, "ÄRZTE GMBH") == [("aerzte", "name", "ÄRZTE GmbH")]


def test_search_filters_and_pages(names: GraphStore) -> None:
    store = names
    assert [i[0] for i in found(store, "siemens", label="Enterprise")] == [
        "siemens",
        "siemens-zh",
        "siemens-cn",
    ]
    assert [i[0] for i in found(store, "siemens", label="PartyOrg", kind="branch")] == [
        "siemens-alias"
    ]
    assert [i[0] for i in found(store, "siemens", kind="general_branch")] == ["siemens-gb"]
    result = SEARCH.run(store, SearchParams(q="foo ba", limit=1, offset=1))
    assert ([i.id for i in result.items], result.total) == (["ab"], 2)
    assert found(store, "no such name") == []
    assert found(store, '"') == []
    with pytest.raises(ValidationError):
        SearchParams(q="")
    with pytest.raises(ValidationError, match="not a kind of Area"):
        SearchParams(q="x", label="Area", kind="sasac")


# -- the public cases ---------------------------------------------------------------------------


def case_records(cases_dir: Path) -> list[dict[str, Any]]:
    return [
        json.loads(text)
        for path in sorted(cases_dir.glob("*.jsonl"))
        for text in path.read_text(encoding="utf-8").splitlines()
        if text.strip()
    ]


def test_cases_transfers_retained(cases: GraphStore) -> None:
    result = TRANSFERS.run(cases, TransfersParams(status="retained"))
    assert [(i.id, i.org) for i in result.items] == [
        ("tj-transfer-pharma-retained", "tj-pharma-pc")
    ]
    item = result.items[0]
    assert (item.org_name, item.from_, item.decided_to, item.proposed_to) == (
        "Party organization of Tianjin Pharmaceutical Group",
        "tj-sasac-pc",
        "tj-sasac-pc",
        "tj-street-wc-unnamed",
    )
    assert item.from_name == item.decided_to_name == "Party Committee of Tianjin SASAC"
    assert "street where Tianjin Pharmaceutical" in (item.proposed_to_name or "")


def test_cases_history_of_the_stripped_off_joint_venture(cases: GraphStore) -> None:
    result = HISTORY.run(cases, HistoryParams(id="tj-zhonghuan-samsung-jv-pc"))
    assert [(i.event, i.date, i.id, i.valid_from, i.valid_to, i.status) for i in result.items] == [
        ("affiliation", None, "tj-zhonghuan-pc", None, D("2022-07-05"), None),
        ("affiliation", D("2022-07-05"), "tj-jinzhi-pc", D("2022-07-05"), None, None),
        (
            "transfer",
            D("2022-07-05"),
            "tj-transfer-zhonghuan-samsung-jv",
            None,
            None,
            "transferred",
        ),
    ]


def expected_search(records: list[dict[str, Any]], q: str) -> set[str]:
    """Nodes of the case files with ``q`` in a name, worked out from the files alone."""
    needle = q.lower()
    return {
        r["id"]
        for r in records
        if r["record"] == "node"
        and any(
            needle in text.lower()
            for text in [r["name"], r.get("name_en") or "", *r.get("aliases", [])]
        )
    }


@pytest.mark.parametrize("q", ["Siemens", "天津"])
def test_cases_search(cases: GraphStore, cases_dir: Path, q: str) -> None:
    result = SEARCH.run(cases, SearchParams(q=q, limit=10_000))
    assert {i.id for i in result.items} == expected_search(case_records(cases_dir), q)
    assert result.total == len(result.items)
    if q == "Siemens":
        assert result.items[0].id == "bj-siemens-china"  # its name starts with the text
        assert {"bj-siemens-china", "bj-siemens-gb", "bj-siemens-branch-1"} <= {
            i.id for i in result.items
        }


def expected_subtree_kinds(records: list[dict[str, Any]], root: str, as_of: date) -> Counter[str]:
    """Kinds of the root and the organizations under it on a day, from the files alone."""

    def holds(r: dict[str, Any]) -> bool:
        start, end = r.get("valid_from"), r.get("valid_to")
        return (start is None or D(start) <= as_of) and (end is None or as_of < D(end))

    nodes = {r["id"]: r for r in records if r["record"] == "node"}
    lines = [r for r in records if r["record"] == "edge" and r["type"] == "AFFILIATED_TO"]
    under, todo = {root}, [root]
    while todo:
        parent = todo.pop()
        for r in lines:
            kid = nodes[r["from"]]
            if r["to"] == parent and holds(r) and holds(kid) and kid["id"] not in under:
                under.add(kid["id"])
                todo.append(kid["id"])
    return Counter(nodes[i]["kind"] for i in under if holds(nodes[i]))


def test_cases_stats_under_the_investment_promotion_bureau(
    cases: GraphStore, cases_dir: Path
) -> None:
    result = STATS.run(cases, StatsParams(root="bj-ipb-pc", as_of=D("2010-01-01")))
    kinds = {k.kind: k.count for k in result.by_kind}
    assert kinds == expected_subtree_kinds(case_records(cases_dir), "bj-ipb-pc", D("2010-01-01"))
    # The source: one grassroots committee, five general branches, 97 independent branches
    # and five joint branches; plus the bureau's own committee (the root) and the nine
    # branches of the Siemens general branch under it.
    assert kinds == {"committee": 1 + 1, "general_branch": 5, "branch": 97 + 9, "joint_branch": 5}
    assert (result.total, result.by_label) == (118, {"PartyOrg": 118})
    assert result.members == 300  # only the Siemens general branch has a number


# -- both stores on one random graph ------------------------------------------------------------


def random_graph(seed: int) -> tuple[list[Node], list[Edge], list[Transfer]]:
    """Organizations with random lines (cycles, two superiors, dates on and off the
    boundaries), random names for search, and transfers."""
    rng = random.Random(seed)
    days = [None, D("2010-01-01"), D("2015-06-01"), D("2020-01-01"), D("2024-01-01")]
    words = ["天津", "党委", "Branch", "BRANCH", "Siemens", "支部", "Äpfel", "äpfel", "Group"]
    kinds = ["committee", "general_branch", "branch", "joint_branch"]

    def interval() -> tuple[date | None, date | None]:
        start, end = rng.choice(days), rng.choice(days)
        if start and end and end <= start:
            start, end = end, start
        return (start, None if end == start else end)

    nodes, edges, transfers = [], [], []
    for i in range(120):
        start, end = interval() if rng.random() < 0.3 else (None, None)
        props: dict[str, Any] = {"members": rng.randint(0, 60)} if rng.random() < 0.7 else {}
        if rng.random() < 0.3:
            props["aliases"] = [" ".join(rng.sample(words, 2)) for _ in range(2)]
        if rng.random() < 0.3:
            props["name_en"] = " ".join(rng.sample(words, 2))
        nodes.append(
            Node(
                f"o{i:03d}",
                "PartyOrg",
                rng.choice(kinds),
                "".join(rng.sample(words, rng.randint(1, 3))),
                start,
                end,
                props,
            )
        )
    for i in range(1, 120):
        for _ in range(rng.choice([1, 1, 1, 2])):
            parent = rng.randrange(0, i) if rng.random() < 0.9 else rng.randrange(0, 120)
            start, end = interval()
            edges.append(
                Edge(
                    "AFFILIATED_TO",
                    f"o{i:03d}",
                    f"o{parent:03d}",
                    rng.choice(["territorial", "sector"]),
                    start,
                    end,
                )
            )
    for i in range(30):
        org_id = f"o{rng.randrange(120):03d}"
        transfers.append(
            Transfer(
                f"t{i:02d}",
                org_id,
                rng.choice(["proposed", "pending", "retained", "transferred"]),
                rng.choice(days),
                {"from": f"o{rng.randrange(120):03d}", "decided_to": "free text"},
            )
        )
    return nodes, edges, transfers


@pytest.mark.neo4j
def test_both_stores_agree_on_a_random_graph(open_store: Any) -> None:
    nodes, edges, transfers = random_graph(7)
    stores = [open_store("embedded"), open_store("neo4j")]
    for one in stores:
        with one.writer() as w:
            w.upsert_nodes(nodes)
            w.upsert_edges(edges)
            w.upsert_transfers(transfers)
    questions: list[tuple[Any, Any]] = [
        (TRANSFERS, TransfersParams()),
        (TRANSFERS, TransfersParams(date_to=D("2015-06-01"))),
    ]
    for day in ("2009-12-31", "2015-06-01", "2024-01-01"):
        questions.append((STATS, StatsParams(as_of=D(day))))
        for root in ("o000", "o003", "o017"):
            questions.append((STATS, StatsParams(as_of=D(day), root=root)))
            for depth, cap in ((1, 5000), (3, 5000), (50, 5000), (50, 20), (2, 7)):
                questions.append(
                    (SUBTREE, SubtreeParams(id=root, as_of=D(day), depth=depth, max_nodes=cap))
                )
    for node_id in ("o000", "o005", "o050", "o119"):
        questions.append((NODE, EntityParams(id=node_id, as_of=D("2015-06-01"))))
        questions.append((HISTORY, HistoryParams(id=node_id)))
    for q in ("天津", "branch", "ÄPFEL", "支部branch", "x"):
        questions.append((SEARCH, SearchParams(q=q, limit=10_000)))
    for query, params in questions:
        answers = [query.run(one, params).model_dump() for one in stores]
        assert answers[0] == answers[1], (query.name, params)
