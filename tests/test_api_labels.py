"""``GET /api/labels`` holds a word for every code the UI shows: each declared list of words
has exactly the codes of the query's ``Literal`` (a new code without words fails here), and
every listing column whose values are codes names the words it shows."""

from __future__ import annotations

from typing import get_args

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.api.labels import labels, router
from queries.catalog import QUERIES
from queries.chain import StopReason
from queries.changes import ChangeKind
from queries.conflicts import ConflictType
from queries.coverage import Status
from queries.mismatches import Detail, MismatchType
from queries.orphans import Reason

CODES = {
    "orphan_reasons": Reason,
    "coverage_statuses": Status,
    "mismatch_types": MismatchType,
    "mismatch_details": Detail,
    "conflict_types": ConflictType,
    "stop_reasons": StopReason,
    "change_kinds": ChangeKind,
}


@pytest.mark.parametrize("name", sorted(CODES))
def test_every_code_has_its_words(name: str) -> None:
    words = getattr(labels(), name)
    assert set(words) == set(get_args(CODES[name]))
    for code, term in words.items():
        assert term.en, code
        assert term.zh, code
        assert term.en != code, f"{code}: the English words are the code"


def test_schema_codes_are_spoken() -> None:
    served = labels()
    assert served.kinds["PartyOrg"]["general_branch"].en == "general branch"
    assert served.kinds["PartyOrg"]["general_branch"].zh == "党总支"
    assert served.labels["PartyOrg"].en == "Party org"
    assert served.relationship_kinds["SUPERVISES"]["direct_contact"].en == "direct contact"


def test_listing_columns_of_codes_name_their_words() -> None:
    served = labels().model_dump()
    coded = {"reason", "status", "type", "detail", "kind", "label"}
    # the lists the analysis view showed when the words were declared (a list added since
    # declares its own words with its codes)
    listed = ("orphans", "overlaps", "conflicts", "mismatches", "coverage", "transfers", "areas")
    for query in (QUERIES[name] for name in listed):
        assert query.listing
        for column in query.listing.columns:
            free_text = (query.name, column.field) == ("transfers", "reason")
            if column.field in coded and not free_text:
                assert column.terms, f"{query.name}.{column.field} shows codes without words"
                assert column.terms in served, column.terms


def test_the_route_serves_them() -> None:
    app = FastAPI()
    app.include_router(router, prefix="/api")
    body = TestClient(app).get("/api/labels").json()
    assert body["orphan_reasons"]["affiliation_ended"] == {
        "en": "affiliation ended",
        "zh": "隶属关系已终止",
        "description": "",
    }


def test_every_verdict_has_its_words() -> None:
    from graph_schema.declaration import JUDGEMENT_VERDICTS

    verdicts = labels().verdicts
    assert set(verdicts) == set(JUDGEMENT_VERDICTS)
    assert verdicts["same"].en == "Same body"
    assert verdicts["same"].zh == "同一机构"
    assert all(term.description == JUDGEMENT_VERDICTS[code] for code, term in verdicts.items())
