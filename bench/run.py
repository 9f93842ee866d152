"""``make bench`` / ``python -m bench.run``: measure affgraph at province scale; print one table
and write the same figures to ``bench/results/latest.json``.

Steps (each timed part in a process of its own where memory or a cold start matters):

1. generate the province (``affgraph generate``), cached under ``bench/data/seed-S-nodes-N/``;
2. load it into a fresh embedded store file (subprocess; 1 run): rows/s, peak RSS;
3. reopen the file (fresh subprocesses; median of ``--reopen-runs``);
4. the named queries on the embedded store (subprocess), then the two baselines — numpy
   arrays (the floor) and a plain networkx graph (by hand) — interleaved with affgraph's
   ``orphans`` and ``overlaps``; the counts of the three are compared; then the duplicate
   candidates of the whole store (subprocess): their time and memory;
5. ``affgraph serve`` over the file and a keep-alive HTTP client on random ids;
6. ``affgraph export --format neo4j-admin`` of the file (subprocess; 1 run);
7. the Neo4j store on ArcadeDB's Bolt server at ``--neo4j-scale``, next to a bare script.

It measures; it asserts nothing. Targets are printed next to the figures with ✓ / ✗.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import REPO, ensure_province, read_node_ids, say, write_json
from bench.report import check_targets, flatten, table

__all__ = ["main"]


def _worker(command: str, result: Path, *args: str) -> dict[str, Any]:
    """Run ``python -m bench.worker COMMAND …`` and return what it wrote to ``result``."""
    result.unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "bench.worker", command, *args, "--result", str(result)],
        cwd=REPO,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"the {command!r} worker exited with status {done.returncode} (its traceback is above)"
        )
    data: dict[str, Any] = json.loads(result.read_text())
    return data


def _git() -> dict[str, Any]:
    """The commit measured, and the files changed on top of it (figures belong to code)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)
        return done.stdout.rstrip("\n")

    return {
        "commit": git("rev-parse", "HEAD"),
        "changed": [
            line[3:]
            for line in git("status", "--porcelain").splitlines()
            if not line.startswith("??")
        ],
    }


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--scale",
        type=int,
        default=1_000_000,
        help="nodes of the province for the embedded store (default 1,000,000)",
    )
    parser.add_argument(
        "--neo4j-scale",
        type=int,
        default=100_000,
        help="nodes of the province for the Neo4j store (default 100,000)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--reps",
        type=int,
        default=5,
        help="runs of each whole-graph query (and of the numpy floor)",
    )
    parser.add_argument(
        "--nx-reps",
        type=int,
        default=3,
        help="runs of the networkx-by-hand baseline (as slow as the queries)",
    )
    parser.add_argument(
        "--calls",
        type=int,
        default=300,
        help="calls of chain and superiors (random ids) on the embedded store",
    )
    parser.add_argument(
        "--http-requests", type=int, default=1000, help="requests per HTTP endpoint"
    )
    parser.add_argument(
        "--neo4j-calls",
        type=int,
        default=100,
        help="calls of chain and superiors on the Neo4j store",
    )
    parser.add_argument("--reopen-runs", type=int, default=3)
    parser.add_argument(
        "--candidate-reps",
        type=int,
        default=3,
        help="runs of the duplicate candidates of the whole store",
    )
    parser.add_argument("--past", default="2015-01-01", help="the past as-of day")
    parser.add_argument("--neo4j-heap", default="4g", help="JVM heap of the ArcadeDB server")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="few repetitions (a smoke test, not a measurement): 2 runs per "
        "query, 20 calls, 30 requests, 1 reopen",
    )
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=["baselines", "candidates", "http", "export", "history", "neo4j"],
        help="leave a part out (repeatable)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=REPO / "bench" / "data",
        help="cache of generated provinces and the work files",
    )
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "latest.json")
    args = parser.parse_args(argv)
    if args.quick:
        args.reps, args.nx_reps, args.calls, args.http_requests = 2, 1, 20, 30
        args.neo4j_calls, args.reopen_runs, args.candidate_reps = 10, 1, 1
    return args


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    started = time.perf_counter()
    data_dir: Path = args.data_dir.resolve()
    work = data_dir / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db = work / f"scale-{args.scale}.db"
    results: dict[str, Any] = {
        "meta": {
            "scale": args.scale,
            "neo4j_scale": args.neo4j_scale,
            "seed": args.seed,
            "reps": args.reps,
            "nx_reps": args.nx_reps,
            "calls": args.calls,
            "http_requests": args.http_requests,
            "neo4j_calls": args.neo4j_calls,
            "reopen_runs": args.reopen_runs,
            "candidate_reps": args.candidate_reps,
            "past": args.past,
            "quick": args.quick,
            "skipped": args.skip,
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "git": _git(),
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
                "load_average_at_start": os.getloadavg(),
            },
        },
        "warnings": [],
    }

    def step(name: str, fn: Callable[[], Any]) -> None:
        try:
            results[name] = fn()
        except Exception as exc:  # report what was measured, and keep going
            if not isinstance(exc, RuntimeError):
                traceback.print_exc()
            results["warnings"].append(f"{name} failed: {type(exc).__name__}: {exc}")
            say(f"{name}: FAILED ({exc}); continuing")

    folder, info = ensure_province(data_dir, args.scale, args.seed)
    results["province"] = info
    step(
        "load", lambda: _worker("load", work / "load.json", "--data", str(folder), "--db", str(db))
    )
    if not db.exists():
        return _finish(args, results, started)

    def reopen() -> dict[str, Any]:
        runs = []
        for i in range(args.reopen_runs):
            runs.append(_worker("open", work / "open.json", "--db", str(db)))
            say(
                f"reopen {i + 1}/{args.reopen_runs}: {runs[-1]['seconds']:.2f} s "
                f"(+ {runs[-1]['imports_s']:.2f} s imports), peak RSS "
                f"{runs[-1]['peak_rss_mib']:,.0f} MiB"
            )
        return {
            "median": statistics.median(r["seconds"] for r in runs),
            "imports_s": statistics.median(r["imports_s"] for r in runs),
            "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
            "runs": len(runs),
            "each": runs,
        }

    step("reopen", reopen)
    step(
        "queries",
        lambda: _worker(
            "queries",
            work / "queries.json",
            "--db",
            str(db),
            "--data",
            str(folder),
            "--reps",
            str(args.reps),
            "--nx-reps",
            str(args.nx_reps),
            "--calls",
            str(args.calls),
            "--seed",
            str(args.seed),
            "--past",
            args.past,
            *(["--no-baselines"] if "baselines" in args.skip else []),
        ),
    )
    if "candidates" not in args.skip:
        step(
            "candidates",
            lambda: _worker(
                "candidates",
                work / "candidates.json",
                "--db",
                str(db),
                "--reps",
                str(args.candidate_reps),
            ),
        )
    for key, agreed in (
        (results.get("queries") or {}).get("baselines", {}).get("counts", {}).items()
    ):
        if not agreed["agree"]:
            results["warnings"].append(f"{key}: counts differ: {agreed}")
    if "http" not in args.skip:
        from bench.http_bench import bench_http

        ids = read_node_ids(folder)
        step("http", lambda: bench_http(db, ids, args.http_requests, args.seed, work / "serve.log"))
    if "export" not in args.skip:
        step(
            "export",
            lambda: _worker(
                "export", work / "export.json", "--db", str(db), "--out", str(work / "export")
            ),
        )
    if "history" not in args.skip:  # last: it reloads and reverts the store
        step(
            "history",
            lambda: _worker(
                "history",
                work / "history.json",
                "--db",
                str(db),
                "--data",
                str(folder),
                "--work",
                str(work),
                "--reps",
                str(min(args.reps, 3)),
            ),
        )
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(Path(f"{db}.recorded"), ignore_errors=True)
    if "neo4j" not in args.skip:
        from bench.neo4j_bench import bench_neo4j

        def neo4j() -> dict[str, Any]:
            n4_folder, n4_info = ensure_province(data_dir, args.neo4j_scale, args.seed)
            return bench_neo4j(
                n4_folder,
                n4_info["rows_total"],
                read_node_ids(n4_folder),
                work,
                args.neo4j_calls,
                args.seed,
                args.neo4j_heap,
            )

        step("neo4j", neo4j)
    return _finish(args, results, started)


def _finish(args: argparse.Namespace, results: dict[str, Any], started: float) -> int:
    results["meta"]["seconds"] = time.perf_counter() - started
    results["figures"] = flatten(results)
    results["targets"] = check_targets(results["figures"])
    text = table(results)
    results["table"] = text
    write_json(args.out, results)
    print(text)
    targets = results["targets"]
    missed = [t for t in targets if t["met"] is False]
    unmeasured = [t for t in targets if t["met"] is None]
    print(
        f"\n{len(targets) - len(missed) - len(unmeasured)} of {len(targets)} targets met, "
        f"{len(missed)} missed, {len(unmeasured)} not measured"
        + "".join(
            f"\n  ✗ {t['figure']} = {t['value']:.4g}: target {t['target']} "
            f"(off by {t['off_by']:.2f}×)"
            for t in missed
        )
        + "".join(f"\n  ? {t['figure']}: not measured" for t in unmeasured)
    )
    print(
        f"Figures written to {args.out}; the harness took {results['meta']['seconds']:.0f} s "
        f"(scale {args.scale:,}, Neo4j scale {args.neo4j_scale:,})."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
