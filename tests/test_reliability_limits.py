"""Limits: what keeps one request from taking the server down.

* The upload size limit (``AFFGRAPH_MAX_UPLOAD_MB``) refuses an upload with 413 on its
  declared size, before a byte of its body is read (a real server, a raw socket that never
  sends the body); a missing Content-Length is 411, a wrong token 401, also before the body.
* Every list route caps ``limit`` at 10,000 (10,001 is a 422) and takes 10,000.
* A subtree request is bounded by ``depth`` (≤ 50) and ``max_nodes`` (≤ 50,000): on a
  province-wide tree of 50,000+ organizations, depth=50 and max_nodes=50,000 answer a
  bounded, truncated tree, without the server's memory growing out of bounds; a reporting
  line deeper than 50 stops at ``max_depth``. On both stores.
* Per-query time limit (``AFFGRAPH_QUERY_TIMEOUT_S``, :mod:`stores.deadline`): a query past
  it is stopped and answered 504 in the envelope. On the embedded store its scans, its SQLite
  statements (a progress handler) and its wait for the read lock stop at the limit, and the
  store answers normally afterwards; on the Neo4j store each read transaction carries the
  time left as its server-side timeout (seen on the wire, in the driver's BEGIN message) and
  the server's ``TransactionTimedOut`` becomes the same 504.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.bolt_server import BoltServer
from app.cli import cli
from app.main import create_app
from app.settings import Settings
from graph_schema.records import Edge, Node, Source
from loaders.load import load_paths
from queries.base import MAX_LIMIT
from queries.catalog import QUERIES
from queries.chain import MAX_DEPTH as CHAIN_MAX_DEPTH
from queries.subtree import MAX_DEPTH, MAX_NODES
from stores.base import GraphStore
from stores.deadline import QueryTimeoutError
from stores.embedded import EmbeddedStore
from stores.neo4j import Neo4jStore
from tests.reliability_helpers import serve

TOKEN = "limits-token-93e1f0"
ORG = "tj-zhonghuan-samsung-jv-pc"


# -- the upload limit, on a real server ---------------------------------------------------------


@pytest.fixture
def upload_server(tmp_path: Path, cases_dir: Path) -> Iterator[tuple[str, int, Path]]:
    """``affgraph serve`` with a token and a 1 MB upload limit; its temporary folder."""
    db = tmp_path / "affgraph.db"
    store = EmbeddedStore(db)
    load_paths(store, [cases_dir])
    store.close()
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {
        **os.environ,
        "AFFGRAPH_API_TOKEN": TOKEN,
        "AFFGRAPH_MAX_UPLOAD_MB": "1",
        "TMPDIR": str(scratch),
    }
    with serve(str(db), tmp_path / "serve.log", env=env) as server:
        yield "127.0.0.1", server.port, scratch


def _head_only(host: str, port: int, headers: dict[str, str]) -> tuple[str, float]:
    """Send a POST /api/load's head and no body; the status line answered, and how soon."""
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    with socket.create_connection((host, port), timeout=10) as sock:
        started = time.monotonic()
        sock.sendall(f"POST /api/load HTTP/1.1\r\nHost: {host}\r\n{head}\r\n".encode())
        answer = b""
        while b"\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
        return answer.split(b"\r\n", 1)[0].decode(), time.monotonic() - started


def test_an_upload_over_the_limit_is_refused_before_its_body(
    upload_server: tuple[str, int, Path],
) -> None:
    host, port, scratch = upload_server
    form = {"Content-Type": "multipart/form-data; boundary=xyz"}
    auth = {"Authorization": f"Bearer {TOKEN}"}
    # 5 GB declared, not a byte sent: the answer comes at once
    status, took = _head_only(host, port, {**form, **auth, "Content-Length": str(5 * 10**9)})
    assert status.startswith("HTTP/1.1 413"), status
    assert took < 5
    status, _ = _head_only(host, port, {**form, **auth, "Transfer-Encoding": "chunked"})
    assert status.startswith("HTTP/1.1 411"), status
    status, _ = _head_only(
        host, port, {**form, "Authorization": "Bearer wrong", "Content-Length": "1000"}
    )
    assert status.startswith("HTTP/1.1 401"), status
    status, _ = _head_only(host, port, {**form, "Content-Length": "1000"})
    assert status.startswith("HTTP/1.1 401"), status
    # nothing was saved
    assert not list(scratch.iterdir())
    # under the limit, an upload goes through to the loader (a 422: no valid file)
    answer = httpx.post(
        f"http://{host}:{port}/api/load",
        headers=auth,
        timeout=60,
        files=[("files", ("nodes.csv", b"x" * 500_000))],
    )
    assert answer.status_code == 422, answer.text[:300]


