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
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from app.formats import columns_of, rows_of, to_csv
from app.main import create_app, open_configured_store
from app.settings import Settings
from graph_schema.models import json_schema
from loaders.errors import LoadFailedError
from loaders.load import load_paths
from queries.base import QueryError
from queries.catalog import QUERIES, describe
from stores.base import GraphStore, StoreError, WriteSummary

__all__ = ["cli", "main"]

cli = typer.Typer(name="affgraph", no_args_is_help=True, add_completion=False,
                  help="A graph database of Party–enterprise affiliation structures.")
out = Console()
err = Console(stderr=True)

StoreOption = Annotated[str | None, typer.Option(
    "--store", help="File path (embedded store) or bolt:// / neo4j:// URL. "
    "Default: $AFFGRAPH_STORE or ./affgraph.db.", show_default=False)]


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
) -> None:
    """Load canonical JSON Lines / CSV files (and folders of them) into the store.

    All or nothing: every error in the input is reported as file:line: field: value —
    expected …, and then nothing is written.
    """
    settings = _settings(store)
    try:
        graph = open_configured_store(settings)
    except StoreError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    try:
        with Progress(SpinnerColumn(), TextColumn("reading and checking"),
                      TextColumn("{task.completed:,} records"), TimeElapsedColumn(),
                      console=err, transient=True) as progress:
            task = progress.add_task("load")
            summary = load_paths(graph, paths, lambda n: progress.advance(task, n))
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
    out.print(_summary_table(summary))
    if not summary.changed:
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
    as_of: Annotated[str | None, typer.Option("--as-of", help="Day to ask for, YYYY-MM-DD "
                                              "(default today).")] = None,
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
    graph = _open_or_exit(_settings(store))
    try:
        answer = found.run(graph, params)
    except QueryError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
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


def main() -> None:
    """Entry point of the ``affgraph`` console script."""
    cli()
