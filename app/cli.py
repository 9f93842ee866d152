"""The ``affgraph`` command: load data, serve the API, print the schema.

Every command takes ``--store`` (or ``AFFGRAPH_STORE``): a file path for the embedded store,
the default ``./affgraph.db``, or a ``bolt://`` / ``neo4j://`` URL for Neo4j.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text

from app.formats import fit_columns, header_of, rows_of, to_csv, to_xlsx
from app.main import create_app, open_configured_store
from app.progress import LoadDisplay
from app.report import REPORT_SUFFIXES, write_report
from app.settings import Settings
from exports import FORMATS
from graph_schema.dates import parse_loose_date
from graph_schema.models import json_schema
from history.recorded import recorded_store
from history.refs import resolve_load
from loaders.errors import LoadError, LoadFailedError, Notice
from loaders.load import LoadResult, load_paths
from loaders.registry import LAYOUTS
from queries.base import QueryError
from queries.catalog import QUERIES, describe
from stores.base import GraphStore, StoreError, WriteSummary
from stores.history import UnknownLoadError

__all__ = ["cli", "main"]

cli = typer.Typer(
    name="affgraph",
    no_args_is_help=True,
    add_completion=False,
    help="A graph database of Party–enterprise affiliation structures.",
)
out = Console()
err = Console(stderr=True)

AsRecordedOption = Annotated[
    str | None,
    typer.Option(
        "--as-recorded",
        metavar="REF",
        help="Answer from the graph as it stood right after a load: its number, a tag, or a "
        "time (2026-03-02 = the end of that day, UTC). Default: as it stands now.",
        show_default=False,
    ),
]

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


def as_recorded_store(graph: GraphStore, ref: str | None) -> GraphStore:
    """The store a command answers on: ``graph``, or with ``--as-recorded REF`` the graph as
    it stood right after that load (said on stderr, so piped output stays the answer)."""
    if ref is None:
        return graph
    try:
        number = resolve_load(graph, ref)
    except UnknownLoadError as exc:
        err.print(f"--as-recorded: {exc}", markup=False, highlight=False)
        raise typer.Exit(2) from exc
    past = recorded_store(graph, number)
    err.print(f"as recorded at load {past.state()[1]}", highlight=False)
    return past


#: the statuses a load's counts show, and their marks
_MARKS = (("created", "+"), ("updated", "~"), ("removed", "−"))


def changes_text(counts: Any) -> str:
    """A load's counts in a few characters: "node +3 ~2; edge +5", or "nothing changed"."""
    parts = []
    for kind, by_status in sorted(counts.items()):
        marks = " ".join(f"{m}{by_status[s]}" for s, m in _MARKS if by_status.get(s))
        if marks:
            parts.append(f"{kind} {marks}")
    return "; ".join(parts) or "nothing changed"


def _summary_table(summary: WriteSummary) -> Table:
    table = Table("records", "created", "updated", "unchanged", title="Loaded")
    for kind in ("source", "node", "edge", "transfer"):
        counts = summary.counts.get(kind)
        if counts:
            table.add_row(kind, *(str(counts[s]) for s in ("created", "updated", "unchanged")))
    return table


def _print_notices(notices: list[Notice]) -> None:
    """What the load did that the user should know: files left out, encodings guessed."""
    if notices:
        err.print(f"{len(notices)} notice{'' if len(notices) == 1 else 's'}:", highlight=False)
        for notice in notices:
            err.print(f"  {notice}", markup=False, highlight=False, soft_wrap=True)


def _tables_table(result: LoadResult) -> Table:
    table = Table("file (sheet)", "read as", "rows", title="Read")
    for read in result.tables:
        encoding = "" if read.encoding in (None, "utf-8", "utf-8-sig") else f", {read.encoding}"
        table.add_row(read.name, read.table + encoding, str(read.records))
    return table


def _report(path: Path | None, errors: list[LoadError], notices: list[Notice]) -> None:
    if path is None:
        return
    try:
        rows = write_report(path, errors, notices)
    except OSError as exc:
        err.print(f"[red]error:[/red] cannot write the report {path}: {exc}")
        raise typer.Exit(2) from exc
    err.print(f"Wrote {rows} problem(s) to {path}", markup=False, highlight=False)


