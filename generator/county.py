"""One county: its committee, bodies, streets or townships, communities, grids and parks.

The county's own structure is written first (a few hundred nodes at most); then
:class:`generator.enterprises.Filler` writes its enterprises zone by zone.
"""

from __future__ import annotations

from random import Random

from generator.dates import END, START, YEAR, day
from generator.lines import AFF, BASED, LOC, SUCC, Gen, Sup
from generator.model import BodyRef, City, County, Group, Zone
from generator.names import BODY_NAMES, CHAMBERS, INDUSTRIES, county_names, zone_names

__all__ = ["BODY_LINES", "build_county", "zone_budget"]

#: The SUPERVISES kinds each kind of body draws, and whether it supervises the enterprise's
#: Party organization (Party organs) or the enterprise itself (government and mass bodies).
BODY_LINES: dict[str, tuple[tuple[str, ...], bool]] = {
    "organization_dept": (("guidance", "evaluation", "inspection"), True),
    "united_front_dept": (("guidance", "coordination"), True),
    "propaganda_dept": (("guidance",), True),
    "social_work_dept": (("guidance", "evaluation"), True),
    "npe_party_office": (("guidance", "evaluation"), True),
    "industry_commerce": (("registration", "inspection"), False),
    "federation_industry_commerce": (("coordination", "guidance"), False),
    "union": (("guidance", "coordination"), False),
    "youth_league": (("guidance",), False),
    "womens_federation": (("guidance",), False),
    "trade_association": (("coordination", "evaluation"), False),
    "chamber_of_commerce": (("coordination",), False),
    "investment_promotion": (("guidance", "coordination"), False),
    "government": (("guidance", "coordination"), False),
}

_MERGE_REASON = "街道合并，党组织关系随之划转 / streets merged: organizations moved with them"


def body_ref(body_id: str, kind: str, vf: int | None) -> BodyRef:
    kinds, to_org = BODY_LINES[kind]
    return BodyRef(body_id, vf, kinds, to_org)


def _body_start(kind: str, rng: Random) -> int | None:
    if kind == "npe_party_office":
        return day(2012, 6) + int(rng.random() * 4 * YEAR)
    if kind == "social_work_dept":
        return day(2023, 6) + int(rng.random() * YEAR)
    return None


def zone_budget(budget: int, streets: int, parks: int) -> int:
    """Nodes of one street (a park counts one and a half)."""
    return max(1, int(budget / (streets + 1.5 * parks)))


