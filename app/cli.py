"""The ``affgraph`` command: load data, serve the API, print the schema.

Every command takes ``--store`` (or ``AFFGRAPH_STORE``): a file path for the embedded store,
the default ``./affgraph.db``, or a ``bolt://`` / ``neo4j://`` URL for Neo4j.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table

from app.formats import columns_of, rows_of, to_csv
from app.main import create_app, open_configured_store
from app.progress import LoadDisplay
from app.settings import Settings
from graph_schema.models import json_schema
from loaders.errors import LoadFailedError
from loaders.load import load_paths
from loaders.registry import LAYOUTS
from queries.base import QueryError
from queries.catalog import QUERIES, describe
from stores.base import GraphStore, StoreError, WriteSummary

__all__ = ["cli", "main"]

cli = typer.Typer(
    name="affgraph",
    no_args_is_help=True,
    add_completion=False,
    help="A graph database of Party–enterprise affiliation structures.",
)
out = Console()
err = Console(stderr=True)

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="File path (embedded store) or bolt:// / neo4j:// URL. "
        "Default: $AFFGRAPH_STORE or ./affgraph.db.",
        show_default=False,
    ),
]


def _settings(store: str | None) -> Settings:
    settings = Settings()
    return settings.model_copy(update={"store": store}) if store else settings


def _open_or_exit(settings: Settings) -> GraphStore:
    try:
        return open_configured_store(settings)
    except StoreError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


def _summary_table(summary: WriteSummary) -> Table:
    table = Table("records", "created", "updated", "unchanged", title="Loaded")
    for kind in ("source", "node", "edge", "transfer"):
        counts = summary.counts.get(kind)
        if counts:
            table.add_row(kind, *(str(counts[s]) for s in ("created", "updated", "unchanged")))
    return table


@cli.command()
def load(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to load.")],
    store: StoreOption = None,
    as_table: Annotated[
        str | None,
        typer.Option(
            "--as",
            metavar="TABLE",
            help="Read every CSV file as this source table: " + ", ".join(LAYOUTS) + " (see "
            "docs/loaders.md). Default: canonical CSVs by file name, other CSVs by their header.",
            show_default=False,
        ),
    ] = None,
    allow_unresolved: Annotated[
        bool,
        typer.Option(
            "--allow-unresolved",
            help="Make placeholder nodes, marked unresolved, for references to unknown ids (and "
            "list them) instead of reporting the references as errors.",
        ),
    ] = False,
) -> None:
    """Load canonical files and source tables (and folders of them) into the store.

    JSON Lines and canonical CSV (nodes*/edges*/transfers*/sources*.csv) are read as they
    are; other CSV files are source tables (county, park, street, sasac, transfers,
    supervision), chosen with --as or recognised by their header. All or nothing: every error
    in the input is reported as file:line: field: value — expected …, and then nothing is
    written.
    """
    if as_table is not None and as_table not in LAYOUTS:
        err.print(
            f"[red]error:[/red] --as {as_table}: expected one of {', '.join(LAYOUTS)}",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1)
    settings = _settings(store)
    try:
        graph = open_configured_store(settings)
    except StoreError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    try:
        with LoadDisplay(err) as display:
            result = load_paths(
                graph, paths, display.hooks, as_table=as_table, allow_unresolved=allow_unresolved
            )
    except LoadFailedError as exc:
        for error in exc.errors:
            err.print(str(error), markup=False, highlight=False, soft_wrap=True)
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    except StoreError as exc:
        err.print(f"[red]error:[/red] {exc}; nothing was loaded")
        raise typer.Exit(1) from exc
    finally:
        graph.close()
    out.print(_summary_table(result))
    if result.placeholders:
        out.print(
            f"{len(result.placeholders)} placeholder(s) made for unknown ids, marked unresolved:",
            highlight=False,
        )
        for placeholder in result.placeholders:
            out.print(f"  {placeholder}", markup=False, highlight=False, soft_wrap=True)
    if not result.changed:
        out.print("Nothing changed: the store already held these records.")


@cli.command()
def serve(
    store: StoreOption = None,
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default 8000).")] = None,
) -> None:
    """Serve the HTTP API (and the web UI) with uvicorn."""
    import uvicorn

    settings = _settings(store)
    updates = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    settings = settings.model_copy(update=updates)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port)


def _query_values(args: list[str]) -> dict[str, str]:
    """``--name value`` / ``--name=value`` pairs after the query name (dashes become _)."""
    values: dict[str, str] = {}
    rest = iter(args)
    for arg in rest:
        if not arg.startswith("--"):
            raise typer.BadParameter(f"expected --name value, got {arg!r}")
        name, sep, value = arg[2:].partition("=")
        if not sep:
            value = next(rest, "")
        values[name.replace("-", "_")] = value
    return values


def _print_answer(answer: BaseModel, output: str) -> None:
    if output == "json":
        typer.echo(answer.model_dump_json(indent=2))
    elif output == "csv":
        typer.echo(to_csv(rows_of(answer)), nl=False)
    else:
        rows = rows_of(answer)
        columns = columns_of(rows) or ["(no rows)"]
        table = Table()
        for column in columns:
            table.add_column(column, no_wrap=True, overflow="ellipsis", max_width=32)
        for row in rows:
            table.add_row(*("" if row.get(c) is None else str(row[c]) for c in columns))
        out.print(table)
        total = getattr(answer, "total", None)
        if total is not None:
            out.print(f"{total} in all")


@cli.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def query(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A named query; `affgraph queries` lists them.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Day to ask for, YYYY-MM-DD (default today).")
    ] = None,
    output: Annotated[str, typer.Option("--format", help="json, csv or table.")] = "table",
    store: StoreOption = None,
) -> None:
    """Run a named query: affgraph query NAME [--param value ...] [--as-of D] [--format F].

    Example: affgraph query orphans --reason affiliation_ended --as-of 2023-01-01
    """
    found = QUERIES.get(name)
    if found is None:
        err.print(f"[red]error:[/red] no query {name!r}; known: {', '.join(sorted(QUERIES))}")
        raise typer.Exit(2)
    if output not in ("json", "csv", "table"):
        err.print(f"[red]error:[/red] --format: {output!r} — expected json, csv or table")
        raise typer.Exit(2)
    values: dict[str, Any] = _query_values(ctx.args)
    if as_of is not None:
        values["as_of"] = as_of
    try:
        params = found.params.model_validate(values)
    except ValidationError as exc:
        for problem in exc.errors():
            field = ".".join(str(p) for p in problem["loc"]) or "parameters"
            err.print(f"--{field}: {problem.get('input')!r} — {problem['msg']}", markup=False)
        raise typer.Exit(2) from exc
    settings = _settings(store)
    graph = _open_or_exit(settings)
    try:
        answer = found.run(graph, params, timeout=settings.query_timeout_s)
    except QueryError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    except StoreError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    finally:
        graph.close()
    _print_answer(answer, output)


@cli.command()
def queries() -> None:
    """List the named queries and their parameters."""
    table = Table("query", "parameters", "what it answers")
    for entry in map(describe, QUERIES.values()):
        params = ", ".join(p["name"] for p in entry["parameters"])
        table.add_row(entry["name"], params, entry["description"])
    out.print(table)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the canonical records."""
    typer.echo(json.dumps(json_schema(), ensure_ascii=False, indent=2))


