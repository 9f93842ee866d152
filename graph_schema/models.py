"""Pydantic models and the JSON Schema, derived from :mod:`graph_schema.declaration`.

Nothing here names a label, kind or property: it all comes from the declaration. One model
per node label and per relationship type, discriminated by ``label`` / ``type``, and the
whole canonical record discriminated by ``record``. :data:`RECORD_ADAPTER` validates one
canonical record (a dict as read from JSON Lines or CSV) and :func:`validate_record` turns
it into the plain record a store takes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from functools import cache
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)

from graph_schema.dates import parse_loose_date
from graph_schema.declaration import (
    EDGE_COMMON,
    EVIDENCE_FIELDS,
    FORMAT_VERSION,
    NODE_COMMON,
    NODE_LABELS,
    REL_TYPES,
    SOURCE_FIELDS,
    TRANSFER_FIELDS,
    TRANSFER_STATUSES,
    NodeLabel,
    Prop,
    RelType,
    precision_field,
)
from graph_schema.records import Record, from_canonical
from graph_schema.text import check_id, check_url, clean_id, clean_text
from graph_schema.uscc import is_valid_uscc

__all__ = [
    "CHECKS",
    "EDGE_MODELS",
    "NODE_MODELS",
    "RECORD_ADAPTER",
    "SOURCE_MODEL",
    "TRANSFER_MODEL",
    "IsoDate",
    "bounds",
    "json_schema",
    "parse_date",
    "split_list",
    "transfer_id",
    "validate_record",
]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INT64 = 2**63


def parse_date(value: Any) -> Any:
    """Accept a ``date`` or a ``YYYY-MM-DD`` text only (no timestamps, no other layouts)."""
    if type(value) is date:
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("expected a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("expected a real calendar date YYYY-MM-DD") from None


def _refuse_bool(value: Any) -> Any:
    """``true`` is not a number, though Python and lax validation would take it as 1."""
    if isinstance(value, bool):
        raise ValueError("expected a number, not true/false")
    return value


def split_list(value: Any) -> Any:
    """A list property may come as a ``|``-separated text (CSV)."""
    if isinstance(value, str):
        return [part.strip() for part in value.split("|") if part.strip()]
    return value


def parse_record_date(value: Any) -> Any:
    """A record's date in any form :mod:`graph_schema.dates` reads (its first day, for a month
    or a year: the precision is kept by :func:`_note_precisions`)."""
    return parse_loose_date(value)[0]


def _check_uscc(value: str) -> str:
    if not is_valid_uscc(value):
        raise ValueError(
            "expected an 18-character unified social credit code with a valid check character"
        )
    return value


#: the named extra checks of :attr:`Prop.check`
CHECKS: Mapping[str, Callable[[str], str]] = {
    "uscc": _check_uscc,
    "id": check_id,
    "url": check_url,
}

#: A date given as ``YYYY-MM-DD`` (or a ``date``), and nothing else: the API's dates.
IsoDate = Annotated[date, BeforeValidator(parse_date)]

_TEXT = Annotated[str, BeforeValidator(clean_text), Field(min_length=1)]
_ID = Annotated[str, BeforeValidator(clean_id), Field(min_length=1)]


def _json_list(value: Any) -> Any:
    """A list given as JSON text (a CSV cell) is read as JSON."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise ValueError("expected a JSON list of evidence items") from None
    return value


def _evidence_model() -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for prop in EVIDENCE_FIELDS:
        ann: Any = {"str": _TEXT, "date": Annotated[date, BeforeValidator(parse_record_date)]}[
            prop.type
        ]
        if prop.choices:
            ann = Literal[prop.choices]
        elif prop.check == "id":
            ann = Annotated[_ID, AfterValidator(check_id)]
        default = ... if prop.required else None
        fields[prop.name] = (
            ann if prop.required else ann | None,
            Field(default=default, description=prop.description),
        )
    return create_model(
        "EvidenceItem",
        __config__=ConfigDict(extra="forbid", frozen=True),
        __doc__="One piece of evidence about a line.",
        **fields,
    )


EVIDENCE_ITEM = _evidence_model()


def _plain_items(items: list[BaseModel]) -> list[dict[str, Any]]:
    return [item.model_dump(exclude_none=True) for item in items]


_BASE_TYPES: Mapping[str, Any] = {
    "str": _TEXT,
    "int": int,
    "float": float,
    "bool": bool,
    "date": Annotated[date, BeforeValidator(parse_record_date)],
    "str_list": Annotated[list[_TEXT], BeforeValidator(split_list)],
    "evidence": Annotated[
        list[EVIDENCE_ITEM],  # type: ignore[valid-type]
        BeforeValidator(_json_list),
        AfterValidator(_plain_items),
    ],
}


