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
    "DATE_PRECISIONS",
    "EDGE_COMMON",
    "EVIDENCE_FIELDS",
    "EVIDENCE_ROLES",
    "FORMAT_VERSION",
    "JUDGEMENT_ENDINGS",
    "JUDGEMENT_FIELDS",
    "JUDGEMENT_VERDICTS",
    "JUDGEMENT_VERDICT_WORDS",
    "NODE_COMMON",
    "NODE_LABELS",
    "NON_PUBLIC_ENTERPRISE_KINDS",
    "RECORD_KINDS",
    "REL_TYPES",
    "SOURCE_FIELDS",
    "TRANSFER_FIELDS",
    "TRANSFER_STATUSES",
    "TRANSFER_STATUSES_ZH",
    "EndpointRule",
    "NodeLabel",
    "Prop",
    "PropType",
    "RelType",
    "precision_field",
]

FORMAT_VERSION = "1"

#: a field's value type; "evidence" is a list of evidence items (:data:`EVIDENCE_FIELDS`)
PropType = Literal["str", "int", "float", "date", "bool", "str_list", "evidence"]


@dataclass(frozen=True)
class Prop:
    """One field of a record: its name, value type, limits and meaning."""

    name: str
    type: PropType
    description: str
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    #: a named extra check, e.g. ``"uscc"`` for the unified social credit code checksum, or
    #: ``"id"`` for an identifier (no invisible or full-width characters)
    check: str | None = None
    #: the closed set of values the field takes, if it has one
    choices: tuple[str, ...] = ()
    #: the Chinese names a table may head the field with, the usual one first
    zh: tuple[str, ...] = ()


@dataclass(frozen=True)
class NodeLabel:
    """A node label, the kinds a node of that label may have, and its own properties."""

    name: str
    description: str
    kinds: Mapping[str, str]
    props: tuple[Prop, ...] = ()
    #: the label's Chinese name
    zh: str = ""
    #: kind → its Chinese terms, the usual one first (tables may write any of them)
    kinds_zh: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


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
    #: the type's Chinese name
    zh: str = ""
    #: kind → its Chinese terms, the usual one first (tables may write any of them)
    kinds_zh: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def has_kinds(self) -> bool:
        """A type with kinds requires one on every edge; a type without refuses one."""
        return bool(self.kinds)


def _labels(*names: str) -> tuple[str, ...]:
    return names


#: How precisely a source gives a date, besides the day: a date given as a month or a year is
#: held as the first day of that period, with its precision beside it (empty = the day).
DATE_PRECISIONS: Mapping[str, str] = {
    "month": "the source gives only the month: the date is its first day",
    "year": "the source gives only the year: the date is its first day",
}


def precision_field(name: str) -> str:
    """The name of the field holding how precisely date field ``name`` is known."""
    return f"{name}_precision"


def _dated(prop: Prop) -> tuple[Prop, Prop]:
    """A date field and its precision field (``valid_from`` → ``valid_from_precision``)."""
    precision = Prop(
        precision_field(prop.name),
        "str",
        f"how precisely the source gives {prop.name}: month or year (the date is then the "
        "period's first day); empty = the day",
        choices=tuple(DATE_PRECISIONS),
        zh=tuple(f"{zh}精度" for zh in prop.zh[:1]),
    )
    return prop, precision


_PROVENANCE = (
    Prop(
        "source",
        "str",
        "id of the source record the fact is taken from",
        check="id",
        zh=("来源", "资料来源", "出处", "来源编号"),
    ),
    Prop(
        "quote",
        "str",
        "the words of the source that support the record",
        zh=("原文", "引文", "摘录", "依据"),
    ),
    Prop(
        "page",
        "str",
        "where in the source the quote stands (page, section, paragraph)",
        zh=("页码", "出处页码", "位置"),
    ),
)

_VALIDITY = (
    *_dated(
        Prop(
            "valid_from",
            "date",
            "first day on which it held (inclusive); empty = always",
            zh=("开始日期", "起始日期", "成立时间", "成立日期", "生效日期", "始于"),
        )
    ),
    *_dated(
        Prop(
            "valid_to",
            "date",
            "first day on which it no longer held (exclusive); empty = still",
            zh=("结束日期", "终止日期", "撤销时间", "撤销日期", "截止日期", "止于"),
        )
    ),
)

