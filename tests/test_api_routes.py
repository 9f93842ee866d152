"""The HTTP routes of the named queries, on both stores, through the app's own lifespan.

Every named query is served at the route its declaration names: its JSON answer equals the
query run directly, its CSV form has the answer's rows, its pages have their edges, and
every error is a 4xx in the one envelope. The data is the contract data: the public cases
plus the hand-built pathology graph. The answers are checked on both stores; what FastAPI and
our parameter checks do whatever the store (405s, bad dates and values, unknown formats), on
the embedded store only.

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
from app.formats import columns_of, item_columns, rows_of
from app.main import create_app
from app.settings import Settings
from graph_schema.declaration import NODE_LABELS, REL_TYPES, TRANSFER_STATUSES_ZH
from loaders.load import load_paths
from queries.base import MAX_LIMIT, NamedQuery
from queries.catalog import QUERIES, describe
from queries.graphview import GraphAnswer
from stores.base import GraphStore
from stores.embedded import EmbeddedStore
from stores.neo4j import Neo4jStore
from tests.conftest import BoltTarget
from tests.query_graphs import load_pathologies
from tests.test_queries_browse import case_records, expected_search
from tests.test_queries_contract import ORPHANS_2025
from tests.test_queries_mismatch_coverage import CASES_MISMATCHES

Query = NamedQuery[Any, Any]

#: Every named query: each is served at the route its declaration names.
SERVED: list[Query] = list(QUERIES.values())

#: Parameters to ask each query with (path and query string together): its declared
#: examples, then a few more on the pathology graph. The first of a list query is the one
#: its pages are tested on.
EXAMPLES: dict[str, list[dict[str, str]]] = {
    q.name: [dict(example) for example in q.examples] for q in SERVED
}
for name, more in {
    "node": [{"id": "b-ended", "as_of": "2025-01-01"}],
    "superiors": [{"id": "b-two", "as_of": "2025-01-01"}],
    "chain": [{"id": "c1", "as_of": "2025-01-01"}],
    "subtree": [{"id": "root", "as_of": "2025-01-01"}],
    "history": [{"id": "b-none"}],
}.items():
    EXAMPLES[name] += more

CASES = [
    pytest.param(q, i, id=f"{q.name}-{i}") for q in SERVED for i in range(len(EXAMPLES[q.name]))
]
PAGED = [pytest.param(q, id=q.name) for q in SERVED if "limit" in q.params.model_fields]
BY_ID = [pytest.param(q, id=q.name) for q in SERVED if "{id}" in q.route.path]
GRAPHS = [case for case in CASES if case.values[0].graph is not None]  # type: ignore[union-attr]
#: For what FastAPI and the parameter checks do whatever the store: the embedded store only.
ONE_STORE = pytest.mark.parametrize("served", ["embedded"], indirect=True)


def _params_with(test: Callable[[dict[str, Any]], bool]) -> list[Any]:
    """(query, parameter) for every parameter whose JSON Schema (or a branch of its anyOf)
    passes ``test``."""
    found = []
    for q in SERVED:
        schema = q.params.model_json_schema()
        for name, spec in schema["properties"].items():
            if test(spec) or any(test(s) for s in spec.get("anyOf", [])):
                found.append(pytest.param(q, name, id=f"{q.name}-{name}"))
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


def target(query: Query, values: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The URL path (path parameters filled in) and the query string of a request."""
    in_path = set(re.findall(r"{(\w+)}", query.route.path))
    path = query.path
    for name in in_path:
        path = path.replace(f"{{{name}}}", quote(values[name], safe=""))
    return path, {k: v for k, v in values.items() if k not in in_path}


def direct(served: Served, query: Query, values: dict[str, str]) -> dict[str, Any]:
    """The query's answer run on the store directly, as JSON."""
    params = query.params.model_validate(values)
    answer: dict[str, Any] = query.run(served.store, params).model_dump(mode="json")
    return answer


def get_json(served: Served, query: Query, values: dict[str, str]) -> dict[str, Any]:
    path, params = target(query, values)
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