# -- list caps -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cases_client(tmp_path_factory: pytest.TempPathFactory, cases_dir: Path) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("limits-cases") / "affgraph.db"
    store = EmbeddedStore(db)
    load_paths(store, [cases_dir])
    store.close()
    with TestClient(create_app(Settings(store=str(db), api_token=None))) as client:
        yield client


def _route_url(path: str) -> str:
    return "/api" + path.replace("{id}", ORG)


def _list_routes() -> dict[str, dict[str, str]]:
    """Each list route, with the parameters of its query's first example (what it needs:
    search's q, diff's two days, timeline's subject), paging left out."""
    return {
        q.route.path: {k: v for k, v in q.examples[0].items() if k not in ("limit", "offset")}
        for q in QUERIES.values()
        if "limit" in q.params.model_fields
    }


def test_every_list_route_caps_limit(cases_client: TestClient) -> None:
    routes = _list_routes()
    assert len(routes) >= 7, routes
    for path, extra in routes.items():
        too_many = cases_client.get(_route_url(path), params={**extra, "limit": MAX_LIMIT + 1})
        assert too_many.status_code == 422, (path, too_many.text)
        assert too_many.json()["error"]["details"][0]["parameter"] == "limit"
        most = cases_client.get(_route_url(path), params={**extra, "limit": MAX_LIMIT})
        assert most.status_code == 200, (path, most.text[:300])
        assert len(most.json()["items"]) <= MAX_LIMIT
        negative = cases_client.get(_route_url(path), params={**extra, "offset": -1})
        assert negative.status_code == 422, (path, negative.text)


def test_subtree_depth_and_size_are_capped(cases_client: TestClient) -> None:
    url = _route_url("/orgs/{id}/subtree")
    for params in (
        {"depth": MAX_DEPTH + 1},
        {"depth": 0},
        {"max_nodes": MAX_NODES + 1},
        {"max_nodes": 0},
    ):
        answer = cases_client.get(url, params=params)
        assert answer.status_code == 422, (params, answer.text)


# -- a province-wide tree ---------------------------------------------------------------------

SOURCE = Source("s-limits", {"title": "limits test"})
PROV = {"source": "s-limits", "quote": "q"}


def wide_tree(groups: int, per_group: int, chain: int) -> tuple[list[Node], list[Edge]]:
    """A root with ``groups`` organizations under it, ``per_group`` under each of those,
    and beside them a reporting line ``chain`` levels deep."""
    day = date(2001, 1, 1)

    def org(node_id: str) -> Node:
        return Node(node_id, "PartyOrg", "branch", node_id, day, None, dict(PROV))

    def line(src: str, dst: str) -> Edge:
        return Edge("AFFILIATED_TO", src, dst, "territorial", day, None, dict(PROV))

    nodes, edges = [org("root")], []
    for g in range(groups):
        nodes.append(org(f"g{g:03d}"))
        edges.append(line(f"g{g:03d}", "root"))
        for k in range(per_group):
            nodes.append(org(f"g{g:03d}-{k:04d}"))
            edges.append(line(f"g{g:03d}-{k:04d}", f"g{g:03d}"))
    above = "root"
    for level in range(1, chain + 1):
        nodes.append(org(f"c{level:03d}"))
        edges.append(line(f"c{level:03d}", above))
        above = f"c{level:03d}"
    return nodes, edges


