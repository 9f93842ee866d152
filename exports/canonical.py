"""JSON and canonical CSV exports: the records exactly as the canonical format has them.

* JSON: one object ``{"nodes": [...], "edges": [...], "transfers": [...], "sources": [...],
  "judgements": [...]}`` whose items are the canonical record dicts
  (:func:`graph_schema.records.to_canonical`), and people's judgements of candidate
  duplicates with their history (:func:`graph_schema.records.judgement_to_canonical`);
  :func:`read_json` reads it back as records, to write into a store.
* CSV: ``nodes.csv``, ``edges.csv``, ``transfers.csv`` and ``sources.csv`` in the canonical
  CSV layout (one column per declared field, lists joined with ``|``), so that
  ``affgraph load OUT`` loads them back.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from exports.snapshot import Snapshot
from exports.values import EDGE_PROPS, NODE_PROPS, SOURCE_PROPS, TRANSFER_PROPS, cell
from graph_schema.declaration import Prop
from graph_schema.records import (
    Judgement,
    Record,
    from_canonical,
    judgement_from_canonical,
    judgement_to_canonical,
    to_canonical,
)

__all__ = ["CSV_FILES", "JSON_KINDS", "read_json", "write_csv", "write_json"]

#: The arrays of the JSON export, in the order they are written, and their record kinds.
JSON_KINDS = {
    "nodes": "node",
    "edges": "edge",
    "transfers": "transfer",
    "sources": "source",
    "judgements": "judgement",
}

#: The files of a CSV export, in the order they are written.
CSV_FILES = ("nodes.csv", "edges.csv", "transfers.csv", "sources.csv")


def _items(records: Iterable[Record]) -> Iterator[dict[str, Any]]:
    for record in records:
        data = to_canonical(record)
        del data["record"]
        yield data


def _judgement_items(records: Iterable[Judgement]) -> Iterator[dict[str, Any]]:
    for record in records:
        data = judgement_to_canonical(record)
        del data["record"]
        yield data


def _json_array(handle: IO[str], name: str, items: Iterable[dict[str, Any]], first: bool) -> None:
    handle.write(f"{'' if first else ','}\n  {json.dumps(name)}: [")
    sep = "\n    "
    for item in items:
        handle.write(sep)
        handle.write(json.dumps(item, ensure_ascii=False, sort_keys=True))
        sep = ",\n    "
    handle.write("\n  ]" if sep != "\n    " else "]")


def write_json(snapshot: Snapshot, path: Path) -> list[Path]:
    """Write the JSON export to ``path``; streamed, one record per line."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write("{")
        _json_array(handle, "nodes", _items(snapshot.nodes()), first=True)
        _json_array(handle, "edges", _items(snapshot.edges()), first=False)
        _json_array(handle, "transfers", _items(snapshot.transfers()), first=False)
        _json_array(handle, "sources", _items(snapshot.sources()), first=False)
        _json_array(handle, "judgements", _judgement_items(snapshot.judgements()), first=False)
        handle.write("\n}\n")
    return [path]


def read_json(path: Path) -> dict[str, list[Record | Judgement]]:
    """A JSON export read back: its records by array (``nodes``, … ``judgements``), as the
    store returned them. An export made before judgements were exported has none."""
    data = json.loads(path.read_text(encoding="utf-8"))
    unknown = set(data) - set(JSON_KINDS)
    if unknown:
        raise ValueError(
            f"{path}: arrays {sorted(unknown)} — expected only {', '.join(JSON_KINDS)}"
        )
    out: dict[str, list[Record | Judgement]] = {}
    for key, kind in JSON_KINDS.items():
        items = data.get(key, [])
        if kind == "judgement":
            out[key] = [judgement_from_canonical(item) for item in items]
        else:
            out[key] = [from_canonical({"record": kind, **item}) for item in items]
    return out


def _write_table(path: Path, props: tuple[Prop, ...], items: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=[p.name for p in props], lineterminator="\n", extrasaction="raise"
        )
        writer.writeheader()
        for item in items:
            writer.writerow({k: cell(v) for k, v in item.items()})


def write_csv(snapshot: Snapshot, folder: Path) -> list[Path]:
    """Write the four canonical CSV files into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / name for name in CSV_FILES]
    _write_table(paths[0], NODE_PROPS, _items(snapshot.nodes()))
    _write_table(paths[1], EDGE_PROPS, _items(snapshot.edges()))
    _write_table(paths[2], TRANSFER_PROPS, _items(snapshot.transfers()))
    _write_table(paths[3], SOURCE_PROPS, _items(snapshot.sources()))
    return paths
