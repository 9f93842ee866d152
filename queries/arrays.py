"""The numpy helpers the whole-graph queries share, each written once.

Nodes are integer codes (the embedded store's column indexes, or codes given to the rows of
a Cypher answer); a pair of codes below ``n`` is the one integer ``first * n + second``, so
that sets of pairs are sorted integer arrays: sorting beats hashing at province scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "AnyInts",
    "Bools",
    "Days",
    "Ints",
    "distinct",
    "distinct_days",
    "member",
    "pairs",
    "rank",
    "run_starts",
    "spans",
]

Ints = npt.NDArray[np.int64]
#: integer codes of any width (the columns' 32-bit node codes, or 64-bit ones)
AnyInts = npt.NDArray[np.integer[Any]]
Bools = npt.NDArray[np.bool_]
#: day masks: bit ``d`` set where something holds on the ``d``-th of the days asked
Days = npt.NDArray[np.uint8]


def run_starts(values: npt.NDArray[Any]) -> Bools:
    """Where each run of equal values of a sorted array starts."""
    starts = np.ones(len(values), dtype=bool)
    starts[1:] = values[1:] != values[:-1]
    return starts


def distinct(values: npt.NDArray[np.integer[Any]]) -> Ints:
    """The distinct values, sorted (``np.unique`` hashes, which is slower on large arrays)."""
    ordered = np.sort(values.astype(np.int64, copy=False))  # (sort copies)
    found: Ints = ordered[run_starts(ordered)]
    return found


def distinct_days(keys: Ints, days: Days) -> tuple[Ints, Days]:
    """The distinct ``keys`` (below 2**55), sorted, each with the union of its ``days``
    (one sort: the days ride in the low byte)."""
    if _increasing(keys):  # distinct and sorted already (the pairs of a query's columns)
        return keys.astype(np.int64), days.astype(np.uint8)  # (copies: callers change them)
    if len(days) and bool((days == days[0]).all()):  # one day mask for all (one day asked)
        found = distinct(keys)
        return found, np.full(len(found), days[0], dtype=np.uint8)
    packed = np.sort((keys << 8) | days)
    found = packed >> 8
    starts = np.flatnonzero(run_starts(found))
    if not len(starts):
        return found, np.zeros(0, dtype=np.uint8)
    union: Days = np.bitwise_or.reduceat((packed & 0xFF).astype(np.uint8), starts)
    return found[starts], union


def _increasing(values: npt.NDArray[np.integer[Any]]) -> bool:
    """Whether ``values`` are strictly increasing: a pass, where a sort would be several."""
    return bool((values[1:] > values[:-1]).all())


def pairs(
    first: npt.NDArray[np.integer[Any]], second: npt.NDArray[np.integer[Any]], n: int
) -> Ints:
    """The distinct pairs (``first[i]``, ``second[i]``), as ``first * n + second``, sorted."""
    return distinct(first.astype(np.int64) * n + second)


def member(sorted_keys: Ints, keys: Ints) -> Bools:
    """Which ``keys`` are among ``sorted_keys``."""
    if not len(sorted_keys):
        return np.zeros(len(keys), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    found: Bools = sorted_keys[at] == keys
    return found


def spans(starts: npt.NDArray[np.integer[Any]], counts: npt.NDArray[np.integer[Any]]) -> Ints:
    """The positions ``starts[i], starts[i] + 1, …`` (``counts[i]`` of them) of every span,
    one after the other: the rows of a sorted array that each span covers (the ``k``-th
    position overall is ``k`` shifted by its span's start less the positions before it:
    one repeat over the output)."""
    shift = starts.astype(np.int64) - (np.cumsum(counts) - counts)
    found: Ints = np.repeat(shift, counts) + np.arange(int(counts.sum()))
    return found


def rank(ids: Sequence[str]) -> Ints:
    """Each code's position in id order (Python's string order), for sorting by id."""
    found = np.empty(len(ids), dtype=np.int64)
    found[np.array(sorted(range(len(ids)), key=ids.__getitem__), dtype=np.int64)] = np.arange(
        len(ids)
    )
    return found
