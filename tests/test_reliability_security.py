"""Security: who may write, what is logged, who may call from a browser, where the server
listens, and that no user input becomes Cypher.

* Writes need the bearer token, compared in constant time (``hmac.compare_digest``).
* A real ``affgraph serve`` with a token, asked with the right token, wrong ones (a prefix of
  it, a longer one, another scheme), and loads that fail (422) and crash (500): neither the
  token nor a wrong one appears anywhere in its output; nor the Neo4j password when it serves
  a Neo4j store.
* CORS is off by default (no ``Access-Control-Allow-Origin`` for a cross-origin request or a
  preflight), and on only for the origins of ``AFFGRAPH_CORS_ORIGINS``.
* ``affgraph serve`` binds 127.0.0.1 unless told otherwise.
* Injection strings in every parameter of every GET route, on the Neo4j store (ArcadeDB) and
  on the embedded store: no 5xx, and the store holds exactly what it held.
* The deployment takes its secrets from an env file (tests/test_compose.py checks it).
"""

from __future__ import annotations

import inspect
import json
import os
import re
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient

import app.api.auth as auth
from app.main import create_app
from app.settings import Settings
from loaders.load import load_paths
from queries.catalog import QUERIES
from stores.base import GraphStore
from stores.embedded import EmbeddedStore
from tests.conftest import FUZZ_SHARE, BoltTarget
from tests.reliability_helpers import AFFGRAPH, fingerprint, serve, uploads

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "sekret-7Qx2-token-9f41c0d8"  # distinctive: any leak into the log is found
WRONG = [TOKEN[:-1], TOKEN + "0", "x" * len(TOKEN), TOKEN.upper(), "", "Bearer"]
ORG = "tj-zhonghuan-samsung-jv-pc"


def test_the_token_is_compared_in_constant_time() -> None:
    source = inspect.getsource(auth)
    assert "hmac.compare_digest(" in source
    # and nowhere with == (a comparison that stops at the first differing byte)
    assert not re.search(r"(token|credentials|expected|given)\w*\s*[!=]=", source)


# -- the token is never logged ------------------------------------------------------------------


@pytest.fixture
def cases_db(tmp_path: Path, cases_dir: Path) -> Path:
    db = tmp_path / "affgraph.db"
    store = EmbeddedStore(db)
    load_paths(store, [cases_dir])
    store.close()
    return db


@pytest.mark.processes
def test_the_token_never_appears_in_the_server_output(
    tmp_path: Path, cases_db: Path, cases_dir: Path
) -> None:
    env = {**os.environ, "AFFGRAPH_API_TOKEN": TOKEN, "AFFGRAPH_MAX_UPLOAD_MB": "5"}
    log = tmp_path / "serve.log"
    good_file = [
        (
            "files",
            (
                "extra.jsonl",
                json.dumps(
                    {
                        "record": "node",
                        "id": "sec-node",
                        "label": "Area",
                        "kind": "street",
                        "name": "Secure street",
                        "source": "soe_reform_2022",
                        "quote": "q",
                    }
                ).encode(),
            ),
        )
    ]
    bad_file = [("files", ("bad.jsonl", b'{"record": "node", "id": 5}\n'))]
    crash_file = [
        (
            "files",
            (
                "big.jsonl",
                json.dumps(  # once a 500; now a located 422
                    {
                        "record": "node",
                        "id": "sec-big",
                        "label": "PartyOrg",
                        "kind": "branch",
                        "name": "Big",
                        "members": 10**20,
                        "source": "soe_reform_2022",
                        "quote": "q",
                    }
                ).encode(),
            ),
        )
    ]
    statuses: dict[str, int] = {}
    with serve(str(cases_db), log, env=env) as server:
        # a connection per request: after a 500 the server closes its connection
        def post(files: Any, header: str) -> httpx.Response:
            return httpx.post(
                f"{server.url}/api/load", files=files, timeout=60, headers={"Authorization": header}
            )

        right = f"Bearer {TOKEN}"
        statuses["right"] = post(good_file, right).status_code
        statuses["invalid"] = post(bad_file, right).status_code
        statuses["crash"] = post(crash_file, right).status_code
        for k, wrong in enumerate(WRONG):
            for header in {f"Bearer {wrong}".strip(), f"Basic {wrong}".strip(), wrong}:
                answer = post(good_file, header)
                statuses[f"wrong-{k}-{header[:6]}"] = answer.status_code
                assert TOKEN not in answer.text
        # the token sent with reads, and to routes that do not exist
        for path in (
            "/api/health",
            f"/api/nodes/{ORG}",
            "/api/no-such-route",
            "/openapi.json",
            "/api/search?q=Tianjin",
        ):
            httpx.get(f"{server.url}{path}", headers={"Authorization": right}, timeout=60)
    assert statuses["right"] == 200
    assert statuses["invalid"] == 422
    assert statuses["crash"] == 422  # an integer beyond 64 bits: a located error
    assert {v for k, v in statuses.items() if k.startswith("wrong")} == {401}
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "POST /api/load" in text  # the log was captured
    assert TOKEN not in text
    for wrong in WRONG:
        if len(wrong) > 8:
            assert wrong not in text, f"a wrong token was logged: {wrong!r}"