@cli.command()
def generate(
    folder: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Folder for sources.csv, nodes.csv, edges.csv and transfers.csv "
            "(created if missing; the files are overwritten).",
            file_okay=False,
        ),
    ],
    nodes: Annotated[int, typer.Option(help="About how many nodes (at least 1000).")] = 10_000,
    seed: Annotated[int, typer.Option(help="The same seed gives byte-identical files.")] = 1,
    province: Annotated[
        int | None,
        typer.Option(
            help="A province code (10–99): ids and the source get the prefix p<code>- and "
            "division codes start with it, so provinces generated apart load into one store."
        ),
    ] = None,
) -> None:
    """Write a realistic synthetic province in the canonical CSV format.

    Load it with ``affgraph load DIR``. The same seed gives byte-identical files.
    """
    from generator import MIN_NODES, PROVINCE_CODES, generate_province

    if nodes < MIN_NODES:
        err.print(f"[red]error:[/red] --nodes must be at least {MIN_NODES}, got {nodes}")
        raise typer.Exit(2)
    if province is not None and province not in PROVINCE_CODES:
        err.print(
            f"[red]error:[/red] --province must be from {PROVINCE_CODES.start} to "
            f"{PROVINCE_CODES.stop - 1}, got {province}"
        )
        raise typer.Exit(2)
    try:
        summary = generate_province(folder, nodes, seed, province)
    except OSError as exc:
        err.print(f"[red]error:[/red] cannot write {folder}: {exc}")
        raise typer.Exit(1) from exc
    table = Table("file", "rows", "by label / type / status", title=f"Generated (seed {seed})")
    groups = (
        ("node", summary.by_label()),
        ("edge", summary.by_type()),
        ("transfer", summary.transfers),
        ("source", {"source": summary.sources}),
    )
    for kind, counts in groups:
        detail = ", ".join(f"{name} {n:,}" for name, n in sorted(counts.items()))
        table.add_row(summary.files[kind].name, f"{summary.rows[kind]:,}", detail)
    out.print(table)
    cases = Table("phenomenon", "count", title="What is in it")
    for name, n in summary.phenomena.items():
        cases.add_row(name, f"{n:,}")
    out.print(cases)
    total = sum(summary.rows.values())
    out.print(f"Wrote {total:,} rows to {folder} in {summary.seconds:.1f} s.")


