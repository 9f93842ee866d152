"""The catalogue of named queries: every question affgraph answers, by name.

The CLI (``affgraph query NAME``), the HTTP API (``GET /api/queries`` and a route per query)
and the docs all read this one dict.
"""

from __future__ import annotations

from typing import Any

from queries.base import NamedQuery
from queries.chain import CHAIN
from queries.conflicts import CONFLICTS
from queries.coverage import COVERAGE
from queries.history import HISTORY, TRANSFERS
from queries.mismatches import MISMATCHES
from queries.node import NODE
from queries.orphans import ORPHANS
from queries.overlaps import OVERLAP_PAIRS, OVERLAPS
from queries.search import SEARCH
from queries.stats import STATS
from queries.subtree import SUBTREE
from queries.superiors import SUPERIORS

__all__ = ["QUERIES", "describe"]

QUERIES: dict[str, NamedQuery[Any, Any]] = {
    q.name: q
    for q in (
        NODE,
        CHAIN,
        SUBTREE,
        HISTORY,
        SUPERIORS,
        STATS,
        ORPHANS,
        OVERLAPS,
        OVERLAP_PAIRS,
        CONFLICTS,
        MISMATCHES,
        COVERAGE,
        TRANSFERS,
        SEARCH,
    )
}


def describe(query: NamedQuery[Any, Any]) -> dict[str, Any]:
    """A query's catalogue entry: name, title, description, parameters and Cypher."""
    schema = query.params.model_json_schema()
    required = set(schema.get("required", []))
    params = [
        {
            "name": name,
            "required": name in required,
            "description": spec.get("description", ""),
            "type": spec.get("type")
            or [s.get("type") for s in spec.get("anyOf", []) if s.get("type") != "null"],
            "default": spec.get("default"),
        }
        for name, spec in schema.get("properties", {}).items()
    ]
    return {
        "name": query.name,
        "title": query.title,
        "description": query.description,
        "parameters": params,
        "cypher": query.cypher.strip(),
    }
