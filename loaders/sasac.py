"""SASAC rosters (state-owned enterprises and their Party organizations).

The roster of a State-owned Assets Supervision and Administration Commission at its level
(central, provincial, municipal): the commission, its Party committee, the enterprise groups,
subsidiaries and platform companies it holds with their state equity and owners, and their
Party organizations, which report through the state-asset system to the SASAC committee.
A platform company is an enterprise row like any other (usually kind soe, owned by the
commission); its role shows in the transfers that move stripped-off units to it.
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
        "sasac",
        "the commission itself (Body, kind sasac); its id is the row's sasac; "
        "`area`: the province or city it serves (LOCATED_IN operating)",
        zh=("国资委",),
    ),
    Entry(
        "committee",
        "the commission's Party committee (PartyOrg, kind committee unless "
        "`kind` says otherwise), set up in the commission (BASED_IN); `superior` / `basis`: "
        "its own superior, e.g. the municipal Party committee (default basis direct)",
        zh=("国资委党委",),
    ),
    Entry(
        "enterprise",
        "an enterprise group, subsidiary or platform company (Enterprise; kind "
        "required; state_equity_pct); `owner` / `share_pct`: who holds it (OWNS); `area`: "
        "where it is registered (LOCATED_IN registered)",
        zh=("企业",),
    ),
    Entry(
        "organization",
        "an enterprise Party organization (PartyOrg; kind required), set up "
        "in `enterprise` (BASED_IN); for an enterprise the row defines, `owner` / "
        "`share_pct` and `area` as for enterprise rows; `superior` / `basis`: its superior, "
        "the SASAC committee or the group's organization (default basis system)",
        zh=("党组织",),
    ),
)

COLUMNS: tuple[Column, ...] = (
    Column(
        "sasac",
        "id of the commission (Body, kind sasac) the row belongs to",
        required=True,
        zh=("国资委",),
    ),
    Column("entry", ENTRY_MEANING, required=True, zh=("条目", "记录类型", "行类型")),
    *UNIT_COLUMNS,
    *ENTERPRISE_COLUMNS,
    Column(
        "owner",
        "id of the body or enterprise that holds the enterprise (OWNS): the "
        "commission for a group or platform company, the group for a subsidiary",
        zh=("出资人", "股东", "控股方"),
    ),
    Column("share_pct", "the share the owner holds, 0–100", zh=("持股比例", "股比")),
    Column(
        "area",
        "sasac rows: the province or city it serves; enterprises: where registered",
        zh=("地区", "所在地区", "区域"),
    ),
    Column(
        "superior",
        "committee and organization rows: id of the formal superior (AFFILIATED_TO)",
        zh=("上级党组织", "上级"),
    ),
    Column(
        "basis",
        "the basis of that line: system (default for organizations), direct "
        "(default for the committee), territorial, sector, attached, other",
        zh=("隶属方式", "隶属依据", "管理方式"),
    ),
    *PROVENANCE,
)


def _holdings(row: Row, enterprise: str | None, column: str, *, dated: bool) -> None:
    """The owner's OWNS line and the registered area of an enterprise the row defines."""
    row.edge(
        "OWNS",
        (row.get("owner"), "owner"),
        (enterprise, column),
        dated=dated,
        extra={"share_pct": "share_pct"} if row.get("owner") is not None else None,
    )
    row.edge(
        "LOCATED_IN",
        (enterprise, column),
        (row.get("area"), "area"),
        kind=("registered", "entry"),
        dated=dated,
    )


def build(row: Row) -> None:
    sasac, entry = begin(row, "sasac", ENTRIES)
    if entry == "sasac":
        node = head_unit(row, sasac, "sasac", "Body", "sasac")
        row.edge(
            "LOCATED_IN",
            (node, "id"),
            (row.get("area"), "area"),
            kind=("operating", "entry"),
            dated=True,
        )
    elif entry == "committee":
        node = unit(row, "PartyOrg", "committee", organization=True)
        row.edge("BASED_IN", (node, "id"), (sasac, "sasac"), dated=True)
        superior(row, node, "direct")
    elif entry == "enterprise":
        node = unit(row, "Enterprise", enterprise=True)
        _holdings(row, node, "id", dated=True)
    elif entry == "organization":
        node = unit(row, "PartyOrg", organization=True)
        enterprises(
            row,
            node,
            on_define=lambda e: _holdings(row, e, "enterprise", dated=False),
            define_only=("owner", "share_pct", "area"),
        )
        superior(row, node, "system")


LAYOUT = Layout(
    name="sasac",
    title="SASAC rosters",
    summary=__doc__.split("\n\n", 1)[1].strip() if __doc__ else "",
    columns=COLUMNS,
    build=build,
    entries=ENTRIES,
)
