"""Researchers' own tables: workbooks, Chinese and mixed headers, Chinese terms, GB18030 and
UTF-16 files, dates as people type them, and text pasted from Word.

Each example table of ``data/examples`` (one per source table) is rewritten the way a
researcher's copy of it would look and loaded on top of the public cases; the store must then
hold exactly the records the clean UTF-8 original gives.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from app.cli import cli
from graph_schema.dates import ACCEPTED_FORMS, parse_loose_date
from graph_schema.declaration import NODE_LABELS
from loaders.errors import LoadFailedError
from loaders.headers import CANONICAL_FIELDS
from loaders.load import load_paths
from loaders.registry import LAYOUTS
from loaders.table import Layout
from loaders.terms import VOCABULARIES
from stores.base import GraphStore
from stores.embedded import EmbeddedStore

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "examples"
DATE_COLUMNS = {"valid_from", "valid_to", "date", "reform_date", "before_since"}
NUMBER_COLUMNS = {"employees", "members", "share_pct", "state_equity_pct", "state_equity_after"}
KIND_WORDS = {
    term: VOCABULARIES[f"{label}_kind"].zh[term][0]
    for label in NODE_LABELS
    for term in VOCABULARIES[f"{label}_kind"].terms
    if sum(term in VOCABULARIES[f"{lb}_kind"].terms for lb in NODE_LABELS) == 1
}
#: the columns whose cells are terms of a vocabulary (and which vocabulary)
TERM_COLUMNS = {
    "status": "status",
    "how": "how",
    "basis": "basis",
    "basis_before": "basis",
    "basis_after": "basis",
    "managed_directly": "yes_no",
}


def contents(store: GraphStore) -> tuple[list[Any], ...]:
    """Every record of a store, in a stable order."""
    return (
        sorted(store.iter_nodes(), key=lambda n: n.id),
        sorted(store.iter_edges(), key=lambda e: e.key),
        sorted(store.iter_transfers(), key=lambda t: t.id),
        sorted(store.iter_sources(), key=lambda s: s.id),
    )


def read_example(layout: Layout) -> tuple[list[str], list[dict[str, str]]]:
    with (EXAMPLES / f"example-{layout.name}.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def chinese_header(layout: Layout, header: list[str], *, mixed: bool = False) -> list[str]:
    """The header in Chinese (every other column left in English when ``mixed``)."""
    names = {c.name: c.chinese[0] for c in layout.columns}
    return [h if mixed and i % 2 else names[h] for i, h in enumerate(header)]


def chinese_cell(layout: Layout, column: str, value: str) -> str:
    """A cell as a Chinese sheet would write it: terms in Chinese, dates as 2016年4月15日."""
    if not value:
        return value
    if column == "entry":
        entry = next(e for e in layout.entries if e.name == value)
        return entry.zh[0]
    if column == "kind" and value in KIND_WORDS:
        return KIND_WORDS[value]
    if column in TERM_COLUMNS:
        vocabulary = VOCABULARIES[TERM_COLUMNS[column]]
        return vocabulary.zh[value][0] if value in vocabulary.zh else value
    if column in DATE_COLUMNS:
        day = date.fromisoformat(value)
        return f"{day.year}年{day.month}月{day.day}日"
    return value


def typed_cell(column: str, value: str) -> Any:
    """A cell as Excel types it: dates as date cells, numbers as numbers."""
    if not value:
        return None
    if column in DATE_COLUMNS:
        return datetime.fromisoformat(value)
    if column in NUMBER_COLUMNS:
        number = float(value)
        return int(number) if number.is_integer() else number
    return value


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def gb18030_chinese(layout: Layout, folder: Path) -> Path:
    """Saved from Chinese Windows: GB18030, Chinese headers, Chinese terms and dates."""
    header, rows = read_example(layout)
    cells = [[chinese_cell(layout, h, row[h] or "") for h in header] for row in rows]
    return write_csv(
        folder / f"my-{layout.name}-gbk.csv", chinese_header(layout, header), cells, "gb18030"
    )


def utf16_mixed(layout: Layout, folder: Path) -> Path:
    """UTF-16 with its byte order mark, a mixed header, dates typed 2016/4/15."""
    header, rows = read_example(layout)

    def cell(column: str, value: str) -> str:
        if value and column in DATE_COLUMNS:
            day = date.fromisoformat(value)
            return f"{day.year}/{day.month}/{day.day}"
        return value

    cells = [[cell(h, row[h] or "") for h in header] for row in rows]
    return write_csv(
        folder / f"my-{layout.name}-utf16.csv",
        chinese_header(layout, header, mixed=True),
        cells,
        "utf-16",
    )


def workbook(layout: Layout, folder: Path) -> Path:
    """An Excel workbook: Chinese headers, real date and number cells, an empty sheet too."""
    header, rows = read_example(layout)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "名册"
    sheet.append(chinese_header(layout, header))
    for row in rows:
        sheet.append(
            [
                typed_cell(
                    h,
                    chinese_cell(layout, h, row[h] or "")
                    if h not in DATE_COLUMNS
                    else row[h] or "",
                )
                for h in header
            ]
        )
    book.create_sheet("Sheet2")  # empty: left out, with a notice
    path = folder / f"my-{layout.name}.xlsx"
    book.save(path)
    return path


VARIANTS: dict[str, Callable[[Layout, Path], Path]] = {
    "xlsx": workbook,
    "gb18030-chinese": gb18030_chinese,
    "utf16-mixed": utf16_mixed,
}


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory, cases_dir: Path) -> tuple[list[Any], ...]:
    """The store's records after the cases and the clean examples (which refer to each
    other: the park's to the county's, …)."""
    store = EmbeddedStore(tmp_path_factory.mktemp("clean") / "clean.db")
    try:
        load_paths(store, [cases_dir])
        load_paths(store, sorted(EXAMPLES.glob("example-*.csv")))
        return contents(store)
    finally:
        store.close()


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("table", LAYOUTS)
def test_a_researchers_copy_loads_as_the_clean_table(
    tmp_path: Path,
    cases_dir: Path,
    original: tuple[list[Any], ...],
    table: str,
    variant: str,
) -> None:
    path = VARIANTS[variant](LAYOUTS[table], tmp_path)
    others = [EXAMPLES / f"example-{name}.csv" for name in LAYOUTS if name != table]
    store = EmbeddedStore(tmp_path / "copy.db")
    try:
        load_paths(store, [cases_dir])
        result = load_paths(store, [*others, path])
        assert contents(store) == original
    finally:
        store.close()
    read_as = {t.name: t.table for t in result.tables}
    name = f"{path}[名册]" if variant == "xlsx" else str(path)
    assert read_as[name] == f"{table} table"
    notices = [str(n) for n in result.notices]
    if variant == "xlsx":
        assert notices == [f"{path}[Sheet2]: sheet: 'Sheet2' — not loaded: the sheet is empty"]
    elif variant == "gb18030-chinese":
        assert len(notices) == 1
        assert notices[0].startswith(f"{path}: encoding: 'gb18030' — read as GB18030")
    else:
        assert notices == []


def canonical_tables(store: GraphStore) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """The store's records as canonical tables (kind → header, rows), dates as dates."""
    from graph_schema.records import to_canonical

    records = dict(zip(("node", "edge", "transfer", "source"), contents(store), strict=True))
    tables = {}
    for kind, items in records.items():
        fields = [p.name for p in CANONICAL_FIELDS[kind]]
        rows = []
        for record in items:
            data = to_canonical(record)
            row = []
            for name in fields:
                value = data.get(name)
                if name == "evidence" and value is not None:
                    value = json.dumps(value, ensure_ascii=False)  # a list of pieces: JSON
                elif isinstance(value, list):
                    value = "|".join(value)
                if isinstance(value, str) and name in ("valid_from", "valid_to", "date"):
                    value = datetime.fromisoformat(value)
                row.append(value)
            rows.append(row)
        tables[kind] = (fields, rows)
    return tables


