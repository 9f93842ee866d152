"""Who may write (and, optionally, read): a bearer token from ``AFFGRAPH_API_TOKEN``.

Without a configured token, writes are disabled (403). The token is compared in constant
time and never logged.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.settings import Settings

__all__ = ["require_read", "require_write"]

_bearer = HTTPBearer(auto_error=False, description="AFFGRAPH_API_TOKEN")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _check(
    settings: Settings, credentials: HTTPAuthorizationCredentials | None, what: str = "writes"
) -> None:
    if settings.api_token is None:
        raise HTTPException(403, f"{what} are disabled: the server has no AFFGRAPH_API_TOKEN")
    expected = settings.api_token.get_secret_value().encode()
    given = credentials.credentials.encode() if credentials else b""
    if not credentials or not hmac.compare_digest(given, expected):
        raise HTTPException(
            401,
            "a valid 'Authorization: Bearer <token>' header is required",
            headers={"WWW-Authenticate": "Bearer"},
        )


def require_write(request: Request, credentials: Credentials) -> None:
    """Dependency of every write route."""
    _check(_settings(request), credentials)


def require_read(request: Request, credentials: Credentials) -> None:
    """Dependency of every read route: a no-op unless AFFGRAPH_TOKEN_FOR_READS is set."""
    settings = _settings(request)
    if settings.token_for_reads:
        _check(settings, credentials, "reads")
