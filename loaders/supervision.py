"""Supervision lines: the "parents-in-law" (婆婆) of enterprises and their organizations.

One row per line: which body (or Party organization) guides, contacts, sends an instructor
to, evaluates, coordinates, inspects or registers which enterprise or Party organization —
the cross-cutting lines besides the one formal affiliation (party_building_csr_2017: "non-public
enterprises have to deal with many parents-in-law"). A row may also define the supervising
body, the first time it appears.
"""

from __future__ import annotations

from loaders.table import PROVENANCE, Column, Layout, Row

__all__ = ["LAYOUT"]

COLUMNS: tuple[Column, ...] = (
    Column(
        "supervisor",
        "id of the supervising body or Party organization",
        required=True,
        zh=("指导方", "指导单位", "主管单位"),
    ),
    Column(
        "supervised",
        "id of the Party organization or enterprise it supervises",
        required=True,
        zh=("被指导方", "被指导单位"),
    ),
    Column(
        "how",
        "the kind of line: guidance, direct contact, instructor, evaluation, "
        "coordination, inspection, registration, other (or 指导, 直接联系, 指导员, 考核, "
        "协调, 检查, 登记 …)",
        required=True,
        zh=("方式", "指导方式"),
    ),
    Column(
        "supervisor_name",
        "the supervising body's name: given, the row also defines the "
        "body (once per load; leave it empty where the body is defined already)",
        zh=("指导方名称",),
    ),
    Column(
        "supervisor_kind",
        "with supervisor_name: the body's kind (organization_dept, "
        "united_front_dept, union, youth_league, womens_federation, trade_association, … "
        "or 组织部, 工会, 妇联 …)",
        zh=("指导方类型",),
    ),
    Column("valid_from", "YYYY-MM-DD: since when the line holds"),
    Column("valid_to", "YYYY-MM-DD, exclusive: from when it no longer holds"),
    *PROVENANCE,
)


def build(row: Row) -> None:
    supervisor = row.get("supervisor")
    if row.get("supervisor_name") is not None:
        row.node(
            "Body", {"id": "supervisor", "name": "supervisor_name"}, kind_column="supervisor_kind"
        )
    row.edge(
        "SUPERVISES",
        (supervisor, "supervisor"),
        (row.get("supervised"), "supervised"),
        kind=(row.term("how", "how"), "how"),
        dated=True,
    )


LAYOUT = Layout(
    name="supervision",
    title="Supervision lines",
    summary=__doc__.split("\n\n", 1)[1].strip() if __doc__ else "",
    columns=COLUMNS,
    build=build,
)
