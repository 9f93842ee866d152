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

Given the server's write token as well (``python -m tools.screenshots URL TOKEN``), it then
judges that example pair the same body, takes the merged node (opened by its alias's URL, in
the tree, with its details) and the judged pair in the Duplicates view, and withdraws the
judgement again (it stays in the store, marked withdrawn), so that the other pictures can be
taken again of the same store.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx
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

#: The example pair of docs/screenshots/example_duplicate.jsonl (canonical: the least id).
EXAMPLE_PAIR = ("example-sasac-pc-long", "example-sasac-pc-short")

#: Taken while the example pair is judged the same (needs the write token).
MERGED_SHOTS: tuple[tuple[str, str, str], ...] = (
    (
        "merged.png",
        f"view=tree&id={EXAMPLE_PAIR[1]}&date=2024-06-30",
        "() => { const n = cy.getElementById('example-sasac-pc-long'); cy.zoom(1.0);"
        " cy.pan({x: cy.width() / 2 - n.position('x'), y: cy.height() / 2 - n.position('y')});"
        " document.querySelector('#details .same-as').scrollIntoView(); }",
    ),
    ("duplicates-merged.png", "view=duplicates&judged=yes", ""),
)


def take(page: Any, base: str, shots: tuple[tuple[str, str, str], ...]) -> None:
    """Open each view and save its picture."""
    for name, fragment, script in shots:
        page.goto("about:blank")  # a new page: the same hash again would not redraw
        page.goto(f"{base}/#{fragment}")
        page.wait_for_function("() => document.body.dataset.state === 'ready'")
        if script:
            page.evaluate(script)
        page.wait_for_timeout(400)
        page.screenshot(path=str(OUT / name))
        print(OUT / name)


def main(base: str, token: str | None) -> None:
    """The pictures; with the token, the merged example pair's too (see the docstring)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--headless"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 860})
        take(page, base, SHOTS)
        if token is None:
            print("no write token given: merged.png and duplicates-merged.png not taken")
        else:
            auth = {"Authorization": f"Bearer {token}"}
            a, b = EXAMPLE_PAIR
            judged = httpx.post(
                f"{base}/api/duplicates/judgements",
                json={
                    "a": a,
                    "b": b,
                    "verdict": "same",
                    "who": "screenshots",
                    "note": "example: one committee, named by a roster and by a news item",
                },
                headers=auth,
            )
            judged.raise_for_status()
            try:
                take(page, base, MERGED_SHOTS)
            finally:
                httpx.delete(
                    f"{base}/api/duplicates/judgements",
                    params={"a": a, "b": b, "who": "screenshots"},
                    headers=auth,
                ).raise_for_status()
        browser.close()


if __name__ == "__main__":
    main(
        sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000",
        sys.argv[2] if len(sys.argv) > 2 else None,
    )
