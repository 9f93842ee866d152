"""``affgraph template``: tables to fill in, which load as they are.

For every table, both languages and both formats: the template loads without an error (on top
of the public cases where its example refers to them) and gives exactly the records its
example row means; the workbook has the column guide (left out by the load, with a notice)
and a drop-down on each column of closed words whose list is the declaration's words in the
template's language; the Chinese template is headed with the columns' Chinese names.

What each column takes and what each example means are written out here, from the
declarations, independently of :mod:`loaders.template`.
"""

from __future__ import annotations

import csv
import re
import shutil
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

from app.cli import cli
from graph_schema.declaration import (
    DATE_PRECISIONS,
    NODE_LABELS,
    REL_TYPES,
    TRANSFER_STATUSES,
)
from graph_schema.records import Edge, Node, Record, Source, Transfer, to_canonical
from graph_schema.rows import record_of
from loaders.errors import LoadFailedError
from loaders.headers import CANONICAL_FIELDS
from loaders.load import LoadResult, load_paths, read_batch
from loaders.registry import LAYOUTS
from loaders.template import (
    EXAMPLES,
    FORMATS,
    GUIDE_TITLES,
    LANGUAGES,
    TABLES,
    Format,
    Lang,
    template,
    write_template,
)
from loaders.terms import VOCABULARIES
from stores.embedded import EmbeddedStore

CANONICAL = {"nodes": "node", "edges": "edge", "transfer-records": "transfer", "sources": "source"}
#: where a workbook lists a canonical kind's records, by language
CANONICAL_SHEETS = {
    "node": ("nodes", "节点"),
    "edge": ("edges", "关系"),
    "transfer": ("transfers", "转移"),
    "source": ("sources", "来源"),
}
ENTRIES = "entries"

#: table → column → what its drop-down offers: the table's entries, vocabularies (in this
#: order), or a canonical field's closed set (English terms, in both languages)
NODE_KINDS = tuple(k for label in NODE_LABELS.values() for k in label.kinds)
EDGE_KINDS = tuple(dict.fromkeys(k for rel in REL_TYPES.values() for k in rel.kinds))
TAKES: dict[str, dict[str, tuple[str, ...]]] = {
    "county": {
        "entry": (ENTRIES,),
        "kind": ("PartyOrg_kind", "Body_kind", "Area_kind"),
        "enterprise_kind": ("Enterprise_kind",),
        "managed_directly": ("yes_no",),
    },
    **{
        roster: {
            "entry": (ENTRIES,),
            "kind": ("PartyOrg_kind", "Enterprise_kind", "Area_kind"),
            "enterprise_kind": ("Enterprise_kind",),
            "basis": ("basis",),
        }
        for roster in ("park", "street")
    },
    "sasac": {
        "entry": (ENTRIES,),
        "kind": ("PartyOrg_kind", "Enterprise_kind", "Body_kind"),
        "enterprise_kind": ("Enterprise_kind",),
        "basis": ("basis",),
    },
    "transfers": {
        "status": ("status",),
        "enterprise_kind": ("Enterprise_kind",),
        "basis_before": ("basis",),
        "basis_after": ("basis",),
    },
    "supervision": {"how": ("how",), "supervisor_kind": ("Body_kind",)},
}
CLOSED: dict[str, dict[str, tuple[str, ...]]] = {
    "nodes": {
        "label": tuple(NODE_LABELS),
        "kind": NODE_KINDS,
        "valid_from_precision": tuple(DATE_PRECISIONS),
        "valid_to_precision": tuple(DATE_PRECISIONS),
        "unresolved": ("true", "false"),
    },
    "edges": {
        "type": tuple(REL_TYPES),
        "kind": EDGE_KINDS,
        "valid_from_precision": tuple(DATE_PRECISIONS),
        "valid_to_precision": tuple(DATE_PRECISIONS),
        "dual_line": ("true", "false"),
    },
    "transfer-records": {"status": tuple(TRANSFER_STATUSES), "date_precision": ("month", "year")},
    "sources": {"date_precision": tuple(DATE_PRECISIONS)},
}

