"""The canonical loader: JSON Lines and CSV readers, located errors, all-or-nothing, the cases."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from app.cli import cli
from graph_schema.dates import ACCEPTED_FORMS
from graph_schema.records import Node
from loaders.canonical import UNREADABLE
from loaders.errors import LoadFailedError
from loaders.load import load_paths
from stores.base import GraphStore, StoreCounts, WriteSummary
from stores.embedded import EmbeddedStore
from stores.neo4j import Neo4jStore

D = date.fromisoformat

# -- a small dataset, written as JSON Lines and as CSV ---------------------------------------

SOURCES: list[dict[str, Any]] = [
    {
        "id": "src-a",
        "title": "天津国企改革报告",
        "publisher": "China Business Journal",
        "date": "2022-07-05",
        "url": "https://example.org/a?x=1,2",
        "language": "zh",
    },
]
NODES: list[dict[str, Any]] = [
    {
        "id": "tj-sasac-pc",
        "label": "PartyOrg",
        "kind": "committee",
        "name": "天津市国资委党委",
        "name_en": "Tianjin SASAC Party Committee",
        "aliases": ["市国资委党委", "SASAC PC"],
        "members": 120,
        "source": "src-a",
        "quote": 'He said, "市国资委党委"',
        "page": "p. 3",
    },
    {"id": "tj-zh-pc", "label": "PartyOrg", "kind": "committee", "name": "中环集团党委"},
    {
        "id": "tj-jinzhi-pc",
        "label": "PartyOrg",
        "kind": "committee",
        "name": "津智资本党委",
        "valid_from": "2018-01-01",
    },
    {
        "id": "tj-jv-pc",
        "label": "PartyOrg",
        "kind": "branch",
        "name": "中环三星党支部",
        "valid_from": "2015-01-01",
        "members": 31,
    },
    {
        "id": "tj-jv",
        "label": "Enterprise",
        "kind": "joint_venture",
        "name": "中环三星",
        "employees": 800,
        "state_equity_pct": 49.5,
        "uscc": "91350100M000100Y43",
        "valid_from": "2010-05-01",
        "valid_to": "2030-01-01",
    },
    {"id": "tj-sasac", "label": "Body", "kind": "sasac", "name": "天津市国资委"},
    {"id": "tj-hexi", "label": "Area", "kind": "county", "name": "河西区"},
    {"id": "tj-city", "label": "Area", "kind": "province", "name": "天津市"},
]
EDGES: list[dict[str, Any]] = [
    {
        "type": "AFFILIATED_TO",
        "from": "tj-jv-pc",
        "to": "tj-zh-pc",
        "kind": "system",
        "valid_from": "2015-01-01",
        "valid_to": "2022-07-05",
        "source": "src-a",
        "quote": "剥离",
    },
    {
        "type": "AFFILIATED_TO",
        "from": "tj-jv-pc",
        "to": "tj-jinzhi-pc",
        "kind": "system",
        "valid_from": "2022-07-05",
        "source": "src-a",
    },
    {"type": "AFFILIATED_TO", "from": "tj-zh-pc", "to": "tj-sasac-pc", "kind": "system"},
    {"type": "BASED_IN", "from": "tj-jv-pc", "to": "tj-jv"},
    {"type": "OWNS", "from": "tj-sasac", "to": "tj-jv", "share_pct": 49.5},
    {"type": "LOCATED_IN", "from": "tj-jv", "to": "tj-hexi", "kind": "registered"},
    {"type": "LOCATED_IN", "from": "tj-hexi", "to": "tj-city", "kind": "part_of"},
    {
        "type": "SUPERVISES",
        "from": "tj-sasac",
        "to": "tj-jv",
        "kind": "guidance",
        "valid_to": "2022-07-05",
    },
]
TRANSFERS: list[dict[str, Any]] = [
    {
        "id": "t-jv",
        "org": "tj-jv-pc",
        "from": "tj-zh-pc",
        "decided_to": "tj-jinzhi-pc",
        "status": "transferred",
        "date": "2022-07-05",
        "reason": "剥离, 不纳入混改",
        "source": "src-a",
    },
    {
        "org": "tj-zh-pc",
        "proposed_to": "tj-jinzhi-pc",
        "proposed_by": "the investors",
        "status": "proposed",
        "date": "2021-03-01",
    },
]
DATASET = {"source": SOURCES, "node": NODES, "edge": EDGES, "transfer": TRANSFERS}
CSV_NAMES = {
    "source": "sources.csv",
    "node": "nodes.csv",
    "edge": "edges.csv",
    "transfer": "transfers.csv",
}

GOOD = {"record": "node", "id": "p1", "label": "PartyOrg", "kind": "branch", "name": "P1"}
ENTERPRISE = {"record": "node", "id": "e1", "label": "Enterprise", "kind": "private", "name": "E1"}
PARTY_KINDS = (
    "expected one of 'local_committee', 'committee', 'general_branch', 'branch', "
    "'joint_branch', 'temporary_branch', 'leading_group', 'work_committee' or "
    "'comprehensive_committee'"
)


def canonical_records() -> list[dict[str, Any]]:
    """The dataset as canonical record dicts, sources first."""
    return [{"record": kind, **row} for kind, rows in DATASET.items() for row in rows]


def line(record: dict[str, Any] | str | bytes) -> bytes:
    if isinstance(record, dict):
        return json.dumps(record, ensure_ascii=False).encode()
    return record if isinstance(record, bytes) else record.encode()


def write_jsonl(path: Path, *records: dict[str, Any] | str | bytes) -> Path:
    """A JSON Lines file: dicts as JSON, texts and bytes as they are; one per line."""
    path.write_bytes(b"".join(line(r) + b"\n" for r in records))
    return path


def cell(value: Any) -> str:
    if isinstance(value, list):
        return "|".join(value)
    return "" if value is None else str(value)


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    """A canonical CSV file of the rows (header = the union of their fields, in order)."""
    header = list(dict.fromkeys(k for row in rows for k in row))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([cell(row.get(k)) for k in header] for row in rows)
    return path


def write_dataset_csv(folder: Path) -> list[Path]:
    folder.mkdir()
    return [write_csv(folder / CSV_NAMES[kind], rows) for kind, rows in DATASET.items()]


def snapshot(store: GraphStore) -> tuple[object, ...]:
    """Everything a store holds, in a comparable form."""
    return (
        store.counts(),
        list(store.iter_nodes()),
        list(store.iter_edges()),
        list(store.iter_transfers()),
        list(store.iter_sources()),
    )


def load_errors(store: GraphStore, *paths: Path) -> list[str]:
    """The error lines of a load that must fail."""
    with pytest.raises(LoadFailedError) as caught:
        load_paths(store, paths)
    count = len(caught.value.errors)
    assert str(caught.value) == (
        f"{count} error{'' if count == 1 else 's'} in the input; nothing was loaded"
    )
    return [str(e) for e in caught.value.errors]


def statuses(summary: WriteSummary) -> dict[str, dict[str, int]]:
    return {kind: dict(counts) for kind, counts in summary.counts.items()}


EMPTY = StoreCounts({}, {}, 0, 0)


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[EmbeddedStore]:
    """An empty embedded store, for what does not depend on the store."""
    store = EmbeddedStore(tmp_path / "errors.db")
    yield store
    store.close()


@pytest.fixture
def fresh_store(
    request: pytest.FixtureRequest, store_kind: str, tmp_path: Path
) -> Iterator[Callable[[], GraphStore]]:
    """Opens another empty store of this test's kind (emptying the Bolt database)."""
    opened: list[GraphStore] = []

    def open_fresh() -> GraphStore:
        store: GraphStore
        if store_kind == "embedded":
            store = EmbeddedStore(tmp_path / f"fresh-{len(opened)}.db")
        else:
            target = request.getfixturevalue("bolt")
            target.reset()
            store = Neo4jStore(target.uri, target.auth, database=target.database)
        opened.append(store)
        return store

    yield open_fresh
    for store in opened:
        store.close()


