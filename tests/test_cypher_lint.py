"""Every Cypher text affgraph builds, checked by Neo4j's own linter.

The linter is ``@neo4j-cypher/language-support`` (Neo4j's, the engine of its VS Code extension
and of the Browser's editor), pinned in ``tools/cypher-lint/package-lock.json`` and installed by
``make install-cypher-lint`` (part of ``make test``); ``tools/cypher-lint/lint.mjs`` runs it.
It checks syntax, semantics (variables in scope, types) and deprecations, and, given a database
schema, flags labels, relationship types and property keys the database does not have and
patterns its graph schema cannot match. The schema given here is the declaration's
(:mod:`graph_schema.declaration`) as the Neo4j store maps it (:mod:`graph_schema.cypher`).

What is linted:

* the Cypher of every named query (``queries/catalog.py``), with the query's parameters
  declared: a ``$name`` that the parameters model does not provide is an error;
* every statement of the Neo4j store (the module-level texts of ``stores/neo4j.py``);
* the constraints and indexes (``graph_schema/cypher.py``);
* every Cypher block of ``docs/cypher-cookbook.md``, with the parameters its table says the
  Cypher takes;
* the Cypher the notebooks in ``notebooks/`` run (their top-level texts, evaluated as the
  notebook builds them).

Each must lint with no diagnostic at all: no error, no deprecation, no unknown name.

The linter's blind spot: a subquery expression (``EXISTS { … }``, ``COUNT { … }``,
``COLLECT { … }``) inside a map literal silences its semantic analysis for the whole statement
(undefined variables and deprecations go unreported; the syntax and schema checks still run).
A statement with one is therefore linted a second time rewritten so that each such subquery
stands beside its map instead of inside it (``{a: x, b: EXISTS {…}}`` becomes
``[{a: x, b: true}, EXISTS {…}]``): the same subquery in the same scope, which the analysis
does cover. :func:`test_control_statements_prove_the_linter_fires` shows both the blind spot
and the rewrite at work.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import stores.neo4j as neo4j_store
from graph_schema.cypher import (
    JUDGEMENT_LABEL,
    LOAD_LABEL,
    MERGED_LABEL,
    NODE_LABEL,
    SOURCE_LABEL,
    STORE_LABEL,
    TAG_LABEL,
    TRANSFER_LABEL,
    VERSION_LABEL,
    constraint_statements,
    history_statements,
)
from graph_schema.declaration import (
    EDGE_COMMON,
    JUDGEMENT_FIELDS,
    NODE_COMMON,
    NODE_LABELS,
    REL_TYPES,
    SOURCE_FIELDS,
    TRANSFER_FIELDS,
)
from graph_schema.properties import HASH_PROPERTY
from queries.catalog import QUERIES
from stores.merges import MERGED_DST, MERGED_SRC

ROOT = Path(__file__).resolve().parent.parent
LINT_DIR = ROOT / "tools" / "cypher-lint"
COOKBOOK = ROOT / "docs" / "cypher-cookbook.md"
NOTEBOOKS = ROOT / "notebooks"
PACKAGE = "@neo4j-cypher/language-support"


# -- the schema the linter checks against ------------------------------------------------------

#: Keys of maps (not nodes) that statements read with ``.``: the linter takes every ``x.key``
#: for a property key, so these must be declared too. ``src`` and ``dst``: the rows the Neo4j
#: store sends to its line upserts (``_write_edges`` in stores/neo4j.py); ``committees``: the
#: ``{area, committees}`` maps of the mismatches query (queries/mismatches.py).
MAP_KEYS = ("src", "dst", "committees")


def lint_schema() -> dict[str, Any]:
    """The database as the Neo4j store makes it, in the linter's ``DbSchema`` shape."""
    node_keys = [p.name for p in NODE_COMMON if p.name != "label"]
    node_keys += [p.name for label in NODE_LABELS.values() for p in label.props]
    # an edge's type, from and to are the relationship itself; its key is a property
    edge_keys = [p.name for p in EDGE_COMMON if p.name not in ("type", "from", "to")]
    edge_keys += ["key", *(p.name for rel in REL_TYPES.values() for p in rel.props)]
    record_keys = [p.name for p in (*TRANSFER_FIELDS, *SOURCE_FIELDS, *JUDGEMENT_FIELDS)]
    # the store's own: every record's change hash, the state node's counter and epoch, and
    # the merged view's marks (a merged node's canonical id, label and inner lines; the
    # loaded end of a line moved onto a canonical node)
    store_keys = [HASH_PROPERTY, "generation", "epoch", "merges_at", "_into", "_label", "_inner"]
    store_keys += [MERGED_SRC, MERGED_DST]
    # record time (stores.history): the load that wrote a record (and ended a judgement),
    # the counters of the state node, a kept version's marks, the log's entries and tags
    store_keys += ["_load", "_ended_load", "_inner_loads", "loads", "migrated"]
    store_keys += [f"_v_{k}" for k in ("kind", "id", "label", "type", "src", "dst")]
    store_keys += ["_v_written", "_v_replaced", "number", "at", "who", "message", "files"]
    store_keys += ["counts", "reverts", "forced", "name", "load"]
    keys = sorted({*node_keys, *edge_keys, *record_keys, *store_keys, *MAP_KEYS})
    # every graph node also carries :Node, so each declared end also stands as :Node
    graph: set[tuple[str, str, str]] = set()
    for rel in REL_TYPES.values():
        for rule in rel.endpoints:
            for src in (*rule.sources, NODE_LABEL):
                for dst in (*rule.targets, NODE_LABEL):
                    graph.add((src, dst, rel.name))
    return {
        "labels": [
            NODE_LABEL,
            *NODE_LABELS,
            SOURCE_LABEL,
            TRANSFER_LABEL,
            STORE_LABEL,
            JUDGEMENT_LABEL,
            MERGED_LABEL,
            LOAD_LABEL,
            VERSION_LABEL,
            TAG_LABEL,
        ],
        "relationshipTypes": list(REL_TYPES),
        "propertyKeys": keys,
        "graphSchema": [{"from": s, "to": t, "relType": r} for s, t, r in sorted(graph)],
    }


