"""The source loaders: county, park, street, SASAC, transfers and supervision tables.

Each on its example file (exact records of some rows, counts), on bad rows (the exact
``file:line: column: value — expected …`` of each kind of error, nothing written), header
detection and ``--as``, transfers against the AFFILIATED_TO lines, ``--allow-unresolved``,
progress, and the generated docs.
"""

from __future__ import annotations

import csv
import io
import shutil
import time
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from app.cli import cli
from app.progress import LoadDisplay
from graph_schema.dates import ACCEPTED_FORMS
from graph_schema.records import Edge, Node, Transfer, to_canonical
from loaders.canonical import CsvFile
from loaders.docs import DOC_PATH, render
from loaders.errors import LoadError, LoadFailedError
from loaders.load import LoadProgress, LoadResult, load_paths
from loaders.registry import LAYOUTS
from loaders.table import Layout, detect, read_table
from loaders.terms import VOCABULARIES, normalize
from loaders.validate import Located, placeholder_label, reference
from stores.base import GraphStore
from stores.embedded import EmbeddedStore
from tests.test_loaders_canonical import EMPTY, load_errors, snapshot, statuses, write_jsonl

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "examples"
PROVENANCE = {"source": "doc", "quote": "q"}
REQUIRED = "expected a value: the field is required"
UNKNOWN_ID = "expected the id of a node in this load or in the store"


def write_table(
    path: Path, rows: Sequence[dict[str, Any]], header: Sequence[str] | None = None
) -> Path:
    """A CSV table of ``rows`` (header: the union of their columns, in order), each row with
    the provenance columns unless it names them."""
    full = [{**row, **{k: v for k, v in PROVENANCE.items() if k not in row}} for row in rows]
    columns = (
        list(header) if header is not None else list(dict.fromkeys(k for row in full for k in row))
    )
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows([str(row.get(c, "")) for c in columns] for row in full)
    return path


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    """The source record the test tables cite."""
    return write_jsonl(tmp_path / "sources.jsonl", {"record": "source", "id": "doc"})


@pytest.fixture
def embedded(tmp_path: Path) -> Any:
    store = EmbeddedStore(tmp_path / "source-tables.db")
    yield store
    store.close()


def produced(
    path: Path, as_table: str | None = None
) -> tuple[list[tuple[int, dict[str, Any]]], list[str]]:
    """What a table produces, without a store: (line, canonical record) and error texts."""
    forced = LAYOUTS[as_table] if as_table else None
    records: list[tuple[int, dict[str, Any]]] = []
    errors: list[str] = []
    for found in read_table(CsvFile(path), tuple(LAYOUTS.values()), forced):
        for item in found:
            if isinstance(item, Located):
                records.append((item.line, to_canonical(item.record)))
            else:
                errors.append(str(item))
    return records, errors


def bare(record: dict[str, Any]) -> dict[str, Any]:
    """A canonical record without its provenance."""
    return {k: v for k, v in record.items() if k not in ("source", "quote", "page")}


def at_line(records: list[tuple[int, dict[str, Any]]], line: int) -> list[dict[str, Any]]:
    return [bare(r) for n, r in records if n == line]


def kinds(records: list[tuple[int, dict[str, Any]]]) -> Counter[str]:
    found: Counter[str] = Counter()
    for _, r in records:
        found[r.get("type") or r.get("label") or r["record"]] += 1
    return found


def errors_of(store: GraphStore, doc: Path, *paths: Path) -> list[str]:
    return load_errors(store, doc, *paths)


def errors_as(store: GraphStore, paths: list[Path], as_table: str) -> list[str]:
    """The error lines of a load with ``--as`` that must fail."""
    with pytest.raises(LoadFailedError) as caught:
        load_paths(store, paths, as_table=as_table)
    return [str(e) for e in caught.value.errors]


# -- the examples ----------------------------------------------------------------------------


def example(name: str) -> Path:
    return EXAMPLES / f"example-{name}.csv"


def test_every_loader_has_an_example_that_is_recognised() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.csv")) == sorted(
        f"example-{name}.csv" for name in LAYOUTS
    )
    for name in LAYOUTS:
        records, errors = produced(example(name))
        assert errors == []
        assert records


def test_every_record_keeps_its_rows_provenance() -> None:
    for name in LAYOUTS:
        path = example(name)
        rows = dict(enumerate(csv.DictReader(path.open(encoding="utf-8")), start=2))
        records, _ = produced(path)
        for line, record in records:
            row = rows[line]
            assert record["source"] == row["source"]
            assert record["quote"] == row["quote"]
            if record["record"] != "transfer":  # the format's transfers have no page
                assert record.get("page") == (row.get("page") or None)


def test_county_example() -> None:
    records, _ = produced(example("county"))
    assert kinds(records) == {
        "Area": 1,
        "PartyOrg": 3,
        "Body": 1,
        "Enterprise": 2,
        "BASED_IN": 3,
        "LOCATED_IN": 3,
        "AFFILIATED_TO": 2,
        "SUPERVISES": 1,
    }
    assert at_line(records, 5) == [
        {
            "record": "node",
            "id": "ex-large-ent-pc",
            "label": "PartyOrg",
            "kind": "committee",
            "name": "Illustrative Party committee of a large enterprise with many Party members",
        },
        {
            "record": "node",
            "id": "ex-large-ent",
            "label": "Enterprise",
            "kind": "private",
            "name": "Illustrative large, influential non-public enterprise",
        },
        {
            "record": "edge",
            "type": "LOCATED_IN",
            "from": "ex-large-ent",
            "to": "ex-street",
            "kind": "registered",
        },
        {"record": "edge", "type": "BASED_IN", "from": "ex-large-ent-pc", "to": "ex-large-ent"},
        {
            "record": "edge",
            "type": "AFFILIATED_TO",
            "from": "ex-large-ent-pc",
            "to": "ex-county-pc",
            "kind": "direct",
        },
    ]
    assert at_line(records, 6)[-2:] == [
        {
            "record": "edge",
            "type": "AFFILIATED_TO",
            "from": "ex-above-scale-ent-pc",
            "to": "ex-street-wc",
            "kind": "territorial",
        },
        {
            "record": "edge",
            "type": "SUPERVISES",
            "from": "ex-county-npe-office",
            "to": "ex-above-scale-ent-pc",
            "kind": "direct_contact",
        },
    ]


