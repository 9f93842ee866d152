"""The synthetic demo county (``data/demo/``), loaded with the public cases as ``make run``
loads them: every analysis list has rows from it as of a stated day — each orphan reason,
coverage status, mismatch type and detail, conflict type and transfer status, an enterprise
with six or more parents-in-law — it says it is synthetic, and it changes no answer about the
public cases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, get_args

import pytest

from graph_schema.declaration import TRANSFER_STATUSES
from graph_schema.uscc import is_valid_uscc
from loaders.load import load_paths
from queries.base import EntityParams
from queries.catalog import QUERIES
from queries.chain import CHAIN
from queries.conflicts import ConflictType
from queries.coverage import Status as CoverageStatus
from queries.history import HISTORY, HistoryParams
from queries.mismatches import Detail, MismatchType
from queries.node import NODE
from queries.orphans import Reason
from queries.superiors import SUPERIORS
from stores.embedded import EmbeddedStore

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
#: the day the demo is asked about (every finding below holds from 2023-11-20 on)
AS_OF = date(2024, 6, 30)
PREFIX = "demo-"
#: the analysis lists (named queries), asked with their default parameters
ANALYSES = (
    "orphans",
    "coverage",
    "mismatches",
    "conflicts",
    "overlaps",
    "overlap_pairs",
    "transfers",
)


def demo_records() -> list[dict[str, Any]]:
    return [
        json.loads(text)
        for path in sorted(DEMO_DIR.glob("*.jsonl"))
        for text in path.read_text(encoding="utf-8").splitlines()
        if text.strip()
    ]


def analysis(demo: EmbeddedStore, name: str, **params: Any) -> Any:
    query = QUERIES[name]
    asked = {"limit": 10_000, **params}
    if name != "transfers":  # transfer records are not asked "as of" a day
        asked["as_of"] = AS_OF
    return query.run(demo, query.params.model_validate(asked))


def demo_items(result: Any) -> list[Any]:
    """The rows about the demo county (its ids all start with ``demo-``)."""
    return [item for item in result.items if item.id.startswith(PREFIX)]


def other_items(result: Any) -> list[dict[str, Any]]:
    """The rows about anything else, as plain data."""
    return [
        item.model_dump()
        for item in result.items
        if not item.id.startswith(PREFIX) and not getattr(item, "other_id", "").startswith(PREFIX)
    ]


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, EmbeddedStore]]:
    """The public cases with the demo (as ``make run`` loads them), and the cases alone."""
    root = tmp_path_factory.mktemp("demo")
    cases_dir = DEMO_DIR.parent / "cases"
    both = EmbeddedStore(root / "both.db")
    alone = EmbeddedStore(root / "cases.db")
    try:
        load_paths(both, [cases_dir, DEMO_DIR])
        load_paths(alone, [cases_dir])
        yield {"both": both, "cases": alone}
    finally:
        both.close()
        alone.close()


@pytest.fixture(scope="module")
def demo(stores: dict[str, EmbeddedStore]) -> EmbeddedStore:
    """The store ``make run`` serves: the public cases and the demo."""
    return stores["both"]


# -- what the demo is -------------------------------------------------------------------------


def test_the_demo_has_one_source_and_it_says_synthetic() -> None:
    records = demo_records()
    sources = [r for r in records if r["record"] == "source"]
    assert len(sources) == 1
    source = sources[0]
    assert source["id"].startswith(PREFIX)
    assert "synthetic" in source["title"]
    assert "虚构" in source["title"]
    assert "synthetic" in source["publisher"]
    cited = [r for r in records if r["record"] != "source"]
    assert len(cited) > 200
    for record in cited:
        assert record["source"] == source["id"], record
        assert "synthetic" in record["quote"], record


def test_the_served_demo_cites_its_synthetic_source(demo: EmbeddedStore) -> None:
    for node_id in ("demo-county", "demo-ent-hengtong", "demo-hengtong-pc"):
        answer = NODE.run(demo, EntityParams(id=node_id, as_of=AS_OF)).model_dump()
        assert "synthetic" in answer["quote"]
        assert answer["source_record"]["id"] == "demo-synthetic"
        assert "synthetic" in answer["source_record"]["title"]


def test_the_demo_is_self_contained_under_one_prefix() -> None:
    records = demo_records()
    nodes = {r["id"] for r in records if r["record"] == "node"}
    assert all(node.startswith(PREFIX) for node in nodes)
    for record in records:
        if record["record"] == "edge":
            assert {record["from"], record["to"]} <= nodes, record
        if record["record"] == "transfer":
            assert record["id"].startswith(PREFIX)
            refs = [record.get(k) for k in ("org", "from", "proposed_to", "decided_to")]
            assert {ref for ref in refs if ref} <= nodes, record


def test_the_county_is_named_in_chinese_and_english_and_fictional() -> None:
    records = demo_records()
    nodes = [r for r in records if r["record"] == "node"]
    county = next(r for r in nodes if r["id"] == "demo-county")
    assert county["name"] == "示范县"
    assert "fictional" in county["name_en"]
    for node in nodes:
        assert any("\u4e00" <= c <= "\u9fff" for c in node["name"]), node["id"]
        assert node["name_en"], node["id"]
    kinds = {(r["label"], r["kind"]) for r in nodes}
    for kind in ("committee", "general_branch", "branch", "joint_branch", "work_committee"):
        assert ("PartyOrg", kind) in kinds
    for kind in ("private", "foreign", "hmt", "joint_venture", "mixed", "soe"):
        assert ("Enterprise", kind) in kinds
    for kind in (
        "npe_party_office",
        "organization_dept",
        "united_front_dept",
        "union",
        "youth_league",
        "womens_federation",
        "federation_industry_commerce",
        "chamber_of_commerce",
        "trade_association",
    ):
        assert ("Body", kind) in kinds


def test_every_demo_enterprise_has_a_valid_uscc_and_dates_in_2010_to_2023() -> None:
    records = demo_records()
    enterprises = [r for r in records if r["record"] == "node" and r["label"] == "Enterprise"]
    assert 12 <= len(enterprises) <= 24
    codes = [r["uscc"] for r in enterprises]
    assert all(is_valid_uscc(code) for code in codes)
    assert len(set(codes)) == len(codes)
    starts = [r["valid_from"] for r in records if r.get("valid_from")]
    assert starts
    assert all("2010-01-01" <= day <= "2023-12-31" for day in starts)


# -- every analysis list has rows from the demo ------------------------------------------------


@pytest.mark.parametrize("name", ANALYSES)
def test_every_analysis_list_has_demo_rows(demo: EmbeddedStore, name: str) -> None:
    assert demo_items(analysis(demo, name))


def test_every_orphan_reason(demo: EmbeddedStore) -> None:
    rows = {(i.id, i.reason, i.related_id) for i in demo_items(analysis(demo, "orphans"))}
    assert {reason for _, reason, _ in rows} == set(get_args(Reason))
    assert rows == {
        ("demo-trade-machinery-pb", "superior_unresolved", "demo-unresolved-xhsh-pc"),
        ("demo-dongfang-pb", "superior_dissolved", "demo-oldzone-wc"),
        ("demo-logistics-pb", "affiliation_ended", "demo-xingye-pc"),
        ("demo-yunfan-pb", "no_affiliation", None),
        ("demo-hongda-pb", "host_dissolved", "demo-ent-hongda"),
    }
    ended = next(i for i in analysis(demo, "orphans").items if i.id == "demo-logistics-pb")
    assert ended.since == date(2023, 4, 1)
    assert ended.open_transfer == "demo-transfer-logistics"


def test_every_coverage_status(demo: EmbeddedStore) -> None:
    rows = {(i.id, i.status) for i in demo_items(analysis(demo, "coverage"))}
    assert {status for _, status in rows} == set(get_args(CoverageStatus))
    assert rows == {
        ("demo-ent-xinyuan", "uncovered"),
        ("demo-ent-shunda", "work_coverage_only"),
        ("demo-ruifeng-pb2", "below_minimum"),
        ("demo-chengdong-jb", "joint_branch_too_wide"),
        ("demo-kemei-pb", "branch_too_large"),
    }


def test_a_mismatch_of_each_type_and_detail(demo: EmbeddedStore) -> None:
    items = demo_items(analysis(demo, "mismatches"))
    assert {i.type for i in items} == set(get_args(MismatchType))
    assert {i.detail for i in items} == set(get_args(Detail))
    rows = {(i.id, i.detail, i.transfer_status) for i in items}
    assert ("demo-ent-tongda", "state_line_zero_equity", "proposed") in rows
    assert ("demo-ent-minsheng", "majority_state_no_line", None) in rows
    assert ("demo-ent-jinqiao", "registered_outside_line", "retained") in rows


def test_conflicts_two_superiors_and_a_cycle(demo: EmbeddedStore) -> None:
    items = demo_items(analysis(demo, "conflicts"))
    assert {i.type for i in items} == set(get_args(ConflictType))
    two = next(i for i in items if i.type == "multiple_superiors")
    assert (two.id, two.superiors) == ("demo-jiahe-pb", ["demo-chengdong-wc", "demo-park-cc"])
    cycle = next(i for i in items if i.type == "cycle")
    assert cycle.cycle == ["demo-qingshan-chamber-pb", "demo-qingshan-npe-gb"]


def test_an_enterprise_with_six_or_more_parents_in_law(demo: EmbeddedStore) -> None:
    ranked = demo_items(analysis(demo, "overlaps", min=6, label="Enterprise"))
    assert ranked
    assert ranked[0].id == "demo-ent-hengtong"
    assert ranked[0].superiors >= 6
    superiors = SUPERIORS.run(demo, EntityParams(id="demo-ent-hengtong", as_of=AS_OF))
    assert superiors.distinct == ranked[0].superiors >= 6
    assert {i.relation for i in superiors.items} == {"affiliation", "supervision"}


def test_overlap_pairs_among_the_demo_bodies(demo: EmbeddedStore) -> None:
    pairs = demo_items(analysis(demo, "overlap_pairs", min=2))
    assert pairs
    assert all(p.other_id.startswith(PREFIX) and p.shared >= 2 for p in pairs)
    assert ("demo-union", "demo-youth") in {(p.id, p.other_id) for p in pairs}


def test_a_transfer_of_each_status(demo: EmbeddedStore) -> None:
    items = demo_items(analysis(demo, "transfers"))
    assert {i.status for i in items} == set(TRANSFER_STATUSES)
    for item in items:
        assert item.source
        assert item.quote
        assert "synthetic" in item.quote


def test_a_transferred_organization_changes_lines_on_the_transfers_date(
    demo: EmbeddedStore,
) -> None:
    transferred = [i for i in demo_items(analysis(demo, "transfers")) if i.status == "transferred"]
    assert transferred
    for transfer in transferred:
        assert transfer.date is not None
        assert transfer.from_
        assert transfer.decided_to
        history = HISTORY.run(demo, HistoryParams(id=transfer.org))
        lines = {
            (i.id, i.valid_from, i.valid_to) for i in history.items if i.event == "affiliation"
        }
        assert any(s == transfer.from_ and end == transfer.date for s, _, end in lines)
        assert any(s == transfer.decided_to and start == transfer.date for s, start, _ in lines)
        day_before = date.fromordinal(transfer.date.toordinal() - 1)
        for day, superior in ((day_before, transfer.from_), (transfer.date, transfer.decided_to)):
            chain = CHAIN.run(demo, EntityParams(id=transfer.org, as_of=day))
            assert chain.items[1].id == superior, (transfer.id, day)


# -- the public cases' answers do not change ---------------------------------------------------


@pytest.mark.parametrize("name", ANALYSES)
def test_the_demo_changes_no_answer_about_the_cases(
    stores: dict[str, EmbeddedStore], name: str
) -> None:
    with_demo = other_items(analysis(stores["both"], name))
    alone = analysis(stores["cases"], name)
    assert with_demo == [item.model_dump() for item in alone.items]
