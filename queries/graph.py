"""Reading the embedded store's graph (a :class:`~stores.base.GraphView`): as-of tests and
the lines at a node.

"As of D" means valid_from ≤ D < valid_to, for edges and for the nodes they touch.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from graph_schema import records
from stores.base import Adjacency

__all__ = ["Adjacency", "Attrs", "active", "lines_in", "lines_out"]

Attrs = Mapping[str, Any]


def active(attrs: Attrs, as_of: date) -> bool:
    """Whether a node or edge (by its graph attributes) holds on ``as_of``."""
    return records.active(attrs.get("valid_from"), attrs.get("valid_to"), as_of)


def lines_out(
    adj: Adjacency, node_id: str, rel_type: str, as_of: date | None
) -> Iterator[tuple[str, int, Attrs]]:
    """(target, edge key, edge attrs) of ``rel_type`` edges leaving a node that hold on
    ``as_of`` (None: every one), whatever the target's own dates."""
    return adj.succ.typed(node_id, rel_type, as_of)


def lines_in(
    adj: Adjacency, node_id: str, rel_type: str, as_of: date | None
) -> Iterator[tuple[str, int, Attrs]]:
    """(source, edge key, edge attrs) of ``rel_type`` edges arriving at a node; see
    :func:`lines_out`."""
    return adj.pred.typed(node_id, rel_type, as_of)