@pytest.mark.processes
def test_the_neo4j_password_never_appears_in_the_server_output(
    tmp_path: Path, bolt: BoltTarget, open_store: Callable[[str], GraphStore], cases_dir: Path
) -> None:
    store = open_store("neo4j")
    load_paths(store, [cases_dir])
    env = {
        **os.environ,
        "AFFGRAPH_NEO4J_USER": bolt.auth[0],
        "AFFGRAPH_NEO4J_PASSWORD": bolt.auth[1],
        "AFFGRAPH_NEO4J_DATABASE": bolt.database,
        "AFFGRAPH_API_TOKEN": TOKEN,
    }
    log = tmp_path / "serve.log"
    with (
        serve(bolt.uri, log, env=env) as server,
        httpx.Client(base_url=server.url, timeout=60) as client,
    ):
        assert client.get("/api/health").json()["store"] == "neo4j"
        client.get(f"/api/orgs/{ORG}/chain")
        client.get("/api/nodes/no-such-node")
    text = log.read_text(encoding="utf-8", errors="replace")
    assert bolt.auth[1] not in text
    # nor when the password is wrong and the store cannot be opened
    wrong = "wrong-pass-52f1e9a7"
    failed = subprocess.run(
        [*AFFGRAPH, "query", "stats", "--store", bolt.uri],
        env={**env, "AFFGRAPH_NEO4J_PASSWORD": wrong},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert failed.returncode != 0
    assert wrong not in failed.stdout + failed.stderr
    assert "Traceback" not in failed.stderr, failed.stderr[-2000:]


# -- CORS ---------------------------------------------------------------------------------------


@pytest.mark.processes
def test_cors_is_off_by_default_and_on_only_for_configured_origins(
    tmp_path: Path, cases_db: Path
) -> None:
    evil = {"Origin": "http://evil.example"}
    preflight = {
        **evil,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "Authorization",
    }
    env = {k: v for k, v in os.environ.items() if k != "AFFGRAPH_CORS_ORIGINS"}
    with serve(str(cases_db), tmp_path / "off.log", env=env) as server:
        answer = httpx.get(f"{server.url}/api/health", headers=evil)
        assert answer.status_code == 200
        assert "access-control-allow-origin" not in answer.headers
        options = httpx.options(f"{server.url}/api/health", headers=preflight)
        assert "access-control-allow-origin" not in options.headers
        assert options.status_code >= 400
    allowed = "http://research.example"
    env["AFFGRAPH_CORS_ORIGINS"] = json.dumps([allowed])
    with serve(str(cases_db), tmp_path / "on.log", env=env) as server:
        answer = httpx.get(f"{server.url}/api/health", headers={"Origin": allowed})
        assert answer.headers.get("access-control-allow-origin") == allowed
        answer = httpx.get(f"{server.url}/api/health", headers=evil)
        assert "access-control-allow-origin" not in answer.headers
        options = httpx.options(
            f"{server.url}/api/health", headers={**preflight, "Origin": allowed}
        )
        assert options.headers.get("access-control-allow-origin") == allowed
        assert "POST" not in options.headers.get("access-control-allow-methods", "")


# -- where the server listens -------------------------------------------------------------------


def _listening(port: int) -> set[str]:
    """The local addresses listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # LISTEN
                found.add(address)
    return found


def _other_address() -> str | None:
    """An address of this machine that is not loopback, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            address: str = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


@pytest.mark.processes
def test_serve_binds_loopback_only_by_default(tmp_path: Path, cases_db: Path) -> None:
    assert Settings.model_fields["host"].default == "127.0.0.1"
    assert Settings(_env_file=None).host == "127.0.0.1" or "AFFGRAPH_HOST" in os.environ
    env = {k: v for k, v in os.environ.items() if k != "AFFGRAPH_HOST"}
    # started in a folder without a .env, as a user would on a fresh checkout
    with serve(str(cases_db), tmp_path / "serve.log", env=env, cwd=tmp_path) as server:
        assert _listening(server.port) == {"0100007F"}  # 127.0.0.1, nothing else
        other = _other_address()
        if other is not None:
            with pytest.raises(httpx.TransportError):
                httpx.get(f"http://{other}:{server.port}/api/health", timeout=3)


# -- no Cypher from user input ------------------------------------------------------------------

INJECTIONS = [
    "x'}) DETACH DELETE n //",
    '") MATCH (n) DETACH DELETE n //',
    "x' OR 1=1 WITH * MATCH (n) DETACH DELETE n //",
    "'}) WITH 1 AS x MATCH (n:Node) SET n.name = 'pwned' //",
    "$id",
    "{id}",
    "'",
    "\\u0027",
    "\u0027",
    '"',
    "`",
    "`) DETACH DELETE n //",
    "*/ MATCH (n) DETACH DELETE n /*",
    "/*",
    "//",
    "\\",
    "\x00",
    "\n MATCH (n) DETACH DELETE n",
    "]->(m) DETACH DELETE m //",
    "CALL db.labels()",
    "1; DROP TABLE nodes; --",
    "' UNION SELECT data FROM nodes --",
    "%27%20OR%201%3D1",
    "../../etc/passwd",
    "-1",
    "1e309",
    "NaN",
    "2020-02-30",
    "null",
    "true",
    "[1, 2]",
    "x" * 20_000,
    "党" * 5_000,
]


def _params_of(query_name: str) -> list[str]:
    return [*QUERIES[query_name].params.model_fields, "format"]


#: Where each query is served: (name, path under /api).
ROUTES = [(q.name, q.route.path) for q in QUERIES.values()]


#: The injection strings every parameter is asked with: all of them under Hypothesis's ``ci``
#: profile, their share (every tenth) under ``dev``, as the fuzz tests (tests/conftest.py).
ASKED = INJECTIONS[:: round(1 / FUZZ_SHARE)]


def _requests() -> Iterator[tuple[str, str, str, dict[str, str]]]:
    """(route, parameter, url, query parameters): every parameter of every GET route with
    each injection string asked."""
    for query, path in ROUTES:
        for name in _params_of(query):
            for value in ASKED:
                if "{" + name + "}" in path:
                    url = "/api" + path.replace("{" + name + "}", quote(value, safe=""))
                    yield path, name, url, {}
                    continue
                url = "/api" + path.replace("{id}", ORG)
                base = {"q": "Tianjin"} if query == "search" and name != "q" else {}
                yield path, name, url, {**base, name: value}


def test_every_route_parameter_is_covered() -> None:
    covered = {(path, name) for path, name, _, _ in _requests()}
    wanted = {(path, name) for query, path in ROUTES for name in _params_of(query)}
    assert covered == wanted
    assert len(wanted) > 40


@pytest.fixture
def injected_app(
    store: GraphStore, store_kind: str, cases_dir: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[TestClient, GraphStore]]:
    load_paths(store, [cases_dir])
    if store_kind == "embedded":
        settings = Settings(store=store.location)
    else:
        bolt: BoltTarget = request.getfixturevalue("bolt")
        settings = Settings(
            store=bolt.uri,
            neo4j_user=bolt.auth[0],
            neo4j_password=bolt.auth[1],
            neo4j_database=bolt.database,
        )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client, store


def test_injection_strings_change_nothing(injected_app: tuple[TestClient, GraphStore]) -> None:
    client, store = injected_app
    before = fingerprint(store)
    failures: list[str] = []
    statuses: dict[int, int] = {}
    for _, _, url, params in _requests():
        answer = client.get(url, params=params)
        statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
        if answer.status_code >= 500:
            failures.append(
                f"{answer.status_code} {url[:80]} {str(params)[:80]}: {answer.text[:200]}"
            )
    assert not failures, f"{len(failures)} 5xx answers:\n" + "\n".join(failures[:20])
    assert fingerprint(store) == before
    assert not [n for n in store.iter_nodes() if n.name == "pwned"]
    print(f"\n{sum(statuses.values())} requests: {dict(sorted(statuses.items()))}")


class ServerError(AssertionError):
    """A 5xx answer to a request."""


def test_an_integer_parameter_beyond_64_bits_is_no_server_error(
    injected_app: tuple[TestClient, GraphStore], store_kind: str, request: pytest.FixtureRequest
) -> None:
    client, _ = injected_app
    huge = str(10**23)
    failures = []
    for query, path in ROUTES:
        for name, field in QUERIES[query].params.model_fields.items():
            if field.annotation is not int:
                continue
            extra = {"q": "Tianjin"} if query == "search" else {}
            answer = client.get("/api" + path.replace("{id}", ORG), params={**extra, name: huge})
            if answer.status_code >= 500:
                failures.append(f"{path}?{name}={huge}: {answer.status_code}")
    if failures:
        raise ServerError("\n".join(failures))


@pytest.mark.processes
def test_injection_strings_in_an_upload_are_data(tmp_path: Path, cases_db: Path) -> None:
    """Injection strings as ids, names and kinds in a loaded file: refused or stored as
    plain values, never run."""
    rows = [
        {
            "record": "node",
            "id": f"inj-{k}",
            "label": "Area",
            "kind": "street",
            "name": value[:200] or "empty",
            "source": "soe_reform_2022",
            "quote": value[:200],
        }
        for k, value in enumerate(INJECTIONS)
        if "\x00" not in value
    ]
    folder = tmp_path / "upload"
    folder.mkdir()
    (folder / "inj.jsonl").write_text(
        "\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8"
    )
    env = {**os.environ, "AFFGRAPH_API_TOKEN": TOKEN}
    with serve(str(cases_db), tmp_path / "serve.log", env=env) as server:
        before = httpx.get(f"{server.url}/api/health").json()
        answer = httpx.post(
            f"{server.url}/api/load",
            files=uploads(folder),
            timeout=60,
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert answer.status_code == 200, answer.text[:1000]
        after = httpx.get(f"{server.url}/api/health").json()
        node = httpx.get(f"{server.url}/api/nodes/inj-0").json()
    assert after["nodes"] == before["nodes"] + len(rows)
    assert after["edges"] == before["edges"]
    assert node["name"] == INJECTIONS[0]


# -- deployment secrets -------------------------------------------------------------------------


def test_the_deployment_takes_its_secrets_from_an_env_file() -> None:
    """Checked in depth by tests/test_compose.py; here only that it is there."""
    assert (ROOT / "tests" / "test_compose.py").is_file()
    compose = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert "${NEO4J_PASSWORD:?" in compose
    assert (ROOT / ".env.example").is_file()
    assert ".env" in (ROOT / ".gitignore").read_text().split()
    assert ".env" in (ROOT / ".dockerignore").read_text().split()


def _pip_audit_wired() -> dict[str, Any]:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    test_line = next(line for line in makefile.splitlines() if line.startswith("test:"))
    return {"test": test_line, "audit": "pip-audit --strict" in makefile}


def test_make_test_runs_the_dependency_audit() -> None:
    wired = _pip_audit_wired()
    assert " audit " in f"{wired['test']} ", wired
    assert wired["audit"], wired
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'"pip-audit==[\d.]+"', pyproject)
