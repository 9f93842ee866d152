"""Start and stop a local ArcadeDB server that speaks Bolt: ``affgraph bolt`` for analysts,
and the tests and benchmarks of the Neo4j store.

Why this exists: deployment runs Neo4j through docker-compose, but Neo4j cannot be installed
where there is no Docker (no Debian, PyPI or npm package carries it). ArcadeDB can: its PyPI
wheel ``arcadedb-embedded`` (in the ``notebooks`` and ``dev`` extras) bundles a Java runtime,
the server jars and the Bolt plugin, and the official ``neo4j`` driver talks to it as to a
Neo4j 5.26 server. This module runs that server as a child process; it ships in the installed
package so that ``affgraph bolt`` works from a wheel, not only from a checkout.

Usage from Python::

    with BoltServer(Path("/tmp/graph")) as server:
        driver = GraphDatabase.driver(server.uri, auth=server.auth)

From a shell (an empty server in the foreground, stops on Ctrl-C or SIGTERM; ``affgraph
bolt`` starts one holding a store's graph)::

    python -m app.bolt_server --root /tmp/graph --bolt-port 7687 --http-port 2480

Only the standard library and the ``neo4j`` driver are used; the ``arcadedb_embedded`` package
is located, never imported (importing it would start a JVM inside this process).
"""

from __future__ import annotations

import argparse
import atexit
import base64
import importlib.util
import json
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Self

from neo4j import GraphDatabase
from neo4j.exceptions import DriverError, Neo4jError

__all__ = ["BoltServer", "BoltServerError", "free_port", "main"]

HOST = "127.0.0.1"
USER = "root"
MAIN_CLASS = "com.arcadedb.server.ArcadeDBServer"
BOLT_PLUGIN = "Bolt:com.arcadedb.bolt.BoltProtocolPlugin"
JVM_FLAGS = (
    "--add-modules=jdk.incubator.vector",
    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
    "--add-opens=java.base/java.nio.channels.spi=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "-Djava.awt.headless=true",
)
LOG_NAME = "server.log"
STOP_GRACE_SECONDS = 10.0
LOG_TAIL_LINES = 40


class BoltServerError(RuntimeError):
    """The server could not be started, did not become ready, or refused a command."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_free(port: int) -> bool:
    """Whether a server could bind ``port`` on 127.0.0.1 now (as Java does, with SO_REUSEADDR)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


def package_dir() -> Path:
    """The installed ``arcadedb_embedded`` package directory (holding ``jre/`` and ``jars/``)."""
    spec = importlib.util.find_spec("arcadedb_embedded")
    if spec is None or not spec.submodule_search_locations:
        raise BoltServerError(
            "the arcadedb-embedded wheel, which holds the Bolt server, is not installed: "
            "pip install 'affgraph[notebooks]' (in a checkout: make notebooks, or "
            "make install-dev)"
        )
    pkg = Path(next(iter(spec.submodule_search_locations)))
    if not (pkg / "jre" / "bin" / "java").is_file() or not (pkg / "jars").is_dir():
        raise BoltServerError(f"{pkg} has no bundled jre/bin/java or jars/ directory")
    return pkg


def _log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last ``lines`` lines of the server log, for error messages."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no server log)"
    return "\n".join(text.splitlines()[-lines:])


