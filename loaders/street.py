"""Street and township rosters (2012 Opinions §3, §7; Jiading's street work committees).

The roster of a street (subdistrict) or township and its Party work committee, which
regional, grid-based management puts in charge of the scattered small enterprises: its
communities (or villages) and grids, the enterprises registered there and their Party
organizations, and — where an enterprise has no organization — the body that sent it a
Party-building instructor or liaison (work coverage).
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
        "street",
        "the street or township itself (Area, kind street unless `kind` says "
        "township); its id is the row's street; `area`: the county it is part of "
        "(LOCATED_IN part_of)",
        zh=("街道", "乡镇"),
    ),
    Entry(
        "committee",
        "its Party work committee (PartyOrg, kind work_committee unless `kind` "
        "says otherwise), set up in the street (BASED_IN); `superior` / `basis`: its own "
        "superior (default basis territorial)",
        zh=("党工委", "街道党工委"),
    ),
    Entry(
        "community",
        "a community or village (Area, kind community unless `kind` says "
        "village), part of `area`, default the street (LOCATED_IN part_of)",
        zh=("社区",),
    ),
    Entry(
        "grid",
        "a grid of grid-based management (Area, kind grid), part of `area`, default "
        "the street (LOCATED_IN part_of)",
        zh=("网格",),
    ),
    Entry(
        "enterprise",
        "an enterprise (Enterprise; kind required), registered in `area`, "
        "default the street (LOCATED_IN registered); `instructor_from`: who sent it a "
        "Party-building instructor or liaison (SUPERVISES kind instructor)",
        zh=("企业",),
    ),
    Entry(
        "organization",
        "a Party organization (PartyOrg; kind required), set up in "
        "`enterprise` (BASED_IN; a joint_branch in several); an enterprise the row defines "
        "is registered in `area`, default the street; `superior` / `basis`: its superior, "
        "usually the work committee or a community organization (default basis "
        "territorial)",
        zh=("党组织",),
    ),
)

COLUMNS: tuple[Column, ...] = (
    Column(
        "street",
        "id of the street or township (Area) the row belongs to",
        required=True,
        zh=("街道", "街道乡镇", "乡镇"),
    ),
    Column("entry", ENTRY_MEANING, required=True, zh=("条目", "记录类型", "行类型")),
    *UNIT_COLUMNS,
    *ENTERPRISE_COLUMNS,
    Column(
        "area",
        "id of an area: what the street is part of; what a community or grid is "
        "part of, or where an enterprise is registered (default: the street)",
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
    Column(
        "instructor_from",
        "enterprise rows: id of the body or organization that sent a "
        "Party-building instructor or liaison (SUPERVISES kind instructor: work coverage)",
        zh=("指导员派出单位", "党建指导员派出单位"),
    ),
    *PROVENANCE,
)


def _area(row: Row, street: str | None) -> tuple[str | None, str]:
    """The row's area, defaulting to the street: (id, column it came from)."""
    area = row.get("area")
    return (area, "area") if area is not None else (street, "street")


def build(row: Row) -> None:
    street, entry = begin(row, "street", ENTRIES)
    if entry == "street":
        node = head_unit(row, street, "street", "Area", "street")
        row.edge(
            "LOCATED_IN",
            (node, "id"),
            (row.get("area"), "area"),
            kind=("part_of", "entry"),
            dated=True,
        )
    elif entry == "committee":
        node = unit(row, "PartyOrg", "work_committee", organization=True)
        row.edge("BASED_IN", (node, "id"), (street, "street"), dated=True)
        superior(row, node, "territorial")
    elif entry in ("community", "grid"):
        node = unit(row, "Area", entry)
        row.edge(
            "LOCATED_IN", (node, "id"), _area(row, street), kind=("part_of", "entry"), dated=True
        )
    elif entry == "enterprise":
        node = unit(row, "Enterprise", enterprise=True)
        row.edge(
            "LOCATED_IN", (node, "id"), _area(row, street), kind=("registered", "entry"), dated=True
        )
        row.edge(
            "SUPERVISES",
            (row.get("instructor_from"), "instructor_from"),
            (node, "id"),
            kind=("instructor", "instructor_from"),
            dated=True,
        )
    elif entry == "organization":
        node = unit(row, "PartyOrg", organization=True)

        def registered(enterprise: str) -> None:
            row.edge(
                "LOCATED_IN",
                (enterprise, "enterprise"),
                _area(row, street),
                kind=("registered", "entry"),
            )

        enterprises(row, node, on_define=registered, define_only=("area",))
        superior(row, node, "territorial")


LAYOUT = Layout(
    name="street",
    title="Street and township rosters",
    summary=__doc__.split("\n\n", 1)[1].strip() if __doc__ else "",
    columns=COLUMNS,
    build=build,
    entries=ENTRIES,
)