def bounds(prop: Prop) -> tuple[float | None, float | None]:
    """The least and greatest value of a number property (``None``: no limit)."""
    low, high = prop.minimum, prop.maximum
    if prop.type == "int":  # stores keep 64-bit integers (SQLite, Neo4j)
        low = max(low, -_INT64) if low is not None else -_INT64
        high = min(high, _INT64 - 1) if high is not None else _INT64 - 1
    return low, high


def _field(prop: Prop, annotation: Any | None = None) -> tuple[Any, Any]:
    """The (annotation, FieldInfo) pair of a declared property."""
    ann = annotation if annotation is not None else _BASE_TYPES[prop.type]
    if annotation is None and prop.check == "id":
        ann = _ID
    elif annotation is None and prop.choices:
        ann = _literal(prop.choices)
    if prop.type in ("int", "float"):
        low, high = bounds(prop)
        ann = Annotated[ann, Field(ge=low, le=high), BeforeValidator(_refuse_bool)]
    if prop.check:
        ann = Annotated[ann, AfterValidator(CHECKS[prop.check])]
    info = Field(default=... if prop.required else None, description=prop.description)
    return (ann if prop.required else ann | None), info


def _literal(values: Iterable[str]) -> Any:
    return Literal[tuple(values)]


def _valid_to_after_from(
    cls: type[BaseModel], value: date | None, info: ValidationInfo
) -> date | None:
    start = info.data.get("valid_from")
    if value is not None and start is not None and value <= start:
        raise ValueError(
            f"expected a date after valid_from ({start.isoformat()}): intervals "
            "are half-open, [valid_from, valid_to)"
        )
    return value


