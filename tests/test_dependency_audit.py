"""tools/audit.py, make audit's fallback: its decisions on canned PyPI project JSON (no network).

Also that the committed requirements.lock is one make lock wrote for the current
pyproject.toml, and that it pins setuptools past its known advisories.
"""

from __future__ import annotations

import urllib.error
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from packaging.utils import canonicalize_name

from tools import audit
from tools.audit import Assessment, Pin

ROOT = Path(__file__).resolve().parent.parent

VULN = {
    "id": "PYSEC-2022-43012",
    "aliases": ["CVE-2022-40897", "GHSA-r9hx-vwmv-q579"],
    "fixed_in": ["65.5.1"],
    "withdrawn": None,
    "link": "https://osv.dev/vulnerability/PYSEC-2022-43012",
    "details": "ReDoS in package_index.py",
}
WITHDRAWN = {
    **VULN,
    "id": "GHSA-xxxx-yyyy-zzzz",
    "aliases": [],
    "withdrawn": "2024-01-01T00:00:00Z",
}


def project(latest: str, *vulns: Mapping[str, Any]) -> dict[str, Any]:
    """The shape of https://pypi.org/pypi/NAME/json, as far as the audit reads it."""
    return {"info": {"name": "setuptools", "version": latest}, "vulnerabilities": list(vulns)}


def test_a_pin_at_the_latest_release_with_an_advisory_is_reported_and_fails() -> None:
    pin = Pin("setuptools", "65.5.0")
    assessed = audit.assess(pin, project("65.5.0", VULN))
    assert assessed.audited
    assert len(assessed.findings) == 1
    finding = assessed.findings[0]
    assert (finding.name, finding.version, finding.id) == (
        "setuptools",
        "65.5.0",
        "PYSEC-2022-43012",
    )
    assert finding.aliases == ("CVE-2022-40897", "GHSA-r9hx-vwmv-q579")
    assert finding.fixed_in == ("65.5.1",)
    assert not finding.ignored

    result = audit.report([assessed, audit.assess(Pin("idna", "3.20"), project("3.20"))])
    assert result.exit_code == 1
    assert (
        "setuptools 65.5.0: PYSEC-2022-43012 (CVE-2022-40897, GHSA-r9hx-vwmv-q579); "
        "fixed in 65.5.1" in result.text
    )
    assert result.summary == (
        "audited 2 of 2 pinned distributions: 1 vulnerabilities; 0 not audited"
    )
    assert result.text.splitlines()[-1] == result.summary


def test_withdrawn_advisories_are_ignored() -> None:
    assessed = audit.assess(Pin("setuptools", "84.2.1"), project("84.2.1", WITHDRAWN))
    assert assessed.audited
    assert assessed.findings == ()
    result = audit.report([assessed])
    assert result.exit_code == 0
    assert "GHSA-xxxx-yyyy-zzzz" not in result.text
    assert result.summary.startswith("audited 1 of 1 pinned distributions: 0 vulnerabilities;")


def test_a_pin_behind_the_latest_release_is_a_warning_not_an_audit() -> None:
    # The page's advisories are the latest release's: they say nothing exact about 1.3.3.
    assessed = audit.assess(Pin("contourpy", "1.3.3"), project("1.4.0", VULN))
    assert not assessed.audited
    assert assessed.findings == ()
    assert assessed.kind == audit.BEHIND
    assert "pinned 1.3.3, latest is 1.4.0" in assessed.reason
    assert "the latest has 1 advisories of its own" in assessed.reason

    ok = audit.assess(Pin("idna", "3.20"), project("3.20"))
    result = audit.report([ok, assessed])
    assert result.exit_code == 0
    assert "warning: 1 pinned distributions not audited" in result.text
    assert "contourpy 1.3.3: behind PyPI's latest release: pinned 1.3.3" in result.text
    assert result.summary == (
        "audited 1 of 2 pinned distributions: 0 vulnerabilities; "
        "1 not audited (1 behind PyPI's latest release)"
    )


def test_ignore_by_id_or_alias_keeps_the_finding_listed_but_passes() -> None:
    pin = Pin("setuptools", "65.5.0")
    for ignore in (["PYSEC-2022-43012"], ["cve-2022-40897"]):
        assessed = audit.assess(pin, project("65.5.0", VULN), ignore)
        assert assessed.findings[0].ignored
        result = audit.report([assessed])
        assert result.exit_code == 0
        assert "ignored (--ignore): 1:" in result.text
        assert "VULNERABLE" not in result.text
        assert result.summary == (
            "audited 1 of 1 pinned distributions: 0 vulnerabilities (1 more ignored); 0 not audited"
        )
    other = audit.assess(pin, project("65.5.0", VULN), ["CVE-1999-0001"])
    assert audit.report([other]).exit_code == 1


def test_versions_compare_in_pep_440_normal_form() -> None:
    assert audit.same_version("1.0", "1.0.0")
    assert audit.same_version("2026.10.19-post1", "2026.10.19.post1")
    assert audit.same_version("1.0RC2", "1rc2")
    assert not audit.same_version("1.0.1", "1.0")
    assert audit.same_version("Not-A-Version", "not-a-version")
    assert audit.assess(Pin("certifi", "2026.10.19.post1"), project("2026.10.19-post1")).audited


