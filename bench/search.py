"""``python -m bench.search --db FILE``: what ``GET /api/search`` costs the server.

Starts ``affgraph serve`` over an embedded store file once per memory query, asks a query that
matches nothing (so that everything a search imports is loaded), then the query measured, and
reads the server's ``VmRSS`` and ``VmHWM`` (peak) before and after: the memory one search adds
to a fresh server. Then the latency of queries of 1, 2, 3 and more characters, Chinese and
Latin (median of ``--reps`` requests, page of 100). Prints JSON; asserts nothing.

The queries fit a generated province (``affgraph generate``): every name holds 示例 and most
有限公司; pass ``--memory`` / ``--latency`` for others.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

#: the command line of this environment (``affgraph serve`` runs the server in its process)
AFFGRAPH = str(Path(sys.executable).with_name("affgraph"))
MEMORY_QUERIES = ("a", "有限")
LATENCY_QUERIES = (
    *("a", "示"),  # 1 character: every node
    *("有限", "支部", "宇卓"),  # 2: many, some, few
    *("有限公司", "示例3市", "宇卓印刷", "furniture", "boyu", "Sample City 1", "no such name"),
)


def _status(pid: int) -> dict[str, int]:
    """The process's VmRSS and VmHWM in MiB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) // 1024
    return found


class Server:
    """``affgraph serve`` over ``db`` on ``port``, until closed."""

    def __init__(self, db: Path, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [AFFGRAPH, "serve", "--store", str(db), "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(600):
            try:
                self.search("no such name")
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"affgraph serve did not answer on {self.base}")

    def search(self, q: str, limit: int = 100) -> tuple[float, dict[str, Any]]:
        """(seconds, answer) of one request."""
        url = f"{self.base}/api/search?" + urllib.parse.urlencode({"q": q, "limit": limit})
        start = time.perf_counter()
        with urllib.request.urlopen(url, timeout=600) as response:
            body = json.loads(response.read())
        return time.perf_counter() - start, body

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait()


def memory(db: Path, port: int, q: str, limit: int) -> dict[str, Any]:
    """What one search of ``q`` adds to a fresh server's RSS and peak RSS."""
    server = Server(db, port)
    try:
        before = _status(server.proc.pid)
        seconds, body = server.search(q, limit)
        after = _status(server.proc.pid)
    finally:
        server.close()
    return {
        "q": q,
        "limit": limit,
        "total": body["total"],
        "seconds": round(seconds, 3),
        "rss_mib": [before["VmRSS"], after["VmRSS"]],
        "peak_mib": [before["VmHWM"], after["VmHWM"]],
        "peak_added_mib": after["VmHWM"] - before["VmHWM"],
    }


def latency(db: Path, port: int, queries: list[str], reps: int) -> dict[str, Any]:
    """Median milliseconds of ``reps`` requests of each query (page of 100), and its total."""
    server = Server(db, port)
    found = {}
    try:
        for q in queries:
            times = []
            for _ in range(reps):
                seconds, body = server.search(q)
                times.append(seconds)
            found[q] = {
                "median_ms": round(statistics.median(times) * 1000, 1),
                "total": body["total"],
            }
    finally:
        server.close()
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__)
    parser.add_argument("--db", type=Path, required=True, help="an embedded store file")
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument("--memory", nargs="*", default=list(MEMORY_QUERIES))
    parser.add_argument("--memory-limit", type=int, default=500, help="page size asked")
    parser.add_argument("--latency", nargs="*", default=list(LATENCY_QUERIES))
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args(argv)
    result = {
        "db": str(args.db),
        "file_mib": round(args.db.stat().st_size / 2**20, 1),
        "memory": [memory(args.db, args.port, q, args.memory_limit) for q in args.memory],
        "latency": latency(args.db, args.port, args.latency, args.reps),
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