def test_park_example() -> None:
    records, _ = produced(example("park"))
    assert kinds(records) == {
        "Area": 1,
        "PartyOrg": 3,
        "Enterprise": 4,
        "LOCATED_IN": 5,
        "BASED_IN": 5,
        "AFFILIATED_TO": 3,
    }
    assert at_line(records, 3) == [
        {
            "record": "node",
            "id": "ex-park-cc",
            "label": "PartyOrg",
            "kind": "comprehensive_committee",
            "name": "Illustrative comprehensive Party committee of the park",
            "aliases": ["综合党委"],
        },
        {"record": "edge", "type": "BASED_IN", "from": "ex-park-cc", "to": "ex-park"},
        {
            "record": "edge",
            "type": "AFFILIATED_TO",
            "from": "ex-park-cc",
            "to": "ex-county-pc",
            "kind": "territorial",
        },
    ]
    joint = at_line(records, 8)
    assert joint[0]["kind"] == "joint_branch"
    assert [(e["type"], e["to"]) for e in joint[1:]] == [
        ("BASED_IN", "ex-park-small-1"),
        ("BASED_IN", "ex-park-small-2"),
        ("BASED_IN", "ex-park-small-3"),
        ("AFFILIATED_TO", "ex-park-cc"),
    ]


def test_street_example() -> None:
    records, _ = produced(example("street"))
    assert kinds(records) == {
        "Area": 3,
        "PartyOrg": 2,
        "Enterprise": 3,
        "LOCATED_IN": 6,
        "BASED_IN": 3,
        "AFFILIATED_TO": 2,
        "SUPERVISES": 1,
    }
    assert at_line(records, 5) == [
        {
            "record": "node",
            "id": "ex-grid-1",
            "label": "Area",
            "kind": "grid",
            "name": "Illustrative grid 1 of the community",
        },
        {
            "record": "edge",
            "type": "LOCATED_IN",
            "from": "ex-grid-1",
            "to": "ex-community",
            "kind": "part_of",
        },
    ]
    assert at_line(records, 9) == [
        {
            "record": "node",
            "id": "ex-ent-50plus",
            "label": "Enterprise",
            "kind": "private",
            "name": "Illustrative enterprise with 50+ employees and no Party organization",
            "employees": 60,
        },
        {
            "record": "edge",
            "type": "LOCATED_IN",
            "from": "ex-ent-50plus",
            "to": "ex-street",
            "kind": "registered",
        },
        {
            "record": "edge",
            "type": "SUPERVISES",
            "from": "ex-street-wc",
            "to": "ex-ent-50plus",
            "kind": "instructor",
        },
    ]


def test_sasac_example() -> None:
    records, _ = produced(example("sasac"))
    assert kinds(records) == {
        "Body": 2,
        "PartyOrg": 6,
        "Enterprise": 3,
        "BASED_IN": 6,
        "OWNS": 3,
        "AFFILIATED_TO": 4,
    }
    assert at_line(records, 4) == [
        {
            "record": "node",
            "id": "zj-prov-ent-1-pc",
            "label": "PartyOrg",
            "kind": "committee",
            "name": "Party committee of provincial-level enterprise 1 of the ten sample "
            "enterprises (not named in source)",
        },
        {
            "record": "node",
            "id": "zj-prov-ent-1",
            "label": "Enterprise",
            "kind": "soe",
            "name": "Unnamed provincial-level enterprise 1 of the ten sample constructions (not "
            "named in source)",
        },
        {"record": "edge", "type": "OWNS", "from": "zj-sasac", "to": "zj-prov-ent-1"},
        {"record": "edge", "type": "BASED_IN", "from": "zj-prov-ent-1-pc", "to": "zj-prov-ent-1"},
        {
            "record": "edge",
            "type": "AFFILIATED_TO",
            "from": "zj-prov-ent-1-pc",
            "to": "zj-sasac-pc",
            "kind": "system",
        },
    ]
    assert at_line(records, 7)[0]["kind"] == "general_branch"  # 党总支


def test_transfers_example() -> None:
    records, _ = produced(example("transfers"))
    assert kinds(records) == {"transfer": 4, "AFFILIATED_TO": 1, "Enterprise": 1}
    pharma = at_line(records, 3)
    assert [r["record"] for r in pharma] == ["transfer", "edge"]
    assert pharma[0]["status"] == "retained"
    assert pharma[1] == {
        "record": "edge",
        "type": "AFFILIATED_TO",
        "from": "tj-pharma-pc",
        "to": "tj-sasac-pc",
        "kind": "system",
    }
    assert at_line(records, 4)[1] == {
        "record": "node",
        "id": "tj-pipe",
        "label": "Enterprise",
        "kind": "mixed",
        "name": "Tianjin Pipe Corporation",
        "state_equity_pct": 0.0,
    }
    jv = at_line(records, 5)
    assert [bare(r) for r in jv] == [
        {
            "record": "transfer",
            "id": "tj-transfer-zhonghuan-samsung-jv",
            "org": "tj-zhonghuan-samsung-jv-pc",
            "status": "transferred",
            "date": "2022-07-05",
            "from": "tj-zhonghuan-pc",
            "decided_to": "tj-jinzhi-pc",
            "reason": jv[0]["reason"],
        }
    ]


def test_supervision_example() -> None:
    records, _ = produced(example("supervision"))
    assert kinds(records) == {"Body": 7, "SUPERVISES": 8}
    assert at_line(records, 5) == [
        {
            "record": "node",
            "id": "ex-county-market-regulation",
            "label": "Body",
            "kind": "industry_commerce",
            "name": "Illustrative industry and commerce (market regulation) bureau of the county",
        },
        {
            "record": "edge",
            "type": "SUPERVISES",
            "from": "ex-county-market-regulation",
            "to": "ex-above-scale-ent",
            "kind": "registration",
        },  # 登记
    ]
    assert at_line(records, 9) == [
        {
            "record": "edge",
            "type": "SUPERVISES",
            "from": "ex-county-union",
            "to": "ex-park-ent",
            "kind": "coordination",
        }
    ]


