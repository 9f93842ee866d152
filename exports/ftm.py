"""FollowTheMoney (FtM) export: the graph as FtM entities, one JSON object per line.

FollowTheMoney is the data model of OCCRP Aleph and OpenSanctions. Every entity is built and
validated with the ``followthemoney`` library itself (values cleaned by their property's type,
the schema's required properties checked, :meth:`Schema.validate` run on the result); a value
the model would drop raises instead of vanishing. See ``docs/interchange.md`` for the mapping
and for what FtM cannot carry.

Entities (each ``{"id", "schema", "properties"}``):

* sources → ``Article`` (title, publisher, publication date, link, language): FtM's plain
  ``Document`` is a file (it requires a file name), an ``Article`` "a piece of media
  reporting about a subject" and a kind of ``Document``, as ``proof`` requires;
* Party organizations → ``Organization``; the Party's committees at county level and above and
  its work committees, organs of the party-state, → ``PublicBody``;
* enterprises → ``Company``, the unified social credit code in ``uscCode`` (the model's
  property for it), or in ``registrationNumber`` when FtM's stricter check (python-stdnum's,
  which wants the first eight characters to be digits, where GB 32100 also allows letters
  such as the registration authority code ``Y``) refuses a code affgraph's checksum accepts;
* bodies → ``PublicBody`` for government departments, SASAC commissions and the Party's
  working departments, ``Organization`` for unions, federations, associations and the rest;
* areas → ``Territory`` (``level`` = the kind).

Lines become FtM's interval schemata, with ``startDate`` / ``endDate`` and, in ``recordId``,
the edge key (``TYPE|from|to|kind|valid_from``), so each line can be traced back:

* ``AFFILIATED_TO`` → ``Control`` (controller = the superior, controlled = the organization,
  ``controlType`` "affiliation (隶属关系)"): the superior leads the organization;
* ``SUPERVISES`` → ``UnknownLink`` (subject = the supervisor): guidance, contact,
  evaluation … is influence without formal authority, which no narrower FtM schema names;
* ``OWNS`` → ``Ownership`` (``percentage`` = the share);
* ``SUCCEEDS`` → ``Succession`` (predecessor = the older unit, successor = the newer);
* ``BASED_IN`` and ``LOCATED_IN`` → ``UnknownLink`` (subject = the organization or unit).

``role`` says what the line is in words (its kind's description). Provenance, on entities and
lines alike: ``proof`` names the source's ``Article``, ``publisher`` and ``sourceUrl`` repeat
its publisher and link, ``summary`` cites it (title, and the place in it), and
``description`` holds the quote. Dates keep their precision: a date the source gives only as
a month or a year is written ``YYYY-MM`` or ``YYYY``, as FtM dates may be.

Entity ids are ``affgraph-node-<id>`` (``affgraph-source-<id>``) where the id has only the
characters FtM ids allow, else ``affgraph.node.<sha1 of the id>``; lines are
``affgraph.edge.<sha1 of the key>``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from followthemoney import EntityProxy, model
from followthemoney.exc import InvalidData

from exports.bods import is_state_body
from exports.snapshot import Snapshot
from graph_schema.declaration import NODE_LABELS, REL_TYPES
from graph_schema.records import Edge, Node, Source

__all__ = [
    "COUNTRY",
    "LINK_SCHEMATA",
    "entities",
    "entity_id",
    "ftm_date",
    "line_id",
    "node_schema",
    "write_ftm",
]

#: The country of every node (FtM country code).
COUNTRY = "cn"
_PREFIX = "affgraph"
_SAFE_ID = re.compile(r"^[0-9a-zA-Z]([0-9a-zA-Z.-]*[0-9a-zA-Z])?$")
_MAX_ID = 200  # FtM's entity id length limit

#: Relationship type → (FtM schema, property of the line's start, property of its end).
LINK_SCHEMATA: Mapping[str, tuple[str, str, str]] = {
    "AFFILIATED_TO": ("Control", "controlled", "controller"),
    "SUPERVISES": ("UnknownLink", "subject", "object"),
    "OWNS": ("Ownership", "owner", "asset"),
    "SUCCEEDS": ("Succession", "successor", "predecessor"),
    "BASED_IN": ("UnknownLink", "subject", "object"),
    "LOCATED_IN": ("UnknownLink", "subject", "object"),
}
_CONTROL_TYPE = "affiliation (隶属关系)"


class FtmExportError(ValueError):
    """A value that FollowTheMoney refuses, and that the export will not drop silently."""


def entity_id(kind: str, key: str) -> str:
    """The FtM id of a node (``kind`` "node") or source ("source") with affgraph id ``key``."""
    readable = f"{_PREFIX}-{kind}-{key}"
    if len(readable) <= _MAX_ID and _SAFE_ID.match(readable):
        return readable
    return f"{_PREFIX}.{kind}.{hashlib.sha1(key.encode()).hexdigest()}"


def line_id(edge: Edge) -> str:
    """The FtM id of a line: from its key."""
    return f"{_PREFIX}.edge.{hashlib.sha1(edge.key.encode()).hexdigest()}"


def ftm_date(value: date | None, precision: Any = None) -> str | None:
    """A date as FtM holds it, to the precision the source gives (``YYYY-MM``, ``YYYY``)."""
    if value is None:
        return None
    text = value.isoformat()
    if precision == "year":
        return text[:4]
    if precision == "month":
        return text[:7]
    return text


def node_schema(node: Node) -> str:
    """The FtM schema of a node (see the module docstring)."""
    if node.label == "Enterprise":
        return "Company"
    if node.label == "Area":
        return "Territory"
    return "PublicBody" if is_state_body(node) else "Organization"


def _kind_words(description: str) -> str:
    return re.sub(r"^(a|an) ", "", description)


class _Entity:
    """An FtM entity under construction: every value is cleaned by its property's type and
    must survive (or go where ``fallback`` says)."""

    def __init__(self, schema: str, entity_id: str, what: str) -> None:
        self.proxy: EntityProxy = model.make_entity(schema)
        self.proxy.id = entity_id
        self.what = what

    def add(self, prop: str, value: Any, fallback: str | None = None) -> None:
        if value is None or value == "":
            return
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            self._add_one(prop, item, fallback)

    def _add_one(self, name: str, value: Any, fallback: str | None) -> None:
        prop = self.proxy.schema.get(name)
        if prop is None:
            raise FtmExportError(f"{self.what}: FtM {self.proxy.schema.name} has no {name}")
        cleaned = prop.type.clean(value, format=prop.format, proxy=self.proxy)
        if cleaned is None:
            if fallback is None:
                raise FtmExportError(
                    f"{self.what}: FtM refuses {value!r} as {self.proxy.schema.name}.{name} "
                    f"({prop.type.name})"
                )
            self._add_one(fallback, value, None)
            return
        self.proxy.add(prop, cleaned, cleaned=True)

    def finish(self) -> dict[str, Any]:
        """The entity as FtM serialises it, after the model's own checks."""
        missing = [p for p in self.proxy.schema.required if not self.proxy.has(p)]
        if missing:
            raise FtmExportError(f"{self.what}: {self.proxy.schema.name} lacks {missing}")
        data = self.proxy.to_dict()
        try:
            self.proxy.schema.validate({"properties": data["properties"]})
        except InvalidData as exc:
            raise FtmExportError(f"{self.what}: {exc}") from exc
        return data


