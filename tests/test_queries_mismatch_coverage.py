"""``mismatches`` and ``coverage``: the same exact answers on both stores, on hand-built
graphs and on the public cases."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from loaders.load import load_paths
from queries.chain import chain_result, first_on_chains
from queries.coverage import COVERAGE, CoverageParams
from queries.mismatches import MISMATCHES, MismatchesParams
from stores.base import GraphStore
from tests.conftest import Dataset
from tests.query_graphs_mismatch import COVERAGE_DAY, MISMATCH_DAY, load_coverage, load_mismatch

D = date.fromisoformat

Row = tuple[object, ...]


@pytest.fixture
def mismatch_graph(read_only: Callable[[Dataset], GraphStore]) -> GraphStore:
    return read_only(("mismatch", load_mismatch))


@pytest.fixture
def coverage_graph(read_only: Callable[[Dataset], GraphStore]) -> GraphStore:
    return read_only(("coverage", load_coverage))


@pytest.fixture
def cases(read_only: Callable[[Dataset], GraphStore], cases_dir: Path) -> GraphStore:
    return read_only(("cases", lambda store: load_paths(store, [cases_dir])))


def mismatch_rows(store: GraphStore, **params: object) -> list[Row]:
    result = MISMATCHES.run(store, MismatchesParams.model_validate(params))
    return [
        (i.id, i.type, i.detail, i.org_id, i.related_id, i.transfer_id, i.transfer_status)
        for i in result.items
    ]


def coverage_rows(store: GraphStore, **params: object) -> list[Row]:
    result = COVERAGE.run(store, CoverageParams.model_validate(params))
    return [(i.id, i.status, i.employees, i.members, i.units) for i in result.items]


# -- mismatches ---------------------------------------------------------------------------------

SASAC_PC = "m-sasac-pc"

MISMATCHES_ON_DAY = [
    (
        "e-loc",
        "location",
        "registered_outside_line",
        "o-loc",
        "m-street",
        "t-loc-undated",
        "retained",
    ),
    ("e-cycle", "ownership", "majority_state_no_line", "o-cyc1", None, None, None),
    ("e-d50", "ownership", "state_line_zero_equity", "m-d00", SASAC_PC, None, None),
    ("e-deep", "ownership", "state_line_zero_equity", "o-deep", SASAC_PC, None, None),
    ("e-major", "ownership", "majority_state_no_line", "o-major", None, None, None),
    ("e-major-none", "ownership", "majority_state_no_line", None, None, None, None),
    (
        "e-zero",
        "ownership",
        "state_line_zero_equity",
        "o-zero",
        SASAC_PC,
        "t-zero-kept",
        "retained",
    ),
]


def test_mismatches_each_detail(mismatch_graph: GraphStore) -> None:
    assert mismatch_rows(mismatch_graph, as_of=MISMATCH_DAY) == MISMATCHES_ON_DAY
    result = MISMATCHES.run(mismatch_graph, MismatchesParams(as_of=D(MISMATCH_DAY)))
    assert (result.total, result.by_type) == (7, {"location": 1, "ownership": 6})
    first = result.items[0]
    assert (first.name, first.kind, first.state_equity_pct) == ("Ent e-loc", "private", None)
    zero = result.items[-1]
    assert (zero.name, zero.kind, zero.state_equity_pct) == ("Ent e-zero", "mixed", 0.0)
    assert result.items[5].state_equity_pct == 80.5


def test_mismatches_line_changing_on_the_day(mismatch_graph: GraphStore) -> None:
    """o-switch leaves the SASAC committee for the street on the day: the day before, it is
    both an ownership and a location mismatch; on the day, neither."""
    day_before = mismatch_rows(mismatch_graph, as_of="2024-12-31")
    assert [r for r in day_before if r[0] == "e-switch"] == [
        ("e-switch", "location", "registered_outside_line", "o-switch", "m-street", None, None),
        ("e-switch", "ownership", "state_line_zero_equity", "o-switch", SASAC_PC, None, None),
    ]
    assert sorted(day_before) == sorted(
        [*MISMATCHES_ON_DAY, *(r for r in day_before if r[0] == "e-switch")]
    )


def test_mismatches_dissolved_and_ended_lines(mismatch_graph: GraphStore) -> None:
    """Before 2020 the middle committee still exists and m-old-pc is still based in the SASAC:
    e-dead and e-old reach the state system; e-closed still exists."""
    rows = mismatch_rows(mismatch_graph, as_of="2019-12-31", kind="ownership")
    assert [(r[0], r[3], r[4]) for r in rows] == [
        ("e-closed", "o-closed", SASAC_PC),
        ("e-cycle", "o-cyc1", None),
        ("e-d50", "m-d00", SASAC_PC),
        ("e-dead", "o-dead", SASAC_PC),
        ("e-deep", "o-deep", SASAC_PC),
        ("e-major", "o-major", None),
        ("e-major-none", None, None),
        ("e-old", "o-old", "m-old-pc"),
        ("e-switch", "o-switch", SASAC_PC),
        ("e-zero", "o-zero", SASAC_PC),
    ]


def test_mismatches_filter_and_pages(mismatch_graph: GraphStore) -> None:
    assert (
        mismatch_rows(mismatch_graph, as_of=MISMATCH_DAY, kind="location") == MISMATCHES_ON_DAY[:1]
    )
    second = MISMATCHES.run(
        mismatch_graph, MismatchesParams(as_of=D(MISMATCH_DAY), limit=2, offset=2, kind="ownership")
    )
    assert [i.id for i in second.items] == ["e-deep", "e-major"]
    assert (second.total, second.limit, second.offset) == (6, 2, 2)
    assert second.by_type == {"location": 1, "ownership": 6}


# -- coverage -----------------------------------------------------------------------------------

COVERAGE_ON_DAY = [
    ("c-gb-1", "below_minimum", None, 1, None),
    ("c-j-small", "below_minimum", None, 2, 2),
    ("c-o-2", "below_minimum", None, 2, None),
    ("c-tb-0", "below_minimum", None, 0, None),
    ("c-o-51", "branch_too_large", None, 51, None),
    ("c-j6", "joint_branch_too_wide", None, 10, 6),
    ("c-e-50", "uncovered", 50, None, None),
    ("c-e-ended", "uncovered", 80, None, None),
    ("c-e-gone-instr", "uncovered", 75, None, None),
    ("c-e-guide", "uncovered", 70, None, None),
    ("c-e-instr", "work_coverage_only", 60, None, None),
]


def test_coverage_each_status(coverage_graph: GraphStore) -> None:
    assert coverage_rows(coverage_graph, as_of=COVERAGE_DAY) == COVERAGE_ON_DAY
    result = COVERAGE.run(coverage_graph, CoverageParams(as_of=D(COVERAGE_DAY)))
    assert result.by_status == {
        "below_minimum": 4,
        "branch_too_large": 1,
        "joint_branch_too_wide": 1,
        "uncovered": 4,
        "work_coverage_only": 1,
    }
    assert [(i.label, i.kind, i.name) for i in result.items[-2:]] == [
        ("Enterprise", "private", "Ent c-e-guide"),
        ("Enterprise", "private", "Ent c-e-instr"),
    ]
    assert (result.items[0].label, result.items[0].kind) == ("PartyOrg", "general_branch")


def test_coverage_interval_boundaries(coverage_graph: GraphStore) -> None:
    """The day before: c-e-ended is still covered, c-e-instr has no instructor yet, and
    c-j6's sixth unit has not begun (while c-j5's sixth line has just ended)."""
    rows = coverage_rows(coverage_graph, as_of="2024-12-31")
    assert rows == [
        ("c-gb-1", "below_minimum", None, 1, None),
        ("c-j-small", "below_minimum", None, 2, 2),
        ("c-o-2", "below_minimum", None, 2, None),
        ("c-tb-0", "below_minimum", None, 0, None),
        ("c-o-51", "branch_too_large", None, 51, None),
        ("c-e-50", "uncovered", 50, None, None),
        ("c-e-gone-instr", "uncovered", 75, None, None),
        ("c-e-guide", "uncovered", 70, None, None),
        ("c-e-instr", "uncovered", 60, None, None),
    ]
    # c-j5 had a sixth unit until 2024-12-31 (exclusive): too wide on 2024-12-30
    wide = coverage_rows(coverage_graph, as_of="2024-12-30", status="joint_branch_too_wide")
    assert wide == [("c-j5", "joint_branch_too_wide", None, 10, 6)]


def test_coverage_filter_and_pages(coverage_graph: GraphStore) -> None:
    assert coverage_rows(coverage_graph, as_of=COVERAGE_DAY, status="uncovered") == [
        row for row in COVERAGE_ON_DAY if row[1] == "uncovered"
    ]
    second = COVERAGE.run(coverage_graph, CoverageParams(as_of=D(COVERAGE_DAY), limit=3, offset=3))
    assert [i.id for i in second.items] == ["c-tb-0", "c-o-51", "c-j6"]
    assert (second.total, second.limit, second.offset) == (11, 3, 3)


# -- the public cases ---------------------------------------------------------------------------


def test_mismatches_on_the_cases(cases: GraphStore) -> None:
    rows = mismatch_rows(cases, as_of="2023-06-01")
    assert (
        "tj-pipe",
        "ownership",
        "state_line_zero_equity",
        "tj-pipe-pc",
        "tj-sasac-pc",
        None,
        None,
    ) in rows
    assert (
        "tj-pharma",
        "location",
        "registered_outside_line",
        "tj-pharma-pc",
        "tj-street-unnamed",
        "tj-transfer-pharma-retained",
        "retained",
    ) in rows
    assert rows == CASES_MISMATCHES


#: the 2012 Opinions' patterns add two deliberate location mismatches: a large enterprise
#: managed directly by the county, and a specialized one affiliated through its trade
#: association (归口管理), both registered in the illustrative street
CASES_MISMATCHES = [
    (
        "op2012-large-ent",
        "location",
        "registered_outside_line",
        "op2012-large-ent-po",
        "op2012-street",
        None,
        None,
    ),
    (
        "op2012-sector-ent",
        "location",
        "registered_outside_line",
        "op2012-sector-ent-po",
        "op2012-street",
        None,
        None,
    ),
    (
        "tj-pharma",
        "location",
        "registered_outside_line",
        "tj-pharma-pc",
        "tj-street-unnamed",
        "tj-transfer-pharma-retained",
        "retained",
    ),
    ("tj-pipe", "ownership", "state_line_zero_equity", "tj-pipe-pc", "tj-sasac-pc", None, None),
]


def test_coverage_on_the_cases(cases: GraphStore) -> None:
    rows = coverage_rows(cases, as_of="2023-06-01")
    assert ("op2012-street-ent-50plus", "work_coverage_only", 60, None, None) in rows
    assert rows == CASES_COVERAGE


CASES_COVERAGE = [
    ("op2012-street-ent-50plus", "work_coverage_only", 60, None, None),
]


# -- the mismatches' chains are the chain query's ----------------------------------------------


@pytest.mark.parametrize("seed", range(40))
def test_mismatch_chains_are_the_chain_query_chains(seed: int) -> None:
    """On random graphs with cycles, double superiors, dissolved and unresolved superiors and
    chains longer than 50, :func:`queries.chain.first_on_chains` (mismatches' walker, every
    chain at once) follows exactly the chain the ``chain`` query shows: asked, from every
    node, for the first superior that is a given node, it finds that node where it is on
    the chain and nothing where it is not; and the state-system committee it finds is the
    nearest on the chain."""
    rng = random.Random(seed)
    n = rng.choice([8, 30, 130])
    ids = [f"n{i:03d}" for i in range(n)]
    long_chains = n > 100
    ups: dict[str, list[str]] = {}
    for i, node in enumerate(ids):
        roll = rng.random()
        if long_chains and i + 1 < n and roll < 0.985:
            ups[node] = [ids[i + 1]] if rng.random() < 0.99 else [rng.choice(ids)]
        elif roll < 0.12:
            ups[node] = []
        elif roll < 0.2:
            ups[node] = rng.sample(ids, 2)
        else:
            ups[node] = [rng.choice(ids)]
    rare = 0.1 if long_chains else 1.0
    state = {node for node in ids if rng.random() < 0.2 * rare}
    dissolved = {node for node in ids if rng.random() < 0.05 * rare}
    unresolved = {node for node in ids if rng.random() < 0.03 * rare}

    def info(node: str) -> dict[str, object]:
        return {
            "id": node,
            "label": "PartyOrg",
            "kind": "committee",
            "name": node,
            "active": node not in dissolved,
            "unresolved": node in unresolved,
        }

    def lines(node: str) -> list[dict[str, object]]:
        return [{"target": t, "kind": "territorial"} for t in ups[node]]

    def is_state(node: str) -> bool:
        return node in state and node not in dissolved

    code = {node: at for at, node in enumerate(ids)}
    up = np.array(
        [code[ups[node][0]] if len(set(ups[node])) == 1 else -1 for node in ids], dtype=np.int64
    )
    halts = np.array([node in dissolved or node in unresolved for node in ids])
    state_at = np.array([is_state(node) for node in ids])
    every = np.arange(n, dtype=np.int64)
    start, target = np.repeat(every, n), np.tile(every, n)
    first = first_on_chains(start, up, halts, lambda at, nodes: nodes == target[at])
    nearest = first_on_chains(every, up, halts, lambda _, nodes: state_at[nodes])
    for node in ids:
        walked = [step.id for step in chain_result(node, D("2025-01-01"), info, lines).items]
        superiors = {code[s] for s in walked[1:]}
        found = first[start == code[node]]
        assert found.tolist() == [t if t in superiors else -1 for t in range(n)], node
        expected = next((s for s in walked[1:] if is_state(s)), None)
        assert nearest[code[node]] == (-1 if expected is None else code[expected]), node
