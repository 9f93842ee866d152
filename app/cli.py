"""The ``affgraph`` command: load data, serve the API, print the schema.

Every command takes ``--store`` (or ``AFFGRAPH_STORE``): a file path for the embedded store,
the default ``./affgraph.db``, or a ``bolt://`` / ``neo4j://`` URL for Neo4j.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from app.main import create_app, open_configured_store
from app.settings import Settings
from graph_schema.models import json_schema
from loaders.errors import LoadFailedError
from loaders.load import load_paths
from stores.base import StoreError, WriteSummary

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


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the canonical records."""
    typer.echo(json.dumps(json_schema(), ensure_ascii=False, indent=2))


def main() -> None:
    """Entry point of the ``affgraph`` console script."""
    cli()
