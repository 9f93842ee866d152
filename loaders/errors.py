"""Located load errors: every bad value is reported with its file, line, field and expectation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["LoadError", "LoadFailedError", "Notice", "from_pydantic"]

_VALUE_WIDTH = 60


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _VALUE_WIDTH else text[: _VALUE_WIDTH - 1] + "…"


@dataclass(frozen=True, order=True)
class LoadError:
    """One problem in the input, where it is and what was expected instead."""

    file: str
    line: int
    field: str
    value: Any
    expected: str

    def __str__(self) -> str:
        value = "" if self.value is None else f" {_show(self.value)}"
        return f"{self.file}:{self.line}: {self.field}:{value} — {self.expected}"

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form (for the API's error envelope)."""
        return {
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "value": self.value
            if isinstance(self.value, str | int | float | None)
            else repr(self.value),
            "expected": self.expected,
        }


@dataclass(frozen=True, order=True)
class Notice:
    """Something a load did that the user should know, though it is no error: a file or sheet
    it did not load, an encoding it guessed, a value it read in another form."""

    file: str
    line: int
    field: str
    value: Any
    message: str

    def __str__(self) -> str:
        value = "" if self.value is None else f" {_show(self.value)}"
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}:{value} — {self.message}"


class LoadFailedError(Exception):
    """The input had errors; nothing was written. ``errors`` holds all of them, sorted."""

    def __init__(self, errors: Iterable[LoadError], notices: Iterable[Notice] = ()) -> None:
        unique = {(e.file, e.line, e.field, repr(e.value), e.expected): e for e in errors}
        self.errors = sorted(unique.values(), key=lambda e: (e.file, e.line, e.field))
        self.notices = sorted(notices, key=lambda n: (n.file, n.line, n.field))
        count = len(self.errors)
        super().__init__(
            f"{count} error{'' if count == 1 else 's'} in the input; nothing was loaded"
        )


def _expected(err: Mapping[str, Any]) -> str:
    kind, msg, ctx = err["type"], str(err["msg"]), err.get("ctx") or {}
    if kind == "missing":
        return "expected a value: the field is required"
    if kind == "extra_forbidden":
        return "expected no such field: it is not part of this record in the format"
    if kind == "literal_error":
        return f"expected one of {ctx.get('expected', '')}"
    if kind == "union_tag_invalid":
        return f"expected one of {ctx.get('expected_tags', '')}"
    if kind == "union_tag_not_found":
        return f"expected a {ctx.get('discriminator', 'tag')} field"
    if msg.startswith("Value error, "):
        return msg.removeprefix("Value error, ")
    return msg.replace("Input should be", "expected", 1)


def _field(loc: Sequence[Any], record_kind: str, err: Mapping[str, Any]) -> str:
    if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return str((err.get("ctx") or {}).get("discriminator", "record")).strip("'")
    depth = 2 if record_kind in ("node", "edge") else 1  # skip the union tags in the location
    return ".".join(str(part) for part in loc[depth:]) or "record"


def from_pydantic(
    file: str, line: int, data: Mapping[str, Any], errors: Iterable[Mapping[str, Any]]
) -> list[LoadError]:
    """Turn pydantic's error dicts for one record into located errors."""
    record_kind = str(data.get("record", ""))
    found = []
    for err in errors:
        field = _field(err["loc"], record_kind, err)
        value = err.get("input") if err["type"] != "missing" else None
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            value = data.get(field)
        found.append(LoadError(file, line, field, value, _expected(err)))
    return found
