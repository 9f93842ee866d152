"""Strict parameters and Excel-friendly answers.

* every API route refuses a query parameter it does not take, naming it and the nearest one
  it does take (``?asof=`` used to answer for today);
* CSV answers start with a UTF-8 byte order mark and are named downloads; ``?format=xlsx``
  answers the same rows as a workbook; an empty list still has its header, in both;
* untrusted text (``=HYPERLINK(…)``, ``+1``, ``-2``, ``@SUM(A1)``) comes back as text, never
  a formula, and a control character in a name does not break a workbook;
* ``affgraph query`` tables fit 80 columns and say what they leave out.

The data is the served contract data of ``tests/test_api_routes.py`` (the public cases and
the pathology graph), on the embedded store — these are checks of the HTTP and file layer,
which is the same over either store — plus a few nodes with hostile names.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook  # type: ignore[import-untyped, unused-ignore]
from rich.cells import cell_len
from typer.testing import CliRunner

from app.api.downloads import answer_filename, attachment
from app.api.errors import PARAMETER_ERRORS
from app.cli import cli
from app.formats import columns_of, item_columns, rows_of, to_csv
from app.main import create_app
from app.settings import Settings
from exports.values import EDGE_PROPS, NODE_PROPS, SOURCE_PROPS, TRANSFER_PROPS, cell
from exports.xlsx import MEDIA_TYPE, REPLACEMENT, spreadsheet_value
from graph_schema.records import Node
from queries.catalog import QUERIES
from tests.query_graphs import SOURCE
from tests.test_api_routes import (
    EXAMPLES,
    SERVED,
    Query,
    Served,
    envelope,
    get_json,
    served,
    target,
)

__all__ = ["served"]  # the module-scoped app of test_api_routes, used here on one store

#: Use the served contract data on the embedded store only.
EMBEDDED = pytest.mark.parametrize("served", ["embedded"], indirect=True)

#: Names as they come from scraped pages: each would be a formula if Excel evaluated it.
HOSTILE = {
    "evil-hyperlink": '=HYPERLINK("http://x","y")',
    "evil-plus": "+1",
    "evil-minus": "-2",
    "evil-at": "@SUM(A1)",
    "evil-tab": "\t=1+1 (a tab first)",
}
#: A name with a control character a worksheet cannot hold (BEL).
CONTROL = ("evil-bell", "bell\x07name")
#: The day the hostile nodes are orphans on (they have no superior).
DAY = "2025-01-01"

AFFGRAPH = [sys.executable, "-m", "app"]


def _orphan(node_id: str, name: str) -> Node:
    return Node(node_id, "PartyOrg", "branch", name, None, None, {"source": SOURCE.id})


@pytest.fixture(scope="module")
def hostile(served: Served) -> Served:
    """The served data plus branches with hostile names, orphans on ``DAY``."""
    with served.store.writer() as w:
        w.upsert_nodes([_orphan(i, n) for i, n in (*HOSTILE.items(), CONTROL)])
    return served


def _workbook(content: bytes) -> Any:
    return load_workbook(io.BytesIO(content))


def _csv_rows(response: httpx.Response) -> list[list[str]]:
    """The rows of a CSV answer, after checking its byte order mark."""
    assert response.content.startswith(b"\xef\xbb\xbf"), response.content[:20]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _sheet_rows(response: httpx.Response) -> list[list[Any]]:
    """The one sheet of an xlsx answer, as values."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MEDIA_TYPE
    book = _workbook(response.content)
    assert len(book.worksheets) == 1
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def _empty_is_none(value: Any) -> Any:
    """An empty text is an empty cell in a workbook."""
    return None if value == "" else value


def _misspelt(name: str) -> str:
    """A near miss of a parameter name: its last letter doubled (``as_off``, ``qq``)."""
    return name + name[-1]


# -- unknown parameters -------------------------------------------------------------------------


