"""The output of a generation: four canonical CSV files, written row by row.

Rows go straight to ``csv.writer`` as tuples of precomputed texts: no record objects, no
validation per row (the generator is built to emit valid records; the tests load its output
through the real loader). Ids are handed out here, one counter per label, so they are short,
unique and stable for a seed: ``a-000001`` (Area), ``b-…`` (Body), ``o-…`` (PartyOrg),
``e-…`` (Enterprise), ``t-…`` (transfer).
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import IO, Any

from generator.dates import TEXT

__all__ = ["EDGE_FIELDS", "NODE_FIELDS", "SOURCE_FIELDS", "TRANSFER_FIELDS", "Sink"]

#: The columns of each file: canonical field names (graph_schema.declaration), in this order.
NODE_FIELDS = (
    "id",
    "label",
    "kind",
    "name",
    "name_en",
    "aliases",
    "valid_from",
    "valid_to",
    "members",
    "employees",
    "state_equity_pct",
    "uscc",
    "source",
)
EDGE_FIELDS = (
    "type",
    "from",
    "to",
    "kind",
    "valid_from",
    "valid_to",
    "share_pct",
    "source",
    "dual_line",
)
TRANSFER_FIELDS = (
    "id",
    "org",
    "from",
    "proposed_to",
    "proposed_by",
    "decided_to",
    "status",
    "date",
    "reason",
    "source",
)
SOURCE_FIELDS = ("id", "title", "publisher", "date", "url", "language")

FILES = {
    "source": "sources.csv",
    "node": "nodes.csv",
    "edge": "edges.csv",
    "transfer": "transfers.csv",
}

_BUFFER = 1 << 20


class IntervalError(ValueError):
    """The generator tried to write an empty or reversed validity interval (a bug)."""


def _check(what: str, vf: int | None, vt: int | None) -> None:
    if vf is not None and vt is not None and vf >= vt:
        raise IntervalError(f"{what}: valid_from {TEXT[vf]} is not before valid_to {TEXT[vt]}")


class Sink:
    """Writes the records of one dataset into ``folder`` and counts them."""

    def __init__(self, folder: Path, source: str, id_prefix: str = "") -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.source = source
        self.paths = {kind: folder / name for kind, name in FILES.items()}
        self._handles: list[IO[str]] = []
        writers = {}
        for kind, fields in (
            ("source", SOURCE_FIELDS),
            ("node", NODE_FIELDS),
            ("edge", EDGE_FIELDS),
            ("transfer", TRANSFER_FIELDS),
        ):
            handle = self.paths[kind].open("w", encoding="utf-8", newline="", buffering=_BUFFER)
            self._handles.append(handle)
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(fields)
            writers[kind] = writer
        self._source_row = writers["source"].writerow
        self._node_row = writers["node"].writerow
        self._edge_row = writers["edge"].writerow
        self._transfer_row = writers["transfer"].writerow
        self.nodes: Counter[tuple[str, str]] = Counter()
        self.edges: Counter[tuple[str, str]] = Counter()
        self.transfers: Counter[str] = Counter()
        self.sources = 0
        self.total_nodes = 0
        self._next = {"a": 0, "b": 0, "o": 0, "e": 0, "t": 0}
        self._id_prefix = id_prefix

    def close(self) -> None:
        for handle in self._handles:
            handle.close()

    def _id(self, prefix: str) -> str:
        n = self._next[prefix] + 1
        self._next[prefix] = n
        return f"{self._id_prefix}{prefix}-{n:06d}"

    # -- records ------------------------------------------------------------------------------

    def source_record(self, source_id: str, title: str, publisher: str, language: str) -> None:
        self._source_row((source_id, title, publisher, None, None, language))
        self.sources += 1

    def _node(
        self,
        prefix: str,
        label: str,
        kind: str,
        name: str,
        name_en: str,
        vf: int | None,
        vt: int | None,
        members: int | None = None,
        employees: int | None = None,
        equity: float | None = None,
        uscc: str | None = None,
        aliases: str | None = None,
    ) -> str:
        _check(name, vf, vt)
        node_id = self._id(prefix)
        self._node_row(
            (
                node_id,
                label,
                kind,
                name,
                name_en,
                aliases,
                TEXT[vf],
                TEXT[vt],
                members,
                employees,
                equity,
                uscc,
                self.source,
            )
        )
        self.nodes[label, kind] += 1
        self.total_nodes += 1
        return node_id

    def area(
        self, kind: str, name: str, name_en: str, vf: int | None = None, vt: int | None = None
    ) -> str:
        return self._node("a", "Area", kind, name, name_en, vf, vt)

    def body(
        self, kind: str, name: str, name_en: str, vf: int | None = None, vt: int | None = None
    ) -> str:
        return self._node("b", "Body", kind, name, name_en, vf, vt)

    def org(
        self,
        kind: str,
        name: str,
        name_en: str,
        vf: int | None,
        vt: int | None,
        members: int | None,
    ) -> str:
        return self._node("o", "PartyOrg", kind, name, name_en, vf, vt, members=members)

    def enterprise(
        self,
        kind: str,
        name: str,
        name_en: str,
        vf: int | None,
        vt: int | None,
        employees: int,
        equity: float | None = None,
        uscc: str | None = None,
        aliases: str | None = None,
    ) -> str:
        return self._node(
            "e",
            "Enterprise",
            kind,
            name,
            name_en,
            vf,
            vt,
            employees=employees,
            equity=equity,
            uscc=uscc,
            aliases=aliases,
        )

    def edge(
        self,
        rel: str,
        src: str,
        dst: str,
        kind: str | None,
        vf: int | None = None,
        vt: int | None = None,
        share: float | None = None,
        *,
        dual: bool = False,
    ) -> None:
        if vf is not None and vt is not None and vf >= vt:
            _check(f"{rel} {src} → {dst}", vf, vt)
        self._edge_row(
            (rel, src, dst, kind, TEXT[vf], TEXT[vt], share, self.source, "true" if dual else None)
        )
        self.edges[rel, kind or ""] += 1

    def transfer(
        self,
        org: str,
        status: str,
        when: int,
        *,
        old: str | None,
        proposed_to: str | None,
        proposed_by: str | None,
        decided_to: str | None,
        reason: str | None,
    ) -> str:
        transfer_id = self._id("t")
        self._transfer_row(
            (
                transfer_id,
                org,
                old,
                proposed_to,
                proposed_by,
                decided_to,
                status,
                TEXT[when],
                reason,
                self.source,
            )
        )
        self.transfers[status] += 1
        return transfer_id

    def __enter__(self) -> Sink:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
