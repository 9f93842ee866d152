"""The record-time commands as a user runs them (embedded store): ``load --message``,
``log``, ``revert``, ``tag``/``tags`` and ``--as-recorded`` on ``query`` and ``export``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from app.cli import cli
from exports import export
from stores.embedded import EmbeddedStore

runner = CliRunner()


def run(*args: str) -> Result:
    return runner.invoke(cli, list(args))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "affgraph.db"


def _node_file(path: Path, node_id: str, name: str) -> Path:
    record = {"record": "node", "id": node_id, "label": "PartyOrg", "kind": "branch", "name": name}
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n")
    return path


@pytest.fixture
def two_loads(db: Path, tmp_path: Path, cases_dir: Path) -> Path:
    """Load 1: the public cases; load 2: one branch added."""
    assert run("load", str(cases_dir), "--store", str(db), "-m", "the cases").exit_code == 0
    branch = _node_file(tmp_path / "b.jsonl", "cli-branch", "A branch")
    assert run("load", str(branch), "--store", str(db), "-m", "one branch").exit_code == 0
    return db


def test_load_says_its_number_and_the_log_keeps_message_and_files(db: Path, tmp_path: Path) -> None:
    data = _node_file(tmp_path / "n.jsonl", "cli-a", "甲支部")
    done = run("load", str(data), "--store", str(db), "--message", "Feng County roster, p.1")
    assert done.exit_code == 0, done.output
    assert "load 1: node +1 — Feng County roster, p.1" in done.output
    checked = run("load", str(data), "--store", str(db), "--check")
    assert checked.exit_code == 0, checked.output
    again = run("load", str(data), "--store", str(db))
    assert "load 2: nothing changed" in again.output  # logged all the same; a check is not
    page = json.loads(run("log", "--json", "--store", str(db)).stdout)
    assert page["total"] == 2
    first = page["items"][1]
    assert first["message"] == "Feng County roster, p.1"
    assert first["kind"] == "load"
    assert first["counts"] == {"node": {"created": 1}}
    assert first["files"] == [
        {
            "name": str(data),
            "sha256": hashlib.sha256(data.read_bytes()).hexdigest(),
            "size": data.stat().st_size,
        }
    ]
    table = run("log", "--store", str(db))
    assert table.exit_code == 0
    assert "Feng" in table.output
    assert "n.jsonl" in table.output


def test_log_of_one_load_lists_the_records_it_changed(two_loads: Path) -> None:
    shown = run("log", "2", "--store", str(two_loads))
    assert shown.exit_code == 0, shown.output
    assert "node cli-branch" in shown.output
    assert "created" in shown.output
    detail = json.loads(run("log", "2", "--json", "--store", str(two_loads)).stdout)
    assert detail["changed"] == 1
    assert detail["changes"][0]["after"]["name"] == "A branch"
    missing = run("log", "50", "--store", str(two_loads))
    assert missing.exit_code == 2
    assert "load 50: the log has loads 1–2" in missing.output


def test_revert_then_its_refusal_and_force(two_loads: Path, tmp_path: Path) -> None:
    db = str(two_loads)
    # load 3 draws a line to load 2's branch: reverting 2 would leave it dangling
    line = {
        "record": "edge",
        "type": "AFFILIATED_TO",
        "from": "cli-branch",
        "to": "bj-ipb-pc",
        "kind": "sector",
    }
    (tmp_path / "line.jsonl").write_text(json.dumps(line) + "\n")
    assert run("load", str(tmp_path / "line.jsonl"), "--store", db).exit_code == 0
    refused = run("revert", "2", "--store", db)
    assert refused.exit_code == 1
    assert "edge AFFILIATED_TO|cli-branch|bj-ipb-pc|sector| (load 3)" in refused.output
    assert "--force" in refused.output
    done = run("revert", "2", "--force", "--message", "wrong file", "--store", db)
    assert done.exit_code == 0, done.output
    assert "load 4: reverted load 2" in done.output
    assert "edge AFFILIATED_TO|cli-branch|bj-ipb-pc|sector|" in done.output
    log = json.loads(run("log", "--json", "--store", db).stdout)["items"]
    assert (log[0]["kind"], log[0]["reverts"], log[0]["message"]) == ("revert", 2, "wrong file")
    assert log[2]["reverted_by"] == 4
    again = run("revert", "2", "--store", db)
    assert again.exit_code == 2
    assert "revert load 4" in again.output
    # nothing of later loads is left that needs the cases: they can go too
    assert run("revert", "1", "--store", db).exit_code == 0
    store = EmbeddedStore(two_loads)
    try:
        assert store.counts().nodes == 0
        assert store.counts().sources == 0
    finally:
        store.close()


def test_tags_name_loads(two_loads: Path) -> None:
    db = str(two_loads)
    tagged = run("tag", "paper-2027", "1", "--store", db)
    assert tagged.exit_code == 0, tagged.output
    assert "tag paper-2027 → load 1" in tagged.output
    assert "tag latest → load 2" in run("tag", "latest", "--store", db).output
    listed = run("tags", "--store", db)
    assert "paper-2027" in listed.output
    assert "the cases" in listed.output
    bad = run("tag", "2027", "--store", db)
    assert bad.exit_code == 2
    assert "expected a letter" in bad.output
    moved = run("tag", "paper-2027", "2", "--store", db)
    assert moved.exit_code == 2
    assert "paper-2027" in moved.output
    assert json.loads(run("log", "paper-2027", "--json", "--store", db).stdout)["load"] == 1


def test_query_and_export_as_recorded(two_loads: Path, tmp_path: Path) -> None:
    db = str(two_loads)
    store = EmbeddedStore(two_loads)
    try:
        now = export(store, "json", tmp_path / "now.json")
        assert now.counts["node"] > 0
    finally:
        store.close()
    run("tag", "cases", "1", "--store", db)
    answer = run("query", "search", "--q", "A branch", "--format", "json", "--store", db)
    assert json.loads(answer.stdout)["total"] >= 1
    past = run(
        "query", "search", "--q", "A branch", "--format", "json", "--as-recorded", "cases",
        "--store", db,
    )  # fmt: skip
    assert past.exit_code == 0, past.output
    assert "as recorded at load 1" in past.stderr
    found = json.loads(past.stdout)
    assert found["load"] == 1
    assert "cli-branch" not in {item["id"] for item in found["items"]}
    out = tmp_path / "past.json"
    exported = run("export", str(out), "--format", "json", "--as-recorded", "1", "--store", db)
    assert exported.exit_code == 0, exported.output
    nodes = {r["id"] for r in json.loads(out.read_text())["nodes"]}
    assert "cli-branch" not in nodes
    assert nodes < {r["id"] for r in json.loads((tmp_path / "now.json").read_text())["nodes"]}
    unknown = run("query", "stats", "--as-recorded", "9", "--store", db)
    assert unknown.exit_code == 2
    assert "--as-recorded: load 9: the log has loads 1–2" in unknown.output
