"""Single-entity requests over HTTP: ``affgraph serve`` (uvicorn) on loopback, a keep-alive
``httpx.Client``, random ids; latency as the client sees it."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import REPO, NodeIds, percentile, say

__all__ = ["ENDPOINTS", "bench_http"]

#: (name, path template, labels whose ids it is asked with)
ENDPOINTS = (
    ("node", "/api/nodes/{id}", ("PartyOrg", "Enterprise", "Body", "Area")),
    ("chain", "/api/orgs/{id}/chain", ("PartyOrg",)),
    ("superiors", "/api/nodes/{id}/superiors", ("PartyOrg", "Enterprise")),
)
_WARM_UP = 20


def _free_port() -> int:
    from app.bolt_server import free_port

    return free_port()


def _vm_hwm_mib(pid: int) -> float | None:
    """A process's peak resident set size (VmHWM), in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def bench_http(db: Path, ids: NodeIds, requests: int, seed: int, log: Path) -> dict[str, Any]:
    """Start ``affgraph serve`` on ``db``, send ``requests`` requests to each endpoint
    (interleaved), stop it; percentiles in seconds."""
    port = _free_port()
    command = [
        str(Path(sys.executable).with_name("affgraph")),
        "serve",
        "--store",
        str(db),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    base = f"http://127.0.0.1:{port}"
    say(f"http: starting affgraph serve on {base} …")
    with log.open("wb") as log_file:
        server = subprocess.Popen(
            command, cwd=REPO, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT
        )
        try:
            return _measure(server, base, ids, requests, seed)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _measure(
    server: subprocess.Popen[bytes], base: str, ids: NodeIds, requests: int, seed: int
) -> dict[str, Any]:
    start = time.perf_counter()
    with httpx.Client(base_url=base, timeout=60) as client:
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"affgraph serve exited with code {server.returncode}")
            try:
                if client.get("/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.perf_counter() - start > 600:
                raise RuntimeError("affgraph serve did not answer /api/health within 600 s")
            time.sleep(0.1)
        ready = time.perf_counter() - start
        say(f"http: ready in {ready:.1f} s; {requests:,} requests per endpoint, interleaved …")
        rng = random.Random(seed)
        pools = {name: ids.of(*labels) for name, _, labels in ENDPOINTS}
        plan = {
            name: [path.format(id=rng.choice(pools[name])) for _ in range(requests)]
            for name, path, _ in ENDPOINTS
        }
        for name, _, _ in ENDPOINTS:
            for url in plan[name][:_WARM_UP]:
                client.get(url)
        times: dict[str, list[float]] = {name: [] for name in plan}
        failures: dict[str, int] = dict.fromkeys(plan, 0)
        for i in range(requests):
            for name, urls in plan.items():
                t0 = time.perf_counter()
                response = client.get(urls[i])
                response.read()
                times[name].append(time.perf_counter() - t0)
                if response.status_code != 200:
                    failures[name] += 1
    out: dict[str, Any] = {
        "ready_s": ready,
        "requests": requests,
        "server_peak_rss_mib": _vm_hwm_mib(server.pid),
        "endpoints": {},
    }
    for name, values in times.items():
        out["endpoints"][name] = {
            "p50": percentile(values, 50),
            "p95": percentile(values, 95),
            "p99": percentile(values, 99),
            "runs": len(values),
            "non_200": failures[name],
        }
        say(
            f"http: {name}: p50 {percentile(values, 50) * 1000:.2f} ms, p95 "
            f"{percentile(values, 95) * 1000:.2f} ms, p99 {percentile(values, 99) * 1000:.2f} ms"
            f"{f' ({failures[name]} not 200)' if failures[name] else ''}"
        )
    return out