@cli.command()
def load(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to load.")],
    store: StoreOption = None,
    as_table: Annotated[
        str | None,
        typer.Option(
            "--as",
            metavar="TABLE",
            help="Read every CSV file and sheet as this source table: "
            + ", ".join(LAYOUTS)
            + " (see docs/loaders.md). Default: canonical tables by their name, others by "
            "their header (or a sheet by its name).",
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
    skip_unknown: Annotated[
        bool,
        typer.Option(
            "--skip-unknown",
            help="Leave out files of a type the load does not read (say, a README in a "
            "folder), listing them, instead of refusing the load.",
        ),
    ] = False,
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding",
            help="The encoding of the CSV files (e.g. gb18030, big5, utf-16). Default: UTF-8, "
            "or GB18030 when the file is not UTF-8 (said), or what a byte order mark says.",
            show_default=False,
        ),
    ] = None,
    check: Annotated[
        bool,
        typer.Option("--check", help="Validate everything against the store; write nothing."),
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="DATE",
            help="The day the source tables speak of (a roster's date): the lines they draw "
            "held then. Default: each table's source date, where the source has one.",
            show_default=False,
        ),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            metavar="FILE",
            help="Also write every problem as a row (file, sheet, line, column, value, "
            "expected) to FILE, .csv or .xlsx, to fix in Excel.",
            show_default=False,
        ),
    ] = None,
    message: Annotated[
        str,
        typer.Option(
            "--message",
            "-m",
            metavar="TEXT",
            help='What this load is, for the load log (affgraph log), e.g. "Feng County '
            'roster 2019, p.1-12".',
        ),
    ] = "",
) -> None:
    """Load canonical files and source tables (and folders of them) into the store.

    JSON Lines, and CSV files or Excel workbooks (.xlsx, each sheet a table): canonical when
    named nodes*, edges*, transfers* or sources* (节点, 关系, 转移, 来源), else source tables
    (county, park, street, sasac, transfers, supervision), chosen with --as, by a sheet's
    name, or recognised by their header, in English or Chinese. All or nothing: every error
    is reported as file:line: column: value — expected …, and then nothing is written.
    """
    if as_table is not None and as_table not in LAYOUTS:
        err.print(
            f"[red]error:[/red] --as {as_table}: expected one of {', '.join(LAYOUTS)}",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1)
    day = None
    if as_of is not None:
        try:
            day = parse_loose_date(as_of)[0]
        except ValueError as exc:
            err.print(f"--as-of: {as_of!r} — {exc}", markup=False)
            raise typer.Exit(2) from exc
    if report is not None and report.suffix.lower() not in REPORT_SUFFIXES:
        err.print(f"[red]error:[/red] --report {report}: expected a .csv or .xlsx file")
        raise typer.Exit(2)
    settings = _settings(store)
    try:
        graph = open_configured_store(settings)
    except StoreError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    try:
        with LoadDisplay(err) as display:
            result = load_paths(
                graph,
                paths,
                display.hooks,
                as_table=as_table,
                allow_unresolved=allow_unresolved,
                skip_unknown=skip_unknown,
                encoding=encoding,
                check_only=check,
                as_of=day,
                message=message,
            )
    except LoadFailedError as exc:
        for error in exc.errors:
            err.print(str(error), markup=False, highlight=False, soft_wrap=True)
        _print_notices(exc.notices)
        _report(report, exc.errors, exc.notices)
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    except StoreError as exc:
        err.print(f"[red]error:[/red] {exc}; nothing was loaded")
        raise typer.Exit(1) from exc
    finally:
        graph.close()
    _print_notices(result.notices)
    _report(report, [], result.notices)
    out.print(_tables_table(result))
    if check:
        out.print(
            f"Checked: {result.checked} valid records, no errors; nothing was written (--check).",
            highlight=False,
        )
        return
    out.print(_summary_table(result))
    _print_possible_duplicates(result)
    if result.placeholders:
        out.print(
            f"{len(result.placeholders)} placeholder(s) made for unknown ids, marked unresolved:",
            highlight=False,
        )
        for placeholder in result.placeholders:
            out.print(f"  {placeholder}", markup=False, highlight=False, soft_wrap=True)
    if not result.changed:
        out.print("Nothing changed: the store already held these records.")
    said = f" — {message}" if message else ""
    out.print(Text(f"load {result.load}: {changes_text(result.counts)}{said}"), highlight=False)


