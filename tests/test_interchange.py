"""Interchange exports: FollowTheMoney entities read back with the
``followthemoney`` library, and BODS 0.4 statements validated by the official BODS 0.4 JSON
Schema (vendored in ``tests/bods_schema/``) with ``jsonschema``; every node, line and date
compared with the store the export came from, on both stores."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from followthemoney import EntityProxy, model, registry
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from typer.testing import CliRunner

from app.cli import cli
from app.main import create_app
from app.settings import Settings
from exports import FORMATS, export
from exports.bods import write_bods
from exports.ftm import FtmExportError, entity_id, line_id
from exports.snapshot import Snapshot
from graph_schema.declaration import NODE_LABELS, REL_TYPES
from graph_schema.records import Edge, Node, Source
from graph_schema.uscc import is_valid_uscc, uscc_check_char
from loaders.load import load_paths
from stores.base import GraphStore
from stores.embedded import EmbeddedStore

SCHEMA_DIR = Path(__file__).resolve().parent / "bods_schema"

#: A code GB 32100's checksum accepts and python-stdnum (FtM's check) accepts too.
USCC_STRICT = "91350100M000100Y43"
#: A code GB 32100's checksum accepts but python-stdnum refuses (it wants the first eight
#: characters to be digits; "Y" is the registration authority code of "other" authorities):
#: FtM would drop it as a uscCode.
_FIRST17 = "Y1120000MA05ABCD0"
USCC_LOOSE = _FIRST17 + uscc_check_char(_FIRST17)

# -- the graph ---------------------------------------------------------------------------------

D = date


def _extra(store: GraphStore) -> None:
    """Beside the public cases: every relationship type, dates known to the year or month,
    both kinds of credit code, names in two languages, an id FtM ids cannot hold, a
    placeholder, and a source with every field."""
    src = {"source": "doc_2020", "quote": "原文 quoted words", "page": "p. 3"}
    with store.writer() as w:
        w.upsert_sources(
            [
                Source(
                    "doc_2020",
                    {
                        "title": "A report",
                        "publisher": "A publisher",
                        "date": D(2020, 5, 1),
                        "url": "https://example.org/report",
                        "language": "zh",
                    },
                )
            ]
        )
        w.upsert_nodes(
            [
                Node("x-county", "Area", "county", "Some county", props=src),
                Node("x-street", "Area", "street", "Some street"),
                Node("x-county-pc", "PartyOrg", "local_committee", "县委", props=src),
                Node(
                    "x_group_pc",
                    "PartyOrg",
                    "committee",
                    "某集团有限公司党委",
                    D(2004, 1, 1),
                    D(2016, 4, 1),
                    {
                        "name_en": "Party committee of the group",
                        "aliases": ["集团党委", "集團黨委"],
                        "members": 120,
                        "valid_from_precision": "year",
                        "valid_to_precision": "month",
                        **src,
                    },
                ),
                Node("x-new-pc", "PartyOrg", "committee", "新党委", D(2016, 4, 1)),
                Node(
                    "x-group",
                    "Enterprise",
                    "soe",
                    "某集团有限公司",
                    D(1998, 3, 2),
                    props={"uscc": USCC_STRICT, "employees": 900, "state_equity_pct": 51.0},
                ),
                Node(
                    "x-sub",
                    "Enterprise",
                    "mixed",
                    "某子公司",
                    props={"uscc": USCC_LOOSE, "name_en": "The subsidiary"},
                ),
                Node("x-sasac", "Body", "sasac", "国资委"),
                Node("x-union", "Body", "union", "总工会"),
                Node("x-ghost", "PartyOrg", "committee", "x-ghost", props={"unresolved": True}),
            ]
        )
        w.upsert_edges(
            [
                Edge("LOCATED_IN", "x-street", "x-county", "part_of", D(2001, 1, 1), props=src),
                Edge("LOCATED_IN", "x-group", "x-street", "registered"),
                Edge("BASED_IN", "x_group_pc", "x-group", None, D(2004, 1, 1)),
                Edge(
                    "AFFILIATED_TO",
                    "x_group_pc",
                    "x-county-pc",
                    "system",
                    D(2004, 1, 1),
                    D(2016, 4, 1),
                    {"valid_from_precision": "year", "valid_to_precision": "month", **src},
                ),
                Edge("AFFILIATED_TO", "x-new-pc", "x-ghost", "territorial", D(2016, 4, 1)),
                Edge("SUPERVISES", "x-union", "x-group", "guidance", D(2018, 1, 1)),
                Edge("OWNS", "x-sasac", "x-group", None, D(2000, 1, 1), props={"share_pct": 51.0}),
                Edge("OWNS", "x-group", "x-sub", None, props=src),
                Edge("SUCCEEDS", "x-new-pc", "x_group_pc", "reorganization", D(2016, 4, 1)),
            ]
        )


@pytest.fixture
def graph(store: GraphStore, cases_dir: Path) -> GraphStore:
    """A store of each kind holding the public cases and :func:`_extra`."""
    load_paths(store, [cases_dir])
    _extra(store)
    return store


def _records(store: GraphStore) -> tuple[list[Node], list[Edge], dict[str, Source]]:
    return (
        list(store.iter_nodes()),
        list(store.iter_edges()),
        {s.id: s for s in store.iter_sources()},
    )


def _day(value: date | None, precision: Any = None) -> str | None:
    """A date as both exports must hold it, at the source's precision (FtM) or full."""
    if value is None:
        return None
    return {"year": value.isoformat()[:4], "month": value.isoformat()[:7]}.get(
        precision, value.isoformat()
    )