class BoltServer:
    """A local ArcadeDB server speaking Bolt, started from the arcadedb-embedded wheel.

    ``root`` holds the databases, ``./log`` and the server's output (``server.log``); data
    survives a restart on the same root. Ports left as ``None`` are picked afresh, free, at
    each :meth:`start`. ``query_timeout_ms`` is the server-side query time limit (the driver's
    per-query timeout is ignored by ArcadeDB).
    """

    def __init__(
        self,
        root: Path,
        *,
        password: str = "affgraph-test",
        bolt_port: int | None = None,
        http_port: int | None = None,
        heap: str = "1g",
        query_timeout_ms: int = 60_000,
        database: str = "neo4j",
    ) -> None:
        if len(password) < 8:
            raise ValueError("ArcadeDB needs a root password of at least 8 characters")
        self.root = Path(root).resolve()
        self.database = database
        self._password = password
        self._requested_ports = (bolt_port, http_port)
        self._bolt_port = bolt_port
        self._http_port = http_port
        self._heap = heap
        self._query_timeout_ms = query_timeout_ms
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    # -- addresses ---------------------------------------------------------------------------

    @property
    def bolt_port(self) -> int:
        """The Bolt port (known once started, or when given to the constructor)."""
        return self._known(self._bolt_port, "Bolt")

    @property
    def http_port(self) -> int:
        """The HTTP API port (known once started, or when given to the constructor)."""
        return self._known(self._http_port, "HTTP")

    @property
    def uri(self) -> str:
        """The Bolt URI for ``GraphDatabase.driver``, e.g. ``bolt://127.0.0.1:7687``."""
        return f"bolt://{HOST}:{self.bolt_port}"

    @property
    def http_url(self) -> str:
        """The base URL of the HTTP API, e.g. ``http://127.0.0.1:2480``."""
        return f"http://{HOST}:{self.http_port}"

    @property
    def auth(self) -> tuple[str, str]:
        """The ``(user, password)`` pair for the driver; the user is always ``root``."""
        return (USER, self._password)

    @property
    def log_path(self) -> Path:
        """Where the server's stdout and stderr go."""
        return self.root / LOG_NAME

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._process is not None and self._process.poll() is None

    @staticmethod
    def _known(port: int | None, name: str) -> int:
        if port is None:
            raise BoltServerError(f"the {name} port is chosen at start(); start the server first")
        return port

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self, timeout: float = 60.0) -> None:
        """Start the server and wait until ``RETURN 1`` answers on :attr:`database`.

        Raises :class:`BoltServerError` if a requested port is busy, or, with the tail of the
        server log, if the server exits or is not ready within ``timeout`` seconds.
        """
        if self._process is not None:
            raise BoltServerError("the server is already started")
        self._choose_ports()
        self.root.mkdir(parents=True, exist_ok=True)
        self._log_file = self.log_path.open("ab")
        self._process = subprocess.Popen(
            self._command(),
            cwd=self.root,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in a terminal reaches us, and we stop it cleanly
        )
        atexit.register(self.stop)
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the server: SIGTERM, up to ~10 s to exit, then SIGKILL. Idempotent."""
        process, self._process = self._process, None
        if process is not None:
            atexit.unregister(self.stop)
            _terminate(process)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _choose_ports(self) -> None:
        bolt, http = self._requested_ports
        for port, name in ((bolt, "Bolt"), (http, "HTTP")):
            if port is not None and not port_is_free(port):
                raise BoltServerError(
                    f"{name} port {port} on {HOST} is already in use (another server?); "
                    "stop it or choose another port"
                )
        self._bolt_port = bolt if bolt is not None else free_port()
        self._http_port = http if http is not None else free_port()
        while self._http_port == self._bolt_port:
            self._http_port = free_port()

    def _command(self) -> list[str]:
        pkg = package_dir()
        settings = {
            "arcadedb.server.rootPath": str(self.root),
            "arcadedb.server.rootPassword": self._password,
            "arcadedb.server.defaultDatabases": f"{self.database}[{USER}]",
            "arcadedb.server.plugins": BOLT_PLUGIN,
            "arcadedb.bolt.host": HOST,
            "arcadedb.bolt.port": str(self.bolt_port),
            "arcadedb.bolt.defaultDatabase": self.database,
            "arcadedb.server.httpIncomingHost": HOST,
            "arcadedb.server.httpIncomingPort": str(self.http_port),
            "arcadedb.command.timeout": str(self._query_timeout_ms),
        }
        return [
            str(pkg / "jre" / "bin" / "java"),
            f"-Xmx{self._heap}",
            *JVM_FLAGS,
            *(f"-D{key}={value}" for key, value in settings.items()),
            "-cp",
            str(pkg / "jars" / "*"),
            MAIN_CLASS,
        ]

    # -- readiness ---------------------------------------------------------------------------

    def _wait_ready(self, timeout: float) -> None:
        """Poll until a real Cypher query answers: the Bolt port opens before the database."""
        deadline = time.monotonic() + timeout
        last_error = "no attempt yet"
        while True:
            self._check_alive()
            error = self._try_query()
            if error is None:
                return
            last_error = error
            if time.monotonic() >= deadline:
                raise BoltServerError(
                    f"ArcadeDB not ready on {self.uri} after {timeout:.0f} s "
                    f"(last error: {last_error}); server log tail:\n{_log_tail(self.log_path)}"
                )
            time.sleep(0.2)

    def _check_alive(self) -> None:
        process = self._process
        if process is None:
            raise BoltServerError("the server is not started")
        code = process.poll()
        if code is not None:
            raise BoltServerError(
                f"ArcadeDB exited with code {code} while starting; "
                f"server log tail:\n{_log_tail(self.log_path)}"
            )

    def _try_query(self) -> str | None:
        """Run ``RETURN 1``; return ``None`` on success, else the error text."""
        try:  # an auto-commit query: execute_query() would retry (and log) for 30 s
            with (
                GraphDatabase.driver(self.uri, auth=self.auth, connection_timeout=2.0) as drv,
                drv.session(database=self.database) as session,
            ):
                record = session.run("RETURN 1 AS one").single()
        except (DriverError, Neo4jError, OSError) as error:
            return f"{type(error).__name__}: {error}"
        if record is not None and record["one"] == 1:
            return None
        return f"unexpected answer to RETURN 1: {record!r}"

    # -- databases ---------------------------------------------------------------------------

    def reset_database(self, timeout: float = 30.0) -> None:
        """Drop and re-create :attr:`database` (far faster than ``DETACH DELETE``), then wait
        until Cypher answers on it again. Open drivers may keep working: reconnect if not."""
        if self._process is None:
            raise BoltServerError("the server is not started")
        self.server_command(f"drop database {self.database}")
        self.server_command(f"create database {self.database}")
        self._wait_ready(timeout)

    def server_command(self, command: str) -> object:
        """Run a server command (``create database X``, ``drop database X`` ...) over HTTP."""
        request = urllib.request.Request(
            f"{self.http_url}/api/v1/server",
            data=json.dumps({"command": command}).encode(),
            headers={"Authorization": self._basic_auth(), "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                body = response.read().decode("utf-8", errors="replace")
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", errors="replace")
            raise BoltServerError(f"{command!r} refused ({error.code}): {detail}") from error
        return json.loads(body) if body else None

    def _basic_auth(self) -> str:
        token = base64.b64encode(f"{USER}:{self._password}".encode()).decode()
        return f"Basic {token}"


def _terminate(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after :data:`STOP_GRACE_SECONDS`; reap the process."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# -- command line ----------------------------------------------------------------------------


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m app.bolt_server",
        description="Run a local ArcadeDB server speaking Bolt, in the foreground.",
    )
    parser.add_argument("--root", type=Path, required=True, help="data directory")
    parser.add_argument("--bolt-port", type=int, default=7687)
    parser.add_argument("--http-port", type=int, default=2480)
    parser.add_argument("--password", default="affgraph-test", help="root password (>= 8)")
    parser.add_argument("--database", default="neo4j")
    parser.add_argument("--heap", default="1g", help="JVM heap, e.g. 1g or 512m")
    parser.add_argument("--query-timeout-ms", type=int, default=60_000)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the server in the foreground until Ctrl-C or SIGTERM; return an exit code."""
    args = _parse_args(argv)
    server = BoltServer(
        args.root,
        password=args.password,
        bolt_port=args.bolt_port,
        http_port=args.http_port,
        heap=args.heap,
        query_timeout_ms=args.query_timeout_ms,
        database=args.database,
    )
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    try:
        server.start()  # Ctrl-C here raises KeyboardInterrupt; start() stops the server
    except BoltServerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    print(
        f"ArcadeDB ready: uri={server.uri} user={server.auth[0]} password=(as given with "
        f"--password) database={server.database}"
    )
    print(f"HTTP API {server.http_url}; log {server.log_path}. Ctrl-C to stop.", flush=True)
    try:
        while server.running and not stopping.wait(0.5):
            pass
        crashed = not server.running
    finally:
        server.stop()
    if crashed:
        print(f"error: the server exited; log tail:\n{_log_tail(server.log_path)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
