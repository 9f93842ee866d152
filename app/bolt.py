"""``affgraph bolt``: the embedded store's graph on a local Bolt server, for Cypher notebooks.

Why: the notebooks (``notebooks/``) speak Cypher through the Neo4j driver, while ``make run``
leaves the graph in an SQLite file that no Bolt client can read, and Neo4j itself cannot be
installed without Docker. So this command starts ArcadeDB's Bolt server from the
``arcadedb-embedded`` wheel (:mod:`app.bolt_server`) in a temporary folder, copies the store's
current records into it through the Neo4j store's own writer — the graph the Neo4j store, and
so the API on it, would answer from — checks the counts match, and says how to connect.

The server holds a *copy*, thrown away when it stops: a later ``affgraph load`` reaches it only
after a restart, and nothing written over Bolt goes back to the file.
"""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from types import FrameType
from typing import TypeVar

from app.bolt_server import BoltServer, BoltServerError
from stores import is_bolt_url
from stores.base import GraphStore, StoreCounts, StoreError, StoreWriter, read_consistently

__all__ = [
    "COPY_BATCH",
    "Connection",
    "copy_graph",
    "open_file_store",
    "run_bolt",
    "serving",
]

#: Records per write on the server: a province's copy is many transactions of this size
#: instead of one holding every record in the driver's memory at once.
COPY_BATCH = 20_000
#: Where ``make run`` takes its data from, for the hint when a store is missing or empty.
LOAD_HINT = "affgraph load data/cases data/demo --store {store}  (as make run does)"

T = TypeVar("T")


@dataclass(frozen=True)
class Connection:
    """How to reach the server, as the notebooks read it from the environment."""

    uri: str
    user: str
    password: str
    database: str

    def environment(self) -> dict[str, str]:
        """The ``AFFGRAPH_NEO4J_*`` variables the notebooks (and ``affgraph --store``) read."""
        return {
            "AFFGRAPH_NEO4J_URI": self.uri,
            "AFFGRAPH_NEO4J_USER": self.user,
            "AFFGRAPH_NEO4J_PASSWORD": self.password,
            "AFFGRAPH_NEO4J_DATABASE": self.database,
        }

    def export_line(self) -> str:
        """A POSIX shell line setting :meth:`environment` (values quoted for the shell)."""
        return "export " + " ".join(
            f"{key}={shlex.quote(value)}" for key, value in self.environment().items()
        )


def open_file_store(spec: str) -> GraphStore:
    """Open the embedded store at ``spec`` for copying.

    Refused (:class:`StoreError`): a Bolt URL (already a server: connect to it directly), and
    a path with no file — opening would create an empty store there and serve nothing.
    """
    if is_bolt_url(spec):
        raise StoreError(
            f"{spec} is a Bolt server already: point the notebooks at it "
            "(AFFGRAPH_NEO4J_URI); affgraph bolt serves an embedded store's file"
        )
    path = Path(spec)
    if not path.is_file():
        raise StoreError(
            f"no store at {path}: load data into it first, e.g. "
            + LOAD_HINT.format(store=shlex.quote(spec))
        )
    from stores.embedded import EmbeddedStore

    try:
        return EmbeddedStore(path)
    except StoreError:
        raise
    except Exception as exc:  # sqlite3's "file is not a database", a foreign schema …
        raise StoreError(f"{path}: cannot be opened as an affgraph store: {exc}") from exc