def _print_possible_duplicates(result: LoadResult) -> None:
    """The new nodes that look like ones the store held: said, never merged."""
    found = result.possible_duplicates
    if not found:
        return
    out.print(f"Possible duplicates: {len(found)} — run affgraph dedupe", highlight=False)
    for c in found[:10]:
        out.print(Text(f"  {c.a} / {c.b}: {c.score:.0f} ({c.rule})"))
    if len(found) > 10:
        out.print(f"  … {len(found) - 10} more", highlight=False)


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
def bolt(
    command: Annotated[
        list[str] | None,
        typer.Argument(
            help="A command to run against the server, after --: it gets the connection in "
            "its environment, and the server stops when it exits (its exit code is ours).",
            show_default=False,
        ),
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            help="The embedded store's file to serve. Default: $AFFGRAPH_STORE or ./affgraph.db.",
            show_default=False,
        ),
    ] = None,
    port: Annotated[int, typer.Option(help="Bolt port on 127.0.0.1 (0: any free one).")] = 7687,
    password: Annotated[
        str | None,
        typer.Option(help="The server's password, 8+ characters. Default: a random one, printed."),
    ] = None,
) -> None:
    """Serve a copy of the store's graph on a local Bolt server (ArcadeDB, from the
    arcadedb-embedded wheel) for Cypher notebooks; print the URI, user and password, and
    run until Ctrl-C. A missing store file is refused (nothing is created); an empty store
    is served empty, with a warning. E.g. affgraph bolt -- jupyter execute notebooks/*.ipynb"""
    from app.bolt import run_bolt

    code = run_bolt(
        _settings(store).store,
        port=port,
        password=password,
        command=command or (),
        say=lambda text: typer.echo(text),
        warn=lambda text: typer.echo(text, err=True),
    )
    raise typer.Exit(code)


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


def _print_table(answer: BaseModel) -> None:
    """The answer as a table that fits the terminal: every row, the first column (the id)
    whole, other cells wrapped; columns that cannot fit are left out, and named."""
    rows = rows_of(answer)
    if not rows:
        table = Table("(no rows)")
        out.print(table)
    else:
        fit = fit_columns(rows, header_of(rows, type(answer)), out.width)
        table = Table()
        for i, (column, width) in enumerate(fit.widths.items()):
            table.add_column(column, width=width, overflow="fold", no_wrap=i == 0)
        for row in rows:
            table.add_row(*("" if row.get(c) is None else str(row[c]) for c in fit.widths))
        out.print(table, markup=False, highlight=False)
        if fit.dropped:
            out.print(
                f"Not shown, for want of room in {out.width} columns: {', '.join(fit.dropped)} "
                "(--format csv, json or xlsx has every column)",
                markup=False,
                highlight=False,
            )
    total = getattr(answer, "total", None)
    if total is not None:
        out.print(f"{total} in all")


def _print_answer(answer: BaseModel, output: str, name: str, target: Path | None = None) -> None:
    """Print the answer as ``output`` asks, or write it to ``target`` (xlsx, sheet ``name``)."""
    rows = rows_of(answer)
    if output == "json":
        typer.echo(answer.model_dump_json(indent=2))
    elif output == "csv":
        typer.echo(to_csv(rows, header_of(rows, type(answer))), nl=False)
    elif output == "xlsx" and target is not None:
        to_xlsx(rows, header_of(rows, type(answer)), name, target)
        out.print(f"Wrote {len(rows)} row(s) to {target}", markup=False, highlight=False)
    else:
        _print_table(answer)


@cli.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def query(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A named query; `affgraph queries` lists them.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Day to ask for, YYYY-MM-DD (default today).")
    ] = None,
    as_recorded: AsRecordedOption = None,
    output: Annotated[
        str, typer.Option("--format", help="json, csv, table or xlsx (with --out).")
    ] = "table",
    target: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="FILE",
            help="With --format xlsx: the workbook to write (replaced if it exists).",
            dir_okay=False,
        ),
    ] = None,
    store: StoreOption = None,
) -> None:
    """Run a named query: affgraph query NAME [--param value ...] [--as-of D] [--format F].

    Example: affgraph query orphans --reason affiliation_ended --as-of 2023-01-01
    """
    found = QUERIES.get(name)
    if found is None:
        err.print(f"[red]error:[/red] no query {name!r}; known: {', '.join(sorted(QUERIES))}")
        raise typer.Exit(2)
    if output not in ("json", "csv", "table", "xlsx"):
        err.print(f"[red]error:[/red] --format: {output!r} — expected json, csv, table or xlsx")
        raise typer.Exit(2)
    if (output == "xlsx") != (target is not None):
        err.print("[red]error:[/red] --format xlsx needs --out FILE, and --out needs --format xlsx")
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
        answer = found.run(
            as_recorded_store(graph, as_recorded), params, timeout=settings.query_timeout_s
        )
    except QueryError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    except StoreError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    finally:
        graph.close()
    _print_answer(answer, output, name, target)


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
            metavar="OUT",
            help="File to write ("
            + ", ".join(f for f, i in FORMATS.items() if not i.folder)
            + ") or folder ("
            + ", ".join(f for f, i in FORMATS.items() if i.folder)
            + ").",
        ),
    ],
    fmt: Annotated[
        str, typer.Option("--format", help=", ".join(FORMATS) + ".", show_default=False)
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
    as_recorded: AsRecordedOption = None,
    store: StoreOption = None,
) -> None:
    """Export the graph: GraphML (Gephi, networkx), JSON, canonical CSV or neo4j-admin CSV.

    Examples: affgraph export --format graphml graph.graphml;
    affgraph export --format csv --as-of 2022-01-01 out/ (affgraph load out/ reads it back).
    """
    from pydantic import TypeAdapter

    from exports import export
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
        result = export(as_recorded_store(graph, as_recorded), fmt, out_path, as_of=day)
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


