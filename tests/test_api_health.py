"""``GET /api/health`` on both stores, through the app's own lifespan."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from loaders.load import load_paths
from stores.base import GraphStore
from tests.conftest import BoltTarget


def test_health_reports_store_and_counts(
    store: GraphStore, store_kind: str, cases_dir, request
) -> None:
    summary = load_paths(store, [cases_dir])
    counts = store.counts()
    if store_kind == "embedded":
        settings = Settings(store=store.location)
    else:
        bolt: BoltTarget = request.getfixturevalue("bolt")
        settings = Settings(
            store=bolt.uri,
            neo4j_user=bolt.auth[0],
            neo4j_password=bolt.auth[1],
            neo4j_database=bolt.database,
        )
    with TestClient(create_app(settings)) as client:
        body = client.get("/api/health").json()
    assert summary.total("created") == counts.nodes + counts.edges + 7
    assert body["store"] == store_kind
    assert body["nodes"] == counts.nodes
    assert body["edges"] == counts.edges
    assert body["nodes_by_label"] == counts.nodes_by_label
    assert body["version"]
