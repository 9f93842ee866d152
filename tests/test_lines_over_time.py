"""Rosters and transfers over time: one history of a formal line from many pieces of evidence,
on both stores.

The county roster of 2019 says branch fx-ent-002-pc belongs to the street work committee
since 2016-04-15; the reform report says it was transferred to the county committee on
2021-10-01. Loaded together, or one after the other in either order, they give one history:
the line to the street [2016-04-15, 2021-10-01), the line to the county from 2021-10-01.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from graph_schema.records import Edge
from loaders.errors import LoadFailedError
from loaders.load import load_paths
from queries.base import EntityParams, ListParams
from queries.chain import CHAIN
from queries.conflicts import CONFLICTS
from queries.history import HISTORY, HistoryParams
from stores.base import GraphStore
from tests.conftest import BEFORE_THE_LOG

D = date.fromisoformat
ORG, STREET, COUNTY = "fx-ent-002-pc", "fx-fengcheng-wc", "fx-county-pc"


def table(path: Path, rows: list[dict[str, Any]]) -> Path:
    header = list(dict.fromkeys(k for row in rows for k in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
def base(tmp_path: Path) -> Path:
    """The sources and the county's committees (canonical), as a folder."""
    folder = tmp_path / "base"
    folder.mkdir()
    table(
        folder / "sources.csv",
        [
            {"id": "roster-2019", "title": "Fengcheng county roster", "date": "2019-06-30"},
            {"id": "roster-2022", "title": "Fengcheng county roster", "date": "2022-03-01"},
            {"id": "reform-2021", "title": "Reform report", "date": "2021-12-01"},
            {"id": "undated", "title": "A roster without a date"},
        ],
    )
    table(
        folder / "nodes.csv",
        [
            {
                "id": COUNTY,
                "label": "PartyOrg",
                "kind": "local_committee",
                "name": "丰城县委",
                "source": "roster-2019",
                "quote": "县委",
            },
            {
                "id": STREET,
                "label": "PartyOrg",
                "kind": "work_committee",
                "name": "丰城街道党工委",
                "source": "roster-2019",
                "quote": "街道党工委",
            },
            {
                "id": "fx-ent-002",
                "label": "Enterprise",
                "kind": "private",
                "name": "丰城某公司",
                "source": "roster-2019",
                "quote": "某公司",
            },
        ],
    )
    return folder


def roster(tmp_path: Path, source: str = "roster-2019", name: str = "roster.csv") -> Path:
    return table(
        tmp_path / name,
        [
            {
                "县委": COUNTY,
                "条目": "党组织",
                "编号": ORG,
                "名称": "丰城某公司党支部",
                "类型": "党支部",
                "企业": "fx-ent-002",
                "成立时间": "2016-04-15",
                "党工委": STREET,
                "来源": source,
                "原文": "某公司党支部，隶属丰城街道党工委",
            },
        ],
    )


def transfers(tmp_path: Path, status: str = "已转移", **extra: str) -> Path:
    return table(
        tmp_path / "reform-transfers.csv",
        [
            {
                "organization": ORG,
                "status": status,
                "superior_before": STREET,
                "decided_superior": COUNTY if status == "已转移" else "",
                "date": "2021-10-01",
                "source": "reform-2021",
                "quote": "该支部于2021年10月1日转由县委直接管理",
                **extra,
            },
        ],
    )


def lines(store: GraphStore) -> list[tuple[str, str | None, date | None, date | None]]:
    return [
        (e.dst, e.kind, e.valid_from, e.valid_to) for e in store.edges(ORG, types=["AFFILIATED_TO"])
    ]


def chain_ids(store: GraphStore, day: str) -> list[str]:
    answer = CHAIN.run(store, EntityParams(id=ORG, as_of=D(day)))
    return [step.id for step in answer.items]


EXPECTED = [
    (COUNTY, "territorial", D("2021-10-01"), None),
    (STREET, "territorial", D("2016-04-15"), D("2021-10-01")),
]


def assert_one_history(store: GraphStore) -> None:
    assert sorted(lines(store), key=str) == sorted(EXPECTED, key=str)
    assert chain_ids(store, "2022-01-01") == [ORG, COUNTY]
    assert chain_ids(store, "2021-09-30") == [ORG, STREET]
    conflicts = CONFLICTS.run(store, ListParams(as_of=D("2022-01-01")))
    assert conflicts.total == 0