# -- FollowTheMoney ----------------------------------------------------------------------------

#: The documented schema of each node: (label, kind) where it depends on the kind.
PUBLIC_BODIES = {
    ("Body", k)
    for k in (
        "sasac",
        "government",
        "industry_commerce",
        "investment_promotion",
        "organization_dept",
        "united_front_dept",
        "propaganda_dept",
        "social_work_dept",
        "npe_party_office",
    )
} | {("PartyOrg", "local_committee"), ("PartyOrg", "work_committee")}
LINKS = {
    "AFFILIATED_TO": ("Control", "controlled", "controller"),
    "SUPERVISES": ("UnknownLink", "subject", "object"),
    "OWNS": ("Ownership", "owner", "asset"),
    "SUCCEEDS": ("Succession", "successor", "predecessor"),
    "BASED_IN": ("UnknownLink", "subject", "object"),
    "LOCATED_IN": ("UnknownLink", "subject", "object"),
}


def _expected_schema(node: Node) -> str:
    if node.label == "Enterprise":
        return "Company"
    if node.label == "Area":
        return "Territory"
    return "PublicBody" if (node.label, node.kind) in PUBLIC_BODIES else "Organization"


def _read_ftm(path: Path) -> dict[str, EntityProxy]:
    """Every entity of an FtM export, read back by the library (values cleaned again: a
    value FtM would not accept does not survive, and the comparison below fails)."""
    entities: dict[str, EntityProxy] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        data = json.loads(line)
        proxy = model.get_proxy(data, cleaned=False)
        assert proxy.to_dict()["properties"] == data["properties"], data["id"]
        assert proxy.schema.validate({"properties": data["properties"]}) is None
        assert all(proxy.has(p) for p in proxy.schema.required), data["id"]
        assert proxy.id not in entities, proxy.id
        assert proxy.id is not None
        entities[proxy.id] = proxy
    return entities


def _check_provenance(
    entity: EntityProxy, props: dict[str, Any] | Any, sources: dict[str, Source]
) -> None:
    source_id, page, quote = props.get("source"), props.get("page"), props.get("quote")
    if source_id is None:
        assert not entity.has("proof")
        assert not entity.has("publisher")
    else:
        doc = sources[source_id].props
        assert entity.get("proof") == [entity_id("source", source_id)]
        assert entity.get("publisher") == ([doc["publisher"]] if doc.get("publisher") else [])
        assert entity.get("sourceUrl") == (
            [registry.url.clean(doc["url"])] if doc.get("url") else []
        )
    cited = [str(sources[source_id].props.get("title") or source_id)] if source_id else []
    cited += [page] if page is not None else []
    assert entity.get("summary") == ([", ".join(cited)] if cited else [])
    assert entity.get("description") == ([registry.text.clean(quote)] if quote else [])


