"""Known vulnerabilities of the pinned dependencies, from PyPI's per-project JSON.

Why this exists: ``make audit`` (run by ``make test``) audits ``requirements.lock`` with
pip-audit, which asks PyPI's per-release JSON (https://pypi.org/pypi/NAME/VERSION/json) or
OSV. Where neither answers -- as on the CI machines, whose PyPI mirror serves only the
per-project JSON (https://pypi.org/pypi/NAME/json) -- pip-audit can audit nothing, and the
audit used to be skipped outright. The per-project JSON carries the same advisories
(``vulnerabilities``: OSV entries with id, aliases, fixed_in, withdrawn), but only for the
project's *latest* release. So a pin that *is* the latest release is audited exactly, as
pip-audit would audit it; a pin behind the latest cannot be audited from that page, and is
listed as a warning with the reason (upgrade the pin, ``make lock``, to bring it under audit).

Findings are acted on, not just printed: any advisory against a pinned version fails the
audit (exit 1). Either raise the pin past its ``fixed_in`` (``make lock`` resolves the newest
releases pyproject.toml allows) or, when the advisory does not apply or cannot be fixed yet,
ignore it by id with ``--ignore ID`` -- in the Makefile's ``AUDIT_IGNORE``, with a comment
giving the reason.

It runs with the dev venv's python and uses ``packaging`` (which pip-audit brings) for
names and versions; otherwise only the standard library.

    python tools/audit.py [requirements.lock] [--ignore ID ...] [--timeout S] [--workers N]

Exit status: 0 clean (or SKIPPED: PyPI not reachable at all), 1 vulnerabilities found,
2 the lock file cannot be read.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import socket
import sys
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PYPI_JSON = "https://pypi.org/pypi"
DEFAULT_LOCK = "requirements.lock"

# Why a distribution was not audited (the summary counts them by these kinds).
BEHIND = "behind PyPI's latest release"
LOOKUP_FAILED = "lookup failed"


@dataclass(frozen=True)
class Pin:
    """One line of the lock file: ``name==version``."""

    name: str
    version: str


@dataclass(frozen=True)
class Finding:
    """One advisory against a pinned version."""

    name: str
    version: str
    id: str
    aliases: tuple[str, ...]
    fixed_in: tuple[str, ...]
    link: str = ""
    ignored: bool = False


@dataclass(frozen=True)
class Assessment:
    """What the audit could say about one pin: audited (with its findings), or not, and why."""

    pin: Pin
    audited: bool
    findings: tuple[Finding, ...] = ()
    kind: str = ""  # when not audited: BEHIND or LOOKUP_FAILED
    reason: str = ""  # when not audited: the detail


@dataclass(frozen=True)
class Report:
    """The rendered report and the exit status it calls for."""

    text: str
    exit_code: int
    summary: str
    assessments: tuple[Assessment, ...] = field(default=())


def same_version(a: str, b: str) -> bool:
    """Whether two version strings name one release (PEP 440: ``1.0`` is ``1.0.0``); a
    string that is not a PEP 440 version is compared as text."""
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a.strip().lower() == b.strip().lower()


def parse_lock(text: str) -> list[Pin]:
    """The pins of a lock file: one ``name==version`` a line; comments and blanks skipped.

    Anything else (a range, an option, an editable) raises ValueError: a lock pins exactly.
    """
    pins: list[Pin] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;]+)", line)
        if m is None:
            raise ValueError(f"line {number}: not an exact pin (name==version): {raw.strip()!r}")
        pins.append(Pin(m[1], m[2]))
    return pins


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(str(item) for item in value)


def assess(pin: Pin, project: Mapping[str, Any], ignore: Iterable[str] = ()) -> Assessment:
    """Audit one pin against its project's JSON (https://pypi.org/pypi/NAME/json, parsed).

    The page's ``vulnerabilities`` are those of ``info.version``, the latest release: if the pin
    is that release they are an exact audit of it (withdrawn advisories dropped; those whose
    id or an alias is in ``ignore`` kept but marked ignored). Otherwise the pin is not audited.
    """
    ignored = {item.strip().upper() for item in ignore}
    info = project.get("info")
    latest = info.get("version") if isinstance(info, Mapping) else None
    if not isinstance(latest, str) or not latest:
        return Assessment(
            pin,
            audited=False,
            kind=LOOKUP_FAILED,
            reason="the project JSON names no latest release",
        )
    vulns = project.get("vulnerabilities")
    if not same_version(pin.version, latest):
        advisories = [v for v in vulns or [] if isinstance(v, Mapping) and not v.get("withdrawn")]
        note = f"; the latest has {len(advisories)} advisories of its own" if advisories else ""
        return Assessment(
            pin,
            audited=False,
            kind=BEHIND,
            reason=f"pinned {pin.version}, latest is {latest}{note}",
        )
    if not isinstance(vulns, list):
        return Assessment(
            pin,
            audited=False,
            kind=LOOKUP_FAILED,
            reason="the project JSON has no vulnerabilities list",
        )
    findings: list[Finding] = []
    for vuln in vulns:
        if not isinstance(vuln, Mapping) or vuln.get("withdrawn"):
            continue
        vid = str(vuln.get("id") or "?")
        aliases = _strings(vuln.get("aliases"))
        findings.append(
            Finding(
                name=pin.name,
                version=pin.version,
                id=vid,
                aliases=aliases,
                fixed_in=_strings(vuln.get("fixed_in")),
                link=str(vuln.get("link") or ""),
                ignored=any(x.upper() in ignored for x in (vid, *aliases)),
            )
        )
    return Assessment(pin, audited=True, findings=tuple(findings))


def lookup_failed(pin: Pin, error: str) -> Assessment:
    """A pin whose project JSON could not be fetched or read."""
    return Assessment(pin, audited=False, kind=LOOKUP_FAILED, reason=error)


def report(assessments: Sequence[Assessment]) -> Report:
    """The report of a run: findings, ignored findings, pins not audited, one summary line.

    Exit status 1 when any finding is not ignored, else 0. Not auditing a pin is a warning.
    """
    lines: list[str] = []
    found = [f for a in assessments for f in a.findings if not f.ignored]
    ignored = [f for a in assessments for f in a.findings if f.ignored]

    def describe(f: Finding) -> str:
        aliases = ", ".join(f.aliases) or "no aliases"
        fixed = ", ".join(f.fixed_in) or "no fixed release"
        link = f" {f.link}" if f.link else ""
        return f"{f.name} {f.version}: {f.id} ({aliases}); fixed in {fixed}{link}"

    if found:
        lines.append(f"VULNERABLE: {len(found)} known vulnerabilities in pinned versions:")
        lines += [f"  {describe(f)}" for f in found]
    if ignored:
        lines.append(f"ignored (--ignore): {len(ignored)}:")
        lines += [f"  {describe(f)}" for f in ignored]
    not_audited = [a for a in assessments if not a.audited]
    if not_audited:
        lines.append(
            f"warning: {len(not_audited)} pinned distributions not audited "
            "(PyPI's project JSON lists advisories of the latest release only):"
        )
        lines += [f"  {a.pin.name} {a.pin.version}: {a.kind}: {a.reason}" for a in not_audited]
    audited = len(assessments) - len(not_audited)
    kinds: dict[str, int] = {}
    for a in not_audited:
        kinds[a.kind] = kinds.get(a.kind, 0) + 1
    detail = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    summary = (
        f"audited {audited} of {len(assessments)} pinned distributions: "
        f"{len(found)} vulnerabilities"
        + (f" ({len(ignored)} more ignored)" if ignored else "")
        + f"; {len(not_audited)} not audited"
        + (f" ({detail})" if detail else "")
    )
    lines.append(summary)
    return Report("\n".join(lines), 1 if found else 0, summary, tuple(assessments))


# --- is the lock still the one pyproject.toml's dependencies make? ------------------------

DIGEST_KEY = "pyproject-dependencies-sha256"


def dependencies_digest(pyproject_text: str) -> str:
    """A digest of what pyproject.toml declares the install needs (order-insensitive).

    ``make lock`` writes it into the lock's header; a lock whose digest differs was made from
    other dependencies, and ``make audit`` fails until ``make lock`` is run again.
    """
    project = tomllib.loads(pyproject_text).get("project", {})
    extras = project.get("optional-dependencies", {})
    declared = {
        "requires-python": project.get("requires-python", ""),
        "dependencies": sorted(project.get("dependencies", [])),
        "optional-dependencies": {k: sorted(v) for k, v in sorted(extras.items())},
    }
    blob = json.dumps(declared, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()


def recorded_digest(lock_text: str) -> str | None:
    """The digest a lock's header records (``# pyproject-dependencies-sha256: HEX``)."""
    m = re.search(rf"^#\s*{DIGEST_KEY}:\s*([0-9a-f]{{64}})\s*$", lock_text, re.MULTILINE)
    return m[1] if m else None