def _provenance(entity: _Entity, props: Mapping[str, Any], sources: Mapping[str, Source]) -> None:
    """``proof``, ``publisher``, ``sourceUrl``, ``summary`` (the citation) and
    ``description`` (the quote) of a record."""
    source_id = props.get("source")
    page = props.get("page")
    cited: list[str] = []
    if source_id is not None:
        doc = sources.get(source_id)
        about = doc.props if doc is not None else {}
        if doc is not None:
            entity.add("proof", entity_id("source", source_id))
        entity.add("publisher", about.get("publisher"))
        entity.add("sourceUrl", about.get("url"))
        cited.append(str(about.get("title") or source_id))
    if page is not None:
        cited.append(str(page))
    if cited:
        entity.add("summary", ", ".join(cited))
    entity.add("description", props.get("quote"))


def _document(source: Source) -> dict[str, Any]:
    props = source.props
    entity = _Entity("Article", entity_id("source", source.id), f"source {source.id!r}")
    entity.add("title", props.get("title") or source.id)
    entity.add("name", props.get("title") or source.id)
    entity.add("publisher", props.get("publisher"))
    entity.add("publishedAt", ftm_date(props.get("date"), props.get("date_precision")))
    entity.add("sourceUrl", props.get("url"))
    language = props.get("language")
    if language is not None:
        entity.add("language", language, fallback="keywords")
    return entity.finish()


