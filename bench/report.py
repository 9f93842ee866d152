"""The harness's figures: flattened for the JSON, checked against the targets, and printed
as one Markdown table (the same table ``bench/README.md`` shows)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = ["TARGETS", "Target", "check_targets", "flatten", "table"]

WHOLE = ("orphans", "overlaps", "coverage", "mismatches", "overlap_pairs", "conflicts")
DAYS = ("today", "past")
ENTITY = ("chain", "superiors", "subtree")
HTTP = ("node", "chain", "superiors")
GIB = 1024


def _get(data: dict[str, Any], *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def flatten(results: dict[str, Any]) -> dict[str, float | None]:
    """Every figure under a flat, stable name (seconds, rows/s, MiB, ratios)."""

    def g(*path: str) -> Any:
        return _get(results, *path)

    f: dict[str, float | None] = {
        "embedded.generate_rows_per_s": g("province", "generate_rows_per_s"),
        "embedded.load_s": g("load", "seconds"),
        "embedded.load_rows_per_s": g("load", "rows_per_s"),
        "embedded.load_peak_rss_mib": g("load", "peak_rss_mib"),
        "embedded.store_file_mib": g("load", "store_mib"),
        "embedded.reopen_s": g("reopen", "median"),
        "embedded.rss_open_mib": g("reopen", "peak_rss_mib"),
        "embedded.peak_rss_mib": g("queries", "rss_queries_mib"),
        "embedded.serve_peak_rss_mib": g("http", "server_peak_rss_mib"),
        "embedded.columns_build_s": g("queries", "columns", "build_s"),
        "embedded.columns_rank_s": g("queries", "columns", "rank_s"),
        "embedded.columns_mib": g("queries", "columns", "mib"),
        "embedded.model_mib": g("queries", "model_mib"),
        "embedded.columns_rss_added_mib": g("queries", "columns", "rss_added_mib"),
        "http.ready_s": g("http", "ready_s"),
        "export.neo4j_admin_s": g("export", "seconds"),
        "export.neo4j_admin_rows_per_s": g("export", "rows_per_s"),
        "export.neo4j_admin_mib": g("export", "mib"),
        "baseline.floor_build_s": g("queries", "baselines", "floor_build_s"),
        "baseline.nx_build_s": g("queries", "baselines", "nx_build_s"),
    }
    for name in WHOLE:
        for day in DAYS:
            key = f"{name}@{day}"
            f[f"embedded.{key}.median_s"] = g("queries", "whole", key, "median")
            f[f"embedded.{key}.p95_s"] = g("queries", "whole", key, "p95")
            if name in ("orphans", "overlaps"):
                ratios = g("queries", "baselines", "ratios", key) or {}
                f[f"baseline.{key}.floor_median_s"] = ratios.get("floor_median_s")
                f[f"baseline.{key}.nx_median_s"] = ratios.get("nx_median_s")
                f[f"ratio.{key}.vs_floor"] = ratios.get("vs_floor")
                f[f"ratio.{key}.vs_nx"] = ratios.get("vs_nx")
    for name in ("diff", "timeline"):
        f[f"embedded.{name}.median_s"] = g("queries", "changes", name, "median")
        f[f"embedded.{name}.p95_s"] = g("queries", "changes", name, "p95")
    f["ratio.diff.vs_as_of"] = g("queries", "changes", "diff_vs_as_of")
    f["embedded.candidates.median_s"] = g("candidates", "median")
    f["embedded.candidates.read_s"] = g("candidates", "read_s")
    f["embedded.candidates.rss_mib"] = g("candidates", "rss_candidates_mib")
    f["embedded.candidates.kept_rss_mib"] = g("candidates", "rss_kept_mib")
    f["embedded.candidates.peak_rss_mib"] = g("candidates", "peak_rss_mib")
    f["embedded.candidates.listing_first_s"] = g("candidates", "listing_first_s")
    f["embedded.candidates.listing_kept_s"] = g("candidates", "listing_kept_s")
    for name in ENTITY:
        f[f"embedded.{name}.median_s"] = g("queries", "entity", name, "median")
        f[f"embedded.{name}.p95_s"] = g("queries", "entity", name, "p95")
    for name in HTTP:
        for q in ("p50", "p95", "p99"):
            f[f"http.{name}.{q}_s"] = g("http", "endpoints", name, q)
    f["history.reload_1pct_s"] = g("history", "reload", "seconds")
    f["history.reload_growth_mib"] = g("history", "growth_mib")
    f["history.as_recorded_make_s"] = g("history", "as_recorded", "materialise_s")
    f["history.revert_s"] = g("history", "revert", "seconds")
    for name in ("orphans", "overlaps"):
        f[f"history.{name}.current_s"] = g("history", "current", name)
        f[f"history.{name}.as_recorded_s"] = g("history", "as_recorded", "again_s", name)
        f[f"history.{name}.after_revert_s"] = g("history", "after_revert", name)
    f["neo4j.store_load_s"] = g("neo4j", "store_load", "seconds")
    f["neo4j.store_load_rows_per_s"] = g("neo4j", "store_load", "rows_per_s")
    f["neo4j.bare_load_s"] = g("neo4j", "bare_load", "seconds")
    f["neo4j.bare_load_rows_per_s"] = g("neo4j", "bare_load", "rows_per_s")
    f["neo4j.store_vs_bare"] = g("neo4j", "store_vs_bare")
    for name in ("chain", "superiors"):
        f[f"neo4j.{name}.p50_s"] = g("neo4j", "queries", name, "median")
        f[f"neo4j.{name}.p95_s"] = g("neo4j", "queries", name, "p95")
    return f


@dataclass(frozen=True)
class Target:
    """A figure's target: ``figure`` must be at least (``most`` False) or at most ``bound``."""

    figure: str
    bound: float
    most: bool
    text: str

    def met(self, value: float | None) -> bool | None:
        if value is None or math.isnan(value):
            return None
        return value <= self.bound if self.most else value >= self.bound


