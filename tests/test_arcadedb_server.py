"""The local ArcadeDB Bolt server (app/bolt_server.py): start, query, reset, stop, busy ports."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import Driver, GraphDatabase

from app.bolt_server import BoltServer, BoltServerError, free_port, port_is_free

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def arcadedb_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoltServer]:
    with BoltServer(tmp_path_factory.mktemp("arcadedb")) as server:
        yield server


@pytest.fixture(scope="module")
def arcadedb_driver(arcadedb_server: BoltServer) -> Iterator[Driver]:
    with GraphDatabase.driver(arcadedb_server.uri, auth=arcadedb_server.auth) as driver:
        yield driver


def count_nodes(driver: Driver, database: str) -> int:
    records, _, _ = driver.execute_query("MATCH (n:Probe) RETURN count(n) AS n", database_=database)
    return int(records[0]["n"])


def test_answers_cypher(arcadedb_server: BoltServer, arcadedb_driver: Driver) -> None:
    records, _, _ = arcadedb_driver.execute_query(
        "RETURN $x + 1 AS y", x=41, database_=arcadedb_server.database
    )
    assert records[0]["y"] == 42
    assert arcadedb_server.uri == f"bolt://127.0.0.1:{arcadedb_server.bolt_port}"
    assert arcadedb_server.auth == ("root", "affgraph-test")


def test_reset_database_empties_it(arcadedb_server: BoltServer, arcadedb_driver: Driver) -> None:
    database = arcadedb_server.database
    arcadedb_driver.execute_query("CREATE (:Probe {id: 'a'})", database_=database)
    assert count_nodes(arcadedb_driver, database) == 1

    arcadedb_server.reset_database()

    assert count_nodes(arcadedb_driver, database) == 0
    arcadedb_driver.execute_query("CREATE (:Probe {id: 'b'})", database_=database)
    assert count_nodes(arcadedb_driver, database) == 1


def test_stop_frees_the_port_and_is_idempotent(tmp_path: Path) -> None:
    server = BoltServer(tmp_path)
    server.start()
    port = server.bolt_port
    assert server.running
    assert not port_is_free(port)

    server.stop()

    assert not server.running
    assert port_is_free(port)
    assert port_is_free(server.http_port)
    server.stop()


@pytest.mark.parametrize("which", ["bolt_port", "http_port"])
def test_busy_port_is_refused_clearly(tmp_path: Path, which: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        server = BoltServer(tmp_path, **{which: port})
        with pytest.raises(BoltServerError, match=rf"port {port} .* already in use"):
            server.start()
    assert not server.running


def test_early_exit_reports_the_log(tmp_path: Path) -> None:
    server = BoltServer(tmp_path, heap="not-a-size")
    with pytest.raises(BoltServerError, match=r"exited with code \d+[\s\S]*server log tail"):
        server.start(timeout=30)
    assert not server.running


def test_ports_are_unknown_before_start(tmp_path: Path) -> None:
    server = BoltServer(tmp_path)
    with pytest.raises(BoltServerError, match="start the server first"):
        _ = server.uri
    assert BoltServer(tmp_path, bolt_port=7999).uri == "bolt://127.0.0.1:7999"


def test_short_password_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 8"):
        BoltServer(tmp_path, password="short")


def test_free_port_is_free() -> None:
    assert port_is_free(free_port())
