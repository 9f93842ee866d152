"""The rare cases researchers look for, written on purpose in counted numbers.

Each function writes one complete instance into a zone (a living street): its enterprises,
organizations, lines and transfer records. The province's quota of each is spread over its
counties (:func:`generator.province.quotas`), so even a small province has every one:

* the Tianjin cases of DOMAIN.md — a retained transfer after a mixed-ownership reform
  (:func:`pharma`), an organization still in the SASAC system with no state equity left
  (:func:`pipe`), stripped-off units moved to a platform company (:func:`stripped_moved`) or
  left without a superior while a transfer is pending or proposed (:func:`stripped_orphan`);
* a majority-state enterprise whose organization has no line into the state system;
* the orphans: no affiliation ever, a dissolved host, a dissolved superior whose branches'
  lines go on;
* data errors: two overlapping active superiors (declared ``dual_line``, as a load requires),
  and affiliation cycles;
* an enterprise split in two (rarer by chance than the other restructurings).
"""

from __future__ import annotations

from collections.abc import Callable

from generator.dates import END, START, YEAR, day
from generator.enterprises import Filler
from generator.lines import AFF, BASED, OWNS, SUCC, Sup
from generator.model import Group, Zone
from generator.names import TRADE_NAMES

__all__ = ["SPECIALS"]

_INVESTORS = "战略投资者 / strategic investors"
_PHARMA_REASON = (
    "混改后投资方提议将党组织关系转至注册地街道党工委，经多轮协商保留在国资委党委"
    " / after the reform the investors proposed the street work committee where "
    "it is registered; after repeated talks it stayed with the SASAC Party committee"
)
_STRIP_REASON = (
    "剥离单位未纳入混改，党组织关系转至平台公司党委 / a stripped-off unit left out "
    "of the reform moves to the platform company's Party committee"
)
_STRIP_OPEN = "剥离后党组织关系待定 / stripped off; the new superior is still being negotiated"


def _small(
    f: Filler, zone: Zone, employees: int, *, vt: int | None = None, vf: int | None = None
) -> tuple[str, str, str, int]:
    """A private enterprise founded in the zone's years: (id, Chinese name, English, day)."""
    gen = f.gen
    start = vf if vf is not None else gen.between(zone.found_lo, zone.found_hi - 2 * YEAR)
    zh, en, alias, _ = f.names("private")
    eid = f.enterprise("private", zh, en, start, vt, employees, alias=alias)
    f.locate(eid, zone, start, vt)
    return eid, zh, en, start


def _branch(f: Filler, eid: str, zh: str, en: str, ovf: int, ovt: int | None, m: int) -> str:
    org = f.out.org("branch", f"中共{zh}支部委员会", f"{en} Party Branch", ovf, ovt, m)
    f.out.edge(BASED, org, eid, None, ovf, ovt)
    return org


def cycle(f: Filler, zone: Zone) -> None:
    """Two or three branches, each recorded as the superior of the next: a cycle."""
    rng, gen = f.rng, f.gen
    orgs: list[str] = []
    latest = START
    for _ in range(2 + int(rng.random() * 2)):
        eid, zh, en, vf = _small(f, zone, 10 + int(rng.random() * 30))
        ovf = vf + int(rng.random() * YEAR)
        orgs.append(_branch(f, eid, zh, en, ovf, None, 3 + int(rng.random() * 10)))
        latest = max(latest, ovf)
    start = gen.between(latest, min(END - 30, latest + 2 * YEAR))
    for i, org in enumerate(orgs):
        f.out.edge(AFF, org, orgs[(i + 1) % len(orgs)], "territorial", start)
    f.stats["error: affiliation cycles"] += 1


def overlap(f: Filler, zone: Zone) -> None:
    """A branch with two active superiors at once: its street and, later, the county. A load
    refuses two formal superiors on one day unless both lines say ``dual_line``, so they do
    (a joint appointment): the conflicts query still lists the branch."""
    rng, gen = f.rng, f.gen
    eid, zh, en, vf = _small(f, zone, 50 + int(rng.random() * 250))
    ovf = vf + int(rng.random() * YEAR)
    org = _branch(f, eid, zh, en, ovf, None, 5 + int(rng.random() * 30))
    f.out.edge(AFF, org, zone.sup.id, "territorial", ovf, dual=True)
    f.out.edge(
        AFF, org, f.county.committee.id, "direct", gen.between(ovf + 30, END - 30), dual=True
    )
    f.stats["error: two active superiors"] += 1


