"""The browser UI, end to end: a real headless Chromium (Debian's ``/usr/bin/chromium``)
driven by Playwright against a real ``affgraph serve`` over the public cases.

Besides the cases, the store holds two small test files: a Tianjin street committee and an
orphaned branch under it with Chinese names (the cases are in English and, today, have no
orphans), and a committee with 2,500 branches, for a tree that must stay responsive.
Each test asserts on what is drawn (``window.cy``) and shown, and saves a screenshot under
``test-artifacts/``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.bolt_server import free_port
from app.web import VENDOR, WEB_DIR, missing_vendor_files, mount_web

pytestmark = pytest.mark.processes

CHROMIUM = Path(os.environ.get("AFFGRAPH_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
JV = "tj-zhonghuan-samsung-jv-pc"
BIG = 2500

EXTRA: list[dict[str, Any]] = [
    {
        "record": "node",
        "id": "test-tj-street-wc",
        "label": "PartyOrg",
        "kind": "work_committee",
        "name": "天津市某街道党工委（测试）",
        "name_en": "Party Work Committee of a street in Tianjin (test)",
    },
    {
        "record": "node",
        "id": "test-tj-orphan-branch",
        "label": "PartyOrg",
        "kind": "branch",
        "name": "天津某科技有限公司党支部（测试）",
        "members": 5,
        "aliases": ["Branch of a Tianjin technology company (test)"],
    },
    {
        "record": "edge",
        "type": "AFFILIATED_TO",
        "from": "test-tj-street-wc",
        "to": "tj-municipal-pc",
        "kind": "territorial",
    },
    {
        "record": "edge",
        "type": "AFFILIATED_TO",
        "from": "test-tj-orphan-branch",
        "to": "test-tj-street-wc",
        "kind": "territorial",
        "valid_from": "2019-01-01",
        "valid_to": "2023-03-01",
        "quote": "a test line that ended with no new one",
    },
    {
        "record": "node",
        "id": "test-old-wc",
        "label": "PartyOrg",
        "kind": "work_committee",
        "name": "旧街道党工委（测试，已撤销）",
        "valid_to": "2020-06-01",
    },
    {
        "record": "node",
        "id": "test-left-branch",
        "label": "PartyOrg",
        "kind": "branch",
        "name": "Branch left behind by a dissolved committee (test)",
        "members": 4,
    },
    {
        "record": "edge",
        "type": "AFFILIATED_TO",
        "from": "test-old-wc",
        "to": "tj-municipal-pc",
        "kind": "territorial",
        "valid_to": "2020-06-01",
    },
    {
        "record": "edge",
        "type": "AFFILIATED_TO",
        "from": "test-left-branch",
        "to": "test-old-wc",
        "kind": "territorial",
    },
]


def _big_tree() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = [
        {
            "record": "node",
            "id": "test-big-pc",
            "label": "PartyOrg",
            "kind": "committee",
            "name": "Park enterprise committee with many branches (test)",
        },
        {
            "record": "edge",
            "type": "AFFILIATED_TO",
            "from": "test-big-pc",
            "to": "tj-municipal-pc",
            "kind": "territorial",
        },
    ]
    for i in range(BIG):
        records.append(
            {
                "record": "node",
                "id": f"test-big-branch-{i:04d}",
                "label": "PartyOrg",
                "kind": "branch",
                "name": f"Branch {i} (test)",
                "members": 3 + i % 40,
            }
        )
        records.append(
            {
                "record": "edge",
                "type": "AFFILIATED_TO",
                "from": f"test-big-branch-{i:04d}",
                "to": "test-big-pc",
                "kind": "territorial",
            }
        )
    return records


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


# -- the server and the browser -----------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, cases_dir: Path) -> Iterator[str]:
    """``affgraph load`` the cases and the test files, then ``affgraph serve`` them."""
    if missing_vendor_files(WEB_DIR):
        pytest.fail("web/node_modules is missing: run `make test` (it runs npm ci in web/)")
    root = tmp_path_factory.mktemp("web-ui")
    db = root / "ui.db"
    extra = _write(root / "extra.jsonl", EXTRA)
    big = _write(root / "big.jsonl", _big_tree())
    affgraph = [sys.executable, "-m", "app"]
    done = subprocess.run(
        [*affgraph, "load", str(cases_dir), str(extra), str(big), "--store", str(db)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    port = free_port()
    process = subprocess.Popen(
        [*affgraph, "serve", "--store", str(db), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/api/health", timeout=1)
                break
            except httpx.TransportError:
                output = (
                    process.stdout.read() if process.poll() is not None and process.stdout else ""
                )
                assert process.poll() is None, f"affgraph serve exited: {output}"
                assert time.monotonic() < deadline, "affgraph serve did not start"
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Debian's Chromium, headless, with a new empty profile."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 860},
            accept_downloads=True,
        )
        context.set_default_timeout(20_000)
        yield context
        context.close()


@pytest.fixture
def page(browser_context: Any, server: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A new tab; fails the test on any script error, and saves a screenshot at the end."""
    tab = browser_context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.base = server
    yield tab
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    tab.close()
    assert not errors, f"script errors in the page: {errors}"