def _api_operations() -> list[Any]:
    """Every operation the app documents under /api, with its query parameters."""
    schema = create_app(Settings(store=":memory:")).openapi()
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            found.append(pytest.param(method.upper(), path, query, id=f"{method} {path}"))
    return found


OPERATIONS = _api_operations()
#: The reads; the writes are test_load_refuses_query_parameters's and
#: test_judgements_refuse_misspelt_query_parameters's.
READS = [p for p in OPERATIONS if p.values[0] == "GET"]


def _example_path(path: str) -> tuple[str, dict[str, str]]:
    """A URL path of a documented route with its path parameters filled in, and the valid
    query string of its first example (none for routes outside the catalogue)."""
    route = next((r for r in SERVED if r.path == path), None)
    if route is not None:
        return target(route, EXAMPLES[route.name][0])
    return path.replace("{name}", "chain"), {}


def test_every_api_route_is_checked() -> None:
    reads = {p.values[1] for p in READS}
    assert {"/api/health", "/api/queries", "/api/queries/{name}", "/api/export"} <= reads
    assert {r.path for r in SERVED} <= reads
    writes = {(p.values[0], p.values[1]) for p in OPERATIONS if p not in READS}
    assert writes == {
        ("POST", "/api/load"),
        ("POST", "/api/duplicates/judgements"),
        ("DELETE", "/api/duplicates/judgements"),
        ("POST", "/api/loads/{n}/revert"),
        ("POST", "/api/tags"),
    }  # each checked below: test_load_refuses_…, test_judgements_refuse_…; the history's
    # in test_api_history


@EMBEDDED
@pytest.mark.parametrize(("method", "path", "query"), READS)
def test_misspelt_parameter_is_422_naming_it_and_the_nearest(
    served: Served, method: str, path: str, query: list[str]
) -> None:
    url, values = _example_path(path)
    for name in query or ["limit"]:
        wrong = _misspelt(name)
        response = served.client.get(url, params={**values, wrong: values.get(name, "1")})
        error = envelope(response, 422, "invalid_parameter")
        assert repr(wrong) in error["message"]
        [detail] = error["details"]
        assert (detail["parameter"], detail["nearest"]) == (wrong, name if query else None)
        if query:
            assert f"did you mean {name!r}?" in error["message"]
            assert "takes " + ", ".join(sorted(query)) in error["message"]
        else:
            assert "takes no query parameters" in error["message"]


@EMBEDDED
def test_the_reported_typo(served: Served) -> None:
    response = served.client.get(
        "/api/orgs/tj-zhonghuan-samsung-jv-pc/chain", params={"asof": "2022-07-04"}
    )
    error = envelope(response, 422, "invalid_parameter")
    assert error["message"].startswith("unknown parameter 'asof' (did you mean 'as_of'?)")
    assert error["details"] == [
        {
            "parameter": "asof",
            "value": "2022-07-04",
            "message": "did you mean 'as_of'?",
            "nearest": "as_of",
        }
    ]


@EMBEDDED
def test_every_unknown_parameter_is_named(served: Served) -> None:
    response = served.client.get(
        "/api/nodes/tj-pipe", params={"id": "x", "As_Of": "2023-06-01", "zzz": "1"}
    )
    error = envelope(response, 422, "invalid_parameter")
    by_name = {d["parameter"]: d for d in error["details"]}
    assert set(by_name) == {"id", "As_Of", "zzz"}
    assert by_name["As_Of"]["nearest"] == "as_of"
    assert by_name["id"]["nearest"] == "id"
    assert "path parameter" in by_name["id"]["message"]
    assert by_name["zzz"]["nearest"] is None


@EMBEDDED
def test_declared_parameters_still_answer(served: Served) -> None:
    response = served.client.get(
        "/api/analysis/orphans", params={"as_of": DAY, "limit": "5", "format": "json"}
    )
    assert response.status_code == 200, response.text
    assert served.client.get("/api/health").status_code == 200


