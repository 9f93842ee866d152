"""The Cypher notebooks (``notebooks/*.ipynb``) run from top to bottom against the session's
Bolt server holding the public cases (plus a few orphans: the cases have none); a failing
cell fails the test, and each notebook's answers are checked. Committed notebooks carry no
outputs."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from loaders.load import load_paths
from stores.neo4j import Neo4jStore
from tests.conftest import BoltTarget

pytestmark = [pytest.mark.neo4j, pytest.mark.processes]

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NAMES = (
    "reporting_lines_and_parents_in_law.ipynb",
    "orphans_over_time.ipynb",
    "cypher_to_networkx.ipynb",
    "ftm_export_in_pandas.ipynb",
)
CELL_TIMEOUT_S = 300

#: Organizations orphaned in each of the four ways, at known times (the cases have none).
ORPHANS = [
    {
        "record": "node",
        "id": "nb-root",
        "label": "PartyOrg",
        "kind": "local_committee",
        "name": "Test county committee",
    },
    {
        "record": "node",
        "id": "nb-old",
        "label": "PartyOrg",
        "kind": "committee",
        "name": "Committee dissolved in 2015",
        "valid_to": "2015-01-01",
    },
    {
        "record": "node",
        "id": "nb-ent",
        "label": "Enterprise",
        "kind": "private",
        "name": "Enterprise closed in 2020",
        "valid_to": "2020-01-01",
    },
    {
        "record": "node",
        "id": "nb-b1",
        "label": "PartyOrg",
        "kind": "branch",
        "name": "Branch left under a dissolved committee",
    },
    {
        "record": "node",
        "id": "nb-b2",
        "label": "PartyOrg",
        "kind": "branch",
        "name": "Branch whose line ended",
        "valid_from": "2003-01-01",
    },
    {
        "record": "node",
        "id": "nb-b3",
        "label": "PartyOrg",
        "kind": "branch",
        "name": "Branch of a closed enterprise",
    },
    {
        "record": "edge",
        "type": "AFFILIATED_TO",
        "from": "nb-old",
        "to": "nb-root",
        "kind": "territorial",
        "valid_to": "2015-01-01",
    },
    {
        "record": "edge",
        "type": "AFFILIATED_TO",
        "from": "nb-b1",
        "to": "nb-old",
        "kind": "territorial",
    },
    {
        "record": "edge",
        "type": "AFFILIATED_TO",
        "from": "nb-b2",
        "to": "nb-root",
        "kind": "territorial",
        "valid_from": "2005-01-01",
        "valid_to": "2012-01-01",
    },
    {
        "record": "edge",
        "type": "AFFILIATED_TO",
        "from": "nb-b3",
        "to": "nb-root",
        "kind": "territorial",
    },
    {"record": "edge", "type": "BASED_IN", "from": "nb-b3", "to": "nb-ent"},
]

#: Words each notebook's outputs must show.
EXPECTED = {
    "reporting_lines_and_parents_in_law.ipynb": [
        "tj-zhonghuan-pc",
        "tj-jinzhi-pc",
        "transferred",
        "jd-ent-a1",
        "stops at root",
        "Jiading District Social Work Committee",
    ],
    "orphans_over_time.ipynb": [
        "no_affiliation",
        "affiliation_ended",
        "superior_dissolved",
        "host_dissolved",
        "nb-b1",
    ],
    "cypher_to_networkx.ipynb": ["betweenness", "jd-swc", "a tree: True"],
    "ftm_export_in_pandas.ipynb": [
        "Organization",
        "Control",
        "Tianjin Pharmaceutical Group",
        "affiliation (隶属关系)",
        "2022-07-05",
        "Ownership",
        "Expanding the Chinese Communist Party",
    ],
}


def _read(name: str) -> nbformat.NotebookNode:
    notebook: nbformat.NotebookNode = nbformat.read(  # type: ignore[no-untyped-call]
        NOTEBOOKS / name, as_version=4
    )
    return notebook


def test_every_notebook_is_tested_and_has_no_outputs() -> None:
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(NAMES)
    for name in NAMES:
        notebook = _read(name)
        nbformat.validate(notebook)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [], f"{name}: commit notebooks without outputs"
                assert cell.execution_count is None, name


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs(
    name: str, bolt: BoltTarget, cases_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = tmp_path / "orphans.jsonl"
    extra.write_text("".join(json.dumps(r) + "\n" for r in ORPHANS), encoding="utf-8")
    bolt.reset()
    store = Neo4jStore(bolt.uri, bolt.auth, database=bolt.database)
    try:
        load_paths(store, [cases_dir, extra])
    finally:
        store.close()
    for key, value in {
        "AFFGRAPH_NEO4J_URI": bolt.uri,
        "AFFGRAPH_NEO4J_USER": bolt.auth[0],
        "AFFGRAPH_NEO4J_PASSWORD": bolt.auth[1],
        "AFFGRAPH_NEO4J_DATABASE": bolt.database,
        "MPLBACKEND": "Agg",
    }.items():
        monkeypatch.setenv(key, value)  # the kernel inherits the environment
    # A kernel of this very interpreter, whatever kernels the machine has installed.
    spec = tmp_path / "jupyter" / "kernels" / "affgraph-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "affgraph tests",
                "language": "python",
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    notebook = _read(name)
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name="affgraph-test",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    started = time.monotonic()
    client.execute()  # raises CellExecutionError, naming the cell, if one fails
    print(f"{name}: {time.monotonic() - started:.1f} s")
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs)
    for word in EXPECTED[name]:
        assert word in text, f"{name}: {word!r} not in the outputs"
