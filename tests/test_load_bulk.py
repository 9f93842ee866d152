"""The bulk load path: canonical CSV read in chunks and validated a column at a time, records
held as rows, rows written by the embedded store without record objects.

It must be a faster way to the same result, never a different one, so most tests here
compare it with the one-record-at-a-time way it replaces:

* :class:`graph_schema.bulk.ColumnCheck` against the Pydantic models, on tables of odd and
  plain cells: a row it passes is a row the models accept, as the very same record; a plain
  row the models accept, it passes (else it would be no faster).
* ``load_paths`` with the column check against ``load_paths`` with the models for every row:
  the same errors, word for word, or the same store.
* :class:`loaders.canonical.CsvFile` against ``csv.DictReader`` (what it read with before):
  the same rows, cells and lines.
* rows and records (:mod:`graph_schema.rows`): the same canonical JSON and keys.
* the embedded writer's rows into an empty table (inserted outright) and into a non-empty one
  (staged) against its records.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph_schema.bulk import ColumnCheck, shapes
from graph_schema.declaration import (
    EDGE_COMMON,
    NODE_COMMON,
    NODE_LABELS,
    REL_TYPES,
    SOURCE_FIELDS,
    TRANSFER_FIELDS,
    TRANSFER_STATUSES,
    Prop,
    precision_field,
)
from graph_schema.records import Edge, Node, Source, Transfer, canonical_json
from graph_schema.rows import EDGE_ROW, NODE_ROW, ROW_FIELDS, edge_key, record_of, row_json, row_of
from graph_schema.uscc import USCC_ALPHABET, is_valid_uscc, uscc_check_char
from loaders import load as load_module
from loaders.canonical import UNREADABLE, CsvFile, RawRecord
from loaders.errors import LoadFailedError
from loaders.load import load_paths
from loaders.validate import Batch, Located, validate_raw
from stores.base import UnknownNodeError
from stores.embedded import EmbeddedStore
from tests.conftest import examples
from tests.reliability_helpers import fingerprint

#: the property tests' examples (derandomized, no deadline: Hypothesis's profile in
#: tests/conftest.py), a tenth of them under the ``dev`` profile
FUZZ = settings(max_examples=examples(200))

# -- cells: plain ones (the way files are written) and odd ones, per kind of field -------------

USCC = "91350100M000100Y4" + uscc_check_char("91350100M000100Y4")
PLAIN: dict[str, list[str]] = {
    "str": ["p1", "中共示例党支部", "a b", "a|b", "e1"],
    "int": ["0", "12", "31", "-4", "9223372036854775807"],
    "float": ["0", "49.5", "100", "0.1", "100.0", "-0"],
    "date": ["2020-01-01", "2022-07-05", "1999-12-31"],
    "bool": ["true", "false"],
    "str_list": ["a|b", "x", " a | b ", "|", "a||b"],
    "uscc": [USCC, "91110000100000000X"[:17] + uscc_check_char("91110000100000000")],
    "evidence": [""],  # a line's evidence in a cell is JSON: left to the models
}
ODD: dict[str, list[str]] = {
    "evidence": ['[{"role": "ends", "date": "2021-10-01"}]', "[]", "not json", '[{"x": 1}]'],
    "str": ["", "  ", "\t", " padded ", "e\u0301", "\ufeffbom"],
    "int": [
        "007",
        "+5",
        " 5",
        "1.0",
        "1e3",
        "1_000",
        "true",
        "9223372036854775808",
        "-9223372036854775809",
        "x",
        "-0",
        "٣",
    ],
    "float": ["1e2", "nan", "inf", ".5", "5.", " 5", "101", "-1", "1_0.5", "0x10", "١٢"],
    "date": [
        "2020-02-30",
        "2020/01/01",
        " 2020-01-01",
        "2020-1-1",
        "２０２０-01-01",
        "2020-01-01T00:00:00",
        "20200101",
    ],
    "bool": ["True", "yes", "1", "0", "no", "x", "FALSE"],
    "str_list": [],
    "uscc": ["91350100M000100Y40", "91350100M000100Y4", "9135010OM000100Y43", "x"],
}
UNKNOWN_FIELDS = ("colour", "", "Name")


def _prop_cells(prop: Prop, literals: Sequence[str]) -> tuple[list[str], list[str]]:
    """(plain, odd) cells of a field."""
    if literals:
        return list(literals), ["bogus", " " + literals[0], literals[0].upper(), ""]
    kind = "uscc" if prop.check == "uscc" else prop.type
    return PLAIN[kind], ODD[kind] + ODD["str"]


def _fields(kind: str) -> dict[str, tuple[list[str], list[str]]]:
    """Every field of a record kind, with its plain and odd cells."""
    _, by_shape = shapes(kind)
    cells: dict[str, tuple[list[str], list[str]]] = {}
    for shape in by_shape.values():
        for name, prop in shape.fields.items():
            literals = sorted({v for s in by_shape.values() for v in s.literals.get(name, ())})
            cells.setdefault(name, _prop_cells(prop, literals))
    return cells


KIND_FIELDS = {kind: _fields(kind) for kind in ROW_FIELDS}
PRECISIONS = frozenset(
    precision_field(name)
    for kind in ROW_FIELDS
    for shape in shapes(kind)[1].values()
    for name, prop in shape.fields.items()
    if prop.type == "date"
)


@st.composite
def tables(draw: st.DrawFn, kind: str) -> tuple[list[str], list[list[str]], list[bool]]:
    """A header (the kind's required fields, most often, and others in any order, sometimes
    an unknown one or ``record``) and rows of cells, each row of a shape (label, type) with
    mostly fitting cells; and per row whether every cell of it is plain."""
    fields = KIND_FIELDS[kind]
    discriminator, by_shape = shapes(kind)
    required = sorted({n for shape in by_shape.values() for n in shape.required})
    names = [n for n in required if draw(st.integers(0, 9))]
    names += draw(st.lists(st.sampled_from(sorted(set(fields) - set(required))), unique=True))
    names += draw(st.lists(st.sampled_from([*UNKNOWN_FIELDS, "record"]), max_size=1))
    names = draw(st.permutations(names))
    rows, plain = [], []
    for _ in range(draw(st.integers(1, 12))):
        key = draw(st.sampled_from(sorted(by_shape, key=str)))
        shape = by_shape[key]
        row, all_plain = [], True
        for name in names:
            good, odd = fields.get(name, ([""], ["x", "node"]))
            if name == discriminator:
                good = [str(key)]
            elif name in PRECISIONS:
                good = [""]  # a date's precision is checked with its date: by the models
            elif name in shape.literals:
                good = sorted(shape.literals[name])
            elif name not in shape.fields:
                good = [""]  # a field of other shapes only: left empty
            if draw(st.integers(0, 5)) == 0:
                row.append(
                    draw(
                        st.sampled_from(
                            [
                                *odd,
                                *(v for s in by_shape.values() for v in s.literals.get(name, ())),
                            ]
                        )
                    )
                )
                all_plain = False
            elif name in shape.required or draw(st.booleans()):
                row.append(draw(st.sampled_from(good)))
            else:
                row.append("")  # an empty cell: no value
        rows.append(row)
        plain.append(all_plain)
    return names, rows, plain


def _models(kind: str, header: Sequence[str], row: Sequence[str]) -> Located | None:
    """What the models make of a row (as the CSV reader pairs its cells): a record or None."""
    cells = {name: cell for name, cell in zip(header, row, strict=True) if cell.strip()}
    checked = validate_raw(RawRecord("f.csv", 2, {**cells, "record": kind}))
    return checked if isinstance(checked, Located) else None


@pytest.mark.parametrize("kind", ["node", "edge", "transfer", "source"])
def test_the_column_check_agrees_with_the_models(kind: str) -> None:
    seen = {"passed": 0, "left to the models": 0}

    @FUZZ
    @given(tables(kind))
    def check(table: tuple[list[str], list[list[str]], list[bool]]) -> None:
        header, rows, plain = table
        for row, cells, is_plain in zip(
            ColumnCheck(kind, header).check(rows), rows, plain, strict=True
        ):
            judged = _models(kind, header, cells)
            if row is None:
                seen["left to the models"] += 1
                # a plain row the models accept must pass: else nothing would be faster
                assert not (is_plain and judged is not None), (header, cells)
                continue
            seen["passed"] += 1
            assert judged is not None, (header, cells)
            assert record_of(kind, row) == judged.record
            assert row_json(kind, row) == canonical_json(judged.record)
            assert row_of(judged.record) == (kind, row)

    check()
    assert seen["passed"] > examples(50)
    assert seen["left to the models"] > examples(100)


def test_the_column_check_on_known_rows() -> None:
    header = [
        "id",
        "label",
        "kind",
        "name",
        "members",
        "employees",
        "valid_from",
        "valid_to",
        "aliases",
        "uscc",
        "record",
    ]
    rows = [
        [
            "p1",
            "PartyOrg",
            "branch",
            "P1",
            "31",
            "",
            "2020-01-01",
            "2021-01-01",
            "a| b",
            "",
            "edge",
        ],
        ["e1", "Enterprise", "private", "E1", "", "800", "", "", "", USCC, ""],
        ["p2", "PartyOrg", "branch", "P2", "", "800", "", "", "", "", ""],  # not a PartyOrg's
        ["p3", "PartyOrg", "bogus", "P3", "", "", "", "", "", "", ""],
        ["p4", "PartyOrg", "branch", "P4", "+3", "", "", "", "", "", ""],  # the models judge
        ["p5", "PartyOrg", "branch", "P5", "", "", "2021-01-01", "2021-01-01", "", "", ""],
        ["e2", "Enterprise", "private", "E2", "", "", "", "", "", USCC[:-1] + "0", ""],
        ["p6", "PartyOrg", "branch", " ", "", "", "", "", "", "", ""],  # no name
    ]
    checked = ColumnCheck("node", header).check(rows)
    assert [record_of("node", r) if r else None for r in checked] == [
        Node(
            "p1",
            "PartyOrg",
            "branch",
            "P1",
            date(2020, 1, 1),
            date(2021, 1, 1),
            {"members": 31, "aliases": ["a", "b"]},
        ),
        Node("e1", "Enterprise", "private", "E1", props={"employees": 800, "uscc": USCC}),
        None,
        None,
        None,
        None,
        None,
        None,
    ]
    assert _models("node", header, rows[4]) == Located(
        "f.csv", 2, Node("p4", "PartyOrg", "branch", "P4", props={"members": 3})
    )


@settings(max_examples=examples(50))
@given(
    codes=st.lists(
        st.one_of(
            st.text(USCC_ALPHABET, min_size=17, max_size=17).map(lambda b: b + uscc_check_char(b)),
            st.text(USCC_ALPHABET + "IOSVZa -示", min_size=16, max_size=19),
        ),
        min_size=1,
        max_size=40,
    ),
    valid=st.integers(1000, 1500),
)
def test_many_codes_are_checked_as_one_code_is(codes: list[str], valid: int) -> None:
    """A column of many codes is checked in numpy (a province's enterprises): the codes it
    passes are those ``is_valid_uscc`` passes."""
    plain = [f"{n:017d}" for n in range(valid)]
    column = [*(b + uscc_check_char(b) for b in plain), *codes]
    header = ["id", "label", "kind", "name", "uscc"]
    rows = [[f"e{i}", "Enterprise", "private", "E", code] for i, code in enumerate(column)]
    checked = ColumnCheck("node", header).check(rows)
    assert [row is not None for row in checked] == [
        code == code.strip() and is_valid_uscc(code) for code in column
    ]


def test_a_header_without_the_discriminator_passes_no_row() -> None:
    assert ColumnCheck("edge", ["from", "to"]).check([["a", "b"], ["c", "d"]]) == [None, None]
    assert ColumnCheck("node", ["colour"]).check([["red"], [""]]) == [None, None]
    with pytest.raises(ValueError, match="once"):
        ColumnCheck("node", ["id", "id"])


def test_transfer_ids_are_made_as_the_models_make_them() -> None:
    header = ["org", "status", "date", "id"]
    rows = [
        ["o1", "proposed", "2022-07-05", ""],
        ["o2", "pending", "", ""],
        ["o3", "retained", "", "t-3"],
    ]
    checked = ColumnCheck("transfer", header).check(rows)
    assert [r[0] if r else None for r in checked] == [
        "transfer:o1:2022-07-05",
        "transfer:o2:undated",
        "t-3",
    ]
    for row, cells in zip(checked, rows, strict=True):
        judged = _models("transfer", header, cells)
        assert judged is not None
        assert row is not None
        assert record_of("transfer", row) == judged.record


# -- the CSV reader reads what csv.DictReader read -------------------------------------------

csv_cells = st.sampled_from(["a", "", " ", "b c", 'say "x"', "l1\nl2", "x,y", "\r", "党"])


@st.composite
def csv_texts(draw: st.DrawFn) -> str:
    header = draw(
        st.lists(st.sampled_from(["id", " id", "name", "", "kind"]), min_size=1, max_size=4)
    )
    lines = [header]
    for _ in range(draw(st.integers(0, 8))):
        lines.append(draw(st.lists(csv_cells, max_size=len(header) + 2)))
    out = io.StringIO()
    csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n", "\r"]))).writerows(lines)
    text = out.getvalue()
    if draw(st.booleans()):
        text = text.replace("\n", "\n\n", 1)  # a blank line
    if draw(st.booleans()):
        text += draw(st.sampled_from(['"open', "a,b\n", '"x"y,z\n']))
    return text


def _dict_reader(text: str) -> list[tuple[int, dict[str, str]] | tuple[int, str]]:
    """The rows as csv.DictReader pairs them, located at their first line, with the reader's
    own rules on top: a header of blank names is no header; blank cells beyond the header are
    no cells (spreadsheets write them); a filled cell under a blank header name is an error."""
    reader = csv.reader(io.StringIO(text, newline=""))
    found: list[tuple[int, dict[str, str]] | tuple[int, str]] = []
    try:
        header = next(reader, None)
        if not header or not any(name.strip() for name in header):
            return [(1, "no header")]
        ended = reader.line_num
        for row in reader:
            start, ended = ended + 1, reader.line_num
            if not row:
                continue
            extra = row[len(header) :]
            if extra and any(cell.strip() for cell in extra):
                found.append((start, f"extra {extra}"))
                continue
            paired: dict[str, str | None] = dict(zip(header, row, strict=False))
            paired.update(dict.fromkeys(header[len(row) :]))  # as DictReader's restval
            cells = {k.strip(): v for k, v in paired.items() if v is not None and v.strip() != ""}
            if "" in cells:
                found.append((start, "no header for a cell"))
                continue
            found.append((start, cells))
    except csv.Error:
        found.append((reader.line_num, "csv error"))
    return found


def _csv_file(path: Path) -> list[tuple[int, dict[str, str]] | tuple[int, str]]:
    table = CsvFile(path)
    if table.error is not None:
        return [(table.error.line, "no header" if table.error.field == "header" else "csv error")]
    found: list[tuple[int, dict[str, str]] | tuple[int, str]] = []
    for row in table.rows():
        if isinstance(row, RawRecord):
            raise AssertionError(row)
        if hasattr(row, "cells"):
            found.append((row.line, row.cells))
        elif "without a header" in row.expected:
            found.append((row.line, "no header for a cell"))
        elif row.field == "line" and row.value is not None:
            found.append((row.line, f"extra {row.value}"))
        else:
            found.append((row.line, "csv error"))
    return found


def test_the_csv_reader_reads_as_dict_reader_did(tmp_path: Path) -> None:
    path = tmp_path / "nodes.csv"

    @FUZZ
    @given(csv_texts())
    def check(text: str) -> None:
        path.write_text(text, encoding="utf-8", newline="")
        assert _csv_file(path) == _dict_reader(text)

    check()


def test_bad_utf8_after_a_byte_order_mark_is_located_on_its_line(tmp_path: Path) -> None:
    path = tmp_path / "nodes.csv"
    path.write_bytes(b"\xef\xbb\xbfid,label,kind,name\np1,PartyOrg,branch,\xff\xfeP1\n")
    bad = repr(b"\xff\xfeP1\n")
    assert str(CsvFile(path).error) == f"{path}:2: line: {bad} — expected UTF-8 text"
    assert CsvFile(path, "utf-8").error is not None  # named, it is checked all the same
    long = tmp_path / "edges.csv"  # the bad bytes beyond the first block read
    long.write_bytes(b"type,from,to\n" + b"BASED_IN,p1,e1\n" * 100_000 + b"\xc3(\n")
    bad = repr(b"\xc3(\n")
    assert str(CsvFile(long).error) == f"{long}:100002: line: {bad} — {UNREADABLE}"


# -- load_paths: the column check or the models for every row, the same outcome --------------


def _models_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the column check pass no row: every row is validated by the models."""
    monkeypatch.setattr(ColumnCheck, "check", lambda self, rows: [None] * len(rows))


NODE_LINES = [
    "p1,PartyOrg,local_committee,P1,,,,",
    "p2,PartyOrg,branch,P2,31,,2010-01-01,",
    "e1,Enterprise,private,E1,,800,,2030-01-01",
    "e2,Enterprise,private,E2,,+5,,",  # the models take +5
    "a1,Area,county,A1,,,,",
    "p3,PartyOrg,branch,P3,x,,,",  # members: not a number
    "p4,PartyOrg,bogus,P4,,,,",
    "p2,PartyOrg,branch,P2 again,,,,",  # p2 twice
    "p5,Enterprise,private,P5,3,,,",  # members of an enterprise
    "p6,PartyOrg,branch,P6,,,2020-01-01,2019-01-01",
    "p7,PartyOrg,branch,,,,,",
    "p8,PartyOrg,branch,P8,,,,,extra",
]
EDGE_LINES = [
    "AFFILIATED_TO,p2,p1,territorial,2010-01-01,",
    "BASED_IN,p2,e1,,,",
    "LOCATED_IN,e1,a1,registered,,",
    "LOCATED_IN,a1,a1,part_of,2000-01-01,",
    "AFFILIATED_TO,p2,ghost,territorial,,",  # unknown id
    "AFFILIATED_TO,e1,p1,territorial,,",  # an enterprise is no PartyOrg
    "BASED_IN,p2,e1,,,",  # twice
    "BASED_IN,p2,e2,registered,,",  # BASED_IN has no kinds
    "SUPERVISES,p3,e1,guidance,,",  # p3 is invalid: not reported again
    "OWNS,a1,e1,,,",
]


@st.composite
def datasets(draw: st.DrawFn) -> dict[str, str]:
    nodes = draw(st.lists(st.sampled_from(NODE_LINES), min_size=1, max_size=8))
    edges = draw(st.lists(st.sampled_from(EDGE_LINES), max_size=8))
    return {
        "nodes.csv": "id,label,kind,name,members,employees,valid_from,valid_to\n"
        + "\n".join(nodes)
        + "\n",
        "edges.csv": "type,from,to,kind,valid_from,valid_to\n" + "\n".join(edges) + "\n",
    }


def _outcome(store: EmbeddedStore, folder: Path) -> tuple[Any, ...]:
    try:
        result = load_paths(store, [folder])
    except LoadFailedError as exc:
        return ("refused", [str(e) for e in exc.errors])
    return ("loaded", {k: dict(v) for k, v in result.counts.items()}, fingerprint(store))


def test_the_column_check_loads_what_the_models_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outcomes = {"refused": 0, "loaded": 0}
    runs = iter(range(10_000))

    @FUZZ
    @given(datasets())
    def check(files: dict[str, str]) -> None:
        run = next(runs)
        folder = tmp_path / f"data-{run}"
        folder.mkdir()
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        stores = [EmbeddedStore(tmp_path / f"{run}-{way}.db") for way in ("bulk", "models")]
        try:
            bulk = _outcome(stores[0], folder)
            with monkeypatch.context() as patched:
                _models_only(patched)
                models = _outcome(stores[1], folder)
        finally:
            for store in stores:
                store.close()
        assert bulk == models
        outcomes[bulk[0]] += 1

    check()
    assert outcomes["refused"] > examples(20)
    assert outcomes["loaded"] > examples(5)


def test_errors_of_a_bad_canonical_csv_are_the_models(
    embedded_store: EmbeddedStore, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    nodes = folder / "nodes.csv"
    nodes.write_text(
        "id,label,kind,name,members,employees,valid_from,valid_to\n" + "\n".join(NODE_LINES) + "\n",
        encoding="utf-8",
    )
    edges = folder / "edges.csv"
    edges.write_text(
        "type,from,to,kind,valid_from,valid_to\n" + "\n".join(EDGE_LINES) + "\n", encoding="utf-8"
    )
    with pytest.raises(LoadFailedError) as failed:
        load_paths(embedded_store, [folder])
    kinds = (
        "expected one of 'local_committee', 'committee', 'general_branch', 'branch', "
        "'joint_branch', 'temporary_branch', 'leading_group', 'work_committee' or "
        "'comprehensive_committee'"
    )
    assert [str(e) for e in failed.value.errors] == [
        f"{edges}:6: to: 'ghost' — expected the id of a node in this load or in the store",
        f"{edges}:7: from/to: 'Enterprise → PartyOrg' — expected AFFILIATED_TO/territorial "
        "between PartyOrg → PartyOrg",
        f"{edges}:8: from/to: 'BASED_IN|p2|e1||' — expected each edge once per load (first at "
        f"{edges}:3)",
        f"{edges}:9: kind: 'registered' — expected no such field: it is not part of this record "
        "in the format",
        f"{edges}:11: from/to: 'Area → Enterprise' — expected OWNS between Body|Enterprise → "
        "Enterprise",
        f"{nodes}:7: members: 'x' — expected a valid integer, unable to parse string as an integer",
        f"{nodes}:8: kind: 'bogus' — {kinds}",
        f"{nodes}:9: id: 'p2' — expected each node once per load (first at {nodes}:3)",
        f"{nodes}:10: members: '3' — expected no such field: it is not part of this record in "
        "the format",
        f"{nodes}:11: valid_to: '2019-01-01' — expected a date after valid_from (2020-01-01): "
        "intervals are half-open, [valid_from, valid_to)",
        f"{nodes}:12: name: — expected a value: the field is required",
        f"{nodes}:13: line: ['extra'] — expected no more cells than header fields",
    ]
    assert embedded_store.counts().nodes == 0


@pytest.fixture
def embedded_store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(tmp_path / "bulk.db")
    yield store
    store.close()


def test_ids_holding_the_key_separator_are_refused(
    embedded_store: EmbeddedStore, tmp_path: Path
) -> None:
    """``a|b → c`` and ``a → b|c`` would have the same key, ``BASED_IN|a|b|c||``: so ``|`` —
    which also separates the ids of a list cell — is no character of an id."""
    folder = tmp_path / "data"
    folder.mkdir()
    nodes = folder / "nodes.csv"
    nodes.write_text(
        "id,label,kind,name\na|b,PartyOrg,branch,1\na,PartyOrg,branch,2\n"
        "c,Enterprise,private,3\nb|c,Enterprise,private,4\n",
        encoding="utf-8",
    )
    edges = folder / "edges.csv"
    edges.write_text("type,from,to\nBASED_IN,a|b,c\nBASED_IN,a,b|c\n", encoding="utf-8")
    with pytest.raises(LoadFailedError) as failed:
        load_paths(embedded_store, [folder])
    refused = "U+007C VERTICAL LINE '|'"
    assert [(e.file, e.line, e.field, e.value) for e in failed.value.errors] == [
        (str(edges), 2, "from", "a|b"),
        (str(edges), 3, "to", "b|c"),
        (str(nodes), 2, "id", "a|b"),
        (str(nodes), 5, "id", "b|c"),
    ]
    assert all(refused in e.expected for e in failed.value.errors)


def test_a_load_reads_csv_in_chunks_and_keeps_their_order(
    embedded_store: EmbeddedStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load_module, "CHUNK_ROWS", 3)
    folder = tmp_path / "data"
    folder.mkdir()
    ids = [f"p{i}" for i in range(10)]
    (folder / "nodes.csv").write_text(
        "id,label,kind,name,members\n"
        + "".join(
            f"{i},PartyOrg,branch,{i},{'+1' if n % 4 == 0 else n}\n" for n, i in enumerate(ids)
        ),
        encoding="utf-8",
    )
    (folder / "edges.csv").write_text(
        "type,from,to,kind\n"
        + "".join(
            f"AFFILIATED_TO,{a},{b},territorial\n" for a, b in zip(ids[1:], ids, strict=False)
        ),
        encoding="utf-8",
    )
    result = load_paths(embedded_store, [folder])
    assert {k: dict(v) for k, v in result.counts.items()} == {
        "node": {"created": 10},
        "edge": {"created": 9},
    }
    assert [(n.id, n.props["members"]) for n in embedded_store.iter_nodes()] == [
        ("p0", 1),
        ("p1", 1),
        ("p2", 2),
        ("p3", 3),
        ("p4", 1),
        ("p5", 5),
        ("p6", 6),
        ("p7", 7),
        ("p8", 1),
        ("p9", 9),
    ]
    # the edges were written in the order of the file (their graph keys follow it)
    rows = (
        sqlite3.connect(embedded_store.path)
        .execute("SELECT src FROM edges ORDER BY eid")
        .fetchall()
    )
    assert [r[0] for r in rows] == ids[1:]


# -- rows and records ------------------------------------------------------------------------


NODE = Node(
    "p1",
    "PartyOrg",
    "branch",
    "P1",
    date(2020, 1, 1),
    None,
    {"members": 3, "aliases": ["a", "b"], "source": "s", "name_en": "P one"},
)
EDGE = Edge(
    "OWNS", "b1", "e1", None, date(2021, 2, 3), date(2022, 1, 1), {"share_pct": 49.5, "quote": "q"}
)
TRANSFER = Transfer(
    "t1", "p1", "transferred", date(2022, 7, 5), {"from": "p2", "decided_to": "p3", "reason": "r"}
)
SOURCE = Source("s", {"date": date(2022, 7, 5), "title": "T"})


@pytest.mark.parametrize("record", [NODE, EDGE, TRANSFER, SOURCE], ids=lambda r: type(r).__name__)
def test_a_row_is_its_record(record: Any) -> None:
    kind, row = row_of(record)
    assert len(row) == len(ROW_FIELDS[kind])
    assert record_of(kind, row) == record
    assert row_json(kind, row) == canonical_json(record)


def test_row_fields_and_keys() -> None:
    assert NODE_ROW[:6] == ("id", "label", "kind", "name", "valid_from", "valid_to")
    assert EDGE_ROW[:6] == ("type", "from", "to", "kind", "valid_from", "valid_to")
    declared = {
        p.name for props in (NODE_COMMON, *(lb.props for lb in NODE_LABELS.values())) for p in props
    }
    assert set(NODE_ROW) == declared
    assert set(EDGE_ROW) == {
        p.name for props in (EDGE_COMMON, *(r.props for r in REL_TYPES.values())) for p in props
    }
    assert ROW_FIELDS["transfer"][:4] == ("id", "org", "status", "date")
    assert set(ROW_FIELDS["transfer"]) == {p.name for p in TRANSFER_FIELDS}
    assert set(ROW_FIELDS["source"]) == {p.name for p in SOURCE_FIELDS}
    assert edge_key(row_of(EDGE)[1]) == EDGE.key == "OWNS|b1|e1||2021-02-03"
    with pytest.raises(ValueError, match="colour"):
        row_of(Node("x", "Area", "county", "X", props={"colour": "red"}))
    assert set(shapes("transfer")[1][None].literals["status"]) == set(TRANSFER_STATUSES)


def test_batch_rows_know_where_they_were_read() -> None:
    batch = Batch()
    batch.add(Located("a.jsonl", 4, NODE))
    batch.nodes.extend("b.csv", [row_of(Node("p2", "Area", "county", "P2"))[1]] * 2, [2, 3])
    batch.nodes.extend("c.csv", [], [])
    batch.add(Located("t.csv", 7, Node("p3", "Area", "county", "P3"), {"id": "county_id"}))
    p2 = Node("p2", "Area", "county", "P2")
    p3 = Node("p3", "Area", "county", "P3")
    assert [batch.nodes.located(i) for i in range(4)] == [
        Located("a.jsonl", 4, NODE),
        Located("b.csv", 2, p2),
        Located("b.csv", 3, p2),
        Located("t.csv", 7, p3, {"id": "county_id"}),
    ]
    assert batch.nodes.located(3).column("id") == "county_id"
    assert len(batch) == 4
    assert batch.nodes.column("id") == ["p1", "p2", "p2", "p3"]
    assert batch.nodes.take() == [row_of(n)[1] for n in (NODE, p2, p2, p3)]
    assert len(batch.nodes) == 0


# -- the embedded writer: rows, into empty and non-empty tables ------------------------------


def _tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(path)
    try:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
            for table in ("nodes", "edges", "transfers", "sources")
        }
    finally:
        conn.close()


NODES = [
    NODE,
    Node("p2", "PartyOrg", "branch", "P2"),
    Node("p3", "PartyOrg", "committee", "P3"),
    Node("e1", "Enterprise", "private", "E1", props={"employees": 9}),
    Node("b1", "Body", "sasac", "B1"),
]
EDGES = [
    EDGE,
    Edge("AFFILIATED_TO", "p1", "p2", "territorial", None, date(2022, 7, 5)),
    Edge("AFFILIATED_TO", "p1", "p3", "territorial", date(2022, 7, 5)),
]


def _write(store: EmbeddedStore, records: Sequence[Any], *, as_rows: bool) -> dict[str, Any]:
    with store.writer() as writer:
        for kind, cls in (
            ("source", Source),
            ("node", Node),
            ("edge", Edge),
            ("transfer", Transfer),
        ):
            mine = [r for r in records if isinstance(r, cls)]
            if not mine:
                continue
            if as_rows:
                writer.upsert_rows(kind, [row_of(r)[1] for r in mine])
            else:
                getattr(writer, f"upsert_{kind}s")(mine)
    return {k: dict(v) for k, v in writer.summary.counts.items()}


def test_rows_are_written_as_their_records(tmp_path: Path) -> None:
    first = [SOURCE, *NODES, *EDGES, TRANSFER]
    renamed = Node("p2", "PartyOrg", "branch", "P2 renamed")
    second = [
        SOURCE,
        renamed,
        Node("p4", "Area", "county", "P4"),
        *EDGES,
        Edge("LOCATED_IN", "e1", "p4", "registered"),
        Transfer("t2", "p1", "proposed"),
    ]
    found = []
    for as_rows in (False, True):
        store = EmbeddedStore(tmp_path / f"rows-{as_rows}.db")
        try:
            summaries = [
                _write(store, first, as_rows=as_rows),
                _write(store, second, as_rows=as_rows),
            ]
            found.append(
                (
                    summaries,
                    _tables(store.path),
                    store.counts(),
                    store.get_node("p2"),
                    store.edges("p1", as_of=date(2023, 1, 1)),
                )
            )
        finally:
            store.close()
    assert found[0] == found[1]
    summaries = found[1][0]
    assert summaries == [
        {
            "source": {"created": 1},
            "node": {"created": 5},
            "edge": {"created": 3},
            "transfer": {"created": 1},
        },
        {
            "source": {"unchanged": 1},
            "node": {"updated": 1, "created": 1},
            "edge": {"unchanged": 3, "created": 1},
            "transfer": {"created": 1},
        },
    ]
    assert found[1][3] == renamed
    assert found[1][4] == [EDGES[2]]


def test_rows_naming_unknown_nodes_are_refused(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "unknown.db")
    try:
        _write(store, NODES, as_rows=True)
        with pytest.raises(UnknownNodeError) as refused:
            _write(
                store,
                [
                    Edge("BASED_IN", "p2", "ghost"),
                    Edge("BASED_IN", "nobody", "e1"),
                    Edge("BASED_IN", "p2", "e1"),
                ],
                as_rows=True,
            )
        assert refused.value.ids == ["ghost", "nobody"]
        with pytest.raises(sqlite3.IntegrityError):  # one id twice, into an empty table
            _write(store, [SOURCE, SOURCE], as_rows=True)
        assert store.counts().edges == 0
        assert store.counts().sources == 0
    finally:
        store.close()
