"""Exports: GraphML, JSON, canonical CSV and neo4j-admin, read back and compared
with the store they came from, on both stores; ``--as-of`` exact on a small graph; the CLI
command and ``GET /api/export``."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from fastapi.testclient import TestClient
from neo4j import GraphDatabase
from typer.testing import CliRunner

from app.cli import cli
from app.main import create_app
from app.settings import Settings
from dedupe.judgements import judge, withdraw
from exports import FORMATS, export
from exports.canonical import read_json
from exports.neo4j_admin import ARRAY_DELIMITER
from graph_schema.declaration import NODE_LABELS, REL_TYPES, Prop
from graph_schema.records import (
    Edge,
    Judgement,
    Node,
    Source,
    Transfer,
    evidence_json,
    from_canonical,
    to_canonical,
)
from loaders.load import load_paths
from stores.base import GraphStore
from stores.embedded import EmbeddedStore
from stores.neo4j import Neo4jStore
from tests.conftest import BoltTarget

# -- helpers -----------------------------------------------------------------------------------


def _read_graphml(path: Path) -> nx.MultiDiGraph[str]:
    """Read a GraphML export back as networkx reads it (edge keys as text)."""
    graph = nx.read_graphml(path, force_multigraph=True, edge_key_type=str)
    assert isinstance(graph, nx.MultiDiGraph)
    return graph


def _records(store: GraphStore) -> dict[str, list[Any]]:
    return {
        "nodes": list(store.iter_nodes()),
        "edges": list(store.iter_edges()),
        "transfers": list(store.iter_transfers()),
        "sources": list(store.iter_sources()),
    }


def _flat(record: Node | Edge, leave_out: tuple[str, ...]) -> dict[str, Any]:
    """A record's canonical fields as GraphML holds them (lists joined with ``|``, a line's
    evidence as JSON text)."""
    return {
        k: (evidence_json(record.props[k]) if k == "evidence" else "|".join(v))
        if isinstance(v, list)
        else v
        for k, v in to_canonical(record).items()
        if k not in ("record", *leave_out)
    }


@pytest.fixture
def loaded(store: GraphStore, cases_dir: Path) -> GraphStore:
    """A store of each kind holding the public cases."""
    load_paths(store, [cases_dir])
    return store


# -- GraphML ------------------------------------------------------------------------------------


def test_graphml_reads_back_with_typed_attributes(loaded: GraphStore, tmp_path: Path) -> None:
    path = tmp_path / "graph.graphml"
    result = export(loaded, "graphml", path)
    graph = _read_graphml(path)
    nodes = list(loaded.iter_nodes())
    edges = list(loaded.iter_edges())

    assert isinstance(graph, nx.MultiDiGraph)
    assert result.counts["node"] == len(nodes) == graph.number_of_nodes()
    assert result.counts["edge"] == len(edges) == graph.number_of_edges()
    assert {n: dict(a) for n, a in graph.nodes(data=True)} == {
        n.id: _flat(n, ("id",)) for n in nodes
    }
    assert {k: (u, v, dict(a)) for u, v, k, a in graph.edges(keys=True, data=True)} == {
        e.key: (e.src, e.dst, _flat(e, ("from", "to"))) for e in edges
    }
    # typed, not strings: the cases hold members (int) and state_equity_pct (float)
    members = [a["members"] for _, a in graph.nodes(data=True) if "members" in a]
    equity = [a["state_equity_pct"] for _, a in graph.nodes(data=True) if "state_equity_pct" in a]
    assert members
    assert all(type(m) is int for m in members)
    assert equity
    assert all(type(x) is float for x in equity)
    assert all(isinstance(a["label"], str) for _, a in graph.nodes(data=True))
    assert all(
        re.fullmatch(r"\d{4}-\d{2}-\d{2}", a["valid_from"])
        for _, _, a in graph.edges(data=True)
        if "valid_from" in a
    )
    text = path.read_text(encoding="utf-8")
    assert 'attr.name="members" attr.type="long"' in text
    assert 'attr.name="state_equity_pct" attr.type="double"' in text


def test_graphml_keeps_parallel_edges_apart(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "g.db")
    with store.writer() as w:
        w.upsert_nodes(
            [Node("a", "PartyOrg", "branch", "A"), Node("b", "PartyOrg", "committee", "B")]
        )
        w.upsert_edges(
            [
                Edge("AFFILIATED_TO", "a", "b", "territorial", date(2001, 1, 1), date(2005, 1, 1)),
                Edge("AFFILIATED_TO", "a", "b", "territorial", date(2010, 1, 1)),
                Edge("AFFILIATED_TO", "a", "b", "sector", date(2005, 1, 1), date(2010, 1, 1)),
            ]
        )
    path = tmp_path / "g.graphml"
    export(store, "graphml", path)
    graph = _read_graphml(path)
    assert sorted(k for _, _, k in graph.edges(keys=True)) == sorted(
        e.key for e in store.iter_edges()
    )
    assert graph.number_of_edges("a", "b") == 3
    store.close()


# -- JSON ---------------------------------------------------------------------------------------


def test_json_round_trip(loaded: GraphStore, tmp_path: Path) -> None:
    path = tmp_path / "graph.json"
    export(loaded, "json", path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert list(data) == ["nodes", "edges", "transfers", "sources", "judgements"]
    kinds = {"nodes": "node", "edges": "edge", "transfers": "transfer", "sources": "source"}
    back = {
        key: [from_canonical({"record": kinds[key], **item}) for item in items]
        for key, items in data.items()
        if key in kinds
    }
    assert back == _records(loaded)
    assert data["judgements"] == []
    assert data["nodes"][0] == {
        k: v for k, v in to_canonical(back["nodes"][0]).items() if k != "record"
    }


def test_json_carries_the_judgements_and_their_history_back(
    loaded: GraphStore, store_kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Judgements of candidate duplicates — a superseded one, a withdrawn one, a standing
    one — go out in the JSON export and come back as they were into another store; an
    as-of export keeps those whose nodes it keeps."""
    nodes = [n.id for n in loaded.iter_nodes()]
    orgs = [n.id for n in loaded.iter_nodes(label="PartyOrg")]  # one body: one label
    judge(loaded, orgs[0], orgs[1], "unsure", "ana", "同一集团?")
    judge(loaded, orgs[0], orgs[1], "same", "bo")  # merged in the queries' view only
    judge(loaded, nodes[-2], nodes[-1], "different", "ana")
    withdraw(loaded, nodes[-2], nodes[-1], "bo")
    path = tmp_path / "graph.json"
    export(loaded, "json", path)
    back = read_json(path)
    assert back["judgements"] == list(loaded.iter_judgements())
    endings = [j.ended for j in back["judgements"] if isinstance(j, Judgement)]
    assert endings == ["superseded", None, "withdrawn"]
    before = (_records(loaded), list(loaded.iter_judgements()))
    copy = empty_store(store_kind, request, tmp_path)
    try:
        copy_of(copy, back)
        assert (_records(copy), list(copy.iter_judgements())) == before
        day, path = date(1990, 1, 1), tmp_path / "day.json"
        kept = {n.id: n.active(day) for n in before[0]["nodes"]}
        export(copy, "json", path, as_of=day)
        judged = [j for j in before[1] if kept[j.a] and kept[j.b]]
        assert read_json(path)["judgements"] == judged
    finally:
        copy.close()


