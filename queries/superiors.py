"""``superiors``: every "parent-in-law" (婆婆) of an enterprise or organization on a day.

The definition, shared with :mod:`queries.overlaps` (which counts it for every entity):

* a **Party organization** answers to the targets of its active AFFILIATED_TO lines (its
  formal superior, relation ``affiliation``) and to the sources of active SUPERVISES lines
  to it (relation ``supervision``);
* an **enterprise** answers to the sources of active SUPERVISES lines to it, and, through
  each active Party organization based in it by an active BASED_IN line, to that
  organization's formal superiors and supervisors (``via`` names the organization).

"Active" is the usual as-of test, for each line and the nodes it touches. Nothing is its own
superior: the entity itself and, for an enterprise, its own organizations (a branch under
the enterprise's committee) are left out. An entity that does not exist on the day has no
superiors.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from graph_schema.cypher import NODE_LABEL
from queries.base import EntityParams, NamedQuery, NotFoundError, QueryError
from queries.common import (
    Adjacency,
    active,
    adjacency,
    cypher_active,
    cypher_based_orgs,
    cypher_label,
    lines_in,
    lines_out,
)
from stores.base import GraphStore
from stores.embedded import EmbeddedStore

__all__ = [
    "AFFILIATION",
    "CYPHER_BASED",
    "CYPHER_FORMAL",
    "CYPHER_SUPERVISING",
    "SUBJECT_LABELS",
    "SUPERIORS",
    "SUPERVISION",
    "Reach",
    "Relation",
    "SuperiorItem",
    "SuperiorsResult",
    "Tally",
    "check_subject",
    "counted",
    "counts_as_superior",
    "embedded_reaches",
    "tally",
]

Relation = Literal["affiliation", "supervision"]

#: The labels whose superiors can be asked for.
SUBJECT_LABELS = ("PartyOrg", "Enterprise")

AFFILIATION: Relation = "affiliation"
SUPERVISION: Relation = "supervision"


class SuperiorItem(BaseModel):
    """One line by which a superior reaches the entity."""

    id: str = Field(description="the superior's id")
    label: str
    kind: str
    name: str
    relation: Relation = Field(description="affiliation (the formal superior) or "
                               "supervision (any other line)")
    line_kind: str | None = Field(None, description="the kind of the line")
    via: str | None = Field(None, description="the organization based in the enterprise that "
                            "the line reaches (null: the line reaches the entity itself)")
    valid_from: date | None = None
    valid_to: date | None = None
    source: str | None = None
    quote: str | None = None


class SuperiorsResult(BaseModel):
    """The superiors of one entity on a day."""

    id: str
    as_of: date
    active: bool = Field(description="whether the entity exists on the day asked (if not, it "
                         "has no superiors)")
    items: list[SuperiorItem]
    total: int = Field(description="number of lines (items)")
    distinct: int = Field(description="number of distinct superiors")
    by_kind: dict[str, int] = Field(description="distinct superiors by their kind")


# -- the rules, shared by both stores (and by ``overlaps``) --------------------------------------

def check_subject(label: str, node_id: str) -> None:
    """Superiors are asked of a Party organization or an enterprise."""
    if label not in SUBJECT_LABELS:
        raise QueryError(f"{node_id!r} is a {label}: superiors are asked of a PartyOrg or an "
                         "Enterprise")


def counts_as_superior(entity_id: str, based: Collection[str], superior_id: str) -> bool:
    """Nothing is its own superior: neither the entity nor an organization based in it."""
    return superior_id != entity_id and superior_id not in based


def counted(entity_id: str, entity_active: bool, based: Collection[str],
            reaches: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The reaches (mappings with the superior's ``id``) that count as superiors: none if
    the entity does not exist on the day (see :func:`counts_as_superior`)."""
    if not entity_active:
        return []
    return [r for r in reaches if counts_as_superior(entity_id, based, r["id"])]