def _note_precisions(dates: tuple[str, ...]) -> Any:
    """A before-validator: a date given as a month or a year gets its precision field
    (``valid_from`` "2004-05" → ``valid_from_precision`` "month"), unless the record names it."""

    def note(cls: type[BaseModel], data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        found = {}
        for name in dates:
            value = data.get(name)
            if not isinstance(value, str):
                continue
            try:
                precision = parse_loose_date(value)[1]
            except ValueError:
                continue  # the field's own validator names the problem
            if precision != "day" and data.get(precision_field(name)) is None:
                found[precision_field(name)] = precision
        return {**data, **found} if found else data

    return model_validator(mode="before")(classmethod(note))  # type: ignore[arg-type]


def _period_start(cls: type[BaseModel], value: str | None, info: ValidationInfo) -> str | None:
    """A date of month or year precision is the first day of its period."""
    name = info.field_name.removesuffix("_precision") if info.field_name else ""
    day = info.data.get(name)
    if value is None or day is None:  # (no date, or one refused already: see _with_dates)
        return value
    first = day.replace(day=1) if value == "month" else day.replace(month=1, day=1)
    if day != first:
        raise ValueError(
            f"expected {name} to be the first day of its {value} ({first.isoformat()}), or no "
            f"{value} precision: {day.isoformat()} is a day"
        )
    return value


def _date_validators(props: Iterable[Prop]) -> dict[str, Any]:
    """The precision validators of a model with date fields (see :func:`_note_precisions`)."""
    dates = tuple(p.name for p in props if p.type == "date")
    if not dates:
        return {}
    precisions = [precision_field(name) for name in dates]

    def with_dates(self: Any) -> Any:
        """A precision needs its date (checked once every field is valid, so that a refused
        date is not reported a second time through its precision)."""
        for name in dates:
            if getattr(self, precision_field(name)) is not None and getattr(self, name) is None:
                raise ValueError(f"expected no {precision_field(name)}: {name} is empty")
        return self

    return {
        "_precisions": _note_precisions(dates),
        "_period_start": field_validator(*precisions)(classmethod(_period_start)),
        "_with_dates": model_validator(mode="after")(with_dates),
    }


_CONFIG = ConfigDict(extra="forbid", frozen=True)
_INTERVAL_CHECK: dict[str, Any] = {
    "_interval": field_validator("valid_to")(classmethod(_valid_to_after_from)),
    **_date_validators(EDGE_COMMON),
}


def _model(
    name: str,
    doc: str,
    record: str,
    fields: dict[str, Any],
    validators: dict[str, Any] | None = None,
) -> type[BaseModel]:
    """A frozen model refusing unknown fields, with the ``record`` discriminator first."""
    spec: dict[str, Any] = {
        "record": (Literal[record], Field(description="the record kind")),
        **fields,
    }
    return create_model(name, __config__=_CONFIG, __doc__=doc, __validators__=validators, **spec)


def _fields(props: Iterable[Prop], overrides: Mapping[str, Any]) -> dict[str, Any]:
    return {p.name: (overrides[p.name] if p.name in overrides else _field(p)) for p in props}


def _node_model(label: NodeLabel) -> type[BaseModel]:
    overrides = {
        "label": (_literal([label.name]), Field(description=label.description)),
        "kind": _field(
            Prop("kind", "str", "one of: " + ", ".join(label.kinds), required=True),
            _literal(label.kinds),
        ),
    }
    fields = _fields((*NODE_COMMON, *label.props), overrides)
    return _model(f"{label.name}Node", label.description, "node", fields, _INTERVAL_CHECK)


def _edge_model(rel: RelType) -> type[BaseModel]:
    overrides: dict[str, Any] = {"type": (_literal([rel.name]), Field(description=rel.description))}
    common = list(EDGE_COMMON)
    if rel.has_kinds:
        overrides["kind"] = _field(
            Prop("kind", "str", "one of: " + ", ".join(rel.kinds), required=True),
            _literal(rel.kinds),
        )
    else:
        common = [p for p in common if p.name != "kind"]
    name = "".join(part.title() for part in rel.name.split("_"))
    fields = _fields((*common, *rel.props), overrides)
    return _model(f"{name}Edge", rel.description, "edge", fields, _INTERVAL_CHECK)


def transfer_id(org: str, when: date | None) -> str:
    """The id of a transfer that has none, made from its organization and date."""
    return f"transfer:{org}:{when.isoformat() if when else 'undated'}"


def _fill_transfer_id(self: Any) -> Any:
    """A transfer without an id gets one made from its organization and date."""
    if self.id is None:
        object.__setattr__(self, "id", transfer_id(self.org, self.date))
    return self


SOURCE_MODEL = _model(
    "SourceRecord",
    "A document that facts are taken from.",
    "source",
    _fields(SOURCE_FIELDS, {}),
    _date_validators(SOURCE_FIELDS),
)

_STATUS = Prop(
    "status", "str", "; ".join(f"{k}: {v}" for k, v in TRANSFER_STATUSES.items()), required=True
)
TRANSFER_MODEL = _model(
    "TransferRecord",
    "A change of affiliation, proposed or carried out.",
    "transfer",
    _fields(TRANSFER_FIELDS, {"status": _field(_STATUS, _literal(TRANSFER_STATUSES))}),
    {
        "_id": model_validator(mode="after")(_fill_transfer_id),
        **_date_validators(TRANSFER_FIELDS),
    },
)

NODE_MODELS: Mapping[str, type[BaseModel]] = {n: _node_model(lb) for n, lb in NODE_LABELS.items()}
EDGE_MODELS: Mapping[str, type[BaseModel]] = {n: _edge_model(r) for n, r in REL_TYPES.items()}

_NodeRecord = Annotated[Union[tuple(NODE_MODELS.values())], Field(discriminator="label")]  # type: ignore[valid-type]  # noqa: UP007
_EdgeRecord = Annotated[Union[tuple(EDGE_MODELS.values())], Field(discriminator="type")]  # type: ignore[valid-type]  # noqa: UP007
CanonicalRecord = Annotated[
    Union[SOURCE_MODEL, _NodeRecord, _EdgeRecord, TRANSFER_MODEL],  # type: ignore[valid-type]  # noqa: UP007
    Field(discriminator="record"),
]

#: Validates one canonical record dict; errors carry the field's location.
RECORD_ADAPTER: TypeAdapter[Any] = TypeAdapter(CanonicalRecord)


def validate_record(data: Mapping[str, Any]) -> Record:
    """Validate one canonical record dict and return the plain record for the stores.

    Raises :class:`pydantic.ValidationError` naming every bad field.
    """
    model = RECORD_ADAPTER.validate_python(data)
    # the validated fields as they are: flat values, so no model_dump recursion is needed
    return from_canonical({k: v for k, v in model.__dict__.items() if v is not None})


@cache
def json_schema() -> dict[str, Any]:
    """The JSON Schema of one canonical record (JSON Lines line or CSV row)."""
    schema: dict[str, Any] = RECORD_ADAPTER.json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://affgraph.example/schema/canonical-record-v{FORMAT_VERSION}.json",
        "title": f"affgraph canonical record (format v{FORMAT_VERSION})",
        "description": "One record of the canonical format: a source, node, edge or transfer. "
        "Dates are YYYY-MM-DD; validity intervals are half-open [valid_from, valid_to).",
        **schema,
    }