# -- JSON Lines and CSV agree ----------------------------------------------------------------


def test_jsonl_and_csv_give_the_same_records(
    store: GraphStore, fresh_store: Callable[[], GraphStore], tmp_path: Path
) -> None:
    csv_files = write_dataset_csv(tmp_path / "csv")
    jsonl = write_jsonl(tmp_path / "all.jsonl", *canonical_records())
    expected = {
        "source": {"created": 1},
        "node": {"created": 8},
        "edge": {"created": 8},
        "transfer": {"created": 2},
    }

    assert statuses(load_paths(store, csv_files)) == expected
    from_csv = snapshot(store)
    second = fresh_store()
    assert second.counts() == EMPTY
    assert statuses(load_paths(second, [jsonl])) == expected
    assert snapshot(second) == from_csv

    # and loading the other form over it changes nothing
    again = load_paths(second, [tmp_path / "csv"])
    assert statuses(again) == {
        k: {"unchanged": next(iter(v.values()))} for k, v in expected.items()
    }
    assert snapshot(second) == from_csv

    sasac = second.get_node("tj-sasac-pc")
    assert sasac is not None
    assert sasac.props["aliases"] == ["市国资委党委", "SASAC PC"]
    assert sasac.props["members"] == 120
    assert sasac.props["quote"] == 'He said, "市国资委党委"'
    jv = second.get_node("tj-jv")
    assert jv == Node(
        "tj-jv",
        "Enterprise",
        "joint_venture",
        "中环三星",
        D("2010-05-01"),
        D("2030-01-01"),
        {"employees": 800, "state_equity_pct": 49.5, "uscc": "91350100M000100Y43"},
    )
    assert [t.id for t in second.iter_transfers()] == ["transfer:tj-zh-pc:2021-03-01", "t-jv"]
    assert [s.props["date"] for s in second.iter_sources()] == [D("2022-07-05")]


