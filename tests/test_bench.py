"""The performance harness (``make bench``) runs end to end at a tiny scale.

A smoke test: every figure is there and is a number, the targets are judged, the baselines'
counts agree with affgraph's. The values themselves are not checked — timings belong in
``bench/results/``, not in assertions.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.processes

REPO = Path(__file__).resolve().parent.parent

WHOLE = [
    f"{name}@{day}"
    for name in ("orphans", "overlaps", "coverage", "mismatches")
    for day in ("today", "past")
]
BASELINED = [key for key in WHOLE if key.startswith(("orphans", "overlaps"))]
FIGURES = [
    "embedded.generate_rows_per_s",
    "embedded.load_s",
    "embedded.load_rows_per_s",
    "embedded.load_peak_rss_mib",
    "embedded.store_file_mib",
    "embedded.reopen_s",
    "embedded.rss_open_mib",
    "embedded.peak_rss_mib",
    "embedded.serve_peak_rss_mib",
    "export.neo4j_admin_s",
    "export.neo4j_admin_rows_per_s",
    "export.neo4j_admin_mib",
    "baseline.floor_build_s",
    "baseline.nx_build_s",
    *(f"embedded.{key}.{stat}" for key in WHOLE for stat in ("median_s", "p95_s")),
    *(f"baseline.{key}.{side}_median_s" for key in BASELINED for side in ("floor", "nx")),
    *(f"ratio.{key}.{side}" for key in BASELINED for side in ("vs_floor", "vs_nx")),
    *(
        f"embedded.{name}.{stat}"
        for name in ("chain", "superiors", "subtree", "diff", "timeline")
        for stat in ("median_s", "p95_s")
    ),
    "ratio.diff.vs_as_of",
    *(
        f"embedded.candidates.{name}"
        for name in (
            "median_s",
            "read_s",
            "rss_mib",
            "kept_rss_mib",
            "peak_rss_mib",
            "listing_first_s",
            "listing_kept_s",
        )
    ),
    *(
        f"http.{name}.{q}_s"
        for name in ("node", "chain", "superiors")
        for q in ("p50", "p95", "p99")
    ),
    "http.ready_s",
    "history.reload_1pct_s",
    "history.reload_growth_mib",
    "history.as_recorded_make_s",
    "history.revert_s",
    *(
        f"history.{name}.{what}_s"
        for name in ("orphans", "overlaps")
        for what in ("current", "as_recorded", "after_revert")
    ),
    "neo4j.store_load_s",
    "neo4j.store_load_rows_per_s",
    "neo4j.bare_load_s",
    "neo4j.bare_load_rows_per_s",
    "neo4j.store_vs_bare",
    *(f"neo4j.{name}.{q}_s" for name in ("chain", "superiors") for q in ("p50", "p95")),
]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    folder = tmp_path_factory.mktemp("bench")
    out = folder / "results.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--scale",
            "3000",
            "--neo4j-scale",
            "2000",
            "--quick",
            "--data-dir",
            str(folder / "data"),
            "--out",
            str(out),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(out.read_text()), done.stdout


@pytest.mark.neo4j
def test_every_figure_is_measured(results: tuple[dict[str, Any], str]) -> None:
    data, _ = results
    missing = [
        name
        for name in FIGURES
        if not isinstance(data["figures"].get(name), int | float)
        or not math.isfinite(data["figures"][name])
    ]
    assert missing == []
    assert data["warnings"] == []


@pytest.mark.neo4j
def test_baselines_count_what_affgraph_counts(results: tuple[dict[str, Any], str]) -> None:
    counts = results[0]["queries"]["baselines"]["counts"]
    assert sorted(counts) == sorted(BASELINED)
    assert all(c["agree"] and c["affgraph"] == c["phase_a"] for c in counts.values())


@pytest.mark.neo4j
def test_targets_are_judged_and_the_table_printed(results: tuple[dict[str, Any], str]) -> None:
    data, stdout = results
    assert {t["figure"] for t in data["targets"]} <= set(FIGURES)
    assert all(t["met"] in (True, False) for t in data["targets"])
    assert data["table"] in stdout
    assert data["meta"]["scale"] == 3000
    assert data["meta"]["quick"]
    for row in (
        "load (validate + write + snapshot)",
        "/api/orgs/{id}/chain",
        "store ÷ bare (rows/s)",
        "duplicate candidates of the whole store",
    ):
        assert row in data["table"]