Fact = tuple[Any, ...]
#: table → the records its example row means: nodes (id, label, kind), edges (type, from, to,
#: kind, valid_from), transfers (id, org, status, date), sources (id, date)
MEANS: dict[str, dict[str, set[Fact]]] = {
    "county": {
        "node": {
            ("tpl-large-ent-pc", "PartyOrg", "committee"),
            ("tpl-large-ent", "Enterprise", "private"),
        },
        "edge": {
            ("BASED_IN", "tpl-large-ent-pc", "tpl-large-ent", None, None),
            ("LOCATED_IN", "tpl-large-ent", "op2012-street", "registered", None),
            ("AFFILIATED_TO", "tpl-large-ent-pc", "op2012-county-pc", "direct", None),
        },
    },
    "park": {
        "node": {
            ("tpl-park-ent-pc", "PartyOrg", "branch"),
            ("tpl-park-ent", "Enterprise", "foreign"),
        },
        "edge": {
            ("BASED_IN", "tpl-park-ent-pc", "tpl-park-ent", None, None),
            ("LOCATED_IN", "tpl-park-ent", "op2012-park", "registered", None),
            ("AFFILIATED_TO", "tpl-park-ent-pc", "op2012-park-cc", "territorial", None),
        },
    },
    "street": {
        "node": {("tpl-ent-50plus", "Enterprise", "private")},
        "edge": {
            ("LOCATED_IN", "tpl-ent-50plus", "op2012-street", "registered", None),
            ("SUPERVISES", "op2012-street-wc", "tpl-ent-50plus", "instructor", None),
        },
    },
    "sasac": {"node": {("zj-sasac", "Body", "sasac")}},
    "transfers": {
        "transfer": {
            (
                "tj-transfer-zhonghuan-samsung-jv",
                "tj-zhonghuan-samsung-jv-pc",
                "transferred",
                date(2022, 7, 5),
            )
        }
    },
    "supervision": {
        "node": {("tpl-county-org-dept", "Body", "organization_dept")},
        "edge": {
            ("SUPERVISES", "tpl-county-org-dept", "op2012-above-scale-ent-po", "guidance", None)
        },
    },
    "nodes": {"node": {("cn-sasac", "Body", "sasac")}},
    "edges": {
        "edge": {
            (
                "AFFILIATED_TO",
                "tj-zhonghuan-samsung-jv-pc",
                "tj-jinzhi-pc",
                "system",
                date(2022, 7, 5),
            )
        }
    },
    "transfer-records": {"transfer": {("tj-transfer-rcb-retained", "tj-rcb-pc", "retained", None)}},
    "sources": {"source": {("opinions_non_public_2012", date(2012, 5, 25))}},
}
#: a property of each example that the facts above do not show, to see it survive the trip
PROPS: dict[str, tuple[str, str, Any]] = {
    "county": ("node", "tpl-large-ent", "name"),
    "street": ("node", "tpl-ent-50plus", "employees"),
    "sasac": ("node", "zj-sasac", "aliases"),
    "nodes": ("node", "cn-sasac", "aliases"),
}
PROP_VALUES: dict[str, Any] = {
    "county": "Illustrative large, influential non-public enterprise",
    "street": 60,
    "sasac": ["Zhejiang SASAC", "浙江省国资委"],
    "nodes": ["SASAC", "国务院国资委"],
}


def fact(record: Record) -> Fact:
    if isinstance(record, Node):
        return (record.id, record.label, record.kind)
    if isinstance(record, Edge):
        return (record.type, record.src, record.dst, record.kind, record.valid_from)
    if isinstance(record, Transfer):
        return (record.id, record.org, record.status, record.date)
    return (record.id, record.props.get("date"))


def file_name(table: str, lang: Lang, fmt: Format) -> str:
    """A name the load reads as the table: a canonical CSV file's begins with its kind."""
    kind = CANONICAL.get(table)
    prefix = CANONICAL_SHEETS[kind][0] if kind else f"my-{table}"
    return f"{prefix}-{lang}.{fmt}"