def test_examples_load_on_top_of_the_cases(store: GraphStore, cases_dir: Path) -> None:
    load_paths(store, [cases_dir])
    cases = store.counts()
    first = load_paths(store, [EXAMPLES])
    assert statuses(first) == {  # (lines-over-time/: 2 sources, 4 nodes, 4 lines, 1 transfer)
        "source": {"created": 2},
        "node": {"created": 45, "unchanged": 1},
        "edge": {"created": 59, "unchanged": 5},
        "transfer": {"created": 3, "unchanged": 2},
    }
    assert first.placeholders == []
    assert store.counts().nodes == cases.nodes + 45
    again = load_paths(store, [EXAMPLES])
    assert not again.changed

    assert [(e.dst, e.kind) for e in store.edges("ex-large-ent-pc", types=["AFFILIATED_TO"])] == [
        ("ex-county-pc", "direct")
    ]
    supervisors = sorted(
        e.src for e in store.edges("ex-above-scale-ent", direction="in", types=["SUPERVISES"])
    )
    assert supervisors == [
        "ex-county-market-regulation",
        "ex-county-social-work",
        "ex-county-union",
        "ex-county-united-front-dept",
        "ex-county-youth-league",
    ]
    transfers = {t.id: t for t in store.iter_transfers()}
    assert transfers["tj-transfer-pipe-retained"].status == "retained"
    pipe = store.get_node("tj-pipe")
    assert pipe is not None
    assert pipe.props["state_equity_pct"] == 0


# -- the cases in source-table form ----------------------------------------------------------


def test_the_cases_hold_source_tables(cases_dir: Path) -> None:
    tables = {p.name: _layout_of(p) for p in cases_dir.glob("*.csv")}
    assert tables == {
        "jiading_supervision.csv": "supervision",
        "ngo2015_supervision.csv": "supervision",
        "opinions_2012_supervision.csv": "supervision",
        "tianjin_supervision.csv": "supervision",
        "tianjin_transfers.csv": "transfers",
    }
    records = [r for p in cases_dir.glob("*supervision.csv") for _, r in produced(p)[0]]
    assert len(records) == 28
    assert {r["type"] for r in records} == {"SUPERVISES"}
    transfers, errors = produced(cases_dir / "tianjin_transfers.csv")
    assert errors == []
    assert [(r["record"], r.get("org") or r.get("from")) for _, r in transfers] == [
        ("transfer", "tj-pharma-pc"),
        ("edge", "tj-pharma-pc"),
        ("transfer", "tj-zhonghuan-samsung-jv-pc"),
    ]


def _layout_of(path: Path) -> str:
    header = [normalize(c) for c in next(csv.reader(path.open(encoding="utf-8-sig")))]
    layout = detect(header, tuple(LAYOUTS.values()))
    assert isinstance(layout, Layout), layout
    return layout.name


# -- header detection and --as ---------------------------------------------------------------


def test_headers_are_detected(tmp_path: Path) -> None:
    for name in LAYOUTS:
        copy = shutil.copy(example(name), tmp_path / f"{name}-copy.csv")
        assert _layout_of(Path(copy)) == name


def test_an_unrecognised_header(embedded: EmbeddedStore, doc: Path, tmp_path: Path) -> None:
    path = write_table(tmp_path / "people.csv", [{"person": "x", "supervisor": "y"}])
    assert errors_of(embedded, doc, path) == [
        f"{path}:1: header: 'person,supervisor,source,quote' — expected the header of a source "
        "table (or of a canonical file named nodes*, edges*, transfers* or sources*); closest: "
        "the supervision table, which also needs the columns supervised (被指导方), how (方式) "
        "(unknown to it: person); see docs/loaders.md"
    ]


def test_an_ambiguous_header(embedded: EmbeddedStore, doc: Path, tmp_path: Path) -> None:
    path = write_table(
        tmp_path / "both.csv",
        [{"park": "p", "street": "s", "entry": "park", "id": "p", "name": "P"}],
    )
    assert errors_of(embedded, doc, path) == [
        f"{path}:1: header: 'park,street,entry,id,name,source,quote' — expected the header of "
        "one source table, not of several (park and street): choose one with --as"
    ]
    # --as settles it, and then the other table's column is refused
    assert errors_as(embedded, [doc, path], "park") == [
        f"{path}:1: header: 'street' — expected a column of the park table (see docs/loaders.md)"
    ]


def test_as_chooses_the_table(embedded: EmbeddedStore, doc: Path, tmp_path: Path) -> None:
    rows = [{"organization": "o", "status": "proposed", "date": "2022-01-01"}]
    # named like a canonical transfers file: without --as it is read as canonical
    path = write_table(tmp_path / "transfers-2022.csv", rows)
    nodes = write_jsonl(
        tmp_path / "o.jsonl",
        {"record": "node", "id": "o", "label": "PartyOrg", "kind": "branch", "name": "O"},
    )
    assert "organization: 'o' — expected no such field" in " ".join(
        errors_of(embedded, doc, nodes, path)
    )
    result = load_paths(embedded, [doc, nodes, path], as_table="transfers")
    assert statuses(result) == {
        "source": {"created": 1},
        "node": {"created": 1},
        "transfer": {"created": 1},
    }
    assert [t.id for t in embedded.iter_transfers()] == ["transfer:o:2022-01-01"]


