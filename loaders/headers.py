"""Headers: which column a table's header cell names, in English or Chinese.

A column is named by its declared name or by any of its Chinese names — declared with the
column (:class:`loaders.table.Column`) or, for a canonical field, with the schema
(:class:`graph_schema.declaration.Prop` ``zh``). Cells are compared normalized
(:func:`loaders.terms.normalize`: ``Valid From``, ``valid-from`` and ``valid_from`` are one
name; full-width letters are half-width). A header may mix the two languages.

Messages about a header speak the header's language: a mostly Chinese header is answered with
the Chinese names first (``条目 (entry)``), an English one with the English first.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from graph_schema.declaration import (
    EDGE_COMMON,
    NODE_COMMON,
    NODE_LABELS,
    REL_TYPES,
    SOURCE_FIELDS,
    TRANSFER_FIELDS,
    Prop,
)
from loaders.terms import normalize

__all__ = [
    "CANONICAL_FIELDS",
    "Names",
    "is_chinese",
    "nearest",
]


def _unique(props: Iterable[Prop]) -> tuple[Prop, ...]:
    return tuple({p.name: p for p in reversed(tuple(props))}.values())[::-1]


#: record kind → its fields, each once (the first declaration wins)
CANONICAL_FIELDS: Mapping[str, tuple[Prop, ...]] = {
    "node": _unique((*NODE_COMMON, *(p for lb in NODE_LABELS.values() for p in lb.props))),
    "edge": _unique((*EDGE_COMMON, *(p for r in REL_TYPES.values() for p in r.props))),
    "transfer": _unique(TRANSFER_FIELDS),
    "source": _unique(SOURCE_FIELDS),
}


def is_chinese(texts: Iterable[str]) -> bool:
    """Whether most of ``texts`` hold Chinese characters (the header's language)."""
    texts = list(texts)
    han = sum(any("\u4e00" <= c <= "\u9fff" for c in text) for text in texts)
    return han * 2 > len(texts)


@dataclass(frozen=True)
class Names:
    """The names of a table's columns: column → its Chinese names (the usual one first)."""

    zh: Mapping[str, tuple[str, ...]]

    @classmethod
    def of_fields(cls, props: Iterable[Prop]) -> Names:
        return cls({p.name: p.zh for p in props})

    def lookup(self) -> dict[str, str]:
        """Every accepted header name, normalized → the column it names."""
        found: dict[str, str] = {}
        for column, words in self.zh.items():
            for word in words:
                found.setdefault(normalize(word), column)
        found.update({normalize(column): column for column in self.zh})
        return found

    def resolve(self, header: Sequence[str]) -> list[str | None]:
        """The column each header cell names (None: no column of this table)."""
        known = self.lookup()
        return [known.get(normalize(cell)) for cell in header]

    def show(self, column: str, *, chinese: bool) -> str:
        """A column as a message names it: ``条目 (entry)`` or ``entry (条目)``."""
        words = self.zh.get(column, ())
        if not words:
            return column
        return f"{words[0]} ({column})" if chinese else f"{column} ({words[0]})"

    def listing(self, columns: Iterable[str], *, chinese: bool) -> str:
        return ", ".join(self.show(c, chinese=chinese) for c in columns)


def nearest(cell: str, names: Names) -> str | None:
    """The accepted header name closest to an unknown header cell, if any is close."""
    known = names.lookup()
    match = difflib.get_close_matches(normalize(cell), list(known), n=1, cutoff=0.6)
    if not match:
        return None
    column = known[match[0]]
    return names.show(column, chinese=is_chinese([cell]))