def test_lookup_failures_are_not_audited_with_the_reason() -> None:
    pins = [Pin("gone", "1.0"), Pin("flaky", "2.0"), Pin("fine", "3.0")]

    def fetch(name: str) -> Mapping[str, Any]:
        if name == "gone":
            raise urllib.error.HTTPError("u", 404, "Not Found", None, None)  # type: ignore[arg-type]
        if name == "flaky":
            raise urllib.error.URLError("timed out")
        return project("3.0")

    assessed = audit.audit(pins, fetch, workers=3)
    assert [a.pin.name for a in assessed] == ["gone", "flaky", "fine"]
    assert [a.audited for a in assessed] == [False, False, True]
    assert assessed[0].kind == audit.LOOKUP_FAILED
    assert assessed[0].reason == "HTTP 404 from PyPI"
    assert "timed out" in assessed[1].reason
    result = audit.report(assessed)
    assert result.exit_code == 0
    assert result.summary.endswith("2 not audited (2 lookup failed)")

    broken = audit.assess(Pin("odd", "1.0"), {"info": {}})
    assert isinstance(broken, Assessment)
    assert not broken.audited


def test_the_lock_parser_takes_exact_pins_only() -> None:
    text = "# header\n\nFoo_Bar==1.2.3\nbaz==2.0.post1  # why\n"
    assert audit.parse_lock(text) == [Pin("Foo_Bar", "1.2.3"), Pin("baz", "2.0.post1")]
    for bad in ("foo>=1.0\n", "-e .\n", "foo\n"):
        with pytest.raises(ValueError, match="line 1: not an exact pin"):
            audit.parse_lock(bad)


def test_main_end_to_end_with_a_fake_pypi(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pages = {
        "pip": project("26.3"),
        "setuptools": project("65.5.0", VULN),
        "numpy": project("2.5.5"),
    }

    def fake(name: str, base: str = "", timeout: float = 0.0) -> Mapping[str, Any]:
        return pages[name]

    monkeypatch.setattr(audit, "fetch_project", fake)
    lock = tmp_path / "requirements.lock"
    lock.write_text("pip==26.3\nsetuptools==65.5.0\nnumpy==2.4.6\n", encoding="utf-8")

    assert audit.main([str(lock)]) == 1
    out = capsys.readouterr().out
    assert "VULNERABLE: 1 known vulnerabilities" in out
    assert "numpy 2.4.6: behind PyPI's latest release: pinned 2.4.6, latest is 2.5.5" in out
    assert out.rstrip().endswith(
        "audited 2 of 3 pinned distributions: 1 vulnerabilities; "
        "1 not audited (1 behind PyPI's latest release)"
    )

    assert audit.main([str(lock), "--ignore", "CVE-2022-40897"]) == 0
    assert "(1 more ignored)" in capsys.readouterr().out


def test_main_says_skipped_when_pypi_is_unreachable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def down(name: str, base: str = "", timeout: float = 0.0) -> Mapping[str, Any]:
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(audit, "fetch_project", down)
    lock = tmp_path / "requirements.lock"
    lock.write_text("setuptools==65.5.0\n", encoding="utf-8")
    assert audit.main([str(lock)]) == 0
    assert "SKIPPED" in capsys.readouterr().out


PYPROJECT = """\
[project]
name = "x"
requires-python = ">=3.11"
dependencies = ["a>=1,<2", "b==3"]
[project.optional-dependencies]
dev = ["c>=4"]
[tool.mypy]
strict = true
"""


def test_a_lock_older_than_pyprojects_dependencies_is_stale() -> None:
    header = f"# {audit.DIGEST_KEY}: {audit.dependencies_digest(PYPROJECT)}\n"
    lock = header + "a==1.5\nb==3\nc==4.1\n"
    assert audit.staleness(lock, PYPROJECT) is None
    # Reordering dependencies or editing tool settings does not change what is installed.
    reordered = PYPROJECT.replace('["a>=1,<2", "b==3"]', '["b==3", "a>=1,<2"]')
    assert audit.staleness(lock, reordered.replace("strict = true", "strict = false")) is None
    widened = PYPROJECT.replace("a>=1,<2", "a>=1,<3")
    assert (
        audit.staleness(lock, widened)
        == "pyproject.toml's dependencies changed since the lock was made"
    )
    assert audit.staleness(lock, PYPROJECT.replace('["c>=4"]', '["c>=4", "d"]')) is not None
    assert "records no" in (audit.staleness("a==1.5\n", PYPROJECT) or "")


def test_main_fails_on_a_stale_lock(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(PYPROJECT.replace("a>=1,<2", "a>=2"), encoding="utf-8")
    lock = tmp_path / "requirements.lock"
    lock.write_text(
        f"# {audit.DIGEST_KEY}: {audit.dependencies_digest(PYPROJECT)}\na==1.5\n", encoding="utf-8"
    )
    assert audit.main([str(lock), "--pyproject", str(pyproject), "--check-only"]) == 1
    assert "is stale" in capsys.readouterr().out


def _release(version: str) -> tuple[int, ...]:
    parts = [int(part) for part in version.split("+")[0].split(".")[:3] if part.isdigit()]
    return tuple(parts + [0] * (3 - len(parts)))


def test_the_committed_lock_matches_pyproject_and_pins_a_safe_setuptools() -> None:
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    assert audit.staleness(lock, (ROOT / "pyproject.toml").read_text(encoding="utf-8")) is None, (
        "requirements.lock is stale: run make lock"
    )
    pins: dict[str, str] = {canonicalize_name(p.name): p.version for p in audit.parse_lock(lock)}
    assert "affgraph" not in pins
    for name in ("pip", "setuptools", "fastapi", "pytest", "pip-audit"):
        assert name in pins
    # PYSEC-2022-43012 (65.5.1), CVE-2024-6345 (70.0.0), CVE-2025-47273 (78.1.1)
    assert _release(pins["setuptools"]) >= (78, 1, 1)
