"""The HTTP routes of the named queries, on both stores, through the app's own lifespan.

Every route of :data:`app.api.queries.ROUTES` whose query is in the catalogue is exercised:
its JSON answer equals the query run directly, its CSV form has the answer's rows, its pages
have their edges, and every error is a 4xx in the one envelope. The data is the contract
data: the public cases plus the hand-built pathology graph.

The store is loaded once per store kind for the whole module (loading the cases into the
Bolt server takes seconds; every test here only reads).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from app.api.downloads import XLSX_MEDIA_TYPE
from app.api.queries import ROUTES, QueryRoute
from app.formats import columns_of, item_columns, rows_of
from app.main import create_app
from app.settings import Settings
from loaders.load import load_paths
from queries.base import MAX_LIMIT
from queries.catalog import QUERIES, describe
from queries.graphview import GRAPH_VIEWS, GraphAnswer
from stores.base import GraphStore
from stores.embedded import EmbeddedStore
from stores.neo4j import Neo4jStore
from tests.conftest import BoltTarget
from tests.query_graphs import load_pathologies
from tests.test_queries_browse import case_records, expected_search
from tests.test_queries_contract import ORPHANS_2025
from tests.test_queries_mismatch_coverage import CASES_MISMATCHES

#: The routes that are served now: every route whose query is in the catalogue.
SERVED = [r for r in ROUTES if r.query in QUERIES]
UNSERVED = [r for r in ROUTES if r.query not in QUERIES]

#: Parameters to ask each query with (path and query string together). Every served query
#: must have at least one (``test_every_served_query_has_examples``); the first example of a
#: list query is the one its pages are tested on.
EXAMPLES: dict[str, list[dict[str, str]]] = {
    "node": [
        {"id": "tj-pipe", "as_of": "2023-06-01"},
        {"id": "b-ended", "as_of": "2025-01-01"},
        {"id": "bj-siemens-gb", "as_of": "2010-01-01"},
    ],
    "superiors": [
        {"id": "tj-pharma", "as_of": "2023-06-01"},
        {"id": "b-two", "as_of": "2025-01-01"},
    ],
    "chain": [
        {"id": "tj-zhonghuan-samsung-jv-pc", "as_of": "2022-07-04"},
        {"id": "tj-zhonghuan-samsung-jv-pc", "as_of": "2022-07-05"},
        {"id": "c1", "as_of": "2025-01-01"},
    ],
    "subtree": [
        {"id": "bj-ipb-pc", "as_of": "2010-01-01", "depth": "2"},
        {"id": "root", "as_of": "2025-01-01"},
        {"id": "bj-ipb-pc", "as_of": "2010-01-01", "depth": "1", "max_nodes": "3"},
    ],
    "history": [{"id": "tj-zhonghuan-samsung-jv-pc"}, {"id": "b-none"}],
    "overlaps": [
        {"as_of": "2023-06-01", "min": "1"},
        {"as_of": "2023-06-01", "label": "Enterprise"},
    ],
    "overlap_pairs": [{"as_of": "2023-06-01"}, {"as_of": "2023-06-01", "min": "2"}],
    "orphans": [{"as_of": "2025-01-01"}, {"as_of": "2025-01-01", "reason": "no_affiliation"}],
    "conflicts": [{"as_of": "2025-01-01"}],
    "mismatches": [{"as_of": "2023-06-01"}, {"as_of": "2023-06-01", "kind": "ownership"}],
    "coverage": [{"as_of": "2023-06-01"}, {"as_of": "2023-06-01", "status": "uncovered"}],
    "transfers": [
        {},
        {"status": "retained"},
        {"org": "tj-zhonghuan-samsung-jv-pc"},
        {"date_from": "2022-01-01", "date_to": "2022-12-31"},
    ],
    "search": [
        {"q": "Siemens"},
        {"q": "天津", "label": "PartyOrg"},
        {"q": "branch", "kind": "general_branch"},
    ],
    "stats": [{"as_of": "2010-01-01", "root": "bj-ipb-pc"}, {"as_of": "2025-01-01"}],
}

CASES = [
    pytest.param(r, i, id=f"{r.query}-{i}")
    for r in SERVED
    for i in range(len(EXAMPLES.get(r.query, [])))
]
PAGED = [
    pytest.param(r, id=r.query) for r in SERVED if "limit" in QUERIES[r.query].params.model_fields
]
BY_ID = [pytest.param(r, id=r.query) for r in SERVED if "{id}" in r.path]


def _params_with(test: Callable[[dict[str, Any]], bool]) -> list[Any]:
    """(route, parameter) for every parameter whose JSON Schema (or a branch of its anyOf)
    passes ``test``."""
    found = []
    for r in SERVED:
        schema = QUERIES[r.query].params.model_json_schema()
        for name, spec in schema["properties"].items():
            if test(spec) or any(test(s) for s in spec.get("anyOf", [])):
                found.append(pytest.param(r, name, id=f"{r.query}-{name}"))
    return found


ENUMS = _params_with(lambda spec: "enum" in spec)
DATES = _params_with(lambda spec: spec.get("format") == "date")


# -- the app over each store, loaded once -------------------------------------------------------


@dataclass
class Served:
    """An app serving the contract data, and the store it reads (for direct answers)."""

    kind: str
    store: GraphStore
    client: TestClient


@pytest.fixture(scope="module", params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, cases_dir: Path
) -> Iterator[Served]:
    """The public cases and the pathology graph, served over the store kind."""
    kind: str = request.param
    store: GraphStore
    if kind == "embedded":
        store = EmbeddedStore(tmp_path_factory.mktemp("api-routes") / "affgraph.db")
        settings = Settings(store=store.location)
    else:
        bolt: BoltTarget = request.getfixturevalue("bolt")
        bolt.reset()
        store = Neo4jStore(bolt.uri, bolt.auth, database=bolt.database)
        settings = Settings(
            store=bolt.uri,
            neo4j_user=bolt.auth[0],
            neo4j_password=bolt.auth[1],
            neo4j_database=bolt.database,
        )
    try:
        load_paths(store, [cases_dir])
        load_pathologies(store)
        with TestClient(create_app(settings)) as client:
            yield Served(kind, store, client)
    finally:
        store.close()


# -- helpers ------------------------------------------------------------------------------------


def target(route: QueryRoute, values: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The URL path (path parameters filled in) and the query string of a request."""
    in_path = set(re.findall(r"{(\w+)}", route.path))
    path = "/api" + route.path
    for name in in_path:
        path = path.replace(f"{{{name}}}", quote(values[name], safe=""))
    return path, {k: v for k, v in values.items() if k not in in_path}


