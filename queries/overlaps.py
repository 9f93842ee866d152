"""``overlaps`` and ``overlap_pairs``: who answers to the most bodies, and which bodies overlap.

* ``overlaps`` ranks active enterprises and Party organizations by their number of distinct
  superiors on a day, by exactly the definition of :mod:`queries.superiors` (the same
  gathering rules and the same shared counting function).
* ``overlap_pairs`` pairs the supervisors (sources of active SUPERVISES lines, themselves
  active) that supervise the same active entities directly, with the number shared and the
  Jaccard index: shared / the number supervised by either.

Both scan the whole graph once. ``overlaps``: the Cypher gathers each entity's lines per
entity; the embedded store gathers every entity's lines at once from its columns (a
per-node Python loop over a province took seconds). Either way they are counted by
:func:`queries.superiors.count_superiors`, the one count, which the superiors query uses for
one entity, and ranked by :func:`_ranked`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date
from typing import Any, Literal, NamedTuple, cast

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

from graph_schema.cypher import NODE_LABEL
from queries.arrays import Bools, Days, Ints, distinct_days, pairs, rank, run_starts, spans
from queries.base import (
    MAX_OFFSET,
    Answer,
    Column,
    Listing,
    ListParams,
    NamedQuery,
    Opens,
    Route,
    Rows,
    is_graph_view,
    page,
)
from queries.cypher import (
    cypher_active,
    cypher_based_orgs,
    cypher_formal,
    cypher_label,
    cypher_supervising,
)
from queries.superiors import (
    AFFILIATION,
    SUBJECT_LABELS,
    SUPERVISION,
    DayPairs,
    Relation,
    SuperiorCounts,
    count_on_days,
    count_superiors,
)
from stores.base import CypherView, GraphView
from stores.columns import Columns, day

__all__ = [
    "OVERLAPS",
    "OVERLAP_PAIRS",
    "OverlapItem",
    "OverlapPair",
    "OverlapPairsParams",
    "OverlapPairsResult",
    "OverlapsParams",
    "OverlapsResult",
    "PairsOnDays",
    "jaccard",
    "superior_pairs_on",
]

JACCARD_PLACES = 6

#: node codes as the columns hold them (32 bits)
Codes = npt.NDArray[np.int32]


class OverlapsParams(ListParams):
    """Which entities to rank."""

    min: int = Field(
        3,
        ge=1,
        le=MAX_OFFSET,
        description="only entities with at least this many distinct superiors",
    )
    label: Literal["Enterprise", "PartyOrg"] | None = Field(
        None, description="only enterprises or only Party organizations"
    )


class OverlapItem(BaseModel):
    """An entity and how many bodies it answers to."""

    id: str
    label: str
    kind: str
    name: str
    superiors: int = Field(description="distinct superiors (formal and supervising)")
    formal: int = Field(description="distinct formal superiors (AFFILIATED_TO)")
    supervising: int = Field(description="distinct supervising bodies or organizations")
    body_kinds: list[str] = Field(description="the distinct kinds of the supervisors")


class OverlapsResult(Answer):
    """Entities by number of superiors, most first; one page."""

    as_of: date
    items: list[OverlapItem]
    total: int
    limit: int
    offset: int


class OverlapPairsParams(ListParams):
    """Which supervisor pairs to list."""

    min: int = Field(
        1, ge=1, le=MAX_OFFSET, description="only pairs that share at least this many entities"
    )


class OverlapPair(BaseModel):
    """Two supervisors that supervise some of the same entities."""

    id: str = Field(description="the supervisor with the smaller id")
    name: str
    kind: str
    other_id: str
    other_name: str
    other_kind: str
    shared: int = Field(description="entities both supervise")
    jaccard: float = Field(description="shared / entities either supervises (6 places)")
    supervised: int = Field(description="entities the first supervises")
    other_supervised: int = Field(description="entities the other supervises")


class OverlapPairsResult(Answer):
    """Supervisor pairs by overlap, largest first; one page."""

    as_of: date
    items: list[OverlapPair]
    total: int
    limit: int
    offset: int


# -- the rules, shared by both stores ------------------------------------------------------------


def _ranked(found: Ints, superiors: Ints, rank: npt.NDArray[np.integer[Any]]) -> Ints:
    """Entity codes ranked most superiors first, then by id (``rank``: a code's position in
    id order).

    Two stable sorts: by id (no work where the codes are in id order already, as the
    embedded store's are), then by count, in 16 bits where the counts fit (numpy sorts those
    by radix: a province's million entities in milliseconds)."""
    by_id = found[np.argsort(rank[found], kind="stable")]
    most = -superiors[by_id]
    if len(most) and int(most.min()) >= np.iinfo(np.int16).min:
        most = most.astype(np.int16)
    ranked: Ints = by_id[np.argsort(most, kind="stable")]
    return ranked


def _overlaps_result(
    ranked: Ints,
    counts: SuperiorCounts,
    info: Callable[[int], Mapping[str, Any]],
    kind_of: Callable[[int], str],
    params: OverlapsParams,
) -> OverlapsResult:
    """One page of the ranked entity codes (those at or above the minimum); ``info`` gives an
    entity's id, label, kind and name, ``kind_of`` a superior's kind."""
    shown = ranked[params.offset : params.offset + params.limit]  # (page, without a list)
    starts = np.searchsorted(counts.entity, shown, "left").tolist()
    ends = np.searchsorted(counts.entity, shown, "right").tolist()
    items = []
    for code, start, end in zip(shown.tolist(), starts, ends, strict=True):
        supervisors = counts.superior[start:end][counts.supervising[start:end]]
        entity = info(code)
        items.append(
            OverlapItem(
                **{k: entity[k] for k in ("id", "label", "kind", "name")},
                superiors=int(counts.superiors[code]),
                formal=int(counts.formal_count[code]),
                supervising=int(counts.supervising_count[code]),
                body_kinds=sorted({kind_of(s) for s in supervisors.tolist()}),
            )
        )
    return OverlapsResult(
        as_of=params.as_of, items=items, total=len(ranked), limit=params.limit, offset=params.offset
    )


def jaccard(shared: int, size_a: int, size_b: int) -> float:
    """Shared / union, rounded to 6 places."""
    return round(shared / (size_a + size_b - shared), JACCARD_PLACES)


def _pairs_result(
    supervisors: Mapping[str, Mapping[str, Any]],
    pairs: Iterable[tuple[str, str, int]],
    params: OverlapPairsParams,
) -> OverlapPairsResult:
    """``supervisors``: id → name, kind, size (entities supervised); ``pairs``: (smaller id,
    other id, shared)."""
    found = []
    for a, b, shared in pairs:
        if shared >= params.min:
            share = jaccard(shared, supervisors[a]["size"], supervisors[b]["size"])
            found.append((-shared, -share, a, b))
    found.sort()
    items = []
    for shared, share, a, b in page(found, params):
        first, other = supervisors[a], supervisors[b]
        items.append(
            OverlapPair(
                id=a,
                name=first["name"],
                kind=first["kind"],
                other_id=b,
                other_name=other["name"],
                other_kind=other["kind"],
                shared=-shared,
                jaccard=-share,
                supervised=first["size"],
                other_supervised=other["size"],
            )
        )
    return OverlapPairsResult(
        as_of=params.as_of, items=items, total=len(found), limit=params.limit, offset=params.offset
    )


# -- the embedded store -------------------------------------------------------------------------


def _overlaps_over_graph(view: GraphView, params: OverlapsParams) -> OverlapsResult:
    labels = (params.label,) if params.label else SUBJECT_LABELS
    with view.reading_graph() as adj:
        nodes = adj.node
        columns = view.columns()
        counts = count_superiors(len(columns), *_lines(columns, params.as_of, labels, params.min))
        ranked = _ranked(
            np.flatnonzero(counts.superiors >= params.min), counts.superiors, columns.rank()
        )
        ids, kinds = columns.ids, columns.kinds.names

        def info(code: int) -> Mapping[str, Any]:
            return {"id": ids[code], **nodes[ids[code]]}

        return _overlaps_result(
            ranked, counts, info, lambda code: kinds[columns.kind[code]], params
        )


def _pairs_over_graph(view: GraphView, params: OverlapPairsParams) -> OverlapPairsResult:
    with view.reading_graph() as adj:
        nodes = adj.node
        columns = view.columns()
        ids = columns.ids
        first, second, shared, size = _supervisor_pairs(columns, params.as_of)
        kept = shared >= params.min
        first, second, shared = first[kept], second[kept], shared[kept]
        named = {i: ids[i] for i in np.unique(np.concatenate((first, second))).tolist()}
        supervisors = {
            node_id: {
                "name": nodes[node_id]["name"],
                "kind": nodes[node_id]["kind"],
                "size": int(size[i]),
            }
            for i, node_id in named.items()
        }
        pairs = (
            (named[a], named[b], n)
            for a, b, n in zip(first.tolist(), second.tolist(), shared.tolist(), strict=True)
        )
        return _pairs_result(supervisors, pairs, params)


def _lines(
    columns: Columns, as_of: date, labels: Collection[str], at_least: int
) -> tuple[Codes, Codes, Bools, Ints, Ints]:
    """The lines of :mod:`queries.superiors` for every active entity of ``labels`` at once,
    over the columns, but only of the entities that could have ``at_least`` superiors: the
    arguments of :func:`count_superiors` after its ``size`` (:func:`_lines_on` of one day)."""
    entity, superior, formal, _, host, org, _ = _lines_on(columns, (as_of,), labels, at_least)
    return entity, superior, formal, host, org


def _lines_on(
    columns: Columns, days: Sequence[date], labels: Collection[str], at_least: int = 1
) -> tuple[Codes, Codes, Bools, Days, Ints, Ints, Days]:
    """The lines of :mod:`queries.superiors` for every entity of ``labels`` at once, on
    each of ``days`` (bit ``d`` of a day mask: the ``d``-th day), over the columns: the
    arguments of :func:`count_on_days` after its ``size``.

    Returns the lines (entity, superior, formal, days) that reach each entity — itself or,
    for an enterprise, an active organization based in it by an active line — from an
    active superior by an active line, each with the days it does; and the (enterprise,
    organization) pairs of those based organizations, with theirs. Codes are node indexes
    (32 bits: the columns' own, not widened for a province's lines).

    Only entities reached by ``at_least`` lines on the days together are kept (each
    superior takes a line at least, so no other can have that many superiors): ``overlaps``
    asks for a minimum, and the lines of the entities below it (most of a province's) are
    neither gathered nor counted.
    """
    ons = [day(d) for d in days]
    every = np.uint8((1 << len(ons)) - 1)

    def on_days(holds: Callable[[int], Bools]) -> Days:
        found: Days = holds(ons[0]).view(np.uint8)  # one day: the mask as it is, no copy
        for bit, on in enumerate(ons[1:], start=1):
            found = (found | (holds(on).view(np.uint8) << bit)).astype(np.uint8)
        return found

    def always(mask: Bools) -> Days:
        if every == 1:
            return mask.view(np.uint8)
        found: Days = np.where(mask, every, np.uint8(0)).astype(np.uint8)
        return found

    n = len(columns)
    alive = on_days(columns.alive)
    party, enterprise = always(columns.label_is("PartyOrg")), always(columns.label_is("Enterprise"))
    wanted = np.zeros(n, dtype=bool)
    for label in labels:
        wanted |= columns.label_is(label)
    alive_wanted = always(wanted) & alive
    aff, sup = columns.edges("AFFILIATED_TO"), columns.edges("SUPERVISES")
    up = on_days(aff.active) & party[aff.src] & alive[aff.src] & alive[aff.dst]
    down = on_days(sup.active) & alive[sup.src] & alive[sup.dst]
    ups, downs = np.flatnonzero(up), np.flatnonzero(down)
    # lines numbered affiliation lines first: a line is formal by its number
    subject = np.concatenate((aff.src[ups], sup.dst[downs]))
    superior = np.concatenate((aff.dst[ups], sup.src[downs]))
    line_days = np.concatenate((up[ups], down[downs]))
    host, org, host_days = _based(columns, on_days, party, alive, enterprise & alive_wanted)
    lines_of = np.bincount(subject, minlength=n)
    if at_least > 1:
        alive_wanted *= _enough_lines(lines_of, host, org, at_least)
        kept = alive_wanted[host] != 0
        host, org, host_days = host[kept], org[kept], host_days[kept]
    # each (enterprise, organization) pair takes the lines of the organization, on the days
    # both hold
    is_org = np.zeros(n, dtype=bool)
    is_org[org] = True
    of_orgs = np.flatnonzero(is_org[subject])
    order = of_orgs[np.argsort(subject[of_orgs], kind="stable")]
    # an organization's lines are a run of order, found by counting (a binary search for
    # each organization took twice as long at 1M nodes)
    lines_of = np.where(is_org, lines_of, 0)
    count = lines_of[org]
    via = order[spans(np.cumsum(lines_of)[org] - count, count)]
    via_days = line_days[via] & np.repeat(host_days, count)
    via_host = np.repeat(host.astype(subject.dtype), count)
    if not via_days.all():
        by_org = via_days != 0
        via, via_days, via_host = via[by_org], via_days[by_org], via_host[by_org]
    direct_days = line_days & alive_wanted[subject]
    direct = np.flatnonzero(direct_days)
    reaching = np.concatenate((direct, via))  # (indexes: one gather each, no masks)
    if len(ons) == 1:  # one day: every line holds on it (no days to take apart)
        held = np.ones(len(reaching), dtype=np.uint8)
    else:
        held = np.concatenate((direct_days[direct], via_days))
    return (
        np.concatenate((subject[direct], via_host)),
        superior[reaching],
        reaching < len(ups),
        held,
        host,
        org,
        host_days,
    )


def _enough_lines(lines_of: Ints, host: Ints, org: Ints, at_least: int) -> Bools:
    """Which nodes are reached by ``at_least`` lines: their own (``lines_of``, by node),
    and for an enterprise those of the organizations based in it (``host``, ``org``: the
    pairs, sorted by enterprise). Only these can have that many superiors."""
    enough = lines_of >= at_least
    if len(host):
        starts = np.flatnonzero(run_starts(host))
        hosts = host[starts]
        reached = lines_of[hosts] + np.add.reduceat(lines_of[org], starts)
        enough[hosts[reached >= at_least]] = True
    return enough


def _based(
    columns: Columns,
    on_days: Callable[[Callable[[int], Bools]], Days],
    party: Days,
    alive: Days,
    host: Days,
) -> tuple[Ints, Ints, Days]:
    """The distinct (enterprise, organization) pairs of active BASED_IN lines from an active
    Party organization to an enterprise ``host`` holds for, sorted, with their days (the
    pair packed by shifts, as :mod:`queries.superiors` packs its pairs: no 64-bit
    division)."""
    based = columns.edges("BASED_IN")
    kept = on_days(based.active) & party[based.src] & alive[based.src] & host[based.dst]
    kept_at = np.flatnonzero(kept)
    bits = max(len(columns) - 1, 1).bit_length()
    hosted, host_days = distinct_days(
        (based.dst[kept_at].astype(np.int64) << bits) | based.src[kept_at], kept[kept_at]
    )
    return hosted >> bits, hosted & ((1 << bits) - 1), host_days


def _supervisor_pairs(columns: Columns, as_of: date) -> tuple[Ints, Ints, Ints, Ints]:
    """The pairs of supervisors (first before second by id) that supervise some of the same
    targets, with the number shared; and how many targets each node supervises. A target
    and its supervisors are active nodes (of any label), each line an active SUPERVISES line;
    a supervisor counts once per target."""
    on = day(as_of)
    n = len(columns)
    alive = columns.alive(on)
    sup = columns.edges("SUPERVISES")
    line = sup.active(on) & alive[sup.src] & alive[sup.dst]
    position = columns.rank().astype(np.int64)
    # distinct (target, supervisor), by target, then supervisor id
    keys = pairs(sup.dst[line], position[sup.src[line]], n)
    target, by_id = keys // n, keys % n
    order = np.argsort(position)  # node index by id position
    supervisor = order[by_id]
    size = np.bincount(supervisor, minlength=n)
    # every pair within a target's supervisors: position p pairs with the later ones
    begin = np.flatnonzero(run_starts(target))
    group = np.diff(np.append(begin, len(target)))
    later = np.repeat(begin + group, group) - np.arange(len(target)) - 1
    firsts = np.repeat(np.arange(len(target)), later)
    seconds = spans(np.arange(len(target)) + 1, later)
    pair = np.sort(by_id[firsts] * n + by_id[seconds])
    begin = np.flatnonzero(run_starts(pair))
    shared = np.diff(np.append(begin, len(pair)))
    pair = pair[begin]
    return order[pair // n], order[pair % n], shared, size


# -- Cypher -------------------------------------------------------------------------------------


def _cypher_line(relation: Relation) -> str:
    return (
        f"CASE WHEN s IS NULL THEN null ELSE {{relation: '{relation}', id: s.id, kind: s.kind}} END"
    )


# Each entity's lines are gathered in a subquery of its own, so that the aggregation holds one
# entity at a time (ArcadeDB refuses a query whose GROUP BY over every entity outgrows its heap
# budget).
OVERLAPS_CYPHER = f"""
MATCH (n:{NODE_LABEL})
WHERE (n:Enterprise OR n:PartyOrg) AND ($label IS NULL OR $label IN labels(n))
  AND {cypher_active("n")}
CALL (n) {{
  OPTIONAL MATCH {cypher_based_orgs("n")}
  WITH n, collect(DISTINCT o) AS based
  UNWIND [n] + based AS m
  OPTIONAL MATCH {cypher_formal("m")}
  WITH n, m, collect({_cypher_line(AFFILIATION)}) AS ups
  OPTIONAL MATCH {cypher_supervising("m")}
  WITH n, m, ups, collect({_cypher_line(SUPERVISION)}) AS sups
  RETURN collect({{via: CASE WHEN m.id = n.id THEN null ELSE m.id END, lines: ups + sups}})
         AS subjects
}}
WITH n, subjects
WHERE reduce(total = 0, x IN subjects | total + size(x.lines)) >= $min
RETURN n.id AS id, {cypher_label("n")} AS label, n.kind AS kind, n.name AS name, subjects
"""


def _overlaps_from_rows(view: CypherView, rows: Rows, params: OverlapsParams) -> OverlapsResult:
    codes = {row["id"]: code for code, row in enumerate(rows)}  # entities first
    kinds: dict[int, str] = {}
    counts, _ = _counted_rows(rows, codes, kinds)
    found = np.flatnonzero(counts.superiors[: len(rows)] >= params.min)
    by_id = rank(list(codes))
    return _overlaps_result(
        _ranked(found, counts.superiors, by_id), counts, rows.__getitem__, kinds.__getitem__, params
    )


class _RowLines(NamedTuple):
    """The lines of :func:`count_superiors` read from the Cypher's rows."""

    entity: Ints
    superior: Ints
    formal: Bools
    based_entity: Ints
    based_org: Ints


def _row_lines(rows: Rows, codes: dict[str, int], kinds: dict[int, str]) -> _RowLines:
    """The lines and the (enterprise, organization based in it) pairs of the Cypher's rows;
    node ids get codes in ``codes`` (which may hold some already), superiors' kinds go into
    ``kinds``."""
    entity, superior, formal, based_entity, based_org = [], [], [], [], []
    for row in rows:
        code = codes.setdefault(row["id"], len(codes))
        for subject in row["subjects"]:
            if subject["via"] is not None:
                based_entity.append(code)
                based_org.append(codes.setdefault(subject["via"], len(codes)))
            for line in subject["lines"]:
                entity.append(code)
                superior.append(reached := codes.setdefault(line["id"], len(codes)))
                formal.append(line["relation"] == AFFILIATION)
                kinds[reached] = line["kind"]
    return _RowLines(
        np.array(entity, dtype=np.int64),
        np.array(superior, dtype=np.int64),
        np.array(formal, dtype=bool),
        np.array(based_entity, dtype=np.int64),
        np.array(based_org, dtype=np.int64),
    )


def _counted_rows(
    rows: Rows, codes: dict[str, int], kinds: dict[int, str]
) -> tuple[SuperiorCounts, tuple[Ints, Ints]]:
    """:func:`count_superiors` over the Cypher's rows (:func:`_row_lines`), and the
    (enterprise, organization based in it) pairs."""
    lines = _row_lines(rows, codes, kinds)
    return count_superiors(len(codes), *lines), (lines.based_entity, lines.based_org)


class PairsOnDays(NamedTuple):
    """Every entity's superiors on each of two days (:func:`superior_pairs_on`): what
    ``diff`` compares. Keys are ``entity * size + superior`` over codes below ``size``."""

    size: int
    pairs: DayPairs
    #: the (enterprise, organization based in it) pairs on either day
    based: tuple[Ints, Ints]
    #: entity code → its label (Enterprise or PartyOrg), None for a code of no entity
    label_of: Callable[[int], str | None]


def superior_pairs_on(
    view: CypherView | GraphView, days: tuple[date, date], codes: dict[str, int], size: int
) -> PairsOnDays:
    """The superiors of every active enterprise and Party organization on two days at once,
    by the one definition ``superiors`` and ``overlaps`` use (:func:`count_on_days`).

    On the embedded store the codes are node indexes, and ``size`` the columns' length;
    over Cypher, ids get codes in ``codes``, and the size is theirs."""
    if is_graph_view(view):
        graph = cast(GraphView, view)
        with graph.reading_graph():
            columns = graph.columns()
            entity, superior, formal, held, host, org, host_days = _lines_on(
                columns, days, SUBJECT_LABELS
            )
            size = max(size, len(columns))
            found = count_on_days(size, entity, superior, formal, held, host, org, host_days)
            names, label = columns.labels.names, columns.label

            def label_of(code: int) -> str | None:
                return names[label[code]] if code < len(columns) else None

            return PairsOnDays(size, found, (host, org), label_of)
    cypher = cast(CypherView, view)
    read, labels = [], {}
    for on in days:
        rows = cypher.read_rows(OVERLAPS_CYPHER, as_of=on, label=None, min=1)
        read.append(_row_lines(rows, codes, {}))
        labels.update({codes[row["id"]]: row["label"] for row in rows})
    size = max(size, len(codes))

    def day_mask(count: int, bit: int) -> npt.NDArray[np.uint8]:
        return np.full(count, 1 << bit, dtype=np.uint8)

    found = count_on_days(
        size,
        np.concatenate([r.entity for r in read]),
        np.concatenate([r.superior for r in read]),
        np.concatenate([r.formal for r in read]),
        np.concatenate([day_mask(len(r.entity), bit) for bit, r in enumerate(read)]),
        np.concatenate([r.based_entity for r in read]),
        np.concatenate([r.based_org for r in read]),
        np.concatenate([day_mask(len(r.based_org), bit) for bit, r in enumerate(read)]),
    )
    based = (
        np.concatenate([r.based_entity for r in read]),
        np.concatenate([r.based_org for r in read]),
    )
    return PairsOnDays(size, found, based, lambda code: labels.get(code))


# Per-node subqueries keep every aggregation small: the sizes are counted per supervisor,
# and the pairs per target before they are counted per pair (ArcadeDB limits the heap a
# query's GROUP BY may hold).
PAIRS_CYPHER = f"""
MATCH (a:{NODE_LABEL})
WHERE (a:Body OR a:PartyOrg) AND {cypher_active("a")}
CALL (a) {{
  MATCH (a)-[r:SUPERVISES]->(t:{NODE_LABEL})
  WHERE {cypher_active("r")} AND {cypher_active("t")}
  RETURN count(DISTINCT t) AS n
}}
WITH a, n WHERE n > 0
RETURN 'supervisor' AS row, a.id AS id, a.name AS name, a.kind AS kind, n, null AS other_id
UNION ALL
MATCH (t:{NODE_LABEL})
WHERE (t:Enterprise OR t:PartyOrg) AND {cypher_active("t")}
CALL (t) {{
  MATCH (t)<-[r:SUPERVISES]-(a:{NODE_LABEL})
  WHERE {cypher_active("r")} AND {cypher_active("a")}
  RETURN collect(DISTINCT a.id) AS sources
}}
WITH sources WHERE size(sources) > 1
UNWIND sources AS a_id
UNWIND sources AS b_id
WITH a_id, b_id WHERE a_id < b_id
WITH a_id, b_id, count(*) AS shared
WHERE shared >= $min
RETURN 'pair' AS row, a_id AS id, null AS name, null AS kind, shared AS n, b_id AS other_id
"""


def _pairs_from_rows(
    view: CypherView, rows: Rows, params: OverlapPairsParams
) -> OverlapPairsResult:
    supervisors = {
        r["id"]: {"name": r["name"], "kind": r["kind"], "size": r["n"]}
        for r in rows
        if r["row"] == "supervisor"
    }
    pairs = ((r["id"], r["other_id"], r["n"]) for r in rows if r["row"] == "pair")
    return _pairs_result(supervisors, pairs, params)


OVERLAPS: NamedQuery[OverlapsParams, OverlapsResult] = NamedQuery(
    name="overlaps",
    title="Overlapping parents-in-law",
    description="Active enterprises and Party organizations ranked by how many distinct "
    "bodies and organizations they answer to on a day (formal superiors and supervisors, as "
    "in 'superiors'; for an enterprise, also those of the organizations based in it), "
    "keeping those with at least 'min'; with the formal and supervising counts and the "
    "kinds of the supervisors. Most first.",
    params=OverlapsParams,
    result=OverlapsResult,
    route=Route("/analysis/overlaps", "analysis"),
    cypher=OVERLAPS_CYPHER,
    from_rows=_overlaps_from_rows,
    over_graph=_overlaps_over_graph,
    examples=(
        {"as_of": "2023-06-01", "min": "1"},
        {"as_of": "2023-06-01", "label": "Enterprise"},
    ),
    listing=Listing(
        title="Parents-in-law: who answers to the most bodies",
        columns=(
            Column("name", "id", link="always", name="name"),
            Column("label", "label", terms="labels"),
            Column("kind", "kind", terms="kinds"),
            Column("superiors", "superiors"),
            Column("formal", "formal"),
            Column("supervising", "supervising"),
            Column("body kinds", "body_kinds", terms="kinds"),
        ),
        opens=(Opens("superiors"),),
        filter="min",
    ),
)

OVERLAP_PAIRS: NamedQuery[OverlapPairsParams, OverlapPairsResult] = NamedQuery(
    name="overlap_pairs",
    title="Overlapping supervisors",
    description="Pairs of supervising bodies or organizations (active SUPERVISES lines) that "
    "supervise the same active entities directly on a day: how many they share (at least "
    "'min') and the Jaccard index (shared / supervised by either). Largest overlap first.",
    params=OverlapPairsParams,
    result=OverlapPairsResult,
    route=Route("/analysis/overlap-pairs", "analysis"),
    cypher=PAIRS_CYPHER,
    from_rows=_pairs_from_rows,
    over_graph=_pairs_over_graph,
    examples=({"as_of": "2023-06-01"}, {"as_of": "2023-06-01", "min": "2"}),
)