def test_load_refuses_query_parameters(tmp_path: Path) -> None:
    store = tmp_path / "load.db"
    settings = Settings(store=str(store), api_token="secret")
    with TestClient(create_app(settings)) as client:
        response = client.post(
            "/api/load",
            params={"allow-unresolved": "true"},
            files={"files": ("sources.jsonl", b'{"record": "source", "id": "s"}\n')},
            headers={"Authorization": "Bearer secret"},
        )
        error = envelope(response, 422, "invalid_parameter")
        [detail] = error["details"]
        assert (detail["parameter"], detail["nearest"]) == ("allow-unresolved", "allow_unresolved")
        assert "form parameter" in detail["message"]
        assert "takes no query parameters" in error["message"]
        assert client.get("/api/health").json()["sources"] == 0


def test_judgements_refuse_misspelt_query_parameters(tmp_path: Path) -> None:
    """A judgement's writes refuse a query parameter they do not take (the judgement is a
    JSON body), and write nothing."""
    settings = Settings(store=str(tmp_path / "j.db"), api_token="secret")
    auth = {"Authorization": "Bearer secret"}
    body = {"a": "x", "b": "y", "verdict": "same", "who": "ana"}
    with TestClient(create_app(settings)) as client:
        post = client.post(
            "/api/duplicates/judgements", params={"note": "n"}, json=body, headers=auth
        )
        error = envelope(post, 422, "invalid_parameter")
        assert [d["parameter"] for d in error["details"]] == ["note"]
        assert "takes no query parameters" in error["message"]
        gone = client.delete(
            "/api/duplicates/judgements",
            params={"a": "x", "b": "y", "who": "ana", "whom": "bo"},
            headers=auth,
        )
        error = envelope(gone, 422, "invalid_parameter")
        assert [d["nearest"] for d in error["details"]] == ["who"]
        assert "takes a, b, who" in error["message"]
        assert client.get("/api/duplicates", params={"judged": "yes"}).json()["total"] == 0


def test_openapi_documents_the_422_on_every_route() -> None:
    schema = create_app(Settings(store=":memory:")).openapi()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            error = operation["responses"].get("422")
            assert error is not None, f"{method} {path}"
            assert PARAMETER_ERRORS in error["description"], f"{method} {path}"
            content = error["content"]["application/json"]["schema"]
            assert content == {"$ref": "#/components/schemas/ErrorEnvelope"}, f"{method} {path}"


# -- CSV and xlsx answers -----------------------------------------------------------------------


ROUTES = [pytest.param(r, id=r.name) for r in SERVED]
LISTS = [r for r in SERVED if "items" in r.result.model_fields]


@EMBEDDED
@pytest.mark.parametrize("route", ROUTES)
def test_csv_answer_has_a_bom_and_a_file_name(served: Served, route: Query) -> None:
    values = EXAMPLES[route.name][0]
    path, params = target(route, values)
    response = served.client.get(path, params={**params, "format": "csv"})
    assert response.status_code == 200, response.text
    query = route
    answer = rows_of(query.result.model_validate(get_json(served, route, values)))
    rows = _csv_rows(response)
    assert rows[0] == (columns_of(answer) if answer else item_columns(query.result))
    assert len(rows) - 1 == len(answer)
    day = date.fromisoformat(values["as_of"]) if "as_of" in values else date.today()
    load = get_json(served, route, values)["load"]
    assert response.headers["x-affgraph-load"] == str(load)
    name = answer_filename(route.name, day, ".csv", values.get("id"), load)
    assert name.startswith(route.name.replace("_", "-") + "-")
    assert name.endswith(f"{day.isoformat()}-load-{load}.csv")
    disposition = response.headers["content-disposition"]
    assert disposition == f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"


def test_orphans_file_name() -> None:
    assert answer_filename("orphans", date(2023, 6, 1), ".csv") == "orphans-2023-06-01.csv"
    assert (
        answer_filename("overlap_pairs", date(2023, 6, 1), ".xlsx", "a/b:c")
        == "overlap-pairs-a_b_c-2023-06-01.xlsx"
    )