def test_missing_required_and_unknown_columns(
    embedded: EmbeddedStore, doc: Path, tmp_path: Path
) -> None:
    path = tmp_path / "lines.csv"
    path.write_text(
        "supervisor,supervised,how,source,colour\nb,o,guidance,doc,red\n", encoding="utf-8"
    )
    assert errors_of(embedded, doc, path) == [
        f"{path}:1: header: 'supervisor,supervised,how,source,colour' — expected the header of "
        "a source table (or of a canonical file named nodes*, edges*, transfers* or sources*); "
        "closest: the supervision table, which also needs the columns quote (原文) (unknown "
        "to it: colour); see docs/loaders.md"
    ]
    assert errors_as(embedded, [doc, path], "supervision") == [
        f"{path}:1: header: 'colour' — expected a column of the supervision table (see "
        "docs/loaders.md)",
        f"{path}:1: quote (原文): — expected this column in the header: the supervision table "
        "requires it",
    ]


def test_header_names_are_read_leniently(
    embedded: EmbeddedStore, doc: Path, tmp_path: Path
) -> None:
    path = tmp_path / "lines.csv"
    path.write_text(
        "\ufeffSupervisor,Supervised,How,Valid From,Source,Quote\n"
        "b, o ,Direct Contact,2020-01-01,doc,q\n",
        encoding="utf-8",
    )
    records, errors = produced(path)
    assert errors == []
    assert [bare(r) for _, r in records] == [
        {
            "record": "edge",
            "type": "SUPERVISES",
            "from": "b",
            "to": "o",
            "kind": "direct_contact",
            "valid_from": "2020-01-01",
        }
    ]


# -- located errors, each kind ---------------------------------------------------------------

COUNTY = [
    {"county_committee": "c-pc", "entry": "county", "id": "c", "name": "County C"},
    {
        "county_committee": "c-pc",
        "entry": "committee",
        "id": "c-pc",
        "name": "C committee",
        "area": "c",
    },
    {"county_committee": "c-pc", "entry": "organ", "id": "c-organ", "name": "C organ"},
]

PARTY_KINDS = VOCABULARIES["PartyOrg_kind"].expected()
NO_ENTERPRISE_NAME = (
    "expected an empty cell, or enterprise_name as well: a row describes the enterprise it "
    "names only when it also gives the enterprise's name"
)


def county(tmp_path: Path, *rows: dict[str, Any]) -> Path:
    full = [*COUNTY, *({"county_committee": "c-pc", **r} for r in rows)]
    return write_table(tmp_path / "county.csv", full)


BAD_ROWS = [
    pytest.param(
        {
            "entry": "organization",
            "id": "o",
            "name": "O",
            "kind": "branch",
            "valid_from": "2021/03/01/01",
        },
        f"valid_from: '2021/03/01/01' — expected a date: {ACCEPTED_FORMS}",
        id="bad-date",
    ),
    pytest.param(
        {"entry": "organization", "id": "o", "name": "O", "kind": "bogus"},
        f"kind: 'bogus' — {PARTY_KINDS}",
        id="bad-kind",
    ),
    pytest.param(
        {"entry": "branch", "id": "o", "name": "O"},
        "entry: 'branch' — expected one of 'county' (县), 'committee' (县委), "
        "'organ' (非公党建工作机构) or 'organization' (党组织)",
        id="bad-entry",
    ),
    pytest.param(
        {
            "entry": "organization",
            "id": "o",
            "name": "O",
            "kind": "branch",
            "managed_directly": "perhaps",
        },
        "managed_directly: 'perhaps' — expected yes or no (是 or 否; also true, false, 1, 0)",
        id="bad-yes-no",
    ),
    pytest.param(
        {
            "entry": "organization",
            "id": "o",
            "name": "O",
            "kind": "branch",
            "work_committee": "ghost-wc",
        },
        f"work_committee: 'ghost-wc' — {UNKNOWN_ID}",
        id="unknown-reference",
    ),
    pytest.param(
        {"entry": "organization", "id": "o", "name": "O", "kind": "branch", "members": "-3"},
        "members: '-3' — expected greater than or equal to 0",
        id="negative-members",
    ),
    pytest.param(
        {
            "entry": "organization",
            "id": "o",
            "name": "O",
            "kind": "branch",
            "enterprise": "e",
            "enterprise_name": "E",
            "enterprise_kind": "private",
            "state_equity_pct": "120",
        },
        "state_equity_pct: '120' — expected less than or equal to 100",
        id="percentage-out-of-range",
    ),
    pytest.param(
        {
            "entry": "organization",
            "id": "o",
            "name": "O",
            "kind": "branch",
            "enterprise": "e",
            "enterprise_name": "E",
            "enterprise_kind": "private",
            "uscc": "91350100M000100Y44",
        },
        "uscc: '91350100M000100Y44' — expected an 18-character unified social credit "
        "code with a valid check character",
        id="bad-uscc",
    ),
    pytest.param(
        {
            "entry": "organization",
            "id": "o",
            "name": "O",
            "kind": "branch",
            "valid_from": "2021-01-01",
            "valid_to": "2020-01-01",
            "managed_directly": "yes",
        },
        "valid_to: '2020-01-01' — expected a date after valid_from (2021-01-01): "
        "intervals are half-open, [valid_from, valid_to)",
        id="interval",
    ),
    pytest.param(
        {"entry": "organization", "id": "o", "kind": "branch"},
        f"name: — {REQUIRED}",
        id="missing-value",
    ),
    pytest.param(
        {"entry": "organization", "id": "o", "name": "O", "kind": "branch", "employees": "12"},
        f"employees: '12' — {NO_ENTERPRISE_NAME}",
        id="enterprise-undefined",
    ),
    pytest.param(
        {"entry": "organ", "id": "o", "name": "O", "managed_directly": "yes"},
        "managed_directly: 'yes' — expected an empty cell: an organ row of the county "
        "table does not use this column",
        id="unused-cell",
    ),
    pytest.param(
        {
            "entry": "organization",
            "id": "o",
            "name": "O",
            "kind": "branch",
            "managed_directly": "yes",
            "work_committee": "c-pc",
        },
        "work_committee: 'c-pc' — expected no work committee when managed_directly "
        "is yes: an organization has one formal superior",
        id="two-superiors",
    ),
    pytest.param(
        {
            "entry": "organization",
            "id": "o",
            "name": "O",
            "kind": "branch",
            "enterprise": "c|c-organ",
        },
        "enterprise: 'c|c-organ' — expected one enterprise id: only a joint branch (kind "
        "joint_branch) is set up in several",
        id="several-enterprises",
    ),
    pytest.param(
        {"entry": "committee", "id": "other-pc", "name": "O"},
        "id: 'other-pc' — expected 'c-pc', the row's county_committee: this row "
        "describes the county_committee itself",
        id="head-id",
    ),
    pytest.param(
        {"entry": "organization", "id": "c-organ", "name": "O", "kind": "branch"},
        "id: 'c-organ' — expected each node once per load (first at {path}:4)",
        id="duplicate-id",
    ),
]


