"""What the four roster tables (county, park, street, SASAC) have in common.

A roster row describes one unit, named by the ``entry`` column: the roster's head (the county
committee, the park, the street, the SASAC), its committee or organ, an enterprise, or a Party
organization — which may bring the enterprise it is set up in along (``enterprise`` and, to
define that enterprise in the same row, ``enterprise_name``). The row that defines a unit
draws its lines; ``valid_from`` / ``valid_to`` date the row's unit and the lines drawn from it
(an enterprise a row brings along is not dated by them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from loaders.table import Column, Entry, Row

__all__ = [
    "ENTERPRISE_COLUMNS",
    "UNIT_COLUMNS",
    "begin",
    "enterprises",
    "head_unit",
    "org_kind",
    "superior",
    "unit",
]

ENTRY_MEANING = "what the row describes: one of the entries of the table"

UNIT_COLUMNS: tuple[Column, ...] = (
    Column(
        "id",
        "id of the unit the row describes, unique and stable (e.g. jd-street-a-wc)",
        required=True,
    ),
    Column("name", "its name as the source gives it, Chinese, English or both", required=True),
    Column("name_en", "an English name"),
    Column("aliases", "other names, separated by |"),
    Column(
        "kind",
        "its kind: a kind of the format (e.g. branch, general_branch, private) or "
        "its Chinese (党支部, 民营 …); the entries say which kinds and which default",
    ),
    Column("members", "a Party organization's full members"),
    Column(
        "valid_from",
        "YYYY-MM-DD: since when the unit exists; the lines the row draws from it begin then too",
    ),
    Column(
        "valid_to", "YYYY-MM-DD, exclusive: from when it no longer exists (its lines end then too)"
    ),
)

ENTERPRISE_COLUMNS: tuple[Column, ...] = (
    Column(
        "enterprise",
        "organization rows: id of the enterprise the organization is set up "
        "in (BASED_IN); a joint branch lists several, separated by |",
        zh=("企业", "企业编号", "所在企业"),
    ),
    Column(
        "enterprise_name",
        "organization rows: the enterprise's name; given, the row also "
        "defines that enterprise (and draws its lines), else the id refers to an "
        "enterprise defined elsewhere",
        zh=("企业名称",),
    ),
    Column(
        "enterprise_kind",
        "with enterprise_name: the enterprise's kind (private, foreign, "
        "hmt, joint_venture, mixed, soe, collective, or 民营, 外资 …)",
        zh=("企业类型",),
    ),
    Column(
        "employees",
        "the enterprise's head count (the row's enterprise, or the one an "
        "organization row defines)",
    ),
    Column("uscc", "the enterprise's unified social credit code (18 characters, checksum checked)"),
    Column("state_equity_pct", "the enterprise's state-owned share, 0–100"),
)

_UNIT_FIELDS = {
    "id": "id",
    "name": "name",
    "name_en": "name_en",
    "aliases": "aliases",
    "valid_from": "valid_from",
    "valid_to": "valid_to",
}
_ENTERPRISE_PROPS = ("employees", "uscc", "state_equity_pct")


def begin(row: Row, head_column: str, entries: Sequence[Entry]) -> tuple[str | None, str | None]:
    """The roster head's id and the row's entry (None, reported, if it is not one)."""
    head = row.get(head_column)
    entry = row.choice("entry", entries)
    if entry is None:
        row.abandoned = True  # nothing more can be said about the other cells
    else:
        article = "an" if entry[0] in "aeiou" else "a"
        row.what = f"{article} {entry} row of the {row.layout.name} table"
    return head, entry


def unit(
    row: Row,
    label: str,
    kind: str | None = None,
    *,
    organization: bool = False,
    enterprise: bool = False,
) -> str | None:
    """The node the row describes; ``kind`` is its kind when the kind column is empty."""
    fields = dict(_UNIT_FIELDS)
    if organization:
        fields["members"] = "members"
    if enterprise:
        fields.update({p: p for p in _ENTERPRISE_PROPS})
    return row.node(label, fields, kind=kind)


def head_unit(row: Row, head: str | None, head_column: str, label: str, kind: str) -> str | None:
    """The roster's head itself: the row's id must be its ``head_column``."""
    node_id = unit(row, label, kind, organization=label == "PartyOrg")
    if node_id is not None and head is not None and node_id != head:
        row.error(
            "id",
            node_id,
            f"expected {head!r}, the row's {head_column}: this row "
            f"describes the {head_column} itself",
        )
    return node_id


def org_kind(row: Row) -> str | None:
    """The kind of the organization the row describes (as a term of the format)."""
    return row.term("kind", "PartyOrg_kind")


def enterprises(
    row: Row,
    org: str | None,
    *,
    on_define: Callable[[str], None] | None = None,
    define_only: Sequence[str] = (),
) -> None:
    """The enterprise(s) an organization row names: BASED_IN each; define one if named.

    ``on_define`` draws the lines of an enterprise the row defines; ``define_only`` are the
    further columns that only make sense then (reported if filled without a name).
    """
    ids = row.ids("enterprise")
    name = row.get("enterprise_name")
    if len(ids) > 1 and org_kind(row) != "joint_branch":
        row.error(
            "enterprise",
            row.get("enterprise"),
            "expected one enterprise id: only a "
            "joint branch (kind joint_branch) is set up in several",
        )
    if name is not None:
        if len(ids) != 1:
            row.error(
                "enterprise_name",
                name,
                "expected exactly one id in enterprise: the name defines that enterprise",
            )
        else:
            fields = {"name": "enterprise_name", **{p: p for p in _ENTERPRISE_PROPS}}
            row.node(
                "Enterprise",
                fields,
                kind_column="enterprise_kind",
                fixed={"id": (ids[0], "enterprise")},
            )
            if on_define is not None:
                on_define(ids[0])
    else:
        for column in ("enterprise_kind", *_ENTERPRISE_PROPS, *define_only):
            value = row.get(column)
            if value is not None:
                row.error(
                    column,
                    value,
                    "expected an empty cell, or enterprise_name as well: a row describes the "
                    "enterprise it names only when it also gives the enterprise's name",
                )
    for enterprise_id in ids:
        row.edge("BASED_IN", (org, "id"), (enterprise_id, "enterprise"), dated=True)


def superior(row: Row, org: str | None, basis: str) -> None:
    """AFFILIATED_TO the ``superior`` column, of kind ``basis`` unless the basis column says."""
    target = row.get("superior")
    if target is None:
        return
    kind = row.term("basis", "basis") or basis
    row.edge("AFFILIATED_TO", (org, "id"), (target, "superior"), kind=(kind, "basis"), dated=True)
