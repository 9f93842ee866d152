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

The lines are gathered three ways — by Cypher (``CYPHER_*``), over the networkx graph for one
entity (:func:`embedded_reaches`) and over the embedded store's columns for every entity at
once (:func:`columns_reaches`, for ``overlaps``) — and counted one way:
:func:`count_superiors` (with :func:`counts_as_superior`), numpy, for one entity as for a
province.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date
from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt
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
from stores.columns import Columns, day
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
    "SuperiorCounts",
    "SuperiorItem",
    "SuperiorsResult",
    "Tally",
    "check_subject",
    "columns_reaches",
    "count_superiors",
    "counted",
    "counts_as_superior",
    "embedded_reaches",
    "tally",
]

Relation = Literal["affiliation", "supervision"]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

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
    relation: Relation = Field(
        description="affiliation (the formal superior) or supervision (any other line)"
    )
    line_kind: str | None = Field(None, description="the kind of the line")
    via: str | None = Field(
        None,
        description="the organization based in the enterprise that "
        "the line reaches (null: the line reaches the entity itself)",
    )
    valid_from: date | None = None
    valid_to: date | None = None
    source: str | None = None
    quote: str | None = None


class SuperiorsResult(BaseModel):
    """The superiors of one entity on a day."""

    id: str
    as_of: date
    active: bool = Field(
        description="whether the entity exists on the day asked (if not, it has no superiors)"
    )
    items: list[SuperiorItem]
    total: int = Field(description="number of lines (items)")
    distinct: int = Field(description="number of distinct superiors")
    by_kind: dict[str, int] = Field(description="distinct superiors by their kind")


# -- the rules, shared by both stores (and by ``overlaps``) --------------------------------------


def check_subject(label: str, node_id: str) -> None:
    """Superiors are asked of a Party organization or an enterprise."""
    if label not in SUBJECT_LABELS:
        raise QueryError(
            f"{node_id!r} is a {label}: superiors are asked of a PartyOrg or an Enterprise"
        )


class SuperiorCounts(NamedTuple):
    """What :func:`count_superiors` finds; entities and superiors are integer codes."""

    #: the distinct (entity, superior) pairs that count, sorted by entity, then superior
    entity: Ints
    superior: Ints
    #: per pair: reached by an affiliation line (a formal superior) ...
    formal: Bools
    #: ... and by a supervision line (a supervisor); a pair can be both
    supervising: Bools
    #: per entity code: distinct superiors, formal ones, supervising ones
    superiors: Ints
    formal_count: Ints
    supervising_count: Ints


def counts_as_superior(
    size: int, entity: Ints, superior: Ints, based_entity: Ints, based_org: Ints
) -> Bools:
    """Nothing is its own superior: whether ``superior[i]`` counts for ``entity[i]`` —
    neither the entity itself nor an organization based in it (organization
    ``based_org[j]`` is based in entity ``based_entity[j]``; codes below ``size``)."""
    found: Bools = superior != entity
    if len(based_entity):
        own = _distinct(based_entity.astype(np.int64) * size + based_org)
        is_based = np.zeros(size, dtype=bool)
        is_based[based_org] = True
        maybe = np.flatnonzero(is_based[superior])  # based in some entity: look closer
        pair = entity[maybe].astype(np.int64) * size + superior[maybe]
        at = np.minimum(np.searchsorted(own, pair), len(own) - 1)
        found[maybe] &= own[at] != pair
    return found


