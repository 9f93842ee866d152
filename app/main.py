"""The FastAPI application: the store opened in the lifespan, routers collected here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app import __version__
from app.api import export, health, load, queries
from app.api.auth import require_read
from app.api.errors import install_error_handlers
from app.settings import Settings
from app.web import mount_web
from stores import GraphStore, open_store

__all__ = ["create_app", "open_configured_store"]


def open_configured_store(settings: Settings) -> GraphStore:
    """The store the settings name."""
    password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else None
    return open_store(
        settings.store,
        user=settings.neo4j_user,
        password=password,
        database=settings.neo4j_database,
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new application; the store is opened when it starts and closed when it stops."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.store = open_configured_store(settings)
        load.sweep_stale_uploads()
        try:
            yield
        finally:
            app.state.store.close()

    app = FastAPI(
        title="affgraph",
        version=__version__,
        lifespan=lifespan,
        description="Party–enterprise affiliation structures: reporting lines, "
        "parents-in-law and orphaned branches, as of any date.",
    )
    app.state.settings = settings
    install_error_handlers(app)
    if settings.cors_origins:  # off unless configured
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET"],
            allow_headers=["Authorization"],
        )
    app.middleware("http")(load.guard_writes)
    # documented (and checked) only when reads need the token
    reads = [Depends(require_read)] if settings.token_for_reads else []
    app.include_router(health.router, prefix="/api")
    app.include_router(queries.router, prefix="/api", dependencies=reads)
    app.include_router(load.router, prefix="/api")
    app.include_router(export.router, prefix="/api", dependencies=reads)
    mount_web(app)  # the browser UI: /, /static, /vendor
    return app
