"""Enterprises of one county, their Party organizations, coverage and parents-in-law.

:class:`Filler` writes a county's enterprises zone by zone until the zone's node budget is
spent. An ordinary enterprise gets, in this order of decisions: kind, head count (log-normal:
many small, few large), founding and perhaps dissolution dates, a registered location, its
coverage (an organization of its own, a place in a joint branch, an instructor only, or
nothing — calibrated on the 50-employee target of the 2012 Opinions), the superior of its
organization, and a skewed number of supervising bodies. Now and then it is renamed, split,
absorbed by a neighbour, or its organization is upgraded or downgraded, which writes
SUCCEEDS lines and contiguous affiliation lines.

Every decision is drawn before the rows it affects are written, so each row is written once.
"""

from __future__ import annotations

from collections.abc import Callable

from generator.dates import END, OPINIONS_2012, START, YEAR
from generator.lines import AFF, BASED, LOC, OWNS, SUCC, SUP, Gen, Sup
from generator.model import BodyRef, County, Group, Live, Province, Zone
from generator.names import INDUSTRIES, PROJECTS, TRADE_NAMES, Industry

__all__ = ["Filler", "Head"]

#: An organization that needs a superior: (id, valid_from, valid_to).
Head = tuple[str, int, int | None]


def _table(weights: dict[str, int]) -> tuple[str, ...]:
    return tuple(k for k, w in weights.items() for _ in range(w))


def _counts(weights: list[int]) -> tuple[int, ...]:
    return tuple(k for k, w in enumerate(weights) for _ in range(w))


_KINDS = {
    "street": _table(
        {"private": 84, "foreign": 3, "hmt": 3, "joint_venture": 3, "collective": 4, "mixed": 3}
    ),
    "township": _table(
        {"private": 82, "foreign": 1, "hmt": 2, "joint_venture": 1, "collective": 12, "mixed": 2}
    ),
    "park": _table(
        {"private": 68, "foreign": 11, "hmt": 8, "joint_venture": 9, "collective": 1, "mixed": 3}
    ),
}
_FOREIGN = frozenset({"foreign", "hmt", "joint_venture"})
_FORMS = {
    "private": ("有限公司", "Co., Ltd."),
    "collective": ("厂", "Works"),
    "foreign": ("（中国）有限公司", "(China) Co., Ltd."),
    "hmt": ("有限公司", "Co., Ltd."),
    "joint_venture": ("有限公司", "Co., Ltd."),
    "mixed": ("股份有限公司", "Joint Stock Co., Ltd."),
    "soe": ("有限公司", "Co., Ltd."),
}
#: How many supervising bodies an enterprise answers to, by size (lookup tables of 100).
_K_SMALL = _counts([45, 27, 14, 7, 4, 2, 1])
_K_LARGE = _counts([8, 14, 20, 20, 15, 10, 6, 4, 3])
_K_HUGE = _counts([2, 5, 10, 15, 18, 18, 14, 10, 8])
#: Coverage thresholds (own organization, joint branch, instructor) by size.
_COVER_LARGE = (0.76, 0.82, 0.95)
_COVER_MID = (0.18, 0.42, 0.62)
_COVER_SMALL = (0.03, 0.14, 0.24)

_N_TRADE = len(TRADE_NAMES)
_N_IND = len(INDUSTRIES)

_REASON_DIRECT = (
    "企业规模扩大，改由县级党委直接管理 / grown large: managed directly by the county committee"
)
_REASON_TERRITORIAL = "按属地原则调整隶属关系 / moved under the territorial principle"
_REASON_COMMUNITY = "调整至社区党组织管理 / moved to the community Party organization"
_REASON_DOWNGRADE = "党委改设党总支 / the committee was reorganized into a general branch"


