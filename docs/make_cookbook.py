"""Write docs/cypher-cookbook.md from the catalogue of named queries.

.venv/bin/python docs/make_cookbook.py          # write it
.venv/bin/python docs/make_cookbook.py --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

from exports.cookbook import render

TARGET = Path(__file__).resolve().parent / "cypher-cookbook.md"


def main(argv: list[str]) -> int:
    text = render()
    current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else None
    if "--check" in argv:
        if current != text:
            print(f"{TARGET} is out of date: run python docs/make_cookbook.py", file=sys.stderr)
            return 1
        return 0
    if current != text:
        TARGET.write_text(text, encoding="utf-8")
        print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