# -- the Cypher texts --------------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    """One Cypher text to lint: where it comes from, the text, the parameters it may use."""

    id: str
    cypher: str
    parameters: tuple[str, ...] = ()
    #: for a rewritten statement (the blind spot), the text as the project has it
    original: str | None = field(default=None, compare=False)


#: Words a whole statement starts with (fragments such as ``FOREACH …`` templates, patterns
#: or expressions are not statements).
_CLAUSE = re.compile(r"\s*(MATCH|OPTIONAL\s+MATCH|UNWIND|MERGE|CREATE|CALL|WITH|RETURN)\b")
_PARAM = re.compile(r"\$(\w+)")
#: Assignments a notebook's Cypher texts are built from: strings and f-strings.
_TEXT = (ast.Constant, ast.JoinedStr)


def _named_queries() -> Iterator[Statement]:
    for name, query in QUERIES.items():
        # by the names the API and the Cypher give them (diff's from_ is "from")
        names = tuple(f.alias or n for n, f in query.params.model_fields.items())
        yield Statement(f"query {name}", query.cypher, names)


def _store_statements() -> Iterator[Statement]:
    for attr, value in vars(neo4j_store).items():
        texts = value if isinstance(value, dict) else {None: value}
        for key, text in texts.items():
            if isinstance(text, str) and _CLAUSE.match(text):
                where = f"{attr}[{key!r}]" if key is not None else attr
                yield Statement(f"store {where}", text, tuple(sorted(set(_PARAM.findall(text)))))


def _constraints() -> Iterator[Statement]:
    for i, text in enumerate((*constraint_statements(), *history_statements())):
        yield Statement(f"schema constraint {i}: {text.split(' IF ')[0]}", text)


_SECTION = re.compile(r"^## (\w+)\n(.*?)(?=^## |\Z)", re.S | re.M)
_BLOCK = re.compile(r"^```cypher\n(.*?)^```", re.S | re.M)
_ROW = re.compile(r"^\| `(\w+)` \| (yes|no) \|", re.M)


def _cookbook() -> Iterator[Statement]:
    text = COOKBOOK.read_text(encoding="utf-8")
    for name, body in _SECTION.findall(text):
        params = tuple(p for p, in_cypher in _ROW.findall(body) if in_cypher == "yes")
        for i, block in enumerate(_BLOCK.findall(body)):
            yield Statement(f"cookbook {name} block {i}", block, params)


