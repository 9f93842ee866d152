"""``search``: find nodes by name, English name or alias, in Chinese or Latin script.

A node matches when ``q`` is a substring of its name, its English name or one of its aliases,
ignoring case (Python's ``str.lower()`` on both sides, so Unicode letters fold too). Each
match is ranked by the best of its names that contain ``q``: 0 if that name *is* ``q``, 1 if
it starts with ``q``, 2 otherwise; ``matched`` says which field gave the best rank (name
before name_en before alias on a tie). Results are ordered by rank, then by the length of the
node's name, then by id.

The Neo4j store pre-selects candidates (``toLower … CONTAINS``) and the exact test and
ranking are Python (:func:`search_result`). The embedded store finds, ranks and pages in SQL
over an index of the names lower-cased by Python (:mod:`stores.name_index`), so a query of
one letter builds only the page's records, not every node it matches; the two are tested to
give the same answers (``tests/test_search_index.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal, Self

from pydantic import BaseModel, Field, model_validator

from graph_schema.cypher import MERGED_LABEL, NODE_LABEL
from graph_schema.declaration import NODE_LABELS
from graph_schema.records import Node
from queries.base import MAX_LIMIT, MAX_OFFSET, Answer, NamedQuery, QueryParams, Route, Rows
from queries.cypher import cypher_label
from stores.base import CypherView, GraphView

__all__ = ["SEARCH", "SearchItem", "SearchParams", "SearchResult", "best_match", "search_result"]

Matched = Literal["name", "name_en", "alias"]
_ALL_KINDS = sorted({kind for label in NODE_LABELS.values() for kind in label.kinds})
Label: Any = Literal[tuple(NODE_LABELS)]
Kind: Any = Literal[tuple(_ALL_KINDS)]


class SearchParams(QueryParams):
    """What to look for."""

    q: str = Field(
        min_length=1,
        description="text to find in names, English names and aliases (any case, substring)",
    )
    label: Label | None = Field(
        None, description="only nodes of this label: " + ", ".join(NODE_LABELS)
    )
    kind: Kind | None = Field(None, description="only nodes of this kind")
    limit: int = Field(100, ge=0, le=MAX_LIMIT, description="items per page (at most 10,000)")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="items to skip")

    @model_validator(mode="after")
    def _kind_of_label(self) -> Self:
        if (
            self.label is not None
            and self.kind is not None
            and self.kind not in NODE_LABELS[self.label].kinds
        ):
            raise ValueError(
                f"kind {self.kind!r} is not a kind of {self.label}: expected one "
                f"of {', '.join(NODE_LABELS[self.label].kinds)}"
            )
        return self


class SearchItem(BaseModel):
    """A node found."""

    id: str
    label: str
    kind: str
    name: str
    name_en: str | None = None
    matched: Matched = Field(description="the field that matched best: name, name_en or alias")
    match: str = Field(description="the text of that field (the alias, for an alias)")


class SearchResult(Answer):
    """One page of the nodes found."""

    q: str
    items: list[SearchItem]
    total: int
    limit: int
    offset: int


# -- the rules, shared by both stores ----------------------------------------------------------


def best_match(
    needle: str, name: str, name_en: str | None, aliases: Iterable[str] | None
) -> tuple[int, Matched, str] | None:
    """(rank, field, text) of the best of a node's names containing ``needle`` (already
    lower-cased), or None: rank 0 equal, 1 starts with, 2 contains."""
    fields: list[tuple[Matched, str | None]] = [("name", name), ("name_en", name_en)]
    fields.extend(("alias", alias) for alias in aliases or ())
    best: tuple[int, Matched, str] | None = None
    for field, text in fields:
        if not text:
            continue
        folded = text.lower()
        if needle not in folded:
            continue
        rank = 0 if folded == needle else 1 if folded.startswith(needle) else 2
        if best is None or rank < best[0]:
            best = (rank, field, text)
    return best


def search_result(rows: Iterable[Mapping[str, Any]], params: SearchParams) -> SearchResult:
    """Rank and page candidate rows (id, label, kind, name, name_en, aliases; ``others``:
    the other records of a merged group, in id order, whose names are the group's too)."""
    needle = params.q.lower()
    found = []
    for row in rows:
        if params.label is not None and row["label"] != params.label:
            continue
        if params.kind is not None and row["kind"] != params.kind:
            continue
        best = best_match(needle, row["name"], row.get("name_en"), row.get("aliases"))
        for other in row.get("others", ()):
            # a name of another record of a merged group is one of the group's aliases
            theirs = best_match(needle, other["name"], other.get("name_en"), other.get("aliases"))
            if theirs is not None and (best is None or theirs[0] < best[0]):
                best = (theirs[0], "alias", theirs[2])
        if best is not None:
            found.append((best[0], len(row["name"]), row["id"], best, row))
    found.sort(key=lambda f: f[:3])
    shown = found[params.offset : params.offset + params.limit]
    items = [
        SearchItem(
            id=row["id"],
            label=row["label"],
            kind=row["kind"],
            name=row["name"],
            name_en=row.get("name_en"),
            matched=best[1],
            match=best[2],
        )
        for _, _, _, best, row in shown
    ]
    return SearchResult(
        q=params.q, items=items, total=len(found), limit=params.limit, offset=params.offset
    )


# -- the embedded store -------------------------------------------------------------------------


def _matched(node: Node, pos: int) -> tuple[Matched, str]:
    """The field and text of a node's name at ``pos`` (0 name, 1 name_en, 2 + i alias i)."""
    if pos == 0:
        return "name", node.name
    if pos == 1:
        return "name_en", str(node.props["name_en"])
    return "alias", str(node.props["aliases"][pos - 2])


def _over_graph(view: GraphView, params: SearchParams) -> SearchResult:
    total, page = view.search_names(
        params.q, label=params.label, kind=params.kind, limit=params.limit, offset=params.offset
    )
    items = []
    for node, record, pos in page:
        # a name of another record of a merged group is one of the group's aliases
        matched, match = _matched(record, pos) if record.id == node.id else _other(record, pos)
        items.append(
            SearchItem(
                id=node.id,
                label=node.label,
                kind=node.kind,
                name=node.name,
                name_en=node.props.get("name_en"),
                matched=matched,
                match=match,
            )
        )
    return SearchResult(
        q=params.q, items=items, total=total, limit=params.limit, offset=params.offset
    )


def _other(record: Node, pos: int) -> tuple[Matched, str]:
    return "alias", _matched(record, pos)[1]


# -- Cypher -------------------------------------------------------------------------------------

_NAMES_CONTAIN = """(toLower(n.name) CONTAINS q OR toLower(coalesce(n.name_en, '')) CONTAINS q
       OR ANY(a IN coalesce(n.aliases, []) WHERE toLower(a) CONTAINS q))"""

# The records whose names hold the text: nodes, and the aliases of the merged view (a
# :MergedNode keeps its record, its label and its group's canonical id), each row with the
# id it is answered under (``id``) and its own (``record``).
CYPHER = f"""
WITH toLower($q) AS q
MATCH (n:{NODE_LABEL})
WHERE ($label IS NULL OR $label IN labels(n)) AND ($kind IS NULL OR n.kind = $kind)
  AND {_NAMES_CONTAIN}
RETURN n.id AS id, n.id AS record, {cypher_label("n")} AS label, n.kind AS kind,
       n.name AS name, n.name_en AS name_en, n.aliases AS aliases
UNION ALL
WITH toLower($q) AS q
MATCH (n:{MERGED_LABEL})
WHERE ($label IS NULL OR n._label = $label) AND ($kind IS NULL OR n.kind = $kind)
  AND {_NAMES_CONTAIN}
RETURN n._into AS id, n.id AS record, n._label AS label, n.kind AS kind,
       n.name AS name, n.name_en AS name_en, n.aliases AS aliases
"""


def _from_rows(view: CypherView, rows: Rows, params: SearchParams) -> SearchResult:
    own = {row["id"]: row for row in rows if row["record"] == row["id"]}
    others: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        if row["record"] != row["id"]:
            others.setdefault(row["id"], []).append(row)
    for node_id in others.keys() - own.keys():  # found only by an alias's names
        node = view.get_node(node_id)
        if node is not None:
            own[node_id] = {
                "id": node.id,
                "label": node.label,
                "kind": node.kind,
                "name": node.name,
                "name_en": node.props.get("name_en"),
                "aliases": node.props.get("aliases"),
            }
    return search_result(
        (
            {**row, "others": sorted(others.get(node_id, ()), key=lambda r: r["record"])}
            for node_id, row in own.items()
        ),
        params,
    )


SEARCH: NamedQuery[SearchParams, SearchResult] = NamedQuery(
    name="search",
    title="Find by name",
    description="Nodes whose name, English name or alias contains the text, in any case "
    "(Chinese or Latin script), optionally of one label and kind. Exact names first, then "
    "names starting with the text, then the rest; shorter names first, then by id.",
    params=SearchParams,
    result=SearchResult,
    route=Route("/search", "nodes"),
    cypher=CYPHER,
    from_rows=_from_rows,
    over_graph=_over_graph,
    examples=(
        {"q": "Siemens"},
        {"q": "天津", "label": "PartyOrg"},
        {"q": "branch", "kind": "general_branch"},
    ),
)
