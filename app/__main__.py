"""``python -m app``: the same as the ``affgraph`` command."""

from app.cli import main

main()
