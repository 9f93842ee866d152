"""``areas``: on both stores, the areas of the public cases and the demo county as the
records say, on days before, between and after their changes."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from loaders.load import load_paths
from queries.areas import AREAS, AreasParams
from stores.base import GraphStore
from tests.conftest import Dataset

D = date.fromisoformat
DEMO = Path(__file__).resolve().parent.parent / "data" / "demo"
#: before the demo's streets were set up (2011), while its old zone held (to 2020), after
DAYS = ["2010-06-01", "2015-06-01", "2023-06-01"]


@pytest.fixture
def areas_store(read_only: Callable[[Dataset], GraphStore], cases_dir: Path) -> GraphStore:
    return read_only(("cases and demo", lambda store: load_paths(store, [cases_dir, DEMO])))


def records(cases_dir: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for folder in (cases_dir, DEMO)
        for path in sorted(folder.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def expected(found: list[dict[str, Any]], day: str, **params: str) -> list[tuple[Any, ...]]:
    """The areas of the records on ``day``, worked out from the JSON records themselves."""

    def alive(record: dict[str, Any]) -> bool:
        return bool(record.get("valid_from", "") <= day < record.get("valid_to", "9999"))

    nodes = {r["id"]: r for r in found if r["record"] == "node" and alive(r)}
    lines = [r for r in found if r["record"] == "edge" and alive(r)]

    def linked(rel: str, kind: str | None, label: str, *, to: str) -> set[str]:
        return {
            r["from"]
            for r in lines
            if r["type"] == rel
            and r["to"] == to
            and r.get("kind") == kind
            and nodes.get(r["from"], {}).get("label") == label
        }

    rows = []
    for area in sorted(i for i, n in nodes.items() if n["label"] == "Area"):
        parents = sorted(
            r["to"]
            for r in lines
            if r["type"] == "LOCATED_IN"
            and r["from"] == area
            and r.get("kind") == "part_of"
            and nodes.get(r["to"], {}).get("label") == "Area"
        )
        if "parent" in params and params["parent"] not in parents:
            continue
        if "kind" in params and nodes[area]["kind"] != params["kind"]:
            continue
        rows.append(
            (
                area,
                parents[0] if parents else None,
                len(linked("LOCATED_IN", "part_of", "Area", to=area)),
                len(linked("LOCATED_IN", "registered", "Enterprise", to=area)),
                len(linked("BASED_IN", None, "PartyOrg", to=area)),
            )
        )
    return rows


def asked(store: GraphStore, day: str, **params: str) -> list[tuple[Any, ...]]:
    result = AREAS.run(store, AreasParams.model_validate({"as_of": day, **params}))
    assert result.total == len(result.items)
    return [(i.id, i.parent_id, i.areas, i.enterprises, i.organizations) for i in result.items]


@pytest.mark.parametrize("day", DAYS)
def test_areas_are_what_the_records_say(areas_store: GraphStore, cases_dir: Path, day: str) -> None:
    found = records(cases_dir)
    assert asked(areas_store, day) == expected(found, day)
    for params in ({"parent": "demo-county"}, {"kind": "street"}, {"parent": "jd-jiading"}):
        assert asked(areas_store, day, **params) == expected(found, day, **params), params


def test_the_demo_county_on_a_day(areas_store: GraphStore) -> None:
    result = AREAS.run(areas_store, AreasParams(as_of=D("2023-06-01"), parent="demo-county"))
    assert [(i.id, i.kind, i.areas, i.enterprises, i.organizations) for i in result.items] == [
        ("demo-park", "park", 0, 3, 1),
        ("demo-street-chengdong", "street", 1, 8, 1),
        ("demo-street-chengxi", "street", 1, 3, 1),
        ("demo-town-qingshan", "township", 1, 2, 2),
    ]
    assert {i.parent_name for i in result.items} == {"示范县"}
    assert result.by_kind == {"park": 1, "street": 2, "township": 1}
    # the old industrial zone was merged into the park on 2020-01-01
    before = AREAS.run(areas_store, AreasParams(as_of=D("2019-12-31"), parent="demo-county"))
    assert "demo-oldzone" in [i.id for i in before.items]
    assert "demo-oldzone" not in [i.id for i in result.items]