def test_ftm_reads_back_with_every_entity_and_date(graph: GraphStore, tmp_path: Path) -> None:
    path = tmp_path / "graph.ftm.json"
    result = export(graph, "ftm", path)
    entities = _read_ftm(path)
    nodes, edges, sources = _records(graph)
    assert len(entities) == len(nodes) + len(edges) + len(sources)
    assert result.counts["node"] == len(nodes)
    assert result.counts["edge"] == len(edges)

    for source in sources.values():
        doc = entities[entity_id("source", source.id)]
        assert doc.schema.name == "Article"
        assert doc.get("title") == [source.props.get("title") or source.id]
        published = _day(source.props.get("date"), source.props.get("date_precision"))
        assert doc.get("publishedAt") == ([published] if published else [])
        if "language" in source.props:
            assert doc.get("language") == [registry.language.clean(source.props["language"])]
    assert entity_id("source", "doc_2020").startswith("affgraph.source.")  # "_": hashed

    for node in nodes:
        entity = entities[entity_id("node", node.id)]
        props = node.props
        assert entity.schema.name == _expected_schema(node), node.id
        names = {node.name, *([props["name_en"]] if "name_en" in props else [])}
        assert set(entity.get("name")) == {registry.name.clean(n) for n in names}
        assert entity.get("alias") == list(props.get("aliases", []))
        if node.label == "Area":
            assert entity.get("level") == [node.kind]
            assert entity.get("country") == ["cn"]
        else:
            assert entity.get("classification") == [f"{node.label}/{node.kind}"]
            assert entity.get("jurisdiction") == ["cn"]
            assert NODE_LABELS[node.label].kinds[node.kind].endswith(entity.get("legalForm")[0])
            start = _day(node.valid_from, props.get("valid_from_precision"))
            end = _day(node.valid_to, props.get("valid_to_precision"))
            assert entity.get("incorporationDate") == ([start] if start else [])
            assert entity.get("dissolutionDate") == ([end] if end else [])
            assert entity.get("status") == (["unresolved"] if props.get("unresolved") else [])
        if node.label == "Enterprise" and "uscc" in props:
            strict = registry.identifier.clean(props["uscc"], format="uscc")
            held = entity.get("uscCode") if strict else entity.get("registrationNumber")
            assert held == [props["uscc"]], node.id
        _check_provenance(entity, props, sources)

    for edge in edges:
        entity = entities[line_id(edge)]
        schema, start_prop, end_prop = LINKS[edge.type]
        assert entity.schema.name == schema, edge.key
        assert entity.get(start_prop) == [entity_id("node", edge.src)]
        assert entity.get(end_prop) == [entity_id("node", edge.dst)]
        assert entity.get("recordId") == [edge.key]
        rel = REL_TYPES[edge.type]
        assert entity.get("role") == [rel.kinds[edge.kind] if edge.kind else rel.description]
        start = _day(edge.valid_from, edge.props.get("valid_from_precision"))
        end = _day(edge.valid_to, edge.props.get("valid_to_precision"))
        assert entity.get("startDate") == ([start] if start else [])
        assert entity.get("endDate") == ([end] if end else [])
        if edge.type == "OWNS":
            share = edge.props.get("share_pct")
            assert entity.get("percentage") == ([registry.number.clean(share)] if share else [])
        _check_provenance(entity, edge.props, sources)

    # every entity a property names is in the export
    for entity in entities.values():
        for prop, value in entity.itervalues():
            if prop.type == registry.entity:
                assert value in entities, (entity.id, prop.name, value)


