"""``/api/duplicates`` on both stores: the candidate pairs with their evidence, paged and as
CSV; judgements recorded (token required), not proposed again, shown when asked, replaced
and withdrawn with their history kept."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from stores.base import GraphStore
from tests.test_api_load import AUTH, client_for, make_settings  # noqa: F401 (fixtures)
from tests.test_dedupe_names import NODES

Start = Callable[..., TestClient]


@pytest.fixture
def client(store: GraphStore, client_for: Start) -> TestClient:  # noqa: F811
    """An app over a store holding the fixture of known duplicates."""
    with store.writer() as w:
        w.upsert_nodes(NODES)
    return client_for()


def _pairs(answer: dict[str, object]) -> list[tuple[str, str]]:
    items = answer["items"]
    assert isinstance(items, list)
    return [(i["a"]["id"], i["b"]["id"]) for i in items]


def test_the_candidates_are_listed_with_their_evidence(client: TestClient) -> None:
    answer = client.get("/api/duplicates", params={"label": "Enterprise"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["total"], body["limit"], body["offset"]) == (2, 100, 0)
    assert _pairs(body) == [("e1", "e2"), ("u1", "u2")]
    uscc = body["items"][1]
    assert (uscc["rule"], uscc["score"], uscc["judgement"]) == ("uscc", 100.0, None)
    assert uscc["same"] == ["equal USCC 91120000MA05XXXX1X"]
    assert uscc["a"] == {
        "id": "u1",
        "label": "Enterprise",
        "kind": "private",
        "name": "示例商贸有限公司",
        "name_en": None,
        "aliases": [],
        "uscc": "91120000MA05XXXX1X",
    }
    page = client.get("/api/duplicates", params={"limit": 2, "offset": 1}).json()
    everything = client.get("/api/duplicates").json()
    assert everything["total"] == page["total"] == 15
    assert _pairs(page) == _pairs(everything)[1:3]


def test_the_list_downloads_as_csv_and_xlsx(client: TestClient) -> None:
    answer = client.get("/api/duplicates", params={"label": "Enterprise", "format": "csv"})
    assert answer.status_code == 200
    assert "duplicates-" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text.removeprefix("\ufeff"))))
    assert [(r["a.id"], r["b.id"], r["score"]) for r in rows] == [
        ("e1", "e2", "100.0"),
        ("u1", "u2", "100.0"),
    ]
    empty = client.get("/api/duplicates", params={"label": "Area", "format": "csv"})
    header = empty.text.removeprefix("\ufeff").splitlines()
    assert header[0].startswith("score,rule,a.id,a.label")  # an empty list keeps its header
    assert "judgement.verdict" in header[0]
    book = client.get(
        "/api/duplicates",
        headers={"Accept": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    )
    assert book.content[:2] == b"PK"


def test_parameters_are_strict(client: TestClient) -> None:
    assert client.get("/api/duplicates", params={"label": "Company"}).status_code == 422
    assert client.get("/api/duplicates", params={"min_score": 101}).status_code == 422
    unknown = client.get("/api/duplicates", params={"minscore": 90})
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"][0]["nearest"] == "min_score"


def test_judgements_need_the_token(client: TestClient) -> None:
    body = {"a": "e1", "b": "e2", "verdict": "same", "who": "ana"}
    assert client.post("/api/duplicates/judgements", json=body).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert client.post("/api/duplicates/judgements", json=body, headers=wrong).status_code == 401
    gone = client.delete("/api/duplicates/judgements", params={"a": "e1", "b": "e2", "who": "x"})
    assert gone.status_code == 401
    assert client.get("/api/duplicates", params={"judged": "yes"}).json()["total"] == 0


def test_a_judged_pair_is_shown_with_its_judgement_not_proposed_again(
    client: TestClient, store: GraphStore
) -> None:
    post = client.post(
        "/api/duplicates/judgements",
        json={"a": "e2", "b": "e1", "verdict": "same", "who": "ana", "note": "括号不同"},
        headers=AUTH,
    )
    assert post.status_code == 201, post.text
    made = post.json()
    assert (made["a"], made["b"], made["verdict"], made["who"], made["note"]) == (
        "e1",
        "e2",
        "same",
        "ana",
        "括号不同",
    )
    left = client.get("/api/duplicates", params={"label": "Enterprise"}).json()
    assert _pairs(left) == [("u1", "u2")]
    judged = client.get("/api/duplicates", params={"judged": "yes"}).json()
    assert _pairs(judged) == [("e1", "e2")]
    assert judged["items"][0]["judgement"] == made
    assert judged["items"][0]["score"] == 100.0  # the evidence, worked out again
    again = client.post(
        "/api/duplicates/judgements",
        json={"a": "e1", "b": "e2", "verdict": "different", "who": "bo"},
        headers=AUTH,
    ).json()
    both = client.get("/api/duplicates", params={"judged": "all", "label": "Enterprise"}).json()
    assert _pairs(both) == [("u1", "u2"), ("e1", "e2")]
    assert both["items"][1]["judgement"]["verdict"] == "different"
    history = list(store.iter_judgements(pair=("e1", "e2")))
    assert [(j.verdict, j.ended) for j in history] == [("same", "superseded"), ("different", None)]
    undo = client.delete(
        "/api/duplicates/judgements", params={"a": "e2", "b": "e1", "who": "bo"}, headers=AUTH
    )
    assert undo.status_code == 200
    assert (undo.json()["id"], undo.json()["ended"]) == (again["id"], "withdrawn")
    assert _pairs(client.get("/api/duplicates", params={"label": "Enterprise"}).json()) == [
        ("e1", "e2"),
        ("u1", "u2"),
    ]
    nothing = client.delete(
        "/api/duplicates/judgements", params={"a": "e1", "b": "e2", "who": "bo"}, headers=AUTH
    )
    assert nothing.status_code == 404
    assert "no standing judgement" in nothing.json()["error"]["message"]


def test_a_judgement_is_refused_with_the_reason(client: TestClient) -> None:
    def post(**body: str) -> dict[str, object]:
        answer = client.post("/api/duplicates/judgements", json=body, headers=AUTH)
        return {"status": answer.status_code, **answer.json()["error"]}

    unknown = post(a="e1", b="nope", verdict="same", who="ana")
    assert (unknown["status"], "'nope'" in str(unknown["message"])) == (404, True)
    assert post(a="e1", b="e1", verdict="same", who="ana")["status"] == 422
    bad = post(a="e1", b="e2", verdict="maybe", who="ana")
    assert bad["status"] == 422
    assert "same|different|unsure" in str(bad)
    assert post(a="e1", b="e2", verdict="same")["status"] == 422  # who is required


def test_a_load_reports_possible_duplicates(client: TestClient) -> None:
    record = {"record": "node", "id": "t9", "label": "PartyOrg", "kind": "committee"}
    line = json.dumps({**record, "name": "中共天津市國資委委員會"}, ensure_ascii=False)
    answer = client.post("/api/load", files=[("files", ("new.jsonl", line.encode()))], headers=AUTH)
    assert answer.status_code == 200, answer.text
    found = answer.json()["possible_duplicates"]
    assert sorted(p["a"] for p in found if p["b"] == "t9") == ["t1", "t2", "t3", "t4", "t5"]
    assert all(p["rule"] == "name" for p in found)
