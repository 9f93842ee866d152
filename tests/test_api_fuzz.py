"""Fuzzing the HTTP API from its own OpenAPI description, with schemathesis.

Every GET operation of ``/openapi.json`` gets generated requests, valid ones (positive) and
invalid ones (negative), sent in-process to the app over the embedded store loaded with the
public cases. Path ids are drawn both freely and from the ids in the store, so that real
chains, trees and nodes are asked for on generated days, depths and pages. Each response must
not be a 5xx, must conform to the documented schema, status code and content type, and an
invalid request must be refused. Deterministic (Hypothesis derandomized, no example
database) and bounded: about 2,000 requests, some 20 seconds (a tenth of them under the
``dev`` profile of ``make check``).

The write operation, ``POST /api/load``, is fuzzed the same way with the token: generated
multipart uploads (file names and contents of any characters, form fields of any type).
Besides the checks above, no upload that is refused may change the store (its generation is
read after every request), and at the end the store holds exactly the public cases.
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from app.main import create_app
from app.settings import Settings
from loaders.load import load_paths
from queries.catalog import QUERIES
from stores.embedded import EmbeddedStore
from tests.conftest import examples
from tests.reliability_helpers import file_fingerprint

pytestmark = pytest.mark.fuzz

#: Generated requests per operation and mode (under Hypothesis's ``ci`` profile; a tenth under
#: ``dev``); an operation with no parameters has only a few distinct requests, and Hypothesis
#: stops when it has tried them all.
EXAMPLES = {
    GenerationMode.POSITIVE: examples(120),
    GenerationMode.NEGATIVE: examples(60),
}
MIN_CASES = examples(1_000)
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
NEGATIVE_CHECKS = [*CHECKS, negative_data_rejection]
SENT = {"method", "url", "params", "headers", "cookies"}

Operation = schemathesis.APIOperation[Any, Any, Any, Any]
Case = schemathesis.Case[Any]


@dataclass
class Tally:
    """What the fuzzer sent and got, per operation."""

    cases: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)
    unsatisfiable: list[str] = field(default_factory=list)


@dataclass
class Served:
    """The app over the public cases, and the ids of the nodes it holds."""

    client: TestClient
    ids: list[str]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, cases_dir: Path) -> Iterator[Served]:
    store = EmbeddedStore(tmp_path_factory.mktemp("api-fuzz") / "affgraph.db")
    try:
        load_paths(store, [cases_dir])
        ids = sorted(node.id for node in store.iter_nodes())
    finally:
        store.close()
    settings = Settings(store=store.location, api_token=None, token_for_reads=False)
    with TestClient(create_app(settings)) as client:
        yield Served(client, ids)


def _strategy(
    operation: Operation, mode: GenerationMode, known: dict[str, list[str]]
) -> st.SearchStrategy[Case]:
    """Generated cases; with a path parameter, also cases whose value is a known one."""
    free = operation.as_strategy(generation_mode=mode)
    names = [p.name for p in operation.path_parameters]
    if len(names) != 1 or names[0] not in known:
        return free
    name = names[0]
    chosen = st.sampled_from(known[name]).flatmap(
        lambda value: operation.as_strategy(generation_mode=mode, path_parameters={name: value})
    )
    return st.one_of(free, chosen)


def _as_parts(files: list[tuple[str, tuple[Any, ...]]]) -> list[tuple[str, tuple[Any, ...]]]:
    """Multipart parts as httpx takes them: a generated form value that is not text (a
    number, say) is sent as its text, as a browser or ``requests`` would."""
    return [
        (name, (part[0], part[1] if isinstance(part[1], str | bytes) else str(part[1]), *part[2:]))
        for name, part in files
    ]


def _fuzz(
    client: TestClient,
    operation: Operation,
    mode: GenerationMode,
    known: dict[str, list[str]],
    tally: Tally,
    *,
    headers: dict[str, str] | None = None,
    after: Callable[[Case, httpx.Response], None] | None = None,
) -> None:
    """Send ``operation``'s generated cases of ``mode``, check each answer, count them in
    ``tally``; ``headers`` are added to each request, ``after`` checks more of each."""
    label = f"{operation.method.upper()} {operation.path} ({mode.value})"
    checks = NEGATIVE_CHECKS if mode is GenerationMode.NEGATIVE else CHECKS
    sendable = SENT | ({"files", "data"} if operation.method.upper() == "POST" else set())

    @settings(
        max_examples=EXAMPLES[mode],
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        print_blob=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(operation, mode, known))
    def run(case: Case) -> None:
        tally.cases[label] += 1
        sent: dict[str, Any] = case.as_transport_kwargs(
            base_url="http://testserver", headers=headers
        )
        assert set(sent) <= sendable, sent
        assert sent["method"] == operation.method.upper(), sent
        request = {
            k: v for k, v in sent.items() if k in sendable and (v or k not in ("cookies", "data"))
        }
        if request.get("files"):
            request["files"] = _as_parts(request["files"])
        response = client.request(**request)
        response.request.read()  # a multipart body is streamed: keep it for the checks
        tally.statuses[response.status_code] += 1
        case.validate_response(
            response, checks=checks, headers=sent["headers"], transport_kwargs=sent
        )
        if after is not None:
            after(case, response)

    try:
        run()
    except Unsatisfiable:  # nothing can be made invalid: no parameters, or only free strings
        assert mode is GenerationMode.NEGATIVE, label
        tally.unsatisfiable.append(label)
    except BaseException as exc:  # a check failed: keep Hypothesis's minimal example
        if isinstance(exc, KeyboardInterrupt):
            raise
        tally.failures[label] = f"{type(exc).__name__}: {exc}"[:4000]


def test_fuzz_every_get_operation(served: Served) -> None:
    started = time.monotonic()
    client = served.client
    raw = client.get("/openapi.json").json()
    schema = schemathesis.openapi.from_dict(raw)
    # The read routes declare the bearer scheme (app/main.py adds require_read to them), but
    # reads need no token unless AFFGRAPH_TOKEN_FOR_READS is set: leave Authorization out.
    schema.config.generation.update(with_security_parameters=False)
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # every operation of the schema is usable
        operations.append(result.ok())
    gets = [op for op in operations if op.method.upper() == "GET"]
    assert {op.path for op in gets} >= {
        "/api/health",
        "/api/queries",
        "/api/queries/{name}",
        "/api/search",
        "/api/stats",
    }
    known = {"id": served.ids, "name": [*QUERIES, "no-such-query"]}
    assert len(known["id"]) > 100

    tally = Tally()
    for operation in gets:
        for mode in EXAMPLES:
            _fuzz(client, operation, mode, known, tally)
    elapsed = time.monotonic() - started

    total = sum(tally.cases.values())
    summary = (
        f"{total} cases over {len(gets)} GET operations in {elapsed:.1f} s; "
        f"statuses {dict(sorted(tally.statuses.items()))}"
    )
    print(summary)
    print(f"  nothing to make invalid: {tally.unsatisfiable}")
    for label, count in sorted(tally.cases.items()):
        print(f"  {count:4d}  {label}")
    assert not tally.failures, (
        summary
        + "\n\n"
        + "\n\n".join(f"== {label}\n{report}" for label, report in tally.failures.items())
    )
    assert total >= MIN_CASES, summary
    assert not [s for s in tally.statuses if s >= 500], summary
    assert {200, 404, 422} <= set(tally.statuses), summary  # answers, unknown ids, bad input


# -- the write operation ---------------------------------------------------------------------

TOKEN = "fuzz-token-0c41e9"


def _generation(db: Path) -> int:
    """The embedded store's generation, read from its file (it grows with every write)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture
def db(tmp_path: Path, cases_dir: Path) -> Path:
    """A closed embedded store file holding the public cases, for the writes to try."""
    path = tmp_path / "affgraph.db"
    store = EmbeddedStore(path)
    try:
        load_paths(store, [cases_dir])
    finally:
        store.close()
    return path


def test_fuzz_the_load_operation(db: Path) -> None:
    before = file_fingerprint(db)
    generation = _generation(db)
    changed: list[str] = []

    def nothing_written_unless_loaded(case: Case, response: httpx.Response) -> None:
        now = _generation(db)
        if now != generation:
            assert response.status_code == 200, (
                f"a refused upload ({response.status_code}) changed the store: {case!r}"
            )
            changed.append(response.text)

    settings_ = Settings(store=str(db), api_token=TOKEN, token_for_reads=False)
    tally = Tally()
    started = time.monotonic()
    with TestClient(create_app(settings_)) as client:
        raw = client.get("/openapi.json").json()
        schema = schemathesis.openapi.from_dict(raw)
        schema.config.generation.update(with_security_parameters=False)
        operations = [
            result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)
        ]
        posts = [op for op in operations if op.method.upper() == "POST"]
        assert sorted(op.path for op in posts) == [
            "/api/duplicates/judgements",
            "/api/load",
            "/api/loads/{n}/revert",
            "/api/tags",
        ]
        load_operation = next(op for op in posts if op.path == "/api/load")
        for mode in EXAMPLES:
            _fuzz(
                client,
                load_operation,
                mode,
                {},
                tally,
                headers={"Authorization": f"Bearer {TOKEN}"},
                after=nothing_written_unless_loaded,
            )
    elapsed = time.monotonic() - started
    total = sum(tally.cases.values())
    summary = (
        f"{total} cases of POST /api/load in {elapsed:.1f} s; "
        f"statuses {dict(sorted(tally.statuses.items()))}"
    )
    print(summary)
    assert not tally.failures, (
        summary
        + "\n\n"
        + "\n\n".join(f"== {label}\n{report}" for label, report in tally.failures.items())
    )
    assert total >= examples(150), summary
    assert not [s for s in tally.statuses if s >= 500], summary
    assert 422 in tally.statuses, summary  # the loader refused the generated files, located
    assert not changed, changed[:3]  # no generated upload is a valid dataset that changes
    assert file_fingerprint(db) == before