def write_tree(store: GraphStore, tree: tuple[list[Node], list[Edge]]) -> None:
    with store.writer() as w:
        w.upsert_sources([SOURCE])
        w.upsert_nodes(tree[0])
        w.upsert_edges(tree[1])


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _walk(tree: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield tree
    for child in tree["children"]:
        yield from _walk(child)


def check_subtree(
    get: Callable[..., httpx.Response], *, size: int, max_nodes: int
) -> httpx.Response:
    """The subtree of the root at the deepest depth and ``max_nodes``: bounded, truncated."""
    answer = get("/api/orgs/root/subtree", params={"depth": MAX_DEPTH, "max_nodes": max_nodes})
    assert answer.status_code == 200, answer.text[:500]
    body = answer.json()
    assert body["truncated"] is True
    assert body["total"] == max_nodes < size
    assert sum(1 for _ in _walk(body["tree"])) == max_nodes
    # about 200 bytes per organization shown: the answer is bounded by max_nodes
    assert len(answer.content) < 400 * max_nodes
    # the reporting line deeper than the depth cap stops there, the rest counted as hidden
    chain = get("/api/orgs/c001/subtree", params={"depth": MAX_DEPTH, "max_nodes": 1000}).json()
    deepest = list(_walk(chain["tree"]))
    assert chain["total"] == MAX_DEPTH + 1
    assert not chain["truncated"]
    assert deepest[-1]["hidden"] == 1
    # and a reporting line walked up from the bottom stops at its own cap
    line = get(f"/api/orgs/c{CHAIN_MAX_DEPTH + 10:03d}/chain").json()
    assert line["stop_reason"] == "max_depth"
    assert line["total"] == CHAIN_MAX_DEPTH + 1
    return answer


@pytest.mark.processes
def test_a_huge_subtree_is_bounded_on_the_embedded_store(tmp_path: Path) -> None:
    db = tmp_path / "affgraph.db"
    store = EmbeddedStore(db)
    tree = wide_tree(100, 500, CHAIN_MAX_DEPTH + 10)
    write_tree(store, tree)
    store.close()
    with (
        serve(str(db), tmp_path / "serve.log") as server,
        httpx.Client(base_url=server.url, timeout=120) as client,
    ):
        rss = _rss_kib(server.proc.pid)
        started = time.monotonic()
        answer = check_subtree(client.get, size=len(tree[0]), max_nodes=MAX_NODES)
        took = time.monotonic() - started
        grown = (_rss_kib(server.proc.pid) - rss) / 1024
    print(
        f"\nsubtree of {len(tree[0]):,} organizations, depth {MAX_DEPTH}, max_nodes "
        f"{MAX_NODES:,}: {len(answer.content) / 1e6:.1f} MB in {took:.1f}s; server RSS "
        f"+{grown:.0f} MB"
    )
    assert grown < 1024, f"the server grew by {grown:.0f} MB for one subtree"


def test_a_huge_subtree_is_bounded_on_the_neo4j_store(
    open_store: Callable[[str], GraphStore], bolt: Any
) -> None:
    store = open_store("neo4j")
    tree = wide_tree(20, 100, CHAIN_MAX_DEPTH + 10)  # ArcadeDB writes ~1,000 nodes/s
    write_tree(store, tree)
    settings = Settings(
        store=bolt.uri,
        neo4j_user=bolt.auth[0],
        neo4j_password=bolt.auth[1],
        neo4j_database=bolt.database,
    )
    with TestClient(create_app(settings)) as client:
        check_subtree(client.get, size=len(tree[0]), max_nodes=1000)


# -- a per-query time limit ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def wide_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    """An embedded store holding a 50,000-organization tree."""
    store = EmbeddedStore(tmp_path_factory.mktemp("wide") / "affgraph.db")
    write_tree(store, wide_tree(100, 500, 60))
    try:
        yield store
    finally:
        store.close()


def _timed(work: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    answer = work()
    return answer, time.monotonic() - started


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("subtree", {"id": "root", "depth": MAX_DEPTH, "max_nodes": MAX_NODES}),  # a Python walk
        ("search", {"q": "g0"}),  # a SQLite scan (the progress handler stops it)
    ],
)
def test_the_embedded_store_stops_a_query_at_its_time_limit(
    wide_store: EmbeddedStore, name: str, values: dict[str, Any]
) -> None:
    query = QUERIES[name]
    query.run_dict(wide_store, values)  # warm (the first read of a store catches up)
    whole, took = _timed(lambda: query.run_dict(wide_store, values))
    limit = took / 10
    started = time.monotonic()
    with pytest.raises(QueryTimeoutError, match=r"ran past its time limit") as caught:
        query.run_dict(wide_store, values, timeout=limit)
    stopped = time.monotonic() - started
    assert caught.value.seconds == limit
    assert stopped < took / 2, f"{name}: stopped after {stopped:.3f}s; whole answer {took:.3f}s"
    # nothing is left behind: the next answer, without a limit and with a generous one, is whole
    assert query.run_dict(wide_store, values) == whole
    assert query.run_dict(wide_store, values, timeout=600) == whole
    assert not wide_store._conn.in_transaction
    print(
        f"\n{name}: whole answer {took * 1000:.0f} ms; limit {limit * 1000:.0f} ms, "
        f"stopped after {stopped * 1000:.0f} ms"
    )


def test_a_query_waiting_for_the_read_lock_stops_at_its_time_limit(
    wide_store: EmbeddedStore,
) -> None:
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with wide_store.reading():
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(30)
        started = time.monotonic()
        with pytest.raises(QueryTimeoutError):
            QUERIES["node"].run_dict(wide_store, {"id": "root"}, timeout=0.3)
        waited = time.monotonic() - started
    finally:
        release.set()
        holder.join()
    assert 0.3 <= waited < 5
    assert QUERIES["node"].run_dict(wide_store, {"id": "root"}, timeout=5).id == "root"