@pytest.mark.parametrize("before_since", ["", "2016-04-15"])
def test_roster_and_transfer_in_one_load(
    store: GraphStore, base: Path, tmp_path: Path, before_since: str
) -> None:
    load_paths(store, [base])
    load_paths(
        store,
        [roster(tmp_path), transfers(tmp_path, basis_before="属地", before_since=before_since)],
    )
    assert_one_history(store)


def test_roster_first_then_the_transfer(store: GraphStore, base: Path, tmp_path: Path) -> None:
    load_paths(store, [base])
    load_paths(store, [roster(tmp_path)])
    assert lines(store) == [(STREET, "territorial", D("2016-04-15"), None)]
    load_paths(store, [transfers(tmp_path)])  # no basis: the line's own is kept
    assert_one_history(store)
    [street] = [e for e in store.edges(ORG, types=["AFFILIATED_TO"]) if e.dst == STREET]
    said = [(p["role"], p.get("source")) for p in street.props["evidence"]]
    assert said == [
        ("interval", "roster-2019"),
        ("holds", "roster-2019"),
        ("ends", "reform-2021"),
    ]
    ends = street.props["evidence"][-1]
    assert ends["transfer"] == f"transfer:{ORG}:2021-10-01"
    assert ends["quote"] == "该支部于2021年10月1日转由县委直接管理"


def test_transfer_first_then_the_roster(store: GraphStore, base: Path, tmp_path: Path) -> None:
    org = table(
        tmp_path / "nodes-org.csv",
        [
            {
                "id": ORG,
                "label": "PartyOrg",
                "kind": "branch",
                "name": "丰城某公司党支部",
                "source": "reform-2021",
                "quote": "该支部",
            }
        ],
    )
    load_paths(store, [base, org])
    load_paths(store, [transfers(tmp_path, basis_before="属地")])
    assert sorted(lines(store), key=str) == sorted(
        [
            (COUNTY, "territorial", D("2021-10-01"), None),
            (STREET, "territorial", None, D("2021-10-01")),
        ],
        key=str,
    )
    result = load_paths(store, [roster(tmp_path)])
    assert_one_history(store)
    assert result.counts["edge"]["removed"] == 1  # the line's record without its start
    again = load_paths(store, [roster(tmp_path)])
    assert not again.changed  # the same evidence again changes nothing


def test_a_retained_transfer_attests_the_line(
    store: GraphStore, base: Path, tmp_path: Path
) -> None:
    load_paths(store, [base, roster(tmp_path)])
    load_paths(store, [transfers(tmp_path, status="保留")])
    [street] = store.edges(ORG, types=["AFFILIATED_TO"])
    assert (street.dst, street.valid_from, street.valid_to) == (STREET, D("2016-04-15"), None)
    assert [p["role"] for p in street.props["evidence"]] == ["interval", "holds", "holds"]


def test_a_proposed_transfer_changes_no_line(store: GraphStore, base: Path, tmp_path: Path) -> None:
    load_paths(store, [base, roster(tmp_path)])
    before = lines(store)
    load_paths(store, [transfers(tmp_path, status="提议", proposed_superior=COUNTY)])
    assert lines(store) == before


def test_a_later_roster_naming_the_old_superior_is_refused(
    store: GraphStore, base: Path, tmp_path: Path
) -> None:
    load_paths(store, [base, roster(tmp_path)])
    load_paths(store, [transfers(tmp_path)])
    before = (lines(store), list(store.iter_edges()))
    later = roster(tmp_path, source="roster-2022", name="roster-2022.csv")
    with pytest.raises(LoadFailedError) as caught:
        load_paths(store, [later])
    [error] = caught.value.errors
    assert (error.file, error.line, error.field) == (str(later), 2, "党工委 (work_committee)")
    assert "ends on 2021-10-01" in error.expected
    assert "holds on 2022-03-01" in error.expected
    assert "roster-2022.csv:2" in error.expected
    assert (lines(store), list(store.iter_edges())) == before  # nothing written


