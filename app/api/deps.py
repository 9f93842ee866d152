"""Dependencies shared by the routers, declared once."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from stores import GraphStore

__all__ = ["StoreDep", "get_store"]


def get_store(request: Request) -> GraphStore:
    """The store the application opened in its lifespan."""
    return cast(GraphStore, request.app.state.store)


StoreDep = Annotated[GraphStore, Depends(get_store)]
