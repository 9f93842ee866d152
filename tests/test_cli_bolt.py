"""``affgraph bolt`` as a process: it serves a copy of an embedded store on ArcadeDB's Bolt
server — the counts and records the neo4j driver reads there are the store's — prints how to
connect, and stops the server cleanly on Ctrl-C; with a command after ``--`` it runs it with
the connection in its environment. A missing store is refused (and not created); an empty
one is served empty, with a warning."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import GraphDatabase

from app.bolt_server import free_port, port_is_free
from loaders.load import load_paths
from stores.base import StoreCounts
from stores.embedded import EmbeddedStore
from stores.neo4j import Neo4jStore

pytestmark = [pytest.mark.neo4j, pytest.mark.processes]

AFFGRAPH = [sys.executable, "-m", "app"]
READY_TIMEOUT_S = 120


@pytest.fixture(scope="module")
def cases_db(tmp_path_factory: pytest.TempPathFactory, cases_dir: Path) -> Path:
    path = tmp_path_factory.mktemp("bolt") / "cases.db"
    store = EmbeddedStore(path)
    try:
        load_paths(store, [cases_dir])
    finally:
        store.close()
    return path


def _counts(path: Path) -> StoreCounts:
    store = EmbeddedStore(path)
    try:
        return store.counts()
    finally:
        store.close()


class Running:
    """An ``affgraph bolt`` process whose output lines are collected as they come."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [*AFFGRAPH, "bolt", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, pattern: str, timeout: float = READY_TIMEOUT_S) -> re.Match[str]:
        """The first line (so far or to come) matching ``pattern``."""
        deadline = time.monotonic() + timeout
        for seen in self.lines:
            if found := re.search(pattern, seen):
                return found
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            if line is None:
                break
            self.lines.append(line)
            if found := re.search(pattern, line):
                return found
        raise AssertionError(f"no line matching {pattern!r} in:\n" + "\n".join(self.lines))

    def finish(self, timeout: float = 60) -> str:
        """Wait for the process to exit; all its output."""
        self.process.wait(timeout=timeout)
        while (line := self._queue.get(timeout=5)) is not None:
            self.lines.append(line)
        return "\n".join(self.lines)


@pytest.fixture
def running(cases_db: Path) -> Iterator[tuple[Running, int]]:
    port = free_port()
    bolt = Running("--store", str(cases_db), "--port", str(port))
    try:
        yield bolt, port
    finally:
        if bolt.process.poll() is None:
            bolt.process.kill()
            bolt.process.wait()


def test_serves_a_copy_of_the_store_and_stops_on_ctrl_c(
    running: tuple[Running, int], cases_db: Path
) -> None:
    bolt, port = running
    uri = bolt.wait_for(r"^\s+URI\s+(\S+)$").group(1)
    user = bolt.wait_for(r"^\s+user\s+(\S+)$").group(1)
    password = bolt.wait_for(r"^\s+password\s+(\S+)$").group(1)
    database = bolt.wait_for(r"^\s+database\s+(\S+)$").group(1)
    exports = bolt.wait_for(r"^\s+export (AFFGRAPH_NEO4J_URI=.*)$").group(1)
    bolt.wait_for("Ctrl-C to stop")
    assert uri == f"bolt://127.0.0.1:{port}"
    assert (user, database) == ("root", "neo4j")
    assert len(password) >= 8  # a random one: none was given
    assert f"AFFGRAPH_NEO4J_PASSWORD={password}" in exports
    assert f"AFFGRAPH_NEO4J_USER={user}" in exports

    expected = _counts(cases_db)
    assert expected.nodes > 100
    with GraphDatabase.driver(uri, auth=(user, password)) as driver:
        records, _, _ = driver.execute_query(
            "MATCH (n:Node) RETURN count(n) AS nodes", database_=database
        )
        assert records[0]["nodes"] == expected.nodes
        records, _, _ = driver.execute_query(
            "MATCH (:Node)-[r]->(:Node) RETURN type(r) AS type, count(r) AS n", database_=database
        )
        assert {r["type"]: r["n"] for r in records} == expected.edges_by_type
        for label, count in (("Transfer", expected.transfers), ("Source", expected.sources)):
            records, _, _ = driver.execute_query(
                "MATCH (n) WHERE $label IN labels(n) RETURN count(n) AS n",
                label=label,
                database_=database,
            )
            assert records[0]["n"] == count, label

    copy = Neo4jStore(uri, (user, password), database=database)
    original = EmbeddedStore(cases_db)
    try:
        assert copy.counts() == expected
        assert list(copy.iter_transfers()) == list(original.iter_transfers())
        assert copy.get_node("tj-zhonghuan-samsung-jv-pc") == original.get_node(
            "tj-zhonghuan-samsung-jv-pc"
        )
    finally:
        copy.close()
        original.close()

    bolt.process.send_signal(signal.SIGINT)
    output = bolt.finish()
    assert bolt.process.returncode == 0, output
    assert output.rstrip().endswith("Stopped."), output
    assert port_is_free(port)


def test_runs_a_command_with_the_connection_then_stops(cases_db: Path, tmp_path: Path) -> None:
    seen = tmp_path / "seen.txt"
    script = (
        "import os, sys; from pathlib import Path; "
        "Path(sys.argv[1]).write_text(' '.join(os.environ[k] for k in "
        "('AFFGRAPH_NEO4J_URI', 'AFFGRAPH_NEO4J_USER', 'AFFGRAPH_NEO4J_PASSWORD', "
        "'AFFGRAPH_NEO4J_DATABASE'))); sys.exit(3)"
    )
    port = free_port()
    options = ["--store", str(cases_db), "--port", str(port), "--password", "given-pass-1"]
    done = subprocess.run(
        [*AFFGRAPH, "bolt", *options, "--", sys.executable, "-c", script, str(seen)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 3, done.stdout + done.stderr  # the command's own exit code
    assert seen.read_text() == f"bolt://127.0.0.1:{port} root given-pass-1 neo4j"
    assert "Stopped." in done.stdout
    assert port_is_free(port)


def test_a_missing_store_is_refused_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.db"
    done = subprocess.run(
        [*AFFGRAPH, "bolt", "--store", str(missing), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert f"no store at {missing}" in done.stderr
    assert "affgraph load data/cases data/demo" in done.stderr
    assert not missing.exists()


def test_a_bolt_url_is_refused() -> None:
    done = subprocess.run(
        [*AFFGRAPH, "bolt", "--store", "bolt://127.0.0.1:7687"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "is a Bolt server already" in done.stderr


def test_an_empty_store_is_served_empty_with_a_warning(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    EmbeddedStore(empty).close()
    script = (
        "import os, sys; from neo4j import GraphDatabase; "
        "d = GraphDatabase.driver(os.environ['AFFGRAPH_NEO4J_URI'], "
        "auth=(os.environ['AFFGRAPH_NEO4J_USER'], os.environ['AFFGRAPH_NEO4J_PASSWORD'])); "
        "r, _, _ = d.execute_query('MATCH (n:Node) RETURN count(n) AS n', "
        "database_=os.environ['AFFGRAPH_NEO4J_DATABASE']); d.close(); "
        "sys.exit(0 if r[0]['n'] == 0 else 1)"
    )
    done = subprocess.run(
        [
            *AFFGRAPH,
            "bolt",
            "--store",
            str(empty),
            "--port",
            "0",
            "--",
            sys.executable,
            "-c",
            script,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"warning: {empty} holds no nodes; the server starts empty" in done.stderr
    assert "0 nodes, 0 edges, 0 transfers, 0 sources" in done.stdout
