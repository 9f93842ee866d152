"""Where the graph lives: the embedded store (default) or Neo4j, behind one interface."""

from __future__ import annotations

from stores.base import GraphStore, StoreError

__all__ = ["GraphStore", "StoreError", "is_bolt_url", "open_store"]

_BOLT_SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")


def is_bolt_url(spec: str) -> bool:
    """Whether a store setting names a Bolt server rather than a file."""
    return spec.lower().startswith(_BOLT_SCHEMES)


def open_store(
    spec: str, *, user: str = "neo4j", password: str | None = None, database: str = "neo4j"
) -> GraphStore:
    """Open the store a setting names: a ``bolt://``/``neo4j://`` URL or a file path."""
    if is_bolt_url(spec):
        from stores.neo4j import Neo4jStore  # the driver is only needed for this store

        if password is None:
            raise StoreError(f"{spec}: set AFFGRAPH_NEO4J_PASSWORD to use a Neo4j store")
        return Neo4jStore(spec, (user, password), database=database)
    from stores.embedded import EmbeddedStore  # networkx: only for this store

    return EmbeddedStore(spec)