def test_two_superiors_at_once_are_refused_unless_declared(
    store: GraphStore, base: Path, tmp_path: Path
) -> None:
    load_paths(store, [base])
    edges = table(
        tmp_path / "edges.csv",
        [
            {
                "type": "AFFILIATED_TO",
                "from": ORG,
                "to": STREET,
                "kind": "territorial",
                "valid_from": "2016-04-15",
                "source": "roster-2019",
                "quote": "街道",
            },
            {
                "type": "AFFILIATED_TO",
                "from": ORG,
                "to": COUNTY,
                "kind": "direct",
                "valid_from": "2018-01-01",
                "source": "roster-2019",
                "quote": "县委",
            },
        ],
    )
    org = table(
        tmp_path / "nodes-org.csv",
        [
            {
                "id": ORG,
                "label": "PartyOrg",
                "kind": "branch",
                "name": "支部",
                "source": "roster-2019",
                "quote": "支部",
            }
        ],
    )
    with pytest.raises(LoadFailedError) as caught:
        load_paths(store, [org, edges])
    [error] = caught.value.errors
    assert error.expected.startswith("expected one formal superior on each day")
    assert "on 2018-01-01" in error.expected
    assert list(store.iter_edges()) == []
    dual = (
        edges.read_text("utf-8").replace("\n", ",true\n").replace("quote,true", "quote,dual_line")
    )
    edges.write_text(dual, "utf-8")
    load_paths(store, [org, edges])
    assert len(lines(store)) == 2


def test_dates_of_a_month_hold_from_its_first_day(
    store: GraphStore, base: Path, tmp_path: Path
) -> None:
    load_paths(store, [base])
    path = table(
        tmp_path / "roster.csv",
        [
            {
                "县委": COUNTY,
                "条目": "党组织",
                "编号": ORG,
                "名称": "支部",
                "类型": "支部",
                "成立时间": "2004年5月",
                "党工委": STREET,
                "来源": "undated",
                "原文": "2004年5月成立",
            },
        ],
    )
    load_paths(store, [path])
    node = store.get_node(ORG)
    assert node is not None
    assert (node.valid_from, node.props["valid_from_precision"]) == (D("2004-05-01"), "month")
    [line] = store.edges(ORG, types=["AFFILIATED_TO"])
    assert isinstance(line, Edge)
    assert line.props["valid_from_precision"] == "month"
    assert chain_ids(store, "2004-04-30") == [ORG]  # not yet
    assert chain_ids(store, "2004-05-01") == [ORG, STREET]


# -- superiors by name ------------------------------------------------------------------------


def test_a_superior_given_by_its_name_or_alias(
    store: GraphStore, base: Path, tmp_path: Path
) -> None:
    load_paths(store, [base])
    path = table(
        tmp_path / "roster.csv",
        [
            {
                "县委": COUNTY,
                "条目": "党组织",
                "编号": ORG,
                "名称": "支部",
                "类型": "支部",
                "党工委": "丰城街道党工委",
                "来源": "undated",
                "原文": "隶属丰城街道党工委",
            },
            {
                "县委": "丰城县委",
                "条目": "党组织",
                "编号": "fx-ent-003-pc",
                "名称": "另一支部",
                "类型": "支部",
                "直管": "是",
                "来源": "undated",
                "原文": "县委直管",
            },
        ],
    )
    result = load_paths(store, [path])
    assert [str(n) for n in result.notices] == [
        f"{path}:2: 党工委 (work_committee): '丰城街道党工委' — read as the id '{STREET}': the "
        "PartyOrg of that name",
        f"{path}:3: 县委 (county_committee): '丰城县委' — read as the id '{COUNTY}': the "
        "PartyOrg of that name",
    ]
    assert [e.dst for e in store.edges(ORG, types=["AFFILIATED_TO"])] == [STREET]
    assert [e.dst for e in store.edges("fx-ent-003-pc", types=["AFFILIATED_TO"])] == [COUNTY]


def test_a_name_of_several_nodes_is_refused_with_their_ids(
    store: GraphStore, base: Path, tmp_path: Path
) -> None:
    twin = table(
        tmp_path / "nodes-twin.csv",
        [
            {
                "id": "fx-other-wc",
                "label": "PartyOrg",
                "kind": "work_committee",
                "name": "另一党工委",
                "aliases": "丰城街道党工委",
                "source": "undated",
                "quote": "别名",
            }
        ],
    )
    load_paths(store, [base, twin])
    path = table(
        tmp_path / "roster.csv",
        [
            {
                "县委": COUNTY,
                "条目": "党组织",
                "编号": ORG,
                "名称": "支部",
                "类型": "支部",
                "党工委": "丰城街道党工委",
                "来源": "undated",
                "原文": "隶属丰城街道党工委",
            },
        ],
    )
    with pytest.raises(LoadFailedError) as caught:
        load_paths(store, [path])
    assert [str(e) for e in caught.value.errors] == [
        f"{path}:2: 党工委 (work_committee): '丰城街道党工委' — expected one node of this name, or "
        f"an id: 2 nodes are named so ('{STREET}', 'fx-other-wc'); give the id"
    ]
    assert store.get_node(ORG) is None