def test_attachment_of_a_chinese_name() -> None:
    name = answer_filename("chain", date(2022, 7, 5), ".csv", "天津-党委")
    header = attachment(name)
    ascii_part = re.search(r'filename="([^"]*)"', header)
    full_part = re.search(r"filename\*=UTF-8''(\S+)$", header)
    assert ascii_part is not None
    assert full_part is not None
    assert ascii_part.group(1).isascii()
    assert ascii_part.group(1).endswith("-2022-07-05.csv")
    assert unquote(full_part.group(1)) == "chain-天津-党委-2022-07-05.csv"
    header.encode("latin-1")  # a header value HTTP can carry


@EMBEDDED
@pytest.mark.parametrize("route", ROUTES)
def test_xlsx_answer_is_the_json_rows(served: Served, route: Query) -> None:
    values = EXAMPLES[route.name][0]
    path, params = target(route, values)
    response = served.client.get(path, params={**params, "format": "xlsx"})
    sheet = _sheet_rows(response)
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    assert ".xlsx" in response.headers["content-disposition"]
    query = route
    rows = rows_of(query.result.model_validate(get_json(served, route, values)))
    columns = columns_of(rows) if rows else item_columns(query.result)
    assert sheet[0] == columns
    assert sheet[1:] == [[_empty_is_none(row.get(c)) for c in columns] for row in rows]
    assert len(sheet) - 1 == len(rows)


@EMBEDDED
def test_xlsx_by_accept_header(served: Served) -> None:
    response = served.client.get(
        "/api/analysis/orphans", params={"as_of": DAY}, headers={"Accept": MEDIA_TYPE}
    )
    assert _sheet_rows(response)[0] == item_columns(QUERIES["orphans"].result)


def _empty_answers() -> list[Any]:
    """A request per list route whose answer is an empty list: a page past the end, or a
    question with no answer."""
    cases = [
        pytest.param(r, {**EXAMPLES[r.name][0], "offset": "1000000"}, id=r.name)
        for r in LISTS
        if "offset" in r.params.model_fields
    ]
    by_query = {r.name: r for r in SERVED}
    cases.append(pytest.param(by_query["history"], {"id": "b-none"}, id="history"))
    cases.append(
        pytest.param(
            by_query["superiors"], {"id": "b-future", "as_of": "2000-01-01"}, id="superiors"
        )
    )
    return cases


@EMBEDDED
@pytest.mark.parametrize(("route", "values"), _empty_answers())
def test_empty_list_keeps_its_header(served: Served, route: Query, values: dict[str, str]) -> None:
    assert get_json(served, route, values)["items"] == []
    header = item_columns(route.result)
    assert header
    path, params = target(route, values)
    as_csv = served.client.get(path, params={**params, "format": "csv"})
    assert _csv_rows(as_csv) == [header]
    as_xlsx = served.client.get(path, params={**params, "format": "xlsx"})
    assert _sheet_rows(as_xlsx) == [header]


@EMBEDDED
@pytest.mark.parametrize("route", [pytest.param(r, id=r.name) for r in LISTS])
def test_empty_header_is_a_full_answers_header(served: Served, route: Query) -> None:
    # the columns of an empty list are those of a list whose items are all filled in
    # (e.g. chain's line.kind …, transfers' "from", not "from_")
    full = next(
        rows
        for values in EXAMPLES[route.name]
        if (rows := rows_of(route.result.model_validate(get_json(served, route, values))))
    )
    assert columns_of(full) == item_columns(route.result)


# -- untrusted text -----------------------------------------------------------------------------


def _orphans(served: Served, fmt: str) -> httpx.Response:
    response: httpx.Response = served.client.get(
        "/api/analysis/orphans",
        params={"as_of": DAY, "reason": "no_affiliation", "format": fmt, "limit": "100"},
    )
    assert response.status_code == 200, response.text
    return response


