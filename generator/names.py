"""Synthetic but realistic names, in Chinese and English.

Every place is a numbered *示例* ("Sample") place, so no name stands for a real place, body or
enterprise. Enterprise names follow the usual pattern place + trade name + industry + form
(e.g. 示例3市华鑫机械制造有限公司, "Sample City 3 Huaxin Machinery Co., Ltd.").
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "BODY_NAMES",
    "CHAMBERS",
    "INDUSTRIES",
    "PROJECTS",
    "TRADE_NAMES",
    "Industry",
    "county_names",
    "zone_names",
]

_SYLLABLES = (
    ("华", "Hua"),
    ("鑫", "Xin"),
    ("达", "Da"),
    ("宏", "Hong"),
    ("瑞", "Rui"),
    ("恒", "Heng"),
    ("泰", "Tai"),
    ("盛", "Sheng"),
    ("源", "Yuan"),
    ("博", "Bo"),
    ("嘉", "Jia"),
    ("联", "Lian"),
    ("创", "Chuang"),
    ("金", "Jin"),
    ("康", "Kang"),
    ("丰", "Feng"),
    ("远", "Yuan"),
    ("通", "Tong"),
    ("新", "Xin"),
    ("兴", "Xing"),
    ("安", "An"),
    ("信", "Xin"),
    ("德", "De"),
    ("昌", "Chang"),
    ("和", "He"),
    ("润", "Run"),
    ("顺", "Shun"),
    ("明", "Ming"),
    ("东", "Dong"),
    ("海", "Hai"),
    ("天", "Tian"),
    ("永", "Yong"),
    ("宇", "Yu"),
    ("卓", "Zhuo"),
    ("锦", "Jin"),
    ("荣", "Rong"),
    ("力", "Li"),
    ("科", "Ke"),
    ("众", "Zhong"),
    ("诚", "Cheng"),
    ("晨", "Chen"),
    ("弘", "Hong"),
)

#: Two-syllable trade names (字号): (Chinese, English).
TRADE_NAMES: tuple[tuple[str, str], ...] = tuple(
    (a + b, pa + pb.lower()) for a, pa in _SYLLABLES for b, pb in _SYLLABLES if a != b
)


class Industry(NamedTuple):
    """A line of business: its names, and whether it runs construction projects."""

    zh: str
    en: str
    projects: bool = False


INDUSTRIES: tuple[Industry, ...] = (
    Industry("机械制造", "Machinery"),
    Industry("电子科技", "Electronics Technology"),
    Industry("食品", "Food"),
    Industry("纺织", "Textiles"),
    Industry("物流", "Logistics"),
    Industry("建筑工程", "Construction Engineering", projects=True),
    Industry("软件", "Software"),
    Industry("新材料", "New Materials"),
    Industry("医药", "Pharmaceuticals"),
    Industry("化工", "Chemicals"),
    Industry("餐饮管理", "Catering Management"),
    Industry("商贸", "Trading"),
    Industry("汽车零部件", "Auto Parts"),
    Industry("环保科技", "Environmental Technology"),
    Industry("印刷", "Printing"),
    Industry("家具", "Furniture"),
    Industry("农业开发", "Agricultural Development"),
    Industry("物业管理", "Property Management"),
    Industry("信息技术", "Information Technology"),
    Industry("装饰工程", "Decoration Engineering", projects=True),
    Industry("服装", "Garments"),
    Industry("电气", "Electrical Equipment"),
)

#: Chambers of commerce a county may have: (Chinese, English).
CHAMBERS: tuple[tuple[str, str], ...] = (
    ("青年企业家商会", "Young Entrepreneurs Chamber of Commerce"),
    ("女企业家商会", "Women Entrepreneurs Chamber of Commerce"),
    ("民营经济商会", "Private Economy Chamber of Commerce"),
    ("科技企业商会", "Technology Enterprises Chamber of Commerce"),
    ("外来投资企业商会", "Chamber of Commerce of Invested Enterprises"),
)

#: A county's supervising bodies by kind: (Chinese suffix, English suffix).
BODY_NAMES: dict[str, tuple[str, str]] = {
    "organization_dept": ("委组织部", "Party Committee Organization Department"),
    "united_front_dept": ("委统战部", "Party Committee United Front Work Department"),
    "propaganda_dept": ("委宣传部", "Party Committee Propaganda Department"),
    "social_work_dept": ("委社会工作部", "Party Committee Social Work Department"),
    "npe_party_office": (
        "委非公有制企业党建工作办公室",
        "Non-Public Enterprise Party Building Office",
    ),
    "industry_commerce": ("市场监督管理局", "Market Regulation Bureau"),
    "federation_industry_commerce": ("工商业联合会", "Federation of Industry and Commerce"),
    "union": ("总工会", "Federation of Trade Unions"),
    "youth_league": ("团委", "Communist Youth League Committee"),
    "womens_federation": ("妇女联合会", "Women's Federation"),
}

#: Project names for temporary branches: (Chinese, English).
PROJECTS: tuple[tuple[str, str], ...] = (
    ("安置房", "Resettlement Housing"),
    ("综合楼", "Office Complex"),
    ("道路改造", "Road Works"),
    ("学校", "School"),
    ("污水处理厂", "Sewage Plant"),
    ("产业园", "Industrial Estate"),
)


def county_names(city: int, county: int, district: bool) -> tuple[str, str]:
    """The names of a county-level unit: 示例3市第5区 / Sample City 3 District 5."""
    if district:
        return f"示例{city}市第{county}区", f"Sample City {city} District {county}"
    return f"示例{city}市第{county}县", f"Sample City {city} County {county}"


def zone_names(county_zh: str, county_en: str, kind: str, n: int) -> tuple[str, str]:
    """The names of a street, township or park of a county."""
    if kind == "street":
        return f"{county_zh}第{n}街道", f"{county_en} Street {n}"
    if kind == "township":
        return f"{county_zh}第{n}镇", f"{county_en} Town {n}"
    return f"{county_zh}第{n}工业园区", f"{county_en} Industrial Park {n}"
