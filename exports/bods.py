"""Beneficial Ownership Data Standard (BODS) 0.4 export: entity and relationship statements.

One JSON file holding the top-level array of statements that BODS names its canonical
serialisation, entity statements first, so that every relationship's ``subject`` and
``interestedParty`` name the ``recordId`` of a statement before it (BODS 0.4, "Statement
order"). See ``docs/interchange.md`` for the mapping and what it leaves out.

Entities (``recordType`` ``entity``, ``recordId`` the node id): Party organizations,
enterprises and bodies. Areas are places, not parties to ownership or control, and are left
out. The entity type follows what the organization is (:func:`entity_type`):

* enterprises: ``registeredEntity`` (registered with market regulation; the unified social
  credit code, when known, is an identifier of the org-id.guide scheme ``CN-USCI``);
* organs of the party-state: ``stateBody`` — government departments, bureaus and
  market-regulation offices as ``governmentDepartment``, SASAC commissions as
  ``stateAgency``, and the Party's working departments and its county-and-above committees
  and work committees as ``other`` (their staff are civil servants under the Civil Servant
  Law; ``details`` says which);
* trade associations and chambers of commerce (registered social organizations):
  ``registeredEntity``; the people's organizations (unions, Youth League, women's
  federations, federations of industry and commerce), other bodies and the grassroots Party
  organizations (committees, branches, leading groups …): ``legalEntity``, with ``details``
  naming the kind;
* a placeholder for an unknown id (``load --allow-unresolved``): ``unknownEntity``.

Relationships (``recordType`` ``relationship``, ``recordId`` the edge key) for the lines
that are ownership or control:

* ``AFFILIATED_TO`` (the one formal superior): the superior is the interested party, the
  organization the subject, with one interest ``controlByLegalFramework`` — the superior's
  authority comes from the Party's Constitution and regulations, not from shares, contract
  or articles — ``direct``, with the basis (territorial, sector …) in ``details``;
* ``OWNS``: ``shareholding`` with the share as ``share.exact``; ``directOrIndirect``
  ``unknown`` (the data does not say whether intermediaries exist).

Supervision ("parents-in-law"), ``BASED_IN``, ``LOCATED_IN`` and ``SUCCEEDS`` lines are not
ownership or control of the subject and are left out, and so are transfers. No interest is a
beneficial ownership (``beneficialOwnershipOrControl`` is false: every interested party is an
organization, never a person).

Dates: a validity interval's start and end become the interest's ``startDate`` and
``endDate`` (``endDate``: the day the interest ceased, as affgraph's exclusive ``valid_to``),
a node's become ``foundingDate`` and ``dissolutionDate``. BODS dates are full dates: a date
the source gives only as a month or a year is published as that period's first day (as BODS
allows) with a ``transformation`` annotation saying so. ``statementDate`` is the as-of day of
the export or else the day of the export; ``publicationDetails.publicationDate`` the day of
the export.

Provenance: a record's source becomes the statement's ``source`` (type ``primaryResearch``,
the document's title, publisher, date and the place in it as ``description``, its link as
``url``, its publisher in ``assertedBy``) and its quote a ``commenting`` annotation on the
whole statement.

``statementId`` is the SHA-256 of the statement's canonical JSON (without the id), so that
the same statement gets the same id and a changed one a new id (BODS, "Generating
statements").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from exports.snapshot import Snapshot
from graph_schema.declaration import NODE_LABELS, REL_TYPES
from graph_schema.records import Edge, Node, Source

__all__ = [
    "BODS_VERSION",
    "CONTROL_TYPES",
    "ENTITY_LABELS",
    "USCC_SCHEME",
    "EntityType",
    "entity_type",
    "is_state_body",
    "statements",
    "write_bods",
]

BODS_VERSION = "0.4"
#: The org-id.guide scheme of the unified social credit code (统一社会信用代码).
USCC_SCHEME = "CN-USCI"
USCC_SCHEME_NAME = "Unified Social Credit Identifier (统一社会信用代码)"
#: The scheme name of affgraph's own node ids (not an org-id.guide scheme).
NODE_ID_SCHEME_NAME = "affgraph node id"
PUBLISHER = {"name": "affgraph export"}
JURISDICTION = {"name": "China", "code": "CN"}

#: The node labels exported as entities (areas are places, not parties).
ENTITY_LABELS = ("PartyOrg", "Enterprise", "Body")
#: The relationship types exported, and the interest each line is.
CONTROL_TYPES = ("AFFILIATED_TO", "OWNS")

_GOVERNMENT = "governmentDepartment"
_AGENCY = "stateAgency"
_OTHER = "other"

#: (label, kind) → the ``stateBody`` subtype of the organs of the party-state.
_STATE_BODIES: Mapping[tuple[str, str], str] = {
    ("Body", "government"): _GOVERNMENT,
    ("Body", "industry_commerce"): _GOVERNMENT,
    ("Body", "investment_promotion"): _GOVERNMENT,
    ("Body", "sasac"): _AGENCY,
    ("Body", "organization_dept"): _OTHER,
    ("Body", "united_front_dept"): _OTHER,
    ("Body", "propaganda_dept"): _OTHER,
    ("Body", "social_work_dept"): _OTHER,
    ("Body", "npe_party_office"): _OTHER,
    ("PartyOrg", "local_committee"): _OTHER,
    ("PartyOrg", "work_committee"): _OTHER,
}
#: Bodies registered as social organizations (社会团体), with a credit code of their own.
_REGISTERED_BODIES = frozenset({"trade_association", "chamber_of_commerce"})


@dataclass(frozen=True)
class EntityType:
    """A BODS ``entityType``: type, subtype (or none) and details."""

    type: str
    subtype: str | None
    details: str

    def as_json(self) -> dict[str, str]:
        out = {"type": self.type}
        if self.subtype is not None:
            out["subtype"] = self.subtype
        out["details"] = self.details
        return out


def _kind_text(node: Node) -> str:
    label = NODE_LABELS.get(node.label)
    described = label.kinds.get(node.kind) if label is not None else None
    return f"affgraph {node.label} {node.kind}" + (f": {described}" if described else "")


def is_state_body(node: Node) -> bool:
    """Whether the node is an organ of the party-state (BODS ``stateBody``, FtM
    ``PublicBody``)."""
    return (node.label, node.kind) in _STATE_BODIES


def entity_type(node: Node) -> EntityType:
    """The BODS entity type of a node (see the module docstring for why)."""
    details = _kind_text(node)
    if node.props.get("unresolved"):
        return EntityType("unknownEntity", None, f"{details} (a placeholder for an unknown id)")
    subtype = _STATE_BODIES.get((node.label, node.kind))
    if subtype is not None:
        return EntityType("stateBody", subtype, details)
    if node.label == "Enterprise" or (node.label == "Body" and node.kind in _REGISTERED_BODIES):
        return EntityType("registeredEntity", None, details)
    return EntityType("legalEntity", None, details)


# -- statements --------------------------------------------------------------------------------


def _statement_id(statement: Mapping[str, Any]) -> str:
    text = json.dumps(statement, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _is_uri(value: str) -> bool:
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc)


def _source(props: Mapping[str, Any], sources: Mapping[str, Source]) -> dict[str, Any] | None:
    """The statement's ``source``: the document the record cites, and where in it."""
    source_id = props.get("source")
    page = props.get("page")
    if source_id is None and page is None:
        return None
    doc = sources.get(source_id) if source_id is not None else None
    about = doc.props if doc is not None else {}
    parts = [str(about.get("title") or source_id)] if source_id is not None else []
    for key in ("publisher", "date"):
        if about.get(key) is not None:
            value = about[key]
            parts.append(value.isoformat() if isinstance(value, date) else str(value))
    if page is not None:
        parts.append(f"at: {page}")
    out: dict[str, Any] = {"type": ["primaryResearch"], "description": "; ".join(parts)}
    url = about.get("url")
    if isinstance(url, str) and _is_uri(url):
        out["url"] = url
    if about.get("publisher"):
        out["assertedBy"] = [{"name": str(about["publisher"])}]
    return out