@ONE_STORE
def test_served_routes_are_the_declared_ones(served: Served) -> None:
    paths = served.client.get("/openapi.json").json()["paths"]
    by_endpoint = {
        op["operationId"].split("_api_")[0].removeprefix("query_"): path
        for path, item in paths.items()
        for op in item.values()
        if op["operationId"].startswith("query_")
    }
    assert by_endpoint == {q.name: q.path for q in SERVED}


# -- every route answers what the query answers -------------------------------------------------


@pytest.mark.parametrize(("route", "example"), CASES)
def test_json_is_the_query_answer(served: Served, route: Query, example: int) -> None:
    values = EXAMPLES[route.name][example]
    assert get_json(served, route, values) == direct(served, route, values)


@pytest.mark.parametrize(("route", "example"), CASES)
def test_csv_has_the_answer_rows(served: Served, route: Query, example: int) -> None:
    values = EXAMPLES[route.name][example]
    path, params = target(route, values)
    by_param = served.client.get(path, params={**params, "format": "csv"})
    by_accept = served.client.get(path, params=params, headers={"Accept": "text/csv"})
    for response in (by_param, by_accept):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert by_param.text == by_accept.text
    answer = get_json(served, route, values)
    rows = parse_csv(by_param.text)
    query = route
    expected_rows = rows_of(query.result.model_validate(answer))
    header = columns_of(expected_rows) if expected_rows else item_columns(query.result)
    assert rows[0] == header
    assert len(rows) - 1 == row_count(answer) == len(expected_rows)
    for line, row in zip(rows[1:], expected_rows, strict=True):
        assert line[:1] == ["" if row.get(header[0]) is None else str(row[header[0]])]


@pytest.mark.parametrize(
    ("route", "example"),
    GRAPHS,
)
def test_graph_format_is_the_graph_view(served: Served, route: Query, example: int) -> None:
    values = EXAMPLES[route.name][example]
    answer = get_json(served, route, {**values, "format": "graph"})
    assert route.graph is not None
    result = route.run(served.store, route.params.model_validate(values))
    assert answer == route.graph(result).model_dump(mode="json")
    ids = {node["id"] for node in answer["nodes"]}
    assert answer["id"] in ids
    assert {e["source"] for e in answer["edges"]} | {e["target"] for e in answer["edges"]} <= ids


@ONE_STORE
@pytest.mark.parametrize("route", [pytest.param(r, id=r.name) for r in SERVED if r.graph is None])
def test_graph_format_only_where_there_is_a_graph(served: Served, route: Query) -> None:
    path, params = target(route, EXAMPLES[route.name][0])
    bad_parameter(served.client.get(path, params={**params, "format": "graph"}), "format", "graph")


@ONE_STORE
def test_csv_negotiation(served: Served) -> None:
    search = QUERIES["search"]
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
def test_csv_of_an_empty_list_has_a_header(served: Served, route: Query) -> None:
    path, params = target(route, EXAMPLES[route.name][0])
    response = served.client.get(path, params={**params, "offset": "1000000", "format": "csv"})
    assert response.status_code == 200, response.text
    assert parse_csv(response.text) == [item_columns(route.result)]


@ONE_STORE
def test_csv_of_an_empty_history_has_a_header(served: Served) -> None:
    response = served.client.get("/api/orgs/b-none/history", params={"format": "csv"})
    assert response.status_code == 200, response.text
    header = parse_csv(response.text)
    assert len(header) == 1
    assert header[0][:3] == ["event", "date", "id"]


# -- known answers ------------------------------------------------------------------------------


def test_chain_before_and_after_the_transfer(served: Served) -> None:
    chain = QUERIES["chain"]
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
    orphans = QUERIES["orphans"]
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
    mismatches = QUERIES["mismatches"]
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
    transfers = QUERIES["transfers"]
    answer = get_json(served, transfers, {"status": "retained"})
    assert [
        (i["id"], i["org"], i["status"], i["from"], i["decided_to"]) for i in answer["items"]
    ] == [("tj-transfer-pharma-retained", "tj-pharma-pc", "retained", "tj-sasac-pc", "tj-sasac-pc")]
    assert answer["total"] == 1