def test_a_canonical_workbook_with_chinese_headers(tmp_path: Path, cases_dir: Path) -> None:
    clean = EmbeddedStore(tmp_path / "clean.db")
    try:
        load_paths(clean, [cases_dir])
        expected = contents(clean)
        tables = canonical_tables(clean)
    finally:
        clean.close()
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    names = {"node": "节点", "edge": "关系", "transfer": "转移", "source": "来源"}
    for kind in ("source", "node", "edge", "transfer"):  # in Chinese: 来源, 节点, 关系, 转移
        fields, rows = tables[kind]
        zh = {p.name: (p.zh[0] if p.zh else p.name) for p in CANONICAL_FIELDS[kind]}
        sheet = book.create_sheet(names[kind])
        sheet.append([zh[f] for f in fields])
        for row in rows:
            sheet.append(row)
    path = tmp_path / "全部.xlsx"
    book.save(path)
    store = EmbeddedStore(tmp_path / "copy.db")
    try:
        result = load_paths(store, [path])
        assert contents(store) == expected
    finally:
        store.close()
    assert {t.table for t in result.tables} == {
        "canonical source records",
        "canonical node records",
        "canonical edge records",
        "canonical transfer records",
    }


# -- text pasted from Word: invisible characters in ids ---------------------------------------

