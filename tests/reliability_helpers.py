"""Helpers of the reliability tests (``tests/test_reliability_*.py``): generated datasets,
store fingerprints, real ``affgraph`` processes (with their progress display on a pseudo
terminal, so that a test can tell which phase a load is in) and a served API.

Everything here drives the real commands as a user would: ``python -m app load …`` and
``python -m app serve …`` in their own processes.
"""

from __future__ import annotations

import hashlib
import os
import pty
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

from app.bolt_server import free_port
from generator import generate_province
from graph_schema.records import Record, canonical_json
from loaders.load import load_paths
from stores.base import GraphStore, StoreCounts
from stores.embedded import EmbeddedStore

__all__ = [
    "AFFGRAPH",
    "Fingerprint",
    "Served",
    "Watched",
    "copy_store",
    "dataset",
    "file_fingerprint",
    "fingerprint",
    "loaded_store",
    "run_affgraph",
    "serve",
]

#: the ``affgraph`` command, run from this interpreter (as ``make test`` runs it)
AFFGRAPH = [sys.executable, "-m", "app"]
_SIDE_FILES = ("-wal", "-shm", "-journal")


# -- data ------------------------------------------------------------------------------------


def _shared(base: Path, name: str, make: Callable[[Path], None]) -> Path:
    """``base/name``, made once per test session by ``make`` (shared by every test)."""
    target = base / name
    done = base / f"{name}.done"
    if not done.exists():
        if target.exists():
            shutil.rmtree(target) if target.is_dir() else target.unlink()
        target.parent.mkdir(parents=True, exist_ok=True)
        make(target)
        done.touch()
    return target


def dataset(base: Path, nodes: int, seed: int) -> Path:
    """A generated province (``affgraph generate --nodes N --seed 1``) in canonical CSV, and
    for ``seed`` 2, 3, … a revision of it: every node renamed and its members changed, every
    ownership share changed — a load of millions of updates that disagrees with the first in
    every node, and that either order of loads takes.

    (Another generated world under the same ids would not do: its organizations have other
    superiors, evidence that cannot all be true, which a load refuses: loaders.assemble.)"""

    def make(folder: Path) -> None:
        if seed == 1:
            generate_province(folder, nodes, seed)
            return
        _revise(dataset(base, nodes, 1), folder, seed)

    return _shared(base, f"province-{nodes}-{seed}", make)


def _revise(source: Path, folder: Path, seed: int) -> None:
    """Write a revision of the province in ``source`` into ``folder`` (see :func:`dataset`)."""
    import csv

    folder.mkdir(parents=True)
    for path in sorted(source.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as src:
            rows = list(csv.DictReader(src))
            header = list(rows[0]) if rows else []
        for row in rows:
            if path.name.startswith("nodes"):
                row["name"] = f"{row['name']} (revision {seed})"
                if row.get("members"):
                    row["members"] = str(int(row["members"]) + seed)
            elif path.name.startswith("edges") and row["type"] == "OWNS" and row["share_pct"]:
                row["share_pct"] = str(round(float(row["share_pct"]) * (1 - seed / 100), 2))
        if path.name.startswith("sources"):  # and one more source: the counts change too
            rows.append({**rows[0], "id": f"revision-{seed}", "title": f"Revision {seed}"})
        with (folder / path.name).open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, header, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)


def loaded_store(base: Path, name: str, *paths: Path) -> Path:
    """A closed embedded store file holding ``paths`` loaded in order (made once)."""

    def make(db: Path) -> None:
        store = EmbeddedStore(db)
        try:
            for path in paths:
                load_paths(store, [path])
        finally:
            store.close()
        assert not any(Path(f"{db}{s}").exists() for s in _SIDE_FILES), "store not closed"

    return _shared(base, name, make)


def copy_store(src: Path, dst: Path) -> Path:
    """A copy of a closed store file (no WAL beside it), replacing whatever ``dst`` was."""
    for suffix in ("", *_SIDE_FILES):
        Path(f"{dst}{suffix}").unlink(missing_ok=True)
    assert not any(Path(f"{src}{s}").exists() for s in _SIDE_FILES), f"{src} is open"
    shutil.copyfile(src, dst)
    return dst


# -- fingerprints ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Fingerprint:
    """What a store holds: its counts and a sha256 over every record's canonical JSON."""

    nodes_by_label: tuple[tuple[str, int], ...]
    edges_by_type: tuple[tuple[str, int], ...]
    transfers: int
    sources: int
    digest: str

    def __str__(self) -> str:
        nodes = sum(n for _, n in self.nodes_by_label)
        edges = sum(n for _, n in self.edges_by_type)
        return (
            f"{nodes} nodes, {edges} edges, {self.transfers} transfers, "
            f"{self.sources} sources, sha256 {self.digest[:12]}"
        )


def _fingerprint(counts: StoreCounts, texts: Mapping[str, Iterable[str]]) -> Fingerprint:
    """Counts, and a sha256 over each record kind's canonical JSON texts in sorted order —
    which must be as many as the counts say."""
    digest = hashlib.sha256()
    seen: dict[str, int] = {}
    for kind in RECORD_KINDS:
        found = list(texts[kind])
        seen[kind] = len(found)
        digest.update(f"{kind} {len(found)}\n".encode())
        for text in found:
            digest.update(text.encode())
            digest.update(b"\n")
    assert (counts.sources, counts.nodes, counts.edges, counts.transfers) == (
        seen["source"],
        seen["node"],
        seen["edge"],
        seen["transfer"],
    ), f"the store's counts {counts} disagree with its records {seen}"
    return Fingerprint(
        tuple(sorted(counts.nodes_by_label.items())),
        tuple(sorted(counts.edges_by_type.items())),
        counts.transfers,
        counts.sources,
        digest.hexdigest(),
    )