def test_search_siemens(served: Served, cases_dir: Path) -> None:
    search = QUERIES["search"]
    answer = get_json(served, search, {"q": "Siemens", "limit": str(MAX_LIMIT)})
    expected = expected_search(case_records(cases_dir), "Siemens")
    assert {i["id"] for i in answer["items"]} == expected
    assert answer["total"] == len(expected) == 12
    assert answer["items"][0]["id"] == "bj-siemens-china"
    assert answer["items"][0]["matched"] == "name"


def test_conflicts_and_superiors_on_the_pathology_graph(served: Served) -> None:
    conflicts = QUERIES["conflicts"]
    answer = get_json(served, conflicts, {"as_of": "2025-01-01"})
    assert [(i["id"], i["type"], i["superiors"], i["cycle"]) for i in answer["items"]] == [
        ("c1", "cycle", [], ["c1", "c2"]),
        ("b-two", "multiple_superiors", ["root", "street"], []),
    ]
    assert answer["by_type"] == {"cycle": 1, "multiple_superiors": 1}
    superiors = QUERIES["superiors"]
    answer = get_json(served, superiors, {"id": "b-two", "as_of": "2025-01-01"})
    assert [(i["id"], i["relation"], i["line_kind"]) for i in answer["items"]] == [
        ("root", "affiliation", "direct"),
        ("street", "affiliation", "territorial"),
    ]
    assert (answer["total"], answer["distinct"]) == (2, 2)


# -- pages --------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", PAGED)
def test_page_edges(served: Served, route: Query) -> None:
    values = EXAMPLES[route.name][0]
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
def test_unknown_id_is_404(served: Served, route: Query) -> None:
    values = {**EXAMPLES[route.name][0], "id": "no-such-node"}
    path, params = target(route, values)
    error = envelope(served.client.get(path, params=params), 404, "not_found")
    assert "'no-such-node'" in error["message"]


@ONE_STORE
@pytest.mark.parametrize(
    "path", ["/api/nope", "/api/orgs/root/nope", "/api/nodes/", "/api/analysis"]
)
def test_unknown_route_is_404(served: Served, path: str) -> None:
    envelope(served.client.get(path), 404, "not_found")


@ONE_STORE
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
def test_bad_date_is_422_naming_it(served: Served, route: Query, name: str, day: str) -> None:
    path, params = target(route, {**EXAMPLES[route.name][0], name: day})
    bad_parameter(served.client.get(path, params=params), name, day)


@ONE_STORE
@pytest.mark.parametrize(("route", "name"), ENUMS)
def test_unknown_enum_value_is_422_naming_it(served: Served, route: Query, name: str) -> None:
    path, params = target(route, {**EXAMPLES[route.name][0], name: "no-such-value"})
    bad_parameter(served.client.get(path, params=params), name, "no-such-value")


@ONE_STORE
@pytest.mark.parametrize("route", [pytest.param(r, id=r.name) for r in SERVED])
def test_unknown_format_is_422(served: Served, route: Query) -> None:
    path, params = target(route, EXAMPLES[route.name][0])
    bad_parameter(served.client.get(path, params={**params, "format": "xml"}), "format", "xml")


@ONE_STORE
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