@pytest.mark.parametrize(("row", "expected"), BAD_ROWS)
def test_a_bad_row_is_located(
    store: GraphStore, doc: Path, tmp_path: Path, row: dict[str, Any], expected: str
) -> None:
    path = county(tmp_path, row)
    assert errors_of(store, doc, path) == [f"{path}:5: {expected.format(path=path)}"]
    assert store.counts() == EMPTY


def test_an_embedded_enterprise_defined_twice(
    embedded: EmbeddedStore, doc: Path, tmp_path: Path
) -> None:
    org = {
        "entry": "organization",
        "kind": "branch",
        "enterprise": "e",
        "enterprise_name": "E",
        "enterprise_kind": "民营",
        "managed_directly": "yes",
    }
    path = county(tmp_path, {**org, "id": "o1", "name": "O1"}, {**org, "id": "o2", "name": "O2"})
    assert errors_of(embedded, doc, path) == [
        f"{path}:6: enterprise: 'e' — expected each node once per load (first at {path}:5)"
    ]


def test_errors_of_the_other_tables(embedded: EmbeddedStore, doc: Path, tmp_path: Path) -> None:
    sasac = write_table(
        tmp_path / "sasac.csv",
        [
            {"sasac": "s", "entry": "sasac", "id": "s", "name": "S"},
            {
                "sasac": "s",
                "entry": "enterprise",
                "id": "g",
                "name": "G",
                "kind": "soe",
                "owner": "s",
                "share_pct": "101",
                "state_equity_pct": "100",
            },
            {
                "sasac": "s",
                "entry": "organization",
                "id": "g-pc",
                "name": "G pc",
                "kind": "党委",
                "enterprise": "g",
                "superior": "s-pc",
                "basis": "sideways",
            },
        ],
    )
    supervision = write_table(
        tmp_path / "lines.csv",
        [
            {"supervisor": "s", "supervised": "g", "how": "bossing"},
            {
                "supervisor": "u",
                "supervised": "g",
                "how": "指导",
                "supervisor_name": "Union",
                "supervisor_kind": "pub",
            },
        ],
    )
    transfers = write_table(
        tmp_path / "reform.csv",
        [
            {"organization": "g-pc", "status": "done"},
            {
                "organization": "g-pc",
                "status": "proposed",
                "reform_date": "2020-01-01",
                "state_equity_after": "30",
            },
        ],
    )
    assert errors_of(embedded, doc, sasac, supervision, transfers) == [
        f"{supervision}:2: how: 'bossing' — {VOCABULARIES['how'].expected()}",
        f"{supervision}:3: supervisor_kind: 'pub' — {VOCABULARIES['Body_kind'].expected()}",
        f"{transfers}:2: status: 'done' — {VOCABULARIES['status'].expected()}",
        f"{transfers}:3: reform_date: '2020-01-01' — expected investors as well: the reform "
        "date is when the investors' holdings (OWNS) begin",
        f"{transfers}:3: state_equity_after: '30' — {NO_ENTERPRISE_NAME}",
        f"{sasac}:3: share_pct: '101' — expected less than or equal to 100",
        f"{sasac}:4: basis: 'sideways' — {VOCABULARIES['basis'].expected()}",
        f"{sasac}:4: superior: 's-pc' — expected the id of a node in this load or in the store",
    ]


def test_a_source_table_must_cite_a_known_source(embedded: EmbeddedStore, tmp_path: Path) -> None:
    path = write_table(
        tmp_path / "lines.csv",
        [
            {
                "supervisor": "b",
                "supervised": "o",
                "how": "guidance",
                "source": "nowhere",
                "quote": "",
            }
        ],
    )
    assert load_errors(embedded, path) == [
        f"{path}:2: quote: — {REQUIRED}",
        f"{path}:2: source: 'nowhere' — expected the id of a source record in this load or in "
        "the store",
        f"{path}:2: supervised: 'o' — {UNKNOWN_ID}",
        f"{path}:2: supervisor: 'b' — {UNKNOWN_ID}",
    ]


def test_endpoint_labels_are_checked_by_column(
    embedded: EmbeddedStore, doc: Path, tmp_path: Path
) -> None:
    path = write_table(
        tmp_path / "park.csv",
        [
            {"park": "p", "entry": "park", "id": "p", "name": "P"},
            {"park": "p", "entry": "enterprise", "id": "e", "name": "E", "kind": "private"},
            {
                "park": "p",
                "entry": "organization",
                "id": "o",
                "name": "O",
                "kind": "branch",
                "superior": "e",
            },
        ],
    )
    assert errors_of(embedded, doc, path) == [
        f"{path}:4: id/superior: 'PartyOrg → Enterprise' — expected AFFILIATED_TO/territorial "
        "between PartyOrg → PartyOrg"
    ]


