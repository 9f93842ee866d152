"""A non-editable install carries the web UI: the wheel built from the source holds the UI's
files as package data of ``app``, with the library files ``npm ci`` installed, and the app
installed from it finds them (:mod:`app.web`) where it was installed, not in a checkout."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from app.web import VENDOR, WEB_DIR

pytestmark = pytest.mark.processes

ROOT = Path(__file__).resolve().parent.parent
#: What a build reads: the project file, the README and the packages (pyproject.toml picks
#: the ones it installs).
SOURCES = ["pyproject.toml", "README.md"]
SOURCES += sorted(p.parent.name for p in ROOT.glob("*/__init__.py"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the source (the checkout itself is left untouched)."""
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(
                ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "--quiet"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", str(out), str(source)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("affgraph-*.whl")
    return built


def test_the_wheel_carries_the_ui(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    ui = {
        f"app/ui/{path.relative_to(WEB_DIR).as_posix()}"
        for path in WEB_DIR.rglob("*")
        if path.is_file()
        and "node_modules" not in path.parts
        and path.suffix in (".html", ".js", ".css")
    }
    assert "app/ui/index.html" in ui
    assert "app/ui/views/analysis.js" in ui
    assert ui <= names
    assert {f"app/ui/node_modules/{rel}" for rel in VENDOR.values()} <= names
    assert not [n for n in names if n.startswith(("tools/", "tests/", "web/", "bench/"))]


def test_an_installed_app_serves_its_ui(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "--quiet"]
    subprocess.run(
        [*pip, "install", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    probe = (
        "import json, app.web\n"
        "from fastapi import FastAPI\n"
        "from fastapi.testclient import TestClient\n"
        "web = FastAPI(); app.web.mount_web(web); client = TestClient(web)\n"
        "print(json.dumps({'dir': str(app.web.WEB_DIR), 'missing': "
        "app.web.missing_vendor_files(app.web.WEB_DIR), 'index': client.get('/').status_code, "
        "'ui': client.get('/static/views/analysis.js').status_code, "
        "'vendor': client.get('/vendor/cytoscape.min.js').status_code}))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    answer = json.loads(found.stdout)
    assert Path(answer["dir"]).is_relative_to(target)
    assert answer == {**answer, "missing": [], "index": 200, "ui": 200, "vendor": 200}


def test_an_installed_app_runs_affgraph_bolt(wheel: Path, tmp_path: Path, cases_dir: Path) -> None:
    """``affgraph bolt`` starts its server from the installed package, not from the checkout."""
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"app/bolt.py", "app/bolt_server.py"} <= names
    target = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "--quiet"]
    install = [*pip, "install", "--no-deps", "--target", str(target), str(wheel)]
    subprocess.run(install, check=True, capture_output=True)
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    db = tmp_path / "cases.db"
    affgraph = [sys.executable, "-m", "app"]
    load = [*affgraph, "load", str(cases_dir), "--store", str(db)]
    subprocess.run(load, cwd=tmp_path, env=env, check=True, capture_output=True)
    probe = "import app.bolt_server, sys; print(app.bolt_server.__file__); sys.exit(5)"
    done = subprocess.run(
        [*affgraph, "bolt", "--store", str(db), "--port", "0", "--", sys.executable, "-c", probe],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 5, done.stdout + done.stderr
    assert f"{target}/app/bolt_server.py" in done.stdout
    assert "Stopped." in done.stdout
