"""The Neo4j store on a real Bolt server (ArcadeDB, from the arcadedb-embedded wheel).

In one server, each load on an empty database (``reset_database`` between):

1. a warm-up (the public cases, through the store) so that neither side pays for a cold JVM;
2. **the store**: ``Neo4jStore`` + ``load_paths`` (read, validate, check against the store,
   hash and write in one transaction), then ``chain`` and ``superiors`` on random ids;
3. **the bare script**: the same CSV rows sent as ``UNWIND $rows AS r MERGE (n:Node {id:
   r.id}) SET n += r.props`` (``:Source`` and ``:Transfer`` likewise) and, per relationship
   type, ``MATCH (a) MATCH (b) MERGE (a)-[e:TYPE {key: r.key}]->(b) SET e += r.props``, in
   batches of the store's own size, one managed transaction per batch, values as the CSV's
   strings, after creating the three ``id`` uniqueness constraints. Reading the CSV is timed.

The ratio store ÷ bare rows/s is the store's overhead (validation included).
"""

from __future__ import annotations

import csv
import random
import shutil
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from bench.common import REPO, NodeIds, chunks, say, summarize

__all__ = ["bench_neo4j"]


def _csv_rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _bare_load(uri: str, auth: tuple[str, str], database: str, folder: Path) -> float:
    """The bare UNWIND/MERGE script (see the module docstring); returns seconds."""
    from neo4j import GraphDatabase, ManagedTransaction

    from graph_schema.cypher import constraint_statements
    from stores.neo4j import BATCH_SIZE

    with GraphDatabase.driver(uri, auth=auth) as driver:
        with driver.session(database=database) as session:
            for statement in constraint_statements()[:3]:  # Node, Source, Transfer ids
                session.run(statement).consume()
        start = time.perf_counter()
        with driver.session(database=database) as session:

            def send(query: str, rows: list[dict[str, Any]]) -> None:
                for batch in chunks(rows, BATCH_SIZE):

                    def write(tx: ManagedTransaction, b: Sequence[Any] = batch) -> None:
                        tx.run(query, rows=list(b)).consume()

                    session.execute_write(write)

            for label, name in (
                ("Source", "sources.csv"),
                ("Node", "nodes.csv"),
                ("Transfer", "transfers.csv"),
            ):
                rows = [
                    {"id": r["id"], "props": {k: v for k, v in r.items() if v}}
                    for r in _csv_rows(folder / name)
                ]
                send(f"UNWIND $rows AS r MERGE (n:{label} {{id: r.id}}) SET n += r.props", rows)
            by_type: dict[str, list[dict[str, Any]]] = {}
            for r in _csv_rows(folder / "edges.csv"):
                key = "|".join((r["type"], r["from"], r["to"], r["kind"], r["valid_from"]))
                props = {k: v for k, v in r.items() if v and k not in ("type", "from", "to")}
                by_type.setdefault(r["type"], []).append(
                    {"src": r["from"], "dst": r["to"], "key": key, "props": props}
                )
            for rel, rows in by_type.items():
                send(
                    f"UNWIND $rows AS r MATCH (a:Node {{id: r.src}}) MATCH (b:Node "
                    f"{{id: r.dst}}) MERGE (a)-[e:{rel} {{key: r.key}}]->(b) SET e += r.props",
                    rows,
                )
        return time.perf_counter() - start


def bench_neo4j(
    folder: Path, rows: int, ids: NodeIds, work: Path, calls: int, seed: int, heap: str
) -> dict[str, Any]:
    """Loads and queries on a fresh ArcadeDB Bolt server under ``work``; see the module."""
    from app.bolt_server import BoltServer
    from loaders.load import load_paths
    from queries.base import QueryError
    from queries.catalog import QUERIES
    from stores.neo4j import Neo4jStore

    root = work / "arcadedb"
    shutil.rmtree(root, ignore_errors=True)
    out: dict[str, Any] = {"rows": rows, "heap": heap}
    say(f"neo4j: starting the ArcadeDB Bolt server (heap {heap}) …")
    with BoltServer(root, heap=heap, query_timeout_ms=600_000) as server:
        say(f"neo4j: warm-up (public cases) on {server.uri} …")
        store = Neo4jStore(server.uri, server.auth, database=server.database)
        load_paths(store, [REPO / "data" / "cases"])
        store.close()
        server.reset_database()

        say(f"neo4j: Neo4jStore + load_paths, {rows:,} rows (1 run) …")
        store = Neo4jStore(server.uri, server.auth, database=server.database)
        start = time.perf_counter()
        load_paths(store, [folder])
        seconds = time.perf_counter() - start
        out["store_load"] = {"seconds": seconds, "rows_per_s": rows / seconds, "runs": 1}
        say(f"neo4j: store load {seconds:.1f} s, {rows / seconds:,.0f} rows/s")

        rng = random.Random(seed)
        orgs, enterprises = ids.of("PartyOrg"), ids.of("Enterprise")
        subjects = {
            "chain": [rng.choice(orgs) for _ in range(calls)],
            "superiors": [rng.choice(orgs if i % 2 else enterprises) for i in range(calls)],
        }
        out["queries"] = {}
        for name, node_ids in subjects.items():
            query = QUERIES[name]
            times, errors = [], 0
            for i, node_id in enumerate([*node_ids[:5], *node_ids]):  # 5 warm-up calls
                params = query.params.model_validate({"id": node_id})
                t0 = time.perf_counter()
                try:
                    query.run(store, params)
                except QueryError:
                    errors += 1
                    continue
                if i >= 5:
                    times.append(time.perf_counter() - t0)
            out["queries"][name] = {**summarize(times), "errors": errors}
            say(
                f"neo4j: {name}: p50 {out['queries'][name]['median'] * 1000:.1f} ms, p95 "
                f"{out['queries'][name]['p95'] * 1000:.1f} ms over {len(times)} calls"
            )
        store.close()

        server.reset_database()
        say(f"neo4j: bare UNWIND/MERGE script, {rows:,} rows (1 run) …")
        seconds = _bare_load(server.uri, server.auth, server.database, folder)
        out["bare_load"] = {"seconds": seconds, "rows_per_s": rows / seconds, "runs": 1}
        say(f"neo4j: bare load {seconds:.1f} s, {rows / seconds:,.0f} rows/s")
    out["store_vs_bare"] = out["store_load"]["rows_per_s"] / out["bare_load"]["rows_per_s"]
    shutil.rmtree(root, ignore_errors=True)
    return out