def written(tmp_path: Path, table: str, lang: Lang, fmt: Format) -> Path:
    path = tmp_path / file_name(table, lang, fmt)
    write_template(table, path, lang=lang, fmt=fmt)
    return path


def records_of(path: Path) -> dict[str, list[Record]]:
    """The records a file gives, read and validated (no store), by kind; no error."""
    reading = read_batch([path])
    assert [str(e) for e in reading.errors] == []
    return {
        kind: [record_of(kind, row) for row in reading.batch.of(kind).rows]
        for kind in ("source", "node", "edge", "transfer")
    }


@pytest.fixture(scope="module")
def cases_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file holding the public cases, loaded once."""
    path = tmp_path_factory.mktemp("cases") / "cases.db"
    store = EmbeddedStore(path)
    try:
        load_paths(store, [Path(__file__).resolve().parent.parent / "data" / "cases"])
    finally:
        store.close()
    return path


@pytest.fixture
def store_with_cases(cases_db: Path, tmp_path: Path) -> Iterator[EmbeddedStore]:
    path = tmp_path / "store.db"
    shutil.copy(cases_db, path)
    store = EmbeddedStore(path)
    yield store
    store.close()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("table", TABLES)
def test_a_template_loads_as_it_is_and_gives_what_its_example_means(
    table: str, lang: Lang, fmt: Format, tmp_path: Path, store_with_cases: EmbeddedStore
) -> None:
    path = written(tmp_path, table, lang, fmt)
    # what the file itself gives: exactly the example's records
    found = records_of(path)
    means = MEANS[table]
    for kind, records in found.items():
        assert {fact(r) for r in records} == means.get(kind, set()), kind
        assert len(records) == len(means.get(kind, set()))
        for record in records:  # every record keeps the row's provenance
            assert isinstance(record, Source) or record.props.get("source") == EXAMPLES[table].get(
                "source"
            )
    if table in PROPS:
        kind, record_id, name = PROPS[table]
        (record,) = [r for r in found[kind] if isinstance(r, Node) and r.id == record_id]
        value = record.name if name == "name" else record.props[name]
        assert value == PROP_VALUES[table]
    # loaded as it is, on top of the cases its example refers to
    try:
        result = load_paths(store_with_cases, [path])
    except LoadFailedError as exc:  # pragma: no cover - the failure's message is the point
        pytest.fail("\n".join(map(str, exc.errors)))
    assert isinstance(result, LoadResult)
    assert len(result.tables) == 1
    if fmt == "xlsx":
        assert [(n.field, n.value) for n in result.notices] == [("sheet", GUIDE_TITLES[lang])]
        assert "not loaded" in result.notices[0].message
    else:
        assert result.notices == []
    kind_read = CANONICAL.get(table)
    expected_as = f"canonical {kind_read} records" if kind_read else f"{table} table"
    assert result.tables[0].table == expected_as
    store = store_with_cases
    for node_id, label, kind in means.get("node", set()):
        node = store.get_node(node_id)
        assert node is not None
        assert (node.label, node.kind) == (label, kind)
    held = {fact(e) for e in store.iter_edges()}
    assert means.get("edge", set()) <= held
    transfers = {fact(t) for t in store.iter_transfers()}
    assert means.get("transfer", set()) <= transfers
    for source_id, day in means.get("source", set()):
        source = store.get_source(source_id)
        assert source is not None
        assert source.props.get("date") == day


@pytest.mark.parametrize("table", TABLES)
def test_every_language_and_format_gives_the_same_records(table: str, tmp_path: Path) -> None:
    """The example row means the same, word for word, in Chinese and English, CSV and xlsx."""
    variants = {
        (lang, fmt): {
            kind: sorted(
                (to_canonical(r) for r in records), key=lambda d: sorted(map(str, d.items()))
            )
            for kind, records in records_of(written(tmp_path, table, lang, fmt)).items()
        }
        for lang in LANGUAGES
        for fmt in FORMATS
    }
    first = variants[("en", "csv")]
    assert sum(map(len, first.values())) > 0
    for key, records in variants.items():
        assert records == first, key


def expected_header(table: str, lang: Lang) -> list[str]:
    """The header from the declarations: the columns' names, or their usual Chinese ones."""
    if table in LAYOUTS:
        columns = [(c.name, c.chinese) for c in LAYOUTS[table].columns]
    else:
        columns = [(p.name, p.zh) for p in CANONICAL_FIELDS[CANONICAL[table]]]
    return [zh[0] if lang == "zh" and zh else name for name, zh in columns]