TARGETS = (
    Target("embedded.load_rows_per_s", 200_000, False, "≥ 200,000 rows/s"),
    Target("embedded.load_peak_rss_mib", 1.5 * GIB, True, "≤ 1.5 GiB"),
    Target("embedded.reopen_s", 5.0, True, "≤ 5 s"),
    *(
        Target(f"embedded.{n}@{d}.median_s", 0.3, True, "≤ 0.3 s")
        for n in ("orphans", "overlaps")
        for d in DAYS
    ),
    *(
        Target(f"embedded.{n}@{d}.median_s", 1.0, True, "≤ 1 s")
        for n in ("coverage", "mismatches")
        for d in DAYS
    ),
    *(Target(f"http.{n}.p95_s", 0.005, True, "p95 ≤ 5 ms") for n in HTTP),
    Target("http.ready_s", 2.0, True, "≤ 2 s"),
    # issue 17: a 1M-node province held in 0.6 GiB, served in 1 GiB at its peak
    Target("embedded.peak_rss_mib", 0.6 * GIB, True, "≤ 0.6 GiB"),
    Target("embedded.serve_peak_rss_mib", 1.0 * GIB, True, "≤ 1 GiB"),
    Target("ratio.diff.vs_as_of", 3.0, True, "≤ 3× the slowest as-of query"),
    Target("neo4j.store_vs_bare", 0.8, False, "≥ 0.8× bare"),
)


def check_targets(figures: dict[str, float | None]) -> list[dict[str, Any]]:
    """Each target with its figure and whether it is met (None: not measured)."""
    found = []
    for t in TARGETS:
        value = figures.get(t.figure)
        met = t.met(value)
        miss = None
        if met is False and value:
            miss = value / t.bound if t.most else t.bound / value
        found.append(
            {
                "figure": t.figure,
                "target": t.text,
                "bound": t.bound,
                "value": value,
                "met": met,
                "off_by": miss,
            }
        )
    return found


# -- the table ----------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    if value is None:
        return "—"
    return (
        f"{value * 1000:,.0f} ms"
        if value >= 1
        else (f"{value * 1000:.1f} ms" if value >= 0.01 else f"{value * 1000:.2f} ms")
    )


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f} s"


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} rows/s"


def _mib(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} MiB"


def _x(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.1f}×" if value >= 0.1 else f"{value:.2g}×"