def test_a_failed_load_leaves_the_store_unchanged(
    store: GraphStore, cases_dir: Path, tmp_path: Path
) -> None:
    load_paths(store, [cases_dir])
    before = snapshot(store)
    path = write_table(
        tmp_path / "street.csv",
        [
            {
                "street": "s",
                "entry": "street",
                "id": "s",
                "name": "S",
                "area": "jd-jiading",
                "source": "party_building_csr_2017",
            },
            {
                "street": "s",
                "entry": "committee",
                "id": "s-wc",
                "name": "S wc",
                "superior": "jd-swc",
                "source": "party_building_csr_2017",
            },
            {
                "street": "s",
                "entry": "enterprise",
                "id": "jd-ent-a1",
                "name": "renamed",
                "kind": "private",
                "source": "party_building_csr_2017",
            },  # an update
            {
                "street": "s",
                "entry": "enterprise",
                "id": "e",
                "name": "E",
                "kind": "private",
                "uscc": "bad",
                "source": "party_building_csr_2017",
            },  # the one error
        ],
    )
    assert load_errors(store, path) == [
        f"{path}:5: uscc: 'bad' — expected an 18-character unified social credit code with a "
        "valid check character"
    ]
    assert snapshot(store) == before


# -- transfers and their lines ---------------------------------------------------------------


ORGS = [
    {"record": "node", "id": i, "label": "PartyOrg", "kind": "committee", "name": i}
    for i in ("org", "old", "new")
] + [
    {"record": "node", "id": "ent", "label": "Enterprise", "kind": "soe", "name": "Ent"},
    {"record": "node", "id": "inv", "label": "Enterprise", "kind": "private", "name": "Inv"},
]


def test_transfers_draw_their_lines(embedded: EmbeddedStore, doc: Path, tmp_path: Path) -> None:
    path = write_table(
        tmp_path / "reform.csv",
        [
            {
                "organization": "org",
                "enterprise": "ent",
                "enterprise_name": "Ent after reform",
                "enterprise_kind": "混合所有制",
                "reform_date": "2020-06-01",
                "investors": "inv",
                "state_equity_after": "34.5",
                "superior_before": "old",
                "before_since": "2010-01-01",
                "proposed_superior": "new",
                "proposed_by": "inv",
                "decided_superior": "new",
                "status": "转移",
                "date": "2021-01-01",
                "basis_before": "系统",
                "basis_after": "属地",
                "page": "p. 2",
            }
        ],
    )
    records, errors = produced(path)
    assert errors == []
    # what the row says of each line, piece by piece, with its own provenance
    transfer = {
        "transfer": "transfer:org:2021-01-01",
        "source": "doc",
        "quote": "q",
        "page": "p. 2",
    }
    assert [r for _, r in records] == [
        {
            "record": "transfer",
            "id": "transfer:org:2021-01-01",
            "org": "org",
            "status": "transferred",
            "date": "2021-01-01",
            "decided_to": "new",
            "from": "old",
            "proposed_by": "inv",
            "proposed_to": "new",
            "source": "doc",
            "quote": "q",
        },
        {
            "record": "node",
            "id": "ent",
            "label": "Enterprise",
            "kind": "mixed",
            "name": "Ent after reform",
            "state_equity_pct": 34.5,
            "source": "doc",
            "quote": "q",
            "page": "p. 2",
        },
        {
            "record": "edge",
            "type": "OWNS",
            "from": "inv",
            "to": "ent",
            "valid_from": "2020-06-01",
            "source": "doc",
            "quote": "q",
            "page": "p. 2",
        },
        {
            "record": "edge",
            "type": "AFFILIATED_TO",
            "from": "org",
            "to": "old",
            "kind": "system",
            "valid_from": "2010-01-01",
            "valid_to": "2021-01-01",
            "source": "doc",
            "quote": "q",
            "page": "p. 2",
            "evidence": [
                {"role": "begins", "date": "2010-01-01", **transfer},
                {"role": "ends", "date": "2021-01-01", **transfer},
            ],
        },
        {
            "record": "edge",
            "type": "AFFILIATED_TO",
            "from": "org",
            "to": "new",
            "kind": "territorial",
            "valid_from": "2021-01-01",
            "source": "doc",
            "quote": "q",
            "page": "p. 2",
            "evidence": [{"role": "begins", "date": "2021-01-01", **transfer}],
        },
    ]
    # the enterprise is defined by the transfers row, so load the others without it
    others = write_jsonl(tmp_path / "others.jsonl", *(n for n in ORGS if n["id"] != "ent"))
    result = load_paths(embedded, [doc, others, path])
    assert statuses(result) == {
        "source": {"created": 1},
        "node": {"created": 5},
        "edge": {"created": 3},
        "transfer": {"created": 1},
    }
    assert [e.dst for e in embedded.edges("org", as_of=date(2020, 12, 31))] == ["old"]
    assert [e.dst for e in embedded.edges("org", as_of=date(2021, 1, 1))] == ["new"]


def test_a_retained_row_draws_the_standing_line(tmp_path: Path) -> None:
    path = write_table(
        tmp_path / "reform.csv",
        [
            {
                "organization": "org",
                "status": "retained",
                "superior_before": "old",
                "proposed_superior": "new",
                "basis_before": "system",
                "date": "2022-01-01",
            }
        ],
    )
    records, errors = produced(path)
    assert errors == []
    assert [bare(r) for _, r in records][1:] == [
        {
            "record": "edge",
            "type": "AFFILIATED_TO",
            "from": "org",
            "to": "old",
            "kind": "system",
            "evidence": [
                {
                    "role": "holds",
                    "date": "2022-01-01",
                    "transfer": "transfer:org:2022-01-01",
                    "source": "doc",
                    "quote": "q",
                }
            ],
        }
    ]
    bad = write_table(
        tmp_path / "bad.csv",
        [
            {
                "organization": "org",
                "status": "retained",
                "superior_before": "old",
                "decided_superior": "new",
                "lines": "maybe",
            }
        ],
    )
    assert produced(bad)[1] == [
        f"{bad}:2: decided_superior: 'new' — expected 'old' (the superior before) or an empty "
        "cell: a retained organization stays where it was",
        f"{bad}:2: lines: 'maybe' — expected one of 'write' or 'check'",
    ]