def no_affiliation(f: Filler, zone: Zone) -> None:
    """A branch that was never given a superior."""
    rng = f.rng
    eid, zh, en, vf = _small(f, zone, 10 + int(rng.random() * 90))
    _branch(f, eid, zh, en, vf + int(rng.random() * YEAR), None, 3 + int(rng.random() * 12))
    f.stats["orphan: no affiliation"] += 1


def host_dissolved(f: Filler, zone: Zone) -> None:
    """The enterprise was dissolved; its branch, and the branch's lines, were never closed."""
    rng, gen = f.rng, f.gen
    vf = gen.between(zone.found_lo, zone.found_hi - 3 * YEAR)
    ovf = vf + int(rng.random() * YEAR)
    gone = gen.between(ovf + YEAR, END - 30)
    eid, zh, en, _ = _small(f, zone, 20 + int(rng.random() * 200), vt=gone, vf=vf)
    org = _branch(f, eid, zh, en, ovf, None, 3 + int(rng.random() * 20))
    f.gen.affiliate(org, ovf, None, zone.sup, "territorial")
    f.stats["orphan: host dissolved"] += 1


def left_behind(f: Filler, zone: Zone) -> None:
    """An enterprise committee dissolved while its branches' lines to it go on."""
    rng, gen, out = f.rng, f.gen, f.out
    vf = gen.between(zone.found_lo, zone.found_hi - 4 * YEAR)
    eid, zh, en, _ = _small(f, zone, 500 + int(rng.random() * 2500), vf=vf)
    ovf = vf + int(rng.random() * YEAR)
    gone = gen.between(ovf + 2 * YEAR, END - 30)
    committee = out.org(
        "committee",
        f"中共{zh}委员会",
        f"{en} Party Committee",
        ovf,
        gone,
        100 + int(rng.random() * 200),
    )
    out.edge(BASED, committee, eid, None, ovf, gone)
    gen.affiliate(committee, ovf, gone, zone.sup, "territorial")
    for k in range(1, 3 + int(rng.random() * 3)):
        b = out.org(
            "branch",
            f"中共{zh}第{k}支部委员会",
            f"{en} Party Branch {k}",
            ovf,
            None,
            5 + int(rng.random() * 40),
        )
        out.edge(BASED, b, eid, None, ovf)
        out.edge(AFF, b, committee, "system", ovf)
        f.stats["orphan: superior dissolved"] += 1


def _state_enterprise(
    f: Filler,
    zone: Zone,
    kind: str,
    suffix: tuple[str, str],
    vf: int,
    vt: int | None,
    employees: int,
    equity: float,
) -> tuple[str, str, str]:
    trade_zh, trade_en = TRADE_NAMES[int(f.rng.random() * len(TRADE_NAMES))]
    zh = f"{f.county.zh}{trade_zh}{suffix[0]}"
    en = f"{f.county.en} {trade_en} {suffix[1]}"
    eid = f.enterprise(kind, zh, en, vf, vt, employees, equity=equity)
    f.locate(eid, zone, vf, vt)
    return eid, zh, en


def _committee_tree(f: Filler, eid: str, zh: str, en: str, ovf: int, m: int) -> str:
    out = f.out
    org = out.org("committee", f"中共{zh}委员会", f"{en} Party Committee", ovf, None, m)
    out.edge(BASED, org, eid, None, ovf)
    f.sub_branches(eid, zh, en, m, ovf, None, Sup(org, ovf), 2 + int(f.rng.random() * 3))
    return org


