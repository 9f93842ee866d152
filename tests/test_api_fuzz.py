"""Fuzzing the HTTP API from its own OpenAPI description, with schemathesis.

Every GET operation of ``/openapi.json`` gets generated requests, valid ones (positive) and
invalid ones (negative), sent in-process to the app over the embedded store loaded with the
public cases. Path ids are drawn both freely and from the ids in the store, so that real
chains, trees and nodes are asked for on generated days, depths and pages. Each response must
not be a 5xx, must conform to the documented schema, status code and content type, and an
invalid request must be refused. Deterministic (Hypothesis derandomized, no example
database) and bounded: about 2,000 requests, some 20 seconds.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
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

#: Generated requests per operation and mode; an operation with no parameters has only a
#: few distinct requests, and Hypothesis stops when it has tried them all.
EXAMPLES = {GenerationMode.POSITIVE: 120, GenerationMode.NEGATIVE: 60}
MIN_CASES = 1_000
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance,
          content_type_conformance]
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


def _strategy(operation: Operation, mode: GenerationMode,
              known: dict[str, list[str]]) -> st.SearchStrategy[Case]:
    """Generated cases; with a path parameter, also cases whose value is a known one."""
    free = operation.as_strategy(generation_mode=mode)
    names = [p.name for p in operation.path_parameters]
    if len(names) != 1 or names[0] not in known:
        return free
    name = names[0]
    chosen = st.sampled_from(known[name]).flatmap(
        lambda value: operation.as_strategy(generation_mode=mode,
                                            path_parameters={name: value}))
    return st.one_of(free, chosen)


def _fuzz(client: TestClient, operation: Operation, mode: GenerationMode,
          known: dict[str, list[str]], tally: Tally) -> None:
    label = f"{operation.method.upper()} {operation.path} ({mode.value})"
    checks = NEGATIVE_CHECKS if mode is GenerationMode.NEGATIVE else CHECKS

    @settings(max_examples=EXAMPLES[mode], derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate, Phase.shrink], print_blob=False,
              suppress_health_check=list(HealthCheck))
    @given(case=_strategy(operation, mode, known))
    def run(case: Case) -> None:
        tally.cases[label] += 1
        sent: dict[str, Any] = case.as_transport_kwargs(base_url="http://testserver")
        assert set(sent) <= SENT, sent
        assert sent["method"] == "GET", sent
        request = {k: v for k, v in sent.items() if k in SENT and (v or k != "cookies")}
        response = client.request(**request)
        tally.statuses[response.status_code] += 1
        case.validate_response(response, checks=checks, headers=sent["headers"],
                               transport_kwargs=sent)

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
    assert {op.path for op in gets} >= {"/api/health", "/api/queries", "/api/queries/{name}",
                                        "/api/search", "/api/stats"}
    known = {"id": served.ids, "name": [*QUERIES, "no-such-query"]}
    assert len(known["id"]) > 100

    tally = Tally()
    for operation in gets:
        for mode in EXAMPLES:
            _fuzz(client, operation, mode, known, tally)
    elapsed = time.monotonic() - started

    total = sum(tally.cases.values())
    summary = (f"{total} cases over {len(gets)} GET operations in {elapsed:.1f} s; "
               f"statuses {dict(sorted(tally.statuses.items()))}")
    print(summary)
    print(f"  nothing to make invalid: {tally.unsatisfiable}")
    for label, count in sorted(tally.cases.items()):
        print(f"  {count:4d}  {label}")
    assert not tally.failures, summary + "\n\n" + "\n\n".join(
        f"== {label}\n{report}" for label, report in tally.failures.items())
    assert total >= MIN_CASES, summary
    assert not [s for s in tally.statuses if s >= 500], summary
    assert {200, 404, 422} <= set(tally.statuses), summary  # answers, unknown ids, bad input