@cli.command("export")
def export_command(
    out_path: Annotated[
        Path,
        typer.Argument(
            metavar="OUT", help="File to write (graphml, json) or folder (csv, neo4j-admin)."
        ),
    ],
    fmt: Annotated[
        str, typer.Option("--format", help="graphml, json, csv or neo4j-admin.", show_default=False)
    ],
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Keep only nodes and edges valid on this day, YYYY-MM-DD (edges "
            "need both ends valid).",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Write even if OUT exists (files of the export are replaced)."
        ),
    ] = False,
    store: StoreOption = None,
) -> None:
    """Export the graph: GraphML (Gephi, networkx), JSON, canonical CSV or neo4j-admin CSV.

    Examples: affgraph export --format graphml graph.graphml;
    affgraph export --format csv --as-of 2022-01-01 out/ (affgraph load out/ reads it back).
    """
    from pydantic import TypeAdapter

    from exports import FORMATS, export
    from graph_schema.models import IsoDate

    info = FORMATS.get(fmt)
    if info is None:
        err.print(f"[red]error:[/red] --format: {fmt!r} — expected one of {', '.join(FORMATS)}")
        raise typer.Exit(2)
    day = None
    if as_of is not None:
        try:
            day = TypeAdapter(IsoDate).validate_python(as_of)
        except ValidationError as exc:
            err.print(f"--as-of: {as_of!r} — expected a date YYYY-MM-DD", markup=False)
            raise typer.Exit(2) from exc
    exists = out_path.exists() and (not out_path.is_dir() or any(out_path.iterdir()))
    if exists and not force:
        err.print(
            f"[red]error:[/red] {out_path} exists"
            f"{' and is not empty' if out_path.is_dir() else ''}; use --force to write "
            "into it anyway"
        )
        raise typer.Exit(2)
    if out_path.exists() and info.folder != out_path.is_dir():
        what = "a folder" if info.folder else "a file"
        err.print(f"[red]error:[/red] {out_path}: --format {fmt} writes {what}")
        raise typer.Exit(2)
    graph = _open_or_exit(_settings(store))
    try:
        result = export(graph, fmt, out_path, as_of=day)
    except StoreError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    finally:
        graph.close()
    table = Table("records", "exported")
    for kind, count in result.counts.items():
        if kind in ("node", "edge") or count:
            table.add_row(kind, str(count))
    out.print(f"Exported {fmt}{' as of ' + day.isoformat() if day else ''} to {out_path}")
    out.print(table)
    if fmt == "neo4j-admin":
        out.print(f"Import with: {out_path / 'import.sh'} (see {out_path / 'README.md'})")


def main() -> None:
    """Entry point of the ``affgraph`` console script."""
    cli()
