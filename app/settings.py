"""All configuration, from one place: ``AFFGRAPH_*`` environment variables (or a ``.env``)."""

from __future__ import annotations

import re

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_TOKEN_NAME", "Settings", "parse_tokens"]

#: The name the one token of ``AFFGRAPH_API_TOKEN`` writes under in the load log.
DEFAULT_TOKEN_NAME = "api"
_TOKEN_NAME = re.compile(r"[\w.@-]{1,64}")


def parse_tokens(text: str) -> dict[str, str]:
    """``"alice:tok1,bob:tok2"`` → ``{"alice": "tok1", "bob": "tok2"}``. A name is 1–64
    letters, digits, ``_ . @ -`` and names one token; a token is not empty. The error never
    shows a token (settings errors are printed)."""
    tokens: dict[str, str] = {}
    for number, entry in enumerate(filter(None, (e.strip() for e in text.split(","))), 1):
        name, sep, token = entry.partition(":")
        name, token = name.strip(), token.strip()
        if not sep or not token or not _TOKEN_NAME.fullmatch(name):
            raise ValueError(
                f"entry {number} of AFFGRAPH_API_TOKENS: expected name:token, a name of "
                "letters, digits, _ . @ - and a token that is not empty"
            )
        if name in tokens:
            raise ValueError(f"AFFGRAPH_API_TOKENS names {name!r} twice")
        tokens[name] = token
    return tokens


class Settings(BaseSettings):
    """affgraph's settings. Every field is documented in the README's settings table."""

    model_config = SettingsConfigDict(
        env_prefix="AFFGRAPH_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    store: str = Field(
        "./affgraph.db",
        description="a file path (the embedded store) or a "
        "bolt:// / neo4j:// URL (the Neo4j store)",
    )
    neo4j_user: str = Field("neo4j", description="user for the Neo4j store")
    neo4j_password: SecretStr | None = Field(None, description="password for the Neo4j store")
    neo4j_database: str = Field("neo4j", description="database of the Neo4j store")
    host: str = Field("127.0.0.1", description="address `affgraph serve` binds to")
    port: int = Field(8000, description="port `affgraph serve` listens on")
    api_token: SecretStr | None = Field(
        None,
        description="bearer token that writes (POST /api/load, revert, tags) require, logged "
        "as written by 'api'; unset (and no api_tokens): writes disabled",
    )
    api_tokens: SecretStr | None = Field(
        None,
        description="named bearer tokens, name:token,name:token (alice:tok1,bob:tok2): the "
        "load log says which name wrote; beside api_token",
    )
    token_for_reads: bool = Field(False, description="require the bearer token for reads too")
    query_timeout_s: float = Field(
        30.0,
        gt=0,
        description="longest a query may run, in "
        "seconds (on Neo4j: the transaction timeout); past it 504",
    )
    max_upload_mb: float = Field(100.0, gt=0, description="largest upload POST /api/load takes")
    cors_origins: list[str] = Field(
        default_factory=list, description="origins allowed by CORS (JSON list); empty: CORS off"
    )

    def tokens(self) -> dict[str, SecretStr]:
        """Every token that may write, by the name the load log gives its writes
        (:func:`parse_tokens`: a malformed ``api_tokens`` is a ValueError that shows no
        token; :func:`app.main.create_app` asks once, so a server does not start with one)."""
        named = parse_tokens(self.api_tokens.get_secret_value()) if self.api_tokens else {}
        tokens = {name: SecretStr(token) for name, token in named.items()}
        if self.api_token is not None and self.api_token.get_secret_value():
            tokens.setdefault(DEFAULT_TOKEN_NAME, self.api_token)
        return tokens
