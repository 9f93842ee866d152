"""The parts of the harness that run in a process of their own, so that each one's time and
peak memory are its own: ``python -m bench.worker {load,open,queries,candidates,export,history} …
--result F``.

Each writes its figures as JSON to ``--result``; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from bench.common import (
    count_rows,
    current_rss_mib,
    peak_rss_mib,
    say,
    summarize,
    timed,
    write_json,
)

__all__ = ["main"]


def _remove_store(db: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def cmd_load(args: argparse.Namespace) -> dict[str, Any]:
    """`affgraph load` into a fresh store file: read, validate, write, snapshot; one run."""
    from loaders.load import LoadProgress, load_paths
    from stores.embedded import EmbeddedStore

    db: Path = args.db
    _remove_store(db)
    rows = count_rows(args.data)
    total = sum(rows.values())
    state = {"read": 0, "next": time.perf_counter() + 10}

    def records(n: int) -> None:
        state["read"] += n
        if time.perf_counter() >= state["next"]:
            state["next"] = time.perf_counter() + 10
            say(f"  load: read {state['read']:,} of {total:,} records")

    hooks = LoadProgress(records=records, step=lambda step: say(f"  load: {step} …"))
    say(f"load: {total:,} rows into a fresh store (1 run) …")
    start = time.perf_counter()
    store = EmbeddedStore(db)
    result = load_paths(store, [args.data], hooks)
    store.close()
    seconds = time.perf_counter() - start
    say(f"load: {seconds:.1f} s, {total / seconds:,.0f} rows/s")
    return {
        "seconds": seconds,
        "rows": total,
        "rows_by_file": rows,
        "rows_per_s": total / seconds,
        "peak_rss_mib": peak_rss_mib(),
        "counts": result.counts,
        "runs": 1,
        "store_mib": sum(p.stat().st_size for p in db.parent.glob(db.name + "*")) / 2**20,
    }


def cmd_open(args: argparse.Namespace) -> dict[str, Any]:
    """Open the store file and ask it for its counts: the time to a usable store."""
    started = time.perf_counter()
    from stores.embedded import EmbeddedStore

    imports = time.perf_counter() - started
    start = time.perf_counter()
    store = EmbeddedStore(args.db)
    counts = store.counts()
    seconds = time.perf_counter() - start
    store.close()
    return {
        "seconds": seconds,
        "imports_s": imports,
        "peak_rss_mib": peak_rss_mib(),
        "nodes": counts.nodes,
        "edges": counts.edges,
    }


def cmd_export(args: argparse.Namespace) -> dict[str, Any]:
    """``affgraph export --format neo4j-admin`` of the store; one run."""
    import shutil

    from exports import export
    from stores.embedded import EmbeddedStore

    shutil.rmtree(args.out, ignore_errors=True)
    store = EmbeddedStore(args.db)
    say("export: neo4j-admin files (1 run) …")
    seconds, result = timed(lambda: export(store, "neo4j-admin", args.out))
    store.close()
    rows = sum(result.counts.values())
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    shutil.rmtree(args.out, ignore_errors=True)
    say(f"export: {seconds:.1f} s, {rows / seconds:,.0f} rows/s")
    return {
        "seconds": seconds,
        "rows": rows,
        "rows_per_s": rows / seconds,
        "counts": result.counts,
        "mib": size / 2**20,
        "runs": 1,
    }


def cmd_candidates(args: argparse.Namespace) -> dict[str, Any]:
    """The duplicate candidates of the whole store (``GET /api/duplicates``, ``affgraph
    dedupe``), in a process of their own so that their memory is theirs: the nodes read, the
    candidates worked out (``--reps`` runs) and the RSS each adds; then the list a request
    makes (read, worked out and kept: :mod:`dedupe.cache`) and one from the kept list."""
    from dedupe.cache import CandidateCache
    from dedupe.candidates import candidates
    from dedupe.listing import listing
    from stores.embedded import EmbeddedStore

    store = EmbeddedStore(args.db)
    rss_open = current_rss_mib()
    read_s, nodes = timed(lambda: list(store.iter_nodes()))
    rss_nodes = current_rss_mib()
    say(f"candidates: {len(nodes):,} nodes read in {read_s:.1f} s")
    times: list[float] = []
    pairs = 0
    for _ in range(args.reps):
        seconds, found = timed(partial(candidates, nodes, min_score=args.min_score))
        times.append(seconds)
        pairs = len(found)
        rss_candidates = current_rss_mib()
        del found  # freed before the next run makes its own
        say(f"candidates: {seconds:.1f} s ({pairs:,} pairs)")
    count = len(nodes)
    del nodes
    gc.collect()
    cache = CandidateCache()
    first_s, first = timed(lambda: listing(store, min_score=args.min_score, cache=cache))
    rss_kept = current_rss_mib()
    kept = [
        timed(lambda: listing(store, min_score=args.min_score, cache=cache))[0] for _ in range(5)
    ]
    say(
        f"candidates: a request's list {first_s:.1f} s when worked out, "
        f"{statistics.median(kept) * 1000:,.0f} ms when kept ({len(first.items):,} pairs)"
    )
    store.close()
    return {
        **summarize(times),
        "nodes": count,
        "pairs": pairs,
        "by_rule": dict(Counter(x.candidate.rule for x in first.items)),
        "min_score": args.min_score,
        "read_s": read_s,
        "rss_nodes_mib": rss_nodes - rss_open,
        "rss_candidates_mib": rss_candidates - rss_nodes,
        "rss_kept_mib": rss_kept - rss_open,
        "peak_rss_mib": peak_rss_mib(),
        "listing_first_s": first_s,
        "listing_kept_s": statistics.median(kept),
    }


# -- queries ---------------------------------------------------------------------------------


def _county_committees(columns: Any) -> list[str]:
    """Local committees set up in a county (BASED_IN an Area of kind county), sorted."""
    import numpy as np

    based = columns.edges("BASED_IN")
    county = columns.label_is("Area") & columns.kind_in(["county"])
    committee = columns.label_is("PartyOrg") & columns.kind_in(["local_committee"])
    found = np.unique(based.src[committee[based.src] & county[based.dst]])
    return [columns.ids[i] for i in found.tolist()]


def _labelled(columns: Any, label: str) -> Any:
    """The node indexes of a label, in id order: an array, not a list of every id (a list of
    a province's ~600k ids is ~55 MiB of strings, counted in the peak RSS the queries are
    measured by)."""
    import numpy as np

    return np.flatnonzero(columns.label_is(label))


def _pick(rng: random.Random, columns: Any, indexes: Any) -> str:
    """A random id among ``indexes`` (the same as ``rng.choice`` over the list of their ids)."""
    return str(columns.ids[int(rng.choice(indexes))])


def cmd_queries(args: argparse.Namespace) -> dict[str, Any]:
    """Every measured named query on the embedded store, then the baselines, interleaved."""
    from queries.base import QueryError
    from queries.catalog import QUERIES
    from stores.embedded import EmbeddedStore

    today, past = date.today(), date.fromisoformat(args.past)
    days = {"today": today, "past": past}
    open_s, store = timed(lambda: EmbeddedStore(args.db))
    out: dict[str, Any] = {
        "open_s": open_s,
        "rss_open_mib": peak_rss_mib(),
        "as_of": {k: d.isoformat() for k, d in days.items()},
        "reps": args.reps,
        "calls": args.calls,
        "whole": {},
        "entity": {},
    }
    say(f"queries: store open in {open_s:.1f} s, peak RSS {out['rss_open_mib']:,.0f} MiB")
    # the columnar index of the whole-graph queries: built by the first one of a generation
    rss_before = current_rss_mib()
    columns_s, columns = timed(store.columns)
    rank_s, _ = timed(columns.rank)
    out["columns"] = {
        "build_s": columns_s,
        "rank_s": rank_s,
        "mib": columns.nbytes / 2**20,
        "rss_added_mib": current_rss_mib() - rss_before,
        "peak_rss_mib": peak_rss_mib(),
    }
    say(
        f"queries: columnar index built in {columns_s:.2f} s (+ id order {rank_s:.2f} s), "
        f"{out['columns']['mib']:,.0f} MiB"
    )

    def run(name: str, values: dict[str, Any]) -> tuple[float, Any]:
        query = QUERIES[name]
        params = query.params.model_validate(values)
        return timed(lambda: query.run(store, params))

    answers: dict[str, dict[str, Any]] = {}
    for name in ("orphans", "overlaps", "coverage", "mismatches", "overlap_pairs", "conflicts"):
        # with the baselines, orphans and overlaps are timed interleaved with them (below);
        # here they run once, which also warms them up
        reps = 1 if args.baselines and name in ("orphans", "overlaps") else args.reps
        for tag, day in days.items():
            times: list[float] = []
            answer: Any = None
            for _ in range(reps):
                seconds, answer = run(name, {"as_of": day})
                times.append(seconds)
            stats = summarize(times)
            stats["total"] = answer.total
            if name == "orphans":
                stats["by_reason"] = answer.by_reason
            out["whole"][f"{name}@{tag}"] = stats
            answers[f"{name}@{tag}"] = stats
            say(
                f"queries: {name} as of {day}: median {stats['median'] * 1000:,.0f} ms "
                f"over {reps} run(s) ({answer.total:,} found)"
            )

    rng = random.Random(args.seed)
    orgs, enterprises = _labelled(columns, "PartyOrg"), _labelled(columns, "Enterprise")
    counties = _county_committees(columns)
    subjects = {
        "chain": [_pick(rng, columns, orgs) for _ in range(args.calls)],
        "superiors": [
            _pick(rng, columns, orgs if i % 2 else enterprises) for i in range(args.calls)
        ],
        "subtree": [counties[i % len(counties)] for i in range(max(args.reps, 20))],
    }
    for name, ids in subjects.items():
        extra = {"depth": 3} if name == "subtree" else {}
        for node_id in ids[:10]:  # warm-up, not counted
            run(name, {"id": node_id, **extra})
        times, errors = [], 0
        for node_id in ids:
            try:
                seconds, _ = run(name, {"id": node_id, **extra})
            except QueryError:
                errors += 1
                continue
            times.append(seconds)
        stats = summarize(times)
        stats["errors"] = errors
        out["entity"][name] = stats
        say(
            f"queries: {name}: median {stats['median'] * 1000:.2f} ms, p95 "
            f"{stats['p95'] * 1000:.2f} ms over {len(times)} calls"
        )
    out["changes"] = _changes(args, run, today, counties, out["whole"])
    out["rss_queries_mib"] = peak_rss_mib()
    out["model_mib"] = store._model.nbytes / 2**20
    out["county_committees"] = len(counties)

    if not args.baselines:
        return out
    out["baselines"] = _baselines(args, store, run, days, answers)
    for key, times in out["baselines"].pop("affgraph_times").items():
        out["whole"][key] = {
            **summarize(times),
            "total": answers[key]["total"],
            "timed": "interleaved with the baselines",
        }
        if "by_reason" in answers[key]:
            out["whole"][key]["by_reason"] = answers[key]["by_reason"]
    store.close()
    return out


def _changes(
    args: argparse.Namespace,
    run: Any,
    today: date,
    counties: list[str],
    whole: dict[str, Any],
) -> dict[str, Any]:
    """``diff`` of the whole graph between two days five years apart (first page), and the
    ``timeline`` of a county committee's subtree; the diff against the as-of queries it
    compares (orphans and overlaps as of the later day, the slower of the two)."""
    start = today.replace(year=today.year - 5, day=min(today.day, 28))
    period = {"from": start.isoformat(), "to": today.isoformat()}
    found: dict[str, Any] = {"period": period}
    for name, values in (
        ("diff", period),
        ("timeline", {"root": counties[0], "as_of": today.isoformat()} if counties else None),
    ):
        if values is None:
            continue
        times, answer = [], None
        for _ in range(args.reps):
            seconds, answer = run(name, values)
            times.append(seconds)
        assert answer is not None, "--reps is at least 1"
        stats = summarize(times)
        stats["total"] = answer.total
        stats["by_change"] = answer.by_change
        found[name] = stats
        say(
            f"queries: {name} {values}: median {stats['median'] * 1000:,.0f} ms over "
            f"{args.reps} run(s) ({answer.total:,} changes)"
        )
    as_of = max(whole[f"{n}@today"]["median"] for n in ("orphans", "overlaps"))
    found["diff_vs_as_of"] = found["diff"]["median"] / as_of
    say(f"queries: diff / slowest whole-graph as-of query today: {found['diff_vs_as_of']:.2f}×")
    return found


def _baselines(
    args: argparse.Namespace,
    store: Any,
    run: Callable[[str, dict[str, Any]], tuple[float, Any]],
    days: dict[str, date],
    answers: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    from bench.baselines import ByHand, Floor

    say("baselines: building the integer arrays (floor) from the CSV …")
    floor_build, floor = timed(lambda: Floor(args.data))
    say(
        f"baselines: floor arrays in {floor_build:.1f} s; building the plain networkx "
        "graph from the CSV …"
    )
    gc.disable()  # outside the timing: only makes building faster
    nx_build, by_hand = timed(lambda: ByHand(args.data))
    gc.enable()
    gc.collect()
    gc.freeze()  # neither side pays for collecting the other's millions of objects
    say(f"baselines: networkx graph in {nx_build:.1f} s")
    out: dict[str, Any] = {
        "floor_build_s": floor_build,
        "nx_build_s": nx_build,
        "rss_with_baselines_mib": peak_rss_mib(),
        "ratios": {},
        "counts": {},
        "affgraph_times": {},
    }
    contenders: dict[str, tuple[Callable[[date], int], Callable[[date], int]]] = {
        "orphans": (floor.orphans, by_hand.orphans),
        "overlaps": (floor.overlaps, by_hand.overlaps),
    }
    for name, (floor_fn, hand_fn) in contenders.items():
        for tag, day in days.items():
            times: dict[str, list[float]] = {"affgraph": [], "floor": [], "nx": []}
            counts: dict[str, int] = {}
            for rep in range(args.reps):  # interleaved: the three see the same machine
                seconds, answer = run(name, {"as_of": day})
                times["affgraph"].append(seconds)
                counts["affgraph"] = answer.total
                seconds, counts["floor"] = timed(partial(floor_fn, day))
                times["floor"].append(seconds)
                if rep < args.nx_reps:  # as slow as affgraph: fewer runs keep the budget
                    seconds, counts["nx"] = timed(partial(hand_fn, day))
                    times["nx"].append(seconds)
            stats = {side: summarize(t) for side, t in times.items()}
            key = f"{name}@{tag}"
            out["affgraph_times"][key] = times["affgraph"]
            out["ratios"][key] = {
                **{f"{side}_median_s": s["median"] for side, s in stats.items()},
                "vs_floor": stats["affgraph"]["median"] / stats["floor"]["median"],
                "vs_nx": stats["affgraph"]["median"] / stats["nx"]["median"],
                "runs": args.reps,
                "nx_runs": len(times["nx"]),
            }
            out["counts"][key] = {
                **counts,
                "agree": len(set(counts.values())) == 1,
                "phase_a": answers[key]["total"],
            }
            say(
                f"baselines: {key}: affgraph {stats['affgraph']['median'] * 1000:,.0f} ms, "
                f"floor {stats['floor']['median'] * 1000:,.1f} ms, networkx by hand "
                f"{stats['nx']['median'] * 1000:,.0f} ms; counts {counts}"
            )
    return out


def cmd_history(args: argparse.Namespace) -> dict[str, Any]:
    """What record time costs: reload with 1 % changed, as-recorded answers, revert
    (:mod:`bench.history_bench`). Changes the store: run it after the read-only steps."""
    from bench.history_bench import bench_history

    return bench_history(args.db, args.data, args.work, args.reps)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    sub = parser.add_subparsers(dest="command", required=True)
    load = sub.add_parser("load")
    load.add_argument("--data", type=Path, required=True)
    load.add_argument("--db", type=Path, required=True)
    opened = sub.add_parser("open")
    opened.add_argument("--db", type=Path, required=True)
    exp = sub.add_parser("export")
    exp.add_argument("--db", type=Path, required=True)
    exp.add_argument("--out", type=Path, required=True)
    cand = sub.add_parser("candidates")
    cand.add_argument("--db", type=Path, required=True)
    cand.add_argument("--reps", type=int, default=3)
    cand.add_argument("--min-score", type=float, default=85.0)
    q = sub.add_parser("queries")
    q.add_argument("--db", type=Path, required=True)
    q.add_argument("--data", type=Path, required=True)
    q.add_argument("--reps", type=int, default=5)
    q.add_argument("--calls", type=int, default=300)
    q.add_argument("--seed", type=int, default=1)
    q.add_argument("--nx-reps", type=int, default=3)
    q.add_argument("--past", default="2015-01-01")
    q.add_argument("--no-baselines", dest="baselines", action="store_false")
    hist = sub.add_parser("history")
    hist.add_argument("--db", type=Path, required=True)
    hist.add_argument("--data", type=Path, required=True)
    hist.add_argument("--work", type=Path, required=True)
    hist.add_argument("--reps", type=int, default=3)
    for p in (load, opened, exp, cand, q, hist):
        p.add_argument("--result", type=Path, required=True)
    args = parser.parse_args(argv)
    command = {
        "load": cmd_load,
        "open": cmd_open,
        "export": cmd_export,
        "candidates": cmd_candidates,
        "queries": cmd_queries,
        "history": cmd_history,
    }[args.command]
    write_json(args.result, command(args))


if __name__ == "__main__":
    main()