def pipe(f: Filler, zone: Zone) -> None:
    """Reorganized into a private enterprise with no state equity left; its organization
    still belongs to the SASAC Party committee (the Tianjin Pipe case)."""
    rng, gen, out = f.rng, f.gen, f.out
    committee = f.sasac_committee()
    body = f.sasac_body(committee)
    vf = gen.between(max(zone.found_lo, committee.vf or START), day(2012))
    when = gen.between(day(2016), day(2023))
    employees = 2000 + int(rng.random() * 8000)
    old, zh, en = _state_enterprise(
        f,
        zone,
        "soe",
        ("钢管集团有限公司", "Steel Pipe Group Co., Ltd."),
        vf,
        when,
        employees,
        100.0,
    )
    out.edge(OWNS, body, old, None, vf, when, 100.0)
    new_zh = f"{zh.removesuffix('集团有限公司')}控股有限公司"
    new_en = f"{en.removesuffix(' Group Co., Ltd.')} Holdings Co., Ltd."
    new = f.enterprise("private", new_zh, new_en, when, None, employees, equity=0.0)
    f.locate(new, zone, when, None)
    out.edge(SUCC, new, old, "reorganization", when)
    ovf = vf + int(rng.random() * YEAR)
    org = out.org(
        "committee",
        f"中共{zh}委员会",
        f"{en} Party Committee",
        ovf,
        None,
        200 + int(rng.random() * 600),
    )
    out.edge(BASED, org, old, None, ovf, when)
    out.edge(BASED, org, new, None, when)
    out.edge(AFF, org, committee.id, "system", ovf)
    f.sub_branches(old, zh, en, 300, ovf, when, Sup(org, ovf), 2)
    f.stats["no state equity, still in the SASAC system (Tianjin Pipe)"] += 1


def pharma(f: Filler, zone: Zone) -> None:
    """A mixed-ownership reform after which investors proposed the street committee and the
    SASAC committee kept the organization: a retained transfer (Tianjin Pharmaceutical)."""
    rng, gen, out = f.rng, f.gen, f.out
    committee = f.sasac_committee()
    body = f.sasac_body(committee)
    vf = gen.between(max(zone.found_lo, committee.vf or START), day(2010))
    reform = gen.between(day(2017), day(2022))
    decided = reform + 60 + int(rng.random() * 400)
    share = round(20 + 25 * rng.random(), 1)
    eid, zh, en = _state_enterprise(
        f,
        zone,
        "mixed",
        ("医药集团股份有限公司", "Pharmaceutical Group Co., Ltd."),
        vf,
        None,
        3000 + int(rng.random() * 12000),
        share,
    )
    out.edge(OWNS, body, eid, None, vf, reform, 100.0)
    out.edge(OWNS, body, eid, None, reform, None, share)
    investor, _, _, _ = _small(
        f, zone, 500 + int(rng.random() * 3000), vf=gen.between(zone.found_lo, reform - YEAR)
    )
    out.edge(OWNS, investor, eid, None, reform, None, round(100 - share, 1))
    ovf = vf + int(rng.random() * YEAR)
    org = _committee_tree(f, eid, zh, en, ovf, 300 + int(rng.random() * 900))
    out.edge(AFF, org, committee.id, "system", ovf)
    out.transfer(
        org,
        "retained",
        decided,
        old=committee.id,
        proposed_to=zone.sup.id,
        proposed_by=_INVESTORS,
        decided_to=committee.id,
        reason=_PHARMA_REASON,
    )
    f.stats["retained after reform (Tianjin Pharmaceutical)"] += 1


def state_outside(f: Filler, zone: Zone) -> None:
    """A majority state-owned enterprise whose organization belongs to its street."""
    rng, gen, out = f.rng, f.gen, f.out
    city = f.county.city
    vf = gen.between(max(zone.found_lo, city.sasac_committee.vf or START), zone.found_hi)
    share = round(51 + 39 * rng.random(), 1)
    eid, zh, en = _state_enterprise(
        f,
        zone,
        "soe",
        ("城市服务有限公司", "City Services Co., Ltd."),
        vf,
        None,
        80 + int(rng.random() * 400),
        share,
    )
    out.edge(OWNS, city.sasac, eid, None, vf, None, share)
    ovf = f.org_start(vf, None) or vf
    org = _branch(f, eid, zh, en, ovf, None, 5 + int(rng.random() * 40))
    gen.affiliate(org, ovf, None, zone.sup, "territorial")
    f.stats["state majority, organization outside the state system"] += 1


def _platform(f: Filler, when: int) -> Group | None:
    candidates = [
        g
        for g in (f.county.city.platform, *f.province.platforms)
        if g.committee.vf is not None and g.committee.vf <= when
    ]
    return candidates[int(f.rng.random() * len(candidates))] if candidates else None


