"""The graph as a networkx ``MultiDiGraph``, for notebooks and networkx's algorithms.

``to_networkx(store, as_of=…, types=…, root=…)`` (also ``store.to_networkx(…)`` on both
stores) builds the graph of the GraphML export (:func:`exports.graphml.build_graph`: the
records as loaded, nodes by id, lines keyed by their key, attributes as GraphML holds them)
through networkx's public API, so it can be written with ``nx.write_graphml`` and handed to
any networkx algorithm. It reads the records in one consistent read of the store.

* ``as_of``: only what holds on that day, as the exports keep it (:mod:`exports.snapshot`).
* ``types``: only lines of these relationship types (every node is kept).
* ``root``: only the root and the organizations whose reporting lines (``AFFILIATED_TO``,
  on the day if ``as_of`` is given) reach it, with the lines among them.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

import networkx as nx

from exports.graphml import build_graph
from exports.snapshot import Snapshot
from graph_schema.declaration import REL_TYPES
from stores.base import GraphStore, StoreError, read_consistently

__all__ = ["to_networkx"]

#: the reporting line a tree under ``root`` follows
REPORTING = "AFFILIATED_TO"


class UnknownRootError(StoreError, KeyError):
    """``root`` names no node of the graph asked for (on its day, if one was given)."""


def _under(graph: nx.MultiDiGraph[str], root: str) -> set[str]:
    """The root and every node whose reporting lines reach it."""
    lines = [(u, v) for u, v, d in graph.edges(data=True) if d["type"] == REPORTING]
    tree: nx.DiGraph[str] = nx.DiGraph(lines)
    tree.add_node(root)
    return {root, *nx.ancestors(tree, root)}


def _kept(graph: nx.MultiDiGraph[str], keep: set[str]) -> nx.MultiDiGraph[str]:
    """The graph of the nodes in ``keep`` and the lines among them, in the graph's own
    order (a subgraph view would list them in the order of a set: not the same each run)."""
    kept: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    kept.graph.update(graph.graph)
    kept.add_nodes_from((n, d) for n, d in graph.nodes(data=True) if n in keep)
    for u, v, k, d in graph.edges(keys=True, data=True):
        if u in keep and v in keep:
            kept.add_edge(u, v, key=k, **d)
    return kept


def to_networkx(
    store: GraphStore,
    *,
    as_of: date | None = None,
    types: Collection[str] | None = None,
    root: str | None = None,
) -> nx.MultiDiGraph[str]:
    """The store's graph (see the module docstring) as a new ``MultiDiGraph``."""
    unknown = sorted(set(types or ()) - set(REL_TYPES))
    if unknown:
        raise ValueError(
            f"types: {', '.join(unknown)} — expected relationship types of {', '.join(REL_TYPES)}"
        )
    graph = read_consistently(store, lambda: build_graph(Snapshot(store, as_of)))
    if root is not None:
        if root not in graph:
            day = f" on {as_of.isoformat()}" if as_of is not None else ""
            raise UnknownRootError(f"root: no node {root!r} in the graph{day}")
        graph = _kept(graph, _under(graph, root))
    if types is not None:
        wanted = set(types)
        unwanted = [
            (u, v, k) for u, v, k, d in graph.edges(keys=True, data=True) if d["type"] not in wanted
        ]
        graph.remove_edges_from(unwanted)
    return graph