def test_ftm_keeps_what_the_precise_cases_say(graph: GraphStore, tmp_path: Path) -> None:
    """The extra graph's own values, spelled out (the comparison above derives them)."""
    path = tmp_path / "graph.ftm.json"
    export(graph, "ftm", path)
    entities = _read_ftm(path)
    group_pc = entities[entity_id("node", "x_group_pc")]
    assert group_pc.id is not None
    assert group_pc.id.startswith("affgraph.node.")  # "_" is not allowed in FtM ids
    assert group_pc.get("incorporationDate") == ["2004"]
    assert group_pc.get("dissolutionDate") == ["2016-04"]
    assert entities[entity_id("node", "x-group")].get("uscCode") == [USCC_STRICT]
    sub = entities[entity_id("node", "x-sub")]
    assert is_valid_uscc(USCC_LOOSE)
    assert registry.identifier.clean(USCC_LOOSE, format="uscc") is None
    assert sub.get("uscCode") == []
    assert sub.get("registrationNumber") == [USCC_LOOSE]
    line = entities[
        line_id(Edge("AFFILIATED_TO", "x_group_pc", "x-county-pc", "system", D(2004, 1, 1)))
    ]
    assert line.schema.name == "Control"
    assert line.get("controller") == ["affgraph-node-x-county-pc"]
    assert line.get("controlType") == ["affiliation (隶属关系)"]
    assert (line.get("startDate"), line.get("endDate")) == (["2004"], ["2016-04"])
    assert line.get("summary") == ["A report, p. 3"]
    assert line.get("description") == ["原文 quoted words"]


def test_ftm_as_of_exports_the_snapshot(graph: GraphStore, tmp_path: Path) -> None:
    path = tmp_path / "day.ftm.json"
    day = D(2010, 1, 1)
    result = export(graph, "ftm", path, as_of=day)
    entities = _read_ftm(path)
    nodes, edges, sources = _records(graph)
    kept = {n.id for n in nodes if n.active(day)}
    lines = [e for e in edges if e.active(day) and e.src in kept and e.dst in kept]
    assert {entity_id("node", n) for n in kept} | {line_id(e) for e in lines} | {
        entity_id("source", s) for s in sources
    } == set(entities)
    assert result.counts["node"] == len(kept)
    assert entity_id("node", "x-new-pc") not in entities  # founded 2016


def test_ftm_refuses_to_drop_a_value(tmp_path: Path) -> None:
    """A value FtM's type refuses goes where the mapping says (a language FtM does not know:
    to ``keywords``) or stops the export (a link that is no URL); it is never dropped."""
    store = EmbeddedStore(tmp_path / "g.db")
    try:
        with store.writer() as w:
            w.upsert_sources([Source("s", {"title": "T", "language": "xx-unknown"})])
            w.upsert_nodes([Node("n", "Body", "union", "A union", props={"source": "s"})])
        out = tmp_path / "ok.ftm.json"
        export(store, "ftm", out)
        article = _read_ftm(out)[entity_id("source", "s")]
        assert registry.language.clean("xx-unknown") is None
        assert (article.get("language"), article.get("keywords")) == ([], ["xx-unknown"])

        with store.writer() as w:
            w.upsert_sources([Source("s", {"title": "T", "url": "not a link"})])
        out = tmp_path / "bad.ftm.json"
        with pytest.raises(FtmExportError, match=r"refuses 'not a link' as Article\.sourceUrl"):
            export(store, "ftm", out)
        assert not out.exists()
    finally:
        store.close()


# -- BODS --------------------------------------------------------------------------------------


def _bods_validator() -> Draft202012Validator:
    """The official BODS 0.4 schema (statement.json, the root, and the files it refers to),
    with format checks for every format it uses (``date`` is jsonschema's own; ``uri`` and
    ``date-time`` added here with the standard library)."""
    schemas = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in SCHEMA_DIR.glob("*.json")}
    assert set(schemas) == {
        "statement.json",
        "components.json",
        "entity-record.json",
        "person-record.json",
        "relationship-record.json",
    }
    resources = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas.values()
    )
    checker = FormatChecker()

    @checker.checks("uri")
    def is_uri(value: object) -> bool:
        return not isinstance(value, str) or bool(urlsplit(value).scheme)

    @checker.checks("date-time", raises=ValueError)
    def is_date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        return "T" in value and datetime.fromisoformat(value).tzinfo is not None

    root = schemas["statement.json"]
    Draft202012Validator.check_schema(root)
    return Draft202012Validator(root, registry=resources, format_checker=checker)


