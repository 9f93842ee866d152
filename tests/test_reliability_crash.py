"""Crash safety of loads: a load killed with SIGKILL at any point leaves the store as it was
(or, once its commit is on disk, as the load made it) — never half a load.

* ``affgraph load`` into an embedded store, killed while reading, while checking, while
  writing (staging), while its commit is being written to the WAL, during the checkpoint
  after the commit, and while it saves its snapshot. The phases are told by the load's own
  progress display (on a pseudo terminal) and by the store's WAL and file growing; the times
  come from a measured normal run of the same load.
* ``affgraph serve`` killed in the middle of a ``POST /api/load`` of a large upload.
* The Neo4j store (on the ArcadeDB Bolt server): a write that fails in its last batch, or
  raises after thousands of upserts, or whose ``affgraph load`` process is killed, leaves
  nothing behind.

After each kill the store is reopened as a user would (no repair step), SQLite's integrity
check passes, and its counts and a sha256 over every record equal the state before the load
(or after it, for kills after the commit); then the same load succeeds.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal, LiteralString

import httpx
import pytest

import stores.neo4j as neo4j_store
from graph_schema.records import Edge, Node, Source
from loaders.load import LOOKING_FOR_DUPLICATES, load_paths
from stores.base import GraphStore, UnknownNodeError
from stores.neo4j import BATCH_SIZE, Neo4jStore
from tests.conftest import BoltTarget
from tests.reliability_helpers import (
    AFFGRAPH,
    Fingerprint,
    Watched,
    copy_store,
    cpu_seconds,
    dataset,
    file_fingerprint,
    fingerprint,
    loaded_store,
    run_affgraph,
    size,
    start_server,
    uploads,
)

pytestmark = pytest.mark.crash

#: About how many nodes each generated province has: a load of one takes a few seconds, its
#: reading and checking long enough (> 1 s, > 0.2 s) to show on the progress display (which
#: appears after 0.5 s), and it writes >100,000 rows, so that the loading process also saves a
#: snapshot after its commit. (30,000 nodes were enough before the bulk load path made reading
#: and checking several times faster.)
NODES = 100_000
TOKEN = "crash-test-token-4b7e1d"

Expect = Literal["before", "either", "after"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.getbasetemp() / "reliability-data"


@pytest.fixture(scope="module")
def first(data_dir: Path) -> Path:
    """The first dataset (seed 1)."""
    return dataset(data_dir, NODES, 1)


@pytest.fixture(scope="module")
def second(data_dir: Path) -> Path:
    """The second dataset (seed 2): it updates most records of the first and adds more."""
    return dataset(data_dir, NODES, 2)


@pytest.fixture(scope="module")
def base_db(data_dir: Path, first: Path) -> Path:
    """A closed store holding the first dataset."""
    return loaded_store(data_dir, f"first-{NODES}.db", first)


@pytest.fixture(scope="module")
def before(base_db: Path) -> Fingerprint:
    return file_fingerprint(base_db)


@dataclass
class Timeline:
    """When things happened in a normal run of the load (seconds after its start)."""

    events: dict[str, float]
    wal: float  # the WAL first grew: the commit is being written
    wal_size: int  # how large the WAL grew with the commit
    grown: float  # the store file first grew: the checkpoint after the commit
    end: float


@dataclass
class Probe:
    """What a kill trigger sees of the running load."""

    load: Watched
    db: Path
    db_size: int
    grown_at: float | None = None

    @property
    def wal(self) -> Path:
        return Path(f"{self.db}-wal")


def watch(load: Watched, db: Path, trigger: Callable[[Probe], bool] | None) -> Probe:
    """Follow the load until ``trigger`` fires (then SIGKILL it) or it ends by itself."""
    probe = Probe(load, db, size(db))
    while load.running():
        if probe.grown_at is None and size(db) > probe.db_size:
            probe.grown_at = load.elapsed()
        if trigger is not None and trigger(probe):
            load.kill()
            break
        time.sleep(0.001)
    return probe


def measure(db: Path, data: Path) -> Timeline:
    """A normal run of ``affgraph load DATA`` on ``db``: when each phase began."""
    load = Watched([*AFFGRAPH, "load", str(data), "--store", str(db)])
    wal_at: list[float] = []
    wal_size = [0]

    def note(probe: Probe) -> bool:
        wal = size(probe.wal)
        if not wal_at and wal > 0:
            wal_at.append(load.elapsed())
        wal_size[0] = max(wal_size[0], wal)
        return False

    probe = watch(load, db, note)
    end = load.elapsed()
    assert load.wait() == 0, load.text()[-3000:]
    assert {"reading", "checking", "writing"} <= load.events.keys(), load.events
    assert wal_at, "the WAL never grew"
    assert probe.grown_at is not None, "the store file never grew"
    return Timeline(dict(load.events), wal_at[0], wal_size[0], probe.grown_at, end)


@dataclass(frozen=True)
class KillPoint:
    name: str
    #: fires when the load should be killed
    trigger: Callable[[Probe, Timeline], bool]
    #: the state the store must hold afterwards
    expect: Expect


def _after_event(
    event: str, fraction_of: Callable[[Timeline], float]
) -> Callable[[Probe, Timeline], bool]:
    def fire(probe: Probe, normal: Timeline) -> bool:
        seen = probe.load.events.get(event)
        return seen is not None and probe.load.elapsed() >= seen + fraction_of(normal)

    return fire


def _checking(probe: Probe, normal: Timeline) -> bool:
    # checking shows for about half a second; were it ever too short to be displayed, the
    # kill comes as writing begins (still long before the commit)
    return "checking" in probe.load.events or "writing" in probe.load.events


KILL_BEFORE_COMMIT = (
    # early: reading the files, a third of the way through
    KillPoint(
        "reading",
        _after_event("reading", lambda t: 0.3 * (t.events["checking"] - t.events["reading"])),
        "before",
    ),
    # mid: checking the load against the store
    KillPoint("checking", _checking, "before"),
    # mid: writing — halfway through staging, the transaction open, nothing committed
    KillPoint(
        "writing", _after_event("writing", lambda t: 0.5 * (t.wal - t.events["writing"])), "before"
    ),
    # late: the commit's pages are being appended to the WAL — killed as it begins, and
    # when half of them are written; the commit record (its last frame) is not on disk yet
    KillPoint("commit begun", lambda p, t: size(p.wal) > 0, "either"),
    KillPoint("commit half-written", lambda p, t: size(p.wal) >= t.wal_size // 2, "either"),
)
KILL_AFTER_COMMIT = (
    # the commit is on disk; the WAL is being checkpointed into the store file
    KillPoint("checkpoint", lambda p, t: p.grown_at is not None, "after"),
    # the loading process catches its graph up and saves a snapshot of it
    KillPoint(
        "snapshot",
        lambda p, t: (
            p.grown_at is not None and p.load.elapsed() >= p.grown_at + 0.5 * (t.end - t.grown)
        ),
        "after",
    ),
)


@dataclass(frozen=True)
class Kill:
    """What was seen when a load was killed."""

    point: KillPoint
    at: float
    events: dict[str, float]
    wal: int  # the WAL's size at the kill (-1: none)
    grown: bool  # whether the store file had grown (the checkpoint after the commit)

    def __str__(self) -> str:
        phases = ", ".join(
            f"{k} {v:.2f}s" for k, v in sorted(self.events.items(), key=lambda kv: kv[1])
        )
        return (
            f"{self.point.name}: killed at {self.at:.2f}s (seen: {phases}; WAL "
            f"{self.wal} bytes; store file grown: {self.grown})"
        )


def kill_at(point: KillPoint, db: Path, data: Path, normal: Timeline) -> Kill:
    """Run the load on ``db`` and SIGKILL it at ``point``."""
    load = Watched([*AFFGRAPH, "load", str(data), "--store", str(db)])
    try:
        wal_at_kill: list[int] = []

        def fire(probe: Probe) -> bool:
            if point.trigger(probe, normal):
                wal_at_kill.append(size(probe.wal))
                return True
            return False

        probe = watch(load, db, fire)
        assert wal_at_kill, (
            f"the load ended before the kill point {point.name!r} "
            f"({load.events}):\n{load.text()[-2000:]}"
        )
        assert load.proc.returncode == -9
        return Kill(
            point, load.elapsed(), dict(load.events), wal_at_kill[0], probe.grown_at is not None
        )
    finally:
        load.close()


def check_state(db: Path, kill: Kill, before: Fingerprint, after: Fingerprint) -> Fingerprint:
    """Reopen the store: it holds the state the kill point allows, and nothing else."""
    state = file_fingerprint(db)
    expect = kill.point.expect
    allowed = {"before": [before], "after": [after], "either": [before, after]}[expect]
    assert state in allowed, (
        f"{kill}\nthe store holds neither the state before the load "
        f"nor after it: {state}\nbefore: {before}\nafter: {after}"
    )
    if expect == "before":
        assert kill.wal <= 0, f"{kill}: the WAL had grown before a pre-commit kill point"
    return state


@pytest.fixture(scope="module")
def measured(
    tmp_path_factory: pytest.TempPathFactory, base_db: Path, second: Path
) -> tuple[Timeline, Fingerprint]:
    """A normal run of the second load on the first dataset; its timeline and result."""
    db = copy_store(base_db, tmp_path_factory.mktemp("measured") / "affgraph.db")
    normal = measure(db, second)
    return normal, file_fingerprint(db)


def test_killed_cli_load_leaves_the_previous_data(
    tmp_path: Path,
    base_db: Path,
    second: Path,
    before: Fingerprint,
    measured: tuple[Timeline, Fingerprint],
) -> None:
    normal, after = measured
    assert after != before
    print(f"\nnormal run: {normal}\nbefore: {before}\nafter: {after}")
    db = copy_store(base_db, tmp_path / "affgraph.db")
    state = before
    # one store file killed again and again, reopened in between, as a user would retry
    for point in KILL_BEFORE_COMMIT:
        if state == after:
            break  # the commit kill left the load done: the later points are moot
        kill = kill_at(point, db, second, normal)
        print(kill)
        state = check_state(db, kill, before, after)
    # then the same load succeeds (or, if the last kill came after its commit, finds
    # everything already there)
    done = run_affgraph("load", str(second), "--store", str(db))
    assert done.returncode == 0, done.stderr[-3000:]
    if state == after:
        assert "Nothing changed" in done.stdout
    assert file_fingerprint(db) == after


@pytest.mark.parametrize("point", KILL_AFTER_COMMIT, ids=lambda p: p.name)
def test_cli_load_killed_after_its_commit_is_complete(
    tmp_path: Path,
    base_db: Path,
    second: Path,
    before: Fingerprint,
    measured: tuple[Timeline, Fingerprint],
    point: KillPoint,
) -> None:
    normal, after = measured
    db = copy_store(base_db, tmp_path / "affgraph.db")
    kill = kill_at(point, db, second, normal)
    print(f"\n{kill}")
    check_state(db, kill, before, after)
    again = run_affgraph("load", str(second), "--store", str(db))
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Nothing changed" in again.stdout


# -- POST /api/load, the server killed mid-request ----------------------------------------------


def _post(url: str, files: list[tuple[str, tuple[str, bytes]]], answers: list[object]) -> None:
    try:
        answers.append(
            httpx.post(
                f"{url}/api/load",
                files=files,
                timeout=120,
                headers={"Authorization": f"Bearer {TOKEN}"},
            )
        )
    except httpx.TransportError as exc:
        answers.append(exc)


def test_server_killed_during_an_upload_load_leaves_the_previous_data(
    tmp_path: Path,
    base_db: Path,
    second: Path,
    before: Fingerprint,
    measured: tuple[Timeline, Fingerprint],
) -> None:
    normal, after = measured
    db = copy_store(base_db, tmp_path / "affgraph.db")
    files = uploads(second)
    scratch = tmp_path / "tmp"  # the server's temporary folder, where uploads are saved
    scratch.mkdir()
    env = {**os.environ, "AFFGRAPH_API_TOKEN": TOKEN, "TMPDIR": str(scratch)}
    total = sum(len(body) for _, (_, body) in files)
    wal = Path(f"{db}-wal")

    def uploaded() -> bool:
        saved = [p for d in scratch.glob("affgraph-upload-*") for p in d.iterdir()]
        return sum(size(p) for p in saved) >= total

    # mid-load: the upload is saved and the server has spent 40 % of the CPU time a load
    # takes before its commit (in the measured normal run); late: the commit is being
    # written to the WAL
    loading = 0.4 * (normal.wal - normal.events["reading"])
    points: list[tuple[str, Callable[[int, float], bool], Expect]] = [
        ("loading", lambda pid, cpu0: cpu_seconds(pid) >= cpu0 + loading, "before"),
        ("commit", lambda pid, cpu0: size(wal) > 0, "either"),
    ]
    state = before
    for name, trigger, expect in points:
        if state == after:
            break
        server = start_server(str(db), tmp_path / f"serve-{name}.log", env=env)
        answers: list[object] = []
        try:
            assert size(wal) <= 0
            poster = threading.Thread(target=_post, args=(server.url, files, answers))
            poster.start()
            cpu0 = -1.0
            fired = False
            while server.proc.poll() is None and not answers:
                if cpu0 < 0 and uploaded():
                    cpu0 = cpu_seconds(server.proc.pid)
                if cpu0 >= 0 and trigger(server.proc.pid, cpu0):
                    wal_at_kill = size(wal)
                    server.kill()
                    fired = True
                    break
                time.sleep(0.001)
            poster.join(timeout=60)
            assert fired, f"the load ended before the kill point {name!r}: {answers}"
        finally:
            server.kill()
        assert answers, "the upload got no answer"
        assert isinstance(answers[0], httpx.TransportError), answers
        state = file_fingerprint(db)
        allowed = [before] if expect == "before" else [before, after]
        assert state in allowed, f"{name}: {state}\nbefore: {before}\nafter: {after}"
        if expect == "before":
            assert wal_at_kill <= 0, f"{name}: the WAL had grown ({wal_at_kill} bytes)"
        print(
            f"\nserver killed at {name} (WAL {wal_at_kill} bytes): "
            f"{'before' if state == before else 'after'}-state"
        )
    # restarted, the server takes the same upload
    with_server = start_server(str(db), tmp_path / "serve-again.log", env=env)
    try:
        answer = httpx.post(
            f"{with_server.url}/api/load",
            files=files,
            timeout=180,
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert answer.status_code == 200, answer.text[:2000]
        health = httpx.get(f"{with_server.url}/api/health").json()
        assert health["nodes"] == sum(n for _, n in after.nodes_by_label)
        # the folders the killed servers' uploads were saved in were removed at its start
        assert list(scratch.iterdir()) == []
    finally:
        with_server.stop()
    assert file_fingerprint(db) == after


# -- the Neo4j store: a write that fails part-way leaves nothing ------------------------------


@pytest.fixture
def neo4j_cases(
    open_store: Callable[[str], GraphStore], cases_dir: Path
) -> tuple[GraphStore, Fingerprint]:
    """The Neo4j store on the Bolt server, holding the public cases, and its fingerprint."""
    store = open_store("neo4j")
    load_paths(store, [cases_dir])
    return store, fingerprint(store)


def _nodes(n: int, prefix: str) -> list[Node]:
    return [
        Node(
            f"{prefix}-{i:05d}",
            "PartyOrg",
            "branch",
            f"支部 {i}",
            date(2001, 1, 1),
            None,
            {"members": i % 50, "source": "s-crash", "quote": "q"},
        )
        for i in range(n)
    ]


def _lines(nodes: list[Node], root: str) -> list[Edge]:
    return [
        Edge(
            "AFFILIATED_TO",
            n.id,
            root,
            "territorial",
            date(2001, 1, 1),
            None,
            {"source": "s-crash", "quote": "q"},
        )
        for n in nodes
    ]


def write(store: GraphStore, nodes: list[Node], edges: list[Edge], fail: str | None = None) -> None:
    """One write of a source, ``nodes`` and ``edges``; ``fail``: raise that inside it."""
    with store.writer() as w:
        w.upsert_sources([Source("s-crash", {"title": "crash test"})])
        w.upsert_nodes(nodes)
        w.upsert_edges(edges)
        if fail is not None:
            raise RuntimeError(fail)


def test_neo4j_write_failing_in_its_last_batch_leaves_nothing(
    neo4j_cases: tuple[GraphStore, Fingerprint],
) -> None:
    store, before = neo4j_cases
    nodes = _nodes(2 * BATCH_SIZE + 500, "crash-a")  # three batches of nodes
    edges = _lines(nodes, nodes[0].id)
    # an edge to an unknown id at the very end of the last batch
    edges.append(
        Edge(
            "AFFILIATED_TO", nodes[-1].id, "no-such-node", "territorial", date(2001, 1, 1), None, {}
        )
    )
    assert len(edges) > 2 * BATCH_SIZE
    with pytest.raises(UnknownNodeError, match="no-such-node"):
        write(store, nodes, edges)
    assert fingerprint(store) == before


def test_neo4j_write_failing_after_thousands_of_upserts_leaves_nothing(
    neo4j_cases: tuple[GraphStore, Fingerprint], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, before = neo4j_cases
    nodes = _nodes(2 * BATCH_SIZE + 500, "crash-b")
    edges = _lines(nodes[1:], nodes[0].id)
    # a value that cannot be written, on the last line: the transaction has created
    # thousands of nodes when it fails
    last = edges[-1]
    bad = Edge(
        last.type,
        last.src,
        last.dst,
        last.kind,
        last.valid_from,
        last.valid_to,
        {"quote": object()},
    )
    with pytest.raises(TypeError, match="not JSON serializable"):
        write(store, nodes, [*edges[:-1], bad])
    assert fingerprint(store) == before
    # a failure once every batch of nodes and lines has been sent, just before the commit
    real = neo4j_store._run_batches
    merged: list[int] = []

    def then_fail(tx: Any, query: LiteralString, rows: list[dict[str, Any]], stamp: Any) -> Any:
        sent = real(tx, query, rows, stamp)
        if query in neo4j_store._MERGE_EDGES.values():
            merged.append(len(rows))
            raise RuntimeError("injected failure after the last batch")
        return sent

    monkeypatch.setattr(neo4j_store, "_run_batches", then_fail)
    with pytest.raises(RuntimeError, match="injected"):
        write(store, nodes, edges)
    assert merged == [len(edges)]
    assert fingerprint(store) == before
    monkeypatch.undo()
    # and an exception raised inside the writer block after thousands of upserts
    with pytest.raises(RuntimeError, match="mid-write"):
        write(store, nodes, edges, fail="mid-write")
    assert fingerprint(store) == before
    # the same write without the bad value then goes through whole
    write(store, nodes, edges)
    assert store.counts().nodes == sum(n for _, n in before.nodes_by_label) + len(nodes)


def _settled(store: GraphStore) -> Fingerprint:
    """The store's fingerprint once the server is done with a killed client's transaction
    (two fingerprints in a row alike; one taken while it commits may disagree with itself)."""
    last: Fingerprint | None = None
    for _ in range(50):
        try:
            found = fingerprint(store)
        except AssertionError:  # its counts and records read from two states
            found = None
        if found is not None and found == last:
            return found
        last = found
        time.sleep(0.2)
    raise AssertionError("the store did not settle after the kill")


def test_neo4j_load_process_killed_mid_write_leaves_nothing(
    neo4j_cases: tuple[GraphStore, Fingerprint], bolt: BoltTarget, data_dir: Path, cases_dir: Path
) -> None:
    store, before = neo4j_cases
    data = dataset(data_dir, 3000, 3)
    env = {
        **os.environ,
        "AFFGRAPH_NEO4J_USER": bolt.auth[0],
        "AFFGRAPH_NEO4J_PASSWORD": bolt.auth[1],
        "AFFGRAPH_NEO4J_DATABASE": bolt.database,
    }
    args = [*AFFGRAPH, "load", str(data), "--store", bolt.uri]
    markers = (*Watched.markers, LOOKING_FOR_DUPLICATES)
    # a normal run: "writing" is the one write transaction, until it has committed and the
    # load looks for possible duplicates (or, with none to look for, the process ends)
    normal = Watched(args, markers=markers, env=env)
    assert normal.wait() == 0, normal.text()[-3000:]
    writing = normal.events["writing"]
    end = normal.events.get(LOOKING_FOR_DUPLICATES, normal.elapsed())
    after = fingerprint(store)
    assert store.counts().nodes > sum(n for _, n in before.nodes_by_label)
    span = end - writing
    # killed 40 % into its write transaction — or, if the load outran the normal run's
    # pace and committed first, earlier: a kill after the commit was sent cannot undo it,
    # but no kill may ever leave part of the write
    for fraction in (0.4, 0.2, 0.1, 0.05):
        bolt.reset()  # again from the public cases alone
        assert isinstance(store, Neo4jStore)
        store.ensure_schema()
        load_paths(store, [cases_dir])
        assert fingerprint(store) == before
        load = Watched(args, markers=markers, env=env)
        try:
            while load.running() and not (
                "writing" in load.events
                and load.elapsed() > load.events["writing"] + fraction * span
            ):
                time.sleep(0.002)
            if not load.running():  # it outran the kill: a whole load; then earlier
                assert load.proc.wait() == 0, load.text()[-3000:]
                assert _settled(store) == after
                print(f"\nthe load ended before {fraction:.0%} of {span:.2f}s")
                continue
            load.kill()
            into = load.elapsed() - load.events["writing"]
            print(f"\nkilled {into:.2f}s into a write of {span:.2f}s")
        finally:
            load.close()
        left = _settled(store)
        if left == before:
            break
        assert left == after, "a killed load left part of its write"
    else:
        pytest.fail("no kill landed before the write committed")
    assert fingerprint(store) == before
    done = run_affgraph("load", str(data), "--store", bolt.uri, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert fingerprint(store) == after
