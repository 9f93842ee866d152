"""Naming a load: by its number, a tag, or a time — wherever a load number is asked for
(``affgraph revert``, ``--as-recorded``, ``as_recorded=`` in the API).

A tag must begin with a letter, so that no tag can ever be read as a load number (digits) or
a time (which begins with a year): a reference means one thing, whatever tags exist.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from stores.base import GraphStore
from stores.history import RecordHistory, TagError, UnknownLoadError

__all__ = ["TAG_PATTERN", "check_tag_name", "loads_held", "resolve_load", "utc_text"]

#: what a tag is: a letter, then up to 63 letters, digits, dots, underscores or hyphens
TAG_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9._-]{0,63}")
_EXPECTED_TAG = (
    "expected a letter, then up to 63 letters, digits, '.', '_' or '-' (e.g. paper-2027)"
)


def check_tag_name(name: str) -> str:
    """``name`` if it can be a tag, else :class:`TagError` naming it and what is expected."""
    if not isinstance(name, str) or TAG_PATTERN.fullmatch(name) is None:
        raise TagError(f"tag {name!r}: {_EXPECTED_TAG}")
    return name


def _history(store: GraphStore) -> RecordHistory:
    if not isinstance(store, RecordHistory):
        raise UnknownLoadError(f"{store.location} keeps no load log")
    return store


def loads_held(store: GraphStore) -> str:
    """What the log holds, for a message: "the log has loads 1–41" (or that it is empty,
    and where a migrated store's askable loads begin)."""
    history = _history(store)
    last, first = history.last_load(), history.first_load()
    if last == 0:
        return "the log is empty (nothing has been loaded)"
    span = f"load {last}" if first >= last else f"loads {first}–{last}"
    if first > 1:
        return (
            f"the log has {span} (the store was migrated at load {first}; "
            "earlier states were not kept)"
        )
    return f"the log has {span}"


def _number(store: GraphStore, number: int, given: object) -> int:
    history = _history(store)
    if not history.first_load() <= number <= history.last_load():
        raise UnknownLoadError(f"load {given}: {loads_held(store)}")
    return number


def utc_text(moment: datetime) -> str:
    """A time as the log writes it (ISO 8601, UTC, to the second): a time without a zone
    is taken as UTC; fractions of a second are dropped (the log keeps none, so a load at
    12:00:00 is "at or before" 12:00:00.5)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC).replace(microsecond=0)
    return moment.isoformat().replace("+00:00", "Z")


def _time_of(ref: str) -> str | None:
    """The ISO time a reference names (a date: the end of that day, UTC), or None."""
    text = ref.strip()
    try:
        if len(text) == 10:  # YYYY-MM-DD
            day = date.fromisoformat(text)
            return utc_text(datetime.combine(day, time(23, 59, 59), tzinfo=UTC))
        return utc_text(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None


def resolve_load(store: GraphStore, ref: str | int) -> int:
    """The load number ``ref`` names: a number (int or digits), a tag, or an ISO date or
    time (the last load committed by then; a date means the end of that day, UTC; a time
    without a zone is UTC). :class:`UnknownLoadError` saying what was given and what
    exists, for a number or time outside the log (or before a migrated store's first
    askable load) and an unknown tag."""
    history = _history(store)
    if isinstance(ref, bool):
        raise UnknownLoadError(f"load {ref!r}: expected a load number, a tag or a time")
    if isinstance(ref, int):
        return _number(store, ref, ref)
    text = ref.strip()
    if text.isascii() and text.isdigit():
        return _number(store, int(text), text)
    if TAG_PATTERN.fullmatch(text):
        tags = history.tags()
        if text in tags:
            return tags[text]
        known = ", ".join(sorted(tags)[:10]) + (" …" if len(tags) > 10 else "")
        held = f"the tags are {known}" if tags else "no load is tagged"
        raise UnknownLoadError(f"tag {text!r}: no such tag ({held})")
    when = _time_of(text)
    if when is None:
        raise UnknownLoadError(
            f"load {ref!r}: expected a load number, a tag or an ISO date or time "
            "(2026-03-02, 2026-03-02T14:00:00Z)"
        )
    found = history.load_at(when)
    if found is None or found < history.first_load():
        raise UnknownLoadError(f"{text}: no load was committed by {when}; {loads_held(store)}")
    return found
