"""Load soak: ``affgraph serve`` on a generated province of ~50,000 nodes, asked 4,000
requests over loopback by 32 concurrent clients — random node details, reporting lines,
parents-in-law and orphan pages. Every answer must be a 200; the latency figures
(p50/p95/p99, throughput) are printed (``pytest -s``) for the performance note.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from stores.embedded import EmbeddedStore
from tests.reliability_helpers import dataset, loaded_store, serve

NODES = 50_000
REQUESTS = 4_000
CONCURRENCY = 32


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[str]]]:
    """A closed store holding a generated province, and ids of its nodes by label."""
    data_dir = tmp_path_factory.getbasetemp() / "reliability-data"
    db = loaded_store(data_dir, f"first-{NODES}.db", dataset(data_dir, NODES, 1))
    store = EmbeddedStore(db)
    try:
        ids = {
            label: [n.id for n in store.iter_nodes(label=label)]
            for label in ("PartyOrg", "Enterprise", "Body", "Area")
        }
    finally:
        store.close()
    return db, ids


def _plan(ids: dict[str, list[str]], n: int, seed: int = 9) -> list[str]:
    """``n`` request paths: 40 % node details, 30 % reporting lines, 20 % parents-in-law,
    10 % pages of orphans."""
    rng = random.Random(seed)
    anything = [i for label in ids.values() for i in label]
    subjects = ids["PartyOrg"] + ids["Enterprise"]
    reasons = [
        "",
        "&reason=affiliation_ended",
        "&reason=no_affiliation",
        "&reason=superior_dissolved",
        "&reason=host_dissolved",
    ]
    paths = []
    for _ in range(n):
        pick = rng.random()
        if pick < 0.4:
            paths.append(f"/api/nodes/{rng.choice(anything)}")
        elif pick < 0.7:
            paths.append(f"/api/orgs/{rng.choice(ids['PartyOrg'])}/chain")
        elif pick < 0.9:
            paths.append(f"/api/nodes/{rng.choice(subjects)}/superiors")
        else:
            paths.append(
                f"/api/analysis/orphans?limit=100&offset={rng.randrange(0, 500)}"
                f"{rng.choice(reasons)}"
            )
    return paths


@pytest.mark.soak
def test_soak_a_served_province(
    tmp_path: Path, province: tuple[Path, dict[str, list[str]]]
) -> None:
    db, ids = province
    assert sum(map(len, ids.values())) >= NODES
    paths = _plan(ids, REQUESTS)
    local = threading.local()
    with serve(str(db), tmp_path / "serve.log") as server:

        def ask(path: str) -> tuple[str, int, float]:
            client = getattr(local, "client", None)
            if client is None:
                client = local.client = httpx.Client(base_url=server.url, timeout=60)
            started = time.perf_counter()
            try:
                status = client.get(path).status_code
            except httpx.HTTPError as exc:
                return path, -1 if not str(exc) else -2, time.perf_counter() - started
            return path, status, time.perf_counter() - started

        # warm up: one of each kind, so that the figures are of a running server
        for path in {p.split("?")[0].rsplit("/", 1)[-1]: p for p in paths}.values():
            ask(path)
        started = time.perf_counter()
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            results = list(pool.map(ask, paths))
        elapsed = time.perf_counter() - started
    statuses = Counter(status for _, status, _ in results)
    errors = [(path, status) for path, status, _ in results if status != 200]
    latencies = sorted(seconds * 1000 for _, _, seconds in results)
    cuts = statistics.quantiles(latencies, n=100)
    by_route: dict[str, list[float]] = {}
    for path, _, seconds in results:
        route = (
            "orphans"
            if "orphans" in path
            else "superiors"
            if "superiors" in path
            else "chain"
            if "chain" in path
            else "node"
        )
        by_route.setdefault(route, []).append(seconds * 1000)
    print(
        f"\nsoak: {REQUESTS} requests, concurrency {CONCURRENCY}, province of "
        f"{sum(map(len, ids.values())):,} nodes: {elapsed:.1f}s, "
        f"{REQUESTS / elapsed:.0f} requests/s; latency p50 {cuts[49]:.0f} ms, "
        f"p95 {cuts[94]:.0f} ms, p99 {cuts[98]:.0f} ms, max {latencies[-1]:.0f} ms; "
        f"statuses {dict(statuses)}"
    )
    for route, values in sorted(by_route.items()):
        values.sort()
        print(
            f"  {route:10s} n={len(values):4d}  p50 {statistics.median(values):6.1f} ms  "
            f"p95 {values[int(len(values) * 0.95)]:6.1f} ms  max {values[-1]:6.1f} ms"
        )
    assert not errors, f"{len(errors)} failed requests, e.g. {errors[:10]}"