def test_the_history_shows_why_a_line_starts_and_ends(
    store: GraphStore, base: Path, tmp_path: Path
) -> None:
    load_paths(store, [base, roster(tmp_path)])
    load_paths(store, [transfers(tmp_path)])
    answer = HISTORY.run(store, HistoryParams(id=ORG))
    [street] = [i for i in answer.items if i.event == "affiliation" and i.id == STREET]
    assert [(p.role, p.date, p.source) for p in street.evidence] == [
        ("interval", None, "roster-2019"),
        ("holds", D("2019-06-30"), "roster-2019"),
        ("ends", D("2021-10-01"), "reform-2021"),
    ]
    assert street.evidence[-1].transfer == f"transfer:{ORG}:2021-10-01"


def test_the_day_a_roster_speaks_of_can_be_given_on_the_command_line(
    base: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from app.cli import cli

    db = str(tmp_path / "x.db")
    runner = CliRunner()
    for path in (base, roster(tmp_path), transfers(tmp_path)):
        assert runner.invoke(cli, ["load", str(path), "--store", db]).exit_code == 0
    undated = roster(tmp_path, source="undated", name="undated.csv")
    late = runner.invoke(cli, ["load", str(undated), "--store", db, "--as-of", "2022年3月1日"])
    assert late.exit_code == 1
    assert "holds on 2022-03-01" in late.stderr
    assert "it holds after it had ended" in late.stderr
    early = runner.invoke(cli, ["load", str(undated), "--store", db, "--as-of", "2020-01-01"])
    assert early.exit_code == 0, early.stderr


# -- the embedded store: removals reach every open store, and old files migrate -------------


def test_a_removed_line_leaves_another_open_store_too(base: Path, tmp_path: Path) -> None:
    from stores.embedded import EmbeddedStore

    db = tmp_path / "x.db"
    writer, reader = EmbeddedStore(db), EmbeddedStore(db)
    try:
        org = table(
            tmp_path / "nodes-org.csv",
            [
                {
                    "id": ORG,
                    "label": "PartyOrg",
                    "kind": "branch",
                    "name": "支部",
                    "source": "reform-2021",
                    "quote": "该支部",
                }
            ],
        )
        load_paths(writer, [base, org, transfers(tmp_path, basis_before="属地")])
        reader.refresh()
        assert (STREET, "territorial", None, D("2021-10-01")) in lines(reader)
        result = load_paths(writer, [roster(tmp_path)])  # the start: the record is replaced
        assert result.counts["edge"]["removed"] == 1
        reader.refresh()
        assert sorted(lines(reader), key=str) == sorted(EXPECTED, key=str)
        assert chain_ids(reader, "2020-01-01") == [ORG, STREET]
        assert reader.counts().edges_by_type["AFFILIATED_TO"] == 2  # the removed one is gone
    finally:
        writer.close()
        reader.close()


def test_a_store_file_of_schema_version_3_is_migrated_on_opening(
    base: Path, tmp_path: Path
) -> None:
    import sqlite3

    from stores.embedded import SCHEMA_VERSION, EmbeddedStore

    db = tmp_path / "old.db"
    store = EmbeddedStore(db)
    load_paths(store, [base, roster(tmp_path)])
    before = (list(store.iter_nodes()), list(store.iter_edges()))
    store.close()
    conn = sqlite3.connect(db)  # what version 3 wrote: no removed log, no dual_line column
    conn.executescript(
        BEFORE_THE_LOG
        + "DROP TABLE removed; DROP TABLE judgements; ALTER TABLE edges DROP COLUMN dual_line; "
        "UPDATE meta SET value = '3' WHERE key = 'schema_version'; DELETE FROM snapshot;"
    )
    conn.close()
    reopened = EmbeddedStore(db)
    try:
        version = reopened._conn.execute(
            "SELECT value FROM meta WHERE key = 'schema_version'"
        ).fetchone()[0]
        assert version == SCHEMA_VERSION == "7"
        assert (list(reopened.iter_nodes()), list(reopened.iter_edges())) == before
        load_paths(reopened, [transfers(tmp_path)])  # and it takes this version's writes
        assert sorted(lines(reopened), key=str) == sorted(EXPECTED, key=str)
    finally:
        reopened.close()
