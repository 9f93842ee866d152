"""The README documents every setting, route and command; a test fails when one is missing."""

from __future__ import annotations

import re
from pathlib import Path

from app.cli import cli
from app.main import create_app
from app.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
#: Generated from the named queries' declarations: every query's route, with its parameters.
COOKBOOK = (ROOT / "docs" / "cypher-cookbook.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    for name in Settings.model_fields:
        assert f"`AFFGRAPH_{name.upper()}`" in README, name


def test_every_api_route_is_documented() -> None:
    app = create_app(Settings(store=":memory:"))
    paths = set(app.openapi()["paths"])
    assert len(paths) >= 18
    documented = set(re.findall(r"`(?:GET|POST) (/api/[^ `?]*)", README + COOKBOOK))
    documented |= {
        p for line in re.findall(r"`GET (/api/[^`]*)` · `GET (/api/[^`?]*)", README) for p in line
    }
    assert paths - documented == set()


def test_every_command_is_documented() -> None:
    names = {
        command.name or command.callback.__name__
        for command in cli.registered_commands
        if command.callback is not None
    }
    for name in names:
        assert f"`affgraph {name}" in README, name