def test_transfers_must_agree_with_the_lines(store: GraphStore, doc: Path, tmp_path: Path) -> None:
    lines = write_jsonl(
        tmp_path / "lines.jsonl",
        *ORGS,
        *[
            {
                "record": "edge",
                "type": "AFFILIATED_TO",
                "from": "org",
                "to": "old",
                "kind": "system",
                "valid_to": "2021-02-01",
            },
            {
                "record": "edge",
                "type": "AFFILIATED_TO",
                "from": "org",
                "to": "new",
                "kind": "system",
                "valid_from": "2021-02-01",
            },
        ],
    )
    load_paths(store, [doc, lines])  # the lines are in the store, the transfers come later
    before = snapshot(store)
    path = write_table(
        tmp_path / "reform.csv",
        [
            {
                "organization": "org",
                "status": "transferred",
                "superior_before": "old",
                "decided_superior": "new",
                "date": "2021-01-01",
                "lines": "check",
            },
            {
                "organization": "org",
                "status": "retained",
                "superior_before": "old",
                "date": "2021-03-01",
                "lines": "check",
                "id": "t2",
            },
            {
                "organization": "org",
                "status": "transferred",
                "decided_superior": "new",
                "lines": "check",
                "id": "t3",
            },
        ],
    )
    # the transfer of row 2 ends the line to old a month before the store has it end; the
    # retention of row 3 has it hold after that end (each clash is reported once, at the
    # first row that brings it)
    assert load_errors(store, path) == [
        f"{path}:2: superior_before: 'old' — expected one history of the line org → old: it "
        f"ends on 2021-01-01 (transfer transfer:org:2021-01-01, at {path.name}:2) and held […, "
        "2021-02-01), which cannot both be true (it ends again after it had ended, 2021-02-01)",
        f"{path}:4: date: — expected a value: a transferred transfer needs the superior decided "
        "on and the date the old line ends and the new one begins",
    ]
    assert snapshot(store) == before
    good = write_table(
        tmp_path / "good.csv",
        [
            {
                "organization": "org",
                "status": "transferred",
                "superior_before": "old",
                "decided_superior": "new",
                "date": "2021-02-01",
                "lines": "check",
            },
            {
                "organization": "org",
                "status": "retained",
                "superior_before": "old",
                "date": "2021-01-31",
                "lines": "check",
                "id": "t2",
            },
        ],
    )
    # the transfers agree with the lines, and become part of their evidence
    assert statuses(load_paths(store, [good])) == {
        "transfer": {"created": 2},
        "edge": {"updated": 2},
    }
    [old] = [e for e in store.edges("org", types=["AFFILIATED_TO"]) if e.dst == "old"]
    assert [(p["role"], p.get("transfer")) for p in old.props["evidence"]] == [
        ("holds", "t2"),  # in the order of the days they speak of
        ("ends", "transfer:org:2021-02-01"),
        ("interval", None),
    ]


def test_canonical_transfers_are_checked_too(embedded: EmbeddedStore, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "t.jsonl",
        *ORGS,
        {"record": "transfer", "id": "t", "org": "org", "from": "old", "status": "retained"},
    )
    assert load_errors(embedded, path) == [
        f"{path}:6: from: 'old' — expected an AFFILIATED_TO line org → old in the load or the "
        "store: a retained organization stays with its superior"
    ]


# -- placeholders ----------------------------------------------------------------------------


def test_unknown_ids_become_placeholders_when_allowed(
    store: GraphStore, doc: Path, tmp_path: Path
) -> None:
    path = write_table(
        tmp_path / "lines.csv",
        [
            {"supervisor": "ghost-body", "supervised": "ghost-org", "how": "guidance"},
            {"supervisor": "ghost-body", "supervised": "ghost-org", "how": "inspection"},
        ],
    )
    assert load_errors(store, doc, path) == [
        f"{path}:2: supervised: 'ghost-org' — {UNKNOWN_ID}",
        f"{path}:2: supervisor: 'ghost-body' — {UNKNOWN_ID}",
        f"{path}:3: supervised: 'ghost-org' — {UNKNOWN_ID}",
        f"{path}:3: supervisor: 'ghost-body' — {UNKNOWN_ID}",
    ]
    result = load_paths(store, [doc, path], allow_unresolved=True)
    assert isinstance(result, LoadResult)
    assert statuses(result) == {
        "source": {"created": 1},
        "node": {"created": 2},
        "edge": {"created": 2},
    }
    assert [str(p) for p in result.placeholders] == [
        f"ghost-body (Body, other): referenced at {path}:2 (supervisor)",
        f"ghost-org (PartyOrg, local_committee): referenced at {path}:2 (supervised)",
    ]
    body = store.get_node("ghost-body")
    assert body == Node(
        "ghost-body",
        "Body",
        "other",
        "unresolved: ghost-body",
        props={
            "unresolved": True,
            "quote": f"placeholder: 'ghost-body' is referenced at {path}:2 (supervisor) "
            "but defined neither in the load nor in the store (load --allow-unresolved)",
        },
    )
    again = load_paths(store, [doc, path], allow_unresolved=True)
    assert again.placeholders == []
    assert not again.changed


def test_placeholder_labels_follow_the_rules() -> None:
    def label(type_: str, kind: str | None, end: str, other_label: str | None = None) -> str:
        item = Located("f", 1, Edge(type_, "a", "b", kind))
        ref = reference(item, end, "a" if end == "from" else "b")
        return placeholder_label(ref, {ref.other: other_label} if other_label and ref.other else {})

    assert label("AFFILIATED_TO", "system", "to") == "PartyOrg"
    assert label("SUPERVISES", "guidance", "from") == "Body"
    assert label("SUPERVISES", "guidance", "to") == "PartyOrg"
    assert label("SUPERVISES", "guidance", "to", other_label="Body") == "PartyOrg"
    assert label("BASED_IN", None, "to") == "Enterprise"
    assert label("LOCATED_IN", "registered", "from") == "Enterprise"
    assert label("LOCATED_IN", "part_of", "from") == "Area"
    assert label("OWNS", None, "from") == "Body"
    assert label("SUCCEEDS", "merger", "from") == "Enterprise"
    assert label("SUCCEEDS", "merger", "from", other_label="PartyOrg") == "PartyOrg"
    transfer = Located("f", 1, Transfer("t", "a", "proposed"))
    assert placeholder_label(reference(transfer, "proposed_to", "x"), {}) == "PartyOrg"


