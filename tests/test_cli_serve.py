"""The real commands: ``affgraph load`` then ``affgraph serve`` on the same file."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.bolt_server import free_port

pytestmark = pytest.mark.processes

AFFGRAPH = [sys.executable, "-m", "app"]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*AFFGRAPH, *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


@pytest.fixture
def loaded_db(tmp_path: Path, cases_dir: Path) -> Path:
    db = tmp_path / "cases.db"
    done = run("load", str(cases_dir), "--store", str(db))
    assert done.returncode == 0, done.stderr
    assert "created" in done.stdout
    return db


@pytest.fixture
def served(loaded_db: Path) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [*AFFGRAPH, "serve", "--store", str(loaded_db), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{url}/api/health", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_load_then_serve_shows_loaded_counts(served: str, cases_dir: Path) -> None:
    health = httpx.get(f"{served}/api/health").json()
    lines = [
        line
        for path in cases_dir.glob("*.jsonl")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    expected_nodes = sum('"record": "node"' in line or '"record":"node"' in line for line in lines)
    assert health["status"] == "ok"
    assert health["store"] == "embedded"
    assert health["nodes"] == expected_nodes > 100
    assert health["edges"] == sum(health["edges_by_type"].values()) > 100
    assert health["transfers"] == 2
    assert health["sources"] == 5


def test_serve_sees_a_later_load_from_another_process(
    served: str, loaded_db: Path, tmp_path: Path
) -> None:
    before = httpx.get(f"{served}/api/health").json()["nodes"]
    extra = tmp_path / "extra.jsonl"
    extra.write_text(
        '{"record":"node","id":"new-street","label":"Area","kind":"street",'
        '"name":"某街道（示例）"}\n',
        encoding="utf-8",
    )
    assert run("load", str(extra), "--store", str(loaded_db)).returncode == 0
    assert httpx.get(f"{served}/api/health").json()["nodes"] == before + 1


def test_second_load_says_nothing_changed(loaded_db: Path, cases_dir: Path) -> None:
    again = run("load", str(cases_dir), "--store", str(loaded_db))
    assert again.returncode == 0
    assert "Nothing changed" in again.stdout


def test_store_from_environment(tmp_path: Path, cases_dir: Path) -> None:
    db = tmp_path / "from-env.db"
    env = {**os.environ, "AFFGRAPH_STORE": str(db)}
    assert run("load", str(cases_dir / "sources.jsonl"), env=env).returncode == 0
    assert db.exists()


def test_every_command_has_help() -> None:
    for command in ([], ["load"], ["serve"], ["schema"]):
        done = run(*command, "--help")
        assert done.returncode == 0, command
        assert "Usage" in done.stdout


def test_an_unreachable_neo4j_store_is_exit_2_with_a_message() -> None:
    env = {**os.environ, "AFFGRAPH_NEO4J_PASSWORD": "not-used"}
    url = f"bolt://127.0.0.1:{free_port()}"
    for args in (["query", "orphans", "--store", url], ["load", "data/cases", "--store", url]):
        done = run(*args, env=env)
        assert done.returncode == 2, done.stderr
        assert f"Neo4j store at {url}" in done.stderr
        assert "Traceback" not in done.stderr