def _stripped(f: Filler, zone: Zone, *, orphan: bool) -> None:
    rng, gen, out = f.rng, f.gen, f.out
    groups = [g for g in f.county.groups if g.vt is None]
    group = groups[int(rng.random() * len(groups))]
    vf = gen.between(max(zone.found_lo, group.vf + 30), day(2012))
    parent, zh, en = _state_enterprise(
        f,
        zone,
        "soe",
        ("电子有限公司", "Electronics Co., Ltd."),
        vf,
        None,
        600 + int(rng.random() * 4000),
        100.0,
    )
    out.edge(OWNS, group.ent, parent, None, vf, None, 100.0)
    ovf = vf + int(rng.random() * YEAR)
    when = gen.between(max(day(2016), ovf + YEAR), END - YEAR)
    platform = _platform(f, when)
    committee = _committee_tree(f, parent, zh, en, ovf, 150 + int(rng.random() * 400))
    f.gen.affiliate(committee, ovf, None, group.committee, "system")
    unit_zh = f"{zh.removesuffix('有限公司')}合资有限公司"
    unit_en = f"{en.removesuffix(' Co., Ltd.')} Joint Venture Co., Ltd."
    unit = f.enterprise(
        "joint_venture", unit_zh, unit_en, when, None, 100 + int(rng.random() * 900)
    )
    f.locate(unit, zone, when, None)
    out.edge(SUCC, unit, parent, "strip_off", when)
    bvf = gen.between(ovf, when - 30)
    branch = out.org(
        "branch",
        f"中共{unit_zh}支部委员会",
        f"{unit_en} Party Branch",
        bvf,
        None,
        8 + int(rng.random() * 40),
    )
    out.edge(BASED, branch, parent, None, bvf, when)
    out.edge(BASED, branch, unit, None, when)
    out.edge(AFF, branch, committee, "system", bvf, when)
    if platform is not None:
        out.edge(OWNS, platform.ent, unit, None, when, None, round(30 + 30 * rng.random(), 1))
    if not orphan and platform is not None:
        out.edge(AFF, branch, platform.committee.id, "system", when)
        out.transfer(
            branch,
            "transferred",
            when,
            old=committee,
            proposed_to=platform.committee.id,
            proposed_by=f.sasac_committee().id,
            decided_to=platform.committee.id,
            reason=_STRIP_REASON,
        )
        f.stats["stripped-off units moved to a platform company"] += 1
        return
    if platform is not None and rng.random() < 0.5:
        out.transfer(
            branch,
            "pending",
            gen.between(when, END - 1),
            old=committee,
            proposed_to=platform.committee.id,
            proposed_by=f.sasac_committee().id,
            decided_to=None,
            reason=_STRIP_OPEN,
        )
    else:
        out.transfer(
            branch,
            "proposed",
            gen.between(when, END - 1),
            old=committee,
            proposed_to=zone.sup.id,
            proposed_by=f.county.committee.id,
            decided_to=None,
            reason=_STRIP_OPEN,
        )
    f.stats["orphan: affiliation ended (stripped off, transfer open)"] += 1


def stripped_moved(f: Filler, zone: Zone) -> None:
    """A unit stripped off in a reform; its branch moves to a platform company's committee."""
    _stripped(f, zone, orphan=False)


def stripped_orphan(f: Filler, zone: Zone) -> None:
    """A unit stripped off in a reform; its branch's line ended, a transfer is still open."""
    _stripped(f, zone, orphan=True)


def split_up(f: Filler, zone: Zone) -> None:
    """An enterprise split in two; the first part inherits its organization (SUCCEEDS split).

    Splits also happen by chance (:meth:`Filler.private`); this makes sure there are some.
    """
    rng, gen = f.rng, f.gen
    employees = 60 + int(rng.random() * 400)
    vf = gen.between(zone.found_lo, zone.found_hi - 4 * YEAR)
    zh, en, _, ind = f.names("private")
    ovf = vf + int(rng.random() * YEAR)
    f.split(zone, "private", zh, en, ind, employees, vf, ovf, 5 + int(rng.random() * 40))


#: Name → the function writing one instance; the province's quotas use these names.
SPECIALS: dict[str, Callable[[Filler, Zone], None]] = {
    "cycle": cycle,
    "overlap": overlap,
    "no_affiliation": no_affiliation,
    "host_dissolved": host_dissolved,
    "left_behind": left_behind,
    "pipe": pipe,
    "pharma": pharma,
    "state_outside": state_outside,
    "stripped_moved": stripped_moved,
    "stripped_orphan": stripped_orphan,
    "split": split_up,
}