def open_view(page: Any, fragment: str) -> None:
    page.goto(f"{page.base}/#{fragment}")
    wait_ready(page)


def wait_ready(page: Any) -> None:
    """Wait until the view is drawn (the app sets <body data-state=ready>)."""
    page.wait_for_function("document.body.dataset.state !== 'loading'")
    state = page.evaluate("document.body.dataset.state")
    assert state == "ready", page.inner_text("#status")


def node_ids(page: Any) -> set[str]:
    ids: list[str] = page.evaluate("cy.nodes().map(n => n.id())")
    return set(ids)


def tree_superior(page: Any, node_id: str) -> list[str]:
    """The superiors drawn above a node by solid (current) tree lines."""
    found: list[str] = page.evaluate(
        "id => cy.getElementById(id).incomers('edge.tree').map(e => e.source().id())", node_id
    )
    return found


def tap(page: Any, node_id: str) -> None:
    """Click a node the way a user does (cytoscape's tap), then wait for the view."""
    # (the function returns nothing: a cytoscape collection is slow to serialize)
    page.evaluate("id => { cy.getElementById(id).emit('tap'); }", node_id)
    wait_ready(page)


# -- the tests ----------------------------------------------------------------------------------


def test_search_by_english_name_suggests_and_opens_the_tree(page: Any) -> None:
    open_view(page, "view=analysis")
    page.fill("#search", "Siemens")
    suggestion = page.locator("#suggestions li[data-id='bj-siemens-gb']")
    suggestion.wait_for()
    assert "General Party branch in Siemens China" in suggestion.inner_text()
    suggestion.click()
    page.wait_for_function("location.hash.includes('id=bj-siemens-gb')")
    wait_ready(page)
    assert "view=tree" in page.evaluate("location.hash")
    ids = node_ids(page)
    # the reporting line up (Beijing committee → Investment Promotion Bureau) and 9 branches
    assert {"bj-siemens-gb", "bj-ipb-pc", "bj-municipal-pc"} <= ids
    assert len([i for i in ids if i.startswith("bj-siemens-branch-")]) == 9
    assert tree_superior(page, "bj-siemens-gb") == ["bj-ipb-pc"]
    assert "Tree of General Party branch in Siemens China" in page.inner_text("#view-title")
    assert "General Party branch in Siemens China" in page.inner_text("#details h2")


def test_search_in_chinese(page: Any) -> None:
    open_view(page, "view=analysis")
    page.fill("#search", "天津")
    page.locator("#suggestions li[data-id='test-tj-orphan-branch']").wait_for()
    texts = page.locator("#suggestions li[data-id]").all_inner_texts()
    assert any("天津市某街道党工委（测试）" in t for t in texts)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_function("location.hash.includes('id=')")
    wait_ready(page)
    first = page.evaluate("new URLSearchParams(location.hash.slice(1)).get('id')")
    assert first in {"test-tj-orphan-branch", "test-tj-street-wc"}
    assert first in node_ids(page)
    assert "天津" in page.inner_text("#details h2")