class Tally:
    """Distinct superiors of one entity: see :func:`tally`."""

    __slots__ = ("formal", "kinds", "supervising")

    def __init__(self) -> None:
        #: superior id → its kind
        self.kinds: dict[str, str] = {}
        self.formal: set[str] = set()
        self.supervising: set[str] = set()

    @property
    def superiors(self) -> int:
        return len(self.kinds)

    @property
    def by_kind(self) -> dict[str, int]:
        """Distinct superiors by kind, sorted by kind."""
        found: dict[str, int] = {}
        for kind in self.kinds.values():
            found[kind] = found.get(kind, 0) + 1
        return dict(sorted(found.items()))

    @property
    def supervisor_kinds(self) -> list[str]:
        """The distinct kinds of the supervising superiors, sorted."""
        return sorted({self.kinds[s] for s in self.supervising})


def tally(entity_id: str, entity_active: bool, based: Collection[str],
          lines: Iterable[tuple[str, str, str]]) -> Tally:
    """Count the distinct superiors of an entity from the lines that reach it.

    ``lines``: (relation, superior id, superior kind); ``based``: the organizations based in
    it. Only lines to superiors that count (:func:`counts_as_superior`) are counted, and
    none if the entity does not exist on the day.
    """
    found = Tally()
    if not entity_active:
        return found
    for relation, superior, kind in lines:
        if counts_as_superior(entity_id, based, superior):
            found.kinds[superior] = kind
            (found.formal if relation == AFFILIATION else found.supervising).add(superior)
    return found


def _sort_key(item: SuperiorItem) -> tuple[Any, ...]:
    return (item.relation, item.kind, item.id, item.via or "", item.line_kind or "",
            item.valid_from or date.min, item.valid_to or date.max, item.source or "",
            item.quote or "")


def _result(params: EntityParams, entity: Mapping[str, Any], based: Collection[str],
            reaches: Iterable[Mapping[str, Any]]) -> SuperiorsResult:
    """Shape the gathered lines: ``entity`` has label and active; reaches are item fields."""
    check_subject(entity["label"], params.id)
    reaches = list(reaches)
    kept = counted(params.id, entity["active"], based, reaches)
    items = sorted((SuperiorItem(**r) for r in kept), key=_sort_key)
    counts = tally(params.id, entity["active"], based,
                   ((r["relation"], r["id"], r["kind"]) for r in reaches))
    return SuperiorsResult(id=params.id, as_of=params.as_of, active=entity["active"],
                           items=items, total=len(items), distinct=counts.superiors,
                           by_kind=counts.by_kind)


# -- embedded -----------------------------------------------------------------------------------

Reach = tuple[Relation, str, int, str | None]  # relation, superior id, edge key, via


def embedded_reaches(adj: Adjacency, node_id: str, as_of: date) -> tuple[list[str],
                                                                          list[Reach]]:
    """The organizations based in an entity, and every active line that reaches it.

    Gathers without judging (see :func:`counted`): lines to active superiors, reaching the
    entity or, for an enterprise, an active organization based in it by an active line.
    """
    nodes = adj.node
    based: list[str] = []
    if nodes[node_id]["label"] == "Enterprise":
        based = sorted({o for o, _, _ in lines_in(adj, node_id, "BASED_IN", as_of)
                        if nodes[o]["label"] == "PartyOrg" and active(nodes[o], as_of)})
    reaches: list[Reach] = []
    for subject, via in ((node_id, None), *((o, o) for o in based)):
        if nodes[subject]["label"] == "PartyOrg":
            reaches.extend((AFFILIATION, s, key, via)
                           for s, key, _ in lines_out(adj, subject, "AFFILIATED_TO", as_of)
                           if active(nodes[s], as_of))
        reaches.extend((SUPERVISION, s, key, via)
                       for s, key, _ in lines_in(adj, subject, "SUPERVISES", as_of)
                       if active(nodes[s], as_of))
    return based, reaches