def _bodies(gen: Gen, county: County) -> None:
    """The county's supervising bodies, sector committees and leading groups."""
    out, rng = gen.out, gen.rng
    zh, en, area, committee = county.zh, county.en, county.area, county.committee.id
    for kind, (suffix_zh, suffix_en) in BODY_NAMES.items():
        vf = _body_start(kind, rng)
        body = out.body(kind, f"{zh}{suffix_zh}", f"{en} {suffix_en}", vf)
        out.edge(LOC, body, area, "registered", vf)
        ref = body_ref(body, kind, vf)
        county.pool.append(ref)
        if kind == "npe_party_office":
            county.npe = ref
        elif kind == "social_work_dept":
            county.social_work = ref
        elif kind == "organization_dept":
            county.org_dept = ref
        elif kind in ("industry_commerce", "federation_industry_commerce"):
            group = out.org(
                "leading_group",
                f"中共{zh}{suffix_zh}党组",
                f"{en} {suffix_en} Leading Party Members' Group",
                None,
                None,
                5 + int(rng.random() * 5),
            )
            out.edge(BASED, group, body, None)
            out.edge(AFF, group, committee, "direct")
    trades = len(county.zones) // 4 + 2
    for ind in rng.sample(range(len(INDUSTRIES)), min(6, trades)):
        industry = INDUSTRIES[ind]
        vf = day(1998) + int(rng.random() * 17 * YEAR)
        body = out.body(
            "trade_association",
            f"{zh}{industry.zh}行业协会",
            f"{en} {industry.en} Industry Association",
            vf,
        )
        out.edge(LOC, body, area, "registered", vf)
        county.pool.append(body_ref(body, "trade_association", vf))
        cvf = vf + int(rng.random() * 3 * YEAR)
        org = out.org(
            "committee",
            f"中共{zh}{industry.zh}行业协会委员会",
            f"{en} {industry.en} Industry Association Party Committee",
            cvf,
            None,
            10 + int(rng.random() * 30),
        )
        out.edge(BASED, org, body, None, cvf)
        out.edge(AFF, org, committee, "sector", cvf)
        county.sector[ind] = Sup(org, cvf)
    for c_zh, c_en in rng.sample(CHAMBERS, min(len(CHAMBERS), 1 + len(county.zones) // 8)):
        vf = day(2000) + int(rng.random() * 20 * YEAR)
        body = out.body("chamber_of_commerce", f"{zh}{c_zh}", f"{en} {c_en}", vf)
        out.edge(LOC, body, area, "registered", vf)
        county.pool.append(body_ref(body, "chamber_of_commerce", vf))


def _community_org(gen: Gen, area: str, zh: str, en: str, sup: Sup) -> Sup:
    out, rng = gen.out, gen.rng
    r = rng.random()
    vf = day(1990) + int(rng.random() * 22 * YEAR)
    if r < 0.3:
        org = out.org(
            "committee",
            f"中共{zh}委员会",
            f"{en} Party Committee",
            vf,
            None,
            100 + int(rng.random() * 500),
        )
    elif r < 0.6:
        org = out.org(
            "general_branch",
            f"中共{zh}总支部委员会",
            f"{en} General Party Branch",
            vf,
            None,
            50 + int(rng.random() * 50),
        )
    else:
        org = out.org(
            "branch",
            f"中共{zh}支部委员会",
            f"{en} Party Branch",
            vf,
            None,
            10 + int(rng.random() * 40),
        )
    out.edge(BASED, org, area, None, vf)
    gen.affiliate(org, vf, None, sup, "territorial")
    return Sup(org, vf)


def _street(
    gen: Gen, county: County, kind: str, number: int, communities: int, merge_into: Zone | None
) -> Zone:
    """A street or township with its committee, communities or villages, and grids."""
    out, rng = gen.out, gen.rng
    zh, en = zone_names(county.zh, county.en, kind, number)
    merge = gen.between(day(2005), day(2022)) if merge_into is not None else None
    area = out.area(kind, zh, en, None, merge)
    out.edge(LOC, area, county.area, "part_of", None, merge)
    members = 20 + int(rng.random() * 100)
    if kind == "street":
        wc = out.org(
            "work_committee",
            f"中共{zh}工作委员会",
            f"{en} Party Work Committee",
            None,
            merge,
            members,
        )
    else:
        wc = out.org("committee", f"中共{zh}委员会", f"{en} Party Committee", None, merge, members)
    out.edge(AFF, wc, county.committee.id, "territorial", None, merge)
    out.edge(BASED, wc, area, None, None, merge)
    sup = Sup(wc)
    instructor = sup
    if merge_into is not None and merge is not None:
        out.edge(SUCC, merge_into.sup.id, wc, "merger", merge)
        sup = Sup(wc, None, merge, merge_into.sup, 0.75, _MERGE_REASON, county.committee.id)
        instructor = merge_into.sup
        gen.stats["streets merged"] += 1
    zone = Zone(
        kind,
        number,
        area,
        zh,
        en,
        sup,
        instructor,
        [],
        [],
        START,
        (merge - 30) if merge is not None else END - 60,
        merge,
        merge_into,
    )
    unit, unit_en = ("社区", "Community") if kind == "street" else ("村", "Village")
    for m in range(1, communities + 1):
        c_zh, c_en = f"{zh}第{m}{unit}", f"{en} {unit_en} {m}"
        c_area = out.area("community" if kind == "street" else "village", c_zh, c_en)
        if merge_into is not None and merge is not None:
            out.edge(LOC, c_area, area, "part_of", None, merge)
            out.edge(LOC, c_area, merge_into.area, "part_of", merge)
        else:
            out.edge(LOC, c_area, area, "part_of")
        zone.communities.append(_community_org(gen, c_area, c_zh, c_en, sup))
        for g in range(1, 2 + int(rng.random() * 4)):
            grid = out.area("grid", f"{c_zh}第{g}网格", f"{c_en} Grid {g}")
            out.edge(LOC, grid, c_area, "part_of")
            zone.grids.append(grid)
    return zone


def _park(gen: Gen, county: County, number: int) -> Zone:
    """An industrial park, its management committee and comprehensive Party committee."""
    out, rng = gen.out, gen.rng
    zh, en = zone_names(county.zh, county.en, "park", number)
    vf = day(1992) + int(rng.random() * 20 * YEAR)
    area = out.area("park", zh, en, vf)
    out.edge(LOC, area, county.area, "part_of", vf)
    body = out.body("government", f"{zh}管理委员会", f"{en} Management Committee", vf)
    out.edge(LOC, body, area, "registered", vf)
    cvf = vf + int(rng.random() * 3 * YEAR)
    org = out.org(
        "comprehensive_committee",
        f"中共{zh}综合委员会",
        f"{en} Comprehensive Party Committee",
        cvf,
        None,
        20 + int(rng.random() * 60),
    )
    out.edge(BASED, org, area, None, cvf)
    out.edge(AFF, org, county.committee.id, "territorial", cvf)
    sup = Sup(org, cvf)
    return Zone(
        "park",
        number,
        area,
        zh,
        en,
        sup,
        sup,
        [],
        [],
        cvf + 1,
        END - 60,
        park_body=body_ref(body, "government", vf),
    )


def build_county(
    gen: Gen, city: City, number: int, district: bool, budget: int, groups: list[Group], merges: int
) -> County:
    """Write a county's own structure; its zones are returned empty of enterprises."""
    out, rng = gen.out, gen.rng
    zh, en = county_names(city.index, number, district)
    area = out.area("county", zh, en)
    out.edge(LOC, area, city.area, "part_of")
    committee = out.org(
        "local_committee", f"中共{zh}委员会", f"CPC {en} Committee", None, None, None
    )
    out.edge(AFF, committee, city.committee.id, "territorial")
    out.edge(BASED, committee, area, None)
    placeholder = BodyRef("", None, (), False)
    streets = min(40, max(2, round(budget / 600)))
    parks = 0
    if budget >= 500 and rng.random() < 0.5:
        parks = 2 if budget >= 4000 and rng.random() < 0.3 else 1
    division = f"{gen.province_code}{city.index:02d}{number:02d}"
    county = County(
        city,
        number,
        area,
        zh,
        en,
        Sup(committee),
        division,
        placeholder,
        placeholder,
        placeholder,
        [],
        {},
        [],
        groups,
    )
    per_zone = zone_budget(budget, streets, parks)
    communities = min(30, max(1, round(per_zone / 70)))
    merged = set(rng.sample(range(1, streets), min(merges, streets - 1)))
    town_from = streets if district else max(1, round(streets * 0.3))
    for i in range(streets):
        kind = "street" if i < town_from else "township"
        county.zones.append(
            _street(gen, county, kind, i + 1, communities, county.zones[0] if i in merged else None)
        )
    for p in range(parks):
        county.zones.append(_park(gen, county, p + 1))
    _bodies(gen, county)
    return county
