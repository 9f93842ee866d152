"""Revert and as-recorded answers (:mod:`history`), on both stores, by their answers.

The public cases are load A; load B renames nodes the queries' examples ask about, adds a
source, a Party branch and its line; load C changes what B did. After reverting B every
named query (each of its examples) and the JSON export answer exactly as after A; after
reverting that revert, as after B. A revert that would throw away or break a later load's
records is refused with them named, and with force done and listed. As-recorded answers of A,
asked after B and C, are the answers computed right after A, citing A's load.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from dedupe.judgements import judge
from exports import export
from graph_schema.records import Record, canonical_json, to_canonical
from history.recorded import RecordedStore, answer_load, recorded_store
from history.refs import check_tag_name, resolve_load
from history.revert import NotRevertibleError, RevertRefusedError, plan_revert, revert
from loaders.load import load_paths
from queries.base import QueryError
from queries.catalog import QUERIES
from stores.base import GraphStore, StoreError
from stores.history import RecordHistory, RecordKey, TagError, UnknownLoadError
from tests.test_lines_over_time import ORG, base, lines, roster, table, transfers

#: ``base`` is the rosters' tests' fixture (their sources and committees), used here too
__all__ = ["base"]

SOURCE = "h1-roster"
BRANCH = "h1-ipb-branch"
LINE = RecordKey("edge", "AFFILIATED_TO|h1-ipb-branch|bj-ipb-pc|sector|")
#: nodes the examples ask about, renamed by load B
RENAMED = ("tj-pipe", "bj-siemens-gb", "tj-pharma-pc", "bj-ipb-pc")


def branch(tmp_path: Path) -> Path:
    """The branch the rosters' tests follow, as a canonical node file."""
    row = {"id": ORG, "label": "PartyOrg", "kind": "branch", "name": "丰城某公司党支部"}
    return table(tmp_path / "nodes-org.csv", [{**row, "source": "reform-2021", "quote": "该支部"}])


def history(store: GraphStore) -> RecordHistory:
    assert isinstance(store, RecordHistory)
    return store