def _errors(validator: Draft202012Validator, data: Any) -> list[str]:
    return sorted(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)
    )


#: The documented entity type of each (label, kind); others: legalEntity.
ENTITY_TYPES = {
    ("Body", "government"): ("stateBody", "governmentDepartment"),
    ("Body", "industry_commerce"): ("stateBody", "governmentDepartment"),
    ("Body", "investment_promotion"): ("stateBody", "governmentDepartment"),
    ("Body", "sasac"): ("stateBody", "stateAgency"),
    **{
        ("Body", k): ("stateBody", "other")
        for k in (
            "organization_dept",
            "united_front_dept",
            "propaganda_dept",
            "social_work_dept",
            "npe_party_office",
        )
    },
    ("PartyOrg", "local_committee"): ("stateBody", "other"),
    ("PartyOrg", "work_committee"): ("stateBody", "other"),
    ("Body", "trade_association"): ("registeredEntity", None),
    ("Body", "chamber_of_commerce"): ("registeredEntity", None),
    **{("Enterprise", k): ("registeredEntity", None) for k in NODE_LABELS["Enterprise"].kinds},
}


def _bods(store: GraphStore, path: Path, as_of: date | None = None) -> list[dict[str, Any]]:
    write_bods(Snapshot(store, as_of), path, today=D(2026, 1, 2))
    data: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_bods_is_valid_bods_0_4(graph: GraphStore, tmp_path: Path) -> None:
    statements = _bods(graph, tmp_path / "graph.bods.json")
    assert _errors(_bods_validator(), statements) == []
    # the rules the schema cannot express: unique statement ids; a relationship names
    # records of statements before it (BODS 0.4 "Statement order")
    assert len({s["statementId"] for s in statements}) == len(statements)
    seen: set[str] = set()
    for statement in statements:
        details = statement["recordDetails"]
        if statement["recordType"] == "relationship":
            assert details["subject"] in seen
            assert details["interestedParty"] in seen
            assert statement["declarationSubject"] == details["subject"]
        else:
            assert statement["declarationSubject"] == statement["recordId"]
        seen.add(statement["recordId"])


def test_bods_holds_every_entity_line_and_date(graph: GraphStore, tmp_path: Path) -> None:
    statements = _bods(graph, tmp_path / "graph.bods.json")
    nodes, edges, sources = _records(graph)
    by_record = {s["recordId"]: s for s in statements}
    parties = [n for n in nodes if n.label != "Area"]
    lines = [e for e in edges if e.type in ("AFFILIATED_TO", "OWNS")]
    assert len(by_record) == len(statements) == len(parties) + len(lines)

    for node in parties:
        statement = by_record[node.id]
        details = statement["recordDetails"]
        assert statement["recordType"] == "entity"
        assert statement["statementDate"] == "2026-01-02"
        assert statement["publicationDetails"]["publicationDate"] == "2026-01-02"
        kind, subtype = ENTITY_TYPES.get((node.label, node.kind), ("legalEntity", None))
        if node.props.get("unresolved"):
            kind, subtype = "unknownEntity", None
            assert details["unspecifiedEntityDetails"]["reason"] == "informationUnknownToPublisher"
        assert details["entityType"]["type"] == kind, node.id
        assert details["entityType"].get("subtype") == subtype, node.id
        assert f"{node.label} {node.kind}" in details["entityType"]["details"]
        assert details["name"] == node.name
        others = [*([node.props["name_en"]] if "name_en" in node.props else [])]
        assert details.get("alternateNames", []) == [*others, *node.props.get("aliases", [])]
        assert details["jurisdiction"] == {"name": "China", "code": "CN"}
        ids = details["identifiers"]
        assert {"id": node.id, "schemeName": "affgraph node id"} in ids
        if "uscc" in node.props:
            assert ids[0]["id"] == node.props["uscc"]
            assert ids[0]["scheme"] == "CN-USCI"
        assert details.get("foundingDate") == _day(node.valid_from)
        assert details.get("dissolutionDate") == _day(node.valid_to)
        _check_bods_provenance(statement, node.props, sources)

    for edge in lines:
        statement = by_record[edge.key]
        details = statement["recordDetails"]
        assert statement["recordType"] == "relationship"
        superior_or_owner = edge.dst if edge.type == "AFFILIATED_TO" else edge.src
        subject = edge.src if edge.type == "AFFILIATED_TO" else edge.dst
        assert (details["subject"], details["interestedParty"]) == (subject, superior_or_owner)
        [interest] = details["interests"]
        assert interest["type"] == (
            "controlByLegalFramework" if edge.type == "AFFILIATED_TO" else "shareholding"
        )
        assert interest["beneficialOwnershipOrControl"] is False
        assert interest.get("startDate") == _day(edge.valid_from)
        assert interest.get("endDate") == _day(edge.valid_to)
        if edge.type == "AFFILIATED_TO":
            assert interest["directOrIndirect"] == "direct"
            assert f"basis: {edge.kind}" in interest["details"]
        elif "share_pct" in edge.props:
            assert interest["share"] == {"exact": edge.props["share_pct"]}
        _check_bods_provenance(statement, edge.props, sources)