@EMBEDDED
def test_hostile_names_are_text_in_csv(hostile: Served) -> None:
    rows = _csv_rows(_orphans(hostile, "csv"))
    names = {row[0]: row[rows[0].index("name")] for row in rows[1:]}
    for node_id, name in HOSTILE.items():
        assert names[node_id] == "'" + name
    assert names["evil-bell"] == "bell" + REPLACEMENT + "name"
    assert names["b-none"] == "Org b-none"  # plain text stays as it is


@EMBEDDED
def test_hostile_names_are_strings_in_xlsx(hostile: Served) -> None:
    book = _workbook(_orphans(hostile, "xlsx").content)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    at = header.index("name")
    names = {row[0].value: row[at] for row in sheet.iter_rows(min_row=2)}
    for node_id, name in HOSTILE.items():
        assert names[node_id].data_type == "s", node_id
        assert names[node_id].value == name  # unchanged: a string cell is never evaluated
    assert names["evil-bell"].value == "bell" + REPLACEMENT + "name"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


@EMBEDDED
def test_json_keeps_the_names_as_they_are(hostile: Served) -> None:
    answer = _orphans(hostile, "json").json()
    names = {i["id"]: i["name"] for i in answer["items"]}
    assert names["evil-bell"] == CONTROL[1]
    assert all(names[i] == n for i, n in HOSTILE.items())


def test_numbers_stay_numbers() -> None:
    assert spreadsheet_value(-2, quote_formulas=True) == -2
    assert spreadsheet_value(-0.5, quote_formulas=True) == -0.5
    assert spreadsheet_value("-2", quote_formulas=True) == "'-2"
    assert spreadsheet_value("=1", quote_formulas=False) == "=1"
    assert spreadsheet_value("a\x00b\x1fc\td", quote_formulas=True) == "a\ufffdb\ufffdc\td"
    assert to_csv([{"n": -2, "t": "-2", "s": "@x"}]) == "n,t,s\n-2,'-2,'@x\n"


