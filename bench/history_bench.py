"""What record time costs (issue 19), measured on the store the load step made (load 1):

* **reload with 1 % changed**: a copy of the province in which every 100th node is renamed
  and every 100th transfer gets another reason, loaded as load 2 — time, and how much the
  file grows (the replaced versions are kept);
* **as recorded**: a whole-graph query on the current store, against the same query asked
  of load 1 after load 2 — the first time (the state after load 1 is written into a store of
  its own, :mod:`history.recorded`) and again (that store kept);
* **revert** of load 2, and the store afterwards: every record as after load 1;
* **current-state queries** after all of it, to hold against the queries step's figures.

Run by ``python -m bench.worker history`` (a process of its own: its peak memory is its own).
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
import statistics
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from bench.common import peak_rss_mib, say, timed

__all__ = ["bench_history"]

#: every how many rows one is changed (1 %)
EVERY = 100
#: the whole-graph queries timed current and as recorded
QUERIES = ("orphans", "overlaps")


def _store_mib(db: Path) -> float:
    """The store's size on disk once its write-ahead log is folded in (what it keeps, not
    what its last write passed through)."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*") if p.is_file()) / 2**20


def _changed_copy(data: Path, target: Path) -> dict[str, int]:
    """The province with every ``EVERY``-th node renamed and transfer re-reasoned."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    changed: dict[str, int] = {}
    for name, column, suffix in (
        ("nodes.csv", "name", "（更名）"),
        ("transfers.csv", "reason", " (revised)"),
    ):
        with (data / name).open(encoding="utf-8", newline="") as src:
            reader = csv.DictReader(src)
            fields = list(reader.fieldnames or ())
            with (target / name).open("w", encoding="utf-8", newline="") as out:
                writer = csv.DictWriter(out, fields)
                writer.writeheader()
                n = 0
                for i, row in enumerate(reader):
                    if i % EVERY == EVERY - 1:
                        row[column] = (row[column] or "") + suffix
                        n += 1
                    writer.writerow(row)
        changed[name] = n
    for name in ("edges.csv", "sources.csv"):
        shutil.copy(data / name, target / name)
    return changed


def _median_of(reps: int, fn: Callable[[], Any]) -> float:
    """The median of ``reps`` runs after one unmeasured (which builds what a generation's
    first whole-graph query builds: its columns)."""
    fn()
    return statistics.median(timed(fn)[0] for _ in range(reps))


def bench_history(db: Path, data: Path, work: Path, reps: int) -> dict[str, Any]:
    """The figures above, as one JSON-able dict."""
    from history.recorded import recorded_store
    from history.revert import revert
    from loaders.load import load_paths
    from queries.catalog import QUERIES as CATALOG
    from stores.embedded import EmbeddedStore

    out: dict[str, Any] = {"every": EVERY, "mib_before": _store_mib(db)}
    changed_dir = work / "changed-1pct"
    out["changed_rows"] = _changed_copy(data, changed_dir)
    store = EmbeddedStore(db)
    first = store.last_load()
    say(f"history: reloading with 1 % changed ({out['changed_rows']}) …")
    reload_s, result = timed(
        lambda: load_paths(store, [changed_dir], message="1 % changed (benchmark)")
    )
    out["reload"] = {"seconds": reload_s, "counts": result.counts, "load": result.load}
    out["mib_after_reload"] = _store_mib(db)
    out["growth_mib"] = out["mib_after_reload"] - out["mib_before"]
    say(f"history: reload {reload_s:.1f} s, file +{out['growth_mib']:.1f} MiB")

    day = date.today()

    def ask(target: Any, name: str) -> Any:
        query = CATALOG[name]
        return query.run(target, query.params.model_validate({"as_of": day.isoformat()}))

    out["current"] = {name: _median_of(reps, partial(ask, store, name)) for name in QUERIES}
    first_s, recorded = timed(lambda: recorded_store(store, first))
    out["as_recorded"] = {
        "materialise_s": first_s,
        "first_query_s": {name: timed(partial(ask, recorded, name))[0] for name in QUERIES},
        "again_s": {name: _median_of(reps, partial(ask, recorded, name)) for name in QUERIES},
        "kept_store_s": timed(lambda: recorded_store(store, first))[0],
        "peak_rss_mib": peak_rss_mib(),
    }
    say(f"history: as recorded at load {first}: made in {first_s:.1f} s")
    revert_s, reverted = timed(lambda: revert(store, result.load))
    out["revert"] = {"seconds": revert_s, "counts": reverted.counts, "load": reverted.load}
    say(f"history: revert of load {result.load} in {revert_s:.1f} s")
    out["after_revert"] = {name: _median_of(reps, partial(ask, store, name)) for name in QUERIES}
    out["same_as_load_1"] = {
        name: ask(store, name).model_dump(exclude={"load"})
        == ask(recorded, name).model_dump(exclude={"load"})
        for name in QUERIES
    }
    out["mib_after_revert"] = _store_mib(db)
    out["peak_rss_mib"] = peak_rss_mib()
    store.close()
    shutil.rmtree(changed_dir, ignore_errors=True)
    return out
