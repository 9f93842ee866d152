"""The cyclic garbage collector, paused while millions of objects are made.

A load, a snapshot, the in-memory graph's catch-up and the duplicate candidates each make
millions of objects that live until the work ends and hold no cycles; the collector would go
over them again and again (building the graph's dicts is about three times faster without
it). Reference counting still frees what is dropped.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic GC paused for the block, and left as it was after it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
