"""Export for ``neo4j-admin database import full``: header and data CSV files per label and
relationship type, and the command that imports them (``import.sh``, ``README.md``).

The layout follows the Neo4j Operations Manual, "Import header format"
(https://neo4j.com/docs/operations-manual/current/import/header-format/):

* one header file and one data file per node label, e.g. ``node-PartyOrg.header.csv`` with
  ``id:ID(Node),kind,name,…,valid_from:date,…,members:int,_hash,:LABEL``. Graph nodes share
  the ``Node`` ID space; the ``:LABEL`` column holds ``Node|PartyOrg`` — several labels are
  separated by the array delimiter, ``|`` here (``--array-delimiter="|"``);
* one pair per relationship type, ``:START_ID(Node),:END_ID(Node),:TYPE,key,kind,…``;
* ``:Source`` and ``:Transfer`` nodes in ID spaces of their own (``id:ID(Source)``,
  ``id:ID(Transfer)``);
* typed properties: ``int``, ``double``, ``boolean``, ``date`` and ``string[]`` (aliases);
  an untyped column is a string; an empty cell sets no property.

The properties are exactly those the Neo4j store writes (:mod:`graph_schema.properties`),
change hash ``_hash`` included, so a database imported this way is the same as one loaded
with ``affgraph load``, and loading the same records again reports them unchanged. The file
names do not start with ``nodes``/``edges``/``sources``/``transfers``, so ``affgraph load``
never mistakes them for canonical CSV.
"""

from __future__ import annotations

import csv
import shlex
from collections.abc import Callable, Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from exports.snapshot import Snapshot
from exports.values import LIST_SEPARATOR, cell, unique_props
from graph_schema.cypher import NODE_LABEL, SOURCE_LABEL, TRANSFER_LABEL
from graph_schema.declaration import (
    EDGE_COMMON,
    NODE_COMMON,
    NODE_LABELS,
    REL_TYPES,
    SOURCE_FIELDS,
    TRANSFER_FIELDS,
    Prop,
    PropType,
)
from graph_schema.properties import (
    HASH_PROPERTY,
    edge_properties,
    node_properties,
    record_properties,
)
from graph_schema.records import Edge, Node, Source, Transfer

__all__ = [
    "ARRAY_DELIMITER",
    "HASH_PROPERTY",
    "HEADER_TYPES",
    "Table",
    "import_command",
    "node_table",
    "relationship_table",
    "source_table",
    "transfer_table",
    "write_neo4j_admin",
]

ARRAY_DELIMITER = LIST_SEPARATOR
DOCS_URL = "https://neo4j.com/docs/operations-manual/current/import/header-format/"

#: Header type of each declared property type (an untyped column is a string).
HEADER_TYPES: Mapping[PropType, str] = {
    "str": "",
    "int": "int",
    "float": "double",
    "date": "date",
    "bool": "boolean",
    "str_list": "string[]",
    "evidence": "",  # JSON text, as the Neo4j store keeps it
}


@dataclass(frozen=True)
class Column:
    """One column: its header field and the property it comes from (None: special)."""

    field: str
    prop: str | None = None


@dataclass(frozen=True)
class Table:
    """One header file and one data file."""

    stem: str
    kind: str  # "nodes" or "relationships"
    columns: tuple[Column, ...]

    @property
    def header_name(self) -> str:
        return f"{self.stem}.header.csv"

    @property
    def data_name(self) -> str:
        return f"{self.stem}.csv"

    def header(self) -> list[str]:
        return [c.field for c in self.columns]


def _prop_column(prop: Prop) -> Column:
    kind = HEADER_TYPES[prop.type]
    return Column(f"{prop.name}:{kind}" if kind else prop.name, prop.name)


def _prop_columns(props: Iterable[Prop], leave_out: Iterable[str]) -> tuple[Column, ...]:
    skip = set(leave_out)
    return (
        *(_prop_column(p) for p in unique_props(props) if p.name not in skip),
        Column(HASH_PROPERTY, HASH_PROPERTY),
    )