def _chunks(records: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(records)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _write_in_batches(
    target: GraphStore, records: Iterable[T], upsert: Callable[[StoreWriter, list[T]], None]
) -> None:
    for chunk in _chunks(records, COPY_BATCH):
        with target.writer() as writer:
            upsert(writer, chunk)


def copy_graph(source: GraphStore, target: GraphStore) -> StoreCounts:
    """Copy every record of ``source`` into ``target`` through ``target``'s writer; return
    the counts, checked equal on both sides.

    The records are read in one consistent read of ``source`` (a concurrent load is seen
    whole or not at all) and written in batches of :data:`COPY_BATCH`: sources, nodes, then
    edges (whose ends must exist), then transfers. ``target`` is meant to be empty; records
    already there with the same ids are updated.
    """

    def copy() -> StoreCounts:
        _write_in_batches(target, source.iter_sources(), lambda w, c: w.upsert_sources(c))
        _write_in_batches(target, source.iter_nodes(), lambda w, c: w.upsert_nodes(c))
        _write_in_batches(target, source.iter_edges(), lambda w, c: w.upsert_edges(c))
        _write_in_batches(target, source.iter_transfers(), lambda w, c: w.upsert_transfers(c))
        return source.counts()

    expected = read_consistently(source, copy)
    copied = target.counts()
    if copied != expected:
        raise StoreError(
            f"the copy on {target.location} does not match {source.location}: "
            f"{_describe(copied)} there, {_describe(expected)} here"
        )
    return copied


def _describe(counts: StoreCounts) -> str:
    return (
        f"{counts.nodes:,} nodes, {counts.edges:,} edges, {counts.transfers:,} transfers, "
        f"{counts.sources:,} sources"
    )


@contextmanager
def serving(
    source: GraphStore, *, port: int, password: str, say: Callable[[str], None]
) -> Iterator[tuple[BoltServer, StoreCounts]]:
    """A Bolt server on 127.0.0.1:``port`` (0: a free port) holding a copy of ``source``, in
    a temporary folder; stopped, and the folder removed, when the block exits (however)."""
    from stores.neo4j import Neo4jStore

    root = Path(tempfile.mkdtemp(prefix="affgraph-bolt-"))
    server = BoltServer(root, password=password, bolt_port=port or None)
    try:
        say("Starting ArcadeDB's Bolt server (a few seconds) …")
        server.start()
        counts = source.counts()
        say(f"Copying {source.location}: {_describe(counts)} …")
        started = time.monotonic()
        target = Neo4jStore(server.uri, server.auth, database=server.database)
        try:
            counts = copy_graph(source, target)
        finally:
            target.close()
        say(f"Copied in {time.monotonic() - started:.1f} s.")
        yield server, counts
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def _announce(connection: Connection, counts: StoreCounts, store: str, running: bool) -> str:
    """What the user needs: the URI, user and password, and how to hand them on."""
    lines = [
        f"Bolt server ready, holding a copy of {store}: {_describe(counts)}.",
        f"  URI       {connection.uri}",
        f"  user      {connection.user}",
        f"  password  {connection.password}",
        f"  database  {connection.database}",
    ]
    if running:
        lines += [
            "The notebooks read these from the environment; in another terminal:",
            f"  {connection.export_line()}",
            "  .venv/bin/jupyter execute notebooks/*.ipynb     (or open them in Jupyter)",
            "It is a copy: restart affgraph bolt to see later loads. Ctrl-C to stop.",
        ]
    return "\n".join(lines)


def _wait_for_stop(server: BoltServer) -> bool:
    """Wait for Ctrl-C or SIGTERM; return False if the server died meanwhile."""
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    with _signals_handled_by(request_stop):
        while server.running and not stopping.wait(0.5):
            pass
        return server.running


@contextmanager
def _signals_handled_by(handler: Callable[[int, FrameType | None], None]) -> Iterator[None]:
    """SIGINT and SIGTERM go to ``handler`` in the block (main thread only: elsewhere Python
    cannot set handlers, and the caller's own stay)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_bolt(
    store: str,
    *,
    port: int,
    password: str | None,
    command: Sequence[str] = (),
    say: Callable[[str], None] = print,
    warn: Callable[[str], None] = lambda text: print(text, file=sys.stderr),
) -> int:
    """The ``affgraph bolt`` command: serve a copy of ``store`` until Ctrl-C or SIGTERM, or,
    given a ``command``, run it with the connection in its environment, then stop. Returns
    the exit code: 0, or the command's own; 1 if the server failed; 2 if the store cannot be
    served; 130 if interrupted before the server was ready.

    SIGTERM is taken as Ctrl-C throughout, so that the server (a process of its own session,
    which a terminal's Ctrl-C does not reach) is always stopped.
    """
    password = password or secrets.token_urlsafe(12)
    if len(password) < 8:
        warn("error: --password: ArcadeDB needs at least 8 characters")
        return 2
    try:
        source = open_file_store(store)
    except StoreError as exc:
        warn(f"error: {exc}")
        return 2
    try:
        with _signals_handled_by(signal.default_int_handler):  # raises KeyboardInterrupt
            return _serve(
                source, store, port=port, password=password, command=command, say=say, warn=warn
            )
    except (BoltServerError, StoreError) as exc:
        warn(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        warn("Interrupted; the Bolt server is stopped.")
        return 130
    finally:
        source.close()


def _serve(
    source: GraphStore,
    store: str,
    *,
    port: int,
    password: str,
    command: Sequence[str],
    say: Callable[[str], None],
    warn: Callable[[str], None],
) -> int:
    if source.counts().nodes == 0:
        warn(
            f"warning: {store} holds no nodes; the server starts empty. Load data with: "
            + LOAD_HINT.format(store=shlex.quote(store))
        )
    with serving(source, port=port, password=password, say=say) as (server, counts):
        user, secret = server.auth
        connection = Connection(server.uri, user, secret, server.database)
        say(_announce(connection, counts, store, running=not command))
        if command:
            code = _run_command(command, connection, say, warn)
        elif _wait_for_stop(server):
            code = 0
        else:
            warn(f"error: the Bolt server exited on its own; its log ends:\n{_log_tail(server)}")
            code = 1
        say("Stopping the Bolt server …")
    say("Stopped.")
    return code


def _log_tail(server: BoltServer, lines: int = 30) -> str:
    """The end of the server's log (its folder is removed when the server stops)."""
    try:
        text = server.log_path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"(no log: {exc})"
    return "\n".join(text.splitlines()[-lines:])


def _run_command(
    command: Sequence[str],
    connection: Connection,
    say: Callable[[str], None],
    warn: Callable[[str], None],
) -> int:
    """Run ``command`` with the connection's variables set; its exit code (127 if it could
    not be started, as a shell says)."""
    say(f"Running: {shlex.join(command)}")
    try:
        done = subprocess.run(list(command), env={**os.environ, **connection.environment()})
    except OSError as exc:
        warn(f"error: cannot run {command[0]}: {exc}")
        return 127
    say(f"{command[0]} exited with code {done.returncode}.")
    return done.returncode
