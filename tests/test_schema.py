"""The schema declaration and what derives from it: record validation, JSON Schema, Cypher."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from app.cli import cli
from graph_schema.cypher import (
    JUDGEMENT_LABEL,
    MERGED_LABEL,
    NODE_LABEL,
    SOURCE_LABEL,
    STORE_LABEL,
    TRANSFER_LABEL,
    constraint_statements,
)
from graph_schema.dates import ACCEPTED_FORMS
from graph_schema.declaration import (
    EDGE_COMMON,
    EVIDENCE_FIELDS,
    EVIDENCE_ROLES,
    NODE_COMMON,
    NODE_LABELS,
    RECORD_KINDS,
    REL_TYPES,
    SOURCE_FIELDS,
    TRANSFER_FIELDS,
    TRANSFER_STATUSES,
)
from graph_schema.models import json_schema, validate_record
from graph_schema.records import Edge, Node, Record, Source, Transfer
from graph_schema.uscc import USCC_ALPHABET, is_valid_uscc, uscc_check_char
from loaders.errors import LoadError, from_pydantic
from stores.base import GraphStore, StoreCounts
from stores.neo4j import Neo4jStore

D = date.fromisoformat

#: A code of GB 32100-2015's own example; its check character is 3.
VALID_USCC = "91350100M000100Y43"
EXTRA_FORBIDDEN = "expected no such field: it is not part of this record in the format"
REQUIRED = "expected a value: the field is required"
HALF_OPEN = "intervals are half-open, [valid_from, valid_to)"

#: A value each label-specific property accepts on its own label.
LABEL_PROPS: dict[str, tuple[str, Any]] = {
    "members": ("PartyOrg", 5),
    "employees": ("Enterprise", 10),
    "state_equity_pct": ("Enterprise", 50.0),
    "uscc": ("Enterprise", VALID_USCC),
}


# -- helpers ---------------------------------------------------------------------------------


def node(label: str = "PartyOrg", kind: str | None = None, **extra: Any) -> dict[str, Any]:
    """A canonical node record dict (the first kind of the label unless one is given)."""
    kind = kind if kind is not None else next(iter(NODE_LABELS[label].kinds))
    return {"record": "node", "id": "n1", "label": label, "kind": kind, "name": "名称", **extra}


def edge(rel: str, kind: str | None = None, **extra: Any) -> dict[str, Any]:
    """A canonical edge record dict; ``kind`` only when given."""
    data: dict[str, Any] = {"record": "edge", "type": rel, "from": "a", "to": "b", **extra}
    if kind is not None:
        data["kind"] = kind
    return data


def transfer(**extra: Any) -> dict[str, Any]:
    return {"record": "transfer", "org": "tj-jv-pc", "status": "transferred", **extra}


def errors(data: dict[str, Any]) -> list[LoadError]:
    """The located errors of an invalid record (it must be refused)."""
    with pytest.raises(ValidationError) as caught:
        validate_record(data)
    return from_pydantic("t.jsonl", 7, data, caught.value.errors())


def refused(data: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """(field, value, expectation) of each error of an invalid record."""
    return [(e.field, e.value, e.expected) for e in errors(data)]


def only_error(data: dict[str, Any]) -> LoadError:
    found = errors(data)
    assert len(found) == 1, [str(e) for e in found]
    return found[0]


def accepted_node(data: dict[str, Any]) -> Node:
    record = validate_record(data)
    assert isinstance(record, Node)
    return record


def accepted_edge(data: dict[str, Any]) -> Edge:
    record = validate_record(data)
    assert isinstance(record, Edge)
    return record


def accepted_transfer(data: dict[str, Any]) -> Transfer:
    record = validate_record(data)
    assert isinstance(record, Transfer)
    return record


def one_of(values: Any) -> str:
    """pydantic's wording of a literal's choices: 'a', 'b' or 'c'."""
    shown = [f"'{v}'" for v in values]
    return "expected one of " + ", ".join(shown[:-1]) + " or " + shown[-1]


# -- nodes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "kind"), [(label, kind) for label, decl in NODE_LABELS.items() for kind in decl.kinds]
)
def test_every_label_with_each_of_its_kinds_validates(label: str, kind: str) -> None:
    assert accepted_node(node(label, kind)) == Node("n1", label, kind, "名称")


@pytest.mark.parametrize("label", list(NODE_LABELS))
def test_unknown_kind_is_refused_naming_the_kind_field(label: str) -> None:
    error = only_error(node(label, "nope"))
    assert (error.file, error.line, error.field, error.value) == ("t.jsonl", 7, "kind", "nope")
    assert error.expected == one_of(NODE_LABELS[label].kinds)


@pytest.mark.parametrize("label", list(NODE_LABELS))
def test_a_kind_of_another_label_is_refused(label: str) -> None:
    others = {k for name, decl in NODE_LABELS.items() if name != label for k in decl.kinds}
    foreign = sorted(others - set(NODE_LABELS[label].kinds))[0]
    assert [(f, v) for f, v, _ in refused(node(label, foreign))] == [("kind", foreign)]


def test_unknown_label_is_refused_naming_the_label_field() -> None:
    error = only_error(node("Person", "branch"))
    assert (error.field, error.value) == ("label", "Person")
    assert error.expected == "expected one of " + ", ".join(f"'{n}'" for n in NODE_LABELS)
    assert str(error) == f"t.jsonl:7: label: 'Person' — {error.expected}"


def test_missing_label_is_refused() -> None:
    data = node()
    del data["label"]
    assert refused(data) == [("label", None, "expected a 'label' field")]


@pytest.mark.parametrize("prop", list(LABEL_PROPS))
def test_label_specific_props_only_on_their_label(prop: str) -> None:
    owner, value = LABEL_PROPS[prop]
    assert accepted_node(node(owner, **{prop: value})).props == {prop: value}
    for label in NODE_LABELS:
        if label != owner:
            assert refused(node(label, **{prop: value})) == [(prop, value, EXTRA_FORBIDDEN)]


def test_unknown_field_is_refused() -> None:
    assert refused(node(colour="red")) == [("colour", "red", EXTRA_FORBIDDEN)]


def test_required_node_fields() -> None:
    for name in ("id", "kind", "name"):
        data = node()
        del data[name]
        assert refused(data) == [(name, None, REQUIRED)]


def test_every_bad_field_of_a_record_is_reported() -> None:
    data = node("Enterprise", "nope", employees=-1, colour="red")
    assert sorted(f for f, _, _ in refused(data)) == ["colour", "employees", "kind"]


# -- edges -----------------------------------------------------------------------------------


KINDED = [name for name, rel in REL_TYPES.items() if rel.has_kinds]
UNKINDED = [name for name, rel in REL_TYPES.items() if not rel.has_kinds]


def test_the_types_without_kinds_are_based_in_and_owns() -> None:
    assert sorted(UNKINDED) == ["BASED_IN", "OWNS"]


@pytest.mark.parametrize(
    ("rel", "kind"), [(name, kind) for name in KINDED for kind in REL_TYPES[name].kinds]
)
def test_every_kind_of_every_type_validates(rel: str, kind: str) -> None:
    assert accepted_edge(edge(rel, kind)) == Edge(rel, "a", "b", kind)


@pytest.mark.parametrize("rel", KINDED)
def test_kind_required_where_declared(rel: str) -> None:
    assert refused(edge(rel)) == [("kind", None, REQUIRED)]
    assert refused(edge(rel, "nope")) == [("kind", "nope", one_of(REL_TYPES[rel].kinds))]


@pytest.mark.parametrize("rel", UNKINDED)
def test_kind_refused_where_not_declared(rel: str) -> None:
    assert accepted_edge(edge(rel)) == Edge(rel, "a", "b")
    assert refused(edge(rel, "system")) == [("kind", "system", EXTRA_FORBIDDEN)]


def test_unknown_type_is_refused() -> None:
    error = only_error(edge("EMPLOYS", "x"))
    assert (error.field, error.value) == ("type", "EMPLOYS")
    assert error.expected == "expected one of " + ", ".join(f"'{n}'" for n in REL_TYPES)


def test_required_edge_fields() -> None:
    for name in ("from", "to"):
        data = edge("BASED_IN")
        del data[name]
        assert refused(data) == [(name, None, REQUIRED)]


def test_share_pct_only_on_owns() -> None:
    assert accepted_edge(edge("OWNS", share_pct=49.5)).props == {"share_pct": 49.5}
    assert refused(edge("OWNS", share_pct=100.5))[0][:2] == ("share_pct", 100.5)
    assert refused(edge("BASED_IN", share_pct=10)) == [("share_pct", 10, EXTRA_FORBIDDEN)]


# -- dates -----------------------------------------------------------------------------------


BAD_DATES = [
    "2022-13-01",
    "2022年13月",
    "July 2022",
    "20220101",
    1656633600,
    "2022-02-30",
    "2022-07-01T00:00:00",
    "22-07-01",
]


@pytest.mark.parametrize("value", BAD_DATES)
def test_bad_dates_are_refused(value: Any) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        (node(valid_from=value), "valid_from"),
        (node(valid_to=value), "valid_to"),
        (edge("BASED_IN", valid_from=value), "valid_from"),
        ({"record": "source", "id": "s", "date": value}, "date"),
        (transfer(date=value), "date"),
    ]
    for data, name in cases:
        assert [(f, v) for f, v, _ in refused(data)] == [(name, value)], data


def test_date_expectations_are_worded() -> None:
    assert refused(node(valid_from="2022-1-1-1")) == [
        ("valid_from", "2022-1-1-1", f"expected a date: {ACCEPTED_FORMS}")
    ]
    assert refused(node(valid_from="2022-02-30")) == [
        ("valid_from", "2022-02-30", f"expected a real calendar date ({ACCEPTED_FORMS})")
    ]


def test_good_dates_are_parsed() -> None:
    record = accepted_node(node(valid_from="2020-02-29", valid_to="2024-01-01"))
    assert (record.valid_from, record.valid_to) == (D("2020-02-29"), D("2024-01-01"))
    source = validate_record({"record": "source", "id": "s", "date": "2022-07-05"})
    assert source == Source("s", {"date": D("2022-07-05")})


@pytest.mark.parametrize(
    "make",
    [
        lambda **kw: node(**kw),
        lambda **kw: edge("AFFILIATED_TO", "system", **kw),
        lambda **kw: edge("OWNS", **kw),
    ],
    ids=["node", "edge", "edge-without-kinds"],
)
def test_intervals_are_half_open(make: Callable[..., dict[str, Any]]) -> None:
    for end in ("2022-07-05", "2022-07-04", "2001-01-01"):
        found = refused(make(valid_from="2022-07-05", valid_to=end))
        assert [(f, v) for f, v, _ in found] == [("valid_to", end)]
        assert found[0][2] == ("expected a date after valid_from (2022-07-05): " + HALF_OPEN)
    record = validate_record(make(valid_from="2022-07-05", valid_to="2022-07-06"))
    assert isinstance(record, Node | Edge)
    assert (record.valid_from, record.valid_to) == (D("2022-07-05"), D("2022-07-06"))


def test_open_ended_intervals() -> None:
    assert accepted_node(node(valid_to="2022-07-05")).valid_to == D("2022-07-05")
    assert accepted_node(node(valid_from="2022-07-05")).valid_from == D("2022-07-05")


# -- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [-1, -0.01, 100.5, 101])
def test_state_equity_out_of_range_is_refused(value: float) -> None:
    found = refused(node("Enterprise", state_equity_pct=value))
    assert [(f, v) for f, v, _ in found] == [("state_equity_pct", value)]
    bound = "greater than or equal to 0" if value < 0 else "less than or equal to 100"
    assert found[0][2] == f"expected {bound}"


@pytest.mark.parametrize("value", [0, 0.0, 49.5, 100])
def test_state_equity_within_range(value: float) -> None:
    props = accepted_node(node("Enterprise", state_equity_pct=value)).props
    assert props == {"state_equity_pct": float(value)}
    assert isinstance(props["state_equity_pct"], float)


def test_counts_are_not_negative() -> None:
    assert refused(node("PartyOrg", members=-1)) == [
        ("members", -1, "expected greater than or equal to 0")
    ]
    assert refused(node("Enterprise", employees=-1)) == [
        ("employees", -1, "expected greater than or equal to 0")
    ]
    assert accepted_node(node("PartyOrg", members=0)).props == {"members": 0}


def test_numbers_from_csv_text() -> None:
    props = accepted_node(node("Enterprise", employees="800", state_equity_pct="49.5")).props
    assert props == {"employees": 800, "state_equity_pct": 49.5}
    assert [(f, v) for f, v, _ in refused(node("PartyOrg", members="many"))] == [
        ("members", "many")
    ]


# -- unified social credit code ----------------------------------------------------------------


def test_valid_uscc_is_accepted() -> None:
    assert uscc_check_char(VALID_USCC[:17]) == "3"
    assert is_valid_uscc(VALID_USCC)
    assert accepted_node(node("Enterprise", uscc=VALID_USCC)).props == {"uscc": VALID_USCC}


@pytest.mark.parametrize(
    "code",
    [
        VALID_USCC[:17] + "4",  # wrong check character
        VALID_USCC[:17],  # 17 characters
        VALID_USCC + "0",  # 19 characters
        "",  # empty
        VALID_USCC.lower(),  # lower case is not in the alphabet
        "I" + VALID_USCC[1:],  # I is not in the alphabet
    ],
    ids=["check-char", "short", "long", "empty", "lower", "letter-I"],
)
def test_bad_uscc_is_refused(code: str) -> None:
    assert not is_valid_uscc(code)
    found = refused(node("Enterprise", uscc=code))
    assert [(f, v) for f, v, _ in found] == [("uscc", code)]


def test_uscc_check_character_is_the_only_one_that_validates() -> None:
    rng = random.Random(32100)
    for _ in range(20):
        prefix = "".join(rng.choice(USCC_ALPHABET) for _ in range(17))
        check = uscc_check_char(prefix)
        assert check in USCC_ALPHABET
        assert is_valid_uscc(prefix + check), prefix
        others = [c for c in USCC_ALPHABET if c != check]
        assert not any(is_valid_uscc(prefix + c) for c in others), prefix


def test_uscc_check_char_needs_17_characters() -> None:
    with pytest.raises(ValueError, match="zip"):
        uscc_check_char(VALID_USCC[:16])


# -- lists, transfers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        ["中环三星", "Zhonghuan–Samsung"],
        "中环三星|Zhonghuan–Samsung",
        " 中环三星 | Zhonghuan–Samsung |",
    ],
)
def test_aliases_accept_a_list_or_a_bar_separated_text(value: Any) -> None:
    assert accepted_node(node(aliases=value)).props == {
        "aliases": ["中环三星", "Zhonghuan–Samsung"]
    }


def test_empty_alias_in_a_list_is_refused() -> None:
    assert [f for f, _, _ in refused(node(aliases=["a", ""]))] == ["aliases.1"]


def test_transfer_without_id_gets_one_from_org_and_date() -> None:
    assert accepted_transfer(transfer(date="2022-07-05")).id == "transfer:tj-jv-pc:2022-07-05"
    assert accepted_transfer(transfer(id="t-1", date="2022-07-05")).id == "t-1"


@pytest.mark.parametrize("status", list(TRANSFER_STATUSES))
def test_transfer_statuses(status: str) -> None:
    assert accepted_transfer(transfer(status=status, id="t")) == Transfer("t", "tj-jv-pc", status)


def test_transfer_status_must_be_declared() -> None:
    assert sorted(TRANSFER_STATUSES) == ["pending", "proposed", "retained", "transferred"]
    assert refused(transfer(status="done")) == [("status", "done", one_of(TRANSFER_STATUSES))]
    data = transfer()
    del data["status"]
    assert refused(data) == [("status", None, REQUIRED)]


def test_transfer_refers_by_declared_fields() -> None:
    record: Record = accepted_transfer(
        transfer(
            **{
                "id": "t",
                "from": "a",
                "proposed_to": "b",
                "proposed_by": "投资方",
                "decided_to": "a",
                "reason": "r",
                "source": "s",
                "quote": "q",
            }
        )
    )
    assert isinstance(record, Transfer)
    assert set(record.props) == {
        "from",
        "proposed_to",
        "proposed_by",
        "decided_to",
        "reason",
        "source",
        "quote",
    }
    assert refused(transfer(to="b")) == [("to", "b", EXTRA_FORBIDDEN)]


def test_unknown_record_kind_is_refused() -> None:
    assert refused({"record": "person", "id": "x"}) == [
        ("record", "person", "expected one of " + ", ".join(f"'{k}'" for k in RECORD_KINDS))
    ]


# -- JSON Schema -----------------------------------------------------------------------------

#: The keywords of JSON Schema draft 2020-12 (core, applicator, validation, meta-data,
#: format, content, unevaluated), plus ``discriminator``, an OpenAPI annotation that
#: 2020-12 allows as an unknown keyword.
DRAFT_2020_12_KEYWORDS = {
    "$schema",
    "$id",
    "$ref",
    "$defs",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "$vocabulary",
    "$comment",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "prefixItems",
    "items",
    "contains",
    "properties",
    "patternProperties",
    "additionalProperties",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "type",
    "const",
    "enum",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxContains",
    "minContains",
    "maxProperties",
    "minProperties",
    "required",
    "dependentRequired",
    "title",
    "description",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "examples",
    "format",
    "contentEncoding",
    "contentMediaType",
    "contentSchema",
    "discriminator",
}
JSON_TYPES = {"null", "boolean", "object", "array", "number", "string", "integer"}
SUBSCHEMA_MAPS = ("$defs", "properties", "patternProperties", "dependentSchemas")
SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
SUBSCHEMA_ONE = (
    "not",
    "if",
    "then",
    "else",
    "items",
    "contains",
    "additionalProperties",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
)


def subschemas(schema: Any) -> Iterator[dict[str, Any]]:
    """Every schema object in ``schema`` (itself included), following the keywords."""
    if isinstance(schema, bool):
        return
    assert isinstance(schema, dict), schema
    yield schema
    for key in SUBSCHEMA_MAPS:
        for sub in schema.get(key, {}).values():
            yield from subschemas(sub)
    for key in SUBSCHEMA_LISTS:
        for sub in schema.get(key, []):
            yield from subschemas(sub)
    for key in SUBSCHEMA_ONE:
        if key in schema:
            yield from subschemas(schema[key])


def values(schema: Any) -> Iterator[Any]:
    """Every ``const`` and ``enum`` value anywhere in the schema."""
    for sub in subschemas(schema):
        if "const" in sub:
            yield sub["const"]
        yield from sub.get("enum", [])


def check_schema_object(sub: dict[str, Any], defs: dict[str, Any]) -> None:
    """The structural rules of draft 2020-12 for one schema object."""
    assert set(sub) <= DRAFT_2020_12_KEYWORDS, set(sub) - DRAFT_2020_12_KEYWORDS
    if "$ref" in sub:
        ref = sub["$ref"]
        assert ref.startswith("#/$defs/"), ref
        assert ref.removeprefix("#/$defs/") in defs, ref
    if "type" in sub:
        types = sub["type"] if isinstance(sub["type"], list) else [sub["type"]]
        assert set(types) <= JSON_TYPES, types
    if "enum" in sub:
        assert isinstance(sub["enum"], list), sub
        assert sub["enum"], sub
        assert len({json.dumps(v) for v in sub["enum"]}) == len(sub["enum"]), sub
    if "required" in sub:
        assert isinstance(sub["required"], list)
        assert set(sub["required"]) <= set(sub.get("properties", {})), sub
    for key in SUBSCHEMA_LISTS:
        if key in sub:
            assert isinstance(sub[key], list), sub
            assert sub[key], sub
    for key in ("minimum", "maximum", "minLength"):
        if key in sub:
            assert isinstance(sub[key], int | float), sub
            assert not isinstance(sub[key], bool), sub
    if "discriminator" in sub:
        assert set(sub["discriminator"]) <= {"propertyName", "mapping"}
        assert isinstance(sub["discriminator"]["propertyName"], str)
        assert "oneOf" in sub


def models_in_schema(schema: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """The object schemas of ``$defs`` by (record, label or type), read from their consts."""
    found = {}
    for name, sub in schema["$defs"].items():
        props = sub["properties"]
        if name == "EvidenceItem":  # a part of an edge's evidence, not a record
            continue
        record = props["record"]["const"]
        tag = props.get("label", props.get("type", {})).get("const", record)
        found[record, tag] = sub
    return found


def test_json_schema_is_a_draft_2020_12_schema() -> None:
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "definitions" not in schema
    json.dumps(schema)  # plain JSON data
    for sub in subschemas(schema):
        check_schema_object(sub, schema["$defs"])


def test_json_schema_is_one_of_the_record_kinds() -> None:
    schema = json_schema()
    assert schema["discriminator"]["propertyName"] == "record"
    assert set(schema["discriminator"]["mapping"]) == set(RECORD_KINDS)
    assert len(schema["oneOf"]) == len(RECORD_KINDS)
    nested = {
        sub["discriminator"]["propertyName"]: sub
        for sub in schema["oneOf"]
        if "discriminator" in sub
    }
    assert set(nested) == {"label", "type"}
    assert set(nested["label"]["discriminator"]["mapping"]) == set(NODE_LABELS)
    assert set(nested["type"]["discriminator"]["mapping"]) == set(REL_TYPES)
    assert len(nested["label"]["oneOf"]) == len(NODE_LABELS)
    assert len(nested["type"]["oneOf"]) == len(REL_TYPES)


def test_json_schema_names_every_kind_label_type_and_status() -> None:
    found = set(values(json_schema()))
    declared = {*RECORD_KINDS, *NODE_LABELS, *REL_TYPES, *TRANSFER_STATUSES}
    declared |= {k for decl in NODE_LABELS.values() for k in decl.kinds}
    declared |= {k for rel in REL_TYPES.values() for k in rel.kinds}
    assert declared <= found, declared - found


def test_json_schema_models_have_exactly_the_declared_properties() -> None:
    models = models_in_schema(json_schema())
    expected: dict[tuple[str, str], tuple[set[str], set[str]]] = {}
    for name, decl in NODE_LABELS.items():
        props = (*NODE_COMMON, *decl.props)
        expected["node", name] = (
            {p.name for p in props},
            {"kind", *(p.name for p in props if p.required)},
        )
    for name, rel in REL_TYPES.items():
        props = tuple(p for p in (*EDGE_COMMON, *rel.props) if p.name != "kind" or rel.has_kinds)
        expected["edge", name] = (
            {p.name for p in props},
            {p.name for p in props if p.required or p.name == "kind"},
        )
    for kind, fields in (("source", SOURCE_FIELDS), ("transfer", TRANSFER_FIELDS)):
        expected[kind, kind] = ({p.name for p in fields}, {p.name for p in fields if p.required})
    assert set(models) == set(expected)
    for key, (names, required) in expected.items():
        sub = models[key]
        assert set(sub["properties"]) == {"record", *names}, key
        assert set(sub["required"]) == {"record", *required}, key
        assert sub["additionalProperties"] is False, key
    for name, decl in NODE_LABELS.items():
        assert models["node", name]["properties"]["kind"]["enum"] == list(decl.kinds)
    for name, rel in REL_TYPES.items():
        kind = models["edge", name]["properties"].get("kind")
        assert (kind["enum"] if kind else []) == list(rel.kinds)


def test_json_schema_declares_the_evidence_of_a_line() -> None:
    schema = json_schema()
    item = schema["$defs"]["EvidenceItem"]
    assert set(item["properties"]) == {p.name for p in EVIDENCE_FIELDS}
    assert item["required"] == ["role"]
    assert item["additionalProperties"] is False
    assert item["properties"]["role"]["enum"] == list(EVIDENCE_ROLES)


def test_json_schema_carries_the_limits() -> None:
    enterprise = models_in_schema(json_schema())["node", "Enterprise"]["properties"]
    pct = enterprise["state_equity_pct"]["anyOf"][0]
    assert (pct["type"], pct["minimum"], pct["maximum"]) == ("number", 0, 100)
    assert enterprise["valid_from"]["anyOf"][0] == {"type": "string", "format": "date"}


def test_schema_command_prints_the_json_schema() -> None:
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json_schema()


# -- Cypher constraints ----------------------------------------------------------------------

STATEMENT = re.compile(r"CREATE (CONSTRAINT|INDEX) (\w+) IF NOT EXISTS FOR (.+)")


def test_constraint_statements() -> None:
    statements = constraint_statements()
    assert all("IF NOT EXISTS" in s for s in statements)
    parsed = [STATEMENT.fullmatch(s) for s in statements]
    assert all(parsed), statements
    names = [m.group(2) for m in parsed if m]
    assert len(names) == len(set(names))
    unique = [s for s in statements if s.startswith("CREATE CONSTRAINT")]
    assert unique == [
        f"CREATE CONSTRAINT {name.lower()}_id IF NOT EXISTS FOR (n:{name}) REQUIRE n.id IS UNIQUE"
        for name in (
            NODE_LABEL,
            SOURCE_LABEL,
            TRANSFER_LABEL,
            STORE_LABEL,
            JUDGEMENT_LABEL,
            MERGED_LABEL,
        )
    ]
    indexes = [s for s in statements if s.startswith("CREATE INDEX")]
    assert len(unique) + len(indexes) == len(statements)
    for label in NODE_LABELS:
        assert any(f"FOR (n:{label}) ON (n.kind)" in s for s in indexes), label
    for rel in REL_TYPES:
        assert [s for s in indexes if f"[r:{rel}]" in s] == [
            f"CREATE INDEX {rel.lower()}_key IF NOT EXISTS FOR ()-[r:{rel}]-() ON (r.key)"
        ]


@pytest.mark.neo4j
def test_constraint_statements_run_twice_on_the_bolt_server(
    open_store: Callable[[str], GraphStore],
) -> None:
    store = open_store("neo4j")  # runs them once
    assert isinstance(store, Neo4jStore)
    store.ensure_schema()
    again = open_store("neo4j")  # and a third time, from a new store
    assert again.counts() == StoreCounts({}, {}, 0, 0)
