"""One line's history from its evidence: the intervals a set of evidence items implies.

Each piece of evidence about a line (:data:`graph_schema.declaration.EVIDENCE_FIELDS`) says
one thing: it held over an interval (a canonical edge, a roster row), it began or ended on a
day (a transfer), or it held on a day (a roster of that day, a retained transfer). This module
turns the pieces into the line's intervals — or names the two pieces that cannot both be
true (the line held on a day after it ended, or ended twice). It knows nothing of files or
stores: :mod:`loaders.assemble` gathers the pieces and writes the result.

Rules, in time order (on one day an end comes before a beginning, and both before a hold):
a beginning opens the line (a second beginning while it is open only confirms it); an end
closes it (an end with nothing open before it means the line held, since a day no piece
gives, until then; an end on the day the line ended only confirms it); a hold needs the line
open — the first piece being a hold means a start
no piece gives. An end right where the next beginning is joins the two intervals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

__all__ = ["Clash", "Item", "Span", "spans"]


@dataclass(frozen=True)
class Item:
    """One piece of evidence about a line, and where the load found it (``read``: for
    messages only; the same evidence read from another file is the same evidence)."""

    role: str
    date: dt.date | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    transfer: str | None = None
    source: str | None = None
    quote: str | None = None
    page: str | None = None
    read: str | None = field(default=None, compare=False)

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Item:
        """An item from a stored evidence dict (dates as ``date``)."""
        return cls(**{k: v for k, v in data.items() if v is not None})

    def as_dict(self) -> dict[str, Any]:
        """The stored form: the declared fields (not where it was read), empty ones left out."""
        values = {
            "role": self.role,
            "date": self.date,
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "transfer": self.transfer,
            "source": self.source,
            "quote": self.quote,
            "page": self.page,
        }
        return {k: v for k, v in values.items() if v is not None}

    def order(self) -> tuple[Any, ...]:
        """A total order of items (empty values first), so that evidence is stored stably."""
        day = date.min
        return (
            self.date or self.valid_from or self.valid_to or day,
            self.role,
            self.valid_from or day,
            self.valid_to or day,
            self.transfer or "",
            self.source or "",
            self.quote or "",
            self.page or "",
        )

    def said(self) -> str:
        """What it says, for messages: ``ends on 2021-10-01 (transfer t1, at f.csv:3)``."""
        if self.role == "interval":
            start = self.valid_from.isoformat() if self.valid_from else "…"
            end = self.valid_to.isoformat() if self.valid_to else "…"
            what = f"held [{start}, {end})"
        else:
            what = f"{self.role} on {self.date.isoformat() if self.date else '?'}"
        where = [f"transfer {self.transfer}"] if self.transfer else []
        where += (
            [f"at {self.read}"] if self.read else ([f"source {self.source}"] if self.source else [])
        )
        return f"{what} ({', '.join(where)})" if where else what


@dataclass
class Span:
    """One interval of the line, [start, end) (None: not given), and the items behind it."""

    start: date | None
    end: date | None
    items: list[Item] = field(default_factory=list)


@dataclass(frozen=True)
class Clash:
    """Two pieces of evidence that cannot both be true, and the day they meet."""

    first: Item
    second: Item
    day: date
    why: str


#: the order of events on one day
_ORDER = {"end": 0, "begin": 1, "hold": 2}


def _events(items: Iterable[Item]) -> list[tuple[date, int, str, Item]]:
    found = []
    for item in items:
        if item.role == "interval":
            if item.valid_from is not None:
                found.append((item.valid_from, _ORDER["begin"], "begin", item))
            if item.valid_to is not None:
                found.append((item.valid_to, _ORDER["end"], "end", item))
        elif item.date is not None:
            event = {"begins": "begin", "ends": "end", "holds": "hold"}[item.role]
            found.append((item.date, _ORDER[event], event, item))
    return sorted(found, key=lambda e: (e[0], e[1], e[3].order()))


def spans(items: Iterable[Item]) -> list[Span] | Clash:
    """The intervals the items imply, each with its items; or the first clash found."""
    items = sorted(set(items), key=Item.order)
    done: list[Span] = []
    current: Span | None = None
    ended_by: Item | None = None  # the end of the last closed span
    for day, _, event, item in _events(items):
        if event == "begin":
            if current is None and done and done[-1].end == day:
                current = done.pop()  # ends where it begins again: one continuous line
                current.end = None
            elif current is None:
                current = Span(day, None)
            current.items.append(item)
        elif event == "end":
            if current is not None:
                current.end = day
                current.items.append(item)
                done.append(current)
                current = None
            elif not done:
                done.append(Span(None, day, [item]))  # held until then, since a day not given
            elif done[-1].end == day:
                done[-1].items.append(item)  # the same end, said again
            else:
                assert ended_by is not None
                return Clash(ended_by, item, day, "it ends again after it had ended")
            ended_by = item
        else:  # a hold
            if current is not None:
                current.items.append(item)
            elif not done:
                current = Span(None, None, [item])  # held then, since a day not given
            else:
                assert ended_by is not None
                return Clash(ended_by, item, day, "it holds after it had ended")
    if current is not None:
        done.append(current)
    undated = [i for i in items if not _dated(i)]
    if undated:  # a piece that gives no day at all: it speaks of the line's whole history
        if not done:
            done.append(Span(None, None))
        done[0].items.extend(undated)
    for span in done:
        span.items = sorted(set(span.items), key=Item.order)
    return done


def _dated(item: Item) -> bool:
    if item.role == "interval":
        return item.valid_from is not None or item.valid_to is not None
    return item.date is not None