def test_tree_expands_and_collapses_on_click(page: Any) -> None:
    open_view(page, f"view=tree&id={JV}&date=2023-01-01")
    before = node_ids(page)
    assert {JV, "tj-jinzhi-pc", "tj-sasac-pc", "tj-municipal-pc"} <= before
    # the SASAC committee is on the line; a click asks its subtree: its other enterprises
    tap(page, "tj-sasac-pc")
    after = node_ids(page)
    assert len(after) > len(before) + 2
    assert {"tj-pharma-pc", "tj-pipe-pc"} & after
    assert page.evaluate("cy.getElementById('tj-sasac-pc').outgoers('node').length") >= 3
    # a second click collapses it: what was under it is gone, and said to be hidden
    tap(page, "tj-sasac-pc")
    collapsed = node_ids(page)
    assert JV not in collapsed
    assert "tj-sasac-pc" in collapsed
    assert "hidden" in page.inner_text("#status")
    assert page.evaluate("cy.getElementById('tj-sasac-pc').hasClass('collapsed')")


def test_as_of_date_moves_the_joint_venture(page: Any) -> None:
    open_view(page, f"view=tree&id={JV}&date=2022-07-04")
    assert tree_superior(page, JV) == ["tj-zhonghuan-pc"]
    # the line that begins on 2022-07-05 is drawn apart, as a later one
    assert page.evaluate(f"cy.getElementById('tj-jinzhi-pc').edgesTo('#{JV}').hasClass('future')")
    page.fill("#as-of", "2022-07-05")
    page.wait_for_function("location.hash.includes('date=2022-07-05')")
    wait_ready(page)
    assert tree_superior(page, JV) == ["tj-jinzhi-pc"]
    ended = page.evaluate(
        f"cy.getElementById('tj-zhonghuan-pc').edgesTo('#{JV}')"
        ".map(e => [e.hasClass('ended'), e.data('caption')])"
    )
    assert ended == [[True, "ended 2022-07-05"]]
    # the parents-in-law view is asked again for the day too
    page.click("#tabs button[data-view=superiors]")
    wait_ready(page)
    formal = page.evaluate(
        "cy.edges().filter(e => e.data('type') === 'AFFILIATED_TO').map(e => e.source().id())"
    )
    assert formal == ["tj-jinzhi-pc"]
    page.fill("#as-of", "2022-07-04")
    page.wait_for_function("location.hash.includes('date=2022-07-04')")
    wait_ready(page)
    formal = page.evaluate(
        "cy.edges().filter(e => e.data('type') === 'AFFILIATED_TO').map(e => e.source().id())"
    )
    assert formal == ["tj-zhonghuan-pc"]


def test_parents_in_law_view_groups_the_supervising_bodies(page: Any) -> None:
    open_view(page, "view=superiors&id=jd-ent-a1")
    ids = node_ids(page)
    assert {"jd-ent-a1", "jd-street-a-wc", "jd-union", "jd-youth-league"} <= ids
    groups = page.evaluate("cy.nodes(':parent').map(n => n.data('caption'))")
    assert "formal superior (1)" in groups
    assert any(g.startswith("union") for g in groups)
    assert page.evaluate("cy.getElementById('jd-union').parent().id()") == "group:union"
    kinds = set(page.evaluate("cy.edges().map(e => e.data('kind'))"))
    assert "affiliation" in kinds
    assert len(kinds) >= 3
    assert "distinct superiors" in page.inner_text("#status")


def test_orphans_list_opens_the_orphan(page: Any) -> None:
    open_view(page, "view=analysis&list=orphans")
    row = page.locator("#list-table tbody tr[data-id='test-tj-orphan-branch']")
    assert "affiliation ended" in row.inner_text().replace("_", " ")
    page.select_option("#list-filter", "affiliation_ended")
    page.wait_for_function("location.hash.includes('reason=affiliation_ended')")
    wait_ready(page)
    assert page.locator("#list-table tbody tr").count() == 1
    # before the line ended it was no orphan
    page.fill("#as-of", "2022-01-01")
    wait_ready(page)
    page.wait_for_function("!document.querySelector(\"tr[data-id='test-tj-orphan-branch']\")")
    page.fill("#as-of", "2024-01-01")
    page.wait_for_function("!!document.querySelector(\"tr[data-id='test-tj-orphan-branch']\")")
    page.locator("#list-table tbody tr[data-id='test-tj-orphan-branch'] td").nth(1).click()
    page.wait_for_function("location.hash.includes('view=tree')")
    wait_ready(page)
    assert "test-tj-orphan-branch" in node_ids(page)
    assert "has no superior" in page.inner_text("#status")
    ended = page.evaluate("cy.edges('.ended').map(e => e.source().id())")
    assert ended == ["test-tj-street-wc"]