def _check_bods_provenance(
    statement: dict[str, Any], props: Any, sources: dict[str, Source]
) -> None:
    source_id, page, quote = props.get("source"), props.get("page"), props.get("quote")
    if source_id is None and page is None:
        assert "source" not in statement
    else:
        described = statement["source"]["description"]
        assert statement["source"]["type"] == ["primaryResearch"]
        doc = sources[source_id].props if source_id else {}
        assert str(doc.get("title") or source_id) in described
        assert page is None or f"at: {page}" in described
        assert statement["source"].get("url") == doc.get("url")
        if doc.get("publisher"):
            assert statement["source"]["assertedBy"] == [{"name": doc["publisher"]}]
    comments = [
        a["description"]
        for a in statement.get("annotations", [])
        if a["motivation"] == "commenting" and a["statementPointerTarget"] == ""
    ]
    assert comments == ([f"the source's words: {quote}"] if quote else [])


def test_bods_rounds_imprecise_dates_and_says_so(graph: GraphStore, tmp_path: Path) -> None:
    statements = {s["recordId"]: s for s in _bods(graph, tmp_path / "graph.bods.json")}
    group_pc = statements["x_group_pc"]
    assert group_pc["recordDetails"]["foundingDate"] == "2004-01-01"
    notes = {
        a["statementPointerTarget"]: a
        for a in group_pc["annotations"]
        if a["motivation"] == "transformation"
    }
    assert set(notes) == {"/recordDetails/foundingDate", "/recordDetails/dissolutionDate"}
    assert "only the year (2004)" in notes["/recordDetails/foundingDate"]["description"]
    assert "only the month (2016-04)" in notes["/recordDetails/dissolutionDate"]["description"]
    line = statements["AFFILIATED_TO|x_group_pc|x-county-pc|system|2004-01-01"]
    pointers = {a["statementPointerTarget"] for a in line["annotations"]}
    assert "/recordDetails/interests/0/startDate" in pointers
    sasac = statements["OWNS|x-sasac|x-group||2000-01-01"]
    assert sasac["recordDetails"]["interests"][0]["share"] == {"exact": 51.0}
    assert statements["x-sasac"]["recordDetails"]["entityType"]["subtype"] == "stateAgency"
    assert "SUPERVISES|x-union|x-group|guidance|2018-01-01" not in statements
    assert "x-county" not in statements  # an area