_PRECISION = {"year": "the year", "month": "the month"}


def _date(
    props: Mapping[str, Any], field: str, value: date | None, pointer: str, out: list[Any]
) -> str | None:
    """A date as BODS holds it; a date known only to the month or year is its period's first
    day, and a ``transformation`` annotation at ``pointer`` says so (added to ``out``)."""
    if value is None:
        return None
    text = value.isoformat()
    precision = props.get(f"{field}_precision")
    if precision in _PRECISION:
        given = text[:4] if precision == "year" else text[:7]
        out.append(
            {
                "statementPointerTarget": pointer,
                "motivation": "transformation",
                "description": f"the source gives only {_PRECISION[precision]} ({given}); "
                f"BODS dates are full dates, so the first day of that period stands for it",
                "transformedContent": text,
            }
        )
    return text


def _quote(props: Mapping[str, Any]) -> list[dict[str, Any]]:
    quote = props.get("quote")
    if not quote:
        return []
    return [
        {
            "statementPointerTarget": "",
            "motivation": "commenting",
            "description": f"the source's words: {quote}",
        }
    ]


@dataclass(frozen=True)
class _Dates:
    statement: str
    publication: str


def _finish(
    record: dict[str, Any],
    props: Mapping[str, Any],
    sources: Mapping[str, Source],
    dates: _Dates,
    annotations: list[dict[str, Any]],
) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "statementDate": dates.statement,
        **record,
        "publicationDetails": {
            "publicationDate": dates.publication,
            "bodsVersion": BODS_VERSION,
            "publisher": PUBLISHER,
        },
    }
    source = _source(props, sources)
    if source is not None:
        statement["source"] = source
    notes = [*_quote(props), *annotations]
    if notes:
        statement["annotations"] = notes
    return {"statementId": _statement_id(statement), **statement}


