"""Refresh the README's screenshots of the web UI (``docs/screenshots/``).

Run against a server of the public cases and the demo county (``make run``)::

    python -m tools.screenshots http://127.0.0.1:8000

Each picture is one view in Debian's Chromium at 1400×860, as a user opens it; the large tree
is zoomed to where semantic zoom shows the branches' labels. The Demo County's tree shows its
timeline strip (events per year, the as-of marker on 2016-06-30); the Duplicates view is shown
as a browser without the write token sees it. The bundled data holds no duplicate, so that
picture is taken of a store that also loads ``docs/screenshots/example_duplicate.jsonl``
(two example records naming one committee two ways)::

    affgraph load data/cases data/demo docs/screenshots/example_duplicate.jsonl --store shots.db
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"

#: (file, URL fragment, script run once the view is drawn)
SHOTS: tuple[tuple[str, str, str], ...] = (
    ("overview.png", "view=overview&date=2024-06-30", ""),
    (
        "large-tree.png",
        "view=tree&id=bj-ipb-pc",
        "() => { const n = cy.getElementById('bj-ipb-pc'); cy.zoom(0.9);"
        " cy.pan({x: cy.width() / 2 - n.position('x') * 0.9, y: 90 - n.position('y') * 0.9}); }",
    ),
    ("large-tree-whole.png", "view=tree&id=bj-ipb-pc", ""),
    ("conflict.png", "view=tree&id=demo-jiahe-pb&date=2024-06-30", ""),
    ("tree.png", "view=tree&id=tj-zhonghuan-samsung-jv-pc&date=2022-07-05", ""),
    ("parents-in-law.png", "view=superiors&id=jd-ent-a1", ""),
    (
        "tree-timeline.png",
        "view=tree&id=demo-county-pc&date=2016-06-30",
        "() => { const n = cy.getElementById('demo-county-pc'); cy.zoom(1.1);"
        " cy.pan({x: cy.width() / 2 - n.position('x') * 1.1, y: 60 - n.position('y') * 1.1}); }",
    ),
    (
        "changes.png",
        "view=changes&from=2021-01-01&to=2023-12-31&root=tj-sasac-pc",
        "() => { document.querySelector('ol.changes li[data-change=line_ended] button').click(); }",
    ),
    ("duplicates.png", "view=duplicates", ""),
)


def main(base: str) -> None:
    """Open each view and save its picture."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--headless"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 860})
        for name, fragment, script in SHOTS:
            page.goto("about:blank")  # a new page: the same hash again would not redraw
            page.goto(f"{base}/#{fragment}")
            page.wait_for_function("() => document.body.dataset.state === 'ready'")
            if script:
                page.evaluate(script)
            page.wait_for_timeout(400)
            page.screenshot(path=str(OUT / name))
            print(OUT / name)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