#: The record kinds, in the order a fingerprint hashes them.
RECORD_KINDS = ("source", "node", "edge", "transfer")


def fingerprint(store: GraphStore) -> Fingerprint:
    """The store's fingerprint: sha256 over the sorted canonical JSON of every source, node,
    edge and transfer, as the store returns them, and its counts."""
    records: dict[str, Iterable[Record]] = {
        "source": store.iter_sources(),
        "node": store.iter_nodes(),
        "edge": store.iter_edges(),
        "transfer": store.iter_transfers(),
    }
    texts = {kind: sorted(canonical_json(r) for r in found) for kind, found in records.items()}
    return _fingerprint(store.counts(), texts)


def file_fingerprint(db: Path) -> Fingerprint:
    """Open an embedded store file as a user would (no repair step: opening replays its WAL
    and catches up), check SQLite's integrity, and fingerprint what it holds: the same texts
    :func:`fingerprint` hashes (the store keeps each record's canonical JSON), read in one
    sorted scan per table, several times faster than through the store (many a test of the
    reliability tiers fingerprints a province after each step)."""
    store = EmbeddedStore(db)
    try:
        counts = store.counts()
    finally:
        store.close()
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        texts = {
            kind: [row[0] for row in conn.execute(_SORTED_TEXTS[kind])] for kind in RECORD_KINDS
        }
    finally:
        conn.close()
    return _fingerprint(counts, texts)


#: Each table's records, as SQLite sorts text (by bytes: for UTF-8, as Python sorts str).
_SORTED_TEXTS = {kind: f"SELECT data FROM {kind}s ORDER BY data" for kind in RECORD_KINDS}


# -- processes -------------------------------------------------------------------------------


def run_affgraph(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """Run ``affgraph ARGS`` to the end; its output as text."""
    return subprocess.run(
        [*AFFGRAPH, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=None if env is None else dict(env),
        check=False,
    )


def _proc_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU seconds used by ``pid``, or -1 once it has gone."""
    try:
        return _proc_cpu_seconds(pid)
    except (OSError, IndexError, ValueError):
        return -1.0


@dataclass
class Watched:
    """A real ``affgraph`` process whose stderr is a pseudo terminal, so that its progress
    display ("reading nodes.csv", "checking", "writing") shows which phase it is in.

    ``events`` maps each marker to the seconds after the start at which it first appeared;
    ``files`` are watched for size (e.g. the store's WAL): :meth:`size`.
    """

    args: list[str]
    markers: tuple[str, ...] = ("reading", "reading nodes", "checking", "writing")
    env: Mapping[str, str] | None = None
    events: dict[str, float] = field(default_factory=dict)
    output: bytearray = field(default_factory=bytearray)

    def __post_init__(self) -> None:
        master, slave = pty.openpty()
        env = {
            **(self.env if self.env is not None else os.environ),
            "COLUMNS": "160",
            "TERM": "xterm",
        }
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            self.args, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env
        )
        os.close(slave)
        self._master = master
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self._master, 65536)
            except OSError:  # EIO once the child has closed the terminal
                break
            if not chunk:
                break
            self.output.extend(chunk)
            text = self.output[-4096:].decode("utf-8", "replace")
            for marker in self.markers:
                if marker not in self.events and marker in text:
                    self.events[marker] = self.elapsed()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def running(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no handler, no cleanup, no flushing."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def wait(self, timeout: float = 180) -> int:
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=5)
        os.close(self._master)
        return code

    def text(self) -> str:
        return self.output.decode("utf-8", "replace")

    def close(self) -> None:
        if self.running():
            self.kill()
        self._reader.join(timeout=5)
        with suppress(OSError):
            os.close(self._master)


def size(path: Path | str) -> int:
    """A file's size, or -1 if it does not exist."""
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return -1


# -- a served API ----------------------------------------------------------------------------


@dataclass
class Served:
    """An ``affgraph serve`` process and where it answers."""

    proc: subprocess.Popen[bytes]
    url: str
    log: Path
    port: int

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def start_server(
    store: str,
    log: Path,
    *,
    env: Mapping[str, str] | None = None,
    args: tuple[str, ...] = (),
    command: list[str] | None = None,
    cwd: Path | None = None,
    timeout: float = 60,
) -> Served:
    """Start ``affgraph serve --store STORE --port P`` (P free) and wait for /api/health."""
    port = free_port()
    handle: IO[bytes] = log.open("ab")
    try:
        proc = subprocess.Popen(
            [*(command or AFFGRAPH), "serve", "--store", store, "--port", str(port), *args],
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=None if env is None else dict(env),
            cwd=cwd,
        )
    finally:
        handle.close()
    served = Served(proc, f"http://127.0.0.1:{port}", log, port)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise AssertionError(
                f"affgraph serve exited ({proc.returncode}):\n{served.log_text()[-3000:]}"
            )
        try:
            if httpx.get(f"{served.url}/api/health", timeout=5).status_code == 200:
                return served
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            served.kill()
            raise AssertionError(
                f"affgraph serve did not answer in {timeout} s:\n{served.log_text()[-3000:]}"
            )
        time.sleep(0.1)


@contextmanager
def serve(store: str, log: Path, **kwargs: Any) -> Iterator[Served]:
    """:func:`start_server`, stopped (SIGTERM, then SIGKILL) on leaving."""
    served = start_server(store, log, **kwargs)
    try:
        yield served
    finally:
        served.stop()


def uploads(folder: Path) -> list[tuple[str, tuple[str, bytes]]]:
    """The files of a folder as a multipart ``files`` field for POST /api/load."""
    return [
        ("files", (path.name, path.read_bytes()))
        for path in sorted(folder.iterdir())
        if path.suffix in (".csv", ".jsonl")
    ]