def staleness(lock_text: str, pyproject_text: str) -> str | None:
    """Why the lock does not match pyproject.toml's dependencies (None when it does)."""
    recorded = recorded_digest(lock_text)
    if recorded is None:
        return f"the lock records no {DIGEST_KEY} (was it made by make lock?)"
    if recorded != dependencies_digest(pyproject_text):
        return "pyproject.toml's dependencies changed since the lock was made"
    return None


# --- the network side ----------------------------------------------------------------------

Fetch = Callable[[str], Mapping[str, Any]]


def fetch_project(name: str, base: str = PYPI_JSON, timeout: float = 20.0) -> Mapping[str, Any]:
    """PyPI's JSON for one project (raises OSError/ValueError when it cannot be had)."""
    url = f"{base.rstrip('/')}/{canonicalize_name(name)}/json"
    req = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": "affgraph-tools-audit"}
    )
    with urllib.request.urlopen(req, timeout=timeout) as response:
        data = json.load(response)
    if not isinstance(data, dict):
        raise ValueError("the project JSON is not an object")
    return data


def audit(
    pins: Sequence[Pin], fetch: Fetch, ignore: Iterable[str] = (), workers: int = 16
) -> list[Assessment]:
    """Fetch every pin's project JSON concurrently and assess it (in the lock's order)."""
    ignore = tuple(ignore)

    def one(pin: Pin) -> Assessment:
        try:
            project = fetch(pin.name)
        except urllib.error.HTTPError as exc:
            return lookup_failed(pin, f"HTTP {exc.code} from PyPI")
        except (OSError, ValueError) as exc:  # URLError, timeouts, bad JSON
            return lookup_failed(pin, f"{type(exc).__name__}: {exc}")
        return assess(pin, project, ignore)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(one, pins))


