"""The same body under many names: the name analysis and the candidate pairs, on a table of
real name variants (traditional / simplified, abbreviations, full-width brackets, organ types
and legal forms that must not match)."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest

from dedupe.candidates import candidates
from dedupe.names import normalize, parse
from graph_schema.records import Node

SASAC = "天津市国资委党委"


@pytest.mark.parametrize(
    "variant",
    [
        "天津市人民政府国有资产监督管理委员会党委",
        "天津市国资委党委",
        "天津市國資委黨委",  # traditional characters
        "天津市 国资委 党委",
        "天津市国资委党委 ",
    ],
)
def test_variants_of_one_name_normalize_alike(variant: str) -> None:
    assert normalize(variant) == SASAC


@pytest.mark.parametrize(
    ("name", "host", "organ"),
    [
        ("中共天津市国资委委员会", "天津市国资委", "committee"),
        ("天津市国资委党委", "天津市国资委", "committee"),
        ("某科技有限公司党总支", "某科技有限公司", "general_branch"),
        ("中共某科技有限公司总支部委员会", "某科技有限公司", "general_branch"),
        ("某科技有限公司党支部", "某科技有限公司", "branch"),
        ("中共某科技有限公司支部委员会", "某科技有限公司", "branch"),
        ("示范开发区企业联合党支部", "示范开发区企业", "joint_branch"),
        ("某项目临时党支部", "某项目", "temporary_branch"),
        ("某协会党组", "某协会", "leading_group"),
        ("城东街道党工委", "城东街道", "work_committee"),
        ("城东街道工作委员会", "城东街道", "work_committee"),
        ("示范开发区综合党委", "示范开发区", "comprehensive_committee"),
        ("某（天津）科技有限公司党支部", "某天津科技有限公司", "branch"),  # full-width brackets
        ("Party Committee of Tianjin SASAC", "tianjin sasac", "committee"),
        ("General Party branch in Siemens China", "siemens", "general_branch"),
    ],
)
def test_a_party_organizations_name_splits_into_host_and_organ(
    name: str, host: str, organ: str
) -> None:
    parsed = parse(name)
    assert (parsed.host, parsed.organ) == (host, organ)


def test_an_enterprises_legal_form_is_told_apart() -> None:
    group, listed = (
        parse("天津某集团有限公司", "Enterprise"),
        parse("天津某集团股份有限公司", "Enterprise"),
    )
    assert group.host == listed.host == "天津某"
    assert (group.legal_form, listed.legal_form) == ("集团有限公司", "集团股份有限公司")


def _org(node_id: str, name: str, kind: str = "committee", **props: object) -> Node:
    return Node(node_id, "PartyOrg", kind, name, props=props)


def _ent(node_id: str, name: str, **props: object) -> Node:
    return Node(node_id, "Enterprise", "private", name, props=props)


#: the fixture: nodes, and the groups of ids that are one body
NODES = [
    _org("t1", "天津市人民政府国有资产监督管理委员会党委"),
    _org("t2", "天津市国资委党委"),
    _org("t3", "市国资委党委"),
    _org("t4", "天津市國資委黨委"),
    _org("t5", "中共天津市国资委委员会"),
    _org("t6", "Party Committee of Tianjin SASAC"),
    _org("t7", "Tianjin SASAC Party Committee"),
    _org("c1", "某科技有限公司党委"),
    _org("c2", "某科技有限公司党总支", "general_branch"),  # another organization of one firm
    _org("c3", "中共某科技有限公司委员会"),
    _org("b1", "城东街道党工委", "work_committee"),
    _org("b2", "城东街道工作委员会", "work_committee"),
    _org("b3", "城西街道党工委", "work_committee"),
    _org("p1", "示范县国资委党委"),  # another place's SASAC: another body than t1-t5
    _org("n1", "某科技有限公司第一党支部", "branch"),  # numbered siblings: two branches
    _org("n2", "某科技有限公司第二党支部", "branch"),
    # two enterprises a document describes alike (规模以下企业: below the size threshold)
    _ent("n3", "Sample scattered enterprise 1 of 2 in the street", aliases=["规模以下企业"]),
    _ent("n4", "Sample scattered enterprise 2 of 2 in the street", aliases=["规模以下企业"]),
    _org("j1", "Joint branch of the park's small firms", "joint_branch", aliases=["联合党组织"]),
    _org("j2", "Joint branch of the street's shops", "joint_branch", aliases=["联合党组织"]),
    _ent("e1", "某（天津）科技有限公司"),
    _ent("e2", "某(天津)科技有限公司"),
    _ent("e3", "天津某集团有限公司"),
    _ent("e4", "天津某集团股份有限公司"),  # another legal form: another enterprise
    _ent("e5", "天津某集团某制药有限公司"),  # a company of the group: another enterprise
    _ent("u1", "示例商贸有限公司", uscc="91120000MA05XXXX1X"),
    _ent("u2", "示例商贸公司（天津）", uscc="91120000MA05XXXX1X"),
    _ent("u3", "示例商贸有限公司", uscc="91120000MA05YYYY2Y"),  # same name, another code
]
SAME = [
    {"t1", "t2", "t3", "t4", "t5"},
    {"t6", "t7"},
    {"c1", "c3"},
    {"b1", "b2"},
    {"e1", "e2"},
    {"u1", "u2"},
]


def test_candidates_find_the_known_duplicates() -> None:
    truth = {tuple(sorted(p)) for group in SAME for p in combinations(sorted(group), 2)}
    found = candidates(NODES)
    pairs = {(c.a, c.b) for c in found}
    hits = pairs & truth
    precision = len(hits) / len(pairs)
    recall = len(hits) / len(truth)
    print(
        f"candidates: precision {precision:.2f}, recall {recall:.2f} "
        f"({len(hits)} of {len(truth)} true pairs, {len(pairs)} proposed)"
    )
    assert precision >= 0.95
    assert recall >= 0.9
    never = {
        ("c1", "c2"),
        ("c2", "c3"),
        ("e3", "e4"),
        ("e3", "e5"),
        ("u1", "u3"),
        ("b1", "b3"),
        ("n1", "n2"),  # alike but for their numbers
        ("n3", "n4"),
        *((t, "p1") for t in ("t1", "t2", "t3", "t4", "t5")),
        ("j1", "j2"),  # alike only by a word for a sort of organization
    }
    assert not pairs & never
    by_pair = {(c.a, c.b): c for c in found}
    assert by_pair["u1", "u2"].rule == "uscc"
    assert "equal USCC 91120000MA05XXXX1X" in by_pair["u1", "u2"].same
    assert any("leaves out a place" in d for d in by_pair["t2", "t3"].different)
    assert by_pair["t1", "t2"].score == 100.0


def test_the_dedupe_command_lists_the_pairs_with_why(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from app.cli import cli
    from stores.embedded import EmbeddedStore

    db = tmp_path / "x.db"
    store = EmbeddedStore(db)
    with store.writer() as writer:
        writer.upsert_nodes(NODES)
    store.close()
    runner = CliRunner()
    answer = runner.invoke(cli, ["dedupe", "--store", str(db), "--format", "json", "--limit", "3"])
    assert answer.exit_code == 0, answer.output
    data = json.loads(answer.stdout)
    assert data["total"] == 15
    assert [(r["a"], r["b"], r["score"]) for r in data["items"]] == [
        ("b1", "b2", 100.0),
        ("c1", "c3", 100.0),
        ("e1", "e2", 100.0),
    ]
    table = runner.invoke(cli, ["dedupe", "--store", str(db), "--label", "Enterprise"])
    assert table.exit_code == 0
    assert "Possible duplicates: 2" in table.stdout
    assert "equal USCC" in table.stdout


def test_numbered_siblings_are_listed_only_below_the_floor() -> None:
    found = {(c.a, c.b): c for c in candidates(NODES, min_score=0)}
    siblings = found["n3", "n4"]
    assert siblings.score < 85
    assert "numbers differ: 1 2 / 2 2" in siblings.different
    # a number within the host puts them in other blocks: never compared
    assert ("n1", "n2") not in found


def test_the_bundled_data_proposes_no_illustrative_pair(tmp_path: Path) -> None:
    """The public cases and Demo County hold no duplicate: the 2012 Opinions' illustrative
    joint branches share only the word 联合党组织, its two below-scale enterprises differ only
    by their numbers."""
    from loaders.load import load_paths
    from stores.embedded import EmbeddedStore

    data = Path(__file__).resolve().parents[1] / "data"
    store = EmbeddedStore(tmp_path / "bundled.db")
    try:
        load_paths(store, [data / "cases", data / "demo"])
        assert candidates(store.iter_nodes()) == []
    finally:
        store.close()


def test_two_places_are_two_bodies() -> None:
    found = {(c.a, c.b): c for c in candidates(NODES, min_score=0)}
    other = found["p1", "t2"]
    assert other.score < 85
    assert "places differ: 示范县 / 天津市" in other.different
    assert found["t2", "t3"].score == 90.0  # a place left out: likely, for a person to judge