def node_table(label: str) -> Table:
    """The table of the graph nodes of one label."""
    props = (*NODE_COMMON, *NODE_LABELS[label].props)
    return Table(
        f"node-{label}",
        "nodes",
        (
            Column(f"id:ID({NODE_LABEL})", "id"),
            *_prop_columns(props, ("id", "label")),
            Column(":LABEL"),
        ),
    )


def relationship_table(rel_type: str) -> Table:
    """The table of the relationships of one type."""
    rel = REL_TYPES[rel_type]
    leave_out = ["type", "from", "to"] + ([] if rel.has_kinds else ["kind"])
    return Table(
        f"rel-{rel_type}",
        "relationships",
        (
            Column(f":START_ID({NODE_LABEL})"),
            Column(f":END_ID({NODE_LABEL})"),
            Column(":TYPE"),
            Column("key", "key"),
            *_prop_columns((*EDGE_COMMON, *rel.props), leave_out),
        ),
    )


def source_table() -> Table:
    """The table of the ``:Source`` nodes, in their own ID space."""
    return Table(
        "source",
        "nodes",
        (
            Column(f"id:ID({SOURCE_LABEL})", "id"),
            *_prop_columns(SOURCE_FIELDS, ("id",)),
            Column(":LABEL"),
        ),
    )


def transfer_table() -> Table:
    """The table of the ``:Transfer`` nodes, in their own ID space."""
    return Table(
        "transfer",
        "nodes",
        (
            Column(f"id:ID({TRANSFER_LABEL})", "id"),
            *_prop_columns(TRANSFER_FIELDS, ("id",)),
            Column(":LABEL"),
        ),
    )


class _Writer:
    """Open data files, one per table, written as the records stream past."""

    def __init__(self, folder: Path, stack: ExitStack) -> None:
        self.folder = folder
        self.stack = stack
        self.writers: dict[str, tuple[Table, Any]] = {}
        self.multiline = False

    def row(self, table: Table, special: Mapping[str, str], props: Mapping[str, Any]) -> None:
        if table.stem not in self.writers:
            handle: IO[str] = self.stack.enter_context(
                (self.folder / table.data_name).open("w", encoding="utf-8", newline="")
            )
            self.writers[table.stem] = (table, csv.writer(handle, lineterminator="\n"))
        known = {c.prop for c in table.columns if c.prop}
        unknown = set(props) - known
        if unknown:
            raise ValueError(f"{table.stem}: properties without a column: {sorted(unknown)}")
        values = [
            special[c.field] if c.prop is None else cell(props.get(c.prop)) for c in table.columns
        ]
        self.multiline = self.multiline or any("\n" in v or "\r" in v for v in values)
        self.writers[table.stem][1].writerow(values)

    def tables(self) -> list[Table]:
        return [table for table, _ in self.writers.values()]


def _stream(writer: _Writer, snapshot: Snapshot) -> None:
    nodes = {label: node_table(label) for label in NODE_LABELS}
    rels = {rel: relationship_table(rel) for rel in REL_TYPES}
    node: Node
    for node in snapshot.nodes():
        label = f"{NODE_LABEL}{ARRAY_DELIMITER}{node.label}"
        writer.row(nodes[node.label], {":LABEL": label}, node_properties(node))
    edge: Edge
    for edge in snapshot.edges():
        ends = {
            f":START_ID({NODE_LABEL})": edge.src,
            f":END_ID({NODE_LABEL})": edge.dst,
            ":TYPE": edge.type,
        }
        writer.row(rels[edge.type], ends, edge_properties(edge))
    transfers, sources = transfer_table(), source_table()
    record: Transfer | Source
    for record in snapshot.transfers():
        writer.row(transfers, {":LABEL": TRANSFER_LABEL}, record_properties(record))
    for record in snapshot.sources():
        writer.row(sources, {":LABEL": SOURCE_LABEL}, record_properties(record))


