"""The ``affgraph`` commands of record time: ``log``, ``revert``, ``tag`` and ``tags``
(:mod:`history`); ``load --message`` and the ``--as-recorded`` of ``query`` and ``export``
are in :mod:`app.cli`.

Kept apart from :mod:`app.cli` so that each stays short; registered on its ``cli`` when that
module is imported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from app.cli import StoreOption, _open_or_exit, _settings, changes_text, cli, err, out
from graph_schema.records import to_canonical
from history.refs import check_tag_name, resolve_load
from history.revert import NotRevertibleError, RevertRefusedError, revert
from stores.base import GraphStore, StoreError
from stores.history import Change, LoadEntry, RecordHistory, TagError, UnknownLoadError

__all__ = ["log_command", "revert_command", "tag_command", "tags_command"]


def _history(graph: GraphStore) -> RecordHistory:
    if not isinstance(graph, RecordHistory):  # pragma: no cover - both stores keep one
        err.print(f"[red]error:[/red] {graph.location} keeps no load log")
        raise typer.Exit(2)
    return graph


def _resolved(graph: GraphStore, ref: str, what: str) -> int:
    """The load ``ref`` names, or exit 2 saying what was given and what the log holds."""
    try:
        return resolve_load(graph, ref)
    except UnknownLoadError as exc:
        err.print(f"{what}: {exc}", markup=False, highlight=False)
        raise typer.Exit(2) from exc


def _entry_json(entry: LoadEntry) -> dict[str, Any]:
    return {
        "load": entry.number,
        "at": entry.at,
        "kind": entry.kind,
        "who": entry.who,
        "message": entry.message,
        "files": [{"name": f.name, "sha256": f.sha256, "size": f.size} for f in entry.files],
        "counts": {k: dict(v) for k, v in entry.counts.items()},
        "reverts": entry.reverts,
        "forced": [{"kind": k.kind, "id": k.id} for k in entry.forced],
        "reverted_by": entry.reverted_by,
        "tags": list(entry.tags),
    }


def _what(entry: LoadEntry) -> str:
    """Kind and who, then what became of it: "revert of load 2 by ana", "reverted by 3"."""
    what: str = entry.kind
    if entry.kind == "revert" and entry.reverts is not None:
        forced = f", {len(entry.forced)} forced" if entry.forced else ""
        what = f"revert of load {entry.reverts}{forced}"
    lines = [f"{what} by {entry.who}"]
    if entry.reverted_by is not None:
        lines.append(f"reverted by {entry.reverted_by}")
    if entry.tags:
        lines.append("tags: " + ", ".join(entry.tags))
    return "\n".join(lines)


def _files(entry: LoadEntry) -> str:
    """The files a load read, short: their names (``log N`` and ``--json`` give each one's
    path, sha256 and size)."""
    names = [Path(f.name).name for f in entry.files]
    if len(names) > 2:
        return f"{names[0]} and {len(names) - 1} more"
    return ", ".join(names)


def _log_table(entries: list[LoadEntry], total: int) -> Table:
    table = Table(title=f"Load log: {total} load{'' if total == 1 else 's'}")
    table.add_column("load", no_wrap=True, justify="right")
    table.add_column("time (UTC)")
    for name in ("what, who", "message", "files", "changes"):
        table.add_column(name)
    for e in entries:
        table.add_row(
            str(e.number),
            e.at.replace("T", " ").removesuffix("Z"),
            Text(_what(e)),
            Text(e.message),
            Text(_files(e)),
            changes_text(e.counts).replace("; ", "\n"),
        )
    return table


def _files_table(entry: LoadEntry) -> Table:
    table = Table("file", "sha256", "bytes", title=f"Files load {entry.number} read")
    for f in entry.files:
        table.add_row(Text(f.name), f.sha256, f"{f.size:,}")
    return table


def _change_json(change: Change) -> dict[str, Any]:
    return {
        "kind": change.key.kind,
        "id": change.key.id,
        "change": _change_word(change),
        "before": None if change.before is None else to_canonical(change.before),
        "after": None if change.after is None else to_canonical(change.after),
    }


def _change_word(change: Change) -> str:
    if change.before is None:
        return "created"
    return "removed" if change.after is None else "updated"


def _fields_changed(change: Change) -> str:
    """The fields an update changed ("name, members"); nothing for a record made or gone."""
    if change.before is None or change.after is None:
        return ""
    before, after = to_canonical(change.before), to_canonical(change.after)
    return ", ".join(
        k for k in sorted(before.keys() | after.keys()) if before.get(k) != after.get(k)
    )


def _one_load(history: RecordHistory, number: int, limit: int, as_json: bool) -> None:
    entry = history.load_entry(number)
    if entry is None:  # pragma: no cover - resolve_load found it
        raise typer.Exit(2)
    total, changes = history.changes(number, limit=limit)
    if as_json:
        shown = {**_entry_json(entry), "changes": [_change_json(c) for c in changes]}
        typer.echo(json.dumps({**shown, "changed": total}, ensure_ascii=False, indent=2))
        return
    out.print(_log_table([entry], 1))
    if entry.files:
        out.print(_files_table(entry))
    table = Table("record", "change", "fields", title=f"Records load {number} changed: {total}")
    for change in changes:
        table.add_row(Text(repr(change.key)), _change_word(change), _fields_changed(change))
    out.print(table)
    if total > limit:
        out.print(f"{total - limit} more: raise --limit, or ask --json", highlight=False)


@cli.command("log")
def log_command(
    ref: Annotated[
        str | None,
        typer.Argument(
            metavar="[N]",
            help="One load (a number, a tag or a time): it and the records it changed.",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many loads (or records).")] = 20,
    offset: Annotated[int, typer.Option(help="Skip this many of the newest loads.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    store: StoreOption = None,
) -> None:
    """The load log, newest first: number, time, who, kind, message, the files read (sha256,
    size), what changed, tags and the revert that undid it. With N: that load and the records
    it changed. Examples: affgraph log; affgraph log 12; affgraph log paper-2027 --json."""
    if limit < 1 or offset < 0:
        err.print("[red]error:[/red] --limit: expected at least 1; --offset: at least 0")
        raise typer.Exit(2)
    graph = _open_or_exit(_settings(store))
    try:
        history = _history(graph)
        if ref is not None:
            _one_load(history, _resolved(graph, ref, "N"), limit, as_json)
            return
        total, entries = history.loads(limit=limit, offset=offset)
    finally:
        graph.close()
    if as_json:
        page = {"total": total, "items": [_entry_json(e) for e in entries]}
        typer.echo(json.dumps(page, ensure_ascii=False, indent=2))
        return
    out.print(_log_table(entries, total))
    if total > offset + len(entries):
        out.print(f"{total - offset - len(entries)} older: --offset {offset + len(entries)}")


@cli.command("revert")
def revert_command(
    ref: Annotated[str, typer.Argument(metavar="N", help="The load to undo (number or tag).")],
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Also put back records later loads changed, remove later lines joining "
            "nodes the load made, and withdraw judgements naming them (each listed).",
        ),
    ] = False,
    message: Annotated[
        str, typer.Option("--message", "-m", help="Why (default: 'revert of load N').")
    ] = "",
    store: StoreOption = None,
) -> None:
    """Undo load N: one new load putting back every record it changed as it was before
    (records it made are removed). Nothing is deleted from the history, and the revert can
    itself be reverted. Refused, with the records named, when a later load changed the same
    records or needs what N made — unless --force."""
    graph = _open_or_exit(_settings(store))
    try:
        number = _resolved(graph, ref, "N")
        err.print(f"reverting load {number} …", highlight=False)  # a large one takes a while
        done = revert(graph, number, force=force, message=message)
    except RevertRefusedError as exc:
        err.print(f"[red]refused:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    except (NotRevertibleError, UnknownLoadError) as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    except StoreError as exc:
        err.print(f"[red]error:[/red] {exc}; nothing was reverted", highlight=False)
        raise typer.Exit(1) from exc
    finally:
        graph.close()
    out.print(
        f"load {done.load}: reverted load {number} — put back {done.reverted} record(s) "
        f"({changes_text(done.counts)})",
        highlight=False,
    )
    if done.forced:
        out.print(f"Forced ({len(done.forced)}):", highlight=False)
        for key in done.forced:
            out.print(Text(f"  {key!r}"))
    for key in done.kept:
        out.print(Text(f"Kept {key!r}: records of later loads cite it"))


@cli.command("tag")
def tag_command(
    name: Annotated[str, typer.Argument(help="The tag, e.g. paper-2027 (begins with a letter).")],
    ref: Annotated[
        str | None,
        typer.Argument(metavar="[N]", help="The load to name. Default: the last load."),
    ] = None,
    store: StoreOption = None,
) -> None:
    """Name a load, e.g. the one a paper's figures were computed on; a tag works wherever a
    load number does (--as-recorded, revert, log). A tag names one load for good."""
    try:
        check_tag_name(name)
    except TagError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    graph = _open_or_exit(_settings(store))
    try:
        history = _history(graph)
        number = history.last_load() if ref is None else _resolved(graph, ref, "N")
        if number == 0:
            err.print("[red]error:[/red] nothing has been loaded: there is no load to tag")
            raise typer.Exit(2)
        history.set_tag(name, number)
    except TagError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    finally:
        graph.close()
    out.print(Text(f"tag {name} → load {number}"))


@cli.command("tags")
def tags_command(store: StoreOption = None) -> None:
    """Every tag, and the load it names."""
    graph = _open_or_exit(_settings(store))
    try:
        history = _history(graph)
        found = sorted(history.tags().items(), key=lambda item: (item[1], item[0]))
        entries = {n: history.load_entry(n) for n in {n for _, n in found}}
    finally:
        graph.close()
    if not found:
        out.print("No tags: affgraph tag NAME [N] names a load.")
        return
    table = Table("tag", "load", "time", "message")
    for name, number in found:
        entry = entries[number]
        at, message = (entry.at, entry.message) if entry else ("", "")
        table.add_row(Text(name), str(number), at, Text(message))
    out.print(table)