def direct(served: Served, route: QueryRoute, values: dict[str, str]) -> dict[str, Any]:
    """The query's answer run on the store directly, as JSON."""
    query = QUERIES[route.query]
    params = query.params.model_validate(values)
    answer: dict[str, Any] = query.run(served.store, params).model_dump(mode="json")
    return answer


def get_json(served: Served, route: QueryRoute, values: dict[str, str]) -> dict[str, Any]:
    path, params = target(route, values)
    response = served.client.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    return body


def envelope(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The error of a response in the envelope, after checking its status and shape."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert set(error) == {"code", "message", "details"}
    assert isinstance(error["message"], str)
    assert error["message"]
    if code is not None:
        assert error["code"] == code
    return error


def bad_parameter(response: httpx.Response, name: str, value: str) -> None:
    """A 422 that names the bad parameter and echoes its value."""
    error = envelope(response, 422, "invalid_parameter")
    assert name in error["message"]
    assert {"parameter": name, "value": value} in [
        {k: d[k] for k in ("parameter", "value")} for d in error["details"]
    ]


def row_count(answer: dict[str, Any]) -> int:
    """Rows of the CSV form: the items of a list, the nodes of a tree, else one."""
    if isinstance(answer.get("items"), list):
        return len(answer["items"])
    if isinstance(answer.get("tree"), dict):

        def count(node: dict[str, Any]) -> int:
            return 1 + sum(count(child) for child in node.get("children", []))

        return count(answer["tree"])
    return 1


def parse_csv(text: str) -> list[list[str]]:
    """The rows of a CSV answer (its byte order mark, for Excel, left out)."""
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


# -- which routes are served --------------------------------------------------------------------


def test_served_routes_are_the_catalogue(served: Served) -> None:
    paths = served.client.get("/openapi.json").json()["paths"]
    by_endpoint = {
        op["operationId"].split("_api_")[0].removeprefix("query_"): path
        for path, item in paths.items()
        for op in item.values()
        if op["operationId"].startswith("query_")
    }
    assert by_endpoint == {r.query: "/api" + r.path for r in SERVED}
    assert set(QUERIES) <= {r.query for r in ROUTES}, "a catalogued query has no route"


def test_every_served_query_has_examples() -> None:
    missing = [r.query for r in SERVED if not EXAMPLES.get(r.query)]
    assert not missing, f"add EXAMPLES for {missing}"


@pytest.mark.parametrize("route", [pytest.param(r, id=r.query) for r in UNSERVED] or [None])
def test_routes_of_uncatalogued_queries_are_not_served(
    served: Served, route: QueryRoute | None
) -> None:
    if route is None:  # every route of ROUTES is served
        assert not UNSERVED
        return
    path, _ = target(route, {"id": "tj-pipe"})
    envelope(served.client.get(path), 404, "not_found")


# -- every route answers what the query answers -------------------------------------------------


@pytest.mark.parametrize(("route", "example"), CASES)
def test_json_is_the_query_answer(served: Served, route: QueryRoute, example: int) -> None:
    values = EXAMPLES[route.query][example]
    assert get_json(served, route, values) == direct(served, route, values)


@pytest.mark.parametrize(("route", "example"), CASES)
def test_csv_has_the_answer_rows(served: Served, route: QueryRoute, example: int) -> None:
    values = EXAMPLES[route.query][example]
    path, params = target(route, values)
    by_param = served.client.get(path, params={**params, "format": "csv"})
    by_accept = served.client.get(path, params=params, headers={"Accept": "text/csv"})
    for response in (by_param, by_accept):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert by_param.text == by_accept.text
    answer = get_json(served, route, values)
    rows = parse_csv(by_param.text)
    query = QUERIES[route.query]
    expected_rows = rows_of(query.result.model_validate(answer))
    header = columns_of(expected_rows) if expected_rows else item_columns(query.result)
    assert rows[0] == header
    assert len(rows) - 1 == row_count(answer) == len(expected_rows)
    for line, row in zip(rows[1:], expected_rows, strict=True):
        assert line[:1] == ["" if row.get(header[0]) is None else str(row[header[0]])]


@pytest.mark.parametrize(
    ("route", "example"),
    [case for case in CASES if case.values[0].query in GRAPH_VIEWS],  # type: ignore[union-attr]
)
def test_graph_format_is_the_graph_view(served: Served, route: QueryRoute, example: int) -> None:
    values = EXAMPLES[route.query][example]
    answer = get_json(served, route, {**values, "format": "graph"})
    query = QUERIES[route.query]
    result = query.run(served.store, query.params.model_validate(values))
    assert answer == GRAPH_VIEWS[route.query](result).model_dump(mode="json")
    ids = {node["id"] for node in answer["nodes"]}
    assert answer["id"] in ids
    assert {e["source"] for e in answer["edges"]} | {e["target"] for e in answer["edges"]} <= ids


@pytest.mark.parametrize(
    "route", [pytest.param(r, id=r.query) for r in SERVED if r.query not in GRAPH_VIEWS]
)
def test_graph_format_only_where_there_is_a_graph(served: Served, route: QueryRoute) -> None:
    path, params = target(route, EXAMPLES[route.query][0])
    bad_parameter(served.client.get(path, params={**params, "format": "graph"}), "format", "graph")


def test_csv_negotiation(served: Served) -> None:
    search = next(r for r in SERVED if r.query == "search")
    path, params = target(search, {"q": "Siemens"})
    json_types = [
        served.client.get(path, params=params).headers["content-type"],
        served.client.get(
            path, params=params, headers={"Accept": "text/csv, application/json"}
        ).headers["content-type"],
        served.client.get(
            path, params={**params, "format": "json"}, headers={"Accept": "text/csv"}
        ).headers["content-type"],
    ]
    assert json_types == ["application/json"] * 3
    rows = parse_csv(served.client.get(path, params={**params, "format": "csv"}).text)
    answer = get_json(served, search, {"q": "Siemens"})
    assert [row[0] for row in rows[1:]] == [item["id"] for item in answer["items"]]
    assert rows[0][:4] == ["id", "label", "kind", "name"]


@pytest.mark.parametrize("route", PAGED)
def test_csv_of_an_empty_list_has_a_header(served: Served, route: QueryRoute) -> None:
    path, params = target(route, EXAMPLES[route.query][0])
    response = served.client.get(path, params={**params, "offset": "1000000", "format": "csv"})
    assert response.status_code == 200, response.text
    assert parse_csv(response.text) == [item_columns(QUERIES[route.query].result)]


def test_csv_of_an_empty_history_has_a_header(served: Served) -> None:
    response = served.client.get("/api/orgs/b-none/history", params={"format": "csv"})
    assert response.status_code == 200, response.text
    header = parse_csv(response.text)
    assert len(header) == 1
    assert header[0][:3] == ["event", "date", "id"]


# -- known answers ------------------------------------------------------------------------------


def test_chain_before_and_after_the_transfer(served: Served) -> None:
    chain = next(r for r in SERVED if r.query == "chain")
    before = get_json(served, chain, {"id": "tj-zhonghuan-samsung-jv-pc", "as_of": "2022-07-04"})
    after = get_json(served, chain, {"id": "tj-zhonghuan-samsung-jv-pc", "as_of": "2022-07-05"})
    assert [s["id"] for s in before["items"]] == [
        "tj-zhonghuan-samsung-jv-pc",
        "tj-zhonghuan-pc",
        "tj-sasac-pc",
        "tj-municipal-pc",
    ]
    assert [s["id"] for s in after["items"]] == [
        "tj-zhonghuan-samsung-jv-pc",
        "tj-jinzhi-pc",
        "tj-sasac-pc",
        "tj-municipal-pc",
    ]
    assert (before["stop_reason"], after["stop_reason"]) == ("root", "root")
    assert (before["total"], after["total"]) == (4, 4)
    assert before["items"][1]["line"]["valid_to"] == "2022-07-05"
    assert after["items"][1]["line"]["valid_from"] == "2022-07-05"
    assert after["items"][1]["line"]["source"] == "soe_reform_2022"


def test_orphans_by_reason_on_the_pathology_graph(served: Served) -> None:
    orphans = next(r for r in SERVED if r.query == "orphans")
    answer = get_json(served, orphans, {"as_of": "2025-01-01"})
    assert [
        (i["id"], i["reason"], i["related_id"], i["since"], i["open_transfer"])
        for i in answer["items"]
    ] == [
        (oid, reason, related, since.isoformat() if since else None, transfer)
        for oid, reason, related, since, transfer in ORPHANS_2025
    ]
    assert answer["by_reason"] == {
        "affiliation_ended": 1,
        "host_dissolved": 1,
        "no_affiliation": 2,
        "superior_dissolved": 1,
        "superior_unresolved": 1,
    }
    only = get_json(served, orphans, {"as_of": "2025-01-01", "reason": "no_affiliation"})
    assert [i["id"] for i in only["items"]] == ["b-future", "b-none"]


def test_mismatches_on_the_day(served: Served) -> None:
    mismatches = next(r for r in SERVED if r.query == "mismatches")
    answer = get_json(served, mismatches, {"as_of": "2023-06-01"})
    rows = [
        (
            i["id"],
            i["type"],
            i["detail"],
            i["org_id"],
            i["related_id"],
            i["transfer_id"],
            i["transfer_status"],
        )
        for i in answer["items"]
    ]
    assert (
        "tj-pipe",
        "ownership",
        "state_line_zero_equity",
        "tj-pipe-pc",
        "tj-sasac-pc",
        None,
        None,
    ) in rows
    assert (
        "tj-pharma",
        "location",
        "registered_outside_line",
        "tj-pharma-pc",
        "tj-street-unnamed",
        "tj-transfer-pharma-retained",
        "retained",
    ) in rows
    assert rows == CASES_MISMATCHES
    assert answer["total"] == len(CASES_MISMATCHES)


def test_retained_transfers(served: Served) -> None:
    transfers = next(r for r in SERVED if r.query == "transfers")
    answer = get_json(served, transfers, {"status": "retained"})
    assert [
        (i["id"], i["org"], i["status"], i["from"], i["decided_to"]) for i in answer["items"]
    ] == [("tj-transfer-pharma-retained", "tj-pharma-pc", "retained", "tj-sasac-pc", "tj-sasac-pc")]
    assert answer["total"] == 1


def test_search_siemens(served: Served, cases_dir: Path) -> None:
    search = next(r for r in SERVED if r.query == "search")
    answer = get_json(served, search, {"q": "Siemens", "limit": str(MAX_LIMIT)})
    expected = expected_search(case_records(cases_dir), "Siemens")
    assert {i["id"] for i in answer["items"]} == expected
    assert answer["total"] == len(expected) == 12
    assert answer["items"][0]["id"] == "bj-siemens-china"
    assert answer["items"][0]["matched"] == "name"


def test_conflicts_and_superiors_on_the_pathology_graph(served: Served) -> None:
    conflicts = next(r for r in SERVED if r.query == "conflicts")
    answer = get_json(served, conflicts, {"as_of": "2025-01-01"})
    assert [(i["id"], i["type"], i["superiors"], i["cycle"]) for i in answer["items"]] == [
        ("c1", "cycle", [], ["c1", "c2"]),
        ("b-two", "multiple_superiors", ["root", "street"], []),
    ]
    assert answer["by_type"] == {"cycle": 1, "multiple_superiors": 1}
    superiors = next(r for r in SERVED if r.query == "superiors")
    answer = get_json(served, superiors, {"id": "b-two", "as_of": "2025-01-01"})
    assert [(i["id"], i["relation"], i["line_kind"]) for i in answer["items"]] == [
        ("root", "affiliation", "direct"),
        ("street", "affiliation", "territorial"),
    ]
    assert (answer["total"], answer["distinct"]) == (2, 2)


# -- pages --------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", PAGED)
def test_page_edges(served: Served, route: QueryRoute) -> None:
    values = EXAMPLES[route.query][0]
    everything = get_json(served, route, {**values, "limit": str(MAX_LIMIT)})
    total = everything["total"]
    assert total <= MAX_LIMIT
    assert len(everything["items"]) == total
    assert (everything["limit"], everything["offset"]) == (MAX_LIMIT, 0)

    none = get_json(served, route, {**values, "limit": "0"})
    assert (none["items"], none["total"], none["limit"]) == ([], total, 0)

    past = get_json(served, route, {**values, "offset": str(total + 5)})
    assert (past["items"], past["total"], past["offset"]) == ([], total, total + 5)

    middle = get_json(served, route, {**values, "limit": "2", "offset": "1"})
    assert middle["items"] == everything["items"][1:3]
    assert middle["total"] == total

    path, params = target(route, values)
    bad_parameter(
        served.client.get(path, params={**params, "limit": str(MAX_LIMIT + 1)}),
        "limit",
        str(MAX_LIMIT + 1),
    )
    bad_parameter(served.client.get(path, params={**params, "offset": "-1"}), "offset", "-1")
    bad_parameter(served.client.get(path, params={**params, "limit": "-1"}), "limit", "-1")
    bad_parameter(served.client.get(path, params={**params, "limit": "abc"}), "limit", "abc")


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", BY_ID)
def test_unknown_id_is_404(served: Served, route: QueryRoute) -> None:
    values = {**EXAMPLES[route.query][0], "id": "no-such-node"}
    path, params = target(route, values)
    error = envelope(served.client.get(path, params=params), 404, "not_found")
    assert "'no-such-node'" in error["message"]


@pytest.mark.parametrize(
    "path", ["/api/nope", "/api/orgs/root/nope", "/api/nodes/", "/api/analysis"]
)
def test_unknown_route_is_404(served: Served, path: str) -> None:
    envelope(served.client.get(path), 404, "not_found")


@pytest.mark.parametrize(("route", "name"), DATES)
@pytest.mark.parametrize(
    "day",
    [
        "2022-13-01",
        "1656633600",
        "0.0",
        "2022-02-30",
        "2022-7-5",
        "2022-07-05T00:00:00",
        "yesterday",
        "",
    ],
)
def test_bad_date_is_422_naming_it(served: Served, route: QueryRoute, name: str, day: str) -> None:
    path, params = target(route, {**EXAMPLES[route.query][0], name: day})
    bad_parameter(served.client.get(path, params=params), name, day)


@pytest.mark.parametrize(("route", "name"), ENUMS)
def test_unknown_enum_value_is_422_naming_it(served: Served, route: QueryRoute, name: str) -> None:
    path, params = target(route, {**EXAMPLES[route.query][0], name: "no-such-value"})
    bad_parameter(served.client.get(path, params=params), name, "no-such-value")


@pytest.mark.parametrize("route", [pytest.param(r, id=r.query) for r in SERVED])
def test_unknown_format_is_422(served: Served, route: QueryRoute) -> None:
    path, params = target(route, EXAMPLES[route.query][0])
    bad_parameter(served.client.get(path, params={**params, "format": "xml"}), "format", "xml")


def test_missing_and_empty_required_parameter(served: Served) -> None:
    error = envelope(served.client.get("/api/search"), 422, "invalid_parameter")
    assert [d["parameter"] for d in error["details"]] == ["q"]
    bad_parameter(served.client.get("/api/search", params={"q": ""}), "q", "")


def test_chain_of_an_enterprise_is_422(served: Served) -> None:
    error = envelope(
        served.client.get("/api/orgs/tj-pipe/chain", params={"as_of": "2023-06-01"}),
        422,
        "invalid_request",
    )
    assert "'tj-pipe' is not a PartyOrg but a node of label Enterprise" in error["message"]


@pytest.mark.parametrize("route", [pytest.param(r, id=r.query) for r in SERVED])
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_wrong_method_is_405(served: Served, route: QueryRoute, method: str) -> None:
    path, _ = target(route, EXAMPLES[route.query][0])
    response = served.client.request(method, path)
    envelope(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET"


# -- the catalogue and the docs -----------------------------------------------------------------


def test_catalogue_lists_every_query(served: Served) -> None:
    body = served.client.get("/api/queries").json()
    paths = {r.query: "/api" + r.path for r in ROUTES}
    assert body["total"] == len(QUERIES)
    assert [item["name"] for item in body["items"]] == list(QUERIES)
    for item in body["items"]:
        entry = describe(QUERIES[item["name"]])
        assert item == {**entry, "path": paths[item["name"]]}
        assert {p["name"] for p in item["parameters"]} == set(
            QUERIES[item["name"]].params.model_fields
        )
        assert item["cypher"]
        one = served.client.get(f"/api/queries/{item['name']}")
        assert one.status_code == 200
        assert one.json() == item


def test_catalogue_of_an_unknown_query_is_404(served: Served) -> None:
    error = envelope(served.client.get("/api/queries/no-such-query"), 404, "not_found")
    assert "'no-such-query'" in error["message"]


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = spec["$ref"]
    assert ref.startswith("#/components/schemas/")
    resolved: dict[str, Any] = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return resolved


def test_openapi_describes_every_route(served: Served) -> None:
    schema = served.client.get("/openapi.json").json()
    for route in SERVED:
        query = QUERIES[route.query]
        operation = schema["paths"]["/api" + route.path]["get"]
        assert set(schema["paths"]["/api" + route.path]) == {"get"}
        assert operation["summary"] == query.title
        assert operation["description"] == query.description
        in_path = set(re.findall(r"{(\w+)}", route.path))
        parameters = {p["name"]: p for p in operation["parameters"]}
        assert set(parameters) == {*query.params.model_fields, "format"}, route.query
        for name, parameter in parameters.items():
            assert parameter["in"] == ("path" if name in in_path else "query"), name
            assert parameter.get("description"), f"{route.query}: {name} has no description"
            assert parameter["description"] != name, f"{route.query}: {name} undescribed"
            field = query.params.model_fields.get(name)
            required = name in in_path or (field is not None and field.is_required())
            assert parameter.get("required", False) == required, f"{route.query}: {name}"
            if field is not None and field.description:
                assert parameter["description"] == field.description
        answer = operation["responses"]["200"]["content"]
        assert set(answer) == {"application/json", "text/csv", XLSX_MEDIA_TYPE}
        json_schema = answer["application/json"]["schema"]
        models: list[type[BaseModel]] = [
            query.result,
            *([GraphAnswer] if route.query in GRAPH_VIEWS else []),
        ]
        branches = json_schema["anyOf"] if len(models) > 1 else [json_schema]
        assert [set(_resolve(branch, schema)["properties"]) for branch in branches] == [
            set(m.model_json_schema(mode="serialization")["properties"]) for m in models
        ]
        formats = ["json", "csv", "xlsx", *(["graph"] if route.query in GRAPH_VIEWS else [])]
        assert parameters["format"]["schema"]["anyOf"][0]["enum"] == formats
        for status in ("404", "422"):
            error = operation["responses"][status]["content"]["application/json"]["schema"]
            assert set(_resolve(error, schema)["properties"]) == {"error"}
    assert {"/api/queries", "/api/queries/{name}", "/api/health", "/api/load"} <= set(
        schema["paths"]
    )


def test_docs_page(served: Served) -> None:
    response = served.client.get("/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()
    assert "/openapi.json" in response.text
