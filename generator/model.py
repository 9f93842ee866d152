"""The small state a generation keeps: the province, its cities, one county at a time.

Nothing here grows with the number of nodes: a county (≤ 40 streets of ≤ 30 communities) is
dropped once its enterprises are written; what stays for the whole run is the province, its
cities and their SASAC groups.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.lines import Sup

__all__ = ["BodyRef", "City", "County", "Group", "Live", "Province", "Zone"]


@dataclass(slots=True, frozen=True)
class BodyRef:
    """A supervising body (or Party organization): who it is and the lines it draws."""

    id: str
    vf: int | None
    #: the SUPERVISES kinds it draws (never ``instructor`` or ``direct_contact``: those are
    #: drawn on purpose, so one enterprise never gets two equal lines)
    kinds: tuple[str, ...]
    #: whether it supervises an enterprise's Party organization rather than the enterprise
    to_org: bool


@dataclass(slots=True)
class Group:
    """A state-owned group (or platform company) and its Party committee."""

    ent: str
    vf: int
    vt: int | None
    committee: Sup
    trade: tuple[str, str]
    successor: Group | None = None


@dataclass(slots=True)
class City:
    index: int
    area: str
    zh: str
    en: str
    committee: Sup
    counties: int
    sasac: str
    sasac_committee: Sup
    platform: Group
    groups: list[Group]
    #: the Party committee of the investment promotion bureau (foreign enterprises, sector)
    invest: Sup
    invest_body: BodyRef
    #: city and provincial bodies that also supervise large enterprises
    bodies: list[BodyRef]


@dataclass(slots=True)
class Province:
    area: str
    committee: Sup
    sasac: str
    sasac_committee: Sup
    platforms: list[Group]
    groups: list[Group]
    cities: list[City] = field(default_factory=list)


@dataclass(slots=True)
class Live:
    """A living enterprise with one living branch: a candidate to absorb another in a merger."""

    ent: str
    org: str
    since: int


@dataclass(slots=True)
class Zone:
    """A street, township or park, and what its enterprises' organizations attach to."""

    kind: str
    number: int
    area: str
    zh: str
    en: str
    #: the territorial superior: street work committee, township or park committee
    sup: Sup
    #: who sends Party-building instructors (the living territorial committee)
    instructor: Sup
    #: community / village Party organizations (regional, grid-based management)
    communities: list[Sup]
    grids: list[str]
    #: enterprises are founded in [found_lo, found_hi)
    found_lo: int
    found_hi: int
    #: a merged street: the day it ended and the zone it went to
    merge_day: int | None = None
    merged_into: Zone | None = None
    #: the park's management committee, which also supervises its enterprises
    park_body: BodyRef | None = None
    #: small enterprises waiting for a joint branch: (id, founded)
    joint: list[tuple[str, int]] = field(default_factory=list)
    joint_size: int = 4
    joint_count: int = 0
    live: list[Live] = field(default_factory=list)

    @property
    def park(self) -> bool:
        return self.kind == "park"

    @property
    def current_area(self) -> str:
        return self.merged_into.area if self.merged_into else self.area


@dataclass(slots=True)
class County:
    city: City
    number: int
    area: str
    zh: str
    en: str
    committee: Sup
    division: str
    npe: BodyRef
    social_work: BodyRef
    org_dept: BodyRef
    pool: list[BodyRef]
    #: industry index → the Party committee of its trade association (sector management)
    sector: dict[int, Sup]
    zones: list[Zone]
    groups: list[Group]
    enterprises: int = 0
