"""What an export holds: the store's records, or only those valid on an as-of day.

Records are streamed from the store, never held all at once (transfers aside: they are
few), so that a province can be exported in little memory. With an as-of day D:

* a node is kept when it exists on D (half-open ``[valid_from, valid_to)``);
* an edge is kept when it holds on D *and* both its ends are kept;
* a transfer is kept when it is dated on or before D (or undated), every node it names
  (``org``, ``from``, ``proposed_to``, ``decided_to``) is kept, and it agrees with the kept
  lines as ``affgraph load`` requires, so that the export loads back: a ``transferred``
  one is history (its old line ended on its date, so is not valid on D) and is left out; a
  ``retained`` one is kept while the line to the superior it stayed with is kept and held
  on the transfer's date (still open, if undated); ``proposed`` and ``pending`` ones are
  kept;
* every source is kept (they are documents, not facts with dates);
* a judgement of a candidate pair (history included) is kept when both its nodes are.

:meth:`Snapshot.nodes` must be consumed before :meth:`Snapshot.edges`, and that before
:meth:`Snapshot.transfers`: what is kept is collected as the records pass.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date

from graph_schema.records import Edge, Judgement, Node, Source, Transfer
from stores.base import GraphStore

__all__ = ["TRANSFER_NODE_FIELDS", "Snapshot"]

#: The fields of a transfer that name nodes (``proposed_by`` may be free text).
TRANSFER_NODE_FIELDS = ("from", "proposed_to", "decided_to")
_Line = tuple[str, date | None, date | None]  # superior, valid_from, valid_to


class Snapshot:
    """The records of ``store`` to export, as of a day (``None``: every record)."""

    def __init__(self, store: GraphStore, as_of: date | None = None) -> None:
        self.store = store
        self.as_of = as_of
        #: records passed on, by kind ("node", "edge", "transfer", "source")
        self.counts: Counter[str] = Counter()
        self._kept: set[str] = set()
        self._stage = 2 if as_of is None else 0  # 1: nodes done; 2: edges done
        self._transfers: list[Transfer] | None = None
        self._lines: dict[str, list[_Line]] = {}  # kept AFFILIATED_TO lines of retained orgs

    def _after(self, stage: int, what: str) -> None:
        if self._stage < stage:
            raise RuntimeError(f"Snapshot: consume {what} first")

    def nodes(self) -> Iterator[Node]:
        """The nodes to export, in id order."""
        for node in self.store.iter_nodes():
            if self.as_of is not None:
                if not node.active(self.as_of):
                    continue
                self._kept.add(node.id)
            self.counts["node"] += 1
            yield node
        self._stage = max(self._stage, 1)

    def edges(self) -> Iterator[Edge]:
        """The edges to export, in key order."""
        self._after(1, "nodes()")
        as_of = self.as_of
        retained = (
            set()
            if as_of is None
            else {t.org for t in self._all_transfers() if t.status == "retained"}
        )
        for edge in self.store.iter_edges():
            if as_of is not None:
                if not (edge.active(as_of) and edge.src in self._kept and edge.dst in self._kept):
                    continue
                if edge.type == "AFFILIATED_TO" and edge.src in retained:
                    self._lines.setdefault(edge.src, []).append(
                        (edge.dst, edge.valid_from, edge.valid_to)
                    )
            self.counts["edge"] += 1
            yield edge
        self._stage = 2

    def _all_transfers(self) -> list[Transfer]:
        if self._transfers is None:
            self._transfers = list(self.store.iter_transfers())
        return self._transfers

    def transfers(self) -> Iterator[Transfer]:
        """The transfers to export, in (date, id) order."""
        self._after(2, "nodes() and edges()")
        for transfer in self._all_transfers():
            if self.as_of is not None and not self._transfer_kept(transfer, self.as_of):
                continue
            self.counts["transfer"] += 1
            yield transfer

    def _transfer_kept(self, transfer: Transfer, as_of: date) -> bool:
        when = transfer.date
        if when is not None and when > as_of:
            return False
        named = [transfer.org, *(transfer.props.get(f) for f in TRANSFER_NODE_FIELDS)]
        if not all(node_id in self._kept for node_id in named if node_id is not None):
            return False
        if transfer.status == "transferred":
            return False
        if transfer.status == "retained":
            before = transfer.props.get("from")
            return any(
                superior == before
                and (
                    (start is None or start <= when) and (end is None or when < end)
                    if when is not None
                    else end is None
                )
                for superior, start, end in self._lines.get(transfer.org, [])
            )
        return True

    def judgements(self) -> Iterator[Judgement]:
        """The judgements of pairs whose nodes are both kept, superseded and withdrawn ones
        included (the history is part of the record), in (a, b, recorded_at) order."""
        self._after(1, "nodes()")
        for judgement in self.store.iter_judgements():
            if self.as_of is not None and not (
                judgement.a in self._kept and judgement.b in self._kept
            ):
                continue
            self.counts["judgement"] += 1
            yield judgement

    def sources(self) -> Iterator[Source]:
        """Every source record, in id order."""
        for source in self.store.iter_sources():
            self.counts["source"] += 1
            yield source
