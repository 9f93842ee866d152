"""The candidate list is worked out once per state of the store, on both stores: every page
and filter of ``GET /api/duplicates`` reads it (``cached``), a load makes it again (in the
background on the server), a judgement keeps it (the judged filter applied afresh), a
write the cache did not see makes it again, concurrent requests wait for one computation;
and what it answers is what working the candidates out for the request would answer."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from functools import partial

import pytest
from fastapi.testclient import TestClient

from dedupe import cache as cache_module
from dedupe.cache import CANDIDATES, CandidateCache, judging
from dedupe.candidates import Blocks, Pairs, candidates, candidates_in
from dedupe.judgements import judge
from dedupe.listing import listing
from graph_schema.records import Node
from stores.base import GraphStore
from tests.test_api_load import AUTH, client_for, make_settings  # noqa: F401 (fixtures)
from tests.test_dedupe_names import NODES

Start = Callable[..., TestClient]


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """Each test starts with no list kept (the cache is the process's)."""
    CANDIDATES.clear()
    yield
    CANDIDATES.clear()


@pytest.fixture
def client(store: GraphStore, client_for: Start) -> TestClient:  # noqa: F811
    """An app over a store holding the fixture of known duplicates."""
    with store.writer() as w:
        w.upsert_nodes(NODES)
    return client_for()


def _get(client: TestClient, **params: object) -> dict[str, object]:
    answer = client.get("/api/duplicates", params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def _pairs(answer: dict[str, object]) -> list[tuple[str, str]]:
    items = answer["items"]
    assert isinstance(items, list)
    return [(i["a"]["id"], i["b"]["id"]) for i in items]


def test_every_page_and_filter_reads_one_list(client: TestClient) -> None:
    first = _get(client)
    assert (first["cached"], first["total"]) == (False, 15)
    assert isinstance(first["computed_at"], str)
    made = CANDIDATES.computations
    page = _get(client, limit=2, offset=1)
    enterprises = _get(client, label="Enterprise")
    higher = _get(client, min_score=95)
    assert [a["cached"] for a in (page, enterprises, higher)] == [True, True, True]
    assert {a["computed_at"] for a in (page, enterprises, higher)} == {first["computed_at"]}
    assert CANDIDATES.computations == made  # none worked out again
    assert _pairs(page) == _pairs(first)[1:3]
    assert _pairs(enterprises) == [("e1", "e2"), ("u1", "u2")]
    items = first["items"]
    assert isinstance(items, list)
    assert _pairs(higher) == [(i["a"]["id"], i["b"]["id"]) for i in items if i["score"] >= 95]
    download = client.get("/api/duplicates", params={"format": "csv"})
    assert download.headers["x-candidates-cached"] == "true"


def test_a_lower_floor_works_the_list_out_again(client: TestClient) -> None:
    _get(client)
    made = CANDIDATES.computations
    low = _get(client, min_score=50)
    assert (low["cached"], CANDIDATES.computations) == (False, made + 1)
    assert isinstance(low["total"], int)
    assert low["total"] >= 15
    again = _get(client)  # a list made at 50 serves 85
    assert (again["cached"], again["total"]) == (True, 15)


def test_a_judgement_keeps_the_list_and_is_filtered_afresh(client: TestClient) -> None:
    _get(client)
    made = CANDIDATES.computations
    post = client.post(
        "/api/duplicates/judgements",
        json={"a": "e1", "b": "e2", "verdict": "different", "who": "ana"},
        headers=AUTH,
    )
    assert post.status_code == 201, post.text
    left = _get(client, label="Enterprise")
    assert (left["cached"], _pairs(left)) == (True, [("u1", "u2")])
    both = _get(client, label="Enterprise", judged="all")
    assert (both["cached"], _pairs(both)) == (True, [("u1", "u2"), ("e1", "e2")])
    judged = _get(client, judged="yes")
    assert (_pairs(judged), judged["computed_at"]) == ([("e1", "e2")], None)
    undo = client.delete(
        "/api/duplicates/judgements", params={"a": "e1", "b": "e2", "who": "ana"}, headers=AUTH
    )
    assert undo.status_code == 200
    back = _get(client, label="Enterprise")
    assert (back["cached"], _pairs(back)) == (True, [("e1", "e2"), ("u1", "u2")])
    assert CANDIDATES.computations == made


def test_a_write_the_cache_did_not_see_makes_the_list_again(
    client: TestClient, store: GraphStore
) -> None:
    """A judgement written past the API (another process, say) and a load of nodes."""
    _get(client)
    judge(store, "e1", "e2", "same", "bo")
    after = _get(client, label="Enterprise")
    assert (after["cached"], _pairs(after)) == (False, [("u1", "u2")])
    with store.writer() as w:
        w.upsert_nodes([Node("t8", "PartyOrg", "committee", "天津市国资委党委")])
    loaded = _get(client)
    assert loaded["cached"] is False
    assert ("t2", "t8") in _pairs(loaded)
    assert _get(client)["cached"] is True


def test_a_load_on_the_server_makes_the_list_again_in_the_background(
    client: TestClient,
) -> None:
    line = (
        '{"record": "node", "id": "t9", "label": "PartyOrg", "kind": "committee", '
        '"name": "中共天津市國資委委員會"}'
    )

    def load() -> None:
        files = [("files", ("new.jsonl", line.encode()))]
        assert client.post("/api/load", files=files, headers=AUTH).status_code == 200

    made = CANDIDATES.computations
    load()  # nobody has asked for candidates yet: none are worked out
    time.sleep(0.2)
    assert CANDIDATES.computations == made
    _get(client)
    line = line.replace("t9", "t10")
    load()
    deadline = time.monotonic() + 60
    while CANDIDATES.computations < made + 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert CANDIDATES.computations == made + 2  # made again after the load, unasked
    answer = _get(client)
    assert answer["cached"] is True
    assert ("t10", "t2") in _pairs(answer) or ("t1", "t10") in _pairs(answer)


def test_concurrent_requests_wait_for_one_computation(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store.writer() as w:
        w.upsert_nodes(NODES)
    slow_calls = []

    def slow(
        found: Blocks, read: Callable[[list[str]], Mapping[str, Node]], *, min_score: float
    ) -> Pairs:
        slow_calls.append(min_score)
        time.sleep(0.5)  # long enough for every request to arrive while it runs
        return candidates_in(found, read, min_score=min_score)

    monkeypatch.setattr(cache_module, "candidates_in", slow)
    cache = CandidateCache()
    start = threading.Barrier(6)
    answers: list[tuple[int, bool]] = []

    def ask(label: str | None) -> None:
        start.wait()
        found = listing(store, label=label, cache=cache)
        answers.append((len(found.items), found.cached))

    threads = [
        threading.Thread(target=ask, args=(label,))
        for label in (None, None, "Enterprise", "PartyOrg", None, "Enterprise")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert (len(slow_calls), cache.computations) == (1, 1)
    assert sum(1 for _, cached in answers if not cached) == 1  # the others waited for it
    assert sorted(n for n, _ in answers) == [2, 2, 13, 15, 15, 15]


def test_the_kept_list_answers_what_the_request_would_work_out(store: GraphStore) -> None:
    """Filtering the one list by label, floor and judgements gives what the candidates of
    the label's nodes at that floor are, less the judged pairs (names block within a label;
    equal USCCs pair within it)."""
    extra = [
        Node("x1", "Body", "department", "天津市国资委", props={"uscc": "11120000MA0000001X"}),
        Node("x2", "Enterprise", "private", "天津市国资委", props={"uscc": "11120000MA0000001X"}),
        Node("x3", "Body", "department", "天津市國資委"),
    ]
    with store.writer() as w:
        w.upsert_nodes([*NODES, *extra])
    cache = CandidateCache()

    def same_answers(judged: set[tuple[str, str]]) -> None:
        for min_score in (0.0, 60.0, 85.0, 90.0, 100.0):
            for label in (None, "PartyOrg", "Enterprise", "Body"):
                kept = listing(store, label=label, min_score=min_score, cache=cache)
                fresh = candidates(store.iter_nodes(label=label), min_score=min_score)
                unjudged = [c for c in fresh if (c.a, c.b) not in judged]
                assert [x.candidate for x in kept.items] == unjudged, (label, min_score)

    same_answers(set())
    everything = candidates(store.iter_nodes(), min_score=0.0)
    judged = {(c.a, c.b) for c in everything[::3]}  # every third pair, of every score
    for a, b in sorted(judged):
        judging(store, partial(judge, store, a, b, "unsure", "ana"), cache)
    same_answers(judged)
    assert cache.computations == 1  # the first, at 0, served every other