@cli.command("template")
def template_command(
    table: Annotated[
        str,
        typer.Argument(
            metavar="TABLE",
            help="A source table (county, park, street, sasac, transfers, supervision) or a "
            "canonical record kind (nodes, edges, transfer-records, sources).",
            show_default=False,
        ),
    ],
    out_path: Annotated[
        Path,
        typer.Argument(
            metavar="OUT",
            help="File to write: .xlsx or .csv (a canonical CSV file's name must begin with "
            "nodes, edges, transfers or sources, as the load reads it by its name).",
            show_default=False,
        ),
    ],
    lang: Annotated[
        str, typer.Option("--lang", help="Headers and words in Chinese (zh) or English (en).")
    ] = "zh",
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="xlsx or csv. Default: OUT's suffix.",
            show_default=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite OUT if it exists.")] = False,
) -> None:
    """Write an empty table to fill in: its header and a filled example row.

    In xlsx also a drop-down on each column of closed words, and a sheet explaining each column.
    A filled template loads as it is (its example row refers to the public cases, data/cases).
    Examples: affgraph template county 县名册.xlsx; affgraph template park --lang en park.csv.
    """
    from loaders.template import FORMATS as TEMPLATE_FORMATS
    from loaders.template import LANGUAGES, TABLES, target_problem, write_template

    def refuse(message: str) -> NoReturn:
        err.print(f"[red]error:[/red] {message}", highlight=False)
        raise typer.Exit(2)

    if table not in TABLES:
        refuse(f"TABLE: {table!r} — expected one of {', '.join(TABLES)}")
    if lang not in LANGUAGES:
        refuse(f"--lang: {lang!r} — expected one of {', '.join(LANGUAGES)}")
    chosen = fmt if fmt is not None else out_path.suffix.lower().lstrip(".")
    if chosen not in TEMPLATE_FORMATS:
        refuse(
            f"--format: {chosen!r} — expected one of {', '.join(TEMPLATE_FORMATS)} "
            "(or OUT ending in .xlsx or .csv)"
        )
    problem = target_problem(table, out_path, chosen)
    if problem is not None:
        refuse(problem)
    if out_path.exists() and not force:
        refuse(f"{out_path} exists; use --force to overwrite it")
    try:
        write_template(table, out_path, lang=lang, fmt=chosen)
    except OSError as exc:
        err.print(f"[red]error:[/red] cannot write {out_path}: {exc}", highlight=False)
        raise typer.Exit(1) from exc
    what = "header and example row"
    if chosen == "xlsx":
        what += ", drop-downs and the column guide sheet"
    out.print(
        f"Wrote the {table} template ({lang}, {chosen}: {what}) to {out_path}",
        markup=False,
        highlight=False,
    )
    out.print(f"Fill it in, then: affgraph load {out_path}", markup=False, highlight=False)