def _notebook_statements(path: Path) -> Iterator[Statement]:
    """The Cypher a notebook runs: the text of each top-level call of its
    ``cypher(text, **params)`` helper, evaluated from the string assignments of the cells
    before it (the keyword arguments name the parameters). Named queries, which the
    notebooks run through ``run(name, …)``, are linted as such."""
    namespace: dict[str, Any] = {"QUERIES": QUERIES}
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for number, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse("".join(cell["source"]))
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, _TEXT):
                exec(compile(ast.Module([node], []), path.name, "exec"), namespace)
        calls = [
            call
            for node in tree.body
            if not isinstance(node, ast.FunctionDef)  # the helpers run what they are given
            for call in ast.walk(node)
            if isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id == "cypher"
        ]
        for i, call in enumerate(calls):
            text = eval(compile(ast.Expression(call.args[0]), path.name, "eval"), namespace)
            params = tuple(k.arg for k in call.keywords if k.arg is not None)
            where = f"notebook {path.name} cell {number}" + (f" call {i}" if i else "")
            yield Statement(where, text, params)


def _notebooks() -> Iterator[Statement]:
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        yield from _notebook_statements(path)


def project_statements() -> list[Statement]:
    """Every Cypher text the project builds, and the rewrites its blind spot asks for."""
    found = [
        *_named_queries(),
        *_store_statements(),
        *_constraints(),
        *_cookbook(),
        *_notebooks(),
    ]
    rewritten = [
        Statement(f"{s.id} (map subqueries moved out)", text, s.parameters, s.cypher)
        for s in found
        if (text := hoist_map_subqueries(s.cypher)) != s.cypher
    ]
    seen: set[str] = set()
    for statement in found:
        assert statement.id not in seen, statement.id
        seen.add(statement.id)
    return [*found, *rewritten]


# -- the blind spot: subqueries inside map literals -------------------------------------------

_SKIP = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|//[^\n]*|/\*.*?\*/", re.S)
_SUBQUERY = re.compile(r"\b(?:EXISTS|COUNT|COLLECT)\s*\{$", re.I)
_BODY = re.compile(r"(?:\b(?:EXISTS|COUNT|COLLECT|CALL)\s*|\bCALL\s*\([^()]*\)\s*)\{$", re.I)


#: Words after which a ``{`` opens a map literal (after any other name it is a projection).
_KEYWORDS_BEFORE_MAP = frozenset(
    {"RETURN", "WITH", "WHERE", "AND", "OR", "XOR", "NOT", "IN", "IS", "THEN", "ELSE"}
    | {"WHEN", "CASE", "UNWIND", "DISTINCT", "SET"}
)


@dataclass
class _Bracket:
    open: int
    char: str
    parent: _Bracket | None
    close: int = -1


def _brackets(text: str) -> list[_Bracket]:
    """Every bracket of ``text`` (strings, quoted names and comments skipped), with its
    match and the bracket it stands in."""
    found: list[_Bracket] = []
    stack: list[_Bracket] = []
    pairs = {")": "(", "]": "[", "}": "{"}
    i = 0
    while i < len(text):
        skipped = _SKIP.match(text, i)
        if skipped:
            i = skipped.end()
            continue
        c = text[i]
        if c in "([{":
            bracket = _Bracket(i, c, stack[-1] if stack else None)
            stack.append(bracket)
            found.append(bracket)
        elif c in pairs:
            assert stack, f"unbalanced {c!r} at {i}"
            assert stack[-1].char == pairs[c], f"unbalanced {c!r} at {i}"
            stack.pop().close = i
        i += 1
    assert not stack, "unbalanced brackets"
    return found


def _is_map_literal(text: str, bracket: _Bracket) -> bool:
    """A ``{`` that opens a map literal: not a subquery body, nor a map projection or a
    pattern's properties (which follow a name)."""
    before = text[: bracket.open + 1]
    if _BODY.search(before):
        return False
    word = re.search(r"(\w+|[`)])\s*\{$", before)
    return word is None or word[1].upper() in _KEYWORDS_BEFORE_MAP


