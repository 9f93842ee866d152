"""Concurrency on the embedded store, with real processes: ``affgraph serve`` answering
while a separate ``affgraph load`` writes the same file, and two loads at once.

* Every answer a reader gets while a load runs is the answer before the load or the answer
  after it — never a mix — for each route polled (health counts, stats, orphans, a node, a
  reporting line, a history, a subtree).
* Two ``affgraph load`` processes started together on one store are serialised: the store
  ends as if they had run one after the other, in some order. A load that cannot get the
  write lock is refused with StoreBusyError's message, having written nothing.

Two bugs found here are fixed and guarded by these tests: an export taken during a load
mixed two states, and opening a store during another load failed with a raw lock error.

The Neo4j store (on the ArcadeDB Bolt server): exports (many page transactions) and named
queries polled while ``affgraph load`` writes a province over Bolt each give the state before
or after the load; a read that a write overtakes is seen (the store's generation moved) and
made again, and a read overtaken every time ends in StoreChangedError's message.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from exports import export
from graph_schema.declaration import NODE_LABELS
from graph_schema.records import Node
from loaders.load import load_paths
from queries.catalog import QUERIES
from stores.base import READ_ATTEMPTS, GraphStore, StoreChangedError, read_consistently
from stores.embedded import EmbeddedStore
from stores.neo4j import Neo4jStore
from tests.conftest import BoltTarget
from tests.reliability_helpers import (
    AFFGRAPH,
    Fingerprint,
    Served,
    Watched,
    copy_store,
    dataset,
    file_fingerprint,
    fingerprint,
    loaded_store,
    run_affgraph,
    serve,
    start_server,
    uploads,
)

pytestmark = pytest.mark.concurrency

NODES = 10_000
#: the provinces two loads at once write: small, the loads overlap anyway
SMALL = 4_000
#: ``affgraph`` with the store's busy timeout (30 s) cut to 1 s, so that a refused write is
#: seen in a second instead of half a minute, and its progress display shown at once (not
#: after half a second), so that its phases are seen; everything else is the real command.
SHORT_BUSY = [
    sys.executable,
    "-c",
    "import functools, stores.embedded as e, app.cli as c; e._BUSY_TIMEOUT_S = 1.0; "
    "c.LoadDisplay = functools.partial(c.LoadDisplay, delay=0.0); c.main()",
]
BUSY_MESSAGE = "is being written by another load; try again when it has finished"


class MixedExportError(AssertionError):
    """An export that holds neither the state before a load nor the state after it."""


class RawLockError(AssertionError):
    """A locked store reported as a raw sqlite3 error instead of StoreBusyError's message."""


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.getbasetemp() / "reliability-data"


@pytest.fixture(scope="module")
def base_db(data_dir: Path) -> Path:
    """A closed store holding a generated province (seed 1)."""
    return loaded_store(data_dir, f"first-{NODES}.db", dataset(data_dir, NODES, 1))


