"""``GET /api/health``: is the service up, on which store, holding how much."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app import __version__
from app.api.deps import StoreDep

__all__ = ["Health", "router"]

router = APIRouter(tags=["service"])


class Health(BaseModel):
    """The service's state."""

    status: str = Field(description="ok when the store answers")
    store: str = Field(description="embedded or neo4j")
    nodes: int = Field(description="number of nodes")
    edges: int = Field(description="number of edges (relationships)")
    nodes_by_label: dict[str, int]
    edges_by_type: dict[str, int]
    transfers: int
    sources: int
    version: str = Field(description="affgraph's version")


@router.get("/health", response_model=Health, summary="Service status and store counts")
def get_health(store: StoreDep) -> Health:
    """Status, store kind, node and edge counts, and the version."""
    counts = store.counts()
    return Health(
        status="ok",
        store=store.kind,
        nodes=counts.nodes,
        edges=counts.edges,
        nodes_by_label=counts.nodes_by_label,
        edges_by_type=counts.edges_by_type,
        transfers=counts.transfers,
        sources=counts.sources,
        version=__version__,
    )
