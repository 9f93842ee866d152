"""Mixed-ownership-reform transfers (soe_reform_2022: Tianjin).

One row per Party organization whose affiliation came up in a reform: the enterprise, when the
reform took effect and who invested, the state equity left, the superior before, who proposed
which new superior, what was decided and the outcome. Each row gives a transfer record and —
unless ``lines`` is ``check`` — the AFFILIATED_TO lines the outcome implies: for
``transferred`` the line to the old superior ends on ``date`` and the line to the decided one
begins on it; for ``retained`` the line to the old superior stands. With ``lines`` = ``check``
the lines are recorded elsewhere (a roster, a canonical file, the store) and the load only
checks that they agree.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from graph_schema.dates import parse_loose_date
from graph_schema.models import transfer_id
from loaders.table import PROVENANCE, Column, Layout, Row, one_of

__all__ = ["LAYOUT"]

_LINES = ("write", "check")

COLUMNS: tuple[Column, ...] = (
    Column(
        "organization",
        "id of the Party organization whose affiliation is in question",
        required=True,
        zh=("党组织", "党组织编号"),
    ),
    Column(
        "status",
        "proposed, pending, retained or transferred (or 提议, 协商中, 保留, 转移)",
        required=True,
        zh=("状态", "结果"),
    ),
    Column("id", "id of the transfer record; default transfer:<organization>:<date>"),
    Column(
        "enterprise",
        "id of the reformed enterprise the organization is set up in",
        zh=("企业", "企业编号", "所在企业"),
    ),
    Column(
        "enterprise_name",
        "the enterprise's name: given, the row also defines the "
        "enterprise (with its state equity after the reform)",
        zh=("企业名称",),
    ),
    Column(
        "enterprise_kind",
        "with enterprise_name: its kind (mixed, soe, joint_venture, … or 混合所有制, 国有 …)",
        zh=("企业类型",),
    ),
    Column(
        "reform_date",
        "YYYY-MM-DD: when the reform took effect; the investors' holdings (OWNS) begin then",
        zh=("改革日期", "混改日期"),
    ),
    Column(
        "investors",
        "ids of the strategic investors, separated by | (OWNS investor → "
        "enterprise; shares not given)",
        zh=("战略投资者", "投资方"),
    ),
    Column(
        "state_equity_after",
        "the state-owned share after the reform, 0–100 (the "
        "enterprise's state_equity_pct; needs enterprise_name)",
        zh=("改革后国有股比例", "混改后国有股比例"),
    ),
    Column(
        "superior_before",
        "id of the superior before (the transfer's from)",
        zh=("原上级党组织", "原上级"),
    ),
    Column("proposed_superior", "id of the superior proposed", zh=("拟转入上级", "提议上级")),
    Column(
        "proposed_by",
        "who proposed it: a node id or free text (e.g. the investors)",
        zh=("提议方", "提出方"),
    ),
    Column(
        "decided_superior",
        "id of the superior decided on (for retained: empty or the superior before)",
        zh=("决定上级", "转入上级", "新上级"),
    ),
    Column(
        "date",
        "YYYY-MM-DD: when it was decided or carried out (or proposed, if still "
        "open); for transferred, the day the old line ends and the new one begins",
        zh=("日期", "转移日期", "决定日期"),
    ),
    Column("reason", "why, in the source's words or a summary", zh=("原因", "理由")),
    Column(
        "lines",
        "write (default): the row draws the AFFILIATED_TO lines its outcome "
        "implies; check: they are recorded elsewhere and only checked",
        zh=("隶属关系处理",),
    ),
    Column(
        "basis_before",
        "lines=write: the basis (AFFILIATED_TO kind) of the line to the "
        "superior before: system, territorial, sector, direct, attached, other",
        zh=("原隶属方式",),
    ),
    Column(
        "basis_after",
        "lines=write, transferred: the basis of the new line; default basis_before",
        zh=("新隶属方式",),
    ),
    Column(
        "before_since",
        "lines=write: YYYY-MM-DD on which the line to the superior before began (empty: not known)",
        zh=("原隶属始于", "原隶属开始日期"),
    ),
    *PROVENANCE[:2],
    Column(
        "page",
        "where in the source the quote stands; kept on the enterprise and the lines "
        "the row produces (the format's transfer record has no page)",
    ),
)

_TRANSFER_FIELDS = {
    "id": "id",
    "org": "organization",
    "from": "superior_before",
    "proposed_to": "proposed_superior",
    "proposed_by": "proposed_by",
    "decided_to": "decided_superior",
    "date": "date",
    "reason": "reason",
}


def build(row: Row) -> None:
    org = row.get("organization")
    status = row.term("status", "status")
    data, columns = row.values(_TRANSFER_FIELDS)
    if status is not None:
        data["status"] = status
    columns["status"] = "status"
    row.emit({"record": "transfer", **data}, columns)
    before, decided = row.get("superior_before"), row.get("decided_superior")
    if status == "retained" and decided is not None and decided != before:
        row.error(
            "decided_superior",
            decided,
            f"expected {before!r} (the superior before) or "
            "an empty cell: a retained organization stays where it was",
        )
    _enterprise(row)
    _lines(row, org, status, before, decided)


def _enterprise(row: Row) -> None:
    enterprise = row.get("enterprise")
    if row.get("enterprise_name") is not None:
        if enterprise is None:
            row.error(
                "enterprise", None, "expected the id of the enterprise that enterprise_name defines"
            )
        row.node(
            "Enterprise",
            {
                "id": "enterprise",
                "name": "enterprise_name",
                "state_equity_pct": "state_equity_after",
            },
            kind_column="enterprise_kind",
        )
    else:
        for column in ("enterprise_kind", "state_equity_after"):
            value = row.get(column)
            if value is not None:
                row.error(
                    column,
                    value,
                    "expected an empty cell, or enterprise_name as well: a row describes the "
                    "enterprise it names only when it also gives the enterprise's name",
                )
    investors = row.ids("investors")
    if investors and enterprise is None:
        row.error(
            "investors",
            row.get("investors"),
            "expected an enterprise (its id in enterprise) for the investors to hold",
        )
    if not investors and row.get("reform_date") is not None:
        row.error(
            "reform_date",
            row.get("reform_date"),
            "expected investors as well: the "
            "reform date is when the investors' holdings (OWNS) begin",
        )
    for investor in investors:
        row.edge(
            "OWNS",
            (investor, "investors"),
            (enterprise, "enterprise"),
            extra={"valid_from": "reform_date"},
        )


def _piece(row: Row, role: str, day: str | None) -> dict[str, Any]:
    """A piece of evidence this row gives about a line (the transfer record's own id)."""
    piece: dict[str, Any] = {"role": role}
    with suppress(ValueError):  # (the cell's own error is reported with the row's records)
        piece["date"] = parse_loose_date(day)[0] if day is not None else None
    org, when = row.get("organization"), row.get("date")
    transfer = row.get("id")
    if transfer is None and org is not None:
        try:
            transfer = transfer_id(org, parse_loose_date(when)[0] if when else None)
        except ValueError:
            transfer = None
    for name, value in (
        ("transfer", transfer),
        ("source", row.get("source")),
        ("quote", row.get("quote")),
        ("page", row.get("page")),
    ):
        if value is not None:
            piece[name] = value
    return piece


def _lines(
    row: Row, org: str | None, status: str | None, before: str | None, decided: str | None
) -> None:
    """The lines the outcome speaks of, as evidence: the line to the superior before ends on
    ``date`` (transferred) or holds then (retained), and the line to the decided one begins.

    Where the basis is not given the row draws no line: the transfer record itself ends (or
    attests) whatever line to the superior before the load or the store holds, and opens the
    new one with that line's basis (see :mod:`loaders.assemble`)."""
    mode = row.get("lines")
    if mode is not None and mode.strip().lower() not in ("write", "check"):
        row.error("lines", mode, one_of(_LINES))
        return
    if mode is not None and mode.strip().lower() == "check":
        return
    since = row.get("before_since")
    basis = row.term("basis_before", "basis")
    if since is not None and basis is None:
        row.error(
            "before_since",
            since,
            "expected basis_before as well: before_since dates "
            "the line to the superior before, which the row then draws",
        )
    if status not in ("retained", "transferred"):
        return
    day = row.get("date")
    old = [_piece(row, "begins", since)] if since is not None else []
    if status == "retained":
        old += [_piece(row, "holds", day)] if day is not None else []
        if basis is not None:  # (undated: the line stands, as far as the row says)
            row.edge(
                "AFFILIATED_TO",
                (org, "organization"),
                (before, "superior_before"),
                kind=(basis, "basis_before"),
                extra={"valid_from": "before_since"},
                evidence=old or None,
            )
        return
    if basis is not None:
        row.edge(
            "AFFILIATED_TO",
            (org, "organization"),
            (before, "superior_before"),
            kind=(basis, "basis_before"),
            extra={"valid_from": "before_since", "valid_to": "date"},
            evidence=[*old, _piece(row, "ends", day)],
        )
    after = row.term("basis_after", "basis") or basis
    if after is not None:
        row.edge(
            "AFFILIATED_TO",
            (org, "organization"),
            (decided, "decided_superior"),
            kind=(after, "basis_after" if row.get("basis_after") else "basis_before"),
            extra={"valid_from": "date"},
            evidence=[_piece(row, "begins", day)],
        )


LAYOUT = Layout(
    name="transfers",
    title="Mixed-ownership-reform transfers",
    summary=__doc__.split("\n\n", 1)[1].strip() if __doc__ else "",
    columns=COLUMNS,
    build=build,
)