def table(results: dict[str, Any]) -> str:
    """The one table: figure, value, runs, target, ✓/✗, and the ratios to the baselines."""
    f = results["figures"]
    meta = results["meta"]
    met = {t["figure"]: t for t in results["targets"]}
    rows: list[tuple[str, str, str, str, str, str]] = []

    def row(
        name: str, value: str, runs: str, figure: str | None = None, floor: str = "", nx: str = ""
    ) -> None:
        target, mark = "", ""
        if figure in met:
            target = met[figure]["target"]
            mark = {True: "✓", False: "✗", None: "?"}[met[figure]["met"]]
        rows.append((name, value, runs, f"{target} {mark}".strip(), floor, nx))

    q = results.get("queries") or {}
    reps, calls = q.get("reps", "?"), q.get("calls", "?")
    days = q.get("as_of") or {"today": "today", "past": meta.get("past")}
    scale, n4 = meta["scale"], meta["neo4j_scale"]
    province = results.get("province") or {}
    rows.append(
        (
            f"**embedded store, {scale:,} nodes ({province.get('rows_total', 0):,} rows)**",
            "",
            "",
            "",
            "",
            "",
        )
    )
    gen = "cached" if province.get("cached") else "1 run"
    row("generate (affgraph generate)", _rate(f["embedded.generate_rows_per_s"]), gen)
    row(
        "load (validate + write + snapshot)",
        f"{_rate(f['embedded.load_rows_per_s'])} ({_s(f['embedded.load_s'])})",
        "1 run",
        "embedded.load_rows_per_s",
    )
    row("load peak RSS", _mib(f["embedded.load_peak_rss_mib"]), "1 run")
    row("store file", _mib(f["embedded.store_file_mib"]), "")
    reopen = results.get("reopen") or {}
    row(
        "reopen (time to a usable store; Python start-up and imports not included)",
        _s(f["embedded.reopen_s"]),
        f"median of {reopen.get('runs', '?')}",
        "embedded.reopen_s",
    )
    row(
        "peak RSS holding the graph (open + all queries)",
        _mib(f["embedded.peak_rss_mib"]),
        "",
        "embedded.peak_rss_mib",
    )
    row(
        "peak RSS of affgraph serve (after the HTTP run)",
        _mib(f["embedded.serve_peak_rss_mib"]),
        "",
    )
    row(
        "in-memory model (stores/model.py): arrays and texts held",
        _mib(f["embedded.model_mib"]),
        "",
    )
    row(
        "the whole-graph queries' columns (slices of the model): made at the first such query "
        "of a generation",
        f"{_s(f['embedded.columns_build_s'])} (+ {_ms(f['embedded.columns_rank_s'])} for the "
        f"id order), RSS added {_mib(f['embedded.columns_rss_added_mib'])}",
        "1 run",
    )
    for name in WHOLE:
        for day in DAYS:
            key = f"{name}@{day}"
            whole = q.get("whole", {}).get(key, {})
            value = (
                f"{_ms(f[f'embedded.{key}.median_s'])} (p95 "
                f"{_ms(f[f'embedded.{key}.p95_s'])}; {whole.get('total', '?'):,} found)"
                if whole
                else "—"
            )
            floor = nx = ""
            if name in ("orphans", "overlaps"):
                floor = (
                    f"{_x(f[f'ratio.{key}.vs_floor'])} ({_ms(f[f'baseline.{key}.floor_median_s'])})"
                )
                nx_runs = q.get("baselines", {}).get("ratios", {}).get(key, {}).get("nx_runs", "?")
                nx = (
                    f"{_x(f[f'ratio.{key}.vs_nx'])} "
                    f"({_ms(f[f'baseline.{key}.nx_median_s'])}, {nx_runs} runs)"
                )
            figure = f"embedded.{key}.median_s" if name in ("orphans", "overlaps") else None
            row(
                f"{name} as of {days.get(day, day)}",
                value,
                f"median of {whole.get('runs', reps)}",
                figure,
                floor,
                nx,
            )
    changes = q.get("changes") or {}
    for name, what in (
        ("diff", "the whole graph, {from} → {to}"),
        ("timeline", "a county committee's subtree, all time"),
    ):
        stats = changes.get(name) or {}
        row(
            f"{name} ({what.format(**changes.get('period', {'from': '?', 'to': '?'}))})",
            f"{_ms(f[f'embedded.{name}.median_s'])} (p95 {_ms(f[f'embedded.{name}.p95_s'])}; "
            f"{stats.get('total', 0):,} changes)"
            if stats
            else "—",
            f"median of {stats.get('runs', reps)}",
        )
    row(
        "diff / the slower of orphans and overlaps as of the later day",
        _x(f["ratio.diff.vs_as_of"]),
        "",
        "ratio.diff.vs_as_of",
    )
    cand = results.get("candidates") or {}
    row(
        "duplicate candidates of the whole store (`dedupe.candidates`, min score "
        f"{cand.get('min_score', '?')})",
        f"{_s(f['embedded.candidates.median_s'])} ({cand.get('pairs', 0):,} pairs; nodes read "
        f"in {_s(f['embedded.candidates.read_s'])})"
        if cand
        else "—",
        f"median of {cand.get('runs', '?')}",
    )
    row(
        "duplicate candidates: RSS the computation adds / the kept list / peak of the process",
        f"{_mib(f['embedded.candidates.rss_mib'])} / {_mib(f['embedded.candidates.kept_rss_mib'])}"
        f" / {_mib(f['embedded.candidates.peak_rss_mib'])}",
        "",
    )
    row(
        "`GET /api/duplicates`'s list: worked out (read + candidates) / from the kept list",
        f"{_s(f['embedded.candidates.listing_first_s'])} / "
        f"{_ms(f['embedded.candidates.listing_kept_s'])}",
        "1 run / median of 5",
    )
    for name, what in (
        ("chain", "random PartyOrg"),
        ("superiors", "random PartyOrg / Enterprise"),
        ("subtree", "a county committee, depth 3"),
    ):
        entity = q.get("entity", {}).get(name, {})
        row(
            f"{name} ({what})",
            f"{_ms(f[f'embedded.{name}.median_s'])} (p95 {_ms(f[f'embedded.{name}.p95_s'])})",
            f"{entity.get('runs', calls)} calls",
        )
    http = results.get("http") or {}
    rows.append(("**over HTTP** (affgraph serve, keep-alive client)", "", "", "", "", ""))
    row("affgraph serve: start to first /api/health answer", _s(f["http.ready_s"]), "1 run")
    for name, path in (
        ("node", "/api/nodes/{id}"),
        ("chain", "/api/orgs/{id}/chain"),
        ("superiors", "/api/nodes/{id}/superiors"),
    ):
        row(
            f"`{path}`",
            f"p50 {_ms(f[f'http.{name}.p50_s'])}, p95 "
            f"{_ms(f[f'http.{name}.p95_s'])}, p99 {_ms(f[f'http.{name}.p99_s'])}",
            f"{http.get('requests', '?')} requests",
            f"http.{name}.p95_s",
        )
    reverted_counts = ((results.get("history") or {}).get("revert") or {}).get("counts", {})
    reverted = sum(sum(c.values()) for c in reverted_counts.values())
    rows.append(
        ("**record time** (load log, kept versions; 1 % of records changed)", "", "", "", "", "")
    )
    row(
        "reload with 1 % changed (load 2): time / the file grows by",
        f"{_s(f['history.reload_1pct_s'])} / {_mib(f['history.reload_growth_mib'])}",
        "1 run",
    )
    row(
        "as recorded at load 1: the state written into a store of its own (first time)",
        _s(f["history.as_recorded_make_s"]),
        "1 run",
    )
    for name in ("orphans", "overlaps"):
        row(
            f"{name}: current / as recorded at load 1 (kept) / current after the revert",
            f"{_ms(f[f'history.{name}.current_s'])} / {_ms(f[f'history.{name}.as_recorded_s'])}"
            f" / {_ms(f[f'history.{name}.after_revert_s'])}",
            "median of 3",
        )
    row(
        f"revert of load 2 ({reverted:,} records restored or removed)",
        _s(f["history.revert_s"]),
        "1 run",
    )
    rows.append(("**export**", "", "", "", "", ""))
    row(
        "`affgraph export --format neo4j-admin`",
        f"{_rate(f['export.neo4j_admin_rows_per_s'])} ({_s(f['export.neo4j_admin_s'])}, "
        f"{_mib(f['export.neo4j_admin_mib'])} of CSV)",
        "1 run",
    )
    rows.append(
        (
            f"**Neo4j store on ArcadeDB's Bolt server, {n4:,} nodes "
            f"({(results.get('neo4j') or {}).get('rows', 0):,} rows)**",
            "",
            "",
            "",
            "",
            "",
        )
    )
    row(
        "load: Neo4jStore + load_paths",
        f"{_rate(f['neo4j.store_load_rows_per_s'])} ({_s(f['neo4j.store_load_s'])})",
        "1 run",
    )
    row(
        "load: bare UNWIND/MERGE script",
        f"{_rate(f['neo4j.bare_load_rows_per_s'])} ({_s(f['neo4j.bare_load_s'])})",
        "1 run",
    )
    row("store ÷ bare (rows/s)", _x(f["neo4j.store_vs_bare"]), "", "neo4j.store_vs_bare")
    n4q = (results.get("neo4j") or {}).get("queries", {})
    for name in ("chain", "superiors"):
        row(
            f"{name}",
            f"p50 {_ms(f[f'neo4j.{name}.p50_s'])}, p95 {_ms(f[f'neo4j.{name}.p95_s'])}",
            f"{n4q.get(name, {}).get('runs', '?')} calls",
        )
    header = (
        "figure",
        "value",
        "runs",
        "target",
        "affgraph ÷ floor (floor's time)",
        "affgraph ÷ networkx by hand (its time)",
    )
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines.extend("| " + " | ".join(r) + " |" for r in rows)
    for warning in results.get("warnings", []):
        lines.append(f"| ⚠ {warning} | | | | | |")
    return "\n".join(lines)
