"""The synthetic province generator: deterministic, valid, and holding every phenomenon.

A 5,000-node province is generated once and loaded through the real loader (which validates
every record against the schema and every reference), then searched for each pattern the
generator promises: the orphan causes of DOMAIN.md, the Tianjin cases, parents-in-law,
coverage gaps, restructurings and the deliberate data errors.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from app.cli import cli
from generator import MIN_NODES, generate_province
from generator.sink import EDGE_FIELDS, NODE_FIELDS, SOURCE_FIELDS, TRANSFER_FIELDS
from graph_schema.declaration import EDGE_COMMON, NODE_COMMON, NODE_LABELS, REL_TYPES
from graph_schema.declaration import SOURCE_FIELDS as DECLARED_SOURCE_FIELDS
from graph_schema.declaration import TRANSFER_FIELDS as DECLARED_TRANSFER_FIELDS
from graph_schema.records import Edge, Node, Transfer
from graph_schema.uscc import is_valid_uscc
from loaders.load import load_paths
from queries.orphans import ORPHANS, OrphansParams
from stores.embedded import EmbeddedStore

N = 5000
SEED = 1
#: a day inside the generated data's time frame (it ends on 2026-07-01)
AS_OF = date(2026, 6, 30)
FILES = ("sources.csv", "nodes.csv", "edges.csv", "transfers.csv")
AFF, SUP, BASED, LOC, OWNS, SUCC = (
    "AFFILIATED_TO",
    "SUPERVISES",
    "BASED_IN",
    "LOCATED_IN",
    "OWNS",
    "SUCCEEDS",
)


@dataclass
class Province:
    """What the store holds after loading the generated files, indexed for the checks."""

    store: EmbeddedStore
    nodes: dict[str, Node]
    edges: list[Edge]
    transfers: list[Transfer]
    out: dict[tuple[str, str], list[Edge]] = field(default_factory=lambda: defaultdict(list))
    into: dict[tuple[str, str], list[Edge]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        for e in self.edges:
            self.out[e.src, e.type].append(e)
            self.into[e.dst, e.type].append(e)

    def of(self, label: str, kind: str | None = None) -> Iterator[Node]:
        return (
            n for n in self.nodes.values() if n.label == label and (kind is None or n.kind == kind)
        )

    def living(self, node_id: str) -> bool:
        return self.nodes[node_id].valid_to is None


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("province")
    generate_province(path, N, SEED)
    return path


@pytest.fixture(scope="module")
def province(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Province]:
    """The generated files loaded into an embedded store: this validates every record."""
    store = EmbeddedStore(tmp_path_factory.mktemp("store") / "affgraph.db")
    try:
        load_paths(store, [folder])
        yield Province(
            store,
            {n.id: n for n in store.iter_nodes()},
            list(store.iter_edges()),
            list(store.iter_transfers()),
        )
    finally:
        store.close()


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# -- determinism and format ------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files_and_another_seed_does_not(tmp_path: Path) -> None:
    first, again, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate_province(first, 2000, seed=7)
    generate_province(again, 2000, seed=7)
    generate_province(other, 2000, seed=8)
    for name in FILES:
        assert (first / name).read_bytes() == (again / name).read_bytes(), name
    for name in ("nodes.csv", "edges.csv", "transfers.csv"):
        assert (first / name).read_bytes() != (other / name).read_bytes(), name


def test_too_few_nodes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least"):
        generate_province(tmp_path, MIN_NODES - 1)


def _column(path: Path, name: str) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [row[name] for row in csv.DictReader(handle)]


def test_provinces_generated_apart_load_side_by_side(tmp_path: Path) -> None:
    tianjin, hebei = tmp_path / "p12", tmp_path / "p13"
    one = generate_province(tianjin, MIN_NODES, seed=3, province=12)
    two = generate_province(hebei, MIN_NODES, seed=3, province=13)
    ids = _column(tianjin / "nodes.csv", "id")
    assert all(node_id.startswith("p12-") for node_id in ids)
    assert all(t.startswith("p12-") for t in _column(tianjin / "transfers.csv", "id"))
    assert _column(tianjin / "sources.csv", "id") == ["p12-synthetic"]
    assert set(_column(tianjin / "nodes.csv", "source")) == {"p12-synthetic"}
    codes = [c for c in _column(tianjin / "nodes.csv", "uscc") if c]
    assert codes
    assert all(is_valid_uscc(c) and c[2:4] == "12" for c in codes)
    # the same seed: the same shape, in another namespace
    assert [i.replace("p12-", "p13-", 1) for i in ids] == _column(hebei / "nodes.csv", "id")
    store = EmbeddedStore(tmp_path / "both.db")
    try:
        load_paths(store, [tianjin])
        load_paths(store, [hebei])
        counts = store.counts()
        assert sum(counts.nodes_by_label.values()) == one.node_count + two.node_count
        assert sum(counts.edges_by_type.values()) == one.edge_count + two.edge_count
        assert counts.sources == 2
    finally:
        store.close()


def test_a_province_code_out_of_range_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="province code from 10 to 99, got 100"):
        generate_province(tmp_path, MIN_NODES, province=100)
    answer = CliRunner().invoke(cli, ["generate", "--out", str(tmp_path), "--province", "7"])
    assert answer.exit_code == 2
    assert "--province must be from 10 to 99, got 7" in answer.output


def test_columns_are_canonical_field_names_and_everything_cites_the_source(folder: Path) -> None:
    node_fields = {p.name for p in NODE_COMMON} | {
        p.name for label in NODE_LABELS.values() for p in label.props
    }
    edge_fields = {p.name for p in EDGE_COMMON} | {
        p.name for rel in REL_TYPES.values() for p in rel.props
    }
    for name, written, declared in (
        ("nodes.csv", NODE_FIELDS, node_fields),
        ("edges.csv", EDGE_FIELDS, edge_fields),
        ("transfers.csv", TRANSFER_FIELDS, {p.name for p in DECLARED_TRANSFER_FIELDS}),
        ("sources.csv", SOURCE_FIELDS, {p.name for p in DECLARED_SOURCE_FIELDS}),
    ):
        header = (folder / name).read_text(encoding="utf-8").splitlines()[0].split(",")
        assert header == list(written)
        assert set(header) <= declared, name
    [source] = _rows(folder / "sources.csv")
    assert source["id"] == "synthetic"
    assert source["title"] == f"affgraph synthetic province, seed {SEED}, {N} nodes"
    for name in ("nodes.csv", "edges.csv", "transfers.csv"):
        assert {row["source"] for row in _rows(folder / name)} == {"synthetic"}, name


# -- it loads, at the size asked for ---------------------------------------------------------


def test_loads_without_errors_at_about_the_size_asked(province: Province, folder: Path) -> None:
    counts = province.store.counts()
    assert abs(counts.nodes - N) <= N // 10
    assert counts.nodes == len(_rows(folder / "nodes.csv"))
    assert counts.edges == len(_rows(folder / "edges.csv"))
    assert counts.transfers == len(_rows(folder / "transfers.csv"))
    assert set(counts.nodes_by_label) == set(NODE_LABELS)
    assert set(counts.edges_by_type) == set(REL_TYPES)


def test_the_territorial_tree(province: Province) -> None:
    p = province
    [root] = [n for n in p.of("PartyOrg", "local_committee") if not p.out[n.id, AFF]]
    locals_ = list(p.of("PartyOrg", "local_committee"))
    assert len(locals_) > 3
    for committee in locals_:
        if committee is not root:
            assert [e.kind for e in p.out[committee.id, AFF]] == ["territorial"]
    for wc in p.of("PartyOrg", "work_committee"):
        [line, *_] = p.out[wc.id, AFF]
        assert p.nodes[line.dst].kind == "local_committee"
    for area in p.of("Area"):
        if area.kind != "province":
            assert any(e.kind == "part_of" for e in p.out[area.id, LOC]), area.id
    kinds = {n.kind for n in p.of("Area")}
    assert kinds >= {"province", "city", "county", "street", "community", "grid", "park"}
    assert all(p.out[o.id, BASED] for o in p.of("PartyOrg") if o is not root)
    assert all(any(e.kind == "registered" for e in p.out[e_.id, LOC]) for e_ in p.of("Enterprise"))


def test_enterprises_look_real(province: Province) -> None:
    enterprises = list(province.of("Enterprise"))
    assert {e.kind for e in enterprises} == set(NODE_LABELS["Enterprise"].kinds)
    codes = [e.props["uscc"] for e in enterprises if "uscc" in e.props]
    assert len(codes) > len(enterprises) // 2
    assert all(is_valid_uscc(code) for code in codes)
    staff = sorted(e.props["employees"] for e in enterprises)
    assert staff[len(staff) // 2] < 50 < staff[-1] // 10  # skewed: many small, a few large
    assert all(e.name and e.props.get("name_en") for e in enterprises)
    soe = [e for e in enterprises if e.kind == "soe"]
    assert all(51 <= e.props["state_equity_pct"] <= 100 for e in soe)


def test_members_and_organization_kinds(province: Province) -> None:
    p = province
    assert {o.kind for o in p.of("PartyOrg")} == set(NODE_LABELS["PartyOrg"].kinds)
    branches = [o.props["members"] for o in p.of("PartyOrg", "branch")]
    assert min(branches) < 3 < 50 < max(branches)
    assert sum(3 <= m <= 50 for m in branches) > 0.9 * len(branches)
    committees = [o.props["members"] for o in p.of("PartyOrg", "committee")]
    assert sorted(committees)[len(committees) // 2] > sorted(branches)[len(branches) // 2]
    joint = list(p.of("PartyOrg", "joint_branch"))
    assert joint
    assert all(
        2 <= sum(p.nodes[e.dst].label == "Enterprise" for e in p.out[o.id, BASED]) <= 8
        for o in joint
    )


# -- orphans ---------------------------------------------------------------------------------


def test_each_orphan_cause_is_there(province: Province) -> None:
    p = province
    living_orgs = [o for o in p.of("PartyOrg") if o.valid_to is None]
    no_affiliation = [
        o for o in living_orgs if o.kind != "local_committee" and not p.out[o.id, AFF]
    ]
    superior_dissolved = [
        e
        for o in living_orgs
        for e in p.out[o.id, AFF]
        if e.valid_to is None and not p.living(e.dst)
    ]
    open_transfers = {t.org for t in p.transfers if t.status in ("pending", "proposed")}
    affiliation_ended = [
        o
        for o in living_orgs
        if p.out[o.id, AFF]
        and o.id in open_transfers
        and all(e.valid_to is not None for e in p.out[o.id, AFF])
    ]
    host_dissolved = [
        o
        for o in living_orgs
        if (hosts := [e for e in p.out[o.id, BASED] if e.valid_to is None])
        and all(not p.living(e.dst) for e in hosts)
    ]
    assert len(no_affiliation) >= 3
    assert len(superior_dissolved) >= 3
    assert len(affiliation_ended) >= 3
    assert len(host_dissolved) >= 3


def test_the_orphans_query_finds_every_cause(province: Province) -> None:
    found = ORPHANS.run(province.store, OrphansParams(as_of=AS_OF, limit=0))
    assert {"no_affiliation", "superior_dissolved", "affiliation_ended", "host_dissolved"} <= set(
        found.by_reason
    )


def test_data_errors_cycles_and_two_superiors(province: Province) -> None:
    p = province
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_edges_from((e.src, e.dst) for e in p.edges if e.type == AFF and e.valid_to is None)
    cycles = list(nx.simple_cycles(graph))
    assert len(cycles) >= 2
    assert all(2 <= len(c) <= 3 for c in cycles)
    two = [
        o
        for o in p.of("PartyOrg")
        if len({e.dst for e in p.out[o.id, AFF] if e.valid_to is None}) >= 2
    ]
    assert len(two) >= 3


# -- transfers, restructurings, SASAC ---------------------------------------------------------


def test_transfers_agree_with_the_lines(province: Province) -> None:
    p = province
    assert {t.status for t in p.transfers} == {"proposed", "pending", "retained", "transferred"}
    for t in p.transfers:
        lines = p.out[t.org, AFF]
        if t.status == "transferred":
            assert any(e.dst == t.props["from"] and e.valid_to == t.date for e in lines), t.id
            assert any(e.dst == t.props["decided_to"] and e.valid_from == t.date for e in lines), (
                t.id
            )
        elif t.status == "retained":
            assert t.props["decided_to"] == t.props["from"]
            assert any(e.dst == t.props["from"] and e.valid_to is None for e in lines), t.id


def test_every_restructuring_kind(province: Province) -> None:
    p = province
    kinds = {e.kind for e in p.edges if e.type == SUCC}
    assert kinds == set(REL_TYPES[SUCC].kinds)
    stripped = [e for e in p.edges if e.type == SUCC and e.kind == "strip_off"]
    assert all(p.nodes[e.src].label == p.nodes[e.dst].label == "Enterprise" for e in stripped)


def _sasac_committees(p: Province) -> set[str]:
    return {e.src for e in p.edges if e.type == BASED and p.nodes[e.dst].kind == "sasac"}


def _orgs_in(p: Province, enterprise: str) -> list[str]:
    return [e.src for e in p.into[enterprise, BASED] if e.valid_to is None]


def _reaches(p: Province, org: str, targets: set[str]) -> bool:
    seen: set[str] = set()
    while org not in seen:
        seen.add(org)
        up = [e.dst for e in p.out[org, AFF] if e.valid_to is None]
        if not up:
            return False
        if up[0] in targets:
            return True
        org = up[0]
    return False


def test_the_tianjin_cases(province: Province) -> None:
    p = province
    sasac = _sasac_committees(p)
    owners = {e.src for e in p.edges if e.type == OWNS}
    assert any(p.nodes[o].kind == "sasac" for o in owners)
    assert all("share_pct" in e.props for e in p.edges if e.type == OWNS)
    living = [e for e in p.of("Enterprise") if e.valid_to is None]
    pipe = [
        e
        for e in living
        if e.props.get("state_equity_pct") == 0
        and any(_reaches(p, o, sasac) for o in _orgs_in(p, e.id))
    ]
    assert len(pipe) >= 2
    outside = [
        e
        for e in living
        if e.props.get("state_equity_pct", 0) > 50
        and _orgs_in(p, e.id)
        and not any(_reaches(p, o, sasac) for o in _orgs_in(p, e.id))
    ]
    assert len(outside) >= 3
    retained = [t for t in p.transfers if t.status == "retained"]
    assert retained
    for t in retained:
        assert t.props["from"] in sasac
        assert p.nodes[t.props["proposed_to"]].kind == "work_committee"
    in_system = [e for e in p.edges if e.type == AFF and e.dst in sasac and e.kind == "system"]
    assert in_system


# -- parents-in-law and coverage ---------------------------------------------------------------


def test_parents_in_law_and_work_coverage(province: Province) -> None:
    p = province
    bodies_of: dict[str, set[str]] = defaultdict(set)
    for e in p.edges:
        if e.type == SUP and p.nodes[e.src].label == "Body":
            target = e.dst
            if p.nodes[target].label == "PartyOrg":
                hosts = [b.dst for b in p.out[target, BASED]]
                target = hosts[0] if hosts else target
            bodies_of[target].add(e.src)
    many = [t for t, bodies in bodies_of.items() if len(bodies) >= 5]
    assert len(many) >= 10
    sup_kinds = {e.kind for e in p.edges if e.type == SUP}
    assert sup_kinds >= {
        "guidance",
        "direct_contact",
        "instructor",
        "evaluation",
        "coordination",
        "inspection",
        "registration",
    }
    assert any(
        e.kind == "direct_contact"
        and p.nodes[e.src].kind == "npe_party_office"
        and p.nodes[e.dst].label == "PartyOrg"
        for e in p.edges
        if e.type == SUP
    )
    large = [e for e in p.of("Enterprise") if e.valid_to is None and e.props["employees"] >= 50]
    covered = [e for e in large if p.into[e.id, BASED]]
    work_only = [
        e
        for e in large
        if not p.into[e.id, BASED] and any(s.kind == "instructor" for s in p.into[e.id, SUP])
    ]
    uncovered = [
        e
        for e in large
        if not p.into[e.id, BASED] and not any(s.kind == "instructor" for s in p.into[e.id, SUP])
    ]
    assert len(covered) > 0.7 * len(large)
    assert work_only
    assert uncovered
    assert len(uncovered) < len(work_only)


# -- the command -------------------------------------------------------------------------------


def test_the_generate_command(tmp_path: Path) -> None:
    runner = CliRunner()
    target = tmp_path / "out"
    done = runner.invoke(cli, ["generate", "--nodes", "1500", "--seed", "3", "--out", str(target)])
    assert done.exit_code == 0, done.output
    for name in FILES:
        assert (target / name).is_file()
    assert "nodes.csv" in done.output
    assert "PartyOrg" in done.output
    assert "orphan: no affiliation" in done.output
    refused = runner.invoke(cli, ["generate", "--nodes", "10", "--out", str(target)])
    assert refused.exit_code == 2