def test_a_transfer_to_an_unknown_superior(
    embedded: EmbeddedStore, doc: Path, tmp_path: Path
) -> None:
    nodes = write_jsonl(tmp_path / "nodes.jsonl", *ORGS)
    path = write_table(
        tmp_path / "reform.csv",
        [
            {
                "organization": "org",
                "status": "proposed",
                "proposed_superior": "street-wc",
                "date": "2022-01-01",
            }
        ],
    )
    result = load_paths(embedded, [doc, nodes, path], allow_unresolved=True)
    assert [(p.id, p.label, p.kind, p.field) for p in result.placeholders] == [
        ("street-wc", "PartyOrg", "local_committee", "proposed_superior")
    ]
    node = embedded.get_node("street-wc")
    assert node is not None
    assert node.props["unresolved"] is True


def test_the_load_command_lists_placeholders(tmp_path: Path, doc: Path) -> None:
    path = write_table(
        tmp_path / "lines.csv",
        [{"supervisor": "ghost-body", "supervised": "ghost-org", "how": "guidance"}],
    )
    db = str(tmp_path / "cli.db")
    runner = CliRunner()
    refused = runner.invoke(cli, ["load", str(doc), str(path), "--store", db])
    assert refused.exit_code == 1
    result = runner.invoke(cli, ["load", str(doc), str(path), "--store", db, "--allow-unresolved"])
    assert result.exit_code == 0, result.output
    assert "2 placeholder(s) made for unknown ids, marked unresolved:" in result.stdout
    assert f"ghost-body (Body, other): referenced at {path}:2 (supervisor)" in result.stdout


# -- the load command ------------------------------------------------------------------------


def test_the_load_command_takes_as(tmp_path: Path, doc: Path) -> None:
    db = str(tmp_path / "cli.db")
    nodes = write_jsonl(
        tmp_path / "o.jsonl",
        {"record": "node", "id": "o", "label": "PartyOrg", "kind": "branch", "name": "O"},
    )
    path = write_table(
        tmp_path / "transfers-list.csv", [{"organization": "o", "status": "pending"}]
    )
    runner = CliRunner()
    result = runner.invoke(
        cli, ["load", "--as", "transfers", str(doc), str(nodes), str(path), "--store", db]
    )
    assert result.exit_code == 0, result.output
    assert "transfer" in result.stdout
    bad = runner.invoke(cli, ["load", "--as", "roster", str(path), "--store", db])
    assert bad.exit_code == 1
    assert bad.stderr.strip() == (
        "error: --as roster: expected one of county, park, street, sasac, transfers, supervision"
    )
    unknown = write_table(tmp_path / "people.csv", [{"person": "x"}])
    failed = runner.invoke(cli, ["load", str(unknown), "--store", db])
    assert failed.exit_code == 1
    assert failed.stderr.strip().splitlines()[0].startswith(f"{unknown}:1: header: ")


# -- progress --------------------------------------------------------------------------------


def test_load_reports_progress(embedded: EmbeddedStore, cases_dir: Path) -> None:
    files: list[tuple[int, int, str]] = []
    steps: list[str] = []
    records: list[int] = []
    hooks = LoadProgress(
        records=records.append, file=lambda i, n, p: files.append((i, n, p.name)), step=steps.append
    )
    load_paths(embedded, [cases_dir], hooks)
    names = sorted(p.name for p in cases_dir.iterdir())
    assert files == [(i, len(names), name) for i, name in enumerate(names, start=1)]
    assert steps == ["checking", "writing"]
    lines = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in cases_dir.glob("*.jsonl"))
    rows = sum(len(list(csv.DictReader(p.open(encoding="utf-8")))) for p in cases_dir.glob("*.csv"))
    assert sum(records) == lines + rows
    # a plain function still counts the records, as before
    counted: list[int] = []
    load_paths(embedded, [cases_dir], counted.append)
    assert sum(counted) == lines + rows


def test_the_progress_bar_shows_only_for_slow_loads_on_a_terminal() -> None:
    terminal = io.StringIO()
    with LoadDisplay(Console(file=terminal, force_terminal=True, width=120), delay=0) as shown:
        hooks = shown.hooks
        time.sleep(0.2)
        hooks.file(1, 2, Path("a.csv"))
        hooks.records(5)
        hooks.step("writing")
        time.sleep(0.2)
    assert shown.shown
    assert "writing" in terminal.getvalue()
    assert "2 files" in terminal.getvalue()
    quick = io.StringIO()
    with LoadDisplay(Console(file=quick, force_terminal=True), delay=5) as fast:
        fast.hooks.records(1)
    assert not fast.shown
    assert quick.getvalue() == ""
    piped = io.StringIO()
    with LoadDisplay(Console(file=piped), delay=0) as not_a_terminal:
        time.sleep(0.1)
    assert not not_a_terminal.shown
    assert piped.getvalue() == ""


# -- docs ------------------------------------------------------------------------------------


def test_the_loader_docs_are_up_to_date() -> None:
    assert DOC_PATH.read_text(encoding="utf-8") == render(), (
        "docs/loaders.md is out of date: run .venv/bin/python -m loaders.docs"
    )
    text = render()
    for layout in LAYOUTS.values():
        assert f"## `{layout.name}`" in text
        for column in layout.columns:
            assert f"| `{column.name}` |" in text


def test_layouts_are_distinguishable() -> None:
    required = {name: set(layout.required) for name, layout in LAYOUTS.items()}
    for name, columns in required.items():
        for other, more in required.items():
            if name != other:
                assert not columns <= more, f"{name}'s required columns are within {other}'s"
        assert {c.name for c in LAYOUTS[name].columns} >= columns


def test_load_errors_name_the_column() -> None:
    error = LoadError("f.csv", 3, "work_committee", "x", "expected …")
    assert str(error) == "f.csv:3: work_committee: 'x' — expected …"
