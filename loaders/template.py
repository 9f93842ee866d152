"""Templates: an empty table a researcher fills in and loads as it is (``affgraph template``).

A template is one of the source tables (:data:`loaders.registry.LAYOUTS`) or a canonical
record kind (``nodes``, ``edges``, ``transfer-records``, ``sources``): its header (English, or
each column's usual Chinese name), one filled example row, and — in a workbook — a drop-down
list on each column that takes closed words, and a second sheet explaining every column.
Nothing here lists columns or words; they come from what the load reads:

* a source table's columns are its layout's; a canonical table's are the record kind's fields
  (:data:`loaders.headers.CANONICAL_FIELDS`);
* the words a source-table column takes are found by asking the layout itself: its ``build``
  runs on probe rows that note which vocabulary each cell is read as (a term of
  :data:`loaders.terms.VOCABULARIES`, one of the table's entries, yes/no), so a roster's
  ``kind`` takes the kinds of every label its entries describe; a canonical field's words are
  the schema's labels, kinds, types, statuses and choices (English only: the canonical format
  takes its own terms, nothing else);
* the example row holds values of ``data/examples`` — rows that define what they name, or refer
  to ``data/cases`` (load the cases first) — so a template loads as it is.

The workbook's explanation sheet is titled ``column guide`` (``填写说明`` in Chinese);
``affgraph load`` leaves a sheet of that title out, with a notice (:func:`is_guide`). A CSV
template is UTF-8 with a byte order mark (so that Excel reads its Chinese), header and example
row. Every text goes into a cell through :func:`exports.xlsx.spreadsheet_value`: a string cell,
never a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from exports.xlsx import MAX_SHEET_ROWS, spreadsheet_value
from graph_schema.declaration import NODE_LABELS, REL_TYPES, TRANSFER_STATUSES, Prop
from loaders.canonical import CSV_PREFIXES, csv_record_kind, record_kind_of_name
from loaders.headers import CANONICAL_FIELDS
from loaders.registry import LAYOUTS
from loaders.table import Entry, Layout, Row
from loaders.terms import VOCABULARIES
from loaders.workbook import GUIDE_TITLES, is_guide

__all__ = [
    "CANONICAL_TABLES",
    "FORMATS",
    "GUIDE_TITLES",
    "LANGUAGES",
    "TABLES",
    "Template",
    "TemplateColumn",
    "Word",
    "is_guide",
    "target_problem",
    "template",
    "write_template",
]

Lang = Literal["zh", "en"]
Format = Literal["xlsx", "csv"]
LANGUAGES: tuple[Lang, ...] = ("zh", "en")
FORMATS: tuple[Format, ...] = ("xlsx", "csv")

#: template name → the canonical record kind it holds (``transfers`` is the source table)
CANONICAL_TABLES: Mapping[str, str] = {
    "nodes": "node",
    "edges": "edge",
    "transfer-records": "transfer",
    "sources": "source",
}
#: every template: the source tables, then the canonical record kinds
TABLES: tuple[str, ...] = (*LAYOUTS, *CANONICAL_TABLES)


@dataclass(frozen=True)
class Word:
    """A term a column takes, and the Chinese words the load reads as that term."""

    term: str
    zh: tuple[str, ...] = ()

    def shown(self, lang: Lang) -> str:
        """The word a template in ``lang`` offers: the term, or its usual Chinese word."""
        return self.zh[0] if lang == "zh" and self.zh else self.term


@dataclass(frozen=True)
class TemplateColumn:
    """One column of a template: its names, whether it is required, its meaning, its words."""

    name: str
    chinese: tuple[str, ...]
    required: bool
    meaning: str
    #: the closed words it takes (empty: free text, ids, numbers, dates)
    words: tuple[Word, ...] = ()

    def header(self, lang: Lang) -> str:
        return self.chinese[0] if lang == "zh" and self.chinese else self.name


@dataclass(frozen=True)
class Template:
    """A table to fill: its columns, its example row and what the load reads it as."""

    name: str
    title: str
    summary: str
    columns: tuple[TemplateColumn, ...]
    #: column → the example row's value (a term where the column takes words; dates as dates)
    example: Mapping[str, Any]
    #: the canonical record kind, or None for a source table
    record_kind: str | None = None
    entries: tuple[Entry, ...] = ()

    def sheet(self, lang: Lang) -> str:
        """The title of the sheet the table goes in, one the load reads as this table."""
        if self.record_kind is not None:  # nodes / 节点 …
            return next(
                prefix
                for prefix, kind in CSV_PREFIXES.items()
                if kind == self.record_kind and prefix.isascii() == (lang == "en")
            )
        if record_kind_of_name(self.name) is None:
            return self.name  # a sheet named after a source table is that table
        return f"list of {self.name}"  # (`transfers…` would be canonical: the header tells)

    def header(self, lang: Lang) -> list[str]:
        return [column.header(lang) for column in self.columns]

    def row(self, lang: Lang) -> list[Any]:
        """The example row's cells: a term in the template's language, the rest as it is."""
        cells: list[Any] = []
        for column in self.columns:
            value = self.example.get(column.name)
            if isinstance(value, str):
                value = next((w.shown(lang) for w in column.words if w.term == value), value)
            cells.append(value)
        return cells


# -- the words a source table's columns take, asked of its layout ----------------------------

#: what a probe notes for the column a row's entry is read from
_ENTRIES = "entries"


class _Probe(Row):
    """A row that notes, for each column, which words its cell is read as."""

    def __init__(
        self,
        layout: Layout,
        cells: Mapping[str, str],
        noted: dict[str, dict[str, tuple[Word, ...]]],
    ) -> None:
        super().__init__(layout, "template probe", 0, cells)
        self.noted = noted

    def _note(self, column: str, key: str, words: tuple[Word, ...]) -> None:
        self.noted.setdefault(column, {}).setdefault(key, words)

    def term(self, column: str, vocabulary: str) -> str | None:
        found = VOCABULARIES[vocabulary]
        self._note(
            column, vocabulary, tuple(Word(t, tuple(found.zh.get(t, ()))) for t in found.terms)
        )
        return super().term(column, vocabulary)

    def flag(self, column: str) -> bool:
        self.term(column, "yes_no")  # notes it (a flag is a yes/no term)
        return super().flag(column)

    def choice(self, column: str, entries: Sequence[Entry]) -> str | None:
        self._note(column, _ENTRIES, tuple(Word(e.name, e.zh) for e in entries))
        return super().choice(column, entries)


def _order(key: str) -> int:
    """Entries first, then the vocabularies in their declared order."""
    return -1 if key == _ENTRIES else list(VOCABULARIES).index(key)


@cache
def _layout_words(name: str) -> dict[str, tuple[Word, ...]]:
    """Column → the words the layout reads it as: its ``build`` runs on probe rows — every
    cell empty, every cell filled — and again with each word found in a column (with each
    entry, on both), until no column shows a new vocabulary."""
    layout = LAYOUTS[name]
    noted: dict[str, dict[str, tuple[Word, ...]]] = {}
    bases: list[dict[str, str]] = [{}, dict.fromkeys(layout.names, "x")]
    runs = list(bases)
    tried: set[tuple[str, str]] = set()
    while runs:
        for cells in runs:
            layout.build(_Probe(layout, cells, noted))
        runs = []
        for column, found in list(noted.items()):
            for key, words in found.items():
                if (column, key) in tried:
                    continue
                tried.add((column, key))
                with_word = [{**base, column: w.term} for base in bases for w in words]
                runs += with_word
                if key == _ENTRIES:  # what a row holds depends on its entry: try each
                    bases += with_word
    merged: dict[str, tuple[Word, ...]] = {}
    for column, found in noted.items():
        chosen: dict[str, Word] = {}
        for key in sorted(found, key=_order):
            for word in found[key]:
                chosen.setdefault(word.term, word)
        merged[column] = tuple(chosen.values())
    return merged


def _canonical_words(kind: str, prop: Prop) -> tuple[Word, ...]:
    """The terms a canonical field takes (the schema's; no other word is read as one)."""
    if prop.choices:
        return tuple(Word(c) for c in prop.choices)
    if prop.type == "bool":
        return (Word("true"), Word("false"))
    closed: dict[tuple[str, str], tuple[str, ...]] = {
        ("node", "label"): tuple(NODE_LABELS),
        ("node", "kind"): tuple(k for label in NODE_LABELS.values() for k in label.kinds),
        ("edge", "type"): tuple(REL_TYPES),
        ("edge", "kind"): tuple(k for rel in REL_TYPES.values() for k in rel.kinds),
        ("transfer", "status"): tuple(TRANSFER_STATUSES),
    }
    return tuple(Word(t) for t in dict.fromkeys(closed.get((kind, prop.name), ())))


# -- the example rows ------------------------------------------------------------------------

_OPINIONS_ORG = (
    "对一些社会影响大、党员数量多的大型企业党组织,可改变隶属关系,由县以上党组织直接管理。 … "
    "Higher level party committee will involve in above responsibility for large size Non-SOEs "
    "with numerous party members."
)
_OPINIONS_PARK = (
    "非公有制企业相对集中的各类开发区(园区),应设立企业党委或综合党委,负责非公有制企业党建工作。 "
    "… Special Party Committee organs should be established within industrial parks, where "
    "Non-SOEs heavily concentrated."
)
_OPINIONS_50 = (
    "努力实现职工50人以上的非公有制企业有党员 … 对未建立党组织的非公有制企业,"
    "可通过选派党建工作指导员、确定党建工作联络员、建立工会和共青团组织等方式,"
    "积极开展党的工作,推动企业建立党组织"
)
_CSR_2017 = (
    "the daily coordination and management of Party building in non-public enterprises often "
    "involves many departments such as the organization, propaganda, united front, industry and "
    "commerce departments, social work committees,industrial and commercial administrations, "
    "workers and youth organizations, etc., none of which is the main subject of "
    "responsibility. As a result management is cross-cutting, dispersed and overlapping. At "
    "the same time, non-public enterprises have to deal with many ‘parents in law’, which "
    "fatigues them."
)
_ZHONGHUAN_REASON = (
    "A stripped-off unit not included in the mixed reform of Tianjin Zhonghuan Group stays in "
    "the state-owned asset system; its Party organization is transferred to the platform "
    "company's Party committee (Tianjin Jinzhi Capital). Former superior not named in source "
    "(assumed: the Party organization of Tianjin Zhonghuan Group); proposer not given. Date: "
    "transfer date not given in source; report date used: 2022-07-05, the day of the "
    "promotion meeting the report covers (the article's own publication day is not given; "
    "the year 2022 follows from 'as of the end of May 2022'); the transfer took place on or "
    "before that day."
)
_ZHONGHUAN_QUOTE = (
    "for the stripped off units that have not been included in the mixed reform, the party "
    "organizations will be transferred to the corresponding platform company party committee "
    "or industry party committee … the joint venture between Tianjin Zhonghuan Group and "
    "Samsung in South Korea remains in the state-owned asset system and is transferred to the "
    "Tianjin Jinzhi Capital Party Committee … On July 5th, the Office of the State Council "
    "Leading Group for State owned Enterprise Reform held a special promotion meeting … "
    "reported on the progress of key reform tasks as of the end of May 2022"
)
_ZHEJIANG_QUOTE = (
    "In 2020, the Zhejiang State owned Assets Supervision and Administration Commission took "
    'the lead in issuing the "Demonstration Text of the List of Pre research and Discussion '
    'Items for the Party Committee of Provincial Enterprises" nationwide.'
)

#: template → its example row: values of data/examples/example-*.csv; where such a row names
#: a unit another example row defines, it names the like unit of data/cases instead (the
#: 2012 Opinions' patterns, ids op2012-…) and the units it defines itself are ids tpl-…; rows
#: that stand alone (and the canonical ones, from the cases) keep their ids, so loading them
#: again changes nothing. Words are the format's terms; a Chinese template shows their
#: Chinese. A kind a row leaves to its default is written out, to show the column's words.
EXAMPLES: Mapping[str, Mapping[str, Any]] = {
    "county": {
        "county_committee": "op2012-county-pc",
        "entry": "organization",
        "id": "tpl-large-ent-pc",
        "name": "Illustrative Party committee of a large enterprise with many Party members",
        "kind": "committee",
        "area": "op2012-street",
        "enterprise": "tpl-large-ent",
        "enterprise_name": "Illustrative large, influential non-public enterprise",
        "enterprise_kind": "private",
        "managed_directly": "yes",
        "source": "opinions_non_public_2012",
        "quote": _OPINIONS_ORG,
        "page": "§4 (二、建立健全领导体制和工作机制), lines 43, 86; note: illustrative example of "
        "the county table, not a real organization; managed directly by the county committee "
        "although registered in a street",
    },
    "park": {
        "park": "op2012-park",
        "entry": "organization",
        "id": "tpl-park-ent-pc",
        "name": "Illustrative Party branch of a foreign-owned enterprise in the park",
        "kind": "branch",
        "enterprise": "tpl-park-ent",
        "enterprise_name": "Illustrative foreign-owned enterprise in the park",
        "enterprise_kind": "foreign",
        "superior": "op2012-park-cc",
        "basis": "territorial",
        "source": "opinions_non_public_2012",
        "quote": _OPINIONS_PARK,
        "page": "§3 (二、建立健全领导体制和工作机制), lines 42, 85; note: illustrative example of "
        "the park table, not a real organization",
    },
    "street": {
        "street": "op2012-street",
        "entry": "enterprise",
        "id": "tpl-ent-50plus",
        "name": "Illustrative enterprise with 50+ employees and no Party organization",
        "kind": "private",
        "employees": 60,
        "instructor_from": "op2012-street-wc",
        "source": "opinions_non_public_2012",
        "quote": _OPINIONS_50,
        "page": "§5, §7 (三、努力推进党的组织和工作覆盖), lines 90, 92; note: illustrative example "
        "of the street table, not a real enterprise; employees=60 is an illustrative value above "
        "the 50-employee target; work coverage only: an instructor sent by the street",
    },
    "sasac": {
        "sasac": "zj-sasac",
        "entry": "sasac",
        "id": "zj-sasac",
        "name": "State owned Assets Supervision and Administration Commission of Zhejiang Province",
        "aliases": "Zhejiang SASAC|浙江省国资委",
        "kind": "sasac",
        "source": "soe_reform_2022",
        "quote": _ZHEJIANG_QUOTE,
        "page": "section 'The main force of Common prosperity', line 13",
    },
    "transfers": {
        "id": "tj-transfer-zhonghuan-samsung-jv",
        "organization": "tj-zhonghuan-samsung-jv-pc",
        "status": "transferred",
        "superior_before": "tj-zhonghuan-pc",
        "decided_superior": "tj-jinzhi-pc",
        "date": date(2022, 7, 5),
        "reason": _ZHONGHUAN_REASON,
        "lines": "check",
        "source": "soe_reform_2022",
        "quote": _ZHONGHUAN_QUOTE,
    },
    "supervision": {
        "supervisor": "tpl-county-org-dept",
        "supervised": "op2012-above-scale-ent-po",
        "how": "guidance",
        "supervisor_name": "Illustrative organization department of the county Party committee",
        "supervisor_kind": "organization_dept",
        "source": "party_building_csr_2017",
        "quote": _CSR_2017,
        "page": "section 1 (the problems of Party building in non-public enterprises), line 27; "
        "note: illustrative example of the supervision table: one line per body the source "
        "lists; which of them guides, registers or evaluates is illustrative",
    },
    "nodes": {
        "id": "cn-sasac",
        "label": "Body",
        "kind": "sasac",
        "name": "State owned Assets Supervision and Administration Commission (of the State "
        "Council)",
        "aliases": "SASAC|国务院国资委",
        "source": "soe_reform_2022",
        "quote": "Weng Jieming, a member and deputy director of the Party Committee of the State "
        "owned Assets Supervision and Administration Commission",
        "page": "section 'The main force of Common prosperity', line 15; note: the central "
        "commission",
    },
    "edges": {
        "type": "AFFILIATED_TO",
        "from": "tj-zhonghuan-samsung-jv-pc",
        "to": "tj-jinzhi-pc",
        "kind": "system",
        "valid_from": date(2022, 7, 5),
        "source": "soe_reform_2022",
        "quote": "the joint venture between Tianjin Zhonghuan Group and Samsung in South Korea "
        "remains in the state-owned asset system and is transferred to the Tianjin Jinzhi "
        "Capital Party Committee",
        "page": "section 'Promoting Party Building in Mixed Reform Enterprises', line 21; note: "
        "transfer date not given in source; report date used: 2022-07-05, the day of the "
        "promotion meeting the report covers (the article's own publication day is not given; "
        "the year 2022 follows from 'as of the end of May 2022'); the transfer took place on or "
        "before that day",
    },
    "transfer-records": {
        "id": "tj-transfer-rcb-retained",
        "org": "tj-rcb-pc",
        "from": "tj-sasac-pc",
        "decided_to": "tj-sasac-pc",
        "status": "retained",
        "reason": "After its mixed reform the bank is still a municipal enterprise; the "
        "affiliation of its Party organization remains unchanged. No proposal to move it is "
        "reported; date not given in source.",
        "source": "soe_reform_2022",
        "quote": "after the mixed reform of Tianjin Rural Commercial Bank, it is still a "
        "municipal enterprise, and the affiliation of the party organization remains unchanged",
    },
    "sources": {
        "id": "opinions_non_public_2012",
        "title": "关于加强和改进非公有制企业党的建设工作的意见(试行) (Opinions on Improving and "
        "Strengthening Party Organization's Construction in Non-SOEs (Temporary))",
        "publisher": "中共中央办公厅 (General Office of the CPC Central Committee); printed in "
        "人民日报 (People's Daily), 2012-05-25, p. 1; partial English translation by Larry Catá "
        "Backer",
        "date": date(2012, 5, 25),
        "language": "zh",
    },
}


# -- templates -------------------------------------------------------------------------------


@cache
def template(name: str) -> Template:
    """The template of a source table or canonical record kind (a name of :data:`TABLES`)."""
    if name in LAYOUTS:
        layout = LAYOUTS[name]
        words = _layout_words(name)
        columns = tuple(
            TemplateColumn(c.name, c.chinese, c.required, c.meaning, words.get(c.name, ()))
            for c in layout.columns
        )
        return Template(
            name, layout.title, layout.summary, columns, EXAMPLES[name], None, layout.entries
        )
    if name not in CANONICAL_TABLES:
        raise KeyError(f"unknown table {name!r}: expected one of {', '.join(TABLES)}")
    kind = CANONICAL_TABLES[name]
    fields = tuple(
        TemplateColumn(p.name, p.zh, p.required, p.description, _canonical_words(kind, p))
        for p in CANONICAL_FIELDS[kind]
    )
    return Template(
        name,
        f"Canonical {kind} records",
        f"One {kind} record per row, in the fields of the canonical format (README, Loading "
        "data); a word of a closed set (label, kind, type, status …) is the format's English "
        "term.",
        fields,
        EXAMPLES[name],
        kind,
    )


def target_problem(name: str, path: Path, fmt: Format) -> str | None:
    """Why ``affgraph load`` would not read a template of ``name`` written to ``path`` as
    that table (None: it would). The load reads a file by its suffix, and a CSV file as
    canonical by its name."""
    if path.suffix.lower() != f".{fmt}":
        return f"{path}: a {fmt} template needs a file name ending in .{fmt}"
    if fmt != "csv":
        return None
    kind = template(name).record_kind
    named = csv_record_kind(path)
    if kind is not None and named != kind:
        prefixes = " or ".join(p for p, k in CSV_PREFIXES.items() if k == kind)
        return (
            f"{path}: the load reads a CSV file as canonical {kind} records only when its name "
            f"begins with {prefixes}"
        )
    if kind is None and named is not None:
        return (
            f"{path}: the load would read a CSV file named so as canonical {named} records; "
            f"name it otherwise (e.g. my-{name}.csv)"
        )
    return None


def _text(value: Any) -> str:
    """A cell of a CSV template."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(spreadsheet_value(str(value), quote_formulas=True))


def write_template(name: str, path: Path, *, lang: Lang = "zh", fmt: Format = "xlsx") -> None:
    """Write the template of ``name`` to ``path``: a workbook (the table's sheet with its
    drop-downs, and the explanation sheet) or a CSV file (UTF-8 with a byte order mark)."""
    found = template(name)
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([_text(h) for h in found.header(lang)])
            writer.writerow([_text(v) for v in found.row(lang)])
        return
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.title = found.sheet(lang)
    guide = book.create_sheet(GUIDE_TITLES[lang])
    lists = _write_guide(guide, found, lang)
    _write_table(sheet, found, lang, lists)
    book.save(path)


# -- the workbook ----------------------------------------------------------------------------

_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")
#: the guide's rows: its title, what to do, the table's summary, then the columns from _FIRST
_FIRST = 5

_GUIDE_HEADER: Mapping[Lang, tuple[str, ...]] = {
    "en": ("column", "Chinese", "required", "meaning", "accepted words (term = Chinese)"),
    "zh": ("列名", "英文列名", "必填", "说明（英文）", "可填写的词（英文 = 中文）"),
}
_ENTRY_HEADER: Mapping[Lang, tuple[str, ...]] = {
    "en": ("entry", "Chinese", "", "the row describes and produces"),
    "zh": ("条目", "英文", "", "该行描述并生成（英文）"),
}
_YES: Mapping[Lang, str] = {"en": "yes", "zh": "是"}
_NOT_LISTED: Mapping[Lang, tuple[str, str]] = {
    "en": (
        "Not in the list",
        f"The load takes the words the sheet '{GUIDE_TITLES['en']}' lists for this column; "
        "another is refused.",
    ),
    "zh": ("不在列表中", f"导入时只接受「{GUIDE_TITLES['zh']}」页为本列列出的词，其他词会被拒绝。"),
}


def _doing(found: Template, lang: Lang) -> str:
    """What the guide says to do."""
    data = found.sheet(lang)
    if lang == "en":
        text = (
            f"Fill in the sheet '{data}', one row per line of your source; row 2 is an example "
            "(replace it or delete it). This sheet is not loaded: affgraph load leaves it out. "
            "Columns with a drop-down take the words listed for them below (the drop-down "
            "offers the usual one of each). See docs/loaders.md."
        )
        if found.record_kind is not None:
            text += " The canonical format takes its English terms only."
        return text
    text = (
        f"请在「{data}」页填写，每行一条记录；第 2 行是示例（可替换或删除）。本页是填写说明，"
        "affgraph load 导入时跳过本页。有下拉列表的列只接受下表为其列出的词"
        "（下拉列表给出每个词的常用写法）。"
        "详见 docs/loaders.md。"
    )
    if found.record_kind is not None:
        text += "标准格式（canonical）的类型、状态等只接受英文词。"
    return text


def _accepted(column: TemplateColumn) -> str:
    return "; ".join(f"{w.term} = {', '.join(w.zh)}" if w.zh else w.term for w in column.words)


def _put(sheet: Worksheet, row: int, column: int, value: Any) -> Cell:
    """A cell holding ``value``: text as a string cell (never a formula), a date as a date."""
    cell = sheet.cell(row=row, column=column)
    assert isinstance(cell, Cell)  # (a fresh sheet has no merged cells)
    value = spreadsheet_value(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl makes "=…" a formula; it is text
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def _write_guide(sheet: Worksheet, found: Template, lang: Lang) -> dict[str, str]:
    """The explanation sheet: every column in both languages, required or not, its meaning
    and its words; a roster's entries; and, to the right, the list each drop-down offers.
    Returns column → the range of its list."""
    _put(sheet, 1, 1, f"{found.name}: {found.title}").font = Font(bold=True, size=13)
    _put(sheet, 2, 1, _doing(found, lang))
    _put(sheet, 3, 1, found.summary.replace("\n", " "))
    for number, text in enumerate(_GUIDE_HEADER[lang], start=1):
        _put(sheet, _FIRST - 1, number, text).font = _BOLD
    row = _FIRST
    for column in found.columns:
        names = (", ".join(column.chinese), column.name)
        cells = (
            *(names if lang == "zh" else names[::-1]),
            _YES[lang] if column.required else "",
            column.meaning,
            _accepted(column),
        )
        for number, text in enumerate(cells, start=1):
            _put(sheet, row, number, text).alignment = _WRAP
        row += 1
    if found.entries:
        row += 1
        for number, text in enumerate(_ENTRY_HEADER[lang], start=1):
            _put(sheet, row, number, text).font = _BOLD
        for entry in found.entries:
            row += 1
            names = (", ".join(entry.zh), entry.name)
            described = (*(names if lang == "zh" else names[::-1]), "", entry.meaning)
            for number, text in enumerate(described, start=1):
                _put(sheet, row, number, text).alignment = _WRAP
    for number, width in enumerate((24, 24, 8, 60, 60), start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    lists: dict[str, str] = {}
    at = len(_GUIDE_HEADER[lang]) + 2  # a column left empty between
    quoted = "'" + sheet.title.replace("'", "''") + "'"
    for column in found.columns:
        if not column.words:
            continue
        letter = get_column_letter(at)
        _put(sheet, _FIRST - 1, at, column.header(lang)).font = _BOLD
        for offset, word in enumerate(column.words):
            _put(sheet, _FIRST + offset, at, word.shown(lang))
        last = _FIRST + len(column.words) - 1
        lists[column.name] = f"{quoted}!${letter}${_FIRST}:${letter}${last}"
        sheet.column_dimensions[letter].width = 18
        at += 1
    return lists


def _write_table(sheet: Worksheet, found: Template, lang: Lang, lists: Mapping[str, str]) -> None:
    """The table's sheet: header, example row, and a drop-down on each column with words."""
    for number, (column, value) in enumerate(
        zip(found.columns, found.row(lang), strict=True), start=1
    ):
        _put(sheet, 1, number, column.header(lang)).font = _BOLD
        _put(sheet, 2, number, value)
        letter = get_column_letter(number)
        sheet.column_dimensions[letter].width = max(12, min(40, 2 * len(column.header(lang))))
        if column.name in lists:
            title, message = _NOT_LISTED[lang]
            check = DataValidation(
                type="list",
                formula1=lists[column.name],
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="warning",
                errorTitle=title,
                error=message,
            )
            check.add(f"{letter}2:{letter}{MAX_SHEET_ROWS}")
            sheet.add_data_validation(check)
    sheet.freeze_panes = "A2"