INVISIBLE = {
    "\ufeff": "U+FEFF BYTE ORDER MARK / ZERO WIDTH NO-BREAK SPACE",
    "\u200b": "U+200B ZERO WIDTH SPACE",
    "\u200c": "U+200C ZERO WIDTH NON-JOINER",
    "\u200d": "U+200D ZERO WIDTH JOINER",
    "\u2060": "U+2060 WORD JOINER",
    "\u00a0": "U+00A0 NO-BREAK SPACE",
    "\u3000": "U+3000 IDEOGRAPHIC SPACE",
    "\t": "U+0009 TAB",
    "\n": "U+000A LINE FEED",
    "\x07": "U+0007 CONTROL",
    "Ｐ": "U+FF30 FULLWIDTH LATIN CAPITAL LETTER P",
}


def _node_csv(path: Path, node_id: str) -> Path:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "label", "kind", "name", "source", "quote"])
    writer.writerow([node_id, "PartyOrg", "branch", "某公司党支部", "s", "q"])
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.mark.parametrize("where", ["start", "middle", "end"])
@pytest.mark.parametrize("char", INVISIBLE)
def test_an_id_with_an_invisible_character_is_refused(
    tmp_path: Path, char: str, where: str
) -> None:
    node_id = {
        "start": f"{char}fx-ent-004-pc",
        "middle": f"fx-ent{char}004-pc",
        "end": f"fx-ent-004-pc{char}",
    }[where]
    sources = tmp_path / "sources.csv"
    sources.write_text("id,title\ns,A source\n", encoding="utf-8")
    nodes = _node_csv(tmp_path / "nodes.csv", node_id)
    store = EmbeddedStore(tmp_path / "x.db")
    try:
        with pytest.raises(LoadFailedError) as caught:
            load_paths(store, [sources, nodes])
        assert store.get_node("fx-ent-004-pc") is None
        assert list(store.iter_nodes()) == []
    finally:
        store.close()
    [error] = caught.value.errors
    assert (error.file, error.line, error.field) == (str(nodes), 2, "id")
    assert INVISIBLE[char] in error.expected
    assert error.expected.startswith("expected an id without invisible")


def test_names_lose_white_space_at_their_ends_only(tmp_path: Path) -> None:
    sources = tmp_path / "sources.csv"
    sources.write_text("id,title\ns,A source\n", encoding="utf-8")
    nodes = tmp_path / "nodes.csv"
    nodes.write_text(
        "id,label,kind,name,source,quote\np1,PartyOrg,branch,\u3000某公司 党支部\u00a0 ,s,q\n",
        encoding="utf-8",
    )
    store = EmbeddedStore(tmp_path / "x.db")
    try:
        load_paths(store, [sources, nodes])
        node = store.get_node("p1")
        assert node is not None
        assert node.name == "某公司 党支部"
    finally:
        store.close()


# -- dates as people type them ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day", "precision"),
    [
        ("2016-04-15", "2016-04-15", "day"),
        ("2016/4/15", "2016-04-15", "day"),
        ("2016.4.15", "2016-04-15", "day"),
        ("2016年4月15日", "2016-04-15", "day"),
        ("2016 年 4 月 15 日", "2016-04-15", "day"),
        ("42475", "2016-04-15", "day"),
        ("2004年5月", "2004-05-01", "month"),
        ("2004-05", "2004-05-01", "month"),
        ("2004/5", "2004-05-01", "month"),
        ("2004年", "2004-01-01", "year"),
        ("2004", "2004-01-01", "year"),
    ],
)
def test_each_date_form_is_read(text: str, day: str, precision: str) -> None:
    assert parse_loose_date(text) == (date.fromisoformat(day), precision)


