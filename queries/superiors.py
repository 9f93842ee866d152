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
superiors. Each store gathers the lines its own way; :func:`count_superiors` counts them,
here for one entity and in ``overlaps`` for a whole province.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import date
from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

from graph_schema.cypher import NODE_LABEL
from queries.arrays import AnyInts, Bools, Ints, distinct_days, run_starts
from queries.base import Answer, EntityParams, NamedQuery, NotFoundError, QueryError, Route, Rows
from queries.cypher import (
    cypher_active,
    cypher_based_orgs,
    cypher_formal,
    cypher_label,
    cypher_supervising,
)
from queries.graph import active, lines_in, lines_out
from queries.graphview import GraphAnswer, GraphEdge, GraphNode
from stores.base import CypherView, GraphView
from stores.merges import MERGED_DST, MERGED_SRC

__all__ = [
    "AFFILIATION",
    "SUBJECT_LABELS",
    "SUPERIORS",
    "SUPERVISION",
    "DayPairs",
    "Relation",
    "SuperiorCounts",
    "SuperiorItem",
    "SuperiorsResult",
    "check_subject",
    "count_on_days",
    "count_superiors",
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
    loaded_ends: list[str] | None = Field(
        None,
        description="in a merged view: the line's two ends (from, to) as its record was "
        "loaded, when either is another record of the group shown (where the line came from)",
    )


class SuperiorsResult(Answer):
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


class DayPairs(NamedTuple):
    """The (entity, superior) pairs that count on some of several days, as
    :func:`count_on_days` finds them: sorted distinct keys ``entity * size + superior``, and
    per pair the days (bit ``d``: the ``d``-th day) it is a formal pair on, and a supervising
    pair on (a pair can be both)."""

    keys: Ints
    formal: npt.NDArray[np.uint8]
    supervising: npt.NDArray[np.uint8]

    def on(self, day: int) -> tuple[Ints, Bools, Bools]:
        """The pairs of the ``day``-th day: keys, and which are formal and supervising."""
        bit = np.uint8(1 << day)
        if bit == 1 and self.formal.max(initial=0) <= 1 and self.supervising.max(initial=0) <= 1:
            # counted for one day only: every pair holds on it, the masks are the flags
            return self.keys, self.formal.view(bool), self.supervising.view(bool)
        formal, supervising = (self.formal & bit) != 0, (self.supervising & bit) != 0
        held = formal | supervising
        return self.keys[held], formal[held], supervising[held]


def count_on_days(
    size: int,
    entity: AnyInts,
    superior: AnyInts,
    formal: Bools,
    days: npt.NDArray[np.uint8],
    based_entity: Ints,
    based_org: Ints,
    based_days: npt.NDArray[np.uint8],
) -> DayPairs:
    """Which superiors count for which entities, on each of several days at once.

    The one definition of the count, for one entity (this query), for every entity at once
    (``overlaps``) and for two days at once (``diff``), on both stores; numpy, so that a
    whole province counts in milliseconds. Line ``i`` reaches entity ``entity[i]`` from
    ``superior[i]``, as its formal superior (``formal[i]``: relation affiliation) or as a
    supervisor, on the days of ``days[i]`` (bit ``d``: day ``d``); organization
    ``based_org[j]`` is based in entity ``based_entity[j]`` on the days of ``based_days[j]``;
    every code is below ``size``. Superiors that count (:func:`_not_own`) count once per
    entity and day, as formal, supervising or both. Lines that hold on both of two days
    are sorted once: comparing two days costs little more than counting one.
    """
    packing = _Packing(size)
    if _one_mask(days, based_days):  # one day asked: no days to gather
        on = days[0] if len(days) else np.uint8(1)
        pair, is_formal, is_supervising = _count_uniform(
            packing, entity, superior, formal, on, based_entity, based_org, based_days
        )
        none = np.uint8(0)
        return DayPairs(
            packing.keys(pair),
            np.where(is_formal, on, none).astype(np.uint8),
            np.where(is_supervising, on, none).astype(np.uint8),
        )
    # (pair, relation) keys, sorted, each with its days: a pair's supervision key first
    body, held = distinct_days(packing.line_keys(entity, superior, formal), days)
    pair = body >> 1
    held &= _not_own(size, *packing.unpack(pair), based_entity, based_org, based_days)
    kept = held != 0
    body, pair, held = body[kept], pair[kept], held[kept]
    is_formal = (body & 1).astype(bool)
    first = run_starts(pair)
    group = np.cumsum(first) - 1
    count = int(first.sum())
    formal_days = np.zeros(count, dtype=np.uint8)
    supervising_days = np.zeros(count, dtype=np.uint8)
    formal_days[group[is_formal]] = held[is_formal]
    supervising_days[group[~is_formal]] = held[~is_formal]
    return DayPairs(packing.keys(pair[first]), formal_days, supervising_days)


class _Packing:
    """(entity, superior) pairs of codes below ``size`` as one integer, ``entity`` in the
    high bits: ordered as :class:`DayPairs`'s keys ``entity * size + superior`` are, but
    taken apart by shifts, not division (numpy divides 64-bit integers slowly: a few hundred
    milliseconds for a 5M-node province's lines)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.bits = max(size - 1, 1).bit_length()
        self.mask = (1 << self.bits) - 1

    def line_keys(self, entity: AnyInts, superior: AnyInts, formal: Bools) -> Ints:
        """(pair, relation) keys of lines: the pair, then 1 for a formal line (in place:
        each pass over a province's lines costs)."""
        keys: Ints = entity.astype(np.int64) << (self.bits + 1)
        keys |= superior.astype(np.int64, copy=False) << 1
        keys |= formal
        return keys

    def unpack(self, pair: Ints) -> tuple[Ints, Ints]:
        return pair >> self.bits, pair & self.mask

    def keys(self, pair: Ints) -> Ints:
        """The pairs as :class:`DayPairs`'s keys."""
        entity, superior = self.unpack(pair)
        keys: Ints = entity * self.size + superior
        return keys


def _count_uniform(
    packing: _Packing,
    entity: AnyInts,
    superior: AnyInts,
    formal: Bools,
    on: np.uint8,
    based_entity: Ints,
    based_org: Ints,
    based_days: npt.NDArray[np.uint8],
) -> tuple[Ints, Bools, Bools]:
    """:func:`count_on_days` when every line and based pair holds on the same days ``on``
    (one day asked: ``superiors``, ``overlaps``): the same rule, without days to gather.
    Returns the pairs that count (packed), and which are formal and supervising.

    Whether a superior counts is asked of each line, before the sort, while its codes are
    at hand (of the sorted keys it took them apart again: two more passes over a
    province's lines); the lines of a pair all get the same answer."""
    counts = (
        _not_own(packing.size, entity, superior, based_entity, based_org, based_days) & on
    ) != 0
    keys = packing.line_keys(entity, superior, formal)
    if not counts.all():
        keys = keys[counts]
    keys.sort()  # (in place: the keys are this function's own)
    keys = keys[run_starts(keys)]
    pair = keys >> 1
    is_formal = (keys & 1).astype(bool)
    first = run_starts(pair)
    last = np.ones_like(first)
    last[:-1] = first[1:]
    return pair[first], is_formal[last], ~is_formal[first]


def _one_mask(days: npt.NDArray[np.uint8], based_days: npt.NDArray[np.uint8]) -> bool:
    """Whether every line and based pair holds on the same days."""
    if not len(days):
        return not len(based_days) or bool((based_days == based_days[0]).all())
    first = days[0]
    return bool((days == first).all() and (based_days == first).all())


def count_superiors(
    size: int,
    entity: AnyInts,
    superior: AnyInts,
    formal: Bools,
    based_entity: Ints,
    based_org: Ints,
) -> SuperiorCounts:
    """Count the distinct superiors of entities on one day from the lines that reach them
    (:func:`count_on_days`, of one day)."""
    packing = _Packing(size)
    pair, pair_formal, pair_supervising = _count_uniform(
        packing,
        entity,
        superior,
        formal,
        np.uint8(1),
        based_entity,
        based_org,
        np.ones_like(based_org, np.uint8),
    )
    owner, reached = packing.unpack(pair)
    # the pairs are sorted by entity: an entity's superiors are the length of its run
    # (a bincount's two passes over the pairs; a sum over runs counted the flags no faster)
    starts = np.flatnonzero(run_starts(owner))
    entities = owner[starts]

    superiors = np.zeros(size, dtype=np.int64)
    superiors[entities] = np.diff(np.append(starts, len(owner)))
    return SuperiorCounts(
        owner,
        reached,
        pair_formal,
        pair_supervising,
        superiors,
        np.bincount(owner[pair_formal], minlength=size),
        np.bincount(owner[pair_supervising], minlength=size),
    )


def _not_own(
    size: int,
    entity: AnyInts,
    superior: AnyInts,
    based_entity: Ints,
    based_org: Ints,
    based_days: npt.NDArray[np.uint8],
) -> npt.NDArray[np.uint8]:
    """Nothing is its own superior: on which days ``superior[i]`` counts for ``entity[i]``
    (a day mask) — neither the entity itself nor an organization based in it that day
    (organization ``based_org[j]`` is based in entity ``based_entity[j]`` on the days of
    ``based_days[j]``; codes below ``size``)."""
    found = np.where(superior != entity, np.uint8(0xFF), np.uint8(0)).astype(np.uint8)
    if len(based_entity):
        own_pair, own_days = distinct_days(
            based_entity.astype(np.int64) * size + based_org, based_days
        )
        is_based = np.zeros(size, dtype=bool)
        is_based[based_org] = True
        maybe = np.flatnonzero(is_based[superior])  # based in some entity: look closer
        pair = entity[maybe].astype(np.int64) * size + superior[maybe]
        at = np.minimum(np.searchsorted(own_pair, pair), len(own_pair) - 1)
        hit = own_pair[at] == pair
        found[maybe[hit]] &= ~own_days[at[hit]]
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
        item.loaded_ends or [],
    )


def _result(
    params: EntityParams,
    entity: Mapping[str, Any],
    based: Collection[str],
    reaches: Iterable[Mapping[str, Any]],
) -> SuperiorsResult:
    """Count and shape the gathered lines: ``entity`` has label and active; each reach has
    the fields of an item (the superior, the line, ``via``)."""
    check_subject(entity["label"], params.id)
    reaches = list(reaches) if entity["active"] else []
    codes = {params.id: 0}
    for org in based:
        codes.setdefault(org, len(codes))
    superior = [codes.setdefault(r["id"], len(codes)) for r in reaches]
    counts = count_superiors(
        len(codes),
        np.zeros(len(reaches), dtype=np.int64),
        np.array(superior, dtype=np.int64),
        np.array([r["relation"] == AFFILIATION for r in reaches], dtype=bool),
        np.zeros(len(based), dtype=np.int64),
        np.array([codes[org] for org in based], dtype=np.int64),
    )
    ids = list(codes)
    counted = {ids[code] for code in counts.superior.tolist()}
    kinds = {r["id"]: r["kind"] for r in reaches}
    by_kind: dict[str, int] = {}
    for superior_id in counted:
        by_kind[kinds[superior_id]] = by_kind.get(kinds[superior_id], 0) + 1
    items = sorted((SuperiorItem(**r) for r in reaches if r["id"] in counted), key=_sort_key)
    return SuperiorsResult(
        id=params.id,
        as_of=params.as_of,
        active=entity["active"],
        items=items,
        total=len(items),
        distinct=len(counted),
        by_kind=dict(sorted(by_kind.items())),
    )


# -- the embedded store -------------------------------------------------------------------------


def _over_graph(view: GraphView, params: EntityParams) -> SuperiorsResult:
    """Gather, without judging: the organizations based in the entity, and every active line
    from an active superior to it or, for an enterprise, to an active organization based in
    it by an active line."""
    as_of = params.as_of
    with view.reading_graph() as adj:
        nodes = adj.node
        attrs = nodes.get(params.id)
        if attrs is None:
            raise NotFoundError(params.id)
        check_subject(attrs["label"], params.id)
        based: list[str] = []
        if attrs["label"] == "Enterprise":
            based = sorted(
                {
                    o
                    for o, _, _ in lines_in(adj, params.id, "BASED_IN", as_of)
                    if nodes[o]["label"] == "PartyOrg" and active(nodes[o], as_of)
                }
            )
        lines: list[tuple[Relation, str, int, str | None, list[str] | None]] = []
        for subject, via in ((params.id, None), *((o, o) for o in based)):
            if nodes[subject]["label"] == "PartyOrg":
                lines.extend(
                    (AFFILIATION, s, key, via, loaded_ends(e, subject, s))
                    for s, key, e in lines_out(adj, subject, "AFFILIATED_TO", as_of)
                    if active(nodes[s], as_of)
                )
            lines.extend(
                (SUPERVISION, s, key, via, loaded_ends(e, s, subject))
                for s, key, e in lines_in(adj, subject, "SUPERVISES", as_of)
                if active(nodes[s], as_of)
            )
        records = view.edge_records(key for _, _, key, _, _ in lines)
        reaches = []
        for relation, superior, key, via, ends in lines:
            edge, node = records[key], nodes[superior]
            reaches.append(
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
                    "loaded_ends": ends,
                }
            )
        entity = {"label": attrs["label"], "active": active(attrs, as_of)}
        return _result(params, entity, based, reaches)