class Filler:
    """Writes the enterprises of one county."""

    def __init__(self, gen: Gen, province: Province, county: County) -> None:
        self.gen = gen
        self.rng = gen.rng
        self.out = gen.out
        self.stats = gen.stats
        self.province = province
        self.county = county
        self.city_zh = county.city.zh
        self.city_en = county.city.en

    # -- the loop ---------------------------------------------------------------------------

    def fill(
        self,
        targets: list[tuple[Zone, int]],
        specials: dict[int, list[Callable[[Filler, Zone], None]]],
    ) -> None:
        """Fill each zone until the store holds its target number of nodes."""
        out, rng = self.out, self.rng
        for index, (zone, target) in enumerate(targets):
            for special in specials.get(index, ()):
                special(self, zone)
            soe_rate = 0.03 if zone.park else 0.01 if zone.kind == "township" else 0.02
            while out.total_nodes < target:
                if rng.random() < soe_rate and self.county.groups:
                    self.soe(zone)
                else:
                    self.private(zone)
            self.flush_joint(zone, final=True)

    # -- building blocks ------------------------------------------------------------------

    def names(self, kind: str) -> tuple[str, str, str, int]:
        """(Chinese name, English name, short alias, industry index) of a new enterprise."""
        rng = self.rng
        trade_zh, trade_en = TRADE_NAMES[int(rng.random() * _N_TRADE)]
        ind = int(rng.random() * _N_IND)
        industry = INDUSTRIES[ind]
        form_zh, form_en = _FORMS[kind]
        return (
            f"{self.city_zh}{trade_zh}{industry.zh}{form_zh}",
            f"{self.city_en} {trade_en} {industry.en} {form_en}",
            f"{trade_zh}{industry.zh[:2]}",
            ind,
        )

    def enterprise(
        self,
        kind: str,
        zh: str,
        en: str,
        vf: int,
        vt: int | None,
        employees: int,
        *,
        equity: float | None = None,
        alias: str | None = None,
        uscc: str | None = None,
    ) -> str:
        """Write an enterprise node (with a code for most of them)."""
        rng = self.rng
        if uscc is None and rng.random() < (0.95 if vf >= START + 20 * YEAR else 0.6):
            uscc = self.gen.uscc(self.county.division)
        if alias is not None and rng.random() >= 0.15:
            alias = None
        self.county.enterprises += 1
        return self.out.enterprise(kind, zh, en, vf, vt, employees, equity, uscc, alias)

    def locate(self, eid: str, zone: Zone, vf: int, vt: int | None) -> None:
        """Registered in its zone (moving with a merged street), sometimes operating elsewhere."""
        out, rng = self.out, self.rng
        merge = zone.merge_day
        if merge is None or (vt is not None and vt <= merge):
            out.edge(LOC, eid, zone.area, "registered", vf, vt)
        elif vf >= merge:
            out.edge(LOC, eid, zone.current_area, "registered", vf, vt)
        else:
            out.edge(LOC, eid, zone.area, "registered", vf, merge)
            out.edge(LOC, eid, zone.current_area, "registered", merge, vt)
        if rng.random() < 0.06:
            zones = self.county.zones
            other = zones[int(rng.random() * len(zones))]
            if other is not zone and other.merge_day is None:
                start = max(vf, other.found_lo)
                if vt is None or start < vt:
                    out.edge(LOC, eid, other.area, "operating", start, vt)

    def members(self, employees: int, rate: float) -> int:
        """Full Party members of an enterprise organization: at least 3, a few below."""
        rng = self.rng
        m = int(employees * rate)
        if m < 3:
            m = 1 + int(rng.random() * 2) if rng.random() < 0.05 else 3 + int(rng.random() * 6)
            m = min(m, max(1, employees))
        if m < 3:
            self.stats["organizations below 3 members"] += 1
        return m

    def org_start(self, vf: int, vt: int | None) -> int | None:
        """When an enterprise's organization is set up (None: there is no time for one)."""
        limit = (vt if vt is not None else END) - 1
        if limit - vf < 2:
            return None
        start = vf + int(self.rng.expovariate(1 / 800))
        return start if start < limit else vf + (limit - vf) // 2

    def org_tree(
        self, eid: str, zh: str, en: str, m: int, ovf: int, ovt: int | None, *, events: bool = True
    ) -> list[Head]:
        """The organization(s) of an enterprise: main one, branches below, based in it.

        Returns the heads that need a superior: usually the main organization; after an
        upgrade or downgrade the old and the new one (the old ending when the new begins).
        """
        out, rng, gen = self.out, self.rng, self.gen
        room = ovt is None and events and END - ovf > 3 * YEAR
        if m >= 100 or (m >= 50 and rng.random() < 0.4):
            downgrade = room and rng.random() < 0.04
            change = gen.between(ovf + 2 * YEAR, END - 30) if downgrade else None
            end = change if change is not None else ovt
            main = out.org("committee", f"中共{zh}委员会", f"{en} Party Committee", ovf, end, m)
            out.edge(BASED, main, eid, None, ovf, end)
            parent = Sup(main, ovf)
            heads: list[Head] = [(main, ovf, end)]
            if change is not None:
                new = out.org(
                    "general_branch",
                    f"中共{zh}总支部委员会",
                    f"{en} General Party Branch",
                    change,
                    None,
                    max(50, m // 2),
                )
                out.edge(BASED, new, eid, None, change, None)
                out.edge(SUCC, new, main, "reorganization", change)
                parent = Sup(main, ovf, change, Sup(new, change), 0.8, _REASON_DOWNGRADE, main)
                heads.append((new, change, None))
                self.stats["organizations reorganized"] += 1
            self.sub_branches(eid, zh, en, m, ovf, ovt, parent, min(40, max(2, m // 35)))
            return heads
        if m >= 50 and rng.random() < 0.75:
            main = out.org(
                "general_branch", f"中共{zh}总支部委员会", f"{en} General Party Branch", ovf, ovt, m
            )
            out.edge(BASED, main, eid, None, ovf, ovt)
            self.sub_branches(eid, zh, en, m, ovf, ovt, Sup(main, ovf), 2 + int(rng.random() * 3))
            return [(main, ovf, ovt)]
        if m > 50:
            self.stats["branches over 50 members"] += 1
        upgrade = room and m >= 30 and rng.random() < 0.03
        change = gen.between(ovf + YEAR, END - 30) if upgrade else None
        end = change if change is not None else ovt
        main = out.org("branch", f"中共{zh}支部委员会", f"{en} Party Branch", ovf, end, m)
        out.edge(BASED, main, eid, None, ovf, end)
        if change is None:
            return [(main, ovf, ovt)]
        grown = m + 10 + int(rng.random() * 30)
        new = out.org(
            "general_branch",
            f"中共{zh}总支部委员会",
            f"{en} General Party Branch",
            change,
            None,
            grown,
        )
        out.edge(BASED, new, eid, None, change, None)
        out.edge(SUCC, new, main, "reorganization", change)
        self.sub_branches(
            eid, zh, en, grown, change, None, Sup(new, change), 2 + int(rng.random() * 2)
        )
        self.stats["organizations reorganized"] += 1
        return [(main, ovf, change), (new, change, None)]

    def sub_branches(
        self, eid: str, zh: str, en: str, m: int, ovf: int, ovt: int | None, parent: Sup, n: int
    ) -> None:
        """``n`` branches (now and then a general branch with two) under ``parent``."""
        out, rng, gen = self.out, self.rng, self.gen
        share = m / n
        limit = ovt if ovt is not None else END
        for k in range(1, n + 1):
            vf = ovf + int(min(YEAR, limit - ovf - 1) * rng.random())
            sm = max(3, int(share * (0.5 + rng.random())))
            if sm >= 50 and rng.random() < 0.3:
                gb = out.org(
                    "general_branch",
                    f"中共{zh}第{k}总支部委员会",
                    f"{en} General Party Branch {k}",
                    vf,
                    ovt,
                    sm,
                )
                out.edge(BASED, gb, eid, None, vf, ovt)
                gen.affiliate(gb, vf, ovt, parent, "system")
                for j in (1, 2):
                    b = out.org(
                        "branch",
                        f"中共{zh}第{k}总支第{j}支部委员会",
                        f"{en} General Branch {k} Party Branch {j}",
                        vf,
                        ovt,
                        sm // 2,
                    )
                    out.edge(BASED, b, eid, None, vf, ovt)
                    out.edge(AFF, b, gb, "system", vf, ovt)
                continue
            b = out.org("branch", f"中共{zh}第{k}支部委员会", f"{en} Party Branch {k}", vf, ovt, sm)
            out.edge(BASED, b, eid, None, vf, ovt)
            gen.affiliate(b, vf, ovt, parent, "system")

    def temporary_branches(self, eid: str, zh: str, en: str, head: Head) -> None:
        """Project branches of a construction enterprise, each living one to three years."""
        out, rng, gen = self.out, self.rng, self.gen
        org, ovf, ovt = head
        if ovt is not None:
            return
        for _ in range(1 + int(rng.random() * 2)):
            vf = gen.between(ovf, END - 60)
            vt: int | None = vf + 300 + int(rng.random() * 800)
            if vt is not None and vt >= END:
                vt = None
            p_zh, p_en = PROJECTS[int(rng.random() * len(PROJECTS))]
            tb = out.org(
                "temporary_branch",
                f"中共{zh}{p_zh}项目临时支部委员会",
                f"{en} {p_en} Project Temporary Party Branch",
                vf,
                vt,
                3 + int(rng.random() * 12),
            )
            out.edge(BASED, tb, eid, None, vf, vt)
            out.edge(AFF, tb, org, "system", vf, vt)
            self.stats["temporary branches"] += 1

    def superior(
        self, zone: Zone, employees: int, m: int, kind: str, ind: int, ovf: int
    ) -> tuple[Sup, str]:
        """The superior an enterprise's organization is attached to, and the basis."""
        rng, county = self.rng, self.county
        if zone.park:
            return zone.sup, "territorial"
        if (m >= 100 or employees >= 1000) and rng.random() < 0.4:
            return county.committee, "direct"
        invest = county.city.invest
        if kind in _FOREIGN and rng.random() < 0.35 and (invest.vf or 0) <= ovf:
            return invest, "sector"
        sector = county.sector.get(ind)
        if sector is not None and rng.random() < 0.12 and (sector.vf or 0) <= ovf:
            return sector, "sector"
        if m < 30 and zone.communities and rng.random() < 0.5:
            community = zone.communities[int(rng.random() * len(zone.communities))]
            if (community.vf or 0) <= ovf:
                return community, "territorial"
        return zone.sup, "territorial"

    def attach(self, head: Head, sup: Sup, kind: str, zone: Zone, large: bool) -> None:
        """Affiliate a head to ``sup``; one in twelve living ones is re-affiliated once."""
        org, ovf, ovt = head
        gen, rng = self.gen, self.rng
        if (
            ovt is not None
            or sup.vt is not None
            or zone.merge_day is not None
            or END - ovf <= 3 * YEAR
            or rng.random() >= 0.08
        ):
            gen.affiliate(org, ovf, ovt, sup, kind)
            return
        when = gen.between(ovf + YEAR, END - 30)
        county = self.county
        second, second_kind, reason = zone.sup, "territorial", _REASON_TERRITORIAL
        if sup is zone.sup:
            second, second_kind, reason = county.committee, "direct", _REASON_DIRECT
            if not large and zone.communities:
                community = zone.communities[int(rng.random() * len(zone.communities))]
                if (community.vf or 0) <= when:
                    second, second_kind, reason = community, "territorial", _REASON_COMMUNITY
        elif sup is county.committee:
            gen.affiliate(org, ovf, ovt, sup, kind)
            return
        gen.reaffiliate(
            org,
            ovf,
            ovt,
            sup,
            kind,
            second,
            second_kind,
            when,
            record=rng.random() < 0.5,
            reason=reason,
            by=county.committee.id,
        )

    def line(
        self, src: str, src_vf: int | None, kind: str, target: str, tvf: int, tvt: int | None
    ) -> bool:
        """A SUPERVISES line within both lifetimes, starting a little after both began."""
        rng = self.rng
        lo = tvf if src_vf is None or src_vf <= tvf else src_vf
        hi = tvt if tvt is not None else END
        if hi - lo < 3:
            return False
        vf = lo + int(min(3 * YEAR, hi - lo - 2) * rng.random())
        vt = tvt
        if rng.random() < 0.1:
            vt = vf + 1 + int((hi - vf - 1) * rng.random())
        self.out.edge(SUP, src, target, kind, vf, vt)
        return True

    def instructor(self, zone: Zone, eid: str, vf: int, vt: int | None) -> bool:
        """Work coverage: an instructor or liaison sent by a committee or body."""
        rng, county = self.rng, self.county
        start = max(vf, OPINIONS_2012)
        r = rng.random()
        if r < 0.4:
            src, src_vf = zone.instructor.id, zone.instructor.vf
        elif r < 0.7:
            src, src_vf = county.npe.id, county.npe.vf
        elif r < 0.9:
            src, src_vf = county.social_work.id, county.social_work.vf
        else:
            src, src_vf = county.org_dept.id, county.org_dept.vf
        return self.line(src, src_vf, "instructor", eid, start, vt)

    def supervise(
        self,
        zone: Zone,
        eid: str,
        vf: int,
        vt: int | None,
        org: Head | None,
        employees: int,
        kind: str,
    ) -> None:
        """The parents-in-law: a skewed number of bodies with their lines."""
        rng, county = self.rng, self.county
        table = _K_SMALL if employees < 50 else _K_LARGE if employees < 300 else _K_HUGE
        k = table[int(rng.random() * 100)]
        chosen: list[BodyRef] = rng.sample(county.pool, k) if k else []
        if zone.park_body is not None and rng.random() < 0.6:
            chosen.append(zone.park_body)
        city = county.city
        if kind in _FOREIGN and rng.random() < 0.4:
            chosen.append(city.invest_body)
        if employees >= 300:
            chosen.extend(b for b in city.bodies if rng.random() < 0.35)
        bodies = 0
        for body in chosen:
            line_kind = body.kinds[int(rng.random() * len(body.kinds))]
            if body.to_org and org is not None:
                written = self.line(body.id, body.vf, line_kind, org[0], org[1], org[2])
            else:
                written = self.line(body.id, body.vf, line_kind, eid, vf, vt)
            bodies += written
        if employees >= 300 and org is not None and rng.random() < 0.5:
            npe = county.npe
            bodies += self.line(npe.id, npe.vf, "direct_contact", org[0], org[1], org[2])
            self.stats["direct contacts (npe office)"] += 1
        if bodies >= 5:
            self.stats["enterprises with 5+ supervising bodies"] += 1

    # -- joint branches -------------------------------------------------------------------

    def flush_joint(self, zone: Zone, *, final: bool = False) -> None:
        """A joint branch for the small enterprises waiting in ``zone``."""
        waiting = zone.joint
        if len(waiting) < (2 if final else zone.joint_size):
            if final:
                waiting.clear()
            return
        out, rng = self.out, self.rng
        vf = min(END - 30, max(founded for _, founded in waiting) + int(rng.random() * YEAR))
        zone.joint_count += 1
        n = zone.joint_count
        m = sum(1 + int(rng.random() * 3) for _ in waiting)
        jb = out.org(
            "joint_branch",
            f"中共{zone.zh}第{n}联合支部委员会",
            f"{zone.en} Joint Party Branch {n}",
            vf,
            None,
            m,
        )
        for eid, _ in waiting:
            out.edge(BASED, jb, eid, None, vf)
        if zone.grids and rng.random() < 0.3:
            out.edge(BASED, jb, zone.grids[int(rng.random() * len(zone.grids))], None, vf)
        sup = zone.sup
        if zone.communities and rng.random() < 0.6:
            community = zone.communities[int(rng.random() * len(zone.communities))]
            if (community.vf or 0) <= vf:
                sup = community
        self.attach((jb, vf, None), sup, "territorial", zone, False)
        self.stats["joint branches"] += 1
        self.stats["enterprises in joint branches"] += len(waiting)
        waiting.clear()
        zone.joint_size = 2 + int(rng.random() * 7)

    # -- an ordinary non-public enterprise -------------------------------------------------

    def private(self, zone: Zone) -> None:
        rng, gen = self.rng, self.gen
        kinds = _KINDS[zone.kind]
        kind = kinds[int(rng.random() * len(kinds))]
        employees = min(80000, int(rng.lognormvariate(2.3, 1.5)) + 1)
        lo, hi = zone.found_lo, zone.found_hi
        vf = lo + int((hi - lo) * rng.random() ** 0.75)
        vt = gen.end_or_none(vf, 0.08, 180)
        zh, en, alias, ind = self.names(kind)
        cover = _COVER_LARGE if employees >= 50 else _COVER_MID if employees >= 10 else _COVER_SMALL
        r = rng.random()
        own = r < cover[0]
        joint = not own and r < cover[1] and vt is None
        taught = not own and not joint and r < cover[2]
        ovf = self.org_start(vf, vt) if own else None
        if ovf is None:
            own = False
        large = employees >= 50
        if own and ovf is not None:
            m = self.members(employees, min(0.5, rng.lognormvariate(-2.9, 0.7)))
            ovt = vt if vt is not None or rng.random() >= 0.02 else gen.end_or_none(ovf, 1.0)
            event = rng.random() if vt is None and ovt is None else 1.0
            if event < 0.012 and m < 50 and END - ovf > 2 * YEAR:
                self.renamed(zone, kind, zh, en, alias, ind, employees, vf, ovf, m)
                return
            if event < 0.016 and zone.live:
                target = zone.live[int(rng.random() * len(zone.live))]
                if END - max(ovf, target.since) > YEAR:
                    self.absorbed(zone, target, kind, zh, en, alias, ind, employees, vf, ovf, m)
                    return
            if event < 0.019 and m < 50 and END - ovf > 2 * YEAR:
                self.split(zone, kind, zh, en, ind, employees, vf, ovf, m)
                return
            if large and vt is None:
                self.stats["50+ enterprises living"] += 1
            eid = self.enterprise(kind, zh, en, vf, vt, employees, alias=alias)
            self.locate(eid, zone, vf, vt)
            heads = self.org_tree(eid, zh, en, m, ovf, ovt)
            sup, basis = self.superior(zone, employees, m, kind, ind, ovf)
            for head in heads:
                self.attach(head, sup, basis, zone, large)
            current = heads[-1]
            if INDUSTRIES[ind].projects and employees >= 50 and rng.random() < 0.5:
                self.temporary_branches(eid, zh, en, current)
            if large and vt is None:
                self.stats["50+ enterprises with an organization"] += 1
            if vt is None and ovt is None and len(heads) == 1 and m < 50 and zone.merge_day is None:
                zone.live.append(Live(eid, current[0], ovf))
                if len(zone.live) > 8:
                    zone.live.pop(0)
            self.supervise(zone, eid, vf, vt, current, employees, kind)
            return
        if large and vt is None:
            self.stats["50+ enterprises living"] += 1
        eid = self.enterprise(kind, zh, en, vf, vt, employees, alias=alias)
        self.locate(eid, zone, vf, vt)
        if joint:
            zone.joint.append((eid, vf))
            if large:
                self.stats["50+ enterprises in a joint branch"] += 1
            self.flush_joint(zone)
        elif taught and self.instructor(zone, eid, vf, vt):
            if large and vt is None:
                self.stats["50+ enterprises with work coverage only"] += 1
        elif large and vt is None:
            self.stats["50+ enterprises uncovered"] += 1
        self.supervise(zone, eid, vf, vt, None, employees, kind)

    # -- restructurings ---------------------------------------------------------------------

    def renamed(
        self,
        zone: Zone,
        kind: str,
        zh: str,
        en: str,
        alias: str,
        ind: int,
        employees: int,
        vf: int,
        ovf: int,
        m: int,
    ) -> None:
        """Renamed on day D: a new enterprise and organization succeed the old ones."""
        out, gen = self.out, self.gen
        when = gen.between(ovf + YEAR, END - 30)
        code = gen.uscc(self.county.division) if vf >= START + 20 * YEAR else None
        old = self.enterprise(kind, zh, en, vf, when, employees, alias=alias, uscc=code)
        self.locate(old, zone, vf, when)
        new_zh, new_en, new_alias, _ = self.names(kind)
        new = self.enterprise(
            kind, new_zh, new_en, when, None, employees, alias=new_alias, uscc=code
        )
        self.locate(new, zone, when, None)
        out.edge(SUCC, new, old, "rename", when)
        sup, basis = self.superior(zone, employees, m, kind, ind, ovf)
        old_org = self.org_tree(old, zh, en, m, ovf, when, events=False)
        new_org = self.org_tree(new, new_zh, new_en, m, when, None, events=False)
        out.edge(SUCC, new_org[0][0], old_org[0][0], "rename", when)
        for head in (*old_org, *new_org):
            self.attach(head, sup, basis, zone, employees >= 50)
        self.stats["enterprises renamed"] += 1
        if employees >= 50:
            self.stats["50+ enterprises living"] += 1
            self.stats["50+ enterprises with an organization"] += 1
        self.supervise(zone, new, when, None, new_org[-1], employees, kind)

    def absorbed(
        self,
        zone: Zone,
        target: Live,
        kind: str,
        zh: str,
        en: str,
        alias: str,
        ind: int,
        employees: int,
        vf: int,
        ovf: int,
        m: int,
    ) -> None:
        """Absorbed on day D by a living neighbour, whose organization absorbs its own."""
        out, gen = self.out, self.gen
        when = gen.between(max(ovf, target.since) + 60, END - 30)
        eid = self.enterprise(kind, zh, en, vf, when, employees, alias=alias)
        self.locate(eid, zone, vf, when)
        heads = self.org_tree(eid, zh, en, m, ovf, when, events=False)
        sup, basis = self.superior(zone, employees, m, kind, ind, ovf)
        for head in heads:
            self.attach(head, sup, basis, zone, employees >= 50)
        out.edge(SUCC, target.ent, eid, "merger", when)
        out.edge(SUCC, target.org, heads[0][0], "merger", when)
        self.stats["enterprises merged"] += 1
        self.supervise(zone, eid, vf, when, heads[-1], employees, kind)

    def split(
        self,
        zone: Zone,
        kind: str,
        zh: str,
        en: str,
        ind: int,
        employees: int,
        vf: int,
        ovf: int,
        m: int,
    ) -> None:
        """Split on day D into two enterprises; the first inherits the organization."""
        out, gen = self.out, self.gen
        when = gen.between(ovf + YEAR, END - 30)
        old = self.enterprise(kind, zh, en, vf, when, employees)
        self.locate(old, zone, vf, when)
        sup, basis = self.superior(zone, employees, m, kind, ind, ovf)
        old_heads = self.org_tree(old, zh, en, m, ovf, when, events=False)
        for head in old_heads:
            self.attach(head, sup, basis, zone, employees >= 50)
        first = employees // 2 + 1
        for part, staff in ((1, first), (2, max(1, employees - first))):
            p_zh, p_en, p_alias, _ = self.names(kind)
            new = self.enterprise(kind, p_zh, p_en, when, None, staff, alias=p_alias)
            self.locate(new, zone, when, None)
            out.edge(SUCC, new, old, "split", when)
            org: Head | None = None
            if part == 1:
                heads = self.org_tree(new, p_zh, p_en, max(3, m // 2), when, None, events=False)
                out.edge(SUCC, heads[0][0], old_heads[0][0], "split", when)
                for head in heads:
                    self.attach(head, sup, basis, zone, staff >= 50)
                org = heads[-1]
            self.supervise(zone, new, when, None, org, staff, kind)
        self.stats["enterprises split"] += 1

    # -- state-owned units ------------------------------------------------------------------

    def pick_group(self, zone: Zone) -> tuple[Group, int] | None:
        """A SASAC group for a new subsidiary in ``zone``, and the subsidiary's founding day."""
        rng, gen = self.rng, self.gen
        groups = self.county.groups
        group = groups[int(rng.random() * len(groups))]
        lo, hi = max(zone.found_lo, group.vf + 30), zone.found_hi
        if lo >= hi:
            return None
        vf = gen.between(lo, hi)
        if group.vt is not None and vf >= group.vt - 30:
            successor = group.successor
            if successor is None or vf < successor.vf + 30:
                return None
            group = successor
        return group, vf

    def soe(self, zone: Zone) -> None:
        """A subsidiary of a SASAC group: owned by it, its organization in the state system."""
        rng, gen = self.rng, self.gen
        picked = self.pick_group(zone)
        if picked is None:
            self.private(zone)
            return
        group, vf = picked
        mixed = rng.random() < 0.25
        kind = "mixed" if mixed else "soe"
        equity = (
            round(10 + 40 * rng.random(), 1)
            if mixed
            else 100.0
            if rng.random() < 0.6
            else round(51 + 48 * rng.random(), 1)
        )
        employees = int(rng.lognormvariate(4.6, 1.1)) + 5
        vt = gen.end_or_none(vf, 0.05, 365)
        industry: Industry = INDUSTRIES[int(rng.random() * _N_IND)]
        g_zh, g_en = group.trade
        zh = f"{self.county.zh}{g_zh}{industry.zh}{_FORMS[kind][0]}"
        en = f"{self.county.en} {g_en} {industry.en} {_FORMS[kind][1]}"
        eid = self.enterprise(kind, zh, en, vf, vt, employees, equity=equity)
        self.locate(eid, zone, vf, vt)
        self.owned(group, eid, vf, vt, equity)
        ovf = self.org_start(vf, vt)
        self.stats["state-owned subsidiaries"] += 1
        if ovf is None:
            return
        m = self.members(employees, 0.15 + 0.2 * rng.random())
        heads = self.org_tree(eid, zh, en, m, ovf, vt)
        for head in heads:
            gen.affiliate(head[0], head[1], head[2], group.committee, "system")
        current = heads[-1]
        for body in self.county.pool:
            if not body.to_org and rng.random() < 0.12:
                self.line(body.id, body.vf, body.kinds[0], eid, vf, vt)
        if employees >= 300 and rng.random() < 0.3:
            npe = self.county.npe
            self.line(npe.id, npe.vf, "guidance", current[0], current[1], current[2])

    def owned(self, group: Group, eid: str, vf: int, vt: int | None, share: float) -> None:
        """OWNS from a group, passing to its successor if the group is merged away."""
        out = self.out
        end = group.vt
        if end is None or (vt is not None and vt <= end) or group.successor is None:
            out.edge(
                OWNS,
                group.ent,
                eid,
                None,
                vf,
                vt if end is None else (end if vt is None else min(vt, end)),
                share,
            )
            return
        out.edge(OWNS, group.ent, eid, None, vf, end, share)
        out.edge(OWNS, group.successor.ent, eid, None, end, vt, share)

    def sasac_committee(self) -> Sup:
        """The SASAC Party committee of the county's city (or, now and then, the province)."""
        if self.rng.random() < 0.3:
            return self.province.sasac_committee
        return self.county.city.sasac_committee

    def sasac_body(self, committee: Sup) -> str:
        if committee is self.province.sasac_committee:
            return self.province.sasac
        return self.county.city.sasac