def test_bods_schema_validation_catches_invalid_statements(
    graph: GraphStore, tmp_path: Path
) -> None:
    """The validator is not idle: statements broken in ways BODS 0.4 forbids are refused."""
    validator = _bods_validator()
    statements = _bods(graph, tmp_path / "graph.bods.json")
    entity = next(s for s in statements if s["recordType"] == "entity")
    relation = next(s for s in statements if s["recordType"] == "relationship")
    broken = [
        {**entity, "statementId": "short"},
        {**entity, "statementDate": "2026-02-30"},
        {**entity, "recordDetails": {**entity["recordDetails"], "entityType": {"type": "party"}}},
        {
            **entity,
            "recordDetails": {
                **entity["recordDetails"],
                "entityType": {"type": "legalEntity", "subtype": "stateAgency"},
            },
        },
        {
            **relation,
            "recordDetails": {
                **relation["recordDetails"],
                "interests": [{"type": "affiliation"}],
            },
        },
        {**relation, "source": {"type": ["primaryResearch"], "url": "no scheme"}},
    ]
    for statement in broken:
        assert _errors(validator, [statement]), statement


def test_bods_statement_ids_are_stable(graph: GraphStore, tmp_path: Path) -> None:
    first = _bods(graph, tmp_path / "a.json")
    again = _bods(graph, tmp_path / "b.json")
    assert first == again
    write_bods(Snapshot(graph), tmp_path / "c.json", today=D(2026, 1, 3))
    later = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert [s["recordId"] for s in later] == [s["recordId"] for s in first]
    assert not {s["statementId"] for s in later} & {s["statementId"] for s in first}


def test_bods_as_of_states_that_day(graph: GraphStore, tmp_path: Path) -> None:
    day = D(2010, 1, 1)
    statements = _bods(graph, tmp_path / "day.json", as_of=day)
    assert _errors(_bods_validator(), statements) == []
    assert {s["statementDate"] for s in statements} == {"2010-01-01"}
    for statement in statements:
        for interest in statement["recordDetails"].get("interests", []):
            assert interest.get("startDate", "0000") <= "2010-01-01"
            assert interest.get("endDate", "9999") > "2010-01-01"


# -- CLI and HTTP ------------------------------------------------------------------------------


@pytest.fixture
def cases_store(tmp_path: Path, cases_dir: Path) -> Path:
    path = tmp_path / "cases.db"
    store = EmbeddedStore(path)
    load_paths(store, [cases_dir])
    store.close()
    return path


def test_cli_writes_both_formats(cases_store: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    for fmt, name in (("ftm", "g.ftm.json"), ("bods", "g.bods.json")):
        out = tmp_path / name
        done = runner.invoke(
            cli, ["export", "--format", fmt, "--store", str(cases_store), str(out)]
        )
        assert done.exit_code == 0, done.output
        assert f"Exported {fmt}" in done.output
        assert out.stat().st_size > 0
    assert _read_ftm(tmp_path / "g.ftm.json")
    bods = json.loads((tmp_path / "g.bods.json").read_text(encoding="utf-8"))
    assert _errors(_bods_validator(), bods) == []


def test_api_serves_both_formats(cases_store: Path, tmp_path: Path) -> None:
    assert {"ftm", "bods"} <= set(FORMATS)
    with TestClient(create_app(Settings(store=str(cases_store)))) as client:
        ftm = client.get("/api/export", params={"format": "ftm", "as_of": "2020-01-01"})
        assert ftm.status_code == 200
        assert ftm.headers["content-type"].startswith("application/x-ndjson")
        load = ftm.headers["x-affgraph-load"]  # the file is named after the load it holds
        assert f"affgraph-2020-01-01-load-{load}.ftm.json" in ftm.headers["content-disposition"]
        (tmp_path / "api.ftm.json").write_bytes(ftm.content)
        assert _read_ftm(tmp_path / "api.ftm.json")
        bods = client.get("/api/export", params={"format": "bods"})
        assert bods.status_code == 200
        assert bods.headers["content-type"].startswith("application/json")
        assert f"affgraph-load-{load}.bods.json" in bods.headers["content-disposition"]
        assert _errors(_bods_validator(), bods.json()) == []
