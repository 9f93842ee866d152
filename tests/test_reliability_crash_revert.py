"""Crash safety of reverts: ``affgraph revert`` killed with SIGKILL at any point leaves the
store exactly as before it — records, log and history — or, once its commit is on disk, as
the revert made it; never half a revert.

* Embedded store: a province loaded, then its revision (load 2 updates every node); the
  revert of load 2 is killed while it plans and stages (measured in CPU seconds of a normal
  run, up to its commit), while its commit is written to the WAL, and after it (the
  checkpoint and the snapshot it saves).
* Neo4j store (ArcadeDB Bolt server): the cases and a generated province, the province's
  revert killed part-way through its one write transaction.

After each kill the store is reopened as a user would; its records (a sha256 over every
record), its load log and its generation are those before the revert or after it; then the
same revert succeeds, and leaves the records the province's first load had.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from loaders.load import load_paths
from stores.base import GraphStore
from stores.embedded import EmbeddedStore
from stores.history import RecordHistory
from stores.neo4j import Neo4jStore
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
)

pytestmark = pytest.mark.crash

#: the province of the load crash tests (tests/test_reliability_crash.py), shared with them
NODES = 100_000
#: what a revert's progress says before it plans and writes
REVERTING = "reverting load"

#: (the load log's last load, the generation, the log's entries as text): the log, for a
#: comparison of before and after
Log = tuple[int, int, tuple[str, ...]]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.getbasetemp() / "reliability-data"


@pytest.fixture(scope="module")
def first(data_dir: Path) -> Path:
    return dataset(data_dir, NODES, 1)


@pytest.fixture(scope="module")
def two_loads(data_dir: Path, first: Path) -> Path:
    """A closed store: the province (load 1), then its revision (load 2)."""
    return loaded_store(data_dir, f"first-second-{NODES}.db", first, dataset(data_dir, NODES, 2))


def log_of(store: GraphStore) -> Log:
    assert isinstance(store, RecordHistory)
    _, entries = store.loads(limit=100)
    shown = tuple(
        f"{e.number} {e.kind} {e.reverts} {e.reverted_by} {sorted(e.counts.items())}"
        for e in entries
    )
    return store.last_load(), store.state()[1], shown


def file_state(db: Path) -> tuple[Fingerprint, Log]:
    """The records (SQLite's integrity checked) and the log of a closed store file."""
    records = file_fingerprint(db)
    store = EmbeddedStore(db)
    try:
        return records, log_of(store)
    finally:
        store.close()


@pytest.fixture(scope="module")
def normal(
    tmp_path_factory: pytest.TempPathFactory, two_loads: Path
) -> tuple[float, tuple[Fingerprint, Log]]:
    """A normal run of ``affgraph revert 2``: the CPU seconds it had used when its commit
    began (the WAL grew), and the state it left."""
    db = copy_store(two_loads, tmp_path_factory.mktemp("revert-normal") / "affgraph.db")
    run = Watched([*AFFGRAPH, "revert", "2", "--store", str(db)], markers=(REVERTING,))
    cpu_at_commit = -1.0
    last_cpu = 0.0
    while run.running():
        last_cpu = max(last_cpu, cpu_seconds(run.proc.pid))
        if cpu_at_commit < 0 and size(f"{db}-wal") > 0:
            cpu_at_commit = last_cpu
        time.sleep(0.001)
    assert run.wait() == 0, run.text()[-3000:]
    assert cpu_at_commit > 0, "the WAL never grew"
    return cpu_at_commit, file_state(db)


def test_killed_revert_leaves_the_store_as_before_or_after_it(
    tmp_path: Path,
    data_dir: Path,
    first: Path,
    two_loads: Path,
    normal: tuple[float, tuple[Fingerprint, Log]],
) -> None:
    cpu_at_commit, after = normal
    before = file_state(two_loads)
    assert after != before
    assert after[1][0] == 3
    print(f"\nnormal revert: commit began after {cpu_at_commit:.2f} CPU s")
    points: list[tuple[str, Callable[[int, Path], bool]]] = [
        *(
            (
                f"{share:.0%} of the way to the commit",
                lambda pid, db, share=share: cpu_seconds(pid) >= share * cpu_at_commit,
            )
            for share in (0.5, 0.8, 0.95)
        ),
        ("the commit", lambda pid, db: size(f"{db}-wal") > 0),
    ]
    db = copy_store(two_loads, tmp_path / "affgraph.db")
    killed_before_the_commit = 0
    for name, trigger in points:
        run = Watched([*AFFGRAPH, "revert", "2", "--store", str(db)], markers=(REVERTING,))
        try:
            while run.running() and not trigger(run.proc.pid, db):
                time.sleep(0.001)
            assert run.running(), f"the revert ended before {name}:\n{run.text()[-2000:]}"
            run.kill()
        finally:
            run.close()
        # what the killed process had written decides what may be left: a run's CPU time
        # to its commit varies, so the share of a normal run's is only where to aim
        committing = size(f"{db}-wal") > 0
        state = file_state(db)
        allowed = [before, after] if committing else [before]
        assert state in allowed, f"killed at {name}: {state}\nbefore: {before}\nafter: {after}"
        killed_before_the_commit += not committing
        said = "before" if state == before else "after"
        print(f"killed at {name} ({'committing' if committing else 'not committing'}): {said}")
        if state == after:
            break
    assert killed_before_the_commit, "no kill landed before the revert began its commit"
    # the revert goes through (if a kill did not already see it committed)
    if file_state(db) == before:
        done = run_affgraph("revert", "2", "--store", str(db))
        assert done.returncode == 0, done.stderr[-3000:]
    assert file_state(db) == after
    # and leaves the records of the first load alone
    assert file_state(db)[0] == file_fingerprint(loaded_store(data_dir, f"first-{NODES}.db", first))


def test_revert_killed_after_its_commit_is_complete(
    tmp_path: Path, two_loads: Path, normal: tuple[float, tuple[Fingerprint, Log]]
) -> None:
    """Killed while it checkpoints or saves its snapshot: the revert stands, whole."""
    _, after = normal
    db = copy_store(two_loads, tmp_path / "affgraph.db")
    grown = size(db)
    run = Watched([*AFFGRAPH, "revert", "2", "--store", str(db)], markers=(REVERTING,))
    try:
        while run.running() and size(db) <= grown:
            time.sleep(0.001)
        assert run.running(), f"the revert ended before its checkpoint:\n{run.text()[-2000:]}"
        run.kill()
    finally:
        run.close()
    assert file_state(db) == after
    again = run_affgraph("revert", "2", "--store", str(db))
    assert again.returncode == 2
    assert "was reverted by load 3" in again.stderr


# -- the Neo4j store ---------------------------------------------------------------------------


def _settled(store: GraphStore) -> tuple[Fingerprint, Log]:
    """Records and log once the server is done with a killed client's transaction (two
    reads in a row alike)."""
    last = None
    for _ in range(50):
        try:
            found = (fingerprint(store), log_of(store))
        except AssertionError:  # counts and records read from two states
            found = None
        if found is not None and found == last:
            return found
        last = found
        time.sleep(0.2)
    raise AssertionError("the store did not settle after the kill")


def test_neo4j_revert_killed_mid_write_leaves_nothing(
    open_store: Callable[[str], GraphStore],
    bolt: BoltTarget,
    data_dir: Path,
    cases_dir: Path,
    tmp_path: Path,
) -> None:
    store = open_store("neo4j")
    assert isinstance(store, Neo4jStore)
    data = dataset(data_dir, 3000, 3)
    env = {
        **os.environ,
        "AFFGRAPH_NEO4J_USER": bolt.auth[0],
        "AFFGRAPH_NEO4J_PASSWORD": bolt.auth[1],
        "AFFGRAPH_NEO4J_DATABASE": bolt.database,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    args = [*AFFGRAPH, "revert", "2", "--store", bolt.uri]

    def two_loads_on_the_server() -> tuple[Fingerprint, Log]:
        bolt.reset()
        store.ensure_schema()
        load_paths(store, [cases_dir])
        load_paths(store, [data])
        return fingerprint(store), log_of(store)

    before = two_loads_on_the_server()
    normal = Watched(args, markers=(REVERTING,), env=env)
    assert normal.wait() == 0, normal.text()[-3000:]
    span = normal.elapsed() - normal.events[REVERTING]
    after = _settled(store)
    assert after[1][0] == 3
    # killed part-way into the revert — earlier if it outran the normal run and committed
    for fraction in (0.5, 0.3, 0.15, 0.05):
        assert two_loads_on_the_server()[0] == before[0]
        run = Watched(args, markers=(REVERTING,), env=env)
        try:
            while run.running() and not (
                REVERTING in run.events and run.elapsed() > run.events[REVERTING] + fraction * span
            ):
                time.sleep(0.002)
            if not run.running():  # it outran the kill: a whole revert; then earlier
                assert run.proc.wait() == 0, run.text()[-3000:]
                assert _settled(store)[0] == after[0]
                print(f"\nthe revert ended before {fraction:.0%} of {span:.2f} s")
                continue
            run.kill()
            into = run.elapsed() - run.events[REVERTING]
        finally:
            run.close()
        left = _settled(store)
        said = "before" if left[0] == before[0] else "after"
        print(f"\nkilled {into:.2f} s into a revert of {span:.2f} s: the state {said} it")
        if left[0] == before[0]:
            assert left[1][:2] == before[1][:2], "the log moved on without the records"
            break
        assert left[0] == after[0], "a killed revert left part of its write"
    else:
        pytest.fail("no kill landed before the revert committed")
    done = run_affgraph(*args[len(AFFGRAPH) :], env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert fingerprint(store) == after[0]
    shutil.rmtree(tmp_path / "cache", ignore_errors=True)
