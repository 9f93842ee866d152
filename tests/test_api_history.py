"""Record time over HTTP, on both stores: named tokens in the load log, the log and what a load
changed, a node's and a line's versions, ``as_recorded`` on the named queries and the export,
revert (refused, forced, reverted again) and tags.

Each test gets a fresh store of each kind and an app over it with two named tokens and the
plain ``AFFGRAPH_API_TOKEN``; load A makes a branch, a committee and the line between them,
load B renames the branch and adds a second one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from stores.base import GraphStore
from tests.conftest import BoltTarget

ALICE, BOB, PLAIN = "tok-alice-5c2e91", "tok-bob-8d04aa", "tok-plain-17f3b6"
NAMED = f"alice:{ALICE}, bob:{BOB}"
LINE = "AFFILIATED_TO|branch|committee|territorial|2010-01-01"

NODE_A = {"record": "node", "id": "branch", "label": "PartyOrg", "kind": "branch", "name": "A"}
COMMITTEE = {
    "record": "node",
    "id": "committee",
    "label": "PartyOrg",
    "kind": "committee",
    "name": "Committee",
}
EDGE = {
    "record": "edge",
    "type": "AFFILIATED_TO",
    "from": "branch",
    "to": "committee",
    "kind": "territorial",
    "valid_from": "2010-01-01",
}
LOAD_A = [NODE_A, COMMITTEE, EDGE]
LOAD_B = [
    {**NODE_A, "name": "A renamed"},
    {**NODE_A, "id": "branch-2", "name": "Second"},
    {**EDGE, "quote": "a quote added by B"},
]
#: answers compared before and after a revert (their `load` aside)
ASKED = [
    ("/api/nodes/branch", {"as_of": "2020-01-01"}),
    ("/api/stats", {"as_of": "2020-01-01"}),
    ("/api/orgs/committee/subtree", {"as_of": "2020-01-01"}),
    ("/api/search", {"q": "A"}),
]


def jsonl(records: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def start(
    store: GraphStore, store_kind: str, request: pytest.FixtureRequest
) -> Iterator[Callable[..., TestClient]]:
    """Start an app over this test's store with these token settings."""
    started: list[TestClient] = []

    def make(**tokens: Any) -> TestClient:
        tokens = {"api_token": PLAIN, "api_tokens": NAMED, **tokens}
        if store_kind == "embedded":
            settings = Settings(store=store.location, token_for_reads=False, **tokens)
        else:
            bolt: BoltTarget = request.getfixturevalue("bolt")
            settings = Settings(
                store=bolt.uri,
                neo4j_user=bolt.auth[0],
                neo4j_password=bolt.auth[1],
                neo4j_database=bolt.database,
                token_for_reads=False,
                **tokens,
            )
        client = TestClient(create_app(settings))
        client.__enter__()
        started.append(client)
        return client

    yield make
    for client in reversed(started):
        client.__exit__(None, None, None)


@pytest.fixture
def client(start: Callable[..., TestClient]) -> TestClient:
    return start()


def load(client: TestClient, records: list[dict[str, Any]], token: str, **form: str) -> Any:
    response = client.post(
        "/api/load",
        files=[("files", ("records.jsonl", jsonl(records)))],
        data=form,
        headers=auth(token),
    )
    assert response.status_code == 200, response.text
    return response.json()


def answers(client: TestClient, **params: str) -> list[dict[str, Any]]:
    """The ASKED answers without their `load`, and each one's `load` checked equal."""
    found, loads = [], set()
    for path, values in ASKED:
        response = client.get(path, params={**values, **params})
        assert response.status_code == 200, response.text
        body = response.json()
        loads.add(body.pop("load"))
        found.append(body)
    assert len(loads) == 1, loads
    return found


def exported(client: TestClient, **params: str) -> Any:
    response = client.get("/api/export", params={"format": "json", **params})
    assert response.status_code == 200, response.text
    return response.json()