# -- located errors --------------------------------------------------------------------------


BAD_LINES = [
    pytest.param(
        {**GOOD, "id": "p2", "kind": "bogus"}, f"kind: 'bogus' — {PARTY_KINDS}", id="bad-kind"
    ),
    pytest.param(
        {**GOOD, "id": "p2", "valid_from": "2022/13/01"},
        f"valid_from: '2022/13/01' — expected a real calendar date ({ACCEPTED_FORMS})",
        id="bad-date",
    ),
    pytest.param(
        {k: v for k, v in GOOD.items() if k != "name"} | {"id": "p2"},
        "name: — expected a value: the field is required",
        id="missing-name",
    ),
    pytest.param(
        {**GOOD, "id": "p2", "colour": "red"},
        "colour: 'red' — expected no such field: it is not part of this record in the format",
        id="unknown-field",
    ),
    pytest.param(
        '{"record": "node", "id": }',
        'line: \'{"record": "node", "id": }\' — expected a JSON object (Expecting '
        "value at column 26)",
        id="invalid-json",
    ),
    pytest.param(
        '["node", "p2"]', 'line: \'["node", "p2"]\' — expected a JSON object', id="not-an-object"
    ),
    pytest.param(
        {"id": "p2", "label": "PartyOrg"},
        "record: — expected a record field: source, node, edge or transfer",
        id="missing-record",
    ),
    pytest.param(
        {**GOOD, "record": "nodes"},
        "record: 'nodes' — expected one of 'source', 'node', 'edge', 'transfer'",
        id="unknown-record",
    ),
]


@pytest.mark.parametrize(("bad", "expected"), BAD_LINES)
def test_a_bad_line_is_located(
    embedded: EmbeddedStore, tmp_path: Path, bad: dict[str, Any] | str, expected: str
) -> None:
    path = write_jsonl(tmp_path / "data.jsonl", GOOD, "", bad, ENTERPRISE)
    assert load_errors(embedded, path) == [f"{path}:3: {expected}"]
    assert embedded.counts() == EMPTY


def test_csv_row_with_too_many_cells(embedded: EmbeddedStore, tmp_path: Path) -> None:
    path = tmp_path / "nodes.csv"
    path.write_text(
        "id,label,kind,name\np1,PartyOrg,branch,P1\np2,PartyOrg,branch,P2,x,y\n", encoding="utf-8"
    )
    assert load_errors(embedded, path) == [
        f"{path}:3: line: ['x', 'y'] — expected no more cells than header fields"
    ]