def test_dissolved_superior_is_drawn_apart(page: Any) -> None:
    open_view(page, "view=analysis&list=orphans&reason=superior_dissolved")
    page.locator("#list-table tbody tr[data-id='test-left-branch'] td").first.click()
    page.wait_for_function("location.hash.includes('id=test-left-branch')")
    wait_ready(page)
    assert tree_superior(page, "test-left-branch") == ["test-old-wc"]
    assert page.evaluate("cy.getElementById('test-old-wc').hasClass('dissolved')")
    assert "(dissolved)" in page.evaluate("cy.getElementById('test-old-wc').data('caption')")
    assert "stops at a dissolved superior" in page.inner_text("#status")
    # before it was dissolved, the line ran on up to the root
    page.fill("#as-of", "2020-05-31")
    page.wait_for_function("location.hash.includes('date=2020-05-31')")
    wait_ready(page)
    assert not page.evaluate("cy.getElementById('test-old-wc').hasClass('dissolved')")
    assert tree_superior(page, "test-old-wc") == ["tj-municipal-pc"]


def test_other_analysis_lists_open_their_rows(page: Any) -> None:
    open_view(page, "view=analysis&list=transfers")
    table = page.inner_text("#list-table")
    assert "proposed to" in table
    assert "decided to" in table
    assert "transferred · 已转移" in table  # the schema's Chinese term (GET /api/labels)
    # the lists, their filters' choices and their columns come from GET /api/queries
    catalogue = page.evaluate("fetch('/api/queries').then(r => r.json())")
    listed = [q for q in catalogue["items"] if q["listing"]]
    names = page.eval_on_selector_all("#list-name option", "os => os.map(o => o.value)")
    assert names == [q["name"] for q in listed]
    transfers = next(q for q in listed if q["name"] == "transfers")
    statuses = next(p["enum"] for p in transfers["parameters"] if p["name"] == "status")
    options = page.eval_on_selector_all("#list-filter option", "os => os.map(o => o.value)")
    assert options == ["", *statuses]
    headers = page.eval_on_selector_all("#list-table th", "ths => ths.map(t => t.textContent)")
    assert headers == [c["title"] for c in transfers["listing"]["columns"]]
    row = page.locator("#list-table tbody tr", has_text="transferred").first
    row.locator("td").nth(1).click()
    wait_ready(page)
    assert "date=2022-07-05" in page.evaluate("location.hash")
    assert tree_superior(page, JV) == ["tj-jinzhi-pc"]
    for name in ("overlaps", "mismatches", "coverage", "conflicts"):
        open_view(page, f"view=analysis&list={name}")
        assert page.locator("#list-table").count() == 1, name
    open_view(page, "view=analysis&list=overlaps&min=1")
    page.locator("#list-table tbody tr td").nth(3).click()
    wait_ready(page)
    assert "view=superiors" in page.evaluate("location.hash")
    assert page.evaluate("cy.nodes('.focus').length") == 1


def test_details_panel_shows_properties_dates_and_source(page: Any) -> None:
    open_view(page, f"view=tree&id={JV}&date=2023-01-01")
    tap(page, "tj-jinzhi-pc")
    page.wait_for_function("document.querySelector('#details h2')?.textContent.includes('Jinzhi')")
    details = page.inner_text("#details")
    assert "tj-jinzhi-pc" in details
    assert "Source" in details
    assert page.locator("#details blockquote").count() == 1
    # a line: its kind, dates and the quote behind it
    page.evaluate(f"() => {{ cy.getElementById('tj-jinzhi-pc').edgesTo('#{JV}').emit('tap'); }}")
    page.wait_for_function(
        "document.querySelector('#details h2')?.textContent.startsWith('Affiliation')"
    )
    details = page.inner_text("#details")
    assert "from 2022-07-05" in details
    assert "soe_reform_2022" in details
    assert "Tianjin Jinzhi Capital Party Committee" in page.inner_text("#details blockquote")


