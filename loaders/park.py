"""Industrial-park rosters (2012 Opinions §3; 企业党委 / 综合党委 of development zones).

The roster of a development zone or industrial park where non-public enterprises cluster: the
park, the enterprise or comprehensive Party committee set up for it, the enterprises
registered in the park and their Party organizations, and joint branches that cover several
small enterprises at once.
"""

from __future__ import annotations

from loaders.rosters import (
    ENTERPRISE_COLUMNS,
    ENTRY_MEANING,
    UNIT_COLUMNS,
    begin,
    enterprises,
    head_unit,
    superior,
    unit,
)
from loaders.table import PROVENANCE, Column, Entry, Layout, Row

__all__ = ["LAYOUT"]

ENTRIES = (
    Entry(
        "park",
        "the park itself (Area, kind park); its id is the row's park; `area`: the "
        "county or city it is part of (LOCATED_IN part_of)",
        zh=("园区",),
    ),
    Entry(
        "committee",
        "the park's enterprise or comprehensive Party committee (PartyOrg, kind "
        "comprehensive_committee unless `kind` says otherwise), set up in the park "
        "(BASED_IN); `superior` / `basis`: its own superior (default basis territorial)",
        zh=("园区党委", "综合党委"),
    ),
    Entry(
        "enterprise",
        "an enterprise registered in the park (Enterprise; kind required; "
        "LOCATED_IN registered), e.g. a small one without an organization of its own",
        zh=("企业",),
    ),
    Entry(
        "organization",
        "a Party organization in the park (PartyOrg; kind required), set up "
        "in `enterprise` (BASED_IN; a joint_branch in several); an enterprise the row "
        "defines is registered in the park; `superior` / `basis`: its superior, usually the "
        "park committee (default basis territorial)",
        zh=("党组织",),
    ),
)

COLUMNS: tuple[Column, ...] = (
    Column(
        "park", "id of the park (Area, kind park) the row belongs to", required=True, zh=("园区",)
    ),
    Column("entry", ENTRY_MEANING, required=True, zh=("条目", "记录类型", "行类型")),
    *UNIT_COLUMNS,
    *ENTERPRISE_COLUMNS,
    Column(
        "area",
        "park rows: id of the county or city the park is part of",
        zh=("地区", "所在地区", "区域"),
    ),
    Column(
        "superior",
        "committee and organization rows: id of the formal superior (AFFILIATED_TO)",
        zh=("上级党组织", "上级"),
    ),
    Column(
        "basis",
        "the basis of that line: territorial (default), sector, system, direct, "
        "attached, other (or 属地, 归口 …)",
        zh=("隶属方式", "隶属依据", "管理方式"),
    ),
    *PROVENANCE,
)


def build(row: Row) -> None:
    park, entry = begin(row, "park", ENTRIES)
    if entry == "park":
        node = head_unit(row, park, "park", "Area", "park")
        row.edge(
            "LOCATED_IN",
            (node, "id"),
            (row.get("area"), "area"),
            kind=("part_of", "entry"),
            dated=True,
        )
    elif entry == "committee":
        node = unit(row, "PartyOrg", "comprehensive_committee", organization=True)
        row.edge("BASED_IN", (node, "id"), (park, "park"), dated=True)
        superior(row, node, "territorial")
    elif entry == "enterprise":
        node = unit(row, "Enterprise", enterprise=True)
        row.edge(
            "LOCATED_IN", (node, "id"), (park, "park"), kind=("registered", "entry"), dated=True
        )
    elif entry == "organization":
        node = unit(row, "PartyOrg", organization=True)

        def registered(enterprise: str) -> None:
            row.edge(
                "LOCATED_IN",
                (enterprise, "enterprise"),
                (park, "park"),
                kind=("registered", "entry"),
            )

        enterprises(row, node, on_define=registered)
        superior(row, node, "territorial")


LAYOUT = Layout(
    name="park",
    title="Industrial-park rosters",
    summary=__doc__.split("\n\n", 1)[1].strip() if __doc__ else "",
    columns=COLUMNS,
    build=build,
    entries=ENTRIES,
)