def test_csv_errors_name_the_row_line(embedded: EmbeddedStore, tmp_path: Path) -> None:
    path = tmp_path / "nodes-tianjin.csv"
    path.write_text(
        "id,label,kind,name,members\n"
        "p1,PartyOrg,branch,P1,3\n"
        "p2,PartyOrg,bogus,P2,\n"
        "p3,PartyOrg,branch,P3,-4\n",
        encoding="utf-8",
    )
    assert load_errors(embedded, path) == [
        f"{path}:3: kind: 'bogus' — {PARTY_KINDS}",
        f"{path}:4: members: '-4' — expected greater than or equal to 0",
    ]


def test_invalid_utf8_is_located_on_its_line(embedded: EmbeddedStore, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "data.jsonl",
        GOOD,
        ENTERPRISE,
        b'{"record": "node", "id": "p\xff\xfe"}',
        {**GOOD, "id": "p9"},
    )
    bad_bytes = repr(b'\xff\xfe"}\n')
    assert load_errors(embedded, path) == [f"{path}:3: line: {bad_bytes} — expected UTF-8 text"]
    csv_path = tmp_path / "nodes.csv"
    csv_path.write_bytes(b"id,label,kind,name\np1,PartyOrg,branch,P1\np2,PartyOrg,branch,\xff\n")
    bad_bytes = repr(b"\xff\n")
    assert load_errors(embedded, csv_path) == [f"{csv_path}:3: line: {bad_bytes} — {UNREADABLE}"]
    assert embedded.counts() == EMPTY


def test_a_byte_order_mark_is_ignored(embedded: EmbeddedStore, tmp_path: Path) -> None:
    jsonl = tmp_path / "bom.jsonl"
    jsonl.write_bytes(b"\xef\xbb\xbf" + line(GOOD) + b"\r\n")
    nodes = tmp_path / "nodes.csv"
    nodes.write_bytes(b"\xef\xbb\xbfid,label,kind,name\r\ne1,Enterprise,private,E1\r\n")
    assert statuses(load_paths(embedded, [jsonl, nodes])) == {"node": {"created": 2}}
    assert [n.id for n in embedded.iter_nodes()] == ["e1", "p1"]


def test_duplicate_id_in_one_load(embedded: EmbeddedStore, tmp_path: Path) -> None:
    first = write_jsonl(tmp_path / "a.jsonl", ENTERPRISE, GOOD)
    second = write_jsonl(tmp_path / "b.jsonl", {**GOOD, "name": "P1 again"})
    assert load_errors(embedded, first, second) == [
        f"{second}:1: id: 'p1' — expected each node once per load (first at {first}:2)"
    ]


def test_duplicate_edge_in_one_load(embedded: EmbeddedStore, tmp_path: Path) -> None:
    based = {"record": "edge", "type": "BASED_IN", "from": "p1", "to": "e1"}
    path = write_jsonl(tmp_path / "a.jsonl", GOOD, ENTERPRISE, based, based)
    assert load_errors(embedded, path) == [
        f"{path}:4: from/to: 'BASED_IN|p1|e1||' — expected each edge once per load "
        f"(first at {path}:3)"
    ]


def test_edge_to_an_unknown_id(store: GraphStore, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        GOOD,
        {
            "record": "edge",
            "type": "AFFILIATED_TO",
            "from": "p1",
            "to": "ghost",
            "kind": "territorial",
        },
    )
    assert load_errors(store, path) == [
        f"{path}:2: to: 'ghost' — expected the id of a node in this load or in the store"
    ]