def test_a_route_past_the_time_limit_answers_504(wide_store: EmbeddedStore) -> None:
    settings = Settings(store=str(wide_store.path), query_timeout_s=0.001)
    with TestClient(create_app(settings)) as client:
        answer = client.get(
            "/api/orgs/root/subtree", params={"depth": MAX_DEPTH, "max_nodes": MAX_NODES}
        )
        assert answer.status_code == 504
        error = answer.json()["error"]
        assert error["code"] == "query_timeout"
        assert "0.001 s" in error["message"]
        assert "AFFGRAPH_QUERY_TIMEOUT_S" in error["message"]
        assert client.get("/api/health").status_code == 200  # not a query: no limit
    roomy = Settings(store=str(wide_store.path), query_timeout_s=600)
    with TestClient(create_app(roomy)) as client:
        answer = client.get(
            "/api/orgs/root/subtree", params={"depth": MAX_DEPTH, "max_nodes": MAX_NODES}
        )
        assert answer.status_code == 200
        assert answer.json()["total"] == MAX_NODES


def test_affgraph_query_past_the_time_limit_exits_2(
    wide_store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AFFGRAPH_QUERY_TIMEOUT_S", "0.001")
    args = [
        "query",
        "subtree",
        "--id",
        "root",
        "--depth",
        str(MAX_DEPTH),
        "--max_nodes",
        str(MAX_NODES),
        "--store",
        str(wide_store.path),
        "--format",
        "json",
    ]
    stopped = CliRunner().invoke(cli, args)
    assert stopped.exit_code == 2, stopped.output
    assert "ran past its time limit of 0.001 s" in stopped.output
    monkeypatch.setenv("AFFGRAPH_QUERY_TIMEOUT_S", "600")
    whole = CliRunner().invoke(cli, args)
    assert whole.exit_code == 0, whole.output
    assert json.loads(whole.stdout)["total"] == MAX_NODES


@pytest.fixture(scope="module")
def timeout_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoltServer]:
    """An ArcadeDB Bolt server of this module's own (its time limit is changed at run time)."""
    server = BoltServer(tmp_path_factory.mktemp("arcadedb-timeout"), heap="512m")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_the_neo4j_store_sends_the_time_left_as_the_transaction_timeout(
    timeout_server: BoltServer, caplog: pytest.LogCaptureFixture
) -> None:
    store = Neo4jStore(timeout_server.uri, timeout_server.auth, database=timeout_server.database)
    try:
        with caplog.at_level(logging.DEBUG, logger="neo4j"):
            QUERIES["stats"].run_dict(store, {}, timeout=7.5)
            QUERIES["stats"].run_dict(store, {})
    finally:
        store.close()
    begins = [r.getMessage() for r in caplog.records if " C: BEGIN " in r.getMessage()]
    assert len(begins) == 2, begins  # one read transaction a query (its state checks inside)
    sent = re.search(r"'tx_timeout': (\d+)", begins[0])
    assert sent is not None, begins[0]
    assert 7000 < int(sent.group(1)) <= 7500  # the time left, in ms, when the read began
    assert "tx_timeout" not in begins[1]  # no limit: the server's own applies


def test_a_neo4j_query_stopped_by_the_server_answers_504(timeout_server: BoltServer) -> None:
    store = Neo4jStore(timeout_server.uri, timeout_server.auth, database=timeout_server.database)
    write_tree(store, wide_tree(20, 100, 60))
    store.close()
    settings = Settings(
        store=timeout_server.uri,
        neo4j_user=timeout_server.auth[0],
        neo4j_password=timeout_server.auth[1],
        neo4j_database=timeout_server.database,
        query_timeout_s=0.2,
    )
    # ArcadeDB ignores the driver's transaction timeout: give it the same limit as its own
    database = timeout_server.database
    timeout_server.server_command(f"set database setting {database} arcadedb.command.timeout 200")
    try:
        with TestClient(create_app(settings)) as client:
            answer, took = _timed(lambda: client.get("/api/analysis/orphans"))
            assert answer.status_code == 504, answer.text[:300]
            assert answer.json()["error"]["code"] == "query_timeout"
            assert "0.2 s" in answer.json()["error"]["message"]
            assert took < 10
            assert client.get("/api/nodes/root").status_code == 200  # the store still answers
    finally:
        timeout_server.server_command(
            f"set database setting {database} arcadedb.command.timeout 60000"
        )