@ONE_STORE
@pytest.mark.parametrize("route", [pytest.param(r, id=r.name) for r in SERVED])
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_wrong_method_is_405(served: Served, route: Query, method: str) -> None:
    path, _ = target(route, EXAMPLES[route.name][0])
    response = served.client.request(method, path)
    envelope(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET"


# -- the catalogue and the docs -----------------------------------------------------------------


@ONE_STORE
def test_catalogue_lists_every_query(served: Served) -> None:
    body = served.client.get("/api/queries").json()
    assert body["total"] == len(QUERIES)
    assert [item["name"] for item in body["items"]] == list(QUERIES)
    for item in body["items"]:
        assert item == describe(QUERIES[item["name"]])
        assert item["path"] == QUERIES[item["name"]].path
        fields = QUERIES[item["name"]].params.model_fields
        # by the names the API takes (diff's from_ is "from")
        assert {p["name"] for p in item["parameters"]} == {
            f.alias or name for name, f in fields.items()
        }
        assert item["cypher"]
        one = served.client.get(f"/api/queries/{item['name']}")
        assert one.status_code == 200
        assert one.json() == item


@ONE_STORE
def test_catalogue_of_an_unknown_query_is_404(served: Served) -> None:
    error = envelope(served.client.get("/api/queries/no-such-query"), 404, "not_found")
    assert "'no-such-query'" in error["message"]


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = spec["$ref"]
    assert ref.startswith("#/components/schemas/")
    resolved: dict[str, Any] = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return resolved


@ONE_STORE
def test_openapi_describes_every_route(served: Served) -> None:
    schema = served.client.get("/openapi.json").json()
    for query in SERVED:
        operation = schema["paths"][query.path]["get"]
        assert set(schema["paths"][query.path]) == {"get"}
        assert operation["summary"] == query.title
        assert operation["description"] == query.description
        assert operation["tags"] == [query.route.tag]
        in_path = set(re.findall(r"{(\w+)}", query.route.path))
        parameters = {p["name"]: p for p in operation["parameters"]}
        # by the names the API takes (diff's from_ is "from")
        fields = {f.alias or n: f for n, f in query.params.model_fields.items()}
        assert set(parameters) == {*fields, "format", "as_recorded"}, query.name
        for name, parameter in parameters.items():
            assert parameter["in"] == ("path" if name in in_path else "query"), name
            assert parameter.get("description"), f"{query.name}: {name} has no description"
            assert parameter["description"] != name, f"{query.name}: {name} undescribed"
            field = fields.get(name)
            required = name in in_path or (field is not None and field.is_required())
            assert parameter.get("required", False) == required, f"{query.name}: {name}"
            if field is not None and field.description:
                assert parameter["description"] == field.description
        answer = operation["responses"]["200"]["content"]
        assert set(answer) == {"application/json", "text/csv", XLSX_MEDIA_TYPE}
        json_schema = answer["application/json"]["schema"]
        models: list[type[BaseModel]] = [
            query.result,
            *([GraphAnswer] if query.graph else []),
        ]
        branches = json_schema["anyOf"] if len(models) > 1 else [json_schema]
        assert [set(_resolve(branch, schema)["properties"]) for branch in branches] == [
            set(m.model_json_schema(mode="serialization")["properties"]) for m in models
        ]
        formats = ["json", "csv", "xlsx", *(["graph"] if query.graph else [])]
        assert parameters["format"]["schema"]["anyOf"][0]["enum"] == formats
        for status in ("404", "422"):
            error = operation["responses"][status]["content"]["application/json"]["schema"]
            assert set(_resolve(error, schema)["properties"]) == {"error"}
    assert {"/api/queries", "/api/queries/{name}", "/api/health", "/api/load"} <= set(
        schema["paths"]
    )


@ONE_STORE
def test_docs_page(served: Served) -> None:
    response = served.client.get("/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()
    assert "/openapi.json" in response.text


@ONE_STORE
def test_labels_are_the_schema_words(served: Served) -> None:
    body = served.client.get("/api/labels").json()
    assert set(body["labels"]) == set(NODE_LABELS)
    assert body["labels"]["PartyOrg"]["zh"] == NODE_LABELS["PartyOrg"].zh == "党组织"
    for label, declared in NODE_LABELS.items():
        assert set(body["kinds"][label]) == set(declared.kinds)
        for kind, term in body["kinds"][label].items():
            assert term["zh"] == declared.kinds_zh[kind][0]
            assert term["description"] == declared.kinds[kind]
    assert set(body["relationships"]) == set(REL_TYPES)
    assert body["transfer_statuses"]["transferred"]["zh"] == TRANSFER_STATUSES_ZH["transferred"][0]
