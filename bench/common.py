"""Helpers shared by the harness and its worker processes: clocks, statistics, memory, data."""

from __future__ import annotations

import csv
import json
import math
import os
import resource
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

__all__ = [
    "CSV_FILES",
    "REPO",
    "NodeIds",
    "count_rows",
    "current_rss_mib",
    "ensure_province",
    "peak_rss_mib",
    "percentile",
    "read_node_ids",
    "say",
    "summarize",
    "timed",
]

REPO = Path(__file__).resolve().parent.parent
CSV_FILES = ("sources.csv", "nodes.csv", "edges.csv", "transfers.csv")
#: Shared by the harness and its workers, so every progress line shows the time since start.
_T0 = float(os.environ.get("AFFGRAPH_BENCH_T0", time.time()))
os.environ.setdefault("AFFGRAPH_BENCH_T0", str(_T0))

T = TypeVar("T")


def say(message: str) -> None:
    """A progress line on stderr: minutes:seconds since the harness started, and a message."""
    elapsed = time.time() - _T0
    print(
        f"[{int(elapsed // 60):3d}:{int(elapsed % 60):02d}] {message}", file=sys.stderr, flush=True
    )


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) with linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    pos = (len(ordered) - 1) * q / 100
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summarize(seconds: Sequence[float]) -> dict[str, Any]:
    """Median, p95, p99, min and max (seconds) and the number of runs."""
    return {
        "median": statistics.median(seconds),
        "p95": percentile(seconds, 95),
        "p99": percentile(seconds, 99),
        "min": min(seconds),
        "max": max(seconds),
        "runs": len(seconds),
    }


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    """Seconds ``fn()`` took, and what it returned."""
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def peak_rss_mib() -> float:
    """This process's peak resident set size so far, in MiB (Linux: ru_maxrss is KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib() -> float:
    """This process's resident set size now, in MiB (Linux: /proc/self/status)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


def count_rows(folder: Path) -> dict[str, int]:
    """Data rows (header excluded) of each canonical CSV file in ``folder``."""
    found = {}
    for name in CSV_FILES:
        with (folder / name).open("rb") as handle:
            found[name] = sum(1 for _ in handle) - 1
    return found


def ensure_province(root: Path, nodes: int, seed: int) -> tuple[Path, dict[str, Any]]:
    """The canonical CSV of a generated province, generated once and cached under
    ``root/seed-S-nodes-N/``, with ``root/seed-S-nodes-N.json`` beside it (rows and how long
    generating took; outside the folder, which ``affgraph load`` reads whole)."""
    folder = root / f"seed-{seed}-nodes-{nodes}"
    info_path = root / f"{folder.name}.json"
    if info_path.is_file() and all((folder / f).is_file() for f in CSV_FILES):
        info = json.loads(info_path.read_text())
        info["cached"] = True
        say(f"province {folder.name}: cached ({info['rows_total']:,} rows)")
        return folder, info
    from generator import generate_province

    partial = root / f"{folder.name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    shutil.rmtree(folder, ignore_errors=True)
    info_path.unlink(missing_ok=True)
    say(f"generating province {folder.name} …")
    start = time.perf_counter()
    summary = generate_province(partial, nodes, seed)
    seconds = time.perf_counter() - start
    rows = count_rows(partial)
    info = {
        "nodes_requested": nodes,
        "seed": seed,
        "rows": rows,
        "rows_total": sum(rows.values()),
        "generate_s": seconds,
        "generate_rows_per_s": sum(rows.values()) / seconds,
        "by_label": summary.by_label(),
        "by_type": summary.by_type(),
    }
    partial.rename(folder)
    info_path.write_text(json.dumps(info, indent=2))  # last: the mark of a complete province
    say(f"generated {info['rows_total']:,} rows in {seconds:.1f} s")
    info["cached"] = False
    return folder, info


class NodeIds:
    """Node ids of a province by label, read from nodes.csv."""

    def __init__(self, by_label: dict[str, list[str]]) -> None:
        self.by_label = by_label

    def of(self, *labels: str) -> list[str]:
        return [i for label in labels for i in self.by_label.get(label, [])]

    @property
    def all(self) -> list[str]:
        return [i for ids in self.by_label.values() for i in ids]


def read_node_ids(folder: Path) -> NodeIds:
    by_label: dict[str, list[str]] = {}
    with (folder / "nodes.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            by_label.setdefault(row["label"], []).append(row["id"])
    return NodeIds(by_label)


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def chunks(items: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
