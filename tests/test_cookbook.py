"""docs/cypher-cookbook.md is generated from the catalogue and must be up to date."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from exports.cookbook import cypher_parameters, render
from queries.catalog import QUERIES

ROOT = Path(__file__).resolve().parent.parent
COOKBOOK = ROOT / "docs" / "cypher-cookbook.md"


def test_cookbook_is_up_to_date() -> None:
    assert COOKBOOK.read_text(encoding="utf-8") == render(), (
        "docs/cypher-cookbook.md is out of date: run .venv/bin/python docs/make_cookbook.py"
    )


def test_cookbook_has_every_query_and_its_cypher() -> None:
    text = render()
    for name, query in QUERIES.items():
        assert f"\n## {name}\n" in text
        assert query.cypher.strip() in text
        assert query.description in text


def test_cypher_parameters() -> None:
    assert cypher_parameters("MATCH (n {id: $id}) WHERE n.x <= $as_of AND $id <> ''") == [
        "id",
        "as_of",
    ]


def test_check_mode_of_the_script() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "make_cookbook.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
