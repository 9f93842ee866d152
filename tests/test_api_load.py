"""``POST /api/load`` on both stores: the token, the size limit, all or nothing, source tables.

Each test gets a fresh store of each kind (the ``store`` fixture) and an app over it built
from :class:`Settings` with the token and limits under test, run through its lifespan.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

import app.api.load as load_api
from app.main import create_app
from app.settings import Settings
from loaders.load import load_paths
from stores.base import GraphStore
from tests.conftest import BoltTarget
from tests.test_loaders_canonical import canonical_records, snapshot

TOKEN = "tok-7f3a9c41e2b8d6"  # distinctive, so that a leak into the log is found
WRONG = "wrong-5d1e8b2c9a"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "examples"

Upload = list[tuple[str, tuple[str, bytes]]]
MakeSettings = Callable[..., Settings]


@pytest.fixture
def make_settings(
    store: GraphStore, store_kind: str, request: pytest.FixtureRequest
) -> MakeSettings:
    """Settings for an app over this test's store; the token and limits are given
    explicitly (so that neither the environment nor a ``.env`` file can change them)."""

    def make(
        *,
        api_token: str | None = TOKEN,
        token_for_reads: bool = False,
        max_upload_mb: float = 100.0,
    ) -> Settings:
        limits: dict[str, Any] = {
            "api_token": api_token,
            "token_for_reads": token_for_reads,
            "max_upload_mb": max_upload_mb,
        }
        if store_kind == "embedded":
            return Settings(store=store.location, **limits)
        bolt: BoltTarget = request.getfixturevalue("bolt")
        return Settings(
            store=bolt.uri,
            neo4j_user=bolt.auth[0],
            neo4j_password=bolt.auth[1],
            neo4j_database=bolt.database,
            **limits,
        )

    return make


@pytest.fixture
def client_for(make_settings: MakeSettings) -> Iterator[Callable[..., TestClient]]:
    """Start an app with these settings (its lifespan runs; stopped after the test)."""
    started: list[TestClient] = []

    def start(**settings: Any) -> TestClient:
        client = TestClient(create_app(make_settings(**settings)))
        client.__enter__()
        started.append(client)
        return client

    yield start
    for client in reversed(started):
        client.__exit__(None, None, None)


@pytest.fixture
def untouched(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Fail if the upload reaches the route: saving files or loading them; and check that
    no upload folder was made."""

    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the refused upload reached the route")

    monkeypatch.setattr(load_api, "_save", never)
    monkeypatch.setattr(load_api, "load_paths", never)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    yield
    assert list(scratch.iterdir()) == []


def jsonl(*records: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)


def small_upload() -> Upload:
    """The canonical test dataset as one JSON Lines file (a source, nodes, edges, transfers)."""
    return [("files", ("small.jsonl", jsonl(*canonical_records())))]


def cases_upload(cases_dir: Path) -> Upload:
    return [
        ("files", (p.name, p.read_bytes()))
        for p in sorted(cases_dir.iterdir())
        if p.suffix in (".jsonl", ".csv")
    ]