def loaded_ends(attrs: Mapping[str, Any], src: str, dst: str) -> list[str] | None:
    """A line's two ends as its record was loaded, if a merge moved either (its graph
    attributes keep the moved end's loaded id, :mod:`stores.merges`); else None."""
    if MERGED_SRC not in attrs and MERGED_DST not in attrs:
        return None
    return [attrs.get(MERGED_SRC, src), attrs.get(MERGED_DST, dst)]


# -- Cypher -------------------------------------------------------------------------------------


def _cypher_reach(relation: Relation) -> str:
    """A line ``r`` from superior ``s`` to subject ``m`` as an item's fields, with the ends
    it was loaded with where a merge moved one (``_src`` / ``_dst``)."""
    src, dst = ("m", "s") if relation == AFFILIATION else ("s", "m")
    return (
        f"CASE WHEN s IS NULL THEN null ELSE {{relation: '{relation}', id: s.id, "
        f"label: {cypher_label('s')}, kind: s.kind, name: s.name, line_kind: r.kind, "
        "valid_from: r.valid_from, valid_to: r.valid_to, source: r.source, quote: r.quote, "
        f"loaded_ends: CASE WHEN r.{MERGED_SRC} IS NULL AND r.{MERGED_DST} IS NULL THEN null "
        f"ELSE [coalesce(r.{MERGED_SRC}, {src}.id), coalesce(r.{MERGED_DST}, {dst}.id)] END"
        "} END"
    )