def _embedded(store: EmbeddedStore, params: EntityParams) -> SuperiorsResult:
    with store.reading() as graph:
        adj = adjacency(graph)
        attrs = adj.node.get(params.id)
        if attrs is None:
            raise NotFoundError(params.id)
        check_subject(attrs["label"], params.id)
        entity = {"label": attrs["label"], "active": active(attrs, params.as_of)}
        based, reaches = embedded_reaches(adj, params.id, params.as_of)
        records = store.edge_records(key for _, _, key, _ in reaches)
        gathered = []
        for relation, superior, key, via in reaches:
            edge, node = records[key], adj.node[superior]
            gathered.append({
                "id": superior, "label": node["label"], "kind": node["kind"],
                "name": node["name"], "relation": relation, "line_kind": edge.kind,
                "via": via, "valid_from": edge.valid_from, "valid_to": edge.valid_to,
                "source": edge.props.get("source"), "quote": edge.props.get("quote")})
        return _result(params, entity, based, gathered)


# -- Cypher -------------------------------------------------------------------------------------

#: The organizations based in enterprise ``n`` (``o`` by line ``b``), for ``OPTIONAL MATCH``.
CYPHER_BASED = cypher_based_orgs("n")
#: The formal superiors ``s`` of subject ``m`` by line ``r``.
CYPHER_FORMAL = f"""(m)-[r:AFFILIATED_TO]->(s:{NODE_LABEL})
WHERE m:PartyOrg AND {cypher_active("r")} AND {cypher_active("s")}"""
#: The supervisors ``s`` of subject ``m`` by line ``r``.
CYPHER_SUPERVISING = f"""(m)<-[r:SUPERVISES]-(s:{NODE_LABEL})
WHERE {cypher_active("r")} AND {cypher_active("s")}"""


def _cypher_reach(relation: Relation) -> str:
    return (f"CASE WHEN s IS NULL THEN null ELSE {{relation: '{relation}', id: s.id, "
            f"label: {cypher_label('s')}, kind: s.kind, name: s.name, line_kind: r.kind, "
            "valid_from: r.valid_from, valid_to: r.valid_to, source: r.source, "
            "quote: r.quote} END")


CYPHER = f"""
MATCH (n:{NODE_LABEL} {{id: $id}})
OPTIONAL MATCH {CYPHER_BASED}
WITH n, collect(DISTINCT o) AS based
UNWIND [n] + based AS m
OPTIONAL MATCH {CYPHER_FORMAL}
WITH n, m, collect({_cypher_reach(AFFILIATION)}) AS ups
OPTIONAL MATCH {CYPHER_SUPERVISING}
WITH n, m, ups, collect({_cypher_reach(SUPERVISION)}) AS sups
WITH n, collect({{via: CASE WHEN m.id = n.id THEN null ELSE m.id END, lines: ups + sups}})
     AS subjects
RETURN {cypher_label("n")} AS label, {cypher_active("n")} AS active, subjects
"""


def _from_rows(store: GraphStore, rows: list[dict[str, Any]], params: EntityParams) -> (
        SuperiorsResult):
    if not rows:
        raise NotFoundError(params.id)
    row = rows[0]
    based = [s["via"] for s in row["subjects"] if s["via"] is not None]
    reaches = [{**line, "via": s["via"]} for s in row["subjects"] for line in s["lines"]]
    return _result(params, row, based, reaches)


SUPERIORS: NamedQuery[EntityParams, SuperiorsResult] = NamedQuery(
    name="superiors",
    title="Superiors (parents-in-law)",
    description="Every body or organization an enterprise or Party organization answers to on "
    "a day: its formal superior (AFFILIATED_TO, relation 'affiliation') and every other "
    "supervising line (SUPERVISES, relation 'supervision'); for an enterprise, also those of "
    "the Party organizations based in it ('via' names the organization). One item per line, "
    "with its kind, dates and source; counts of distinct superiors, in all and by kind.",
    params=EntityParams,
    result=SuperiorsResult,
    cypher=CYPHER,
    from_rows=_from_rows,
    embedded=_embedded,
)