def envelope(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code
    assert error["message"]
    return error


def unauthorized(response: httpx.Response) -> None:
    envelope(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


def upload_dir_of(tmp_path: Path) -> Path:
    folder = tmp_path / "uploads"
    folder.mkdir(exist_ok=True)
    return folder


# -- who may write ------------------------------------------------------------------------------


@pytest.mark.usefixtures("untouched")
def test_writes_are_disabled_without_a_token(
    store: GraphStore, client_for: Callable[..., TestClient]
) -> None:
    before = snapshot(store)
    client = client_for(api_token=None)
    for headers in ({}, AUTH, {"Authorization": "Bearer "}):
        error = envelope(
            client.post("/api/load", files=small_upload(), headers=headers), 403, "forbidden"
        )
        assert "AFFGRAPH_API_TOKEN" in error["message"]
    assert snapshot(store) == before


@pytest.mark.usefixtures("untouched")
def test_a_missing_or_wrong_token_is_401(
    store: GraphStore, client_for: Callable[..., TestClient]
) -> None:
    before = snapshot(store)
    client = client_for()
    for header in (
        None,
        f"Bearer {WRONG}",
        "Bearer",
        "Bearer ",
        TOKEN,
        f"Basic {TOKEN}",
        f"Token {TOKEN}",
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
        f"Bearer {TOKEN} {TOKEN}",
        f"Bearer {TOKEN.upper()}",
    ):
        headers = {} if header is None else {"Authorization": header}
        unauthorized(client.post("/api/load", files=small_upload(), headers=headers))
    assert snapshot(store) == before


def test_the_right_token_loads_and_a_second_upload_changes_nothing(
    store: GraphStore, client_for: Callable[..., TestClient], cases_dir: Path
) -> None:
    client = client_for()
    upload = cases_upload(cases_dir)
    first = client.post("/api/load", files=upload, headers=AUTH)
    assert first.status_code == 200, first.text
    counts = store.counts()
    answer = first.json()
    assert answer["files"] == [name for _, (name, _) in upload]
    assert (answer["updated"], answer["unchanged"], answer["placeholders"]) == (0, 0, [])
    assert answer["by_record"] == {
        "source": {"created": counts.sources},
        "node": {"created": counts.nodes},
        "edge": {"created": counts.edges},
        "transfer": {"created": counts.transfers},
    }
    assert answer["created"] == counts.sources + counts.nodes + counts.edges + counts.transfers
    assert counts.nodes > 100
    loaded = snapshot(store)

    second = client.post("/api/load", files=upload, headers=AUTH)
    assert second.status_code == 200, second.text
    again = second.json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, answer["created"])
    assert again["by_record"] == {
        kind: {"unchanged": c["created"]} for kind, c in answer["by_record"].items()
    }
    assert snapshot(store) == loaded

    health = client.get("/api/health").json()
    assert (health["nodes"], health["edges"]) == (counts.nodes, counts.edges)


def test_the_scheme_is_case_insensitive(
    store: GraphStore, client_for: Callable[..., TestClient]
) -> None:
    client = client_for()
    response = client.post(
        "/api/load", files=small_upload(), headers={"Authorization": f"bearer {TOKEN}"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] > 0


# -- all or nothing -----------------------------------------------------------------------------

BAD_JSONL = (
    b'{"record": "node", "id": "p1", "label": "PartyOrg", "kind": "branch", "name": "P1"}\n'
    b'{"record": "node", "id": "p2", "label": "PartyOrg", "kind": "nope", "name": "P2"}\n'
    b'{"record": "node", "id": "p3", "label": "PartyOrg", "kind": "branch", "name": "P3", '
    b'"members": "many"}\n'
    b'{"record": "node", "id": \n'
    b'{"record": "edge", "type": "AFFILIATED_TO", "from": "p1", "to": "no-such-org", '
    b'"kind": "territorial"}\n'
)
BAD_CSV = b"id,label,kind,name\nq1,PartyOrg,branch,Q1\nq2,Planet,branch,Q2\n"
GOOD_JSONL = jsonl(
    {"record": "node", "id": "g1", "label": "PartyOrg", "kind": "branch", "name": "G1"}
)


def test_an_invalid_upload_is_422_with_every_error_located(
    store: GraphStore, client_for: Callable[..., TestClient], tmp_path: Path
) -> None:
    base = tmp_path / "base.jsonl"
    base.write_bytes(jsonl(*canonical_records()))
    load_paths(store, [base])
    before = snapshot(store)
    client = client_for()
    response = client.post(
        "/api/load",
        headers=AUTH,
        files=[
            ("files", ("good.jsonl", GOOD_JSONL)),
            ("files", ("bad.jsonl", BAD_JSONL)),
            ("files", ("nodes-extra.csv", BAD_CSV)),
        ],
    )
    error = envelope(response, 422, "invalid_input")
    assert error["message"] == "5 errors in the upload; nothing was loaded"
    party_kinds = (
        "expected one of 'local_committee', 'committee', 'general_branch', "
        "'branch', 'joint_branch', 'temporary_branch', 'leading_group', "
        "'work_committee' or 'comprehensive_committee'"
    )
    assert error["details"] == [
        {"file": "bad.jsonl", "line": 2, "field": "kind", "value": "nope", "expected": party_kinds},
        {
            "file": "bad.jsonl",
            "line": 3,
            "field": "members",
            "value": "many",
            "expected": "expected a valid integer, unable to parse string as an integer",
        },
        {
            "file": "bad.jsonl",
            "line": 4,
            "field": "line",
            "value": '{"record": "node", "id":',
            "expected": "expected a JSON object (Expecting value at column 25)",
        },
        {
            "file": "bad.jsonl",
            "line": 5,
            "field": "to",
            "value": "no-such-org",
            "expected": "expected the id of a node in this load or in the store",
        },
        {
            "file": "nodes-extra.csv",
            "line": 3,
            "field": "label",
            "value": "Planet",
            "expected": "expected one of 'PartyOrg', 'Enterprise', 'Body', 'Area'",
        },
    ]
    assert snapshot(store) == before
    assert store.get_node("g1") is None


def test_a_file_that_is_not_loadable_is_an_error(
    store: GraphStore, client_for: Callable[..., TestClient]
) -> None:
    before = snapshot(store)
    client = client_for()
    response = client.post(
        "/api/load",
        headers=AUTH,
        files=[
            ("files", ("good.jsonl", GOOD_JSONL)),
            ("files", ("roster.xlsx", b"PK\x03\x04")),  # no workbook: a broken zip
            ("files", ("notes.docx", b"PK\x03\x04")),  # a type the loader does not read
        ],
    )
    error = envelope(response, 422, "invalid_input")
    assert [(d["file"], d["field"]) for d in error["details"]] == [
        ("notes.docx", "file"),
        ("roster.xlsx", "file"),
    ]
    assert ".jsonl, .csv or .xlsx" in error["details"][0]["expected"]
    assert "Excel workbook" in error["details"][1]["expected"]
    assert snapshot(store) == before


def test_files_need_distinct_names(
    store: GraphStore, client_for: Callable[..., TestClient]
) -> None:
    before = snapshot(store)
    client = client_for()
    twice = [("files", ("a.jsonl", GOOD_JSONL)), ("files", ("dir/a.jsonl", GOOD_JSONL))]
    error = envelope(client.post("/api/load", headers=AUTH, files=twice), 422, "invalid_parameter")
    assert "'a.jsonl'" in error["message"]
    error = envelope(
        client.post("/api/load", headers=AUTH, data={"as": "county"}), 422, "invalid_parameter"
    )
    assert [d["parameter"] for d in error["details"]] == ["files"]
    assert snapshot(store) == before


# -- size -------------------------------------------------------------------------------------


@pytest.mark.usefixtures("untouched")
def test_an_upload_over_the_limit_is_413_before_anything_is_written(
    store: GraphStore, client_for: Callable[..., TestClient], cases_dir: Path
) -> None:
    before = snapshot(store)
    client = client_for(max_upload_mb=0.001)  # 1,048 bytes
    error = envelope(
        client.post("/api/load", files=cases_upload(cases_dir), headers=AUTH), 413, "too_large"
    )
    assert "1,048" in error["message"]
    assert snapshot(store) == before


def test_an_upload_under_the_limit_is_taken(
    store: GraphStore, client_for: Callable[..., TestClient]
) -> None:
    client = client_for(max_upload_mb=0.001)
    response = client.post("/api/load", files=[("files", ("one.jsonl", GOOD_JSONL))], headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.json()["by_record"] == {"node": {"created": 1}}


@pytest.mark.usefixtures("untouched")
def test_an_upload_without_content_length_is_411(
    store: GraphStore, client_for: Callable[..., TestClient]
) -> None:
    before = snapshot(store)
    client = client_for()
    body = httpx.Request("POST", "http://testserver/api/load", files=small_upload())
    content_type = body.headers["content-type"]

    def chunks() -> Iterator[bytes]:
        yield body.read()

    request = client.build_request(
        "POST", "/api/load", content=chunks(), headers={**AUTH, "Content-Type": content_type}
    )
    assert "content-length" not in request.headers
    assert request.headers["transfer-encoding"] == "chunked"
    envelope(client.send(request), 411, "length_required")
    assert snapshot(store) == before


# -- source tables ----------------------------------------------------------------------------


def test_a_source_table_as_transfers(
    store: GraphStore, client_for: Callable[..., TestClient], cases_dir: Path
) -> None:
    load_paths(store, [cases_dir])
    table = (EXAMPLES / "example-transfers.csv").read_bytes()
    client = client_for()
    upload = [("files", ("tianjin-list.csv", table))]

    wrong = client.post("/api/load", files=upload, data={"as": "county"}, headers=AUTH)
    error = envelope(wrong, 422, "invalid_input")
    assert {(d["file"], d["line"]) for d in error["details"]} == {("tianjin-list.csv", 1)}
    assert {"field": "header", "value": "superior_before"} in [
        {k: d[k] for k in ("field", "value")} for d in error["details"]
    ]
    error = envelope(
        client.post("/api/load", files=upload, data={"as": "bogus"}, headers=AUTH),
        422,
        "invalid_parameter",
    )
    assert "'bogus'" in error["message"]
    assert "transfers" in error["message"]

    before = {t.id for t in store.iter_transfers()}
    response = client.post("/api/load", files=upload, data={"as": "transfers"}, headers=AUTH)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["files"] == ["tianjin-list.csv"]
    assert answer["by_record"]["transfer"] == {"created": 2, "unchanged": 2}
    assert (answer["created"], answer["updated"]) == (2, 0)
    assert {t.id for t in store.iter_transfers()} - before == {
        "tj-transfer-rcb-retained",
        "tj-transfer-pipe-retained",
    }
    retained = client.get("/api/transfers", params={"status": "retained"}).json()
    assert [i["id"] for i in retained["items"]] == [
        "tj-transfer-pharma-retained",
        "tj-transfer-pipe-retained",
        "tj-transfer-rcb-retained",
    ]

    again = client.post("/api/load", files=upload, headers=AUTH)  # recognised by its header
    assert again.status_code == 200, again.text
    assert (again.json()["created"], again.json()["updated"]) == (0, 0)


def test_unknown_references_with_and_without_allow_unresolved(
    store: GraphStore, client_for: Callable[..., TestClient], tmp_path: Path
) -> None:
    base = tmp_path / "base.jsonl"
    base.write_bytes(jsonl(*canonical_records()))
    load_paths(store, [base])
    client = client_for()
    line = jsonl(
        {
            "record": "edge",
            "type": "AFFILIATED_TO",
            "from": "tj-jv-pc",
            "to": "no-such-org",
            "kind": "territorial",
            "valid_from": "2010-01-01",  # before its other lines: one superior on each day
            "valid_to": "2015-01-01",
        }
    )
    upload = [("files", ("up.jsonl", line))]
    before = snapshot(store)
    error = envelope(client.post("/api/load", files=upload, headers=AUTH), 422, "invalid_input")
    assert [(d["file"], d["line"], d["field"], d["value"]) for d in error["details"]] == [
        ("up.jsonl", 1, "to", "no-such-org")
    ]
    assert snapshot(store) == before

    response = client.post(
        "/api/load", files=upload, data={"allow_unresolved": "true"}, headers=AUTH
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["placeholders"] == [
        {
            "id": "no-such-org",
            "label": "PartyOrg",
            "kind": "local_committee",
            "file": "up.jsonl",
            "line": 1,
            "field": "to",
        }
    ]
    # (the organization's other two lines are assembled with the new one, and stand as they were)
    assert answer["by_record"] == {"node": {"created": 1}, "edge": {"created": 1, "unchanged": 2}}
    placeholder = store.get_node("no-such-org")
    assert placeholder is not None
    assert placeholder.props.get("unresolved") is True


# -- reads --------------------------------------------------------------------------------------

READS = [
    "/api/stats",
    "/api/queries",
    "/api/queries/chain",
    "/api/search?q=x",
    "/api/orgs/tj-jv-pc/chain?as_of=2023-01-01",
    "/api/export?format=json",
]


def test_reads_need_the_token_when_configured(
    store: GraphStore, client_for: Callable[..., TestClient], tmp_path: Path
) -> None:
    base = tmp_path / "base.jsonl"
    base.write_bytes(jsonl(*canonical_records()))
    load_paths(store, [base])
    client = client_for(token_for_reads=True)
    for url in READS:
        unauthorized(client.get(url))
        unauthorized(client.get(url, headers={"Authorization": f"Bearer {WRONG}"}))
    for url in READS[:-1]:  # the export is another test's
        assert client.get(url, headers=AUTH).status_code == 200, url
    health = client.get("/api/health")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"

    open_reads = client_for()  # the token is set, but reads do not need it by default
    for url in READS[:-1]:
        assert open_reads.get(url).status_code == 200, url


def test_the_token_is_never_logged(
    store: GraphStore, client_for: Callable[..., TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings_client = client_for(token_for_reads=True)
    wrong = {"Authorization": f"Bearer {WRONG}"}
    for headers in (wrong, AUTH):
        settings_client.post("/api/load", files=small_upload(), headers=headers)
        settings_client.get("/api/stats", headers=headers)
        settings_client.get("/api/orgs/no-such-org/chain", headers=headers)
        settings_client.get("/api/stats?as_of=2022-13-01", headers=headers)
    assert caplog.records, "nothing was logged: the check proves nothing"
    assert TOKEN not in caplog.text
    assert WRONG not in caplog.text
    settings = settings_client.app.state.settings  # type: ignore[attr-defined]
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings.model_dump())


def test_upload_folders_left_by_killed_servers_are_swept(tmp_path: Path) -> None:
    gone = subprocess.Popen(["true"])  # a process that has exited: its pid is free
    gone.wait()
    dead = tmp_path / f"{load_api.UPLOAD_PREFIX}{gone.pid}-x1y2"
    alive = tmp_path / f"{load_api.UPLOAD_PREFIX}{os.getpid()}-a3b4"
    unrelated = tmp_path / f"{load_api.UPLOAD_PREFIX}notapid"
    for folder in (dead, alive, unrelated):
        folder.mkdir()
        (folder / "nodes.jsonl").write_text("{}\n")
    assert load_api.sweep_stale_uploads(tmp_path) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, unrelated.name])