def count_superiors(
    size: int, entity: Ints, superior: Ints, formal: Bools, based_entity: Ints, based_org: Ints
) -> SuperiorCounts:
    """Count the distinct superiors of entities from the lines that reach them.

    The one definition of the count, for one entity (:func:`tally`: the superiors query) and
    for every entity at once (``overlaps``), on both stores; numpy, so that a whole province
    counts in milliseconds.

    Line ``i`` reaches entity ``entity[i]`` from ``superior[i]``, as its formal superior
    (``formal[i]``: relation affiliation) or as a supervisor; organization ``based_org[j]``
    is based in entity ``based_entity[j]``; every code is below ``size``. Superiors that
    count (:func:`counts_as_superior`) count once per entity, as formal, supervising or both.
    """
    # (pair, relation) keys, sorted and distinct: a pair's supervision key comes first
    keys = _distinct(((entity.astype(np.int64) * size + superior) << 1) | formal)
    pairs = keys >> 1
    keys = keys[counts_as_superior(size, pairs // size, pairs % size, based_entity, based_org)]
    pairs = keys >> 1
    is_formal = (keys & 1).astype(bool)
    first = _run_starts(pairs)
    last = np.ones_like(first)
    last[:-1] = first[1:]
    distinct = pairs[first]
    owner = distinct // size
    pair_formal: Bools = is_formal[last]
    pair_supervising: Bools = ~is_formal[first]
    return SuperiorCounts(
        owner,
        distinct % size,
        pair_formal,
        pair_supervising,
        np.bincount(owner, minlength=size),
        np.bincount(owner[pair_formal], minlength=size),
        np.bincount(owner[pair_supervising], minlength=size),
    )


def _run_starts(values: Ints) -> Bools:
    """Where each run of equal values of a sorted array starts."""
    starts = np.ones(len(values), dtype=bool)
    starts[1:] = values[1:] != values[:-1]
    return starts


def _distinct(values: Ints) -> Ints:
    """The distinct values, sorted (np.unique hashes, which is slower on large arrays)."""
    ordered = np.sort(values)
    found: Ints = ordered[_run_starts(ordered)]
    return found


def _count_one(
    entity_id: str, based: Collection[str], lines: Sequence[tuple[str, str]]
) -> tuple[list[str], SuperiorCounts]:
    """:func:`count_superiors` for one entity; ``lines``: (relation, superior id). Returns
    the ids by code, and the counts."""
    codes = {entity_id: 0}
    for org in based:
        codes.setdefault(org, len(codes))
    superiors = [codes.setdefault(superior, len(codes)) for _, superior in lines]
    counts = count_superiors(
        len(codes),
        np.zeros(len(lines), dtype=np.int64),
        np.array(superiors, dtype=np.int64),
        np.array([relation == AFFILIATION for relation, _ in lines], dtype=bool),
        np.zeros(len(based), dtype=np.int64),
        np.array([codes[org] for org in based], dtype=np.int64),
    )
    return list(codes), counts


def counted(
    entity_id: str,
    entity_active: bool,
    based: Collection[str],
    reaches: Iterable[Mapping[str, Any]],
) -> list[Mapping[str, Any]]:
    """The reaches (mappings with the superior's ``id``) that count as superiors
    (:func:`counts_as_superior`): none if the entity does not exist on the day."""
    if not entity_active:
        return []
    reaches = list(reaches)
    codes = {entity_id: 0}
    for org in based:
        codes.setdefault(org, len(codes))
    superiors = np.array([codes.setdefault(r["id"], len(codes)) for r in reaches], dtype=np.int64)
    counts = counts_as_superior(
        len(codes),
        np.zeros(len(reaches), dtype=np.int64),
        superiors,
        np.zeros(len(based), dtype=np.int64),
        np.array([codes[org] for org in based], dtype=np.int64),
    )
    return [r for r, kept in zip(reaches, counts.tolist(), strict=True) if kept]


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


def tally(
    entity_id: str,
    entity_active: bool,
    based: Collection[str],
    lines: Iterable[tuple[str, str, str]],
) -> Tally:
    """Count the distinct superiors of one entity from the lines that reach it
    (:func:`count_superiors`).

    ``lines``: (relation, superior id, superior kind); ``based``: the organizations based in
    it. Nothing is counted if the entity does not exist on the day.
    """
    found = Tally()
    lines = list(lines)
    if not entity_active or not lines:
        return found
    ids, counts = _count_one(entity_id, based, [(relation, s) for relation, s, _ in lines])
    kinds = {superior: kind for _, superior, kind in lines}
    for code, formal, supervising in zip(
        counts.superior.tolist(), counts.formal.tolist(), counts.supervising.tolist(), strict=True
    ):
        superior = ids[code]
        found.kinds[superior] = kinds[superior]
        if formal:
            found.formal.add(superior)
        if supervising:
            found.supervising.add(superior)
    return found


def _sort_key(item: SuperiorItem) -> tuple[Any, ...]:
    return (
        item.relation,
        item.kind,
        item.id,
        item.via or "",
        item.line_kind or "",
        item.valid_from or date.min,
        item.valid_to or date.max,
        item.source or "",
        item.quote or "",
    )


def _result(
    params: EntityParams,
    entity: Mapping[str, Any],
    based: Collection[str],
    reaches: Iterable[Mapping[str, Any]],
) -> SuperiorsResult:
    """Shape the gathered lines: ``entity`` has label and active; reaches are item fields."""
    check_subject(entity["label"], params.id)
    reaches = list(reaches)
    kept = counted(params.id, entity["active"], based, reaches)
    items = sorted((SuperiorItem(**r) for r in kept), key=_sort_key)
    counts = tally(
        params.id, entity["active"], based, ((r["relation"], r["id"], r["kind"]) for r in reaches)
    )
    return SuperiorsResult(
        id=params.id,
        as_of=params.as_of,
        active=entity["active"],
        items=items,
        total=len(items),
        distinct=counts.superiors,
        by_kind=counts.by_kind,
    )


# -- embedded -----------------------------------------------------------------------------------

Reach = tuple[Relation, str, int, str | None]  # relation, superior id, edge key, via


def embedded_reaches(adj: Adjacency, node_id: str, as_of: date) -> tuple[list[str], list[Reach]]:
    """The organizations based in an entity, and every active line that reaches it.

    Gathers without judging (see :func:`counted`): lines to active superiors, reaching the
    entity or, for an enterprise, an active organization based in it by an active line.
    """
    nodes = adj.node
    based: list[str] = []
    if nodes[node_id]["label"] == "Enterprise":
        based = sorted(
            {
                o
                for o, _, _ in lines_in(adj, node_id, "BASED_IN", as_of)
                if nodes[o]["label"] == "PartyOrg" and active(nodes[o], as_of)
            }
        )
    reaches: list[Reach] = []
    for subject, via in ((node_id, None), *((o, o) for o in based)):
        if nodes[subject]["label"] == "PartyOrg":
            reaches.extend(
                (AFFILIATION, s, key, via)
                for s, key, _ in lines_out(adj, subject, "AFFILIATED_TO", as_of)
                if active(nodes[s], as_of)
            )
        reaches.extend(
            (SUPERVISION, s, key, via)
            for s, key, _ in lines_in(adj, subject, "SUPERVISES", as_of)
            if active(nodes[s], as_of)
        )
    return based, reaches


def columns_reaches(
    columns: Columns, as_of: date, labels: Collection[str]
) -> tuple[Ints, Ints, Bools, Ints, Ints]:
    """:func:`embedded_reaches` for every active entity of ``labels`` at once, over the
    columns: the arguments of :func:`count_superiors` after its ``size``.

    Returns the lines (entity, superior, formal) that reach each entity — itself or, for an
    enterprise, an active organization based in it by an active line — from an active
    superior by an active line, and the (enterprise, organization) pairs of those based
    organizations. Codes are node indexes.
    """
    on = day(as_of)
    alive = columns.alive(on)
    party, enterprise = columns.label_is("PartyOrg"), columns.label_is("Enterprise")
    wanted = np.zeros(len(columns), dtype=bool)
    for label in labels:
        wanted |= columns.label_is(label)
    wanted &= alive
    aff, sup = columns.edges("AFFILIATED_TO"), columns.edges("SUPERVISES")
    up = aff.active(on) & party[aff.src] & alive[aff.src] & alive[aff.dst]
    down = sup.active(on) & alive[sup.src] & alive[sup.dst]
    subject = np.concatenate((aff.src[up], sup.dst[down])).astype(np.int64)
    superior = np.concatenate((aff.dst[up], sup.src[down])).astype(np.int64)
    formal = np.concatenate(
        (np.ones(int(up.sum()), dtype=bool), np.zeros(int(down.sum()), dtype=bool))
    )
    based = columns.edges("BASED_IN")
    kept = (
        based.active(on)
        & party[based.src]
        & alive[based.src]
        & enterprise[based.dst]
        & wanted[based.dst]
    )
    pairs = _distinct(based.dst[kept].astype(np.int64) * len(columns) + based.src[kept])
    host, org = pairs // len(columns), pairs % len(columns)
    # each (enterprise, organization) pair takes the lines of the organization
    is_org = np.zeros(len(columns), dtype=bool)
    is_org[org] = True
    of_orgs = np.flatnonzero(is_org[subject])
    order = of_orgs[np.argsort(subject[of_orgs], kind="stable")]
    ordered = subject[order]
    first = np.searchsorted(ordered, org, "left")
    count = np.searchsorted(ordered, org, "right") - first
    offsets = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    via = order[np.repeat(first, count) + offsets]
    direct = wanted[subject]
    return (
        np.concatenate((subject[direct], np.repeat(host, count))),
        np.concatenate((superior[direct], superior[via])),
        np.concatenate((formal[direct], formal[via])),
        host,
        org,
    )


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
            gathered.append(
                {
                    "id": superior,
                    "label": node["label"],
                    "kind": node["kind"],
                    "name": node["name"],
                    "relation": relation,
                    "line_kind": edge.kind,
                    "via": via,
                    "valid_from": edge.valid_from,
                    "valid_to": edge.valid_to,
                    "source": edge.props.get("source"),
                    "quote": edge.props.get("quote"),
                }
            )
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
    return (
        f"CASE WHEN s IS NULL THEN null ELSE {{relation: '{relation}', id: s.id, "
        f"label: {cypher_label('s')}, kind: s.kind, name: s.name, line_kind: r.kind, "
        "valid_from: r.valid_from, valid_to: r.valid_to, source: r.source, "
        "quote: r.quote} END"
    )


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


def _from_rows(
    store: GraphStore, rows: list[dict[str, Any]], params: EntityParams
) -> SuperiorsResult:
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
