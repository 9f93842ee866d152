"""Who may write (and, optionally, read), and under which name: bearer tokens.

``AFFGRAPH_API_TOKENS="alice:tok1,bob:tok2"`` names each token; ``AFFGRAPH_API_TOKEN`` is one
more, named ``api``. A write is logged as made by its token's name (the load log's ``who``),
so a team sees who loaded what without accounts. Without a configured token, writes are
disabled (403). A token is compared in constant time against every configured one (no early
exit that would tell how many there are or which matched) and never logged.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.settings import Settings

__all__ = ["Writer", "require_read", "require_write"]

_bearer = HTTPBearer(
    auto_error=False,
    description="a token of AFFGRAPH_API_TOKENS (name:token) or AFFGRAPH_API_TOKEN",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _check(
    settings: Settings, credentials: HTTPAuthorizationCredentials | None, what: str = "writes"
) -> str:
    """The name of the token ``credentials`` holds, or 403 (no tokens) / 401 (no match)."""
    tokens = settings.tokens()
    if not tokens:
        raise HTTPException(403, f"{what} are disabled: the server has no AFFGRAPH_API_TOKEN(S)")
    given = credentials.credentials.encode() if credentials else b""
    found = ""
    for name, token in tokens.items():  # every one, matched or not: the same time for all
        if hmac.compare_digest(given, token.get_secret_value().encode()):
            found = name
    if not credentials or not found:
        raise HTTPException(
            401,
            "a valid 'Authorization: Bearer <token>' header is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return found


def require_write(request: Request, credentials: Credentials) -> str:
    """Dependency of every write route: the writing token's name, for the load log."""
    return _check(_settings(request), credentials)


#: A write route's parameter: who writes (the name of the token it was sent with).
Writer = Annotated[str, Depends(require_write)]


def require_read(request: Request, credentials: Credentials) -> None:
    """Dependency of every read route: a no-op unless AFFGRAPH_TOKEN_FOR_READS is set."""
    settings = _settings(request)
    if settings.token_for_reads:
        _check(settings, credentials, "reads")
