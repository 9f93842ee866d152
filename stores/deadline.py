"""A time limit for one query, on either store.

Why ambient: the limit is set once where a question arrives (the HTTP route, ``affgraph
query``) and must reach every read the answer makes — the embedded store's scans, its read
lock, and each Neo4j transaction (whose server-side timeout is the time left). A context
variable carries it there without threading a parameter through every query function; it is
per thread and per asyncio task, so concurrent requests keep their own limits.

The embedded store runs Python, which cannot be interrupted from outside safely, so its
long loops call :func:`check` (or iterate through :func:`bounded`) and stop cooperatively.
Neo4j stops the transaction itself (``unit_of_work(timeout=…)``); its ``TransactionTimedOut``
failure becomes :class:`QueryTimeoutError` too.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol, TypeVar

from stores.base import StoreError

__all__ = [
    "QueryTimeoutError",
    "acquired",
    "bounded",
    "check",
    "current_limit",
    "expired",
    "remaining",
    "time_limit",
]

T = TypeVar("T")

#: How many items :func:`bounded` lets through between two looks at the clock.
CHECK_EVERY = 1024

_deadline: ContextVar[tuple[float, float] | None] = ContextVar("affgraph_deadline", default=None)


class QueryTimeoutError(StoreError):
    """The query ran past its time limit and was stopped (nothing was changed).

    ``seconds`` is the limit, or None when the server's own limit stopped it."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        limit = (
            "the server's time limit" if seconds is None else (f"its time limit of {seconds:g} s")
        )
        super().__init__(
            f"the query ran past {limit} and was stopped; ask for less (an "
            "earlier page, a smaller depth, a narrower filter) or raise "
            "AFFGRAPH_QUERY_TIMEOUT_S"
        )


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Inside this block, reads stop with :class:`QueryTimeoutError` after ``seconds``
    (None: no limit). A nested block cannot extend an outer limit."""
    outer = _deadline.get()
    if seconds is None:
        token = _deadline.set(outer)
    else:
        ends = time.monotonic() + seconds
        token = _deadline.set((ends, seconds) if outer is None or ends < outer[0] else outer)
    try:
        yield
    finally:
        _deadline.reset(token)


def current_limit() -> float | None:
    """The time limit in force, in seconds (None: none)."""
    current = _deadline.get()
    return None if current is None else current[1]


def remaining() -> float | None:
    """Seconds left under the current limit (None: no limit); raises once none are left."""
    current = _deadline.get()
    if current is None:
        return None
    left = current[0] - time.monotonic()
    if left <= 0:
        raise QueryTimeoutError(current[1])
    return left


def expired() -> bool:
    """Whether the current limit has passed (False without one)."""
    current = _deadline.get()
    return current is not None and time.monotonic() >= current[0]


def check() -> None:
    """Stop with :class:`QueryTimeoutError` if the current limit has passed."""
    remaining()


def bounded(items: Iterable[T], every: int = CHECK_EVERY) -> Iterator[T]:
    """``items``, checking the time limit every ``every`` items (cheap enough for hot loops:
    one counter test per item, one clock read per ``every``)."""
    if _deadline.get() is None:
        yield from items
        return
    for count, item in enumerate(items):
        if count % every == 0:
            check()
        yield item


class _Lock(Protocol):
    def acquire(self, blocking: bool = ..., timeout: float = ...) -> bool: ...
    def release(self) -> None: ...


@contextmanager
def acquired(lock: _Lock) -> Iterator[None]:
    """Hold ``lock``, waiting for it no longer than the time limit allows (a query queued
    behind a long one times out instead of waiting forever)."""
    left = remaining()
    if not lock.acquire(timeout=-1 if left is None else left):
        raise QueryTimeoutError(current_limit())
    try:
        yield
    finally:
        lock.release()
