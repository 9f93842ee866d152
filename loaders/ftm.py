"""FollowTheMoney (FtM) import: Companies and their Ownerships from the JSON lines of FtM
entities that OCCRP Aleph and OpenSanctions export (``*.ftm.json``, ``*.ftm.jsonl``).

Investigators' files name companies by FtM ids, which mean nothing to affgraph, and they overlap
with what researchers already hold. So the import works in two steps. :func:`read_ftm` reads
each line while the load reads its files: the ``followthemoney`` library builds the entity
(:meth:`Model.get_proxy`, every value cleaned by its property's type; fragments of one id
merged with :meth:`EntityProxy.merge`), and every value it refuses is listed. Once the whole
load is read, :meth:`FtmFile.resolve` matches each Company to the enterprises of the load and
the store — by unified social credit code first, then by exact name — and makes canonical
records, which are then validated and checked like any other.

* Company → Enterprise ``ftm-<entity id>`` (an id FtM keeps, so a second load of the file
  changes nothing), unless matched: a matched enterprise is left as it is (its record has
  one source; FtM values written into it would be credited to that source), and the notice
  says which id it was matched to and what the entity says that the record does not.
  ``name`` → name (a further Latin-letter name of a Chinese-named company → ``name_en``, the
  other names, ``alias``, ``weakAlias``, ``previousName`` → aliases), ``uscCode`` or a
  ``registrationNumber`` that is a valid code → ``uscc``, ``incorporationDate`` /
  ``dissolutionDate`` → valid_from / valid_to (with their precision), ``address`` (and an
  ``addressEntity``'s ``full``) → a LOCATED_IN ``registered`` line to the one Area of that
  exact name or alias in the load or the store. The kind (FtM carries no ownership type):
  a ``classification`` or ``legalForm`` naming an enterprise kind, else ``hmt`` / ``foreign``
  for a jurisdiction outside mainland China, else :data:`DEFAULT_KIND` (said once per file).
* Ownership → OWNS, ``percentage`` → share_pct, ``startDate`` / ``endDate`` → valid_from /
  valid_to, when both ends are Companies that were loaded or matched, in the file or another
  FtM file of the load (:func:`resolve_ftm`), or ``ftm-<id>`` enterprises of an earlier load.
* Everything else is listed as a notice, grouped (what, why, how many, which lines): other
  schemata (persons are never loaded: affgraph models organizations, not people), Ownerships
  whose ends are not mapped, values the format has no place for, values FtM refuses, lines
  the store already holds from another source (left as they are).

Provenance: one source record for the file (id: its name; title: the name and the FtM
datasets the entities name), and on each record ``page`` = ``line N: FtM <schema> <id>`` and
``quote`` = the FtM values the record was made from (with the entity's ``description``).
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph_schema.declaration import NODE_LABELS
from graph_schema.records import Edge, Node
from graph_schema.rows import edge_key
from graph_schema.text import odd_id_characters
from graph_schema.uscc import is_valid_uscc
from loaders.canonical import RawRecord
from loaders.errors import LoadError, Notice
from loaders.terms import term
from loaders.validate import Batch, Located, validate_raw
from stores.base import GraphStore

if TYPE_CHECKING:
    from followthemoney import EntityProxy
    from followthemoney.model import Model


def _ftm_model() -> Model:
    """followthemoney's model, imported when first needed: the library takes ~0.5 s to
    import, which a server starting (or a load without FtM files) need not pay."""
    from followthemoney import model

    return model


__all__ = [
    "DEFAULT_KIND",
    "FTM_SUFFIXES",
    "ID_PREFIX",
    "FtmFile",
    "Resolved",
    "is_ftm",
    "node_id",
    "read_ftm",
    "resolve_ftm",
    "source_id",
]

#: the file names the import reads (JSON lines either way, as Aleph and OpenSanctions write)
FTM_SUFFIXES = (".ftm.json", ".ftm.jsonl")
#: an entity's node id is this prefix and its FtM id (FtM ids hold only letters, digits, ``.``
#: and ``-``, which affgraph ids take as they are)
ID_PREFIX = "ftm-"
#: the kind of a Company nothing in its entity says the ownership of (see docs/interchange.md)
DEFAULT_KIND = "private"
#: FtM country codes of Hong Kong, Macao and Taiwan: a company registered there is ``hmt``
_HMT = frozenset({"hk", "mo", "tw"})
#: places a grouped notice names before "and N more"
_SHOWN = 5

#: canonical field → the FtM property it comes from (for errors about a record)
_NODE_FROM = {
    "name": "name",
    "name_en": "name",
    "aliases": "alias",
    "uscc": "uscCode",
    "valid_from": "incorporationDate",
    "valid_to": "dissolutionDate",
}
_OWNS_FROM = {
    "from": "owner",
    "to": "asset",
    "share_pct": "percentage",
    "valid_from": "startDate",
    "valid_to": "endDate",
}
_NAMES = ("name", "alias", "weakAlias", "previousName")
#: entity keys besides id, schema and properties that are derived, not data
_DERIVED = frozenset({"caption"})


def is_ftm(path: Path) -> bool:
    """Whether the load reads ``path`` as FtM entities (by its name: ``*.ftm.json(l)``)."""
    return path.name.lower().endswith(FTM_SUFFIXES)


def node_id(entity_id: str) -> str:
    """The id of the enterprise an FtM Company becomes when nothing matches it."""
    return ID_PREFIX + entity_id


def source_id(path: Path) -> str:
    """The id of the source record of an FtM file: its name (a hash where the name holds a
    character ids may not)."""
    name = unicodedata.normalize("NFC", path.name).strip()
    if name and not odd_id_characters(name):
        return name
    return f"ftm-file-{hashlib.sha1(path.name.encode()).hexdigest()[:16]}"


def _text(value: str) -> str:
    return unicodedata.normalize("NFC", value).strip()


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" for c in text)


def _date_text(value: str) -> str:
    """An FtM date (``2004``, ``2004-05``, ``2004-05-15``, ``2004-05-15T10:00``) as the
    format reads it, to the day at most."""
    return value[:10]


def _share(value: str) -> float | None:
    """A percentage (``51``, ``51.5``, ``51%``) from 0 to 100, or None."""
    try:
        number = float(value.strip().removesuffix("%").strip())
    except ValueError:
        return None
    return number if 0 <= number <= 100 else None


def _quote(used: Iterable[tuple[str, list[str]]]) -> str:
    return "; ".join(f"{prop}: {' | '.join(values)}" for prop, values in used if values)


def _places(lines: list[int]) -> str:
    return f"line {lines[0]}" if len(lines) == 1 else "lines " + ", ".join(map(str, lines))


@dataclass
class _Listing:
    """What a file leaves out, grouped by (field, reason): one notice per group, saying how
    many and where, so that a file of thousands of persons gives one line, not thousands."""

    file: str
    groups: dict[tuple[str, str, str], list[tuple[int, str, Any]]] = field(default_factory=dict)

    def add(
        self, field_name: str, reason: str, line: int, entity: str, value: Any, group: str = ""
    ) -> None:
        """List a value (``group``: a further key, e.g. the schema of entities left out)."""
        self.groups.setdefault((field_name, reason, group), []).append((line, entity, value))

    def notices(self) -> list[Notice]:
        found = []
        for (field_name, reason, _), hits in self.groups.items():
            line, _, value = hits[0]
            places = ", ".join(f"{ln} ({entity})" for ln, entity, _ in hits[:_SHOWN])
            more = f" and {len(hits) - _SHOWN} more" if len(hits) > _SHOWN else ""
            times = "line" if len(hits) == 1 else f"{len(hits)} times: lines"
            found.append(
                Notice(self.file, line, field_name, value, f"{reason} — {times} {places}{more}")
            )
        return found


@dataclass
class _Company:
    """An FtM Company as the format can hold it, before matching."""

    entity: str
    lines: list[int]
    #: the node's canonical fields but id and provenance
    fields: dict[str, Any]
    #: every FtM ``name`` (matched exactly against names and aliases)
    names: list[str]
    #: the kind came from the default rule
    default_kind: bool
    addresses: list[str]
    address_refs: list[str]
    quote: str
    #: the node it became (its own or the one it matched), once resolved; None: not loaded
    id: str | None = None
    matched: bool = False

    @property
    def page(self) -> str:
        return f"{_places(self.lines)}: FtM Company {self.entity}"


@dataclass
class _Ownership:
    """An FtM Ownership: its ends' FtM ids and the line's fields, before matching."""

    entity: str
    lines: list[int]
    owner: str | None
    asset: str | None
    fields: dict[str, Any]
    quote: str


@dataclass
class Resolved:
    """What resolving FtM files found: errors (records that failed validation) and notices."""

    errors: list[LoadError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


class FtmFile:
    """One FtM file as read: its entities (Companies, Ownerships and Addresses as FtM proxies),
    the schema of every other entity (to say why an Ownership's end is not loaded), the FtM
    datasets named, and what was left out while reading. :meth:`resolve` maps it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = str(path)
        self.source = source_id(path)
        self.listing = _Listing(self.name)
        self.datasets: dict[str, None] = {}
        self.proxies: dict[str, EntityProxy] = {}
        self.lines: dict[str, list[int]] = {}
        #: entity id → schema name, of the entities not kept as proxies
        self.others: dict[str, str] = {}
        #: USCCs FtM's stricter check refuses but GB 32100's checksum accepts, by entity
        self.loose_codes: dict[str, list[str]] = {}
        self.companies: list[_Company] = []
        self.ownerships: list[_Ownership] = []

    # -- reading ---------------------------------------------------------------------------

    def take(self, line: int, text: str) -> list[LoadError]:
        """Read one line: an error if it is no FtM entity; otherwise keep or list it."""
        import followthemoney
        from followthemoney import model
        from followthemoney.types import registry

        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            detail = f"expected a JSON object ({exc.msg} at column {exc.colno})"
            return [self._error(line, "line", text[:40], detail)]
        except RecursionError:
            return [self._error(line, "line", text[:40], "expected a JSON object nested less")]
        if not isinstance(data, dict):
            return [self._error(line, "line", text[:40], "expected a JSON object")]
        schema_name, entity = data.get("schema"), data.get("id")
        if not isinstance(schema_name, str) or not schema_name:
            return [self._error(line, "schema", schema_name, "expected an FtM schema's name")]
        if not isinstance(entity, str) or not entity.strip():
            return [self._error(line, "id", entity, "expected the entity's id")]
        if not isinstance(data.get("properties", {}), dict):
            return [self._error(line, "properties", None, "expected a JSON object of properties")]
        self._note_datasets(data)
        schema = model.get(schema_name)
        if schema is None:
            self.others[entity] = schema_name
            why = f"not loaded: followthemoney {followthemoney.__version__} has no such schema"
            self.listing.add("schema", why, line, entity, schema_name, schema_name)
            return []
        if not any(schema.is_a(kept) for kept in ("Company", "Ownership", "Address")):
            self.others[entity] = schema.name
            why = _other_schema(schema.name)
            self.listing.add("schema", why, line, entity, schema.name, schema.name)
            return []
        if registry.entity.clean(entity) != entity:
            why = "not loaded: FtM refuses the id (letters, digits, '.' and '-' only)"
            self.listing.add("id", why, line, entity, entity)
            return []
        self._keep(line, entity, data)
        return []

    def _error(self, line: int, field_name: str, value: Any, expected: str) -> LoadError:
        return LoadError(self.name, line, field_name, value, f"{expected}: an FtM entity per line")

    def _note_datasets(self, data: Mapping[str, Any]) -> None:
        from followthemoney.value import string_list

        for key in ("datasets", "dataset"):
            for name in string_list(data.get(key)) if key in data else []:
                self.datasets[name] = None

    def _keep(self, line: int, entity: str, data: dict[str, Any]) -> None:
        """Build the entity with FtM (values cleaned by type), list what FtM refuses, and merge
        it with an earlier fragment of the same id."""
        from followthemoney import model
        from followthemoney.exc import InvalidData
        from followthemoney.value import string_list

        proxy = model.get_proxy(data, cleaned=False)
        schema = proxy.schema
        for key in data.keys() - {"id", "schema", "properties", "datasets", "dataset"} - _DERIVED:
            why = "not loaded: entity metadata the format has no place for"
            self.listing.add(key, why, line, entity, data[key])
        properties = data.get("properties", {})
        for prop_name, values in properties.items():
            prop = schema.properties.get(prop_name)
            where = f"{schema.name}.{prop_name}"
            if prop is None or prop.stub:
                why = f"not loaded: no property of FtM's {schema.name} that can be written"
                self.listing.add(where, why, line, entity, values)
                continue
            kept = proxy.get(prop)
            try:
                texts = string_list(values)
            except TypeError:
                texts = [repr(values)]
            for value in texts:
                if prop.type.clean(value, format=prop.format, proxy=proxy) in kept:
                    continue
                code = value.strip().upper()
                if prop.name == "uscCode" and is_valid_uscc(code):
                    self.loose_codes.setdefault(entity, []).append(code)  # GB 32100 allows it
                    continue
                why = f"not loaded: FtM refuses it as {prop.type.name}"
                self.listing.add(where, why, line, entity, value)
        if entity not in self.proxies:
            self.proxies[entity] = proxy
            self.lines[entity] = [line]
            return
        try:
            self.proxies[entity].merge(proxy)
            self.lines[entity].append(line)
        except InvalidData:
            earlier = self.proxies[entity].schema.name
            why = f"not loaded: a fragment FtM cannot merge with the {earlier} of that id"
            self.listing.add("schema", why, line, entity, schema.name)

    def finish(self) -> None:
        """Map the entities kept, once all lines are read (an Ownership may precede its
        ends)."""
        for entity, proxy in self.proxies.items():
            lines = self.lines[entity]
            if proxy.schema.is_a("Company"):
                company = self._company(entity, lines, proxy)
                if company is not None:
                    self.companies.append(company)
            elif proxy.schema.is_a("Ownership"):
                owned = self._ownership(entity, lines, proxy)
                if owned is not None:
                    self.ownerships.append(owned)

    def _unplaced(
        self, proxy: EntityProxy, entity: str, line: int, used: Mapping[str, Iterable[str] | None]
    ) -> None:
        """List every value the record was not made from: of the properties not in ``used``,
        and of those in it, the values other than the ones it names (None: all of them)."""
        for prop_name, values in proxy.properties.items():
            if prop_name in used and used[prop_name] is None:
                continue
            taken = set(used.get(prop_name) or ())
            why = "not loaded: the format has no place for it"
            for value in values:
                if value not in taken:
                    self.listing.add(f"{proxy.schema.name}.{prop_name}", why, line, entity, value)

    def _first(self, proxy: EntityProxy, prop: str, values: list[str], line: int) -> str | None:
        """The first value of a property the format holds once; the others listed."""
        for value in values[1:]:
            why = f"not loaded: the format holds one {prop} (the first, {values[0]!r}, is kept)"
            self.listing.add(f"{proxy.schema.name}.{prop}", why, line, str(proxy.id), value)
        return values[0] if values else None

    def _company(self, entity: str, lines: list[int], proxy: EntityProxy) -> _Company | None:
        line = lines[0]
        names = list(dict.fromkeys(_text(n) for n in proxy.get("name")))
        if not names:
            why = "not loaded: a Company needs a name (FtM requires one)"
            self.listing.add("Company", why, line, entity, None)
            return None
        fields: dict[str, Any] = {"name": names[0]}
        rest = names[1:]
        if _has_cjk(names[0]):
            english = next((n for n in rest if not _has_cjk(n)), None)
            if english is not None:
                fields["name_en"] = english
                rest.remove(english)
        others = [_text(n) for prop in _NAMES[1:] for n in proxy.get(prop)]
        aliases = [n for n in dict.fromkeys([*rest, *others]) if n not in fields.values()]
        if aliases:
            fields["aliases"] = aliases
        used: dict[str, Iterable[str] | None] = dict.fromkeys(
            [*_NAMES, "jurisdiction", "description", "address", "addressEntity"]
        )
        shown: list[tuple[str, list[str]]] = [(prop, proxy.get(prop)) for prop in _NAMES]
        numbers = proxy.get("registrationNumber")
        codes = [
            code
            for code in dict.fromkeys(
                c.upper()
                for c in [*proxy.get("uscCode"), *self.loose_codes.get(entity, []), *numbers]
            )
            if is_valid_uscc(code)
        ]
        used["uscCode"] = codes
        used["registrationNumber"] = [n for n in numbers if n.upper() in codes]
        if codes:
            fields["uscc"] = self._first(proxy, "uscCode", codes, line)
            shown.append(("uscCode", codes[:1]))
        for prop, name in (("incorporationDate", "valid_from"), ("dissolutionDate", "valid_to")):
            day = self._first(proxy, prop, proxy.get(prop), line)
            if day is not None:
                fields[name] = _date_text(day)
                shown.append((prop, [day]))
                used[prop] = [day]
        kind, evidence = _kind(proxy)
        fields["kind"] = kind
        if evidence is not None:
            used[evidence[0]] = [evidence[1]]
            shown.append((evidence[0], [evidence[1]]))
        jurisdiction = proxy.get("jurisdiction")
        shown.append(("jurisdiction", jurisdiction))
        shown.append(("description", proxy.get("description")))
        self._unplaced(proxy, entity, line, used)
        return _Company(
            entity,
            lines,
            fields,
            names=names,
            default_kind=evidence is None and not _abroad(jurisdiction),
            addresses=[_text(a) for a in proxy.get("address")],
            address_refs=proxy.get("addressEntity"),
            quote=_quote(shown),
        )

    def _ownership(self, entity: str, lines: list[int], proxy: EntityProxy) -> _Ownership | None:
        line = lines[0]
        missing = [p for p in ("owner", "asset") if not proxy.has(p)]
        if missing:
            why = f"not loaded: an Ownership needs {' and '.join(missing)} (FtM requires them)"
            self.listing.add("Ownership", why, line, entity, None)
            return None
        fields: dict[str, Any] = {}
        owner = self._first(proxy, "owner", proxy.get("owner"), line)
        asset = self._first(proxy, "asset", proxy.get("asset"), line)
        shown: list[tuple[str, list[str]]] = [("owner", [str(owner)]), ("asset", [str(asset)])]
        used: dict[str, Iterable[str] | None] = {
            "owner": [str(owner)],
            "asset": [str(asset)],
            "description": None,
        }
        share = self._first(proxy, "percentage", proxy.get("percentage"), line)
        if share is not None:
            used["percentage"] = [share]
            shown.append(("percentage", [share]))
            if _share(share) is None:
                why = "not loaded: expected a share from 0 to 100 (share_pct)"
                self.listing.add("Ownership.percentage", why, line, entity, share)
            else:
                fields["share_pct"] = _share(share)
        for prop, name in (("startDate", "valid_from"), ("endDate", "valid_to")):
            day = self._first(proxy, prop, proxy.get(prop), line)
            if day is not None:
                fields[name] = _date_text(day)
                shown.append((prop, [day]))
                used[prop] = [day]
        shown.append(("description", proxy.get("description")))
        self._unplaced(proxy, entity, line, used)
        return _Ownership(entity, lines, owner, asset, fields, _quote(shown))

    # -- resolving -------------------------------------------------------------------------

    def resolve(self, batch: Batch, store: GraphStore, known: dict[str, str]) -> Resolved:
        """Match the Companies to the enterprises of the load and the store, make the records
        (added to ``batch``) and say what was matched and what was left out. ``known`` maps
        the FtM ids of earlier files' Companies to their nodes (and learns this file's)."""
        out = Resolved()
        source = {"record": "source", "id": self.source, "title": self._title()}
        self._add(batch, out, 0, source, {})
        index = _Enterprises(batch, store, self.companies)
        defaults: list[int] = []
        for company in self.companies:
            self._match(company, index, out)
            if company.matched or company.id is None:
                continue
            node = {
                "record": "node",
                "id": company.id,
                "label": "Enterprise",
                **company.fields,
                **self._provenance(company.page, company.quote),
            }
            if self._add(batch, out, company.lines[0], node, _NODE_FROM) is None:
                company.id = None  # refused: its errors say why
                continue
            index.made(company)
            if company.default_kind:
                defaults.append(company.lines[0])
        if defaults:
            out.notices.append(self._default_notice(defaults))
        starts = [c.id for c in self.companies if c.id is not None]
        lines = _Lines(batch, store, [*starts, *known.values()])
        by_entity = {c.entity: c for c in self.companies}
        self._owns(batch, out, by_entity, index, lines, known)
        known.update((c.entity, c.id) for c in self.companies if c.id is not None)
        self._located(batch, store, out, lines)
        self._unused_addresses()
        out.notices.extend(self.listing.notices())
        return out

    def _title(self) -> str:
        title = f"FollowTheMoney entities: {self.path.name}"
        if self.datasets:
            names = list(self.datasets)
            more = f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
            plural = "s" if len(names) > 1 else ""
            title += f" (FtM dataset{plural} {', '.join(names[:_SHOWN])}{more})"
        return title

    def _provenance(self, page: str, quote: str) -> dict[str, str]:
        return {"source": self.source, "page": page, **({"quote": quote} if quote else {})}

    def _add(
        self, batch: Batch, out: Resolved, line: int, data: dict[str, Any], names: Mapping[str, str]
    ) -> Located | None:
        """Validate a record as any canonical one; add it to the batch, or its errors (named
        by the FtM property they come from) to ``out``."""
        checked = validate_raw(RawRecord(self.name, line, data))
        if isinstance(checked, Located):
            batch.add(checked)
            return checked
        refused = {e.field for e in checked}
        out.errors.extend(
            LoadError(
                e.file,
                e.line,
                f"{names[e.field]} ({e.field})" if e.field in names else e.field,
                e.value,
                e.expected,
            )
            for e in checked
            # a refused date's precision (which the model noted itself) is no second problem
            if e.field.removesuffix("_precision") == e.field
            or e.field.removesuffix("_precision") not in refused
        )
        return None

    def _match(self, company: _Company, index: _Enterprises, out: Resolved) -> None:
        """Set the node a Company becomes: its own (``ftm-<id>``) or an enterprise it matches
        by USCC, then by exact name, in the load or the store."""
        own = node_id(company.entity)
        line = company.lines[0]

        def matched(target: str, how: str) -> None:
            company.id, company.matched = target, True
            out.notices.append(
                Notice(self.name, line, "id", company.entity, index.matched(target, how, company))
            )

        if own in index.load_ids:
            matched(own, "its id: the load has this entity already")
            return
        stored = index.stored_own.get(own)
        if stored is not None and stored.props.get("source") != self.source:
            matched(own, f"its id (the store's record cites {stored.props.get('source')!r})")
            return
        if stored is not None:
            company.id = own  # its own record, from this file: written again
            return
        code = company.fields.get("uscc")
        if code is not None:
            found = index.by_uscc.get(code, set())
            if len(found) == 1:
                matched(next(iter(found)), f"USCC {code}")
                return
            if found:
                why = f"not matched: several enterprises have this USCC ({_ids(found)})"
                out.notices.append(Notice(self.name, line, "uscCode", code, why))
                company.id = own
                return
        candidates = {i for name in company.names for i in index.by_name.get(name, ())}
        differ = {i for i in candidates if index.codes.get(i) not in (None, code)}
        if code is not None and differ:
            why = f"not matched by name to {_ids(differ)}: its USCC differs (different enterprises)"
            out.notices.append(Notice(self.name, line, "name", company.fields["name"], why))
        candidates = candidates - differ if code is not None else candidates
        if len(candidates) == 1:
            matched(next(iter(candidates)), "its exact name")
            return
        if candidates:
            why = f"not matched: several enterprises have this name ({_ids(candidates)})"
            out.notices.append(Notice(self.name, line, "name", company.fields["name"], why))
        company.id = own

    def _default_notice(self, lines: list[int]) -> Notice:
        count = len(lines)
        them = "it" if count == 1 else "them"
        shown = ", ".join(map(str, lines[:_SHOWN])) + (
            f" and {count - _SHOWN} more" if count > _SHOWN else ""
        )
        words = NODE_LABELS["Enterprise"].kinds[DEFAULT_KIND]
        return Notice(
            self.name,
            0,
            "kind",
            DEFAULT_KIND,
            f"{count} compan{'y' if count == 1 else 'ies'} loaded as {DEFAULT_KIND!r} ({words}): "
            f"FtM carries no ownership type and nothing in {them} said otherwise (a "
            "classification or legalForm naming an enterprise kind, a jurisdiction outside "
            f"mainland China); see docs/interchange.md — line{'s' if count > 1 else ''} {shown}",
        )

    def _end(
        self,
        ref: str,
        by_entity: Mapping[str, _Company],
        index: _Enterprises,
        known: Mapping[str, str],
    ) -> str:
        """The node id an Ownership's end becomes, or why it has none (prefixed ``!``)."""
        company = by_entity.get(ref)
        if company is not None:
            return company.id if company.id is not None else "!a Company that was not loaded"
        if ref in known:  # a Company of an earlier file of the load
            return known[ref]
        if ref in self.proxies:  # a Company FtM's checks kept out, or an Address
            kept = self.proxies[ref].schema.name
            return f"!a {kept} that was not loaded" if kept == "Company" else f"!an {kept}"
        schema = self.others.get(ref)
        if schema is not None:
            if _ftm_model().get(schema) is not None and _ftm_model()[schema].is_a("Person"):
                return "!a Person: affgraph models organizations, not people"
            return f"!a {schema}, which the import does not load"
        if index.enterprise(node_id(ref)):
            return node_id(ref)  # a Company of an earlier load that became its own node
        return "!not in the file, and no enterprise of the load or the store has its id"

    def _owns(
        self,
        batch: Batch,
        out: Resolved,
        by_entity: Mapping[str, _Company],
        index: _Enterprises,
        lines: _Lines,
        known: Mapping[str, str],
    ) -> None:
        index.look_up(
            node_id(r)
            for o in self.ownerships
            for r in (o.owner, o.asset)
            if r is not None and r not in by_entity and r not in self.others
        )
        for owned in self.ownerships:
            line = owned.lines[0]
            ends = {}
            for role, ref in (("owner", owned.owner), ("asset", owned.asset)):
                assert ref is not None
                ends[role] = self._end(ref, by_entity, index, known)
                if ends[role].startswith("!"):
                    why = f"Ownership {owned.entity} not loaded: its {role} is {ends[role][1:]}"
                    self.listing.add(f"Ownership.{role}", why, line, owned.entity, ref)
            if any(end.startswith("!") for end in ends.values()):
                continue
            if ends["owner"] == ends["asset"]:
                why = "not loaded: owner and asset are one enterprise"
                self.listing.add("Ownership", why, line, owned.entity, ends["owner"])
                continue
            edge = {
                "record": "edge",
                "type": "OWNS",
                "from": ends["owner"],
                "to": ends["asset"],
                **owned.fields,
                **self._provenance(
                    f"{_places(owned.lines)}: FtM Ownership {owned.entity}", owned.quote
                ),
            }
            self._add_line(batch, out, lines, line, owned.entity, edge, _OWNS_FROM)

    def _add_line(
        self,
        batch: Batch,
        out: Resolved,
        lines: _Lines,
        line: int,
        entity: str,
        data: dict[str, Any],
        names: Mapping[str, str],
    ) -> None:
        """Add a line unless the load or the store holds it from another source (left as it
        is: an FtM line does not overwrite another source's) or this file gave it already."""
        checked = validate_raw(RawRecord(self.name, line, data))
        if not isinstance(checked, Located):
            self._add(batch, out, line, data, names)  # reports the errors
            return
        edge = checked.record
        assert isinstance(edge, Edge)
        held = lines.held(edge, self.source)
        if held is not None:
            self.listing.add(edge.type, f"not loaded: {held}", line, entity, edge.key)
            return
        batch.add(checked)
        lines.mine[edge.key] = line

    def _located(self, batch: Batch, store: GraphStore, out: Resolved, lines: _Lines) -> None:
        """LOCATED_IN ``registered`` lines for addresses that name one Area exactly."""
        texts: dict[str, list[str]] = {}
        read: set[str] = set()
        for company in self.companies:
            if company.id is None:
                continue
            found = list(company.addresses)
            for ref in company.address_refs:
                address = self.proxies.get(ref)
                if address is None or not address.schema.is_a("Address"):
                    why = "not loaded: the Address it names is not in the file"
                    self.listing.add(
                        "Company.addressEntity", why, company.lines[0], company.entity, ref
                    )
                    continue
                found.extend(_text(f) for f in address.get("full"))
                if ref not in read:
                    read.add(ref)
                    self._unplaced(address, ref, self.lines[ref][0], {"full": None})
            texts[company.entity] = list(dict.fromkeys(found))
        wanted = {t for found in texts.values() for t in found}
        if not wanted:
            return
        areas = _areas(batch, store, wanted)
        for company in self.companies:
            for text in texts.get(company.entity, []):
                line = company.lines[0]
                named = areas.get(text, set())
                if len(named) != 1:
                    why = (
                        f"not loaded: several Areas are named so ({_ids(named)})"
                        if named
                        else "not loaded: no Area of the load or the store has this name or alias"
                    )
                    self.listing.add("Company.address", why, line, company.entity, text)
                    continue
                area = next(iter(named))
                assert company.id is not None
                elsewhere = (
                    lines.registered_elsewhere(company.id, area) if company.matched else None
                )
                if elsewhere is not None:
                    why = (
                        f"not loaded: the matched enterprise is registered in {elsewhere!r} already"
                    )
                    self.listing.add("Company.address", why, line, company.entity, text)
                    continue
                edge = {
                    "record": "edge",
                    "type": "LOCATED_IN",
                    "from": company.id,
                    "to": area,
                    "kind": "registered",
                    **self._provenance(company.page, _quote([("address", [text])])),
                }
                self._add_line(batch, out, lines, line, company.entity, edge, {})

    def _unused_addresses(self) -> None:
        named = {ref for company in self.companies for ref in company.address_refs}
        for entity, proxy in self.proxies.items():
            if proxy.schema.is_a("Address") and entity not in named:
                why = "not loaded: no Company of the file that was loaded names this Address"
                self.listing.add("schema", why, self.lines[entity][0], entity, "Address")


def _abroad(codes: list[str]) -> bool:
    """Whether FtM jurisdictions say the company is registered outside mainland China."""
    return bool(codes) and "cn" not in codes


def _kind(proxy: EntityProxy) -> tuple[str, tuple[str, str] | None]:
    """The enterprise kind of a Company, and the (property, value) that says it (None: the
    jurisdiction or the default decided). See the module docstring."""
    for prop in ("classification", "legalForm"):
        for value in proxy.get(prop):
            kind = term("Enterprise_kind", value.removeprefix("Enterprise/"))
            if kind is not None:
                return kind, (prop, value)
    codes = proxy.get("jurisdiction")
    if _abroad(codes):
        return ("hmt" if codes[0] in _HMT else "foreign"), None
    return DEFAULT_KIND, None


def _other_schema(schema: str) -> str:
    """Why an entity of another schema is not loaded."""
    if _ftm_model()[schema].is_a("Person"):
        return "not loaded: affgraph models organizations and their lines, not people"
    return "not loaded: the FtM import reads Companies, their Ownerships and Addresses only"


def _ids(ids: Iterable[str]) -> str:
    return ", ".join(repr(i) for i in sorted(ids))


class _Enterprises:
    """The enterprises a Company may match, in the load and the store: by id, USCC and name.

    The store is asked for what the file names only: its own ids (``ftm-<id>``), the names
    (``nodes_named``) and — only where a Company has a code — every enterprise's code, in one
    scan (the store has no look-up by code)."""

    def __init__(self, batch: Batch, store: GraphStore, companies: list[_Company]) -> None:
        self.store = store
        self.batch = batch
        nodes = batch.nodes
        ids = nodes.column("id")
        self.load_ids = set(ids)
        self.by_uscc: dict[str, set[str]] = {}
        self.by_name: dict[str, set[str]] = {}
        self.codes: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.rows: dict[str, int] = {}
        self.labels: dict[str, str] = {}
        columns = zip(
            ids,
            nodes.column("label"),
            nodes.column("name"),
            nodes.column("aliases"),
            nodes.column("uscc"),
            strict=True,
        )
        for row, (i, label, name, aliases, code) in enumerate(columns):
            if label == "Enterprise":
                self._add(i, name, aliases or (), code)
                self.rows[i] = row
        own = [node_id(c.entity) for c in companies]
        self.stored_own: dict[str, Node] = {}
        for i, label in store.node_labels(set(own) - self.load_ids).items():
            node = store.get_node(i) if label == "Enterprise" else None
            if node is not None:
                self.stored_own[i] = node
        # the Companies that are not their own record of an earlier load may match others
        others = [c for c in companies if node_id(c.entity) not in self.stored_own]
        stored_named: set[str] = set()
        for name, found in store.nodes_named({n for c in others for n in c.names}).items():
            for i, label in found:
                if label == "Enterprise" and i not in self.rows:
                    self.by_name.setdefault(name, set()).add(i)
                    self.names.setdefault(i, name)
                    stored_named.add(i)
        codes = {c.fields["uscc"] for c in others if "uscc" in c.fields}
        if codes:
            for node in store.iter_nodes(label="Enterprise"):
                code = node.props.get("uscc")
                if code in codes and node.id not in self.rows:
                    self._add(node.id, node.name, (), code)
        for i in stored_named - self.codes.keys():
            node = store.get_node(i)
            if node is not None and node.props.get("uscc"):
                self.codes[i] = node.props["uscc"]

    def _add(self, i: str, name: str, aliases: Iterable[str], code: str | None) -> None:
        self.names.setdefault(i, name)
        self.labels[i] = "Enterprise"
        for text in (name, *aliases):
            self.by_name.setdefault(text, set()).add(i)
        if code:
            self.by_uscc.setdefault(code, set()).add(i)
            self.codes[i] = code

    def made(self, company: _Company) -> None:
        """A Company made into its own node: later ones of the load may match it."""
        assert company.id is not None
        self.load_ids.add(company.id)
        fields = company.fields
        self._add(company.id, fields["name"], fields.get("aliases", ()), fields.get("uscc"))
        if "name_en" in fields:
            self.by_name.setdefault(fields["name_en"], set()).add(company.id)

    def look_up(self, ids: Iterable[str]) -> None:
        """Learn which of ``ids`` (an Ownership's ends outside its file) are enterprises."""
        wanted = set(ids) - self.labels.keys()
        if wanted:
            self.labels.update(self.store.node_labels(wanted))

    def enterprise(self, i: str) -> bool:
        return self.labels.get(i) == "Enterprise" or (i in self.rows)

    def record(self, i: str) -> Node | None:
        """The matched enterprise's record, from the load or the store."""
        if i in self.rows:
            found = self.batch.nodes.located(self.rows[i]).record
            return found if isinstance(found, Node) else None
        return self.store.get_node(i)

    def matched(self, target: str, how: str, company: _Company) -> str:
        """The notice of a match: to what, how, and what the entity says that the record
        does not (left out: the record keeps its own source)."""
        node = self.record(target)
        name = f" ({node.name})" if node is not None else ""
        unheld = _unheld(company.fields, node) if node is not None else []
        said = (
            "; this entity's values the record does not hold are not loaded: " + ", ".join(unheld)
            if unheld
            else "; the entity says nothing the record does not"
        )
        return (
            f"matched to enterprise {target!r}{name} by {how}: its record is left as it is (it "
            f"keeps its own source){said}"
        )


def _day_text(value: date | None, precision: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat()[: {"year": 4, "month": 7}.get(precision, 10)]


def _unheld(fields: Mapping[str, Any], node: Node) -> list[str]:
    """What a matched Company's fields say that the enterprise's record does not hold."""
    props = node.props
    held = {node.name, props.get("name_en"), *(props.get("aliases") or ())}
    found = [
        f"name {n!r}"
        for n in (fields["name"], fields.get("name_en"), *fields.get("aliases", ()))
        if n is not None and n not in held
    ]
    if fields.get("uscc") not in (None, props.get("uscc")):
        found.append(f"uscCode {fields['uscc']!r}")
    for name, prop in (("valid_from", "incorporationDate"), ("valid_to", "dissolutionDate")):
        ours = fields.get(name)
        theirs = _day_text(getattr(node, name), props.get(f"{name}_precision"))
        if ours is not None and ours != theirs:
            found.append(f"{prop} {ours!r}")
    return found


class _Lines:
    """The OWNS and LOCATED_IN lines an FtM line may meet: the load's (by key) and the
    store's (asked per start node, once), and the ones this file made."""

    def __init__(self, batch: Batch, store: GraphStore, nodes: Iterable[str]) -> None:
        self.store = store
        wanted = set(nodes)
        #: of the nodes lines may start at, those the store does not hold (nothing to ask)
        self.new = wanted - store.node_labels(wanted).keys()
        edges = batch.edges
        self.load: dict[str, str | None] = {}
        self.registered: dict[str, set[str]] = {}
        for row, source in zip(edges.rows, edges.column("source"), strict=True):
            if row[0] in ("OWNS", "LOCATED_IN"):
                self.load[edge_key(row)] = source
                if row[0] == "LOCATED_IN" and row[3] == "registered":
                    self.registered.setdefault(row[1], set()).add(row[2])
        self.mine: dict[str, int] = {}
        self._stored: dict[str, list[Edge]] = {}

    def stored(self, node: str) -> list[Edge]:
        if node in self.new:
            return []
        if node not in self._stored:
            self._stored[node] = self.store.edges(node, types=["OWNS", "LOCATED_IN"])
        return self._stored[node]

    def held(self, edge: Edge, source: str) -> str | None:
        """Why the line is not to be written (held already), or None."""
        if edge.key in self.mine:
            return f"the same line as line {self.mine[edge.key]} of the file"
        if edge.key in self.load:
            return f"the load holds this line already (source {self.load[edge.key]!r})"
        for stored in self.stored(edge.src):
            if stored.key == edge.key and stored.props.get("source") != source:
                return (
                    f"the store holds this line from source {stored.props.get('source')!r}: "
                    "left as it is"
                )
        return None

    def registered_elsewhere(self, node: str, area: str) -> str | None:
        """Another area the enterprise is registered in, per the load or the store."""
        areas = set(self.registered.get(node, ())) | {
            e.dst for e in self.stored(node) if e.type == "LOCATED_IN" and e.kind == "registered"
        }
        areas.discard(area)
        return min(areas) if areas else None


def _areas(batch: Batch, store: GraphStore, texts: set[str]) -> dict[str, set[str]]:
    """Each text → the Areas of the load and the store that have it as name or alias."""
    found: dict[str, set[str]] = {}
    nodes = batch.nodes
    for i, label, name, aliases in zip(
        nodes.column("id"),
        nodes.column("label"),
        nodes.column("name"),
        nodes.column("aliases"),
        strict=True,
    ):
        if label == "Area":
            for text in {name, *(aliases or ())} & texts:
                found.setdefault(text, set()).add(i)
    for text, nodes_found in store.nodes_named(texts).items():
        for i, label in nodes_found:
            if label == "Area":
                found.setdefault(text, set()).add(i)
    return found


def resolve_ftm(files: Iterable[FtmFile], batch: Batch, store: GraphStore) -> Resolved:
    """Resolve the FtM files of a load, in order (:meth:`FtmFile.resolve`): an Ownership may
    name a Company of an earlier file of the load by its FtM id, whatever it was matched to."""
    out = Resolved()
    known: dict[str, str] = {}
    for read in files:
        found = read.resolve(batch, store, known)
        out.errors.extend(found.errors)
        out.notices.extend(found.notices)
    return out


def read_ftm(path: Path) -> Iterator[tuple[int, list[LoadError | FtmFile]]]:
    """Read an FtM file a line at a time (for the load's progress): for each entity (a
    non-blank line) its errors, and at the end the :class:`FtmFile`, to be resolved once the
    whole load is read."""
    read = FtmFile(path)
    first = True
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8").removeprefix("\ufeff").strip()
            except UnicodeDecodeError as exc:
                bad = raw[exc.start : exc.start + 8]
                yield 1, [LoadError(read.name, number, "line", bad, "expected UTF-8 text")]
                continue
            if not text:
                continue
            if first and text.startswith("["):
                expected = (
                    "expected JSON lines: one FtM entity (a JSON object) per line, not a JSON "
                    "array (followthemoney's own tools write JSON lines)"
                )
                yield 1, [LoadError(read.name, number, "line", text[:40], expected)]
                return
            first = False
            yield 1, [*read.take(number, text)]
    read.finish()
    yield 0, [read]
