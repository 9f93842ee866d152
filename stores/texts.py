"""Many short strings in one UTF-8 buffer: the embedded store's ids and names in memory.

A million ids as Python strings cost ~60 bytes each, and a dict from id to position as much
again; as one buffer with offsets they cost their UTF-8 bytes plus 8. :class:`Texts` is an
immutable sequence of strings over such a buffer; :class:`SortedTexts` (ids, in Python's
string order, which is UTF-8 byte order and SQLite's ``BINARY`` collation) also finds a
string's position by binary search, narrowed by a numpy array of each string's first eight
bytes so that most lookups touch one or two strings.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from itertools import pairwise
from typing import Any, overload

import numpy as np
import numpy.typing as npt

__all__ = ["SortedTexts", "Texts", "spliced"]

Offsets = npt.NDArray[np.int64]
#: what the strings are stored in (a snapshot is read into a bytearray)
Buffer = bytes | bytearray


class Texts(Sequence[str]):
    """Strings ``0 … n-1`` stored as UTF-8 in ``raw`` between ``n + 1`` ascending offsets
    (which need not start at 0: ``raw`` may be a larger buffer, e.g. a snapshot). Read-only."""

    __slots__ = ("_at", "_n", "offsets", "raw")

    def __init__(self, raw: Buffer, offsets: Offsets) -> None:
        self.raw = raw
        self.offsets = offsets
        #: the offsets as plain integers on indexing (a memoryview: no numpy scalar per read)
        self._at = np.ascontiguousarray(offsets, dtype=np.int64).data
        self._n = len(offsets) - 1

    @classmethod
    def of(cls, strings: Iterable[str]) -> Texts:
        """The texts of ``strings``, in their order."""
        encoded = [s.encode() for s in strings]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, encoded), np.int64, len(encoded)), out=offsets[1:])
        return cls(b"".join(encoded), offsets)

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._n))]
        if not 0 <= index < self._n:  # (the one test on the hot path)
            if not -self._n <= index < 0:
                raise IndexError(index)
            index += self._n
        at = self._at
        return self.raw[at[index] : at[index + 1]].decode()

    def encoded(self, index: int) -> Buffer:
        """String ``index`` as its UTF-8 bytes (no checks: for lookups)."""
        return self.raw[self._at[index] : self._at[index + 1]]

    def __iter__(self) -> Iterator[str]:
        raw, bounds = self.raw, self.offsets.tolist()
        return (raw[a:b].decode() for a, b in pairwise(bounds))

    def lengths(self) -> Offsets:
        """The UTF-8 length of each string."""
        found: Offsets = np.diff(self.offsets)
        return found

    def buffer(self) -> npt.NDArray[np.uint8]:
        """The strings' UTF-8 bytes, one after the other (a view of ``raw``)."""
        first, last = int(self.offsets[0]), int(self.offsets[-1])
        return np.frombuffer(self.raw, dtype=np.uint8, count=last - first, offset=first)

    @property
    def nbytes(self) -> int:
        return int(self.offsets[-1] - self.offsets[0]) + int(self.offsets.nbytes)


def spliced(
    texts: Texts, keep: npt.NDArray[np.bool_], at: npt.NDArray[np.int64], new: Sequence[str]
) -> tuple[bytes, Offsets]:
    """The buffer and offsets of ``texts`` but for the strings not kept, with ``new`` put
    before the kept string ``at[j]`` (positions among the kept; ``at`` ascending; equal
    positions keep ``new``'s order): vectorised, whatever the number of strings."""
    lengths = texts.lengths()
    raw = texts.buffer()
    if not keep.all():
        raw = raw[np.repeat(keep, lengths)]
        lengths = lengths[keep]
    encoded = [s.encode() for s in new]
    new_lengths = np.fromiter(map(len, encoded), np.int64, len(encoded))
    starts = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    added = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    raw = np.insert(raw, np.repeat(starts[at], new_lengths), added)
    lengths = np.insert(lengths, at, new_lengths)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return raw.tobytes(), offsets


