"""The FastAPI application: the store opened in the lifespan, routers collected here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app import __version__
from app.api import duplicates, export, health, history, labels, load, queries
from app.api.auth import require_read
from app.api.errors import PARAMETER_ERRORS, ErrorEnvelope, install_error_handlers
from app.api.parameters import refuse_unknown_parameters
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
    settings.tokens()  # a malformed AFFGRAPH_API_TOKENS stops the server here, not at a write

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
    # every API route refuses query parameters it does not take (app.api.parameters)
    api = APIRouter(
        dependencies=[Depends(refuse_unknown_parameters)],
        responses={422: {"model": ErrorEnvelope, "description": PARAMETER_ERRORS}},
    )
    api.include_router(health.router)
    api.include_router(queries.router, dependencies=reads)
    api.include_router(labels.router, dependencies=reads)
    api.include_router(load.router)
    api.include_router(export.router, dependencies=reads)
    api.include_router(duplicates.router)  # its GET asks require_read itself, its writes the token
    api.include_router(history.router)  # likewise
    app.include_router(api, prefix="/api")
    mount_web(app)  # the browser UI: /, /static, /vendor
    return app