def envelope(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    return error


@pytest.fixture
def loaded(client: TestClient) -> dict[str, Any]:
    """Load A by alice, then B by bob with a message: their answers and exports, each time."""
    first = load(client, LOAD_A, ALICE)
    after_a = {"answers": answers(client), "export": exported(client)}
    second = load(client, LOAD_B, BOB, message="Feng County roster 2019, p.1-12")
    after_b = {"answers": answers(client), "export": exported(client)}
    return {"a": first["load"], "b": second["load"], "after_a": after_a, "after_b": after_b}


# -- the log -----------------------------------------------------------------------------------


def test_each_write_is_logged_under_its_token_name(
    client: TestClient, loaded: dict[str, Any]
) -> None:
    a, b = loaded["a"], loaded["b"]
    assert b == a + 1
    third = load(client, [COMMITTEE], PLAIN)  # nothing changes: logged all the same
    assert third["load"] == b + 1
    page = client.get("/api/loads").json()
    assert (page["total"], page["last_load"]) == (3, b + 1)
    newest, second, first = page["items"]
    assert [e["number"] for e in page["items"]] == [b + 1, b, a]
    assert (newest["who"], newest["changed"]) == ("api", False)
    assert (second["who"], second["kind"]) == ("bob", "load")
    assert second["message"] == "Feng County roster 2019, p.1-12"
    assert second["counts"]["node"] == {"created": 1, "updated": 1}
    assert first["who"] == "alice"
    [file] = first["files"]
    assert file["name"] == "records.jsonl"  # as uploaded, not the server's folder for it
    assert file["size"] == len(jsonl(LOAD_A))
    assert len(file["sha256"]) == 64
    paged = client.get("/api/loads", params={"limit": 1, "offset": 1}).json()
    assert [e["number"] for e in paged["items"]] == [b]


def test_a_load_lists_the_records_it_changed(client: TestClient, loaded: dict[str, Any]) -> None:
    detail = client.get(f"/api/loads/{loaded['b']}").json()
    assert detail["entry"]["number"] == loaded["b"]
    changes = {(c["kind"], c["id"]): c for c in detail["changes"]}
    assert detail["total"] == len(changes) == 3
    renamed = changes["node", "branch"]
    assert renamed["change"] == "updated"
    assert (renamed["before"]["name"], renamed["after"]["name"]) == ("A", "A renamed")
    made = changes["node", "branch-2"]
    assert (made["change"], made["before"], made["after"]["name"]) == ("created", None, "Second")
    line = changes["edge", LINE]  # assembled from its evidence: B's quote is one more piece
    assert "a quote added by B" not in json.dumps(line["before"])
    assert "a quote added by B" in json.dumps(line["after"])
    page = client.get(f"/api/loads/{loaded['b']}", params={"limit": 1, "offset": 2}).json()
    assert (len(page["changes"]), page["total"]) == (1, 3)
    missing = envelope(client.get("/api/loads/99"), 404, "not_found")
    assert "no load 99" in missing["message"]
    assert "loads 1–2" in missing["message"]


def test_a_node_and_a_line_list_their_versions_newest_first(
    client: TestClient, loaded: dict[str, Any]
) -> None:
    node = client.get("/api/nodes/branch/revisions").json()
    assert (node["kind"], node["id"], node["total"]) == ("node", "branch", 2)
    latest, earlier = node["items"]
    assert (latest["written"], latest["replaced"], latest["current"]) == (loaded["b"], None, True)
    assert latest["record"]["name"] == "A renamed"
    assert latest["written_by"]["who"] == "bob"
    assert latest["written_by"]["message"] == "Feng County roster 2019, p.1-12"
    assert (earlier["written"], earlier["replaced"], earlier["current"]) == (
        loaded["a"],
        loaded["b"],
        False,
    )
    assert earlier["record"]["name"] == "A"
    line = client.get(f"/api/lines/{LINE}/revisions").json()
    assert [v["written"] for v in line["items"]] == [loaded["b"], loaded["a"]]
    assert "a quote added by B" not in json.dumps(line["items"][1]["record"])
    envelope(client.get("/api/nodes/nowhere/revisions"), 404, "not_found")
    envelope(client.get("/api/lines/AFFILIATED_TO|x|y||/revisions"), 404, "not_found")


# -- as recorded -------------------------------------------------------------------------------


def test_answers_cite_their_load_and_as_recorded_gives_them_again(
    client: TestClient, loaded: dict[str, Any]
) -> None:
    a, b = loaded["a"], loaded["b"]
    now = client.get("/api/nodes/branch").json()
    assert (now["load"], now["name"]) == (b, "A renamed")
    asked = client.get("/api/nodes/branch", params={"as_recorded": str(a)})
    then = asked.json()
    assert (then["load"], then["name"]) == (a, "A")
    assert asked.headers["x-affgraph-load"] == str(a)  # in the header of every answer too
    graph = client.get("/api/orgs/branch/chain", params={"format": "graph"})
    assert graph.headers["x-affgraph-load"] == str(b)
    before = client.get("/api/nodes/branch", params={"as_recorded": "2000-01-01T00:00:00Z"})
    assert "as_recorded" in envelope(before, 404, "not_found")["message"]  # before any load
    assert answers(client, as_recorded=str(a)) == loaded["after_a"]["answers"]
    assert answers(client, as_recorded="2999-01-01") == loaded["after_b"]["answers"]
    assert exported(client, as_recorded=str(a)) == loaded["after_a"]["export"]
    download = client.get("/api/export", params={"format": "json", "as_recorded": str(a)})
    assert download.headers["x-affgraph-load"] == str(a)
    assert f"affgraph-load-{a}.json" in download.headers["content-disposition"]
    table = client.get("/api/search", params={"q": "A", "format": "csv", "as_recorded": str(a)})
    assert table.headers["x-affgraph-load"] == str(a)
    assert f"-load-{a}.csv" in table.headers["content-disposition"]
    for ref in ("99", "no-such-tag", "not a time"):
        error = envelope(client.get("/api/stats", params={"as_recorded": ref}), 404, "not_found")
        assert ref in error["message"]
    error = envelope(client.get("/api/export", params={"as_recorded": "99"}), 404, "not_found")
    assert "loads 1–2" in error["message"]


def test_tags_name_loads_wherever_a_number_does(client: TestClient, loaded: dict[str, Any]) -> None:
    a = loaded["a"]
    made = client.post("/api/tags", json={"name": "paper-2027", "load": a}, headers=auth(ALICE))
    assert made.status_code == 201, made.text
    assert made.json() == {"name": "paper-2027", "load": a}
    assert client.get("/api/tags").json() == {
        "items": [{"name": "paper-2027", "load": a}],
        "total": 1,
    }
    cited = client.get("/api/nodes/branch", params={"as_recorded": "paper-2027"}).json()
    assert (cited["load"], cited["name"]) == (a, "A")
    latest = client.post("/api/tags", json={"name": "latest"}, headers=auth(BOB)).json()
    assert latest["load"] == loaded["b"]
    entry = client.get(f"/api/loads/{a}").json()["entry"]
    assert entry["tags"] == ["paper-2027"]
    again = {"name": "paper-2027", "load": loaded["b"]}
    envelope(client.post("/api/tags", json=again, headers=auth(ALICE)), 409, "conflict")
    bad = envelope(
        client.post("/api/tags", json={"name": "2027"}, headers=auth(ALICE)),
        422,
        "invalid_parameter",
    )
    assert "2027" in bad["message"]  # a number: it would read as a load
    envelope(
        client.post("/api/tags", json={"name": "later", "load": 99}, headers=auth(ALICE)),
        404,
        "not_found",
    )


# -- revert ------------------------------------------------------------------------------------


def test_revert_refused_forced_and_reverted_again(
    client: TestClient, loaded: dict[str, Any]
) -> None:
    a, b = loaded["a"], loaded["b"]
    refused = envelope(
        client.post(f"/api/loads/{a}/revert", headers=auth(ALICE)), 409, "revert_refused"
    )
    assert {"kind": "node", "id": "branch", "by_load": b} in refused["details"]["changed_again"]
    assert "node branch" in refused["message"]
    undone = client.post(
        f"/api/loads/{b}/revert", params={"message": "wrong file"}, headers=auth(BOB)
    )
    assert undone.status_code == 201, undone.text
    revert = undone.json()
    assert (revert["load"], revert["reverts"], revert["forced"]) == (b + 1, b, [])
    assert answers(client) == loaded["after_a"]["answers"]
    assert exported(client) == loaded["after_a"]["export"]
    log = {e["number"]: e for e in client.get("/api/loads").json()["items"]}
    assert log[b]["reverted_by"] == b + 1
    assert (log[b + 1]["kind"], log[b + 1]["who"], log[b + 1]["message"]) == (
        "revert",
        "bob",
        "wrong file",
    )
    again = client.post(f"/api/loads/{b + 1}/revert", headers=auth(ALICE))
    assert again.status_code == 201, again.text
    assert answers(client) == loaded["after_b"]["answers"]
    assert exported(client) == loaded["after_b"]["export"]
    # load A, under B's changes: forced, it names what it reverted beyond its own
    forced = client.post(f"/api/loads/{a}/revert", params={"force": "true"}, headers=auth(ALICE))
    assert forced.status_code == 201, forced.text
    assert {"kind": "node", "id": "branch"} in forced.json()["forced"]
    assert client.get("/api/nodes/branch").status_code == 404
    envelope(client.post("/api/loads/99/revert", headers=auth(ALICE)), 404, "not_found")


# -- who may write -----------------------------------------------------------------------------


def test_history_writes_need_a_token(
    start: Callable[..., TestClient], loaded: dict[str, Any]
) -> None:
    client = start()
    for response in (
        client.post(f"/api/loads/{loaded['b']}/revert"),
        client.post(f"/api/loads/{loaded['b']}/revert", headers=auth("wrong")),
        client.post("/api/tags", json={"name": "x"}),
    ):
        envelope(response, 401, "unauthorized")
    closed = start(api_token=None, api_tokens=None)
    envelope(closed.post("/api/tags", json={"name": "x"}, headers=auth(ALICE)), 403, "forbidden")
    assert client.get("/api/tags").json()["total"] == 0  # nothing was written


@pytest.mark.parametrize(
    "tokens", [f"alice:{ALICE},alice:{BOB}", f"alice {ALICE}", f"alice:{ALICE},:", "a b:x"]
)
def test_malformed_named_tokens_stop_the_app_without_showing_them(tokens: str) -> None:
    with pytest.raises(ValueError, match="AFFGRAPH_API_TOKENS") as caught:
        create_app(Settings(store=":memory:", api_tokens=tokens))
    assert ALICE not in str(caught.value)
    assert BOB not in str(caught.value)
