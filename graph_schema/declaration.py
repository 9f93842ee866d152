"""The affgraph schema, declared once, as data.

Everything else derives from this module: the Pydantic models that validate records
(:mod:`graph_schema.models`) and the same rules applied a column at a time to bulk CSV
(:mod:`graph_schema.bulk`), the record rows a load holds (:mod:`graph_schema.rows`), the
Neo4j constraints and indexes (:mod:`graph_schema.cypher`), the JSON Schema printed by
``affgraph schema``, and the reference tables in the docs.
The names are exactly those of the canonical data format (``shared/FORMAT.md``, v1).

To add a kind, a property or a relationship type, edit this file only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "EDGE_COMMON",
    "FORMAT_VERSION",
    "NODE_COMMON",
    "NODE_LABELS",
    "NON_PUBLIC_ENTERPRISE_KINDS",
    "RECORD_KINDS",
    "REL_TYPES",
    "SOURCE_FIELDS",
    "TRANSFER_FIELDS",
    "TRANSFER_STATUSES",
    "EndpointRule",
    "NodeLabel",
    "Prop",
    "PropType",
    "RelType",
]

FORMAT_VERSION = "1"

PropType = Literal["str", "int", "float", "date", "bool", "str_list"]


@dataclass(frozen=True)
class Prop:
    """One field of a record: its name, value type, limits and meaning."""

    name: str
    type: PropType
    description: str
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    #: a named extra check, e.g. ``"uscc"`` for the unified social credit code checksum
    check: str | None = None


@dataclass(frozen=True)
class NodeLabel:
    """A node label, the kinds a node of that label may have, and its own properties."""

    name: str
    description: str
    kinds: Mapping[str, str]
    props: tuple[Prop, ...] = ()


@dataclass(frozen=True)
class EndpointRule:
    """Which labels may stand at each end of a relationship, for the given kinds.

    ``kinds`` empty means the rule holds for every kind of the type (or a type without kinds).
    The labels keep the order they are declared in: the first is the most usual one (a
    placeholder for an unknown endpoint takes it, see ``load --allow-unresolved``).
    """

    sources: tuple[str, ...]
    targets: tuple[str, ...]
    kinds: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RelType:
    """A relationship type: its meaning, kinds, allowed endpoints and own properties."""

    name: str
    description: str
    endpoints: tuple[EndpointRule, ...]
    kinds: Mapping[str, str] = field(default_factory=dict)
    props: tuple[Prop, ...] = ()

    @property
    def has_kinds(self) -> bool:
        """A type with kinds requires one on every edge; a type without refuses one."""
        return bool(self.kinds)


def _labels(*names: str) -> tuple[str, ...]:
    return names


_PROVENANCE = (
    Prop("source", "str", "id of the source record the fact is taken from"),
    Prop("quote", "str", "the words of the source that support the record"),
    Prop("page", "str", "where in the source the quote stands (page, section, paragraph)"),
)

_VALIDITY = (
    Prop("valid_from", "date", "first day on which it held (inclusive); empty = always"),
    Prop("valid_to", "date", "first day on which it no longer held (exclusive); empty = still"),
)

#: Fields every node record has, whatever its label.
NODE_COMMON: tuple[Prop, ...] = (
    Prop("id", "str", "unique in the whole store, stable across loads", required=True),
    Prop("label", "str", "PartyOrg, Enterprise, Body or Area", required=True),
    Prop("kind", "str", "one of the kinds of the label", required=True),
    Prop(
        "name", "str", "the name as the source gives it (Chinese, English or both)", required=True
    ),
    Prop("name_en", "str", "an English name"),
    Prop("aliases", "str_list", "other names (a list; `|`-separated in CSV)"),
    *_VALIDITY,
    *_PROVENANCE,
    Prop(
        "unresolved",
        "bool",
        "a placeholder made for a reference to an unknown id (load --allow-unresolved)",
    ),
)

NODE_LABELS: Mapping[str, NodeLabel] = {
    label.name: label
    for label in (
        NodeLabel(
            "PartyOrg",
            "A Party organization (党组织): committee, branch, group and the like.",
            kinds={
                "local_committee": "a county, city or provincial Party committee: a root of "
                "the reporting tree",
                "committee": "a Party committee (党委)",
                "general_branch": "a general branch (党总支)",
                "branch": "a branch (党支部)",
                "joint_branch": "a joint branch covering several small units (联合党支部)",
                "temporary_branch": "a temporary branch, e.g. for a project (临时党支部)",
                "leading_group": "a leading Party members' group (党组)",
                "work_committee": "a Party work committee (党工委)",
                "comprehensive_committee": "a comprehensive or park enterprise committee "
                "(综合党委 / 企业党委)",
            },
            props=(Prop("members", "int", "full Party members", minimum=0),),
        ),
        NodeLabel(
            "Enterprise",
            "An enterprise, whatever its ownership.",
            kinds={
                "private": "privately owned",
                "foreign": "foreign-owned",
                "hmt": "Hong Kong, Macao or Taiwan owned",
                "joint_venture": "a joint venture",
                "mixed": "mixed ownership (after a mixed-ownership reform)",
                "soe": "state-owned",
                "collective": "collectively owned",
            },
            props=(
                Prop("employees", "int", "head count", minimum=0),
                Prop(
                    "state_equity_pct", "float", "state-owned share, 0–100", minimum=0, maximum=100
                ),
                Prop(
                    "uscc",
                    "str",
                    "unified social credit code (18 characters, checksum)",
                    check="uscc",
                ),
            ),
        ),
        NodeLabel(
            "Body",
            "A government, Party or mass body that supervises, guides or owns.",
            kinds={
                "sasac": "a State-owned Assets Supervision and Administration Commission",
                "organization_dept": "a Party organization department",
                "united_front_dept": "a Party united-front work department",
                "propaganda_dept": "a Party propaganda department",
                "social_work_dept": "a social work committee or department",
                "npe_party_office": "a county's non-public-enterprise Party-building organ",
                "industry_commerce": "an industry and commerce (market regulation) department",
                "federation_industry_commerce": "a Federation of Industry and Commerce",
                "union": "a trade union",
                "youth_league": "a Communist Youth League committee",
                "womens_federation": "a women's federation",
                "trade_association": "a trade association",
                "chamber_of_commerce": "a chamber of commerce",
                "investment_promotion": "an investment promotion bureau",
                "government": "a government or its department",
                "other": "another body",
            },
        ),
        NodeLabel(
            "Area",
            "A territorial unit, from province to grid, or a park.",
            kinds={
                "province": "a province or provincial-level city",
                "city": "a city or prefecture",
                "county": "a county or district",
                "township": "a township or town",
                "street": "a street (subdistrict)",
                "village": "a village",
                "community": "an urban community",
                "park": "a development zone or industrial park",
                "grid": "a grid of grid-based management",
            },
        ),
    )
}

_PARTY = "PartyOrg"
_ENT = "Enterprise"
_BODY = "Body"
_AREA = "Area"

#: Fields every edge record has, whatever its type.
EDGE_COMMON: tuple[Prop, ...] = (
    Prop("type", "str", "the relationship type", required=True),
    Prop("from", "str", "id of the node the line starts at", required=True),
    Prop("to", "str", "id of the node the line ends at", required=True),
    Prop("kind", "str", "required where the type has kinds, refused where it has none"),
    *_VALIDITY,
    *_PROVENANCE,
)

REL_TYPES: Mapping[str, RelType] = {
    rel.name: rel
    for rel in (
        RelType(
            "AFFILIATED_TO",
            "The one formal superior of a Party organization (隶属关系).",
            endpoints=(EndpointRule(_labels(_PARTY), _labels(_PARTY)),),
            kinds={
                "territorial": "by territory (street, township, county)",
                "sector": "through a sector department or association (归口管理)",
                "system": "through the ownership system, e.g. a SASAC committee",
                "direct": "managed directly by a committee at county level or above",
                "attached": "attached to another organization (挂靠)",
                "other": "another basis",
            },
        ),
        RelType(
            "SUPERVISES",
            "Any other guiding, contacting, evaluating or coordinating line: a "
            "parent-in-law (婆婆).",
            endpoints=(EndpointRule(_labels(_BODY, _PARTY), _labels(_PARTY, _ENT)),),
            kinds={
                "guidance": "guides its work",
                "direct_contact": "contacts it directly, affiliation unchanged (直接联系)",
                "instructor": "a Party-building instructor or liaison: work coverage",
                "evaluation": "evaluates or assesses it",
                "coordination": "coordinates it",
                "inspection": "inspects it",
                "registration": "registers it",
                "other": "another line",
            },
        ),
        RelType(
            "BASED_IN",
            "The unit in which a Party organization is set up; a joint branch has several.",
            endpoints=(EndpointRule(_labels(_PARTY), _labels(_ENT, _BODY, _AREA)),),
        ),
        RelType(
            "LOCATED_IN",
            "Where an enterprise, body or organization is registered or operates; or which "
            "larger area an area is part of.",
            endpoints=(
                EndpointRule(
                    _labels(_ENT, _BODY, _PARTY),
                    _labels(_AREA),
                    frozenset({"registered", "operating"}),
                ),
                EndpointRule(_labels(_AREA), _labels(_AREA), frozenset({"part_of"})),
            ),
            kinds={
                "registered": "registered there",
                "operating": "operates there",
                "part_of": "an area that is part of a larger one",
            },
        ),
        RelType(
            "OWNS",
            "A shareholding in an enterprise.",
            endpoints=(EndpointRule(_labels(_BODY, _ENT), _labels(_ENT)),),
            props=(Prop("share_pct", "float", "the share held, 0–100", minimum=0, maximum=100),),
        ),
        RelType(
            "SUCCEEDS",
            "Restructuring: the newer unit succeeds the older one.",
            endpoints=(
                EndpointRule(_labels(_ENT), _labels(_ENT)),
                EndpointRule(_labels(_PARTY), _labels(_PARTY)),
            ),
            kinds={
                "merger": "formed by or absorbed in a merger",
                "split": "split off",
                "strip_off": "a unit stripped off in a restructuring",
                "rename": "renamed",
                "reorganization": "reorganized",
            },
        ),
    )
}

#: The non-public enterprise kinds: the 2012 Opinions' coverage targets (50+ employees should
#: have Party members; organizations or at least work coverage) apply to these.
NON_PUBLIC_ENTERPRISE_KINDS: frozenset[str] = frozenset(
    {"private", "foreign", "hmt", "joint_venture"}
)

TRANSFER_STATUSES: Mapping[str, str] = {
    "proposed": "a move has been proposed",
    "pending": "under negotiation",
    "retained": "decided: the organization stays with its superior before",
    "transferred": "carried out: the old line ends on `date` and the new one begins",
}

TRANSFER_FIELDS: tuple[Prop, ...] = (
    Prop("id", "str", "unique among transfers; made from org and date when left out"),
    Prop(
        "org", "str", "id of the Party organization whose affiliation is in question", required=True
    ),
    Prop("from", "str", "id of the superior before"),
    Prop("proposed_to", "str", "id of the superior proposed"),
    Prop("proposed_by", "str", "who proposed it: a node id or free text"),
    Prop("decided_to", "str", "id of the superior decided on"),
    Prop("status", "str", "proposed, pending, retained or transferred", required=True),
    Prop("date", "date", "when it was decided or carried out (or proposed, if still open)"),
    Prop("reason", "str", "why, in the source's words or a summary"),
    Prop("source", "str", "id of the source record"),
    Prop("quote", "str", "the words of the source that support the record"),
)

SOURCE_FIELDS: tuple[Prop, ...] = (
    Prop("id", "str", "unique among sources, e.g. the file name", required=True),
    Prop("title", "str", "the document's title"),
    Prop("publisher", "str", "who published it"),
    Prop("date", "date", "when it was published"),
    Prop("url", "str", "where it can be read"),
    Prop("language", "str", "language of the text used, e.g. zh or en"),
)

#: The values of the ``record`` field of a canonical record.
RECORD_KINDS: tuple[str, ...] = ("source", "node", "edge", "transfer")