@cli.command()
def dedupe(
    label: Annotated[
        str | None,
        typer.Option(help="Only nodes of this label: PartyOrg, Enterprise, Body or Area."),
    ] = None,
    min_score: Annotated[
        float, typer.Option("--min-score", help="The least score (0–100) a pair is listed at.")
    ] = 85.0,
    limit: Annotated[int, typer.Option(help="At most this many pairs (best first).")] = 50,
    output: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    judged: Annotated[
        str,
        typer.Option(
            help="no: the pairs no one has judged yet; yes: the judged pairs, with their "
            "judgement; all: both."
        ),
    ] = "no",
    review: Annotated[
        bool,
        typer.Option(
            "--review",
            help="Judge the unjudged pairs one at a time, both nodes side by side: keys "
            "s(ame), d(ifferent), u(nsure), n(ote), q(uit). Each verdict is saved at once; "
            "a judged pair is not asked again, so the next review resumes.",
        ),
    ] = False,
    who: Annotated[
        str | None,
        typer.Option(help="Who judges, in --review. Default: the operating system's user."),
    ] = None,
    store: StoreOption = None,
) -> None:
    """List pairs of nodes that may be one body under two names, with what matched and what
    differed: equal USCCs first, then names alike once normalised (traditional characters,
    full-width brackets, long forms such as 国有资产监督管理委员会), never across organ types
    (党委 / 党总支 …) or legal forms. Nothing is merged: a person judges (--review)."""
    from dedupe.listing import listing

    if output not in ("table", "csv", "json"):
        err.print(f"[red]error:[/red] --format: {output!r} — expected table, csv or json")
        raise typer.Exit(2)
    if judged not in ("no", "yes", "all"):
        err.print(f"[red]error:[/red] --judged: {judged!r} — expected no, yes or all")
        raise typer.Exit(2)
    graph = _open_or_exit(_settings(store))
    try:
        chosen: Any = "no" if review else judged
        found = listing(graph, label=label, min_score=min_score, judged=chosen).items
        if review:
            _review(graph, found, who)
            return
    finally:
        graph.close()
    _dedupe_list(found, limit, output)


def _review(graph: GraphStore, found: list[Any], who: str | None) -> None:
    """Run ``affgraph dedupe --review`` over the unjudged pairs."""
    from app.review import review
    from dedupe.judgements import default_who

    if not found:
        out.print("No pairs left to judge.")
        return
    done = review(
        graph,
        found,
        who or default_who(),
        read_key=_read_key,
        read_note=lambda: typer.prompt("note", default="", show_default=False),
        out=out,
    )
    said = ", ".join(f"{verdict} {n}" for verdict, n in sorted(done.verdicts.items()))
    left = len(found) - done.judged
    out.print(f"Judged {done.judged}{f' ({said})' if said else ''}; {left} left.", highlight=False)


def _read_key() -> str:
    """One key press on a terminal (no Enter needed); one character of piped input ("" at
    its end)."""
    import sys

    import click

    if sys.stdin.isatty():
        return click.getchar()
    return sys.stdin.read(1)


def _dedupe_list(found: list[Any], limit: int, output: str) -> None:
    """Print the pairs of ``affgraph dedupe`` as a table, CSV or JSON."""
    rows: list[dict[str, Any]] = []
    for x in found[:limit]:
        c, j = x.candidate, x.judgement
        row: dict[str, Any] = {
            "score": c.score,
            "rule": c.rule,
            "a": c.a,
            "a_name": x.a.name,
            "b": c.b,
            "b_name": x.b.name,
            "same": "; ".join(c.same),
            "different": "; ".join(c.different),
        }
        if j is not None:
            row.update(verdict=j.verdict, who=j.who, recorded_at=j.recorded_at, note=j.note)
        rows.append(row)
    if output == "json":
        typer.echo(json.dumps({"items": rows, "total": len(found)}, ensure_ascii=False, indent=2))
        return
    if output == "csv":
        typer.echo(to_csv(rows, list(rows[0]) if rows else ["score", "a", "b"]), nl=False)
        return
    table = Table("score", "a", "b", "why", title=f"Possible duplicates: {len(found)}")
    for row in rows:
        against = f"but {row['different']}" if row["different"] else ""
        judged = f"judged {row['verdict']} by {row['who']}" if "verdict" in row else ""
        why = "; ".join(str(x) for x in (row["same"], against, judged) if x)
        table.add_row(
            f"{row['score']:.0f}",
            Text(f"{row['a']}\n{row['a_name']}"),
            Text(f"{row['b']}\n{row['b_name']}"),
            Text(why),
        )
    out.print(table)
    if len(found) > limit:
        out.print(f"{len(found) - limit} more: raise --limit, or ask --format csv", highlight=False)


def main() -> None:
    """Entry point of the ``affgraph`` console script."""
    cli()


# the commands of record time (log, revert, tag, tags), registered on ``cli``
import app.cli_history  # noqa: E402, F401  (registers on cli, which it imports)
