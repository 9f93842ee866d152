"""At load time, on both stores: the new nodes that look like ones the store held are
reported ("possible duplicates: N — run affgraph dedupe"), never merged."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from typer.testing import CliRunner

from app.cli import cli
from dedupe.candidates import candidates
from graph_schema.records import Node, to_canonical
from graph_schema.uscc import uscc_check_char
from loaders.load import load_paths
from stores.base import GraphStore
from stores.embedded import EmbeddedStore
from tests.test_dedupe_names import NODES as FIXTURE

NEW = {"t2", "e2", "u2", "b3"}


def _valid(node: Node) -> Node:
    """The fixture's node with a USCC that a load takes (its check character right)."""
    code = node.props.get("uscc")
    if not code:
        return node
    first = str(code)[:17].replace("X", "1").replace("Y", "2")
    return replace(node, props={**node.props, "uscc": first + uscc_check_char(first)})


NODES = [_valid(n) for n in FIXTURE]


def _jsonl(path: Path, nodes: list[Node]) -> Path:
    path.write_text(
        "".join(json.dumps(to_canonical(n), ensure_ascii=False) + "\n" for n in nodes),
        encoding="utf-8",
    )
    return path


def test_a_load_reports_new_nodes_like_existing_ones(store: GraphStore, tmp_path: Path) -> None:
    old = [n for n in NODES if n.id not in NEW]
    new = [n for n in NODES if n.id in NEW]
    first = load_paths(store, [_jsonl(tmp_path / "old.jsonl", old)])
    assert first.possible_duplicates == []  # an empty store: nothing to look like
    loaded = load_paths(store, [_jsonl(tmp_path / "new.jsonl", new)])
    crossing = {(c.a, c.b): c for c in candidates(NODES) if len(NEW & {c.a, c.b}) == 1}
    assert {(c.a, c.b): c for c in loaded.possible_duplicates} == crossing
    assert {(c.a, c.b) for c in loaded.possible_duplicates} >= {("t1", "t2"), ("u1", "u2")}
    assert store.get_node("t2") == next(n for n in NODES if n.id == "t2")  # nothing merged
    again = load_paths(store, [_jsonl(tmp_path / "new.jsonl", new)])
    assert again.possible_duplicates == []  # no node is new now


def test_the_load_command_says_so(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    store = EmbeddedStore(db)
    with store.writer() as w:
        w.upsert_nodes(n for n in NODES if n.id not in NEW)
    store.close()
    path = _jsonl(tmp_path / "new.jsonl", [n for n in NODES if n.id in NEW])
    answer = CliRunner().invoke(cli, ["load", str(path), "--store", str(db)])
    assert answer.exit_code == 0, answer.output
    count = sum(1 for c in candidates(NODES) if len(NEW & {c.a, c.b}) == 1)
    assert f"Possible duplicates: {count} — run affgraph dedupe" in answer.output
    assert "u1 / u2: 100 (uscc)" in answer.output