def _jsonl(path: Path, records: Iterable[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    return path


def _renamed(store: GraphStore, ids: Iterable[str], suffix: str) -> list[dict[str, Any]]:
    """The canonical records of nodes ``ids`` as the store holds them, renamed."""
    found = []
    for node_id in ids:
        node = store.get_node(node_id)
        assert node is not None, node_id
        found.append({**to_canonical(node), "name": node.name + suffix})
    return found


def records(store: GraphStore) -> set[str]:
    """Every source, node, edge and transfer the store holds, as canonical JSON."""
    found: list[Iterable[Record]] = [
        store.iter_sources(),
        store.iter_nodes(),
        store.iter_edges(),
        store.iter_transfers(),
    ]
    return {canonical_json(r) for kinds in found for r in kinds}


def load_b(store: GraphStore, folder: Path) -> int:
    """Load B: four nodes renamed; a new source, a branch citing it and its line."""
    records = [
        {"record": "source", "id": SOURCE, "title": "H1 test roster", "date": "2011-01-01"},
        *_renamed(store, RENAMED, " (load B)"),
        {
            "record": "node",
            "id": BRANCH,
            "label": "PartyOrg",
            "kind": "branch",
            "name": "Investment Promotion Bureau test branch",
            "members": 7,
            "source": SOURCE,
        },
        {
            "record": "edge",
            "type": "AFFILIATED_TO",
            "from": BRANCH,
            "to": "bj-ipb-pc",
            "kind": "sector",
            "source": SOURCE,
        },
    ]
    return load_paths(store, [_jsonl(folder / "b.jsonl", records)], message="load B").load


def answers(store: GraphStore) -> dict[str, Any]:
    """Every named query's answer to each of its examples (without the load it cites), and
    the JSON export."""
    found: dict[str, Any] = {}
    for name, query in QUERIES.items():
        for index, example in enumerate(query.examples):
            try:
                answer = query.run_dict(store, dict(example)).model_dump(mode="json")
                answer.pop("load", None)
            except QueryError as exc:
                answer = {"error": str(exc)}
            found[f"{name}[{index}]"] = answer
    return found


def exported(store: GraphStore, path: Path) -> str:
    export(store, "json", path)
    text = path.read_text()
    path.unlink()
    return text


def test_reverting_b_answers_as_after_a_and_reverting_that_as_after_b(
    store: GraphStore, cases_dir: Path, tmp_path: Path
) -> None:
    a = load_paths(store, [cases_dir], message="load A").load
    after_a, export_a = answers(store), exported(store, tmp_path / "a.json")
    b = load_b(store, tmp_path)
    after_b, export_b = answers(store), exported(store, tmp_path / "b.json")
    assert after_b != after_a
    assert export_b != export_a
    undo = revert(store, b, who="tester")
    assert undo.load == b + 1
    assert undo.reverted == len(history(store).changed_by(b))
    assert undo.forced == ()
    assert undo.kept == ()
    assert answers(store) == after_a
    assert exported(store, tmp_path / "r.json") == export_a
    assert store.get_node(BRANCH) is None
    assert store.get_source(SOURCE) is None
    entry = history(store).load_entry(undo.load)
    assert entry is not None
    assert (entry.kind, entry.reverts, entry.who, entry.message) == (
        "revert",
        b,
        "tester",
        f"revert of load {b}",
    )
    assert history(store).load_entry(b).reverted_by == undo.load  # type: ignore[union-attr]
    assert answer_load(store) == undo.load
    # reverting B again is refused: its revert is what to revert
    with pytest.raises(NotRevertibleError, match=f"revert load {undo.load}"):
        revert(store, b)
    # the revert is a load like any other: reverted, B's versions come back
    again = revert(store, undo.load, message="B after all")
    assert answers(store) == after_b
    assert exported(store, tmp_path / "rr.json") == export_b
    assert history(store).load_entry(again.load).message == "B after all"  # type: ignore[union-attr]
    assert a == 1
    assert again.load == undo.load + 1


def test_a_revert_refused_names_the_later_loads_records_and_force_lists_them(
    store: GraphStore, cases_dir: Path, tmp_path: Path
) -> None:
    load_paths(store, [cases_dir])
    state_a = records(store)
    b = load_b(store, tmp_path)
    # load C: renames a node B renamed (a conflict) and draws a line to B's branch from a
    # new branch (a dependant: it would dangle once B's branch goes)
    c_records = [
        *_renamed(store, ["tj-pipe"], " (load C)"),
        {"record": "node", "id": "h1-sub", "label": "PartyOrg", "kind": "branch", "name": "Sub"},
        {
            "record": "edge",
            "type": "AFFILIATED_TO",
            "from": "h1-sub",
            "to": BRANCH,
            "kind": "sector",
        },
    ]
    c = load_paths(store, [_jsonl(tmp_path / "c.jsonl", c_records)], allow_unresolved=True).load
    before = answers(store)
    with pytest.raises(RevertRefusedError) as refused:
        revert(store, b)
    sub_line = RecordKey("edge", "AFFILIATED_TO|h1-sub|h1-ipb-branch|sector|")
    assert refused.value.conflicts == {RecordKey("node", "tj-pipe"): c}
    assert refused.value.dependants == {sub_line: c}
    message = str(refused.value)
    assert f"node tj-pipe (load {c})" in message
    assert "--force" in message
    assert history(store).last_load() == c  # nothing written, nothing logged
    assert answers(store) == before
    plan = plan_revert(store, b)
    assert plan.blocked
    assert {ch.key for ch in plan.changes} >= {LINE, RecordKey("node", BRANCH)}
    done = revert(store, b, force=True)
    assert set(done.forced) == {RecordKey("node", "tj-pipe"), sub_line}
    entry = history(store).load_entry(done.load)
    assert entry is not None
    assert set(entry.forced) == set(done.forced)
    # B's records as before B, tj-pipe too; C's line to B's branch gone; C's node stays
    sub = store.get_node("h1-sub")
    assert sub is not None
    assert records(store) == state_a | {canonical_json(sub)}


def test_forced_revert_withdraws_judgements_naming_a_node_it_removes(
    store: GraphStore, cases_dir: Path, tmp_path: Path
) -> None:
    load_paths(store, [cases_dir])
    b = load_b(store, tmp_path)
    judge(store, BRANCH, "bj-siemens-gb", "different", "reviewer")
    with pytest.raises(RevertRefusedError, match="standing judgement"):
        revert(store, b)
    done = revert(store, b, force=True, who="lead")
    withdrawn = [j for j in store.iter_judgements() if BRANCH in j.pair]
    assert len(withdrawn) == 1
    assert not withdrawn[0].standing
    assert RecordKey("judgement", withdrawn[0].id) in done.forced


def test_loads_that_cannot_be_reverted(store: GraphStore, cases_dir: Path) -> None:
    with pytest.raises(UnknownLoadError, match="the log is empty"):
        revert(store, 1)
    load_paths(store, [cases_dir])
    nothing = load_paths(store, [cases_dir]).load
    with pytest.raises(NotRevertibleError, match="changed nothing"):
        revert(store, nothing)
    judge(store, "bj-siemens-gb", "tj-pipe", "different", "reviewer")
    judged = history(store).last_load()
    with pytest.raises(NotRevertibleError, match="withdraw"):
        revert(store, judged)
    with pytest.raises(UnknownLoadError, match=f"load 50: the log has loads 1–{judged}"):
        revert(store, 50)
    assert history(store).last_load() == judged


def test_as_recorded_answers_of_a_after_b_and_c_are_those_computed_after_a(
    store: GraphStore, cases_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    a = load_paths(store, [cases_dir]).load
    after_a, export_a = answers(store), exported(store, tmp_path / "a.json")
    load_b(store, tmp_path)
    c_records = _renamed(store, ["tj-pipe", "bj-siemens-gb"], " (load C)")
    load_paths(store, [_jsonl(tmp_path / "c.jsonl", c_records)])
    assert answers(store) != after_a
    past = recorded_store(store, a)
    assert isinstance(past, RecordedStore)
    assert answer_load(past) == a
    assert answers(past) == after_a
    assert exported(past, tmp_path / "p.json") == export_a
    # every answer cites the load it was computed on
    assert QUERIES["node"].run_dict(past, {"id": "tj-pipe"}).load == a
    # read-only, kept, and made once on disk
    with pytest.raises(StoreError, match="read-only"), past.writer():
        pass
    assert recorded_store(store, a) is past
    made = list(past.path.parent.glob(f"{a}-*.db"))
    assert made == [past.path]
    # the present state is the store itself
    assert recorded_store(store, history(store).last_load()) is store


def test_a_load_that_changed_nothing_answers_as_the_last_that_did(
    store: GraphStore, cases_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    a = load_paths(store, [cases_dir]).load
    same = load_paths(store, [cases_dir]).load
    load_b(store, tmp_path)
    assert answer_load(recorded_store(store, same)) == a


def test_resolve_load_by_number_tag_and_time(store: GraphStore, cases_dir: Path) -> None:
    load_paths(store, [cases_dir])
    history(store).set_tag("cases", 1)
    assert resolve_load(store, 1) == resolve_load(store, "1") == resolve_load(store, "cases") == 1
    entry = history(store).load_entry(1)
    assert entry is not None
    assert resolve_load(store, entry.at) == 1
    assert resolve_load(store, entry.at[:10]) == 1  # a date: the end of that day
    assert resolve_load(store, entry.at.replace("Z", "")) == 1  # no zone: UTC
    for ref, said in (
        (2, "load 2: the log has load 1"),
        ("0", "load 0: the log has load 1"),
        ("paper", "tag 'paper': no such tag (the tags are cases)"),
        ("1999-01-01", "no load was committed by 1999-01-01T23:59:59Z"),
        ("yesterday!", "expected a load number, a tag or an ISO date or time"),
    ):
        with pytest.raises(UnknownLoadError, match=said.replace("(", r"\(").replace(")", r"\)")):
            resolve_load(store, ref)


@pytest.mark.parametrize(
    "name", ["paper-2027", "v1.0", "A", "x" * 64, "release_2027-03"]
)  # fmt: skip
def test_tag_names_that_are_allowed(name: str) -> None:
    assert check_tag_name(name) == name


@pytest.mark.parametrize("name", ["", "12", "2027-paper", "x" * 65, "a b", "-x", "标签", "ä"])
def test_tag_names_that_could_be_read_otherwise_are_refused(name: str) -> None:
    with pytest.raises(TagError, match="expected a letter"):
        check_tag_name(name)


def test_a_record_a_revert_put_back_is_no_conflict(
    store: GraphStore, cases_dir: Path, tmp_path: Path
) -> None:
    a = load_paths(store, [cases_dir]).load
    b = load_b(store, tmp_path)
    revert(store, b)
    # B renamed records of A and its revert put them back: A's records stand as A left
    # them, so A can be reverted — to the empty store it was made on
    done = revert(store, a)
    assert done.forced == ()
    assert records(store) == set()
    assert store.counts().nodes == 0


def test_a_revert_puts_back_the_line_records_a_load_replaced(
    store: GraphStore, base: Path, tmp_path: Path
) -> None:
    """A roster that dates a line's start replaces the line's record without a start (its
    history assembled anew, tests/test_lines_over_time.py): reverting it puts that record
    back, and reverting the revert the roster's again."""
    load_paths(store, [base, branch(tmp_path)])
    load_paths(store, [transfers(tmp_path, basis_before="属地")])
    undated = sorted(lines(store), key=str)
    dated = load_paths(store, [roster(tmp_path)])
    assert dated.counts["edge"]["removed"] == 1
    after_roster = sorted(lines(store), key=str)
    assert after_roster != undated
    undo = revert(store, dated.load)
    assert sorted(lines(store), key=str) == undated
    revert(store, undo.load)
    assert sorted(lines(store), key=str) == after_roster


def test_an_as_recorded_export_holds_the_judgements_as_they_stood(
    store: GraphStore, cases_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Judged, judged again (the first superseded), then a later load: the export as
    recorded after the second judgement is the export made then — the superseded judgement
    included, ended — and the one after the first, that judgement standing."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    load_paths(store, [cases_dir])
    judge(store, "tj-pipe", "bj-siemens-gb", "different", "carol", at="2026-01-02T00:00:00Z")
    first = history(store).last_load()
    export_first = exported(store, tmp_path / "first.json")
    judge(store, "tj-pipe", "bj-siemens-gb", "unsure", "carol", at="2026-01-03T00:00:00Z")
    second = history(store).last_load()
    export_second = exported(store, tmp_path / "second.json")
    assert export_second != export_first
    load_paths(store, [_jsonl(tmp_path / "c.jsonl", _renamed(store, ["tj-pipe"], " (C)"))])
    assert exported(recorded_store(store, second), tmp_path / "p2.json") == export_second
    assert exported(recorded_store(store, first), tmp_path / "p1.json") == export_first
