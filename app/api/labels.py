"""``GET /api/labels``: every code a client shows, in English and Chinese.

Node labels and their kinds, relationship types and their kinds, and transfer statuses, as
``graph_schema/declaration.py`` declares them (with the verdicts on candidate duplicates); and
the codes the named queries answer with — orphan reasons, coverage statuses, mismatch types
and details, conflict types, the reasons a reporting line stops, the kinds of change — as each
query declares them beside its own ``Literal``. The web UI shows these words instead of the
codes, and keeps no copy of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from fastapi import APIRouter
from pydantic import BaseModel, Field

from graph_schema.declaration import (
    JUDGEMENT_VERDICT_WORDS,
    JUDGEMENT_VERDICTS,
    NODE_LABELS,
    REL_TYPES,
    TRANSFER_STATUSES,
    TRANSFER_STATUSES_ZH,
)
from queries.chain import STOP_WORDS
from queries.changes import CHANGE_WORDS
from queries.conflicts import TYPE_WORDS as CONFLICT_TYPE_WORDS
from queries.coverage import STATUS_WORDS
from queries.mismatches import DETAIL_WORDS
from queries.mismatches import TYPE_WORDS as MISMATCH_TYPE_WORDS
from queries.orphans import REASON_WORDS

__all__ = ["Labels", "Term", "labels", "router"]

router = APIRouter(tags=["schema"])


class Term(BaseModel):
    """One code, as people read it."""

    en: str = Field(description="its English words")
    zh: str = Field(description="its usual Chinese term (empty: none declared)")
    description: str = ""


class Labels(BaseModel):
    """The words of every code, by kind of code."""

    labels: dict[str, Term] = Field(description="node labels")
    kinds: dict[str, dict[str, Term]] = Field(description="node label → its kinds")
    relationships: dict[str, Term] = Field(description="relationship types")
    relationship_kinds: dict[str, dict[str, Term]] = Field(
        description="relationship type → its kinds (the kinds of line)"
    )
    transfer_statuses: dict[str, Term]
    orphan_reasons: dict[str, Term] = Field(description="why an organization is an orphan")
    coverage_statuses: dict[str, Term] = Field(description="the kinds of coverage gap")
    mismatch_types: dict[str, Term] = Field(description="what a formal line disagrees with")
    mismatch_details: dict[str, Term] = Field(description="how it disagrees")
    conflict_types: dict[str, Term] = Field(description="the kinds of data conflict")
    stop_reasons: dict[str, Term] = Field(description="why a reporting line stops where it does")
    change_kinds: dict[str, Term] = Field(description="the kinds of change diff and timeline list")
    verdicts: dict[str, Term] = Field(
        description="what a person may judge a candidate pair of duplicates"
    )


def _spoken(code: str) -> str:
    """A schema code as English words: ``general_branch`` → general branch, ``PartyOrg`` →
    Party org (the schema declares descriptions and Chinese terms, not short English)."""
    return re.sub(r"(?<=[a-z])([A-Z])", lambda m: " " + m[1].lower(), code).replace("_", " ")


def _schema_terms(
    described: Mapping[str, str], zh: Mapping[str, tuple[str, ...]]
) -> dict[str, Term]:
    return {
        name: Term(en=_spoken(name), zh=next(iter(zh.get(name, ())), ""), description=text)
        for name, text in described.items()
    }


def _declared(words: Mapping[str, tuple[str, str]]) -> dict[str, Term]:
    return {code: Term(en=en, zh=zh) for code, (en, zh) in words.items()}


def labels() -> Labels:
    """The words of every code, from their declarations."""
    return Labels(
        labels={
            n: Term(en=_spoken(n), zh=lb.zh, description=lb.description)
            for n, lb in NODE_LABELS.items()
        },
        kinds={n: _schema_terms(lb.kinds, lb.kinds_zh) for n, lb in NODE_LABELS.items()},
        relationships={
            n: Term(en=n.lower().replace("_", " "), zh=r.zh, description=r.description)
            for n, r in REL_TYPES.items()
        },
        relationship_kinds={n: _schema_terms(r.kinds, r.kinds_zh) for n, r in REL_TYPES.items()},
        transfer_statuses=_schema_terms(TRANSFER_STATUSES, TRANSFER_STATUSES_ZH),
        orphan_reasons=_declared(REASON_WORDS),
        coverage_statuses=_declared(STATUS_WORDS),
        mismatch_types=_declared(MISMATCH_TYPE_WORDS),
        mismatch_details=_declared(DETAIL_WORDS),
        conflict_types=_declared(CONFLICT_TYPE_WORDS),
        stop_reasons=_declared(STOP_WORDS),
        change_kinds=_declared(CHANGE_WORDS),
        verdicts={
            code: Term(en=en, zh=zh, description=JUDGEMENT_VERDICTS[code])
            for code, (en, zh) in JUDGEMENT_VERDICT_WORDS.items()
        },
    )


@router.get("/labels", response_model=Labels, summary="Every code's words, in English and Chinese")
def get_labels() -> Labels:
    """Node labels and kinds, relationship types and kinds, transfer statuses, and the codes
    the analyses answer with (orphan reasons, coverage statuses, mismatch types and details,
    conflict types, why a reporting line stops), each in English and Chinese."""
    return labels()
