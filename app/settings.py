"""All configuration, from one place: ``AFFGRAPH_*`` environment variables (or a ``.env``)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


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
        description="bearer token that writes (POST /api/load) require; unset: writes disabled",
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