def test_edge_endpoints_must_have_declared_labels(store: GraphStore, tmp_path: Path) -> None:
    wrong = {
        "record": "edge",
        "type": "AFFILIATED_TO",
        "from": "e1",
        "to": "p1",
        "kind": "territorial",
    }
    path = write_jsonl(tmp_path / "a.jsonl", GOOD, ENTERPRISE, wrong)
    error = (
        f"{path}:3: from/to: 'Enterprise → PartyOrg' — expected AFFILIATED_TO/territorial "
        "between PartyOrg → PartyOrg"
    )
    assert load_errors(store, path) == [error]
    # the same, with the endpoints already in the store
    load_paths(store, [write_jsonl(tmp_path / "nodes.jsonl", GOOD, ENTERPRISE)])
    edges_only = write_jsonl(tmp_path / "a.jsonl", "", "", wrong)
    assert load_errors(store, edges_only) == [error]
    part_of = write_jsonl(
        tmp_path / "b.jsonl",
        {"record": "edge", "type": "LOCATED_IN", "from": "e1", "to": "p1", "kind": "part_of"},
    )
    assert load_errors(store, part_of) == [
        f"{part_of}:1: from/to: 'Enterprise → PartyOrg' — expected LOCATED_IN/part_of between "
        "Area → Area"
    ]


def test_references_to_nodes_in_the_store_are_accepted(store: GraphStore, tmp_path: Path) -> None:
    load_paths(store, [write_jsonl(tmp_path / "nodes.jsonl", GOOD, ENTERPRISE)])
    edges = write_jsonl(
        tmp_path / "edges.jsonl", {"record": "edge", "type": "BASED_IN", "from": "p1", "to": "e1"}
    )
    assert statuses(load_paths(store, [edges])) == {"edge": {"created": 1}}
    assert [e.key for e in store.edges("p1")] == ["BASED_IN|p1|e1||"]