def empty_store(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> GraphStore:
    """A store of ``kind`` holding nothing: a new file, or the Bolt server's database emptied
    (the Neo4j store under test is that database: it is emptied too)."""
    if kind == "embedded":
        return EmbeddedStore(tmp_path / "copy.db")
    target: BoltTarget = request.getfixturevalue("bolt")
    target.reset()
    return Neo4jStore(target.uri, target.auth, database=target.database)


def copy_of(store: GraphStore, back: dict[str, list[Any]]) -> None:
    """Write an export read back into ``store``, as one write."""
    with store.writer() as w:
        w.upsert_sources(back["sources"])
        w.upsert_nodes(back["nodes"])
        w.upsert_edges(back["edges"])
        w.upsert_transfers(back["transfers"])
        w.upsert_judgements(back["judgements"])


# -- canonical CSV ------------------------------------------------------------------------------


def test_csv_loads_back_to_identical_records(loaded: GraphStore, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    result = export(loaded, "csv", out)
    assert sorted(p.name for p in result.paths) == [
        "edges.csv",
        "nodes.csv",
        "sources.csv",
        "transfers.csv",
    ]
    copy = EmbeddedStore(tmp_path / "copy.db")
    try:
        summary = load_paths(copy, [out])
        assert summary.total("created") == sum(result.counts.values())
        assert _records(copy) == _records(loaded)
    finally:
        copy.close()


def test_cli_export_then_load_round_trip(tmp_path: Path, cases_dir: Path) -> None:
    runner = CliRunner()
    first, second, out = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "out"
    assert runner.invoke(cli, ["load", str(cases_dir), "--store", str(first)]).exit_code == 0
    done = runner.invoke(cli, ["export", "--format", "csv", "--store", str(first), str(out)])
    assert done.exit_code == 0, done.output
    assert "Exported csv" in done.output
    again = runner.invoke(cli, ["export", "--format", "csv", "--store", str(first), str(out)])
    assert again.exit_code == 2  # OUT not empty, no --force
    loaded = runner.invoke(cli, ["load", str(out), "--store", str(second)])
    assert loaded.exit_code == 0, loaded.output
    a, b = EmbeddedStore(first), EmbeddedStore(second)
    try:
        assert _records(a) == _records(b)
    finally:
        a.close()
        b.close()
    bad = runner.invoke(
        cli, ["export", "--format", "xml", "--store", str(first), str(tmp_path / "x")]
    )
    assert bad.exit_code == 2
    bad_day = runner.invoke(
        cli,
        [
            "export",
            "--format",
            "json",
            "--as-of",
            "2020-02-30",
            "--store",
            str(first),
            str(tmp_path / "x.json"),
        ],
    )
    assert bad_day.exit_code == 2


# -- neo4j-admin --------------------------------------------------------------------------------

#: The property types of the Operations Manual's "Import header format" (and their arrays).
DOCUMENTED_TYPES = {
    "int",
    "long",
    "float",
    "double",
    "boolean",
    "byte",
    "short",
    "char",
    "string",
    "point",
    "date",
    "localtime",
    "time",
    "localdatetime",
    "datetime",
    "duration",
}
FIELD = re.compile(
    r"^(?P<name>[^:]*)(?::(?P<kind>ID|START_ID|END_ID|LABEL|TYPE|IGNORE)"
    r"(?:\((?P<space>[^)]+)\))?|:(?P<type>[a-z]+(?:\[\])?))?$"
)
EXPECTED_TYPE = {
    "str": None,
    "int": "int",
    "float": "double",
    "date": "date",
    "bool": "boolean",
    "str_list": "string[]",
    "evidence": None,  # JSON text
}


def _parse_header(path: Path) -> list[dict[str, str | None]]:
    """Each field of a header file as name / kind / ID space / type, by the documented
    syntax ``<name>:<field_type>``; fails on anything else."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == 1, f"{path.name}: a header file holds one line"
    fields = []
    for raw in rows[0]:
        match = FIELD.match(raw)
        assert match, f"{path.name}: {raw!r} is not <name>:<field_type>"
        field = match.groupdict()
        if field["type"]:
            assert field["type"].removesuffix("[]") in DOCUMENTED_TYPES, raw
        fields.append(field)
    return fields


def _data_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _props_of(label: str | None = None, rel: str | None = None) -> tuple[Prop, ...]:
    from graph_schema.declaration import EDGE_COMMON, NODE_COMMON

    if label is not None:
        return (*NODE_COMMON, *NODE_LABELS[label].props)
    assert rel is not None
    return (*EDGE_COMMON, *REL_TYPES[rel].props)


def _check_props(
    fields: list[dict[str, str | None]], props: tuple[Prop, ...], leave_out: set[str]
) -> None:
    typed = {f["name"]: f["type"] for f in fields if not f["kind"]}
    for prop in props:
        if prop.name in leave_out:
            continue
        assert prop.name in typed, f"{prop.name} has no column"
        assert typed[prop.name] == EXPECTED_TYPE[prop.type], prop.name


def test_neo4j_admin_headers_follow_the_documented_syntax(
    loaded: GraphStore, tmp_path: Path
) -> None:
    out = tmp_path / "admin"
    result = export(loaded, "neo4j-admin", out)
    names = {p.name for p in result.paths}
    assert {"import.sh", "README.md"} <= names
    counts = loaded.counts()
    script = (out / "import.sh").read_text(encoding="utf-8")
    assert "database import full" in script
    assert f"'--array-delimiter={ARRAY_DELIMITER}'" in script
    node_files = re.findall(r"--nodes=([^,\s]+),([^\s]+)", script)
    rel_files = re.findall(r"--relationships=([^,\s]+),([^\s]+)", script)
    assert len(node_files) == len(counts.nodes_by_label) + 2  # + Source, Transfer
    assert len(rel_files) == len(counts.edges_by_type)
    for header, data in node_files + rel_files:
        assert (out / header).is_file()
        assert (out / data).is_file()

    seen_labels: dict[str, int] = {}
    for header, data in node_files:
        fields = _parse_header(out / header)
        ids = [f for f in fields if f["kind"] == "ID"]
        assert len(ids) == 1
        assert ids[0]["name"] == "id"
        assert [f["kind"] for f in fields].count("LABEL") == 1
        rows = _data_rows(out / data)
        assert rows
        assert all(len(r) == len(fields) for r in rows)
        label_at = next(i for i, f in enumerate(fields) if f["kind"] == "LABEL")
        space = ids[0]["space"]
        if space == "Node":
            labels = {tuple(r[label_at].split(ARRAY_DELIMITER)) for r in rows}
            assert len(labels) == 1
            ((node, label),) = labels
            assert node == "Node"
            assert label in NODE_LABELS
            assert header == f"node-{label}.header.csv"
            _check_props(fields, _props_of(label=label), {"id", "label"})
            seen_labels[label] = len(rows)
        else:
            assert space in ("Source", "Transfer")
            assert {r[label_at] for r in rows} == {space}
            assert len(rows) == (counts.sources if space == "Source" else counts.transfers)
    assert seen_labels == counts.nodes_by_label

    seen_types: dict[str, int] = {}
    for header, data in rel_files:
        fields = _parse_header(out / header)
        kinds = [f["kind"] for f in fields]
        assert kinds.count("START_ID") == kinds.count("END_ID") == kinds.count("TYPE") == 1
        assert {f["space"] for f in fields if f["kind"] in ("START_ID", "END_ID")} == {"Node"}
        rows = _data_rows(out / data)
        type_at = kinds.index("TYPE")
        (rel,) = {r[type_at] for r in rows}
        rule = REL_TYPES[rel]
        _check_props(
            fields,
            _props_of(rel=rel),
            {"type", "from", "to"} | (set() if rule.has_kinds else {"kind"}),
        )
        assert "key" in {f["name"] for f in fields}
        seen_types[rel] = len(rows)
    assert seen_types == counts.edges_by_type


_CYPHER_TYPES: dict[str | None, Callable[[str], Any]] = {
    None: str,
    "string": str,
    "int": int,
    "long": int,
    "double": float,
    "float": float,
    "boolean": lambda v: v == "true",
    "date": date.fromisoformat,
    "string[]": lambda v: v.split(ARRAY_DELIMITER),
}


def _read_admin_export(
    folder: Path,
) -> tuple[list[tuple[list[str], dict[str, Any]]], list[tuple[str, str, str, dict[str, Any]]]]:
    """Nodes (labels, properties) and relationships (type, start, end, properties), read as
    neo4j-admin reads the files: by their headers."""
    script = (folder / "import.sh").read_text(encoding="utf-8")
    nodes, rels = [], []
    for kind, header, data in re.findall(r"--(nodes|relationships)=([^,\s]+),([^\s]+)", script):
        fields = _parse_header(folder / header)
        for row in _data_rows(folder / data):
            props: dict[str, Any] = {}
            special: dict[str, str] = {}
            for field, value in zip(fields, row, strict=True):
                if field["kind"] in ("LABEL", "TYPE", "START_ID", "END_ID"):
                    special[str(field["kind"])] = value
                elif value != "":
                    props[str(field["name"])] = _CYPHER_TYPES[field["type"]](value)
            if kind == "nodes":
                nodes.append((special["LABEL"].split(ARRAY_DELIMITER), props))
            else:
                rels.append((special["TYPE"], special["START_ID"], special["END_ID"], props))
    return nodes, rels


@pytest.mark.neo4j
def test_neo4j_admin_files_make_the_same_neo4j_store(
    tmp_path: Path, cases_dir: Path, bolt: BoltTarget
) -> None:
    """Import the files as neo4j-admin would (by their headers) into the Bolt server: the
    Neo4j store then holds the same records, and loading the cases again changes nothing."""
    source = EmbeddedStore(tmp_path / "a.db")
    load_paths(source, [cases_dir])
    export(source, "neo4j-admin", tmp_path / "admin")
    nodes, rels = _read_admin_export(tmp_path / "admin")
    known = {"Node", "Source", "Transfer", *NODE_LABELS}
    bolt.reset()
    with (
        GraphDatabase.driver(bolt.uri, auth=bolt.auth) as driver,
        driver.session(database=bolt.database) as session,
    ):
        by_labels: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for labels, props in nodes:
            assert set(labels) <= known
            by_labels.setdefault(tuple(labels), []).append(props)
        for label_set, rows in by_labels.items():
            session.run(
                f"UNWIND $rows AS r CREATE (n:{':'.join(label_set)}) SET n = r", rows=rows
            ).consume()
        by_type: dict[str, list[dict[str, Any]]] = {}
        for rel_type, start, end, props in rels:
            assert rel_type in REL_TYPES
            by_type.setdefault(rel_type, []).append({"s": start, "e": end, "p": props})
        for rel_type, rows in by_type.items():
            session.run(
                f"UNWIND $rows AS r MATCH (a:Node {{id: r.s}}) MATCH (b:Node {{id: r.e}}) "
                f"CREATE (a)-[x:{rel_type}]->(b) SET x = r.p",
                rows=rows,
            ).consume()
    imported = Neo4jStore(bolt.uri, bolt.auth, database=bolt.database)
    try:
        assert _records(imported) == _records(source)
        again = load_paths(imported, [cases_dir])
        assert not again.changed  # the change hashes match the Neo4j store's own
    finally:
        imported.close()
        source.close()


# -- as of a day --------------------------------------------------------------------------------


def _small_graph(store: GraphStore) -> None:
    d = date
    with store.writer() as w:
        w.upsert_sources([Source("doc", {"title": "a document"})])
        w.upsert_nodes(
            [
                Node("root", "PartyOrg", "local_committee", "Root"),
                Node(
                    "old", "PartyOrg", "committee", "Dissolved 2010", d(2000, 1, 1), d(2010, 1, 1)
                ),
                Node("new", "PartyOrg", "committee", "Founded 2010", d(2010, 1, 1)),
                Node(
                    "br",
                    "PartyOrg",
                    "branch",
                    "Branch",
                    d(2001, 1, 1),
                    props={"members": 5, "aliases": ["B"]},
                ),
                Node("ent", "Enterprise", "private", "Enterprise", None, d(2010, 1, 2)),
            ]
        )
        w.upsert_edges(
            [
                Edge("AFFILIATED_TO", "old", "root", "territorial"),
                Edge("AFFILIATED_TO", "new", "root", "territorial", d(2010, 1, 1)),
                Edge("AFFILIATED_TO", "br", "old", "territorial", d(2001, 1, 1), d(2010, 1, 1)),
                Edge("AFFILIATED_TO", "br", "new", "territorial", d(2010, 1, 1)),
                Edge("BASED_IN", "br", "ent", None, d(2001, 1, 1)),
            ]
        )
        w.upsert_transfers(
            [
                Transfer(
                    "t-done",
                    "br",
                    "transferred",
                    d(2010, 1, 1),
                    {"from": "old", "decided_to": "new"},
                ),
                Transfer("t-later", "br", "proposed", d(2015, 1, 1), {"proposed_to": "root"}),
                Transfer("t-undated", "br", "pending", None, {"proposed_to": "root"}),
                Transfer("t-kept", "br", "retained", d(2004, 1, 1), {"from": "old"}),
                # carried out: its old line has ended, so it is history in any as-of export
                Transfer(
                    "t-history",
                    "new",
                    "transferred",
                    d(2011, 1, 1),
                    {"from": "root", "decided_to": "root"},
                ),
            ]
        )


@pytest.mark.parametrize(
    ("day", "nodes", "edges", "transfers"),
    [
        (
            date(2005, 6, 1),
            {"root", "old", "br", "ent"},
            {
                "AFFILIATED_TO|old|root|territorial|",
                "AFFILIATED_TO|br|old|territorial|2001-01-01",
                "BASED_IN|br|ent||2001-01-01",
            },
            {"t-undated", "t-kept"},
        ),
        # 2010-01-01: "old" ended (valid_to is exclusive), "new" began (valid_from inclusive);
        # the enterprise still exists (until 2010-01-02); t-done names "old", which is gone
        (
            date(2010, 1, 1),
            {"root", "new", "br", "ent"},
            {
                "AFFILIATED_TO|new|root|territorial|2010-01-01",
                "AFFILIATED_TO|br|new|territorial|2010-01-01",
                "BASED_IN|br|ent||2001-01-01",
            },
            {"t-undated"},
        ),
        (
            date(2010, 1, 2),
            {"root", "new", "br"},
            {
                "AFFILIATED_TO|new|root|territorial|2010-01-01",
                "AFFILIATED_TO|br|new|territorial|2010-01-01",
            },
            {"t-undated"},
        ),
        (
            date(2016, 1, 1),
            {"root", "new", "br"},
            {
                "AFFILIATED_TO|new|root|territorial|2010-01-01",
                "AFFILIATED_TO|br|new|territorial|2010-01-01",
            },
            {"t-later", "t-undated"},
        ),
        (date(1999, 1, 1), {"root", "ent"}, set(), set()),  # "br" does not exist yet
    ],
)
def test_as_of_keeps_exactly_what_is_valid(
    store: GraphStore,
    tmp_path: Path,
    day: date,
    nodes: set[str],
    edges: set[str],
    transfers: set[str],
) -> None:
    _small_graph(store)
    path = tmp_path / "day.json"
    result = export(store, "json", path, as_of=day)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert {n["id"] for n in data["nodes"]} == nodes
    assert {
        Edge(
            e["type"],
            e["from"],
            e["to"],
            e.get("kind"),
            date.fromisoformat(e["valid_from"]) if "valid_from" in e else None,
        ).key
        for e in data["edges"]
    } == edges
    assert {t["id"] for t in data["transfers"]} == transfers
    assert [s["id"] for s in data["sources"]] == ["doc"]
    assert result.counts == {
        "node": len(nodes),
        "edge": len(edges),
        "transfer": len(transfers),
        "source": 1,
    }
    graphml = tmp_path / "day.graphml"
    export(store, "graphml", graphml, as_of=day)
    graph = _read_graphml(graphml)
    assert set(graph.nodes) == nodes
    assert {k for _, _, k in graph.edges(keys=True)} == edges
    assert graph.graph["as_of"] == day.isoformat()


@pytest.mark.parametrize(
    ("day", "nodes", "transfers"),
    [
        (date(2005, 6, 1), ["br", "ent", "old", "root"], ["t-undated", "t-kept"]),
        (date(2012, 1, 1), ["br", "new", "root"], ["t-undated"]),
    ],
)
def test_as_of_csv_loads_back(
    tmp_path: Path, day: date, nodes: list[str], transfers: list[str]
) -> None:
    """An as-of export is a dataset of its own: ``affgraph load`` takes it, transfers and all
    (the loader checks retained and transferred ones against the lines)."""
    store = EmbeddedStore(tmp_path / "a.db")
    _small_graph(store)
    export(store, "csv", tmp_path / "out", as_of=day)
    copy = EmbeddedStore(tmp_path / "b.db")
    try:
        load_paths(copy, [tmp_path / "out"])
        assert [n.id for n in copy.iter_nodes()] == nodes
        assert [t.id for t in copy.iter_transfers()] == transfers
        assert next(n for n in copy.iter_nodes() if n.id == "br").props == {
            "members": 5,
            "aliases": ["B"],
        }
    finally:
        store.close()
        copy.close()


def test_as_of_export_of_the_cases_loads_back(tmp_path: Path, cases_dir: Path) -> None:
    store = EmbeddedStore(tmp_path / "a.db")
    load_paths(store, [cases_dir])
    for day in (date(2022, 7, 4), date(2022, 7, 5)):  # the day of the Zhonghuan transfer
        out = tmp_path / day.isoformat()
        result = export(store, "csv", out, as_of=day)
        copy = EmbeddedStore(tmp_path / f"{day}.db")
        try:
            summary = load_paths(copy, [out])
            assert summary.total("created") == sum(result.counts.values())
        finally:
            copy.close()
    store.close()


# -- HTTP ---------------------------------------------------------------------------------------


@pytest.fixture
def client(tmp_path: Path, cases_dir: Path) -> Any:
    path = tmp_path / "api.db"
    store = EmbeddedStore(path)
    load_paths(store, [cases_dir])
    store.close()
    with TestClient(create_app(Settings(store=str(path)))) as test_client:
        yield test_client


def test_api_export_formats(client: TestClient, tmp_path: Path) -> None:
    graphml = client.get("/api/export", params={"format": "graphml"})
    assert graphml.status_code == 200
    assert graphml.headers["content-type"].startswith("application/graphml+xml")
    load = graphml.headers["x-affgraph-load"]  # the load it holds, in its name too
    assert (
        f'attachment; filename="affgraph-load-{load}.graphml"'
        in graphml.headers["content-disposition"]
    )
    (tmp_path / "g.graphml").write_bytes(graphml.content)
    graph = _read_graphml(tmp_path / "g.graphml")
    health = client.get("/api/health").json()
    assert graph.number_of_nodes() == health["nodes"]

    body = client.get("/api/export", params={"format": "json", "as_of": "2015-01-01"})
    assert body.status_code == 200
    assert f"affgraph-2015-01-01-load-{load}.json" in body.headers["content-disposition"]
    assert set(body.json()) == {"nodes", "edges", "transfers", "sources", "judgements"}

    archive = client.get("/api/export", params={"format": "csv"})
    assert archive.status_code == 200
    assert archive.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as z:
        assert sorted(z.namelist()) == ["edges.csv", "nodes.csv", "sources.csv", "transfers.csv"]
        z.extractall(tmp_path / "unzipped")
    copy = EmbeddedStore(tmp_path / "copy.db")
    summary = load_paths(copy, [tmp_path / "unzipped"])
    assert summary.total("created") == (
        health["nodes"] + health["edges"] + health["transfers"] + health["sources"]
    )
    copy.close()

    admin = client.get("/api/export", params={"format": "neo4j-admin"})
    with zipfile.ZipFile(io.BytesIO(admin.content)) as z:
        assert {"import.sh", "README.md", "node-PartyOrg.header.csv"} <= set(z.namelist())


def test_api_export_errors_use_the_envelope(client: TestClient) -> None:
    bad = client.get("/api/export", params={"format": "xls"})
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_parameter"
    assert bad.json()["error"]["details"][0]["parameter"] == "format"
    day = client.get("/api/export", params={"format": "json", "as_of": "2020-02-30"})
    assert day.status_code == 422
    assert day.json()["error"]["details"][0]["parameter"] == "as_of"


def test_api_export_is_documented(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/api/export"]["get"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert set(params) >= {"format", "as_of"}
    assert set(params["format"]["schema"]["enum"]) == set(FORMATS)
    assert {"application/graphml+xml", "application/json", "application/zip"} <= set(
        operation["responses"]["200"]["content"]
    )
    assert "422" in operation["responses"]