def expected_words(table: str, column: str, lang: Lang) -> list[str]:
    """What a column's drop-down offers, from the declarations."""
    if table in CLOSED:
        return list(CLOSED[table][column])
    words: dict[str, str] = {}
    for source in TAKES[table][column]:
        if source == ENTRIES:
            pairs = [(e.name, e.zh) for e in LAYOUTS[table].entries]
        else:
            vocabulary = VOCABULARIES[source]
            pairs = [(t, tuple(vocabulary.zh.get(t, ()))) for t in vocabulary.terms]
        for term, zh in pairs:
            words.setdefault(term, zh[0] if lang == "zh" and zh else term)
    return list(words.values())


def list_of(book: Any, formula: str) -> list[str]:
    """The cells a list validation's range names (``'sheet'!$G$5:$G$8``)."""
    match = re.fullmatch(r"'((?:[^']|'')+)'!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)", formula)
    assert match, formula
    title, first_col, first, last_col, last = match.groups()
    assert first_col == last_col
    sheet = book[title.replace("''", "'")]
    column = column_index_from_string(first_col)
    return [sheet.cell(row=r, column=column).value for r in range(int(first), int(last) + 1)]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("table", TABLES)
def test_the_workbook_explains_each_column_and_offers_the_declared_words(
    table: str, lang: Lang, tmp_path: Path
) -> None:
    path = written(tmp_path, table, lang, "xlsx")
    book = load_workbook(path)
    data, guide = book.worksheets
    assert guide.title == GUIDE_TITLES[lang]
    kind = CANONICAL.get(table)
    if kind is not None:  # a canonical sheet is named so in the template's language
        assert data.title == CANONICAL_SHEETS[kind][0 if lang == "en" else 1]
    else:  # named after its table, where the load reads that name as the table
        assert data.title == (table if table != "transfers" else "list of transfers")
    header = [c.value for c in data[1]]
    assert header == expected_header(table, lang)
    # a drop-down on each column of closed words, and on no other, with the declared words
    assert isinstance(data, Worksheet)
    offered: dict[str, list[str]] = {}
    for check in data.data_validations.dataValidation:
        assert check.type == "list"
        assert check.allow_blank
        (cells,) = check.sqref.ranges
        assert (cells.min_row, cells.max_row) == (2, 1_048_576)
        assert cells.min_col == cells.max_col
        offered[header[cells.min_col - 1]] = list_of(book, str(check.formula1))
    closed = CLOSED.get(table) or TAKES[table]
    by_header = dict(zip(expected_header(table, "en"), header, strict=True))
    assert offered == {by_header[c]: expected_words(table, c, lang) for c in closed}
    # the example row's cells: dates are date cells, never text
    row = [c.value for c in data[2]]
    assert any(v is not None for v in row)
    assert not any(isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) for v in row)
    days = [v.date() for v in row if isinstance(v, datetime)]
    expected_days = [v for v in EXAMPLES[table].values() if isinstance(v, date)]
    assert days == expected_days
    # the guide: every column, in both languages, required or not, its meaning and words
    assert isinstance(guide, Worksheet)
    rows = [[c.value for c in r] for r in guide.iter_rows(max_col=5)]
    start = next(i for i, r in enumerate(rows) if r[0] in ("column", "列名")) + 1
    end = next((i for i, r in enumerate(rows) if i > start and not r[0] and not r[1]), len(rows))
    explained = {(r[1] if lang == "zh" else r[0]): r for r in rows[start:end]}
    if table in LAYOUTS and LAYOUTS[table].entries:  # and, below, what each entry means
        described = {(r[1] if lang == "zh" else r[0]): r[3] for r in rows[end:] if r[3]}
        for entry in LAYOUTS[table].entries:
            assert described[entry.name] == entry.meaning
    names = expected_header(table, "en")
    chinese = expected_header(table, "zh")
    for name, zh in zip(names, chinese, strict=True):
        line = explained[name]
        other = line[0] if lang == "zh" else line[1]
        assert zh == name or str(other).split(", ")[0] == zh
        words = expected_words(table, name, "en") if name in closed else []
        for word in words:
            assert word in str(line[4]), (name, word)
        if table in LAYOUTS and name in closed:
            for source in TAKES[table][name]:
                if source != ENTRIES:
                    for chinese_words in VOCABULARIES[source].zh.values():
                        for chinese_word in chinese_words:
                            assert chinese_word in str(line[4])
    required = (
        {c.name for c in LAYOUTS[table].columns if c.required}
        if table in LAYOUTS
        else {p.name for p in CANONICAL_FIELDS[CANONICAL[table]] if p.required}
    )
    assert {n for n in names if explained[n][2]} == required


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("table", TABLES)
def test_a_csv_template_is_utf8_with_a_byte_order_mark(
    table: str, lang: Lang, tmp_path: Path
) -> None:
    path = written(tmp_path, table, lang, "csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == 2
    assert rows[0] == expected_header(table, lang)
    assert len(rows[1]) == len(rows[0])
    if lang == "zh":  # the Chinese template's headers are the columns' Chinese names
        assert all(re.search("[\u4e00-\u9fff]", cell) for cell in rows[0])


def test_the_examples_name_only_columns_of_their_tables() -> None:
    for table in TABLES:
        names = {c.name for c in template(table).columns}
        assert set(EXAMPLES[table]) <= names, table
    assert set(EXAMPLES) == set(TABLES)


def test_the_guide_sheet_is_left_out_also_when_the_table_is_chosen(
    tmp_path: Path, store_with_cases: EmbeddedStore
) -> None:
    path = written(tmp_path, "transfers", "zh", "xlsx")  # its sheet is recognised by its header
    result = load_paths(store_with_cases, [path], as_table="transfers")
    assert [n.value for n in result.notices] == ["填写说明"]
    assert [t.table for t in result.tables] == ["transfers table"]


def test_the_template_command(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "县名册.xlsx"
    made = runner.invoke(cli, ["template", "county", str(out)])
    assert made.exit_code == 0, made.output
    assert "affgraph load" in made.stdout
    assert load_workbook(out).sheetnames == ["county", "填写说明"]
    again = runner.invoke(cli, ["template", "county", str(out)])
    assert again.exit_code == 2
    assert "--force" in again.stderr
    forced = runner.invoke(cli, ["template", "county", "--lang", "en", "--force", str(out)])
    assert forced.exit_code == 0, forced.output
    assert load_workbook(out).sheetnames == ["county", "column guide"]
    lines = tmp_path / "lines.csv"
    made = runner.invoke(cli, ["template", "supervision", "--lang", "en", str(lines)])
    assert made.exit_code == 0, made.output
    assert lines.read_text(encoding="utf-8-sig").startswith("supervisor,supervised,how,")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["roster", "a.xlsx"], "TABLE: 'roster' — expected one of county, park, street"),
        (["county", "--lang", "fr", "a.xlsx"], "--lang: 'fr' — expected one of zh, en"),
        (["county", "a.txt"], "--format: 'txt' — expected one of xlsx, csv"),
        (["county", "--format", "csv", "a.xlsx"], "a csv template needs a file name ending in"),
        (["nodes", "people.csv"], "canonical node records only when its name begins with nodes"),
        (["transfers", "transfers-2022.csv"], "as canonical transfer records; name it otherwise"),
    ],
)
def test_the_template_command_refuses_what_would_not_load(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["template", *args])
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())
    assert list(tmp_path.iterdir()) == []