def _entity(node: Node, sources: Mapping[str, Source], dates: _Dates) -> dict[str, Any]:
    props = node.props
    annotations: list[dict[str, Any]] = []
    details: dict[str, Any] = {
        "isComponent": False,
        "entityType": entity_type(node).as_json(),
    }
    if props.get("unresolved"):
        details["unspecifiedEntityDetails"] = {
            "reason": "informationUnknownToPublisher",
            "description": "a record names this id, but no record describes it",
        }
    details["name"] = node.name
    others = [props.get("name_en"), *(props.get("aliases") or [])]
    if names := [str(n) for n in others if n]:
        details["alternateNames"] = names
    details["jurisdiction"] = JURISDICTION
    identifiers: list[dict[str, str]] = []
    if props.get("uscc"):
        identifiers.append(
            {"id": str(props["uscc"]), "scheme": USCC_SCHEME, "schemeName": USCC_SCHEME_NAME}
        )
    identifiers.append({"id": node.id, "schemeName": NODE_ID_SCHEME_NAME})
    details["identifiers"] = identifiers
    for field, target, value in (
        ("valid_from", "foundingDate", node.valid_from),
        ("valid_to", "dissolutionDate", node.valid_to),
    ):
        text = _date(props, field, value, f"/recordDetails/{target}", annotations)
        if text is not None:
            details[target] = text
    record = {
        "recordId": node.id,
        "recordType": "entity",
        "declarationSubject": node.id,
        "recordDetails": details,
    }
    return _finish(record, props, sources, dates, annotations)


def _interest(edge: Edge, annotations: list[dict[str, Any]]) -> dict[str, Any]:
    rel = REL_TYPES[edge.type]
    if edge.type == "AFFILIATED_TO":
        basis = rel.kinds.get(edge.kind or "", "")
        interest: dict[str, Any] = {
            "type": "controlByLegalFramework",
            "directOrIndirect": "direct",
            "beneficialOwnershipOrControl": False,
            "details": f"affiliation (隶属关系), the one formal superior; basis: {edge.kind}"
            + (f" ({basis})" if basis else ""),
        }
    else:
        interest = {
            "type": "shareholding",
            "directOrIndirect": "unknown",
            "beneficialOwnershipOrControl": False,
            "details": "a shareholding (affgraph OWNS)",
        }
        share = edge.props.get("share_pct")
        if share is not None:
            interest["share"] = {"exact": share}
    for field, target, value in (
        ("valid_from", "startDate", edge.valid_from),
        ("valid_to", "endDate", edge.valid_to),
    ):
        pointer = f"/recordDetails/interests/0/{target}"
        text = _date(edge.props, field, value, pointer, annotations)
        if text is not None:
            interest[target] = text
    return interest


def _relationship(edge: Edge, sources: Mapping[str, Source], dates: _Dates) -> dict[str, Any]:
    annotations: list[dict[str, Any]] = []
    if edge.type == "AFFILIATED_TO":
        subject, party = edge.src, edge.dst  # the organization, its superior
    else:
        subject, party = edge.dst, edge.src  # the enterprise owned, its owner
    record = {
        "recordId": edge.key,
        "recordType": "relationship",
        "declarationSubject": subject,
        "recordDetails": {
            "isComponent": False,
            "subject": subject,
            "interestedParty": party,
            "interests": [_interest(edge, annotations)],
        },
    }
    return _finish(record, edge.props, sources, dates, annotations)


def statements(snapshot: Snapshot, *, today: date | None = None) -> Iterator[dict[str, Any]]:
    """The BODS statements of a snapshot: entities, then the relationships between them.

    ``today`` is the day of the export (default: today's date), the publication date and,
    without an as-of day, the statement date.
    """
    day = today or date.today()
    dates = _Dates((snapshot.as_of or day).isoformat(), day.isoformat())
    sources = {s.id: s for s in snapshot.sources()}
    entities: set[str] = set()
    for node in snapshot.nodes():
        if node.label in ENTITY_LABELS:
            entities.add(node.id)
            yield _entity(node, sources, dates)
    for edge in snapshot.edges():
        if edge.type in CONTROL_TYPES and edge.src in entities and edge.dst in entities:
            yield _relationship(edge, sources, dates)


def write_bods(snapshot: Snapshot, path: Path, *, today: date | None = None) -> list[Path]:
    """Write the BODS statements to ``path``: one JSON array, a statement per line."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[")
        sep = "\n"
        for statement in statements(snapshot, today=today):
            handle.write(sep)
            handle.write(json.dumps(statement, ensure_ascii=False))
            sep = ",\n"
        handle.write("\n]\n")
    return [path]