def _prefix(key: bytes) -> int:
    """The first eight bytes of a UTF-8 ``key`` as a big-endian number (zero-padded): the
    strings' order where prefixes differ (:func:`_prefixes` of one)."""
    return int.from_bytes(key[:8].ljust(8, b"\0"), "big")


def _prefixes(texts: Texts) -> npt.NDArray[np.uint64]:
    """:func:`_prefix` of every string, vectorised."""
    n = len(texts)
    raw = texts.buffer()
    starts = texts.offsets[:-1] - texts.offsets[0]
    lengths = texts.lengths()
    found = np.zeros(n, dtype=np.uint64)
    for byte in range(8):
        present = lengths > byte
        values = np.zeros(n, dtype=np.uint64)
        values[present] = raw[starts[present] + byte]
        found |= values << np.uint64(8 * (7 - byte))
    return found


#: ids a :class:`SortedTexts` remembers each way (~10 MiB at most)
_REMEMBERED = 1 << 16


class SortedTexts(Texts):
    """:class:`Texts` in ascending order, without repeats: also finds a string's position
    (binary search over the eight-byte prefixes, read as plain integers through a
    memoryview: ~2 µs a lookup at a million strings)."""

    __slots__ = ("_found", "_named", "_prefix", "_prefixes")

    def __init__(self, raw: Buffer, offsets: Offsets, prefixes: npt.NDArray[Any] | None = None):
        super().__init__(raw, offsets)
        self._prefixes = _prefixes(self) if prefixes is None else prefixes
        self._prefix = self._prefixes.data
        #: the ids a traversal met lately, both ways (a walk up a chain meets the same few
        #: committees again and again): bounded, emptied when full
        self._found: dict[str, int] = {}
        self._named: dict[int, str] = {}

    def __getitem__(self, index: Any) -> Any:
        found = self._named.get(index) if type(index) is int else None
        if found is None:
            found = super().__getitem__(index)
            if type(index) is int:
                if len(self._named) >= _REMEMBERED:
                    self._named.clear()
                self._named[index] = found
        return found

    @classmethod
    def of(cls, strings: Iterable[str]) -> SortedTexts:
        texts = Texts.of(sorted(set(strings)))
        return cls(texts.raw, texts.offsets)

    def find(self, text: str) -> int:
        """The position of ``text``, or -1."""
        found = self._found.get(text)
        if found is not None:
            return found
        key = text.encode()
        at = self._place(key)
        found = at if at < len(self) and self.encoded(at) == key else -1
        if len(self._found) >= _REMEMBERED:
            self._found.clear()
        self._found[text] = found
        return found

    def insertion(self, text: str) -> int:
        """Where ``text`` would go to keep the order (its position if present)."""
        return self._place(text.encode())

    def _place(self, key: bytes) -> int:
        """Where the UTF-8 ``key`` is or would go: the run of equal prefixes, then the bytes
        (UTF-8 byte order is Python's string order)."""
        prefixes, prefix = self._prefix, _prefix(key)
        lo = bisect_left(prefixes, prefix)
        n = len(prefixes)
        if lo == n or prefixes[lo] != prefix:
            return lo
        if lo + 1 == n or prefixes[lo + 1] != prefix:  # the usual case: a prefix of its own
            return lo if key <= self.encoded(lo) else lo + 1
        hi = bisect_right(prefixes, prefix, lo)
        while lo < hi:  # (ids alike in their first eight bytes)
            mid = (lo + hi) // 2
            if self.encoded(mid) < key:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and self.find(text) >= 0

    def positions(self, texts: Iterable[str]) -> npt.NDArray[np.int64]:
        """:meth:`find` of each of ``texts`` (-1 where absent)."""
        return np.fromiter(map(self.find, texts), np.int64)

    @property
    def nbytes(self) -> int:
        return super().nbytes + int(self._prefixes.nbytes)
