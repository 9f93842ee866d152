"""County (district) committee rosters (2012 Opinions §3–4).

The roster a county-level Party committee keeps of non-public-enterprise Party building: the
committee, its non-public-enterprise Party-building organ, and the enterprise Party
organizations in its charge — which of them it manages directly (their affiliation changed to
the committee), which its organ (or organization department) contacts directly without
changing their affiliation, and the street or township work committee the others belong to.
"""

from __future__ import annotations

from loaders.rosters import (
    ENTERPRISE_COLUMNS,
    ENTRY_MEANING,
    UNIT_COLUMNS,
    begin,
    enterprises,
    head_unit,
    unit,
)
from loaders.table import PROVENANCE, Column, Entry, Layout, Row

__all__ = ["LAYOUT"]

ENTRIES = (
    Entry(
        "county",
        "the county or district (Area, kind county); `area`: the city or province "
        "it is part of (LOCATED_IN part_of)",
        zh=("县", "县区", "区"),
    ),
    Entry(
        "committee",
        "the county committee itself (PartyOrg, kind local_committee); its id is "
        "the row's county_committee; `area`: the county it is set up in (BASED_IN)",
        zh=("县委", "区委"),
    ),
    Entry(
        "organ",
        "its non-public-enterprise Party-building organ (Body, kind "
        "npe_party_office); `area`: where it works (LOCATED_IN operating)",
        zh=("非公党建工作机构", "非公党建机构"),
    ),
    Entry(
        "organization",
        "an enterprise Party organization on the roster (PartyOrg; kind "
        "required), set up in `enterprise` (BASED_IN); `managed_directly`: AFFILIATED_TO "
        "direct to the county committee, else `work_committee`: AFFILIATED_TO territorial; "
        "`contacted_by`: SUPERVISES direct_contact; `area`: where the enterprise the row "
        "defines is registered (LOCATED_IN registered)",
        zh=("党组织",),
    ),
)

COLUMNS: tuple[Column, ...] = (
    Column(
        "county_committee",
        "id of the county (district) Party committee whose roster the "
        "row belongs to (one file may hold several counties)",
        required=True,
        zh=("县委", "县（区）委", "区委"),
    ),
    Column("entry", ENTRY_MEANING, required=True, zh=("条目", "记录类型", "行类型")),
    *UNIT_COLUMNS,
    *ENTERPRISE_COLUMNS,
    Column(
        "area",
        "id of an area; what it means depends on the entry (see the entries)",
        zh=("地区", "所在地区", "区域"),
    ),
    Column(
        "managed_directly",
        "organization rows: yes if the county committee manages the "
        "organization directly (its affiliation changed: AFFILIATED_TO kind direct to the "
        "county committee); empty means no",
        zh=("直管", "是否直管", "县委直管"),
    ),
    Column(
        "work_committee",
        "organization rows not managed directly: id of the street or "
        "township Party work committee it belongs to (AFFILIATED_TO kind territorial)",
        zh=("党工委", "所属党工委"),
    ),
    Column(
        "contacted_by",
        "organization rows: id of the body that contacts it directly "
        "without changing its affiliation, usually the organ or the organization department "
        "(SUPERVISES kind direct_contact)",
        zh=("直接联系单位", "联系单位"),
    ),
    *PROVENANCE,
)


def build(row: Row) -> None:
    head, entry = begin(row, "county_committee", ENTRIES)
    if entry == "county":
        node = unit(row, "Area", "county")
        row.edge(
            "LOCATED_IN",
            (node, "id"),
            (row.get("area"), "area"),
            kind=("part_of", "entry"),
            dated=True,
        )
    elif entry == "committee":
        node = head_unit(row, head, "county_committee", "PartyOrg", "local_committee")
        row.edge("BASED_IN", (node, "id"), (row.get("area"), "area"), dated=True)
    elif entry == "organ":
        node = unit(row, "Body", "npe_party_office")
        row.edge(
            "LOCATED_IN",
            (node, "id"),
            (row.get("area"), "area"),
            kind=("operating", "entry"),
            dated=True,
        )
    elif entry == "organization":
        _organization(row, head)


def _organization(row: Row, head: str | None) -> None:
    org = unit(row, "PartyOrg", organization=True)

    def registered(enterprise: str) -> None:
        row.edge(
            "LOCATED_IN",
            (enterprise, "enterprise"),
            (row.get("area"), "area"),
            kind=("registered", "entry"),
        )

    enterprises(row, org, on_define=registered, define_only=("area",))
    work_committee = row.get("work_committee")
    if row.flag("managed_directly"):
        if work_committee is not None:
            row.error(
                "work_committee",
                work_committee,
                "expected no work committee when "
                "managed_directly is yes: an organization has one formal superior",
            )
        row.edge(
            "AFFILIATED_TO",
            (org, "id"),
            (head, "county_committee"),
            kind=("direct", "managed_directly"),
            dated=True,
        )
    else:
        row.edge(
            "AFFILIATED_TO",
            (org, "id"),
            (work_committee, "work_committee"),
            kind=("territorial", "work_committee"),
            dated=True,
        )
    row.edge(
        "SUPERVISES",
        (row.get("contacted_by"), "contacted_by"),
        (org, "id"),
        kind=("direct_contact", "contacted_by"),
        dated=True,
    )


LAYOUT = Layout(
    name="county",
    title="County (district) committee rosters",
    summary=__doc__.split("\n\n", 1)[1].strip() if __doc__ else "",
    columns=COLUMNS,
    build=build,
    entries=ENTRIES,
)