def _node(node: Node, sources: Mapping[str, Source]) -> dict[str, Any]:
    props = node.props
    schema = node_schema(node)
    entity = _Entity(schema, entity_id("node", node.id), f"node {node.id!r}")
    entity.add("name", node.name)
    entity.add("name", props.get("name_en"))
    entity.add("alias", props.get("aliases"))
    label = NODE_LABELS.get(node.label)
    kind_text = label.kinds.get(node.kind, node.kind) if label is not None else node.kind
    if schema == "Territory":
        entity.add("country", COUNTRY)
        entity.add("level", node.kind)
        if props.get("unresolved"):
            entity.add("keywords", "unresolved")
    else:
        entity.add("classification", f"{node.label}/{node.kind}")
        entity.add("jurisdiction", COUNTRY)
        entity.add("legalForm", _kind_words(kind_text))
        start = ftm_date(node.valid_from, props.get("valid_from_precision"))
        end = ftm_date(node.valid_to, props.get("valid_to_precision"))
        entity.add("incorporationDate", start)
        entity.add("dissolutionDate", end)
        if props.get("unresolved"):
            entity.add("status", "unresolved")
        if schema == "Company":
            entity.add("uscCode", props.get("uscc"), fallback="registrationNumber")
    _provenance(entity, props, sources)
    return entity.finish()


def _line(edge: Edge, sources: Mapping[str, Source]) -> dict[str, Any]:
    schema, start_prop, end_prop = LINK_SCHEMATA[edge.type]
    entity = _Entity(schema, line_id(edge), f"edge {edge.key!r}")
    entity.add(start_prop, entity_id("node", edge.src))
    entity.add(end_prop, entity_id("node", edge.dst))
    rel = REL_TYPES[edge.type]
    words = rel.kinds.get(edge.kind, edge.kind) if edge.kind else rel.description
    entity.add("role", words)
    if schema == "Control":
        entity.add("controlType", _CONTROL_TYPE)
    if schema == "Ownership":
        entity.add("percentage", edge.props.get("share_pct"))
    entity.add("startDate", ftm_date(edge.valid_from, edge.props.get("valid_from_precision")))
    entity.add("endDate", ftm_date(edge.valid_to, edge.props.get("valid_to_precision")))
    entity.add("recordId", edge.key)
    _provenance(entity, edge.props, sources)
    return entity.finish()


def entities(snapshot: Snapshot) -> Iterator[dict[str, Any]]:
    """The FtM entities of a snapshot: documents, then nodes, then lines."""
    sources = {s.id: s for s in snapshot.sources()}
    for source in sources.values():
        yield _document(source)
    for node in snapshot.nodes():
        yield _node(node, sources)
    for edge in snapshot.edges():
        yield _line(edge, sources)


def write_ftm(snapshot: Snapshot, path: Path) -> list[Path]:
    """Write the FtM entities to ``path``, one JSON object per line."""
    with path.open("w", encoding="utf-8") as handle:
        for data in entities(snapshot):
            handle.write(json.dumps(data, ensure_ascii=False, sort_keys=True))
            handle.write("\n")
    return [path]