def hoist_map_subqueries(text: str) -> str:
    """``text`` with each subquery expression that stands inside a map literal moved beside
    it: ``{a: x, b: EXISTS {…}}`` becomes ``[{a: x, b: true}, EXISTS {…}]`` (the subquery in
    the same scope, outside the map). Unchanged if there is none."""
    while True:
        for sub in _brackets(text):
            if sub.char != "{" or not (keyword := _SUBQUERY.search(text[: sub.open + 1])):
                continue
            outer = sub.parent
            while outer is not None and outer.char != "{":
                outer = outer.parent
            if outer is None or not _is_map_literal(text, outer):
                continue
            start = keyword.start()
            text = (
                f"{text[: outer.open]}[{text[outer.open : start]}true"
                f"{text[sub.close + 1 : outer.close + 1]}, {text[start : sub.close + 1]}]"
                f"{text[outer.close + 1 :]}"
            )
            break
        else:
            return text


# -- running the linter ------------------------------------------------------------------------


def lint(statements: list[Statement]) -> tuple[dict[str, str], dict[str, list[dict[str, Any]]]]:
    """Lint ``statements`` in one run of the linter: (its name and version, the diagnostics
    of each statement by id)."""
    node = shutil.which("node")
    assert node, "Node.js is needed to run the Cypher linter (see README: make test)"
    assert (LINT_DIR / "node_modules" / PACKAGE).is_dir(), (
        "the Cypher linter is not installed: run make install-cypher-lint"
    )
    request = {
        "schema": lint_schema(),
        "statements": [
            {"id": s.id, "cypher": s.cypher, "parameters": list(s.parameters)} for s in statements
        ],
    }
    done = subprocess.run(
        [node, str(LINT_DIR / "lint.mjs")],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    return answer["linter"], {r["id"]: r["diagnostics"] for r in answer["results"]}


STATEMENTS = project_statements()


@pytest.fixture(scope="module")
def linted() -> dict[str, list[dict[str, Any]]]:
    """The diagnostics of every project statement, from one run of the linter."""
    return lint(STATEMENTS)[1]


# -- tests -------------------------------------------------------------------------------------


@pytest.mark.parametrize("statement", STATEMENTS, ids=[s.id for s in STATEMENTS])
def test_cypher_lints_clean(statement: Statement, linted: dict[str, list[dict[str, Any]]]) -> None:
    diagnostics = linted[statement.id]
    assert diagnostics == [], "\n".join(
        [
            *(f"{d['severity']} at {d['line']}:{d['column']}: {d['message']}" for d in diagnostics),
            "in:",
            statement.cypher,
        ]
    )


def _messages(diagnostics: list[dict[str, Any]], severity: str) -> list[str]:
    return [d["message"] for d in diagnostics if d["severity"] == severity]


def test_control_statements_prove_the_linter_fires() -> None:
    """The linter, given this schema, reports what it is trusted to report; and its blind
    spot is real and the rewrite lifts it."""
    blind = "MATCH (n:PartyOrg) RETURN {up: EXISTS { MATCH (n)-[:AFFILIATED_TO]->() }} AS m, oops"
    controls = [
        Statement(
            "deprecated CALL",
            "MATCH (n:Node) CALL { WITH n RETURN n.id AS x } RETURN x",
        ),
        Statement("unknown label", "MATCH (n:PartyOrganisation) RETURN n.id"),
        Statement("unknown type", "MATCH (n:Node)-[:AFFILIATED]->(m:Node) RETURN m.id"),
        Statement("unknown property", "MATCH (n:Enterprise) RETURN n.equity"),
        Statement("impossible pattern", "MATCH (a:Area)-[:AFFILIATED_TO]->(b:Node) RETURN b.id"),
        Statement("undeclared parameter", "MATCH (n:Node {id: $id}) RETURN n.name", ("as_of",)),
        Statement("syntax", "MATCH (n:Node RETURN n"),
        Statement("undefined variable", "MATCH (n:Node) RETURN m"),
        Statement("blind spot", blind),
        Statement("blind spot rewritten", hoist_map_subqueries(blind)),
        Statement("clean", "MATCH (n:Node {id: $id}) RETURN n.name", ("id",)),
    ]
    linter, found = lint(controls)
    lock = json.loads((LINT_DIR / "package-lock.json").read_text(encoding="utf-8"))
    assert linter == {
        "name": PACKAGE,
        "version": lock["packages"][f"node_modules/{PACKAGE}"]["version"],
    }
    assert _messages(found["deprecated CALL"], "warning") == [
        "CALL subquery without a variable scope clause is deprecated. Use CALL (n) { ... }"
    ]
    assert any("PartyOrganisation" in m for m in _messages(found["unknown label"], "warning"))
    assert any("AFFILIATED " in m for m in _messages(found["unknown type"], "warning"))
    assert any("equity" in m for m in _messages(found["unknown property"], "warning"))
    assert any(
        "has no outgoing" in m or "has no incoming" in m
        for m in _messages(found["impossible pattern"], "warning")
    )
    assert _messages(found["undeclared parameter"], "error") == ["Parameter $id is not defined."]
    assert _messages(found["syntax"], "error")
    assert _messages(found["undefined variable"], "error") == ["Variable `m` not defined"]
    # the blind spot: the undefined variable goes unreported inside and outside the map …
    assert found["blind spot"] == []
    # … until the subquery stands beside the map, in the same scope
    assert hoist_map_subqueries(blind) == (
        "MATCH (n:PartyOrg) RETURN [{up: true}, EXISTS { MATCH (n)-[:AFFILIATED_TO]->() }]"
        " AS m, oops"
    )
    assert _messages(found["blind spot rewritten"], "error") == ["Variable `oops` not defined"]
    assert found["clean"] == []


def test_hoisting_leaves_other_subqueries_alone() -> None:
    untouched = [
        "MATCH (n:Node) WHERE EXISTS { MATCH (n)-->() } RETURN n",
        "MATCH (n:Node) RETURN n {.id, up: EXISTS { MATCH (n)-->() }}",
        "MATCH (n:Node) CALL (n) { RETURN {id: n.id} AS m } RETURN m",
        "RETURN '{a: EXISTS { }}' AS text",
    ]
    for text in untouched:
        assert hoist_map_subqueries(text) == text
    nested = "RETURN {a: 1, b: {c: COUNT { MATCH (x) }, d: 2}} AS m"
    # moved out of the inner map, then (still inside the outer one) out of that too
    assert hoist_map_subqueries(nested) == (
        "RETURN [{a: 1, b: [{c: true, d: 2}, true]}, COUNT { MATCH (x) }] AS m"
    )


def test_every_source_of_cypher_is_covered() -> None:
    """The collection finds what it is meant to: each named query, each store statement
    constant, each constraint, one cookbook block per query, the notebooks' own texts, and
    the one statement with a subquery in a map (so the blind spot's rewrite is exercised)."""
    ids = [s.id for s in STATEMENTS]
    assert {f"query {name}" for name in QUERIES} <= set(ids)
    assert {f"cookbook {name} block 0" for name in QUERIES} <= set(ids)
    assert sum(i.startswith("schema constraint") for i in ids) == len(
        [*constraint_statements(), *history_statements()]
    )
    # every module-level text of the store made with _q(…) (directly or by a helper)
    tree = ast.parse(Path(neo4j_store.__file__).read_text(encoding="utf-8"))
    makers = [
        "_q",
        *(f.name for f in tree.body if isinstance(f, ast.FunctionDef) and "_q(" in ast.unparse(f)),
    ]
    made = [
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(f"{maker}(" in ast.unparse(node.value) for maker in makers)
        for target in node.targets
        if isinstance(target, ast.Name)
    ]
    assert len(made) >= 15
    assert all(any(i.startswith(f"store {name}") for i in ids) for name in made), made
    notebooks = [s for s in STATEMENTS if s.id.startswith("notebook ")]
    assert {s.id.split()[1] for s in notebooks} >= {
        "cypher_to_networkx.ipynb",
        "reporting_lines_and_parents_in_law.ipynb",
    }
    rewritten = [s for s in STATEMENTS if s.original is not None]
    assert {s.id for s in rewritten} >= {
        "query mismatches (map subqueries moved out)",
        "cookbook mismatches block 0 (map subqueries moved out)",
    }
    assert all("EXISTS {" in s.original and "EXISTS {" in s.cypher for s in rewritten if s.original)
