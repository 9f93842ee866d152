"""The shared state of a generation and the helpers that draw affiliation lines.

:class:`Sup` is a possible superior: a Party organization with its lifetime and, if it ends,
where its children go (its successor). :meth:`Gen.affiliate` draws a child's line to a
superior and, when the superior ends while the child lives on, either moves the child to the
successor (two contiguous lines, often with a ``transferred`` record that agrees exactly) or
leaves the line standing — the "superior dissolved" orphan of DOMAIN.md.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from random import Random

from generator.dates import END
from generator.sink import Sink
from graph_schema.uscc import uscc_check_char

__all__ = ["AFF", "BASED", "LOC", "OWNS", "SUCC", "SUP", "Gen", "Sup"]

AFF = "AFFILIATED_TO"
SUP = "SUPERVISES"
BASED = "BASED_IN"
LOC = "LOCATED_IN"
OWNS = "OWNS"
SUCC = "SUCCEEDS"

_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


@dataclass(slots=True)
class Sup:
    """A Party organization that others may be affiliated to."""

    id: str
    vf: int | None = None
    #: when it ended (dissolved, merged); its children's lines should end then too
    vt: int | None = None
    #: where its children go when it ends (None: nowhere — they are left behind)
    successor: Sup | None = None
    #: the share of children moved to the successor; the rest keep the dead line
    move_rate: float = 0.75
    #: why it ended, for the transfer records of the children moved
    reason: str = ""
    #: who moved them, for the transfer records
    mover: str = ""


class Gen:
    """Random source, output and phenomenon counts of one generation."""

    def __init__(self, rng: Random, out: Sink, province_code: str = "99") -> None:
        self.rng = rng
        self.out = out
        #: the first two digits of every administrative division code (and so of USCCs)
        self.province_code = province_code
        self.stats: Counter[str] = Counter()
        self._uscc_serial = 0

    def between(self, lo: int, hi: int) -> int:
        """A day in ``[lo, hi)``; ``lo`` if the range is empty."""
        return lo + int((hi - lo) * self.rng.random()) if hi > lo else lo

    def uscc(self, division: str) -> str:
        """A fresh unified social credit code of an enterprise registered in ``division``.

        Registration authority 9 (market regulation), type 1 (enterprise), the six-digit
        division code, a nine-character organization code (eight digits and their GB 11714
        check character) and the GB 32100 check character.
        """
        self._uscc_serial += 1
        body = f"{self._uscc_serial:08d}"
        check = 11 - sum(int(c) * w for c, w in zip(body, _ORG_CODE_WEIGHTS, strict=True)) % 11
        code = "X" if check == 10 else "0" if check == 11 else str(check)
        first17 = f"91{division}{body}{code}"
        return first17 + uscc_check_char(first17)

    # -- affiliation lines --------------------------------------------------------------------

    def affiliate(self, org: str, ovf: int, ovt: int | None, sup: Sup, kind: str) -> None:
        """The line(s) of ``org`` (living ``[ovf, ovt)``) to ``sup`` and, if it ends, beyond.

        The caller makes sure ``sup`` (or its successor) exists when the line starts.
        """
        vf = ovf if sup.vf is None or sup.vf <= ovf else sup.vf
        end = sup.vt
        if end is None or (ovt is not None and ovt <= end):
            self.out.edge(AFF, org, sup.id, kind, vf, ovt)
            return
        successor = sup.successor
        if vf >= end:
            if successor is None:
                raise ValueError(f"{org}: superior {sup.id} ended before the line could start")
            self.affiliate(org, ovf, ovt, successor, kind)
            return
        if successor is None or self.rng.random() >= sup.move_rate:
            self.out.edge(AFF, org, sup.id, kind, vf, ovt)
            if ovt is None:
                self.stats["orphan: superior dissolved"] += 1
            return
        self.out.edge(AFF, org, sup.id, kind, vf, end)
        self.affiliate(org, end, ovt, successor, kind)
        if self.rng.random() < 0.6:
            self.out.transfer(
                org,
                "transferred",
                end,
                old=sup.id,
                proposed_to=successor.id,
                proposed_by=sup.mover or None,
                decided_to=successor.id,
                reason=sup.reason or None,
            )

    def reaffiliate(
        self,
        org: str,
        ovf: int,
        ovt: int | None,
        first: Sup,
        first_kind: str,
        second: Sup,
        second_kind: str,
        when: int,
        *,
        record: bool,
        reason: str,
        by: str | None = None,
    ) -> None:
        """Two contiguous lines: to ``first`` until ``when``, then to ``second``.

        Both superiors must live through the lines (no end of their own).
        """
        vf = ovf if first.vf is None or first.vf <= ovf else first.vf
        self.out.edge(AFF, org, first.id, first_kind, vf, when)
        self.out.edge(AFF, org, second.id, second_kind, when, ovt)
        self.stats["re-affiliations"] += 1
        if record:
            self.out.transfer(
                org,
                "transferred",
                when,
                old=first.id,
                proposed_to=second.id,
                proposed_by=by,
                decided_to=second.id,
                reason=reason,
            )

    def end_or_none(self, vf: int, rate: float, min_days: int = 200) -> int | None:
        """With probability ``rate``, an end day at least ``min_days`` after ``vf``."""
        if self.rng.random() < rate and END - vf > min_days + 30:
            return vf + min_days + int((END - vf - min_days) * self.rng.random())
        return None