def import_command(
    tables: Iterable[Table],
    *,
    multiline: bool = False,
    database: str = "neo4j",
    quote: Callable[[str], str] = shlex.quote,
) -> list[str]:
    """The ``neo4j-admin database import full`` command line for these tables."""
    args = [
        "neo4j-admin",
        "database",
        "import",
        "full",
        f"--array-delimiter={ARRAY_DELIMITER}",
        "--id-type=string",
    ]
    if multiline:
        args.append("--multiline-fields=true")
    ordered = sorted(tables, key=lambda t: (t.kind != "nodes", t.stem))
    args.extend(f"--{t.kind}={t.header_name},{t.data_name}" for t in ordered)
    args.append(database)
    return [quote(a) for a in args]


_SCRIPT = """#!/bin/sh
# Import this folder into an EMPTY Neo4j 5 database with neo4j-admin, the database stopped.
# Written by `affgraph export --format neo4j-admin`; see README.md next to this file.
#   ./import.sh [neo4j-admin options, e.g. --overwrite-destination=true]
# Environment: NEO4J_ADMIN (default: neo4j-admin on PATH), DATABASE (default: neo4j).
set -eu
cd "$(dirname "$0")"
exec "${{NEO4J_ADMIN:-neo4j-admin}}" database import full \\
  {args} \\
  "$@" "${{DATABASE:-neo4j}}"
"""

_README = """# affgraph export for `neo4j-admin database import full`

{what}

Import it into an empty (or new) Neo4j 5 database, with the database stopped:

```sh
{command}
```

`import.sh` in this folder runs exactly that from here (`DATABASE=name ./import.sh
--overwrite-destination=true` to replace an existing database). With the docker-compose
deployment of affgraph, from the folder that holds this one:

```sh
docker compose stop neo4j
docker compose run --rm --no-deps -v "$PWD/{folder}:/affgraph-import:ro" neo4j \\
  sh /affgraph-import/import.sh --overwrite-destination=true
docker compose start neo4j
```

affgraph creates its constraints and indexes the first time it opens the database (for
example `affgraph serve --store neo4j://…`).

## Files

Header syntax: {docs}. Graph nodes are in the `Node` ID space, with two labels in the
`:LABEL` column (`Node|PartyOrg`, separated by the array delimiter `|`); relationships refer
to them by `:START_ID(Node)` / `:END_ID(Node)`; `:Source` and `:Transfer` nodes have ID
spaces of their own. Dates are `date`, lists `string[]` (delimiter `|`), and `_hash` is
affgraph's change hash.

| header | data | rows |
|---|---|---|
{rows}
"""


def write_neo4j_admin(snapshot: Snapshot, folder: Path) -> list[Path]:
    """Write header and data files, ``import.sh`` and ``README.md`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        writer = _Writer(folder, stack)
        _stream(writer, snapshot)
    tables = sorted(writer.tables(), key=lambda t: (t.kind != "nodes", t.stem))
    paths: list[Path] = []
    for table in tables:
        header = folder / table.header_name
        with header.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerow(table.header())
        paths.extend((header, folder / table.data_name))
    command = import_command(tables, multiline=writer.multiline)
    args = " \\\n  ".join(command[4:-1])
    script = folder / "import.sh"
    script.write_text(_SCRIPT.format(args=args), encoding="utf-8")
    script.chmod(0o755)
    as_of = f" as of {snapshot.as_of.isoformat()}" if snapshot.as_of else ""
    what = (
        f"{snapshot.counts['node']} nodes, {snapshot.counts['edge']} relationships, "
        f"{snapshot.counts['transfer']} transfers and {snapshot.counts['source']} "
        f"sources{as_of}."
    )
    rows = "\n".join(
        f"| `{t.header_name}` | `{t.data_name}` | {_rows(folder / t.data_name)} |" for t in tables
    )
    readme = folder / "README.md"
    readme.write_text(
        _README.format(
            what=what, command=_shell_lines(command), folder=folder.name, docs=DOCS_URL, rows=rows
        ),
        encoding="utf-8",
    )
    return [*paths, script, readme]


def _shell_lines(command: list[str]) -> str:
    """The command as a shell text, one option per line."""
    return " \\\n  ".join([" ".join(command[:4]), *command[4:]])


def _rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.reader(handle))