def unreachable(base: str, timeout: float) -> str | None:
    """Why PyPI's JSON API cannot be reached at all (None when it can)."""
    try:
        fetch_project("pip", base, timeout)
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code} for {base}/pip/json"
    except (OSError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Audit a lock file's pins against PyPI's per-project advisories."
    )
    parser.add_argument(
        "lock",
        nargs="?",
        default=DEFAULT_LOCK,
        help=f"the lock file, one name==version a line (default {DEFAULT_LOCK})",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="ID",
        help="an advisory id or alias not to fail on (repeatable); say why "
        "beside it in the Makefile's AUDIT_IGNORE",
    )
    parser.add_argument(
        "--pyproject",
        metavar="PATH",
        help="first check that the lock was made from this file's dependencies "
        "(exit 1 when it was not)",
    )
    parser.add_argument(
        "--check-only", action="store_true", help="only that check (with --pyproject), no audit"
    )
    parser.add_argument(
        "--digest",
        metavar="PYPROJECT",
        help=f"print the lock header line '# {DIGEST_KEY}: ...' and exit",
    )
    parser.add_argument("--index", default=PYPI_JSON, help=f"the JSON API (default {PYPI_JSON})")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per lookup")
    parser.add_argument("--workers", type=int, default=16, help="concurrent lookups")
    args = parser.parse_args(argv)

    if args.digest:
        digest = dependencies_digest(Path(args.digest).read_text(encoding="utf-8"))
        print(f"# {DIGEST_KEY}: {digest}")
        return 0
    try:
        lock_text = Path(args.lock).read_text(encoding="utf-8")
        pins = parse_lock(lock_text)
    except (OSError, ValueError) as exc:
        print(f"audit: cannot read {args.lock}: {exc}", file=sys.stderr)
        return 2
    if args.pyproject:
        stale = staleness(lock_text, Path(args.pyproject).read_text(encoding="utf-8"))
        if stale is not None:
            print(
                f"audit: FAILED: {args.lock} is stale: {stale}; run make lock (and commit "
                "it) so that the install and the audit cover what pyproject.toml asks for."
            )
            return 1
    if args.check_only:
        return 0
    socket.setdefaulttimeout(args.timeout)
    why = unreachable(args.index, args.timeout)
    if why is not None:
        print(
            f"audit: SKIPPED: PyPI's JSON API is not reachable from this machine ({why}), "
            f"so none of the {len(pins)} pins of {args.lock} was audited; run make audit "
            "online."
        )
        return 0

    def fetch(name: str) -> Mapping[str, Any]:
        return fetch_project(name, args.index, args.timeout)

    result = report(audit(pins, fetch, args.ignore, args.workers))
    print(result.text)
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