CYPHER = f"""
MATCH (n:{NODE_LABEL} {{id: $id}})
OPTIONAL MATCH {cypher_based_orgs("n")}
WITH n, collect(DISTINCT o) AS based
UNWIND [n] + based AS m
OPTIONAL MATCH {cypher_formal("m")}
WITH n, m, collect({_cypher_reach(AFFILIATION)}) AS ups
OPTIONAL MATCH {cypher_supervising("m")}
WITH n, m, ups, collect({_cypher_reach(SUPERVISION)}) AS sups
WITH n, collect({{via: CASE WHEN m.id = n.id THEN null ELSE m.id END, lines: ups + sups}})
     AS subjects
RETURN {cypher_label("n")} AS label, {cypher_active("n")} AS active, subjects
"""


def _from_rows(view: CypherView, rows: Rows, params: EntityParams) -> SuperiorsResult:
    if not rows:
        raise NotFoundError(params.id)
    row = rows[0]
    based = [s["via"] for s in row["subjects"] if s["via"] is not None]
    reaches = [{**line, "via": s["via"]} for s in row["subjects"] for line in s["lines"]]
    return _result(params, row, based, reaches)


def superiors_graph(result: SuperiorsResult) -> GraphAnswer:
    """The entity in the centre, each superior around it, one edge per line.

    A line that reaches the enterprise through an organization based in it runs to that
    organization, which is linked to the enterprise by BASED_IN.
    """
    nodes = {result.id: GraphNode(id=result.id, data={"role": "entity"})}
    edges: list[GraphEdge] = []
    for item in result.items:
        values = item.model_dump(mode="json")
        nodes.setdefault(
            item.id,
            GraphNode(
                id=item.id,
                label=item.label,
                kind=item.kind,
                name=item.name,
                data={"role": "superior"},
            ),
        )
        target = item.via or result.id
        if item.via and item.via not in nodes:
            nodes[item.via] = GraphNode(id=item.via, data={"role": "based organization"})
            edges.append(GraphEdge(source=item.via, target=result.id, type="BASED_IN"))
        rel_type = "AFFILIATED_TO" if item.relation == "affiliation" else "SUPERVISES"
        line = {k: values[k] for k in ("valid_from", "valid_to", "source", "quote") if values[k]}
        if rel_type == "AFFILIATED_TO":  # the formal line runs from the organization upward
            edges.append(
                GraphEdge(
                    source=target, target=item.id, type=rel_type, kind=item.line_kind, data=line
                )
            )
        else:
            edges.append(
                GraphEdge(
                    source=item.id, target=target, type=rel_type, kind=item.line_kind, data=line
                )
            )
    return GraphAnswer(query="superiors", id=result.id, nodes=list(nodes.values()), edges=edges)


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
    route=Route("/nodes/{id}/superiors", "nodes"),
    cypher=CYPHER,
    from_rows=_from_rows,
    over_graph=_over_graph,
    examples=(
        {"id": "tj-pharma", "as_of": "2023-06-01"},
        {"id": "jd-ent-a1", "as_of": "2023-06-01"},
    ),
    graph=superiors_graph,
)
