"""Shared fixtures: both stores over the same data, and a real Bolt server for Neo4j.

The Neo4j store is tested against a real Bolt server: by default an ArcadeDB server started
once per session from the ``arcadedb-embedded`` wheel (:mod:`app.bolt_server`). Set
``AFFGRAPH_TEST_NEO4J_URI`` (with ``AFFGRAPH_TEST_NEO4J_USER`` / ``_PASSWORD``) to run the same
suite against another server, e.g. the Neo4j of ``docker compose up neo4j``.

Tests that write get an empty store each (``store``); tests that only read a dataset share
one loaded store per dataset (``read_only``): on the Bolt server, the database is loaded once
and kept until a writing test empties it.

Hypothesis runs its ``ci`` profile (every example the fuzz tests ask for) where ``CI`` is
set, as on the CI machines, and its ``dev`` profile (a tenth of them) elsewhere, as in ``make
check``; ``HYPOTHESIS_PROFILE`` chooses one outright.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from neo4j import GraphDatabase

from app.bolt_server import BoltServer
from stores.base import GraphStore
from stores.embedded import EmbeddedStore
from stores.neo4j import Neo4jStore

STORE_KINDS = ("embedded", "neo4j")

# -- Hypothesis ---------------------------------------------------------------------------------

settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
settings.register_profile("dev", parent=settings.get_profile("ci"), max_examples=10)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
settings.load_profile(PROFILE)
#: The share of a fuzz test's examples the profile runs.
FUZZ_SHARE = 1.0 if PROFILE == "ci" else 0.1


def examples(n: int) -> int:
    """How many of a fuzz test's ``n`` examples (or of the outcomes it expects among them)
    this run asks for: all under the ``ci`` profile, a tenth under ``dev``."""
    return max(1, round(n * FUZZ_SHARE))


# -- the stores ---------------------------------------------------------------------------------


@dataclass
class BoltTarget:
    """Where the Neo4j store's tests connect, and how to empty it between tests."""

    uri: str
    auth: tuple[str, str]
    database: str
    empty: Callable[[], None]
    #: the dataset the database holds for tests that only read it (None: none, or changed)
    holding: str | None = None

    def reset(self) -> None:
        """Empty the database."""
        self.holding = None
        self.empty()


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


#: A dataset for tests that only read it: its name, and how to load it into an empty store.
Dataset = tuple[str, Callable[[GraphStore], object]]


@pytest.fixture(scope="session")
def _read_only_stores(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[tuple[str, str], GraphStore]]:
    opened: dict[tuple[str, str], GraphStore] = {}
    yield opened
    for store in opened.values():
        store.close()


@pytest.fixture
def read_only(
    request: pytest.FixtureRequest,
    store_kind: str,
    tmp_path_factory: pytest.TempPathFactory,
    _read_only_stores: dict[tuple[str, str], GraphStore],
) -> Callable[[Dataset], GraphStore]:
    """A function giving a store of each kind holding a dataset, for tests that only read it.

    The embedded store of a dataset is loaded once per session. The Bolt server has one
    database: it is loaded when a test asks for another dataset than the one it holds, or
    after a writing test has emptied it (``store``), and kept otherwise.
    """

    def holding(dataset: Dataset) -> GraphStore:
        name, load = dataset
        if store_kind == "embedded":
            key = ("embedded", name)
            if key not in _read_only_stores:
                embedded = EmbeddedStore(tmp_path_factory.mktemp("read-only") / "affgraph.db")
                load(embedded)
                _read_only_stores[key] = embedded
            return _read_only_stores[key]
        target: BoltTarget = request.getfixturevalue("bolt")
        key = ("neo4j", "")
        if target.holding != name or key not in _read_only_stores:
            if key in _read_only_stores:
                _read_only_stores.pop(key).close()
            target.reset()
            store = _read_only_stores[key] = Neo4jStore(
                target.uri, target.auth, database=target.database
            )
            load(store)
            target.holding = name
        return _read_only_stores[key]

    return holding


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


#: What schema version 7 added (the load log and the kept versions), taken out of a file this
#: code made so that it reads as a file of an earlier version would.
BEFORE_THE_LOG = (
    "DROP TABLE loads; DROP TABLE versions; DROP TABLE tags; DROP TABLE removed_nodes; "
    "DROP INDEX sources_gen; DROP INDEX transfers_gen; ALTER TABLE sources DROP COLUMN gen; "
    "ALTER TABLE transfers DROP COLUMN gen; DELETE FROM meta WHERE key IN ('last_load', "
    "'first_load'); "
)


def stored_schema_version(db: Path) -> str:
    """The schema version an embedded store file says it is (read with sqlite3 alone)."""
    conn = sqlite3.connect(db)
    try:
        return str(
            conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        )
    finally:
        conn.close()