#: Fields every node record has, whatever its label.
NODE_COMMON: tuple[Prop, ...] = (
    Prop(
        "id",
        "str",
        "unique in the whole store, stable across loads",
        required=True,
        check="id",
        zh=("编号", "标识", "代码"),
    ),
    Prop("label", "str", "PartyOrg, Enterprise, Body or Area", required=True, zh=("标签", "类别")),
    Prop("kind", "str", "one of the kinds of the label", required=True, zh=("类型", "种类")),
    Prop(
        "name",
        "str",
        "the name as the source gives it (Chinese, English or both)",
        required=True,
        zh=("名称", "全称", "组织名称"),
    ),
    Prop("name_en", "str", "an English name", zh=("英文名称", "英文名")),
    Prop(
        "aliases",
        "str_list",
        "other names (a list; `|`-separated in CSV)",
        zh=("别名", "简称", "其他名称"),
    ),
    *_VALIDITY,
    *_PROVENANCE,
    Prop(
        "unresolved",
        "bool",
        "a placeholder made for a reference to an unknown id (load --allow-unresolved)",
        zh=("未解析",),
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
            zh="党组织",
            kinds_zh={
                "local_committee": ("地方党委", "县委", "区委", "市委", "省委"),
                "committee": ("党委", "基层党委"),
                "general_branch": ("党总支", "总支", "党总支部"),
                "branch": ("党支部", "支部"),
                "joint_branch": ("联合党支部", "联合支部"),
                "temporary_branch": ("临时党支部", "临时支部"),
                "leading_group": ("党组",),
                "work_committee": ("党工委", "工委"),
                "comprehensive_committee": ("综合党委", "企业党委"),
            },
            props=(
                Prop(
                    "members",
                    "int",
                    "full Party members",
                    minimum=0,
                    zh=("党员人数", "正式党员人数", "党员数"),
                ),
            ),
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
            zh="企业",
            kinds_zh={
                "private": ("民营企业", "民营", "私营", "私营企业"),
                "foreign": ("外资企业", "外资", "外商投资企业", "外商独资企业"),
                "hmt": ("港澳台资企业", "港澳台", "港澳台资"),
                "joint_venture": ("合资企业", "合资", "中外合资"),
                "mixed": ("混合所有制企业", "混合所有制", "混改"),
                "soe": ("国有企业", "国有", "国企"),
                "collective": ("集体企业", "集体"),
            },
            props=(
                Prop(
                    "employees",
                    "int",
                    "head count",
                    minimum=0,
                    zh=("职工人数", "员工人数", "从业人数", "职工数"),
                ),
                Prop(
                    "state_equity_pct",
                    "float",
                    "state-owned share, 0–100",
                    minimum=0,
                    maximum=100,
                    zh=("国有股比例", "国有股权比例", "国有持股比例"),
                ),
                Prop(
                    "uscc",
                    "str",
                    "unified social credit code (18 characters, checksum)",
                    check="uscc",
                    zh=("统一社会信用代码", "信用代码", "社会信用代码"),
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
            zh="机构",
            kinds_zh={
                "sasac": ("国资委", "国有资产监督管理委员会"),
                "organization_dept": ("组织部",),
                "united_front_dept": ("统战部", "统一战线工作部"),
                "propaganda_dept": ("宣传部",),
                "social_work_dept": ("社会工作部", "社工委", "社会工作委员会"),
                "npe_party_office": ("非公党建工作机构", "非公有制企业党建工作机构"),
                "industry_commerce": ("市场监管部门", "市场监管", "工商", "工商局"),
                "federation_industry_commerce": ("工商联",),
                "union": ("工会", "总工会"),
                "youth_league": ("共青团", "团委"),
                "womens_federation": ("妇联",),
                "trade_association": ("行业协会", "协会"),
                "chamber_of_commerce": ("商会",),
                "investment_promotion": ("投资促进局", "投促局"),
                "government": ("政府", "人民政府"),
                "other": ("其他机构", "其他"),
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
            zh="地区",
            kinds_zh={
                "province": ("省", "省级"),
                "city": ("市", "地级市"),
                "county": ("县", "区", "县区", "县级"),
                "township": ("乡镇", "乡", "镇"),
                "street": ("街道",),
                "village": ("村",),
                "community": ("社区",),
                "park": ("园区", "开发区", "工业园区"),
                "grid": ("网格",),
            },
        ),
    )
}

_PARTY = "PartyOrg"
_ENT = "Enterprise"
_BODY = "Body"
_AREA = "Area"

#: What a piece of evidence says about a line (see :data:`EVIDENCE_FIELDS`).
EVIDENCE_ROLES: Mapping[str, str] = {
    "interval": "states when the line held, [valid_from, valid_to), outright (a canonical edge, "
    "a roster row)",
    "begins": "the line began on `date` (a transfer to this superior)",
    "ends": "the line ended on `date` (a transfer away from this superior)",
    "holds": "the line held on `date` (a roster of that day, a retained transfer)",
}

#: One piece of evidence about a line: what it says, from which source, read where. A line's
#: interval is assembled from all of its evidence, in one load and across loads, and each
#: piece keeps its own provenance (see docs/loaders.md, "Lines over time").
EVIDENCE_FIELDS: tuple[Prop, ...] = (
    Prop(
        "role",
        "str",
        "interval, begins, ends or holds",
        required=True,
        choices=tuple(EVIDENCE_ROLES),
    ),
    Prop("date", "date", "the day it speaks of (begins, ends, holds)"),
    Prop("valid_from", "date", "interval: the first day it states (empty: not stated)"),
    Prop("valid_to", "date", "interval: the day it states the line no longer held"),
    Prop("transfer", "str", "the id of the transfer record it comes from", check="id"),
    Prop("source", "str", "id of the source record", check="id"),
    Prop("quote", "str", "the words of the source"),
    Prop("page", "str", "where in the source the quote stands"),
)

#: Fields every edge record has, whatever its type.
EDGE_COMMON: tuple[Prop, ...] = (
    Prop("type", "str", "the relationship type", required=True, zh=("关系类型", "关系")),
    Prop(
        "from",
        "str",
        "id of the node the line starts at",
        required=True,
        check="id",
        zh=("起点", "从"),
    ),
    Prop(
        "to",
        "str",
        "id of the node the line ends at",
        required=True,
        check="id",
        zh=("终点", "到"),
    ),
    Prop(
        "kind",
        "str",
        "required where the type has kinds, refused where it has none",
        zh=("类型", "方式"),
    ),
    *_VALIDITY,
    *_PROVENANCE,
    Prop(
        "evidence",
        "evidence",
        "every piece of evidence the line's interval is assembled from, with its own source "
        "and quote (empty: the record states its interval outright)",
        zh=("证据",),
    ),
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
            props=(
                Prop(
                    "dual_line",
                    "bool",
                    "true where the organization belongs to two superiors at once on purpose "
                    "(a joint appointment): lines that overlap in time must all say so",
                    zh=("双重隶属",),
                ),
            ),
            zh="隶属关系",
            kinds_zh={
                "territorial": ("属地", "属地管理"),
                "sector": ("归口", "归口管理", "行业"),
                "system": ("系统", "系统管理"),
                "direct": ("直管", "直接管理"),
                "attached": ("挂靠",),
                "other": ("其他",),
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
            zh="指导关系",
            kinds_zh={
                "guidance": ("指导", "业务指导"),
                "direct_contact": ("直接联系", "联系"),
                "instructor": ("党建指导员", "指导员", "联络员", "党建联络员"),
                "evaluation": ("考核", "评价", "考评"),
                "coordination": ("协调",),
                "inspection": ("检查", "督查", "巡视"),
                "registration": ("登记", "登记管理"),
                "other": ("其他",),
            },
        ),
        RelType(
            "BASED_IN",
            "The unit in which a Party organization is set up; a joint branch has several.",
            endpoints=(EndpointRule(_labels(_PARTY), _labels(_ENT, _BODY, _AREA)),),
            zh="设立于",
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
            zh="位于",
            kinds_zh={
                "registered": ("注册地", "注册"),
                "operating": ("经营地", "经营"),
                "part_of": ("所属", "下辖于"),
            },
        ),
        RelType(
            "OWNS",
            "A shareholding in an enterprise.",
            endpoints=(EndpointRule(_labels(_BODY, _ENT), _labels(_ENT)),),
            props=(
                Prop(
                    "share_pct",
                    "float",
                    "the share held, 0–100",
                    minimum=0,
                    maximum=100,
                    zh=("持股比例", "股比"),
                ),
            ),
            zh="持股",
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
            zh="承继",
            kinds_zh={
                "merger": ("合并",),
                "split": ("分立",),
                "strip_off": ("剥离",),
                "rename": ("更名",),
                "reorganization": ("重组", "改组"),
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

#: status → its Chinese terms, the usual one first (tables may write any of them)
TRANSFER_STATUSES_ZH: Mapping[str, tuple[str, ...]] = {
    "proposed": ("提议", "提出", "已提议", "拟转移"),
    "pending": ("协商中", "待定", "商谈中"),
    "retained": ("保留", "不变", "维持", "未转移"),
    "transferred": ("已转移", "转移", "转接", "已转接"),
}

TRANSFER_FIELDS: tuple[Prop, ...] = (
    Prop(
        "id",
        "str",
        "unique among transfers; made from org and date when left out",
        check="id",
        zh=("编号",),
    ),
    Prop(
        "org",
        "str",
        "id of the Party organization whose affiliation is in question",
        required=True,
        check="id",
        zh=("党组织", "党组织编号"),
    ),
    Prop("from", "str", "id of the superior before", check="id", zh=("原上级", "原上级党组织")),
    Prop(
        "proposed_to", "str", "id of the superior proposed", check="id", zh=("拟转入", "拟转入上级")
    ),
    Prop("proposed_by", "str", "who proposed it: a node id or free text", zh=("提议方", "提出方")),
    Prop(
        "decided_to",
        "str",
        "id of the superior decided on",
        check="id",
        zh=("决定上级", "转入上级", "新上级"),
    ),
    Prop(
        "status",
        "str",
        "proposed, pending, retained or transferred",
        required=True,
        zh=("状态", "结果"),
    ),
    *_dated(
        Prop(
            "date",
            "date",
            "when it was decided or carried out (or proposed, if still open)",
            zh=("日期", "转移日期", "决定日期"),
        )
    ),
    Prop("reason", "str", "why, in the source's words or a summary", zh=("原因", "理由")),
    Prop("source", "str", "id of the source record", check="id", zh=("来源", "资料来源", "出处")),
    Prop("quote", "str", "the words of the source that support the record", zh=("原文", "引文")),
)

SOURCE_FIELDS: tuple[Prop, ...] = (
    Prop(
        "id",
        "str",
        "unique among sources, e.g. the file name",
        required=True,
        check="id",
        zh=("编号",),
    ),
    Prop("title", "str", "the document's title", zh=("标题", "题名", "文件名称")),
    Prop("publisher", "str", "who published it", zh=("发布者", "发布机构", "出版者")),
    *_dated(Prop("date", "date", "when it was published", zh=("日期", "发布日期"))),
    Prop(
        "url",
        "str",
        "where it can be read: an http:// or https:// address",
        check="url",
        zh=("网址", "链接"),
    ),
    Prop("language", "str", "language of the text used, e.g. zh or en", zh=("语言",)),
)

#: What a person may say of a pair of nodes that may be one body under two names.
JUDGEMENT_VERDICTS: Mapping[str, str] = {
    "same": "one body under two names",
    "different": "two bodies",
    "unsure": "looked at, and could not be told: not proposed again, left for later",
}

#: Each verdict in words, English and Chinese (``GET /api/labels``: what the review shows).
JUDGEMENT_VERDICT_WORDS: Mapping[str, tuple[str, str]] = {
    "same": ("Same body", "同一机构"),
    "different": ("Different bodies", "不同机构"),
    "unsure": ("Unsure", "无法判断"),
}

#: How a judgement stops standing: it is never overwritten, only marked as ended.
JUDGEMENT_ENDINGS: Mapping[str, str] = {
    "superseded": "a later judgement of the same pair replaced it",
    "withdrawn": "withdrawn (undone): the pair is a candidate again",
}

#: A person's judgement of a candidate pair (:mod:`dedupe.judgements`). Not a canonical
#: record a load reads: judgements are made by review, kept in the store with their history
#: (a judgement that a later one replaced, or that was withdrawn, stays, marked ``ended``),
#: and carried by the JSON export.
JUDGEMENT_FIELDS: tuple[Prop, ...] = (
    Prop("id", "str", "unique among judgements", required=True, check="id"),
    Prop("a", "str", "id of one node of the pair (the lesser id)", required=True, check="id"),
    Prop("b", "str", "id of the other node (the greater id)", required=True, check="id"),
    Prop(
        "verdict",
        "str",
        "same, different or unsure",
        required=True,
        choices=tuple(JUDGEMENT_VERDICTS),
    ),
    Prop("who", "str", "who judged", required=True),
    Prop(
        "recorded_at",
        "str",
        "when it was recorded: an ISO 8601 time in UTC (2026-12-05T17:30:00.000000+00:00)",
        required=True,
    ),
    Prop("note", "str", "why, in the judge's words"),
    Prop("ended_at", "str", "when it stopped standing (ISO 8601, UTC); empty while it stands"),
    Prop("ended", "str", "superseded or withdrawn", choices=tuple(JUDGEMENT_ENDINGS)),
    Prop("ended_by", "str", "who withdrew it, or judged the pair again"),
)

#: The values of the ``record`` field of a canonical record.
RECORD_KINDS: tuple[str, ...] = ("source", "node", "edge", "transfer")
