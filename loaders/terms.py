"""The words a source table may use for the format's terms: English spellings and Chinese.

Researchers copy terms from their sources: "general branch", "General-Branch" or 党总支 all
mean ``general_branch``. A cell is first normalized (lower case, spaces and hyphens become
``_``) and then looked up among the Chinese terms below; what is still unknown is passed on
as written, so the schema's own error ("expected one of …") names the accepted values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from graph_schema.declaration import NODE_LABELS, REL_TYPES, TRANSFER_STATUSES

__all__ = ["CHINESE", "VOCABULARIES", "normalize", "term"]

_SEPARATORS = re.compile(r"[\s\-]+")

#: vocabulary name → the format's terms of it (in declaration order)
VOCABULARIES: Mapping[str, tuple[str, ...]] = {
    **{f"{label}_kind": tuple(spec.kinds) for label, spec in NODE_LABELS.items()},
    "basis": tuple(REL_TYPES["AFFILIATED_TO"].kinds),
    "how": tuple(REL_TYPES["SUPERVISES"].kinds),
    "status": tuple(TRANSFER_STATUSES),
}

#: vocabulary name → Chinese term → the format's term
CHINESE: Mapping[str, Mapping[str, str]] = {
    "PartyOrg_kind": {
        "地方党委": "local_committee",
        "县委": "local_committee",
        "区委": "local_committee",
        "党委": "committee",
        "党总支": "general_branch",
        "党支部": "branch",
        "联合党支部": "joint_branch",
        "临时党支部": "temporary_branch",
        "党组": "leading_group",
        "党工委": "work_committee",
        "综合党委": "comprehensive_committee",
        "企业党委": "comprehensive_committee",
    },
    "Enterprise_kind": {
        "民营": "private",
        "私营": "private",
        "外资": "foreign",
        "港澳台": "hmt",
        "合资": "joint_venture",
        "混合所有制": "mixed",
        "混改": "mixed",
        "国有": "soe",
        "国企": "soe",
        "集体": "collective",
    },
    "Body_kind": {
        "国资委": "sasac",
        "组织部": "organization_dept",
        "统战部": "united_front_dept",
        "宣传部": "propaganda_dept",
        "社会工作部": "social_work_dept",
        "社工委": "social_work_dept",
        "非公党建工作机构": "npe_party_office",
        "非公有制企业党建工作机构": "npe_party_office",
        "市场监管": "industry_commerce",
        "工商": "industry_commerce",
        "工商联": "federation_industry_commerce",
        "工会": "union",
        "共青团": "youth_league",
        "团委": "youth_league",
        "妇联": "womens_federation",
        "行业协会": "trade_association",
        "商会": "chamber_of_commerce",
        "投资促进局": "investment_promotion",
        "政府": "government",
        "其他": "other",
    },
    "Area_kind": {
        "省": "province",
        "市": "city",
        "县": "county",
        "区": "county",
        "乡": "township",
        "镇": "township",
        "乡镇": "township",
        "街道": "street",
        "村": "village",
        "社区": "community",
        "园区": "park",
        "开发区": "park",
        "网格": "grid",
    },
    "basis": {
        "属地": "territorial",
        "归口": "sector",
        "行业": "sector",
        "系统": "system",
        "直管": "direct",
        "直接管理": "direct",
        "挂靠": "attached",
        "其他": "other",
    },
    "how": {
        "指导": "guidance",
        "业务指导": "guidance",
        "直接联系": "direct_contact",
        "党建指导员": "instructor",
        "指导员": "instructor",
        "联络员": "instructor",
        "党建联络员": "instructor",
        "考核": "evaluation",
        "评价": "evaluation",
        "考评": "evaluation",
        "协调": "coordination",
        "检查": "inspection",
        "督查": "inspection",
        "巡视": "inspection",
        "登记": "registration",
        "登记管理": "registration",
        "其他": "other",
    },
    "status": {
        "提议": "proposed",
        "提出": "proposed",
        "协商中": "pending",
        "待定": "pending",
        "保留": "retained",
        "不变": "retained",
        "维持": "retained",
        "转移": "transferred",
        "已转移": "transferred",
        "转接": "transferred",
    },
}


def normalize(text: str) -> str:
    """Lower case, with runs of spaces and hyphens turned into ``_``."""
    return _SEPARATORS.sub("_", text.strip().lower())


def term(vocabulary: str, text: str) -> str:
    """The format's term for ``text`` in ``vocabulary``, or ``text`` itself if unknown."""
    known = VOCABULARIES[vocabulary]
    plain = normalize(text)
    if plain in known:
        return plain
    return CHINESE.get(vocabulary, {}).get(text.strip(), text)
