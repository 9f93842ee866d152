"""``GET /api/labels``: the schema's words in English and Chinese, for a client to show.

Node labels and their kinds, relationship types and their kinds, and transfer statuses: each
with its description and its usual Chinese term, as ``graph_schema/declaration.py`` declares
them. The web UI shows these beside the values of its lists instead of copying them.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter
from pydantic import BaseModel, Field

from graph_schema.declaration import (
    NODE_LABELS,
    REL_TYPES,
    TRANSFER_STATUSES,
    TRANSFER_STATUSES_ZH,
)

__all__ = ["Labels", "Term", "router"]

router = APIRouter(tags=["schema"])


class Term(BaseModel):
    """One word of the schema."""

    description: str
    zh: str = Field(description="its usual Chinese term (empty: none declared)")


class Labels(BaseModel):
    """The schema's words, by kind of word."""

    labels: dict[str, Term] = Field(description="node labels")
    kinds: dict[str, dict[str, Term]] = Field(description="node label → its kinds")
    relationships: dict[str, Term] = Field(description="relationship types")
    relationship_kinds: dict[str, dict[str, Term]] = Field(
        description="relationship type → its kinds"
    )
    transfer_statuses: dict[str, Term]


def _terms(described: Mapping[str, str], zh: Mapping[str, tuple[str, ...]]) -> dict[str, Term]:
    return {
        name: Term(description=text, zh=next(iter(zh.get(name, ())), ""))
        for name, text in described.items()
    }


def labels() -> Labels:
    """The schema's words, from its declaration."""
    return Labels(
        labels={n: Term(description=lb.description, zh=lb.zh) for n, lb in NODE_LABELS.items()},
        kinds={n: _terms(lb.kinds, lb.kinds_zh) for n, lb in NODE_LABELS.items()},
        relationships={n: Term(description=r.description, zh=r.zh) for n, r in REL_TYPES.items()},
        relationship_kinds={n: _terms(r.kinds, r.kinds_zh) for n, r in REL_TYPES.items()},
        transfer_statuses=_terms(TRANSFER_STATUSES, TRANSFER_STATUSES_ZH),
    )


@router.get("/labels", response_model=Labels, summary="The schema's words, in English and Chinese")
def get_labels() -> Labels:
    """Node labels, kinds, relationship types and transfer statuses, each with its
    description and its usual Chinese term."""
    return labels()
