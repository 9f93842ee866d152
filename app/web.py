"""The browser UI, served beside the API from the same origin.

The UI's files are package data of ``app`` (``app/ui``, found with :mod:`importlib.resources`),
so any install serves them, editable or not. ``/`` is ``ui/index.html``; ``/static`` is the
``ui/`` folder (but never its ``node_modules``); ``/vendor/NAME`` is one of a few library
files picked from ``ui/node_modules``, installed by ``npm ci`` from ``ui/package-lock.json``
(``make run`` and ``make test`` do it; a wheel built afterwards carries them). Nothing is
fetched from the internet. Without them ``/`` says so and how to fix it; the API works
either way.

The page runs only the script files it names: its Content-Security-Policy allows scripts,
styles and requests from its own origin alone, no inline script and no plugin, so a name or
quote that slipped into the page as markup still could not run.
"""

from __future__ import annotations

import logging
import os
from html import escape
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.staticfiles import StaticFiles

from app.api.errors import error_response

__all__ = ["CSP", "VENDOR", "WEB_DIR", "missing_vendor_files", "mount_web"]

#: The UI's folder: package data of ``app`` (pip installs packages as folders, not zips).
WEB_DIR = Path(str(files("app") / "ui"))

#: ``/vendor/NAME`` → its file under ``web/node_modules`` (the versions: web/package.json).
VENDOR: dict[str, str] = {
    "cytoscape.min.js": "cytoscape/dist/cytoscape.min.js",
    "cytoscape-dagre.min.js": "cytoscape-dagre/dist/cytoscape-dagre.min.js",
    "cytoscape-svg.js": "cytoscape-svg/cytoscape-svg.js",
}

#: The UI page's Content-Security-Policy: its own files only; images also from data: and
#: blob: URLs (the PNG export draws the canvas into one); nothing inline, nothing framed.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
_PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
log = logging.getLogger("affgraph.web")


class _UIFiles(StaticFiles):
    """The UI's own files: the folder, less its installed packages."""

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        first = Path(path).parts[:1]
        if first == ("node_modules",):
            return "", None
        return super().lookup_path(path)


def missing_vendor_files(web_dir: Path) -> list[str]:
    """The library files the UI needs that are not installed (empty: all there)."""
    modules = web_dir / "node_modules"
    return [rel for rel in VENDOR.values() if not (modules / rel).is_file()]


def _not_installed_page(web_dir: Path, missing: list[str]) -> HTMLResponse:
    files = "".join(f"<li><code>node_modules/{escape(m)}</code></li>" for m in missing)
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>affgraph: web UI not installed</title>
</head><body>
<h1>The web UI's libraries are not installed</h1>
<p><code>{escape(str(web_dir / "node_modules"))}</code> is missing or incomplete:</p>
<ul>{files}</ul>
<p>Install them with <code>make run</code>, or by hand with
<code>cd app/ui &amp;&amp; npm ci</code> (no internet needed beyond the npm registry), then
reload this page.</p>
<p>The HTTP API works without them: <a href="/api/health">/api/health</a>,
<a href="/docs">/docs</a>.</p>
</body></html>"""
    return HTMLResponse(body, status_code=503, headers=_PAGE_HEADERS)


def mount_web(app: FastAPI, web_dir: Path = WEB_DIR) -> None:
    """Serve the UI at ``/``, its files at ``/static`` and its libraries at ``/vendor``."""
    modules = web_dir / "node_modules"
    if missing_vendor_files(web_dir):
        log.warning(
            "the web UI's libraries are not installed in %s: run `make run` or "
            "`cd app/ui && npm ci`; until then / explains this (the API works)",
            modules,
        )

    @app.get("/", include_in_schema=False)
    def index() -> Response:
        missing = missing_vendor_files(web_dir)
        if missing:
            return _not_installed_page(web_dir, missing)
        return FileResponse(web_dir / "index.html", headers=_PAGE_HEADERS)

    @app.get("/vendor/{name}", include_in_schema=False)
    def vendor(name: str) -> Response:
        rel = VENDOR.get(name)
        if rel is None or not (modules / rel).is_file():
            hint = "" if rel is None else "; run `cd app/ui && npm ci` (or `make run`)"
            return error_response(404, f"no vendored library file {name!r}{hint}")
        return FileResponse(modules / rel, media_type="text/javascript")

    app.mount("/static", _UIFiles(directory=web_dir, check_dir=False), name="static")
