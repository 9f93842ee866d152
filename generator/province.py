"""A synthetic province in the canonical CSV format: ``affgraph generate``.

Shape (for N requested nodes; see :class:`Plan`)::

    province ─ 2…14 cities ─ counties/districts (≈ N / 8000, ≥ one per city)
        county: committee, bodies (parents-in-law), sector committees, leading groups,
                2…40 streets or townships (≈ 600 nodes each) with communities or villages,
                grids and their Party organizations; an industrial park now and then
        zone:   enterprises until the zone's node budget is spent (≈ 1.6 nodes each:
                the enterprise, and for some an organization tree or a joint branch)
    SASAC:  provincial and city commissions and Party committees, groups, platform companies;
            subsidiaries registered in the counties' streets

Everything is written as it is made (:class:`generator.sink.Sink`); what is kept is the
province, its cities and groups, and the one county being written. One ``random.Random(seed)``
drives every decision in a fixed order, so a seed gives byte-identical files.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from random import Random

from generator.county import body_ref, build_county
from generator.dates import SASAC_FOUNDED, YEAR, day
from generator.enterprises import Filler
from generator.lines import AFF, BASED, LOC, OWNS, SUCC, Gen, Sup
from generator.model import BodyRef, City, Group, Province, Zone
from generator.names import INDUSTRIES, TRADE_NAMES
from generator.sink import Sink
from generator.special import SPECIALS

__all__ = [
    "MIN_NODES",
    "PROVINCE_CODES",
    "SOURCE_ID",
    "GenerationSummary",
    "Plan",
    "generate_province",
]

SOURCE_ID = "synthetic"
#: Province codes ``--province`` takes (the first two digits of China's division codes are 11–82;
#: 99, used when none is given, is no real province).
PROVINCE_CODES = range(10, 100)
#: Below this the fixed structure (cities, SASAC, county organs) would be most of the data.
MIN_NODES = 1000

#: Rare cases: one per this many requested nodes, and at least the minimum.
QUOTAS: dict[str, tuple[int, int]] = {
    "cycle": (400_000, 2),
    "overlap": (40_000, 3),
    "no_affiliation": (20_000, 3),
    "host_dissolved": (15_000, 3),
    "left_behind": (25_000, 3),
    "pipe": (100_000, 2),
    "pharma": (100_000, 2),
    "state_outside": (50_000, 3),
    "stripped_moved": (20_000, 3),
    "stripped_orphan": (20_000, 3),
    "split": (200_000, 2),
    "street_merger": (25_000, 2),
}

_SASAC_REASON = "国资委成立，企业党组织划转国资委党委 / moved to the new SASAC Party committee"
_GROUP_MERGER = "集团合并重组 / groups merged"


@dataclass(frozen=True)
class Plan:
    """How the province scales with the number of nodes asked for."""

    nodes: int
    cities: int
    #: counties of each city
    counties: tuple[int, ...]
    province_groups: int
    city_groups: int

    @classmethod
    def for_nodes(cls, nodes: int) -> Plan:
        cities = min(14, max(2, int(nodes**0.2)))
        total = min(cities * 12, max(cities, round(nodes / 8000)))
        counties = tuple(total // cities + (1 if i < total % cities else 0) for i in range(cities))
        return cls(
            nodes,
            cities,
            counties,
            min(40, max(3, nodes // 40_000)),
            min(8, max(1, nodes // 150_000)),
        )

    @property
    def total_counties(self) -> int:
        return sum(self.counties)

    def quota(self, name: str, county: int) -> int:
        """County number ``county``'s (0-based, province-wide) share of a rare case."""
        per, least = QUOTAS[name]
        total = max(least, self.nodes // per)
        k = self.total_counties
        return total * (county + 1) // k - total * county // k


@dataclass(frozen=True)
class GenerationSummary:
    """What one generation wrote."""

    folder: Path
    files: dict[str, Path]
    nodes: dict[tuple[str, str], int]
    edges: dict[tuple[str, str], int]
    transfers: dict[str, int]
    sources: int
    phenomena: dict[str, int]
    seconds: float
    plan: Plan
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def node_count(self) -> int:
        return sum(self.nodes.values())

    @property
    def edge_count(self) -> int:
        return sum(self.edges.values())

    def by_label(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for (label, _), n in self.nodes.items():
            out[label] += n
        return out

    def by_type(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for (rel, _), n in self.edges.items():
            out[rel] += n
        return out


# -- the province, its cities and the SASAC system ------------------------------------------


def _trade(rng: Random) -> tuple[str, str]:
    return TRADE_NAMES[int(rng.random() * len(TRADE_NAMES))]


def _group(
    gen: Gen,
    owner: str,
    owner_committee: Sup,
    root: Sup,
    prefix: tuple[str, str],
    hq: str,
    vf: int,
    merge: tuple[int, Group] | None = None,
) -> Group:
    """A state-owned group: enterprise, owner's share, Party committee and office branches."""
    out, rng = gen.out, gen.rng
    trade = _trade(rng)
    industry = INDUSTRIES[int(rng.random() * len(INDUSTRIES))]
    zh = f"{prefix[0]}{trade[0]}{industry.zh}集团有限公司"
    en = f"{prefix[1]} {trade[1]} {industry.en} Group Co., Ltd."
    vt = merge[0] if merge else None
    equity = 100.0 if rng.random() < 0.8 else round(51 + 48 * rng.random(), 1)
    ent = out.enterprise(
        "soe",
        zh,
        en,
        vf,
        vt,
        3000 + int(rng.lognormvariate(8, 0.8)),
        equity,
        gen.uscc(f"{gen.province_code}0000"),
    )
    out.edge(LOC, ent, hq, "registered", vf, vt)
    owned_from = max(vf, owner_committee.vf or vf)
    out.edge(OWNS, owner, ent, None, owned_from, vt, equity)
    cvf = vf + int(rng.random() * YEAR)
    committee = out.org(
        "committee",
        f"中共{zh}委员会",
        f"{en} Party Committee",
        cvf,
        vt,
        80 + int(rng.random() * 300),
    )
    out.edge(BASED, committee, ent, None, cvf, vt)
    sasac_from = owner_committee.vf or cvf
    if cvf < sasac_from and (vt is None or sasac_from < vt):
        out.edge(AFF, committee, root.id, "direct", cvf, sasac_from)
        out.edge(AFF, committee, owner_committee.id, "system", sasac_from, vt)
        out.transfer(
            committee,
            "transferred",
            sasac_from,
            old=root.id,
            proposed_to=owner_committee.id,
            proposed_by=root.id,
            decided_to=owner_committee.id,
            reason=_SASAC_REASON,
        )
    else:
        out.edge(AFF, committee, owner_committee.id, "system", max(cvf, sasac_from), vt)
    sup = Sup(committee, cvf)
    for k in range(1, 3 + int(rng.random() * 3)):
        b = out.org(
            "branch",
            f"中共{zh}机关第{k}支部委员会",
            f"{en} Head Office Party Branch {k}",
            cvf,
            vt,
            10 + int(rng.random() * 40),
        )
        out.edge(BASED, b, ent, None, cvf, vt)
        out.edge(AFF, b, committee, "system", cvf, vt)
    group = Group(ent, vf, vt, sup, trade)
    if merge is not None:
        when, successor = merge
        out.edge(SUCC, successor.ent, ent, "merger", when)
        out.edge(SUCC, successor.committee.id, committee, "merger", when)
        group.successor = successor
        group.committee = Sup(
            committee, cvf, when, successor.committee, 0.85, _GROUP_MERGER, owner_committee.id
        )
        gen.stats["SASAC groups merged"] += 1
    return group


def _platform(
    gen: Gen, owner: str, owner_committee: Sup, names: tuple[str, str], hq: str, vf: int
) -> Group:
    """A state capital investment and operation company (a platform company)."""
    out, rng = gen.out, gen.rng
    ent = out.enterprise(
        "soe",
        names[0],
        names[1],
        vf,
        None,
        200 + int(rng.random() * 800),
        100.0,
        gen.uscc(f"{gen.province_code}0000"),
    )
    out.edge(LOC, ent, hq, "registered", vf)
    out.edge(OWNS, owner, ent, None, vf, None, 100.0)
    cvf = vf + 30 + int(rng.random() * 180)
    committee = out.org(
        "committee",
        f"中共{names[0]}委员会",
        f"{names[1]} Party Committee",
        cvf,
        None,
        40 + int(rng.random() * 100),
    )
    out.edge(BASED, committee, ent, None, cvf)
    out.edge(AFF, committee, owner_committee.id, "system", cvf)
    return Group(ent, vf, None, Sup(committee, cvf), ("国资", "State Capital"))


def _sasac(gen: Gen, zh: str, en: str, area: str, superior: Sup, vf: int) -> tuple[str, Sup]:
    out, rng = gen.out, gen.rng
    body = out.body("sasac", f"{zh}人民政府国有资产监督管理委员会", f"{en} SASAC", vf)
    out.edge(LOC, body, area, "registered", vf)
    committee = out.org(
        "committee",
        f"中共{zh}人民政府国有资产监督管理委员会委员会",
        f"{en} SASAC Party Committee",
        vf,
        None,
        60 + int(rng.random() * 120),
    )
    out.edge(BASED, committee, body, None, vf)
    out.edge(AFF, committee, superior.id, "direct", vf)
    return body, Sup(committee, vf)


def _groups(
    gen: Gen,
    count: int,
    owner: str,
    owner_committee: Sup,
    root: Sup,
    prefix: tuple[str, str],
    hq: str,
) -> list[Group]:
    """``count`` groups; about one in ten (at least one of three or more) merged into the
    first, which is never merged itself."""
    rng = gen.rng
    merges = max(1, count // 10) if count >= 3 else 0
    merged = set(rng.sample(range(1, count), merges)) if merges else set()
    groups: list[Group] = []
    for i in range(count):
        vf = day(1995) + int(rng.random() * 15 * YEAR)
        merge = None
        if i in merged:
            first = groups[0]
            when = gen.between(
                max(vf + 3 * YEAR, (first.committee.vf or vf) + 3 * YEAR, day(2008)), day(2023)
            )
            merge = (when, first)
        groups.append(_group(gen, owner, owner_committee, root, prefix, hq, vf, merge))
    return groups


def _city_bodies(gen: Gen, zh: str, en: str, area: str) -> list[BodyRef]:
    out = gen.out
    refs = []
    for kind, suffix_zh, suffix_en in (
        ("organization_dept", "委组织部", "Party Committee Organization Department"),
        ("united_front_dept", "委统战部", "Party Committee United Front Work Department"),
        ("federation_industry_commerce", "工商业联合会", "Federation of Industry and Commerce"),
    ):
        body = out.body(kind, f"{zh}{suffix_zh}", f"{en} {suffix_en}")
        out.edge(LOC, body, area, "registered")
        refs.append(body_ref(body, kind, None))
    return refs


def build_province(gen: Gen, plan: Plan) -> Province:
    """The province, its cities, their committees, bodies and SASAC systems."""
    out, rng = gen.out, gen.rng
    area = out.area("province", "示例省", "Sample Province")
    root_id = out.org(
        "local_committee", "中共示例省委员会", "CPC Sample Province Committee", None, None, None
    )
    out.edge(BASED, root_id, area, None)
    root = Sup(root_id)
    province_bodies = _city_bodies(gen, "示例省", "Sample Province", area)
    cities: list[tuple[int, str, str, str, Sup]] = []
    for i in range(1, plan.cities + 1):
        zh, en = f"示例{i}市", f"Sample City {i}"
        c_area = out.area("city", zh, en)
        out.edge(LOC, c_area, area, "part_of")
        city_committee = out.org(
            "local_committee", f"中共{zh}委员会", f"CPC {en} Committee", None, None, None
        )
        out.edge(AFF, city_committee, root_id, "territorial")
        out.edge(BASED, city_committee, c_area, None)
        cities.append((i, zh, en, c_area, Sup(city_committee)))
    capital = cities[0][3]
    sasac, sasac_committee = _sasac(gen, "示例省", "Sample Province", area, root, SASAC_FOUNDED)
    platforms = [
        _platform(
            gen, sasac, sasac_committee, names, capital, day(2015) + int(rng.random() * 3 * YEAR)
        )
        for names in (
            ("示例省国有资本投资有限公司", "Sample Province State Capital Investment Co., Ltd."),
            ("示例省国有资本运营有限公司", "Sample Province State Capital Operation Co., Ltd."),
        )
    ]
    groups = _groups(
        gen,
        plan.province_groups,
        sasac,
        sasac_committee,
        root,
        ("示例省", "Sample Province"),
        capital,
    )
    province = Province(area, root, sasac, sasac_committee, platforms, groups)
    for (i, zh, en, c_area, committee), counties in zip(cities, plan.counties, strict=True):
        c_sasac, c_committee = _sasac(
            gen, zh, en, c_area, committee, SASAC_FOUNDED + int(rng.random() * 1.5 * YEAR)
        )
        platform = _platform(
            gen,
            c_sasac,
            c_committee,
            (
                f"{zh}国有资本投资运营有限公司",
                f"{en} State Capital Investment and Operation Co., Ltd.",
            ),
            c_area,
            day(2016) + int(rng.random() * 4 * YEAR),
        )
        c_groups = _groups(gen, plan.city_groups, c_sasac, c_committee, committee, (zh, en), c_area)
        ivf = day(1995) + int(rng.random() * 10 * YEAR)
        invest = out.body(
            "investment_promotion", f"{zh}投资促进局", f"{en} Investment Promotion Bureau", ivf
        )
        out.edge(LOC, invest, c_area, "registered", ivf)
        icvf = ivf + int(rng.random() * 2 * YEAR)
        i_committee = out.org(
            "committee",
            f"中共{zh}投资促进局委员会",
            f"{en} Investment Promotion Bureau Party Committee",
            icvf,
            None,
            30 + int(rng.random() * 60),
        )
        out.edge(BASED, i_committee, invest, None, icvf)
        out.edge(AFF, i_committee, committee.id, "direct", icvf)
        province.cities.append(
            City(
                i,
                c_area,
                zh,
                en,
                committee,
                counties,
                c_sasac,
                c_committee,
                platform,
                c_groups,
                Sup(i_committee, icvf),
                body_ref(invest, "investment_promotion", ivf),
                [*_city_bodies(gen, zh, en, c_area), *province_bodies],
            )
        )
    return province


# -- counties --------------------------------------------------------------------------------


def _specials(
    gen: Gen, plan: Plan, county_no: int, zones: list[Zone]
) -> dict[int, list[Callable[[Filler, Zone], None]]]:
    """The rare cases of this county, each placed in a random living street."""
    streets = [i for i, z in enumerate(zones) if not z.park and z.merge_day is None]
    placed: dict[int, list[Callable[[Filler, Zone], None]]] = {}
    for name, special in SPECIALS.items():
        for _ in range(plan.quota(name, county_no)):
            index = streets[int(gen.rng.random() * len(streets))]
            placed.setdefault(index, []).append(special)
    return placed


def _write_county(
    gen: Gen, plan: Plan, province: Province, city: City, number: int, county_no: int
) -> None:
    out = gen.out
    remaining = plan.nodes - out.total_nodes
    budget = max(200, remaining // (plan.total_counties - county_no))
    start = out.total_nodes
    district = number <= max(1, round(city.counties * 0.45))
    county = build_county(
        gen,
        city,
        number,
        district,
        budget,
        [*province.groups, *city.groups],
        plan.quota("street_merger", county_no),
    )
    spent = out.total_nodes - start
    zones = county.zones
    weights = [1.5 if z.park else 1.0 for z in zones]
    total_weight = sum(weights)
    left = max(0, budget - spent)
    targets = []
    acc = 0.0
    for zone, weight in zip(zones, weights, strict=True):
        acc += weight
        targets.append((zone, out.total_nodes + round(left * acc / total_weight)))
    Filler(gen, province, county).fill(targets, _specials(gen, plan, county_no, zones))


def generate_province(
    folder: Path, nodes: int = 10_000, seed: int = 1, province: int | None = None
) -> GenerationSummary:
    """Write a synthetic province of about ``nodes`` nodes into ``folder``.

    ``sources.csv``, ``nodes.csv``, ``edges.csv`` and ``transfers.csv`` (canonical CSV). The
    same seed gives byte-identical files. ``province`` (a code in :data:`PROVINCE_CODES`)
    puts every id and the source in a namespace of its own (``p12-o-000001``) and makes the
    division codes (and so the USCCs) start with it, so that provinces generated apart load
    into one store side by side. Raises :class:`ValueError` for fewer than
    :data:`MIN_NODES` nodes or a code outside :data:`PROVINCE_CODES`.
    """
    if nodes < MIN_NODES:
        raise ValueError(f"expected at least {MIN_NODES} nodes, got {nodes}")
    if province is not None and province not in PROVINCE_CODES:
        raise ValueError(
            f"expected a province code from {PROVINCE_CODES.start} to "
            f"{PROVINCE_CODES.stop - 1}, got {province}"
        )
    started = time.perf_counter()
    plan = Plan.for_nodes(nodes)
    code = "99" if province is None else f"{province:02d}"
    namespace = "" if province is None else f"p{code}-"
    source_id = SOURCE_ID if province is None else f"{namespace}{SOURCE_ID}"
    title = f"affgraph synthetic province{'' if province is None else ' ' + code}, seed {seed}, "
    with Sink(folder, source_id, namespace) as out:
        out.source_record(source_id, f"{title}{nodes} nodes", "affgraph", "zh")
        gen = Gen(Random(seed), out, code)
        built = build_province(gen, plan)
        county_no = 0
        for city in built.cities:
            for number in range(1, city.counties + 1):
                _write_county(gen, plan, built, city, number, county_no)
                county_no += 1
    rows = {
        "source": out.sources,
        "node": out.total_nodes,
        "edge": sum(out.edges.values()),
        "transfer": sum(out.transfers.values()),
    }
    return GenerationSummary(
        folder,
        dict(out.paths),
        dict(out.nodes),
        dict(out.edges),
        dict(out.transfers),
        out.sources,
        dict(sorted(gen.stats.items())),
        time.perf_counter() - started,
        plan,
        rows,
    )