@pytest.mark.parametrize("text", ["15/4/2016", "2016-4", "April 2016", "20160415", "2016-02-30"])
def test_other_date_forms_are_refused_with_the_accepted_ones(text: str) -> None:
    if text == "2016-4":  # a month, written short: accepted
        assert parse_loose_date(text) == (date(2016, 4, 1), "month")
        return
    with pytest.raises(ValueError, match="YYYY年M月D日") as caught:
        parse_loose_date(text)
    assert ACCEPTED_FORMS in str(caught.value)


def test_a_chinese_date_in_a_table_keeps_its_precision(tmp_path: Path) -> None:
    sources = tmp_path / "sources.csv"
    sources.write_text("id,title\ns,A source\n", encoding="utf-8")
    nodes = tmp_path / "nodes.csv"
    nodes.write_text(
        "编号,标签,类型,名称,成立时间,来源,原文\np1,PartyOrg,branch,某党支部,2004年5月,s,q\n",
        encoding="gb18030",
    )
    store = EmbeddedStore(tmp_path / "x.db")
    try:
        load_paths(store, [sources, nodes])
        node = store.get_node("p1")
        assert node is not None
        assert node.valid_from == date(2004, 5, 1)
        assert node.props["valid_from_precision"] == "month"
    finally:
        store.close()


# -- the command line: nothing skipped in silence, --check and --report -----------------------


def _bad_folder(folder: Path) -> Iterator[Path]:
    folder.mkdir()
    yield _node_csv(folder / "nodes.csv", "\ufeffp1")
    (folder / "sources.csv").write_text('id,title\ns,=HYPERLINK("http://x")\n', "utf-8")
    notes = folder / "notes.docx"
    notes.write_bytes(b"PK")
    yield notes


def test_check_and_report(tmp_path: Path) -> None:
    nodes, notes = list(_bad_folder(tmp_path / "data"))
    db = tmp_path / "x.db"
    report = tmp_path / "problems.csv"
    runner = CliRunner()
    result = runner.invoke(
        cli, ["load", str(tmp_path / "data"), "--store", str(db), "--report", str(report)]
    )
    assert result.exit_code == 1
    assert "2 errors in the input; nothing was loaded" in result.stderr
    text = report.read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert rows[0] == ["severity", "file", "sheet", "line", "column", "value", "expected"]
    assert [(r[0], r[1], r[3], r[4]) for r in rows[1:]] == [
        ("error", str(nodes), "2", "id"),
        ("error", str(notes), "", "file"),
    ]
    assert rows[1][5] == "\ufeffp1"

    nodes.write_text(nodes.read_text("utf-8").replace("\ufeff", ""), "utf-8")
    checked = runner.invoke(
        cli, ["load", str(tmp_path / "data"), "--store", str(db), "--skip-unknown", "--check"]
    )
    assert checked.exit_code == 0, checked.stderr
    assert "not loaded (--skip-unknown)" in checked.stderr
    assert "Checked: 2 valid records, no errors; nothing was written (--check)." in " ".join(
        checked.stdout.split()
    )
    store = EmbeddedStore(db)
    try:
        assert store.get_node("p1") is None
    finally:
        store.close()
    loaded = runner.invoke(
        cli, ["load", str(tmp_path / "data"), "--store", str(db), "--skip-unknown"]
    )
    assert loaded.exit_code == 0, loaded.stderr
    store = EmbeddedStore(db)
    try:
        assert store.get_node("p1") is not None
    finally:
        store.close()


def test_an_xlsx_report_keeps_formulas_as_text(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    nodes = _node_csv(tmp_path / "nodes.csv", "=1+1\u200b")
    report = tmp_path / "problems.xlsx"
    result = CliRunner().invoke(
        cli, ["load", str(nodes), "--store", str(tmp_path / "x.db"), "--report", str(report)]
    )
    assert result.exit_code == 1
    sheet = load_workbook(report).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1][5] == "=1+1\u200b"
    assert sheet.cell(2, 6).data_type == "s"
