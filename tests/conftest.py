"""Shared fixtures: both stores over the same data, and a real Bolt server for Neo4j.

The Neo4j store is tested against a real Bolt server: by default an ArcadeDB server started
once per session from the ``arcadedb-embedded`` wheel (:mod:`tools.bolt_server`). Set
``AFFGRAPH_TEST_NEO4J_URI`` (with ``AFFGRAPH_TEST_NEO4J_USER`` / ``_PASSWORD``) to run the same
suite against another server, e.g. the Neo4j of ``docker compose up neo4j``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from neo4j import GraphDatabase

from stores.base import GraphStore
from stores.embedded import EmbeddedStore
from stores.neo4j import Neo4jStore
from tools.bolt_server import BoltServer

STORE_KINDS = ("embedded", "neo4j")


@dataclass
class BoltTarget:
    """Where the Neo4j store's tests connect, and how to empty it between tests."""

    uri: str
    auth: tuple[str, str]
    database: str
    reset: Callable[[], None]


def _external_target() -> BoltTarget | None:
    uri = os.environ.get("AFFGRAPH_TEST_NEO4J_URI")
    if not uri:
        return None
    auth = (
        os.environ.get("AFFGRAPH_TEST_NEO4J_USER", "neo4j"),
        os.environ.get("AFFGRAPH_TEST_NEO4J_PASSWORD", ""),
    )
    database = os.environ.get("AFFGRAPH_TEST_NEO4J_DATABASE", "neo4j")

    def reset() -> None:
        with (
            GraphDatabase.driver(uri, auth=auth) as driver,
            driver.session(database=database) as session,
        ):
            # IN TRANSACTIONS needs an auto-commit transaction, hence session.run
            session.run(
                "MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
            ).consume()

    return BoltTarget(uri, auth, database, reset)


@pytest.fixture(scope="session")
def bolt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoltTarget]:
    """A real Bolt server for the session: ArcadeDB, or the one the environment names."""
    external = _external_target()
    if external is not None:
        yield external
        return
    server = BoltServer(tmp_path_factory.mktemp("arcadedb"))
    server.start()
    try:
        yield BoltTarget(server.uri, server.auth, server.database, server.reset_database)
    finally:
        server.stop()


@pytest.fixture
def open_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[str], GraphStore]]:
    """A function that opens a store of a kind on this test's location (fresh per test).

    Calling it again opens the same location anew, which is how tests reopen a store.
    """
    opened: list[GraphStore] = []
    reset_done = False

    def open_kind(kind: str) -> GraphStore:
        nonlocal reset_done
        store: GraphStore
        if kind == "embedded":
            store = EmbeddedStore(tmp_path / "affgraph.db")
        else:
            target: BoltTarget = request.getfixturevalue("bolt")
            if not reset_done:
                target.reset()
                reset_done = True
            store = Neo4jStore(target.uri, target.auth, database=target.database)
        opened.append(store)
        return store

    yield open_kind
    for store in opened:
        store.close()


@pytest.fixture(params=STORE_KINDS)
def store_kind(request: pytest.FixtureRequest) -> str:
    """Each store kind in turn."""
    kind: str = request.param
    return kind


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Neo4j-backed cases carry the ``neo4j`` marker, so ``-m "not neo4j"`` selects the rest."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("store_kind") == "neo4j":
            item.add_marker(pytest.mark.neo4j)


@pytest.fixture
def store(open_store: Callable[[str], GraphStore], store_kind: str) -> GraphStore:
    """An empty store of each kind."""
    return open_store(store_kind)


@pytest.fixture(scope="session")
def cases_dir() -> Path:
    """The bundled public cases dataset."""
    return Path(__file__).resolve().parent.parent / "data" / "cases"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test fails the run: a skipped test proves nothing."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("CI") and skipped and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter:
            reporter.write_line(f"CI: {skipped} test(s) were skipped; failing the run.", red=True)