def test_reload_restores_view_node_and_date(page: Any) -> None:
    open_view(page, f"view=superiors&id={JV}&date=2022-07-04")
    before = sorted(node_ids(page))
    page.reload()
    wait_ready(page)
    assert sorted(node_ids(page)) == before
    assert page.input_value("#as-of") == "2022-07-04"
    assert page.evaluate("document.querySelector('#tabs .active').dataset.view") == "superiors"


def test_export_png_svg_csv_json(page: Any, tmp_path: Path) -> None:
    open_view(page, f"view=tree&id={JV}&date=2022-07-05")
    files = {}
    for kind in ("png", "svg", "csv", "json"):
        with page.expect_download() as download:
            page.click(f"#export-{kind}")
        target = tmp_path / download.value.suggested_filename
        download.value.save_as(str(target))
        files[kind] = target
    assert files["png"].name == f"affgraph-tree-{JV}-2022-07-05.png"
    assert files["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert files["png"].stat().st_size > 5000
    assert "<svg" in files["svg"].read_text(encoding="utf-8")[:500]
    csv = files["csv"].read_text(encoding="utf-8")
    assert csv.startswith("id,label,kind,name")
    assert "tj-jinzhi-pc" in csv
    data = json.loads(files["json"].read_text(encoding="utf-8"))
    assert data["chain"]["items"][1]["id"] == "tj-jinzhi-pc"


def test_thousands_of_nodes_stay_collapsed(page: Any) -> None:
    started = time.monotonic()
    open_view(page, "view=tree&id=test-big-pc")
    assert time.monotonic() - started < 15
    drawn = page.evaluate("cy.nodes().length")
    assert drawn <= 320
    status = page.inner_text("#status")
    hidden = int(re.search(r"([\d,]+) hidden", status).group(1).replace(",", ""))  # type: ignore[union-attr]
    branches = page.evaluate("cy.nodes().filter(n => n.id().startsWith('test-big-branch')).length")
    assert branches + hidden == BIG
    # "… more" shows the next few hundred
    tap(page, "more:test-big-pc")
    more = page.evaluate("cy.nodes().filter(n => n.id().startsWith('test-big-branch')).length")
    assert branches < more <= branches + 300


def test_index_explains_missing_node_modules(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!doctype html><title>x</title>", encoding="utf-8")
    app = FastAPI()
    mount_web(app, tmp_path)
    client = TestClient(app)
    answer = client.get("/")
    assert answer.status_code == 503
    assert "node_modules" in answer.text
    assert "npm ci" in answer.text
    assert client.get("/vendor/cytoscape.min.js").status_code == 404
    assert client.get("/static/index.html").status_code == 200


def test_static_files_never_serve_node_modules(server: str) -> None:
    assert httpx.get(f"{server}/static/app.js").status_code == 200
    assert httpx.get(f"{server}/static/node_modules/cytoscape/package.json").status_code == 404
    for name in VENDOR:
        answer = httpx.get(f"{server}/vendor/{name}")
        assert answer.status_code == 200, name
        assert "javascript" in answer.headers["content-type"]
    assert httpx.get(f"{server}/vendor/other.js").json()["error"]["code"] == "not_found"
    index = httpx.get(f"{server}/")
    assert index.status_code == 200
    assert 'src="/vendor/cytoscape.min.js"' in index.text


def test_the_history_says_why_a_line_ends(page: Any) -> None:
    """The joint venture's line to Zhonghuan ends on the day of its transfer: the details
    panel lists the pieces of evidence behind it, the transfer among them, with its quote."""
    open_view(page, f"view=tree&id={JV}&date=2022-07-05")
    page.wait_for_selector("#history ul.evidence li")
    pieces = page.locator("#history li.evidence").all_inner_texts()
    ended = [p for p in pieces if "says it ended on 2022-07-05" in p]
    assert ended, pieces
    assert "transfer tj-transfer-zhonghuan-samsung-jv" in ended[0]
    assert "soe_reform_2022" in ended[0]
