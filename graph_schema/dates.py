"""Dates as researchers write them: the forms a source table or canonical file may use.

Chinese sheets write ``2016/4/15``, ``2016.4.15`` or ``2016年4月15日``; Excel stores a day as a
serial number; sources often give only ``2004年5月`` or ``2004``. Each is read here, once, as a
day and a precision (see :data:`graph_schema.declaration.DATE_PRECISIONS`): a month or a year
is held as its first day, and the precision travels beside the date so that answers can say
the date is not exact. The API's own parameters stay ``YYYY-MM-DD``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any, Literal

__all__ = ["ACCEPTED_FORMS", "Precision", "excel_serial_date", "parse_loose_date"]

Precision = Literal["day", "month", "year"]

#: what a date cell may hold, for messages
ACCEPTED_FORMS = (
    "YYYY-MM-DD, YYYY/M/D, YYYY.M.D, YYYY年M月D日 or an Excel date number; or only a month "
    "(YYYY-MM, YYYY/M, YYYY年M月) or a year (YYYY, YYYY年)"
)

_DAY = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
_DAY_ZH = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_MONTH = re.compile(r"(\d{4})[-/.](\d{1,2})")
_MONTH_ZH = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:份)?")
_YEAR = re.compile(r"(\d{4})\s*年?")
#: an Excel serial day number: 5 digits covers 1927-05-18 to 2173-10-14
_SERIAL = re.compile(r"[1-9]\d{4}(?:\.0+)?")
#: Excel's day 0 (its calendar counts a 29 February 1900 that never was, so from day 61 on
#: the days line up with 1899-12-30 + n)
_EXCEL_EPOCH = date(1899, 12, 30)


def excel_serial_date(serial: float) -> date:
    """The day an Excel serial number (1900 date system) stands for."""
    if serial < 61:
        raise ValueError("expected an Excel date number after 1900-03-01")
    return _EXCEL_EPOCH + timedelta(days=int(serial))


def _day(year: str, month: str, day: str) -> date:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(f"expected a real calendar date ({ACCEPTED_FORMS})") from None


def _month(year: str, month: str) -> date:
    if not 1 <= int(month) <= 12:
        raise ValueError(f"expected a month from 1 to 12 ({ACCEPTED_FORMS})")
    return date(int(year), int(month), 1)


def parse_loose_date(value: Any) -> tuple[date, Precision]:
    """A date in any accepted form, as a day and its precision; ValueError otherwise."""
    if isinstance(value, datetime):  # a spreadsheet's date cell
        return value.date(), "day"
    if isinstance(value, date):
        return value, "day"
    if not isinstance(value, str):
        raise ValueError(f"expected a date: {ACCEPTED_FORMS}")
    text = value.strip()
    if match := _DAY.fullmatch(text):
        return _day(match[1], match[3], match[4]), "day"
    if match := _DAY_ZH.fullmatch(text):
        return _day(*match.groups()), "day"
    if match := _MONTH.fullmatch(text) or _MONTH_ZH.fullmatch(text):
        return _month(match[1], match[2]), "month"
    if match := _YEAR.fullmatch(text):
        return date(int(match[1]), 1, 1), "year"
    if _SERIAL.fullmatch(text):
        return excel_serial_date(float(text)), "day"
    raise ValueError(f"expected a date: {ACCEPTED_FORMS}")