#: Upload file names: any text (surrogates aside: a client cannot send them), and the names a
#: file system or a path join treats specially.
UPLOAD_NAMES = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=300),
    st.sampled_from(
        [
            "..",
            ".",
            "a/..",
            "/",
            "../../etc/passwd",
            "nodes.jsonl",
            "edges.csv",
            "x" * 256,
            "é" * 128,
            "county.csv",
            "nodes.jsonl\x00.csv",
        ]
    ),
)


#: Charsets a request may declare for its multipart body: the usual ones, and the escape
#: codecs that turn a file name's ``\\ud800`` into a lone surrogate.
CHARSETS = ["utf-8", "latin-1", "ascii", "cp1252", "utf-16", "unicode_escape", "raw_unicode_escape"]


def test_fuzz_upload_names_and_bodies(db: Path) -> None:
    """Uploads of 1–3 files with generated names and bytes, and file names of any bytes in
    any declared charset: a 200 or a located 422 (400: not multipart), never a 5xx, and a
    refused upload leaves the store as it was."""
    before = file_fingerprint(db)
    generation = _generation(db)
    statuses: Counter[int] = Counter()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    app = create_app(Settings(store=str(db), api_token=TOKEN, token_for_reads=False))
    with TestClient(app, raise_server_exceptions=False) as client:

        @settings(
            max_examples=examples(300),
            derandomize=True,
            database=None,
            deadline=None,
            print_blob=False,
            suppress_health_check=list(HealthCheck),
        )
        @given(
            parts=st.lists(
                st.tuples(UPLOAD_NAMES, st.binary(max_size=2048)), min_size=1, max_size=3
            )
        )
        def run(parts: list[tuple[str, bytes]]) -> None:
            response = client.post(
                "/api/load", headers=auth, files=[("files", (name, body)) for name, body in parts]
            )
            statuses[response.status_code] += 1
            assert response.status_code in (200, 422), response.text[:1000]
            if response.status_code == 422:
                assert response.json()["error"]["message"], response.text[:1000]
                assert _generation(db) == generation, "a refused upload changed the store"

        run()

        # a hand-made multipart body: a file name of any bytes, read with the charset the
        # request declares (Starlette decodes names with it; escape codecs make surrogates)
        @settings(
            max_examples=examples(200),
            derandomize=True,
            database=None,
            deadline=None,
            print_blob=False,
            suppress_health_check=list(HealthCheck),
        )
        @given(charset=st.sampled_from(CHARSETS), raw=st.binary(max_size=300))
        @example(charset="unicode_escape", raw=b"\\ud800.jsonl")
        @example(charset="raw_unicode_escape", raw=b"\\udfff\\x00.csv")
        def crafted(charset: str, raw: bytes) -> None:
            name = raw.replace(b'"', b"").replace(b"\r", b"").replace(b"\n", b"")
            body = (
                b'--xyz\r\nContent-Disposition: form-data; name="files"; filename="'
                + name
                + b'"\r\nContent-Type: application/octet-stream\r\n\r\n{}\r\n'
                b"--xyz--\r\n"
            )
            response = client.post(
                "/api/load",
                content=body,
                headers={
                    **auth,
                    "Content-Type": f"multipart/form-data; boundary=xyz; charset={charset}",
                },
            )
            statuses[response.status_code] += 1
            assert response.status_code in (400, 422), response.text[:1000]
            assert _generation(db) == generation, "a refused upload changed the store"

        crafted()
    print(f"upload names and bodies: statuses {dict(sorted(statuses.items()))}")
    assert sum(statuses.values()) >= examples(500)
    assert file_fingerprint(db) == before
