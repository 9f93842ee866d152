"""Limits: what keeps one request from taking the server down.

* The upload size limit (``AFFGRAPH_MAX_UPLOAD_MB``) refuses an upload with 413 on its
  declared size, before a byte of its body is read (a real server, a raw socket that never
  sends the body); a missing Content-Length is 411, a wrong token 401, also before the body.
* Every list route caps ``limit`` at 10,000 (10,001 is a 422) and takes 10,000.
* A subtree request is bounded by ``depth`` (≤ 50) and ``max_nodes`` (≤ 50,000): on a
  province-wide tree of 50,000+ organizations, depth=50 and max_nodes=50,000 answer a
  bounded, truncated tree, without the server's memory growing out of bounds; a reporting
  line deeper than 50 stops at ``max_depth``. On both stores.
* Per-query time limit: the app sets none of its own. What exists is the ArcadeDB server's
  ``arcadedb.command.timeout`` (``BoltServer``'s ``query_timeout_ms``; the driver's own
  timeout is ignored by ArcadeDB): a query running past it is stopped by the server and
  reported as a :class:`StoreError`.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.api.queries import ROUTES
from app.main import create_app
from app.settings import Settings
from graph_schema.records import Edge, Node, Source
from loaders.load import load_paths
from queries.base import MAX_LIMIT
from queries.catalog import QUERIES
from queries.chain import MAX_DEPTH as CHAIN_MAX_DEPTH
from queries.subtree import MAX_DEPTH, MAX_NODES
from stores.arcadedb import BoltServer
from stores.base import GraphStore, StoreError
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
    env = {**os.environ, "AFFGRAPH_API_TOKEN": TOKEN, "AFFGRAPH_MAX_UPLOAD_MB": "1",
           "TMPDIR": str(scratch)}
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
        upload_server: tuple[str, int, Path]) -> None:
    host, port, scratch = upload_server
    form = {"Content-Type": "multipart/form-data; boundary=xyz"}
    auth = {"Authorization": f"Bearer {TOKEN}"}
    # 5 GB declared, not a byte sent: the answer comes at once
    status, took = _head_only(host, port, {**form, **auth, "Content-Length": str(5 * 10**9)})
    assert status.startswith("HTTP/1.1 413"), status
    assert took < 5
    status, _ = _head_only(host, port, {**form, **auth, "Transfer-Encoding": "chunked"})
    assert status.startswith("HTTP/1.1 411"), status
    status, _ = _head_only(host, port, {**form, "Authorization": "Bearer wrong",
                                        "Content-Length": "1000"})
    assert status.startswith("HTTP/1.1 401"), status
    status, _ = _head_only(host, port, {**form, "Content-Length": "1000"})
    assert status.startswith("HTTP/1.1 401"), status
    # nothing was saved
    assert not list(scratch.iterdir())
    # under the limit, an upload goes through to the loader (a 422: no valid file)
    answer = httpx.post(f"http://{host}:{port}/api/load", headers=auth, timeout=60,
                        files=[("files", ("nodes.csv", b"x" * 500_000))])
    assert answer.status_code == 422, answer.text[:300]


# -- list caps -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cases_client(tmp_path_factory: pytest.TempPathFactory, cases_dir: Path) -> Iterator[
        TestClient]:
    db = tmp_path_factory.mktemp("limits-cases") / "affgraph.db"
    store = EmbeddedStore(db)
    load_paths(store, [cases_dir])
    store.close()
    with TestClient(create_app(Settings(store=str(db), api_token=None))) as client:
        yield client


def _route_url(path: str) -> str:
    return "/api" + path.replace("{id}", ORG)


def _list_routes() -> list[str]:
    return [r.path for r in ROUTES if "limit" in QUERIES[r.query].params.model_fields]


def test_every_list_route_caps_limit(cases_client: TestClient) -> None:
    routes = _list_routes()
    assert len(routes) >= 7, routes
    for path in routes:
        extra = {"q": "Tianjin"} if path == "/search" else {}
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
    for params in ({"depth": MAX_DEPTH + 1}, {"depth": 0}, {"max_nodes": MAX_NODES + 1},
                   {"max_nodes": 0}):
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


def check_subtree(get: Callable[..., httpx.Response], *, size: int, max_nodes: int) -> (
        httpx.Response):
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


def test_a_huge_subtree_is_bounded_on_the_embedded_store(tmp_path: Path) -> None:
    db = tmp_path / "affgraph.db"
    store = EmbeddedStore(db)
    tree = wide_tree(100, 500, CHAIN_MAX_DEPTH + 10)
    write_tree(store, tree)
    store.close()
    with serve(str(db), tmp_path / "serve.log") as server, \
            httpx.Client(base_url=server.url, timeout=120) as client:
        rss = _rss_kib(server.proc.pid)
        started = time.monotonic()
        answer = check_subtree(client.get, size=len(tree[0]), max_nodes=MAX_NODES)
        took = time.monotonic() - started
        grown = (_rss_kib(server.proc.pid) - rss) / 1024
    print(f"\nsubtree of {len(tree[0]):,} organizations, depth {MAX_DEPTH}, max_nodes "
          f"{MAX_NODES:,}: {len(answer.content) / 1e6:.1f} MB in {took:.1f}s; server RSS "
          f"+{grown:.0f} MB")
    assert grown < 1024, f"the server grew by {grown:.0f} MB for one subtree"


def test_a_huge_subtree_is_bounded_on_the_neo4j_store(
        open_store: Callable[[str], GraphStore], bolt: Any) -> None:
    store = open_store("neo4j")
    tree = wide_tree(20, 100, CHAIN_MAX_DEPTH + 10)  # ArcadeDB writes ~1,000 nodes/s
    write_tree(store, tree)
    settings = Settings(store=bolt.uri, neo4j_user=bolt.auth[0], neo4j_password=bolt.auth[1],
                        neo4j_database=bolt.database)
    with TestClient(create_app(settings)) as client:
        check_subtree(client.get, size=len(tree[0]), max_nodes=1000)


# -- a per-query time limit ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def short_timeout_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoltServer]:
    """An ArcadeDB Bolt server whose queries may run for 1.5 s at most."""
    server = BoltServer(tmp_path_factory.mktemp("arcadedb-timeout"), query_timeout_ms=1500,
                        heap="512m")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_arcadedb_stops_a_query_at_its_command_timeout(
        short_timeout_server: BoltServer) -> None:
    store = Neo4jStore(short_timeout_server.uri, short_timeout_server.auth,
                       database=short_timeout_server.database)
    try:
        slow = "UNWIND range(1, 30000) AS x UNWIND range(1, 30000) AS y RETURN count(*) AS n"
        started = time.monotonic()
        with pytest.raises(StoreError, match=r"timeout|TimedOut"):
            store.read_rows(slow)
        took = time.monotonic() - started
        assert took < 15, f"stopped only after {took:.1f}s"
        # the store still answers afterwards
        assert store.read_rows("RETURN 1 AS one") == [{"one": 1}]
    finally:
        store.close()
    print(f"\nArcadeDB stopped the query after {took:.1f}s (command timeout 1.5 s)")
