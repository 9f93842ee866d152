"""The catalogue of named queries: every question affgraph answers, by name.

The CLI (``affgraph query NAME``), the HTTP API (``GET /api/queries`` and a route per query),
the web UI's analysis lists and the cookbook all read this one dict, and each query's entry
(:func:`describe`). A new query is a module of ``queries/`` and one line here.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from queries.areas import AREAS
from queries.base import NamedQuery
from queries.chain import CHAIN
from queries.conflicts import CONFLICTS
from queries.coverage import COVERAGE
from queries.diff import DIFF
from queries.history import HISTORY, TRANSFERS
from queries.mismatches import MISMATCHES
from queries.node import NODE
from queries.orphans import ORPHANS
from queries.overlaps import OVERLAP_PAIRS, OVERLAPS
from queries.search import SEARCH
from queries.stats import STATS
from queries.subtree import SUBTREE
from queries.superiors import SUPERIORS
from queries.timeline import TIMELINE

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
        DIFF,
        TIMELINE,
        AREAS,
        SEARCH,
    )
}


def _parameter(name: str, spec: dict[str, Any], required: bool) -> dict[str, Any]:
    """A parameter's entry, from its JSON Schema: ``enum`` lists the values it takes, if it
    takes only some."""
    branches = [spec, *spec.get("anyOf", [])]
    enum = next((branch["enum"] for branch in branches if "enum" in branch), None)
    return {
        "name": name,
        "required": required,
        "description": spec.get("description", ""),
        "type": spec.get("type")
        or [s.get("type") for s in spec.get("anyOf", []) if s.get("type") != "null"],
        "default": spec.get("default"),
        "enum": enum,
    }


def describe(query: NamedQuery[Any, Any]) -> dict[str, Any]:
    """A query's catalogue entry: name, title, description, parameters, Cypher, where the
    API serves it, its examples, whether it has a graph view, and its analysis list."""
    schema = query.params.model_json_schema()
    required = set(schema.get("required", []))
    listing = query.listing
    return {
        "name": query.name,
        "title": query.title,
        "description": query.description,
        "parameters": [
            _parameter(name, spec, name in required)
            for name, spec in schema.get("properties", {}).items()
        ],
        "cypher": query.cypher.strip(),
        "path": query.path,
        "tag": query.route.tag,
        "graph": query.graph is not None,
        "examples": [dict(example) for example in query.examples],
        "listing": None
        if listing is None
        else {
            **asdict(listing),
            "columns": [asdict(column) for column in listing.columns],
            "opens": [asdict(opens) for opens in listing.opens],
        },
    }