def test_provenance_must_name_a_known_source(store: GraphStore, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", {**GOOD, "source": "no-such-source"})
    assert load_errors(store, path) == [
        f"{path}:1: source: 'no-such-source' — expected the id of a source record in this "
        "load or in the store"
    ]
    load_paths(store, [write_jsonl(tmp_path / "s.jsonl", {"record": "source", "id": "doc"})])
    ok = write_jsonl(tmp_path / "b.jsonl", {**GOOD, "source": "doc"})
    assert statuses(load_paths(store, [ok])) == {"node": {"created": 1}}


def test_transfer_references_are_checked(embedded: EmbeddedStore, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        GOOD,
        {
            "record": "transfer",
            "org": "p1",
            "from": "ghost-a",
            "decided_to": "ghost-b",
            "status": "transferred",
            "date": "2022-07-05",
        },
    )
    expected = "expected the id of a node in this load or in the store"
    assert load_errors(embedded, path) == [
        f"{path}:2: decided_to: 'ghost-b' — {expected}",
        f"{path}:2: from: 'ghost-a' — {expected}",
    ]


def test_unrecognised_and_missing_paths(embedded: EmbeddedStore, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not data", encoding="utf-8")
    people = tmp_path / "people.csv"
    people.write_text("id\nx\n", encoding="utf-8")
    missing = tmp_path / "missing.jsonl"
    good = write_jsonl(tmp_path / "good.jsonl", GOOD)
    assert load_errors(embedded, notes, people, missing, good) == [
        f"{missing}:0: path: — expected an existing file or folder",
        f"{notes}:0: file: '.txt' — expected a .jsonl, .csv or .xlsx file (canonical or a "
        "source table); or load with --skip-unknown to leave out what is not data",
        f"{people}:1: header: 'id' — expected the header of a source table (or of a canonical "
        "file named nodes*, edges*, transfers* or sources*); closest: the transfers table, "
        "which also needs the columns organization (党组织), status (状态), source (来源), "
        "quote (原文); see docs/loaders.md",
    ]
    assert embedded.counts() == EMPTY


def test_a_folder_with_a_file_it_does_not_read(embedded: EmbeddedStore, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    notes = folder / "README.txt"
    notes.write_text("notes", encoding="utf-8")
    (folder / ".DS_Store").write_bytes(b"\0")
    write_jsonl(folder / "good.jsonl", GOOD)
    assert load_errors(embedded, folder) == [
        f"{notes}:0: file: '.txt' — expected a .jsonl, .csv or .xlsx file (canonical or a "
        "source table); or load with --skip-unknown to leave out what is not data"
    ]
    assert embedded.counts() == EMPTY
    result = load_paths(embedded, [folder], skip_unknown=True)
    assert statuses(result) == {"node": {"created": 1}}
    assert [str(n) for n in result.notices] == [
        f"{folder / '.DS_Store'}: file: '.DS_Store' — not loaded: hidden",
        f"{notes}: file: '.txt' — not loaded (--skip-unknown)",
    ]
    assert [(t.name, t.table, t.records) for t in result.tables] == [
        (str(folder / "good.jsonl"), "canonical JSON Lines", 1)
    ]


def test_all_errors_are_collected(embedded: EmbeddedStore, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        GOOD,
        {**GOOD, "id": "p2", "kind": "bogus"},
        ENTERPRISE,
        "{broken",
        {**ENTERPRISE, "id": "e2", "employees": -1, "state_equity_pct": 101},
        {"record": "edge", "type": "BASED_IN", "from": "p1", "to": "nowhere"},
    )
    other = write_jsonl(tmp_path / "b.jsonl", {**GOOD, "id": "p3", "valid_to": "2022-13-01"})
    found = load_errors(embedded, path, other)
    assert [e.split(" — ")[0] for e in found] == [
        f"{path}:2: kind: 'bogus'",
        f"{path}:4: line: '{{broken'",
        f"{path}:5: employees: -1",
        f"{path}:5: state_equity_pct: 101",
        f"{path}:6: to: 'nowhere'",
        f"{other}:1: valid_to: '2022-13-01'",
    ]
    assert embedded.counts() == EMPTY


# -- all or nothing --------------------------------------------------------------------------


def test_a_load_with_any_error_writes_nothing(store: GraphStore, tmp_path: Path) -> None:
    load_paths(store, [write_jsonl(tmp_path / "good.jsonl", *canonical_records())])
    before = snapshot(store)
    mixed = write_jsonl(
        tmp_path / "mixed.jsonl",
        {"record": "node", **NODES[1], "name": "中环集团党委 (renamed)"},  # an update
        {**GOOD, "id": "new-branch"},  # a new node
        {
            "record": "edge",
            "type": "AFFILIATED_TO",
            "from": "new-branch",
            "to": "tj-zh-pc",
            "kind": "territorial",
        },
        {"record": "source", "id": "src-b"},
        {"record": "transfer", "org": "new-branch", "status": "proposed"},
        {**GOOD, "id": "bad-branch", "kind": "bogus"},  # the one error
    )
    assert load_errors(store, mixed) == [f"{mixed}:6: kind: 'bogus' — {PARTY_KINDS}"]
    assert snapshot(store) == before
    assert store.get_node("new-branch") is None
    zh = store.get_node("tj-zh-pc")
    assert zh is not None
    assert zh.name == "中环集团党委"


# -- the bundled cases -----------------------------------------------------------------------


def as_of_superiors(store: GraphStore, org: str, when: date) -> list[str]:
    return [e.dst for e in store.edges(org, types=["AFFILIATED_TO"], as_of=when)]


def test_bundled_cases_load_and_reload_unchanged(store: GraphStore, cases_dir: Path) -> None:
    first = load_paths(store, [cases_dir])
    counts = store.counts()
    assert statuses(first) == {
        "source": {"created": counts.sources},
        "node": {"created": counts.nodes},
        "edge": {"created": counts.edges},
        "transfer": {"created": counts.transfers},
    }
    assert counts.nodes > 100
    assert counts.edges > 100
    assert counts.transfers == 2

    second = load_paths(store, [cases_dir])
    assert statuses(second) == {
        "source": {"unchanged": counts.sources},
        "node": {"unchanged": counts.nodes},
        "edge": {"unchanged": counts.edges},
        "transfer": {"unchanged": counts.transfers},
    }
    assert not second.changed
    assert store.counts() == counts


def test_facts_of_the_bundled_cases(store: GraphStore, cases_dir: Path) -> None:
    load_paths(store, [cases_dir])

    pipe = store.get_node("tj-pipe")
    assert pipe is not None
    assert pipe.props["state_equity_pct"] == 0
    assert as_of_superiors(store, "tj-pipe-pc", date(2024, 1, 1)) == ["tj-sasac-pc"]

    lines = store.edges(
        "bj-ipb-pc", direction="in", types=["AFFILIATED_TO"], as_of=date(2010, 1, 1)
    )
    kinds: Counter[str] = Counter()
    for e in lines:
        branch = store.get_node(e.src)
        assert branch is not None
        kinds[branch.kind] += 1
    assert kinds == {"committee": 1, "general_branch": 5, "branch": 97, "joint_branch": 5}

    transfers = {t.org: t for t in store.iter_transfers()}
    pharma = transfers["tj-pharma-pc"]
    assert pharma.status == "retained"
    assert as_of_superiors(store, "tj-pharma-pc", date(2024, 1, 1)) == [pharma.props["from"]]

    org = "tj-zhonghuan-samsung-jv-pc"
    jv = transfers[org]
    assert jv.status == "transferred"
    assert jv.date is not None
    before = as_of_superiors(store, org, jv.date - timedelta(days=1))
    after = as_of_superiors(store, org, jv.date)
    assert before == [jv.props["from"]] == ["tj-zhonghuan-pc"]
    assert after == [jv.props["decided_to"]] == ["tj-jinzhi-pc"]
    assert before != after


# -- the load command ------------------------------------------------------------------------


TABLE_ROW = re.compile(r"│ (\w+)\s+│ (\d+)\s+│ (\d+)\s+│ (\d+)\s+│")


def table_counts(output: str) -> dict[str, tuple[int, int, int]]:
    """(created, updated, unchanged) by record kind, from the command's table."""
    return {m[1]: (int(m[2]), int(m[3]), int(m[4])) for m in TABLE_ROW.finditer(output)}


def test_load_command(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    data = write_jsonl(tmp_path / "all.jsonl", *canonical_records())
    runner = CliRunner()

    result = runner.invoke(cli, ["load", str(data), "--store", str(db)])
    assert result.exit_code == 0, result.output
    assert table_counts(result.stdout) == {
        "source": (1, 0, 0),
        "node": (8, 0, 0),
        "edge": (8, 0, 0),
        "transfer": (2, 0, 0),
    }

    result = runner.invoke(cli, ["load", str(data), "--store", str(db)])
    assert result.exit_code == 0, result.output
    assert table_counts(result.stdout) == {
        "source": (0, 0, 1),
        "node": (0, 0, 8),
        "edge": (0, 0, 8),
        "transfer": (0, 0, 2),
    }
    assert "Nothing changed" in result.stdout

    bad = write_jsonl(
        tmp_path / "bad.jsonl",
        {**GOOD, "id": "p9"},
        {**GOOD, "id": "p10", "valid_from": "2022/01/01/01"},
    )
    result = runner.invoke(cli, ["load", str(bad), "--store", str(db)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"{bad}:2: valid_from: '2022/01/01/01' — expected a date: {ACCEPTED_FORMS}",
        "1 error in the input; nothing was loaded",
    ]
    reopened = EmbeddedStore(db)
    try:
        assert reopened.get_node("p9") is None
        assert reopened.counts().nodes == 8
    finally:
        reopened.close()


def test_a_label_change_is_a_located_error(store: GraphStore, tmp_path: Path) -> None:
    load_paths(store, [write_jsonl(tmp_path / "a.jsonl", GOOD)])
    again = write_jsonl(tmp_path / "b.jsonl", {**GOOD, "label": "Enterprise", "kind": "private"})
    assert load_errors(store, again) == [
        f"{again}:1: label: 'Enterprise' — expected PartyOrg: node 'p1' is in the store as a "
        "PartyOrg; a label cannot change (use a new id)"
    ]


def test_transfer_ends_must_be_party_organizations(store: GraphStore, tmp_path: Path) -> None:
    transfer = {"record": "transfer", "org": "e1", "status": "proposed", "proposed_to": "p1"}
    path = write_jsonl(tmp_path / "t.jsonl", GOOD, ENTERPRISE, transfer)
    assert load_errors(store, path) == [
        f"{path}:3: org: 'e1' — expected the id of a PartyOrg, not of a node of label Enterprise"
    ]