def _as_canonical_text(value: Any, text: str) -> Any:
    """A workbook's cell as the canonical CSV writes it: numbers (which a workbook reads
    back as int when whole) as the CSV's text if they are the same number."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return text if float(text) == value else value
    return cell(value)


@EMBEDDED
def test_xlsx_export_has_a_sheet_per_record_kind(hostile: Served) -> None:
    response = hostile.client.get("/api/export", params={"format": "xlsx"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MEDIA_TYPE
    load = hostile.store.state()[1]
    assert response.headers["x-affgraph-load"] == str(load)
    name = f"affgraph-load-{load}.xlsx"
    assert response.headers["content-disposition"] == (
        f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
    )
    book = _workbook(response.content)
    assert book.sheetnames == ["sources", "nodes", "edges", "transfers"]
    archive = hostile.client.get("/api/export", params={"format": "csv"})
    with zipfile.ZipFile(io.BytesIO(archive.content)) as z:
        tables = {
            name: list(csv.reader(io.StringIO(z.read(f"{name}.csv").decode("utf-8"))))
            for name in book.sheetnames
        }
    props = {"sources": SOURCE_PROPS, "nodes": NODE_PROPS, "edges": EDGE_PROPS}
    props["transfers"] = TRANSFER_PROPS
    for name in book.sheetnames:
        sheet = [list(r) for r in book[name].iter_rows(values_only=True)]
        assert sheet[0] == [p.name for p in props[name]] == tables[name][0]
        assert len(sheet) == len(tables[name])
        for got, text in zip(sheet[1:], tables[name][1:], strict=True):
            assert [_as_canonical_text(v, t) for v, t in zip(got, text, strict=True)] == [
                spreadsheet_value(t) for t in text
            ], name
    nodes = book["nodes"]
    at = [c.value for c in nodes[1]].index("name")
    hyperlink = next(r[at] for r in nodes.iter_rows(min_row=2) if r[0].value == "evil-hyperlink")
    assert (hyperlink.value, hyperlink.data_type) == (HOSTILE["evil-hyperlink"], "s")


@EMBEDDED
def test_cli_export_xlsx(hostile: Served, tmp_path: Path) -> None:
    out = tmp_path / "graph.xlsx"
    store = str(hostile.store.location)
    done = CliRunner().invoke(cli, ["export", "--format", "xlsx", str(out), "--store", store])
    assert done.exit_code == 0, done.output
    book = load_workbook(out, read_only=True)
    health = hostile.client.get("/api/health").json()
    assert sum(1 for _ in book["nodes"].iter_rows(min_row=2)) == health["nodes"]
    assert sum(1 for _ in book["edges"].iter_rows(min_row=2)) == health["edges"]


# -- the command line ---------------------------------------------------------------------------


def _affgraph(*args: str, columns: int = 80) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns)}
    return subprocess.run(
        [*AFFGRAPH, *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


@EMBEDDED
@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["transfers"], id="transfers"),
        pytest.param(["orphans", "--as-of", DAY], id="orphans"),
        pytest.param(
            ["chain", "--id", "tj-zhonghuan-samsung-jv-pc", "--as-of", "2022-07-04"], id="chain"
        ),
    ],
)
def test_query_table_fits_80_columns(hostile: Served, args: list[str]) -> None:
    store = ["--store", str(hostile.store.location)]
    done = _affgraph("query", *args, *store)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert all(cell_len(line) <= 80 for line in lines), max(lines, key=cell_len)
    as_csv = _affgraph("query", *args, "--format", "csv", *store)
    table = list(csv.reader(io.StringIO(as_csv.stdout)))
    ids = [row[0] for row in table[1:]]
    assert ids
    for node_id in ids:  # every row, its id unbroken
        assert re.search(rf"│ {re.escape(node_id)} +│", done.stdout), node_id
    shown = [c.strip() for c in lines[1].strip("┃").split("┃")]
    dropped = [c for c in table[0] if c not in shown]
    assert dropped, "at 80 columns these answers cannot show every column"
    note = " ".join(done.stdout.split("Not shown", 1)[1].split())
    assert ", ".join(dropped) in note
    assert f"{len(ids)} in all" in done.stdout


@EMBEDDED
def test_query_table_shows_every_column_when_wide(hostile: Served) -> None:
    store = ["--store", str(hostile.store.location)]
    done = _affgraph("query", "orphans", "--as-of", DAY, *store, columns=400)
    assert done.returncode == 0, done.stderr
    assert "Not shown" not in done.stdout
    shown = [c.strip() for c in done.stdout.splitlines()[1].strip("┃").split("┃")]
    assert shown == item_columns(QUERIES["orphans"].result)


@EMBEDDED
def test_query_xlsx_and_csv(hostile: Served, tmp_path: Path) -> None:
    store = ["--store", str(hostile.store.location)]
    args = ["query", "orphans", "--as-of", DAY, "--reason", "no_affiliation", *store]
    runner = CliRunner()
    out = tmp_path / "orphans.xlsx"
    done = runner.invoke(cli, [*args, "--format", "xlsx", "--out", str(out)])
    assert done.exit_code == 0, done.output
    answer = _orphans(hostile, "json").json()
    columns = item_columns(QUERIES["orphans"].result)
    sheet = [list(r) for r in load_workbook(out).worksheets[0].iter_rows(values_only=True)]
    assert sheet[0] == columns
    assert [r[0] for r in sheet[1:]] == [i["id"] for i in answer["items"]]
    as_csv = runner.invoke(cli, [*args, "--format", "csv"])
    assert as_csv.exit_code == 0, as_csv.output
    assert not as_csv.output.startswith("\ufeff")  # a terminal's CSV, for pipes
    rows = list(csv.reader(io.StringIO(as_csv.output)))
    assert {r[0]: r[1] for r in rows[1:]}["evil-plus"] == "'+1"
    empty = runner.invoke(cli, [*args, "--offset", "1000000", "--format", "csv"])
    assert empty.output.splitlines() == [",".join(columns)]
    assert runner.invoke(cli, [*args, "--format", "xlsx"]).exit_code == 2
    assert runner.invoke(cli, [*args, "--out", str(out)]).exit_code == 2
