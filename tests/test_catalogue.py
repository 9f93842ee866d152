"""The catalogue of named queries: one declaration per query, light to import.

Importing ``queries.catalog`` (what the CLI's ``affgraph queries``, the API's routes and the
cookbook need) must not load the Neo4j driver, a store, or networkx: the queries reach a
store only through the views of :mod:`stores.base`. It runs in a fresh interpreter, where
nothing else has imported them yet.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest
from pydantic import BaseModel

from queries.catalog import QUERIES, describe

ROOT = Path(__file__).resolve().parent.parent

#: Modules importing the catalogue must not load.
HEAVY = ("neo4j", "networkx", "pandas", "stores.embedded", "stores.neo4j")


def test_importing_the_catalogue_loads_no_driver_and_no_store() -> None:
    code = (
        "import json, sys\n"
        "import queries.catalog\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(found.stdout) == []


@pytest.mark.parametrize("query", QUERIES.values(), ids=list(QUERIES))
def test_every_query_is_declared_whole(query: object) -> None:
    entry = describe(query)  # type: ignore[arg-type]
    assert entry["title"]
    assert entry["description"]
    assert entry["path"].startswith("/api/")
    assert entry["tag"]
    assert entry["cypher"]
    assert entry["examples"], "examples are what the docs show and the route tests ask"
    names = {p["name"] for p in entry["parameters"]}
    in_path = set(re.findall(r"{(\w+)}", entry["path"]))
    for example in entry["examples"]:
        assert set(example) <= names
        assert in_path <= set(example)
    listing = entry["listing"]
    if listing is not None:  # it names only the fields its answer's items have
        result: type[BaseModel] = query.result  # type: ignore[attr-defined]
        (item,) = get_args(result.model_fields["items"].annotation)
        fields = set(item.model_json_schema(mode="serialization")["properties"])
        shown = [c["field"] for c in listing["columns"]]
        shown += [c[k] for c in listing["columns"] for k in ("name", "detail") if c[k]]
        shown += [o[k] for o in listing["opens"] for k in ("id", "date") if o[k]]
        assert set(shown) <= fields
        assert listing["filter"] is None or listing["filter"] in names
        assert listing["counts"] is None or listing["counts"] in result.model_fields


def test_the_catalogue_names_each_query_once() -> None:
    paths = [query.path for query in QUERIES.values()]
    assert len(set(paths)) == len(paths)
    assert all(name == query.name for name, query in QUERIES.items())
