"""Days as small integers, and their ``YYYY-MM-DD`` texts looked up, not formatted.

The generator reasons about time in whole days counted from :data:`EPOCH`; a row is written
with :data:`TEXT`, a table from day number (or ``None``, open-ended) to text. Every date the
generator writes lies before :data:`END`, the "present" of the synthetic data.
"""

from __future__ import annotations

from datetime import date, timedelta

__all__ = ["END", "EPOCH", "OPINIONS_2012", "SASAC_FOUNDED", "START", "TEXT", "YEAR", "day"]

EPOCH = date(1978, 1, 1)
YEAR = 365


def day(year: int, month: int = 1, dom: int = 1) -> int:
    """The day number of a calendar date."""
    return (date(year, month, dom) - EPOCH).days


#: The earliest founding date of an ordinary enterprise.
START = day(1995)
#: The data's present: no date the generator writes is on or after it.
END = day(2026, 7, 1)
#: The 2012 General Office Opinions: work coverage (instructors) starts from then.
OPINIONS_2012 = day(2012, 5, 1)
#: When the (synthetic) provincial SASAC and its Party committee were set up.
SASAC_FOUNDED = day(2004, 6, 1)

#: Day number (or ``None``) → ``YYYY-MM-DD`` (or ``None``, written as an empty cell).
TEXT: dict[int | None, str | None] = {None: None}
TEXT.update((n, (EPOCH + timedelta(days=n)).isoformat()) for n in range(day(2031) - 0))