@pytest.fixture(scope="module")
def changed_orgs(
    tmp_path_factory: pytest.TempPathFactory, base_db: Path, data_dir: Path
) -> list[str]:
    """Party organizations whose records the second province (seed 2) changes."""
    db = copy_store(base_db, tmp_path_factory.mktemp("changed") / "affgraph.db")
    store = EmbeddedStore(db)
    try:
        old = {n.id: n for n in store.iter_nodes(label="PartyOrg")}
        load_paths(store, [dataset(data_dir, NODES, 2)])
        new = {n.id: n for n in store.iter_nodes(label="PartyOrg")}
    finally:
        store.close()
    changed = sorted(i for i in old if old[i] != new[i])
    assert len(changed) > 100
    return [changed[len(changed) * k // 4] for k in range(4)]


def _routes(orgs: list[str]) -> list[str]:
    a, b, c, d = orgs
    return [
        "/api/health",
        "/api/stats",
        "/api/analysis/orphans?limit=50",
        f"/api/nodes/{a}",
        f"/api/orgs/{b}/chain",
        f"/api/orgs/{c}/history",
        f"/api/orgs/{d}/subtree?depth=2",
        f"/api/nodes/{d}/superiors",
    ]


def _digest(response: httpx.Response) -> str:
    assert response.status_code == 200, f"{response.request.url}: {response.text[:500]}"
    return hashlib.sha256(response.content).hexdigest()


def _answers(url: str, routes: list[str]) -> dict[str, str]:
    with httpx.Client(base_url=url, timeout=60) as client:
        return {route: _digest(client.get(route)) for route in routes}


@dataclass
class Readers:
    """Threads asking the server the same routes again and again until stopped."""

    url: str
    routes: list[str]
    threads: int = 4
    seen: dict[str, list[tuple[float, str]]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._workers = [
            threading.Thread(target=self._run, args=(k,), daemon=True) for k in range(self.threads)
        ]

    def _run(self, k: int) -> None:
        # each thread starts at another route, so that all are asked all the time
        order = self.routes[k:] + self.routes[:k]
        with httpx.Client(base_url=self.url, timeout=120) as client:
            while not self._stop.is_set():
                for route in order:
                    try:
                        answer = client.get(route)
                        digest = _digest(answer)
                    except (httpx.HTTPError, AssertionError) as exc:
                        with self._lock:
                            self.errors.append(f"{route}: {exc}")
                        continue
                    with self._lock:
                        self.seen.setdefault(route, []).append((time.monotonic(), digest))

    def __enter__(self) -> Readers:
        for worker in self._workers:
            worker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=120)


def test_reads_during_a_load_see_the_old_or_the_new_data(
    tmp_path: Path, base_db: Path, data_dir: Path, changed_orgs: list[str]
) -> None:
    db = copy_store(base_db, tmp_path / "affgraph.db")
    routes = _routes(changed_orgs)
    second = dataset(data_dir, NODES, 2)
    with serve(str(db), tmp_path / "serve.log") as server:
        before = _answers(server.url, routes)
        with Readers(server.url, routes) as readers:
            time.sleep(0.5)
            started = time.monotonic()
            load = run_affgraph("load", str(second), "--store", str(db))
            ended = time.monotonic()
            time.sleep(0.5)
        assert load.returncode == 0, load.stderr[-3000:]
        after = _answers(server.url, routes)
    assert not readers.errors, readers.errors[:10]
    changed = [r for r in routes if before[r] != after[r]]
    assert "/api/health" in changed, changed
    assert f"/api/nodes/{changed_orgs[0]}" in changed, changed
    during = 0
    for route in routes:
        for when, digest in readers.seen[route]:
            assert digest in (before[route], after[route]), (
                f"{route} answered a state that is neither before nor after the load, "
                f"{when - started:.2f}s after it started"
            )
            during += started <= when <= ended
    # reads were answered while the load ran, and some saw the new data before it ended
    # (the commit comes before the load process has finished)
    assert during > 20, during
    print(
        f"\n{during} answers during a load of {ended - started:.1f}s, "
        f"{sum(map(len, readers.seen.values()))} in all; routes changed by the load: "
        f"{len(changed)} of {len(routes)}"
    )


def _export_digest(client: httpx.Client) -> str:
    return _digest(client.get("/api/export", params={"format": "json"}))


def test_an_export_during_loads_is_one_state(tmp_path: Path, base_db: Path, data_dir: Path) -> None:
    db = copy_store(base_db, tmp_path / "affgraph.db")
    loads = [dataset(data_dir, NODES, 2), dataset(data_dir, NODES, 3)]
    with (
        serve(str(db), tmp_path / "serve.log") as server,
        httpx.Client(base_url=server.url, timeout=120) as client,
    ):
        states = {_export_digest(client)}
        route = ["/api/export?format=json"]
        with Readers(server.url, route, threads=2) as readers:
            for data in loads:  # each load commits once, while exports run
                done = run_affgraph("load", str(data), "--store", str(db))
                assert done.returncode == 0, done.stderr[-3000:]
                states.add(_export_digest(client))
        assert not readers.errors, readers.errors[:5]
    assert len(states) == len(loads) + 1
    mixed = [digest for _, digest in readers.seen[route[0]] if digest not in states]
    if mixed:
        raise MixedExportError(
            f"{len(mixed)} of {len(readers.seen[route[0]])} exports mixed two states"
        )


# -- two loads at once -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_db(data_dir: Path) -> Path:
    """A closed store holding a small generated province (seed 1)."""
    return loaded_store(data_dir, f"first-{SMALL}.db", dataset(data_dir, SMALL, 1))


@pytest.fixture(scope="module")
def xy(data_dir: Path) -> tuple[Path, Path]:
    """Two loads for it, X and Y (seeds 2 and 3), that update many of the same records."""
    return dataset(data_dir, SMALL, 2), dataset(data_dir, SMALL, 3)


@pytest.fixture(scope="module")
def orders(
    tmp_path_factory: pytest.TempPathFactory, small_db: Path, xy: tuple[Path, Path]
) -> dict[str, Fingerprint]:
    """The store after loading X then Y, Y then X, X alone and Y alone."""
    x, y = xy
    base_db = small_db
    found = {}
    for name, order in (("XY", (x, y)), ("YX", (y, x)), ("X", (x,)), ("Y", (y,))):
        db = copy_store(base_db, tmp_path_factory.mktemp(f"order-{name}") / "affgraph.db")
        store = EmbeddedStore(db)
        try:
            for data in order:
                load_paths(store, [data])
        finally:
            store.close()
        found[name] = file_fingerprint(db)
    assert found["XY"] != found["YX"], "X and Y must disagree for the test to tell orders"
    return found


def test_two_concurrent_loads_are_serialised(
    tmp_path: Path, small_db: Path, xy: tuple[Path, Path], orders: dict[str, Fingerprint]
) -> None:
    db = copy_store(small_db, tmp_path / "affgraph.db")
    x, y = xy
    loads = [Watched([*AFFGRAPH, "load", str(data), "--store", str(db)]) for data in (x, y)]
    try:
        codes = [load.wait() for load in loads]
    finally:
        for load in loads:
            load.close()
    outputs = [load.text() for load in loads]
    state = file_fingerprint(db)
    if codes == [0, 0]:
        assert state in (orders["XY"], orders["YX"]), (
            f"both loads succeeded but the store matches neither order: {state}"
        )
        order = "XY" if state == orders["XY"] else "YX"
        print(f"\nboth loads succeeded, serialised as {order}")
    else:
        # a refused load must say why, and the store holds the other load alone
        refused = [k for k, code in enumerate(codes) if code != 0]
        assert len(refused) == 1, outputs
        assert BUSY_MESSAGE in outputs[refused[0]], outputs[refused[0]][-2000:]
        assert state == orders["Y" if refused == [0] else "X"]


def _hold_write_lock(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    return conn


def test_a_load_that_cannot_get_the_lock_is_refused_clearly(
    tmp_path: Path, base_db: Path, data_dir: Path
) -> None:
    db = copy_store(base_db, tmp_path / "affgraph.db")
    before = file_fingerprint(db)
    load = Watched([*SHORT_BUSY, "load", str(dataset(data_dir, NODES, 2)), "--store", str(db)])
    holder = None
    try:
        # once the load is reading, the store is open: another writer takes the lock
        while load.running() and "reading" not in load.events:
            time.sleep(0.005)
        holder = _hold_write_lock(db)
        assert "writing" not in load.events
        code = load.wait()
    finally:
        load.close()
        if holder is not None:
            holder.execute("ROLLBACK")
            holder.close()
    assert code == 1, load.text()[-2000:]
    text = " ".join(load.text().split())
    assert BUSY_MESSAGE in text, text[-2000:]
    assert "nothing was loaded" in text, text[-2000:]
    assert "Traceback" not in text
    assert file_fingerprint(db) == before


def test_a_load_started_during_another_load_is_refused_clearly(
    tmp_path: Path, base_db: Path, data_dir: Path
) -> None:
    db = copy_store(base_db, tmp_path / "affgraph.db")
    before = file_fingerprint(db)
    holder = _hold_write_lock(db)  # another load, writing for longer than the busy timeout
    try:
        proc = Watched([*SHORT_BUSY, "load", str(dataset(data_dir, NODES, 2)), "--store", str(db)])
        code = proc.wait()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    text = " ".join(proc.text().split())
    if "OperationalError" in text:
        raise RawLockError(text[-1500:])
    assert code in (1, 2), text[-1500:]
    assert BUSY_MESSAGE in text, text[-1500:]
    assert file_fingerprint(db) == before


@pytest.fixture(scope="module")
def big_second(data_dir: Path) -> tuple[Path, Path]:
    """A store of 30,000 nodes and a load that changes >100,000 rows of it, so that a
    process catching up with it saves a snapshot."""
    return (
        loaded_store(data_dir, "first-30000.db", dataset(data_dir, 30_000, 1)),
        dataset(data_dir, 30_000, 2),
    )


def test_reads_are_answered_while_another_load_holds_the_write_lock(
    tmp_path: Path, big_second: tuple[Path, Path]
) -> None:
    """A server catching up with a large load saves a snapshot: it must not wait for the
    write lock a further load holds (it once waited the busy timeout, then answered 500)."""
    base, second = big_second
    db = copy_store(base, tmp_path / "affgraph.db")
    server: Served = start_server(
        str(db),
        tmp_path / "serve.log",
        command=[*SHORT_BUSY[:2], SHORT_BUSY[2].replace("1.0", "3.0")],
    )
    try:
        store = EmbeddedStore(db)  # a load by another process (here: in the test's)
        try:
            load_paths(store, [second])
            nodes = store.counts().nodes
        finally:
            store.close()
        holder = _hold_write_lock(db)  # and then a further load, writing
        try:
            started = time.monotonic()
            answer = httpx.get(f"{server.url}/api/health", timeout=60)
            took = time.monotonic() - started
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    finally:
        server.stop()
    assert answer.status_code == 200, f"{answer.status_code} after {took:.1f}s: {answer.text}"
    assert answer.json()["nodes"] == nodes


def test_an_api_load_during_a_cli_load_is_serialised_or_refused(
    tmp_path: Path, small_db: Path, xy: tuple[Path, Path], orders: dict[str, Fingerprint]
) -> None:
    """POST /api/load while `affgraph load` writes the same file: one order, or a 503 that
    says the store is being written (StoreBusyError), never a mix."""
    db = copy_store(small_db, tmp_path / "affgraph.db")
    x, y = xy
    token = "concurrency-token-5c2a"
    env = {**os.environ, "AFFGRAPH_API_TOKEN": token}
    with serve(str(db), tmp_path / "serve.log", env=env) as server:
        load = Watched([*AFFGRAPH, "load", str(x), "--store", str(db)])
        try:
            while load.running() and "checking" not in load.events:
                time.sleep(0.005)
            answer = httpx.post(
                f"{server.url}/api/load",
                files=uploads(y),
                timeout=180,
                headers={"Authorization": f"Bearer {token}"},
            )
            code = load.wait()
        finally:
            load.close()
    assert code == 0, load.text()[-2000:]
    state = file_fingerprint(db)
    if answer.status_code == 200:
        assert state in (orders["XY"], orders["YX"])
    else:
        assert answer.status_code == 503, answer.text
        assert BUSY_MESSAGE in answer.json()["error"]["message"]
        assert state == orders["X"]


# -- the Neo4j store: reads of several transactions during a write ------------------------------

#: nodes of the province on the Neo4j store: an export of it takes several pages of each kind
#: (5,000 records a page), so a load's commit can fall between two of them
NEO4J_NODES = 6_000


def _renamed(store: GraphStore, writer_store: GraphStore, node_id: str, name: str) -> None:
    """Rename a node through ``writer_store`` (another client of the same server)."""
    node = store.get_node(node_id)
    assert node is not None
    with writer_store.writer() as w:
        w.upsert_nodes([dataclasses.replace(node, name=name)])


def test_neo4j_read_overtaken_by_a_write_is_made_again(
    open_store: Callable[[str], GraphStore], cases_dir: Path
) -> None:
    store = open_store("neo4j")
    assert isinstance(store, Neo4jStore)
    load_paths(store, [cases_dir])
    other = open_store("neo4j")  # a second client of the same database, as another process
    start = store.generation()
    assert start >= 1
    # a write that changes nothing leaves the generation alone: reads are not disturbed
    load_paths(other, [cases_dir])
    assert store.generation() == start
    before = fingerprint(store)

    # a write committed between two transactions of one read is seen by the later one
    def overtaken_read() -> None:
        with store.reading():
            assert fingerprint(store) == before
            _renamed(store, other, ORG_NEO4J, "改名一")
            store.counts()

    with pytest.raises(StoreChangedError, match="was written to during this read"):
        overtaken_read()
    # the generation is the number of the last load that changed something: the reload
    # that changed nothing was load start + 1, the renaming load start + 2
    assert store.generation() == store.last_load() == start + 2
    # read_consistently makes such a read again, and returns the second, unmixed one
    calls: list[Fingerprint] = []

    def read() -> Fingerprint:
        calls.append(fingerprint(store))
        if len(calls) == 1:
            _renamed(store, other, ORG_NEO4J, "改名二")
            store.counts()  # read again after the write: overtaken
        return calls[-1]

    got = read_consistently(store, read)
    assert len(calls) == 2
    assert calls[0] != calls[1]
    assert got == calls[1] == fingerprint(store)
    # nested reads join the outer one: one check, at the outermost end
    with store.reading():
        with store.reading():
            counts = store.counts()
        assert counts == store.counts()

    # overtaken on every try: the caller is told, in words
    def always_overtaken() -> None:
        _renamed(store, other, ORG_NEO4J, f"改名{store.generation()}")
        store.counts()

    with pytest.raises(StoreChangedError, match=f"{READ_ATTEMPTS} attempts.*try again"):
        read_consistently(store, always_overtaken)


ORG_NEO4J = "tj-zhonghuan-samsung-jv-pc"


def test_neo4j_export_overtaken_on_every_try_leaves_no_file(
    open_store: Callable[[str], GraphStore],
    cases_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = open_store("neo4j")
    load_paths(store, [cases_dir])
    other = open_store("neo4j")
    real = store.iter_sources

    def iter_sources() -> Iterator[Any]:  # a real write commits half-way through each try
        _renamed(store, other, ORG_NEO4J, f"改名{store.counts().nodes}-{time.monotonic()}")
        return real()

    monkeypatch.setattr(store, "iter_sources", iter_sources)
    out = tmp_path / "export.json"
    with pytest.raises(StoreChangedError, match=f"{READ_ATTEMPTS} attempts"):
        export(store, "json", out)
    assert not out.exists()  # the last try's file mixed two states: it is gone
    monkeypatch.undo()
    export(store, "json", out)  # undisturbed, the export is written
    assert out.stat().st_size > 10_000


def test_neo4j_first_writes_at_once_and_an_emptied_database(
    open_store: Callable[[str], GraphStore], bolt: BoltTarget
) -> None:
    """Two clients' first writes to a new database at once both land (the state node is
    made when a store opens, not by the first write); a database emptied and loaded again
    during a read is told apart (its epoch differs), even at the same generation."""
    store = open_store("neo4j")
    assert isinstance(store, Neo4jStore)
    other = open_store("neo4j")
    assert isinstance(other, Neo4jStore)
    assert store.state() == other.state()
    assert store.generation() == 0
    barrier = threading.Barrier(2)
    failed: list[BaseException] = []

    def first_write(target: GraphStore, prefix: str) -> None:
        nodes = [
            Node(f"{prefix}-{i}", "PartyOrg", "branch", f"支部 {i}", None, None, {})
            for i in range(5)
        ]
        barrier.wait()
        try:
            with target.writer() as w:
                w.upsert_nodes(nodes)
        except BaseException as exc:  # reported below
            failed.append(exc)

    writers = [
        threading.Thread(target=first_write, args=(s, p)) for s, p in ((store, "a"), (other, "b"))
    ]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=120)
    assert not failed, failed
    assert store.counts().nodes == 10
    assert store.generation() == 2

    def emptied_and_loaded_again() -> None:
        with store.reading():
            store.counts()
            bolt.reset()
            store.ensure_schema()
            for k in range(2):  # back at generation 2, in a new epoch
                with other.writer() as w:
                    w.upsert_nodes([Node(f"c-{k}", "PartyOrg", "branch", "支部", None, None, {})])
            store.counts()

    with pytest.raises(StoreChangedError):
        emptied_and_loaded_again()
    assert store.generation() == 2


#: clients, and new databases they each open and write at once
_CLIENTS, _NEW_DATABASES = 4, 12
#: a node of every label the schema declares, as (label, a kind of it)
_A_KIND_OF_EACH_LABEL = tuple((name, next(iter(nl.kinds))) for name, nl in NODE_LABELS.items())


def _open_and_write_at_once(bolt: BoltTarget, prefix: str) -> tuple[list[Neo4jStore], list[str]]:
    """:data:`_CLIENTS` threads open the database at once, then each writes a node of every
    label at once: the stores opened, and what failed."""
    barrier = threading.Barrier(_CLIENTS)
    failed: list[str] = []
    opened: list[Neo4jStore] = []

    def open_and_write(client: int) -> None:
        nodes = [
            Node(f"{prefix}-{client}-{label}", label, kind, f"{label} {client}", None, None, {})
            for label, kind in _A_KIND_OF_EACH_LABEL
        ]
        try:
            barrier.wait()
            store = Neo4jStore(bolt.uri, bolt.auth, database=bolt.database)
            opened.append(store)
            barrier.wait()
            with store.writer() as w:
                w.upsert_nodes(nodes)
        except BaseException as exc:  # reported by the caller
            failed.append(f"client {client}: {exc!r}")
            barrier.abort()  # the others stop waiting for this one

    clients = [
        threading.Thread(target=open_and_write, args=(c,), daemon=True) for c in range(_CLIENTS)
    ]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join(timeout=120)
    return opened, failed


def test_neo4j_clients_opening_and_writing_every_label_at_once(bolt: BoltTarget) -> None:
    """Clients opening a new database at once, then writing a node of every label at once,
    all land: ArcadeDB makes a type per set of labels on first use and refuses a second
    maker at the same moment, so the store makes them when it opens (and tries again if
    another client opening it made one meanwhile)."""
    for round_ in range(_NEW_DATABASES):
        bolt.reset()
        opened, failed = _open_and_write_at_once(bolt, f"r{round_}")
        try:
            assert not failed, f"new database {round_}: {failed}"
            assert opened[0].counts().nodes == _CLIENTS * len(_A_KIND_OF_EACH_LABEL)
            assert opened[0].generation() == _CLIENTS
        finally:
            for store in opened:
                store.close()


@contextmanager
def _counting_overtaken(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Count the reads of the Neo4j store that a write overtook (each made again)."""
    overtaken: list[int] = []
    real = Neo4jStore.reading

    @contextmanager
    def reading(self: Neo4jStore) -> Iterator[None]:
        try:
            with real(self):
                yield
        except StoreChangedError:
            overtaken.append(1)
            raise

    monkeypatch.setattr(Neo4jStore, "reading", reading)
    yield overtaken


def _neo4j_state(store: GraphStore, folder: Path, org: str) -> dict[str, str]:
    """Digests of a JSON export and of three named queries' answers."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"export-{threading.get_ident()}.json"
    export(store, "json", path)
    answers: dict[str, Any] = {
        "stats": QUERIES["stats"].run_dict(store, {}),
        "orphans": QUERIES["orphans"].run_dict(store, {"limit": 10_000}),
        "chain": QUERIES["chain"].run_dict(store, {"id": org}),
    }
    state = {"export": hashlib.sha256(path.read_bytes()).hexdigest()}
    state.update(
        (k, hashlib.sha256(v.model_dump_json().encode()).hexdigest()) for k, v in answers.items()
    )
    return state


def test_neo4j_exports_and_queries_during_a_load_see_one_state(
    open_store: Callable[[str], GraphStore],
    bolt: BoltTarget,
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = open_store("neo4j")
    load_paths(store, [dataset(data_dir, NEO4J_NODES, 1)])
    second = dataset(data_dir, NEO4J_NODES, 2)
    org = next(n.id for n in store.iter_nodes(label="PartyOrg", kind="branch"))
    before = _neo4j_state(store, tmp_path / "before", org)
    assert store.counts().nodes > 5_000  # several pages an export
    env = {
        **os.environ,
        "AFFGRAPH_NEO4J_USER": bolt.auth[0],
        "AFFGRAPH_NEO4J_PASSWORD": bolt.auth[1],
        "AFFGRAPH_NEO4J_DATABASE": bolt.database,
    }
    seen: list[tuple[float, dict[str, str]]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            try:
                state = _neo4j_state(store, tmp_path / "during", org)
            except BaseException as exc:  # reported below, with the others
                errors.append(exc)
                return
            seen.append((time.monotonic(), state))

    with _counting_overtaken(monkeypatch) as overtaken:
        readers = [threading.Thread(target=poll, daemon=True) for _ in range(3)]
        for reader in readers:
            reader.start()
        started = time.monotonic()
        load = run_affgraph("load", str(second), "--store", bolt.uri, env=env, timeout=600)
        ended = time.monotonic()
        time.sleep(0.5)
        stop.set()
        for reader in readers:
            reader.join(timeout=300)
    assert load.returncode == 0, load.stderr[-3000:]
    assert not errors, errors[:3]
    after = _neo4j_state(store, tmp_path / "after", org)
    assert after["export"] != before["export"]
    assert after["stats"] != before["stats"]
    for when, state in seen:
        for name, digest in state.items():
            assert digest in (before[name], after[name]), (
                f"{name} answered a state that is neither before nor after the load, "
                f"{when - started:.2f}s after it started"
            )
    # the load's commit fell inside some reader's read (each of the three threads reads back
    # to back, an export taking seconds), which was made again
    during = sum(started <= when <= ended for when, _ in seen)
    assert overtaken, "no read was overtaken by the load's commit, so nothing was tested"
    print(
        f"\n{len(seen)} rounds (export + 3 queries) during and around a Neo4j load of "
        f"{ended - started:.1f}s, {during} ended during it; {len(overtaken)} read(s) "
        "overtaken by its commit and made again"
    )
