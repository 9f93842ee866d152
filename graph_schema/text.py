"""Text hygiene, declared once: what a text field of a record may hold.

Cells are pasted from Word, web pages and other people's sheets. Every text is NFC-normalised
and loses leading and trailing white space (names keep every other character). An
identifier must match what a user later types: one holding an invisible or control character
(a byte order mark, a zero-width space, a no-break space, a tab) or full-width ASCII (``ＡＢ１``)
is refused with the character named by its code point — kept, it would load and then never be
found. A URL must be ``http:`` or ``https:``: anything else (``javascript:``) could run when a
user clicks it.
"""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "check_id",
    "check_url",
    "clean_id",
    "clean_text",
    "is_clean",
    "odd_id_characters",
]


def clean_text(value: Any) -> Any:
    """A text NFC-normalised, without white space at either end."""
    if not isinstance(value, str):
        return value
    return unicodedata.normalize("NFC", value).strip()


def clean_id(value: Any) -> Any:
    """An identifier NFC-normalised, without plain spaces at either end: any other white
    space there (a tab, a no-break space) is left for :func:`check_id` to name."""
    if not isinstance(value, str):
        return value
    return unicodedata.normalize("NFC", value).strip(" ")


def is_clean(value: str, *, identifier: bool = False) -> bool:
    """Whether cleaning leaves ``value`` as it is (cheap for plain text)."""
    if value.isascii():
        return value == (value.strip(" ") if identifier else value.strip())
    cleaned: str = clean_id(value) if identifier else clean_text(value)
    return value == cleaned


#: Unicode categories an identifier may not hold: control, format (invisible), private use,
#: unassigned and separators (the plain space aside)
_ODD_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp", "Zs"})
_FULL_WIDTH = range(0xFF01, 0xFF5F)


def _odd(char: str) -> bool:
    if char == " ":
        return False
    return unicodedata.category(char) in _ODD_CATEGORIES or ord(char) in _FULL_WIDTH


def _describe(char: str) -> str:
    name = unicodedata.name(char, "")
    if char == "\ufeff":
        name = "BYTE ORDER MARK / ZERO WIDTH NO-BREAK SPACE"
    elif not name:
        name = {"\t": "TAB", "\n": "LINE FEED", "\r": "CARRIAGE RETURN"}.get(char, "CONTROL")
    return f"U+{ord(char):04X} {name}"


def odd_id_characters(value: str) -> list[str]:
    """The characters an identifier may not hold, each once, described by code point: the
    invisible ones, and ``|``, which separates the ids of a list cell and the parts of a
    line's key."""
    if value.isascii() and value.isprintable() and "|" not in value:  # the usual id
        return []
    found = [_describe(char) for char in dict.fromkeys(filter(_odd, value))]
    return [*found, "U+007C VERTICAL LINE '|'"] if "|" in value else found


def check_id(value: str) -> str:
    """An identifier, or ValueError naming its invisible or full-width characters."""
    odd = odd_id_characters(value)
    if odd:
        raise ValueError(
            "expected an id without invisible, control or full-width characters or '|'; it "
            "holds " + ", ".join(odd) + " (invisible ones are often pasted from Word or a web "
            "page: retype the id)"
        )
    return value


def check_url(value: str) -> str:
    """An http(s) address, or ValueError: other schemes (``javascript:``) could run."""
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError("expected an http:// or https:// address")
    return value
