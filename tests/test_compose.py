"""The Neo4j deployment (docker-compose.yml, Dockerfile, .env.example), checked as files:
no Docker is needed (or available) to run the suite."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
VAR = re.compile(r"\$\{(\w+)(?::?[-?][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
    return data


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def test_services_present(compose: dict[str, Any]) -> None:
    assert {"neo4j", "app", "load"} <= set(compose["services"])


def test_images_are_pinned(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if "image" in service:
            image = service["image"]
            assert ":" in image, f"{name}: {image} has no tag"
            tag = image.rsplit(":", 1)[1]
            assert tag != "latest", name
            assert not tag.startswith("$"), name
        else:
            assert "build" in service, f"{name}: neither image nor build"
    neo4j = compose["services"]["neo4j"]["image"]
    assert re.fullmatch(r"neo4j:5\.26\.\d+-community", neo4j), neo4j  # 5.26 LTS, a patch


def test_neo4j_health_volumes_and_memory(compose: dict[str, Any]) -> None:
    neo4j = compose["services"]["neo4j"]
    check = neo4j["healthcheck"]
    assert check["test"][0] in ("CMD", "CMD-SHELL")
    assert "cypher-shell" in " ".join(check["test"])
    assert check["retries"] >= 3
    named = set(compose["volumes"])
    mounts = dict(v.split(":", 1) for v in neo4j["volumes"])
    assert mounts.get(next(v for v in named if "data" in v)) == "/data"
    assert mounts.get(next(v for v in named if "log" in v)) == "/logs"
    assert set(mounts) <= named  # named volumes, not host folders
    env = _env(neo4j)
    for setting in (
        "NEO4J_server_memory_heap_initial__size",
        "NEO4J_server_memory_heap_max__size",
        "NEO4J_server_memory_pagecache_size",
    ):
        assert setting in env
    assert env["NEO4J_AUTH"].startswith("neo4j/${NEO4J_PASSWORD")


def test_no_literal_passwords(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for key, value in _env(service).items():
            if "PASSWORD" in key or key == "NEO4J_AUTH":
                secret = value.split("/", 1)[-1]
                assert VAR.fullmatch(secret), f"{name}: {key} must be a ${{VAR}} reference"
    example = (ROOT / ".env.example").read_text("utf-8")
    assert re.search(r"^NEO4J_PASSWORD=\s*$", example, re.MULTILINE)  # left for the user
    ignored = (ROOT / ".dockerignore").read_text("utf-8").split()
    assert ".env" in ignored  # the password never enters the image


def test_app_serves_neo4j_once_healthy(compose: dict[str, Any]) -> None:
    app = compose["services"]["app"]
    command = app["command"]
    assert command[:2] == ["affgraph", "serve"]
    assert command[command.index("--host") + 1] == "0.0.0.0"
    port = command[command.index("--port") + 1]
    assert any(str(p).endswith(f":{port}") for p in app["ports"])
    env = _env(app)
    assert env["AFFGRAPH_STORE"] == "neo4j://neo4j:7687"
    assert app["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert "healthcheck" in app


def test_load_is_one_shot_and_loads_the_cases(compose: dict[str, Any]) -> None:
    load = compose["services"]["load"]
    assert load["command"][:2] == ["affgraph", "load"]
    assert "data/cases" in load["command"]
    assert load.get("restart", "no") == "no"
    assert load["depends_on"]["neo4j"]["condition"] == "service_healthy"


def test_dockerfile_slim_and_non_root() -> None:
    lines = [
        line.strip()
        for line in (ROOT / "Dockerfile").read_text("utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    bases = [line.split()[1] for line in lines if line.upper().startswith("FROM ")]
    assert re.fullmatch(r"python:3\.\d+-slim(-\w+)?", bases[-1]), bases
    assert all(not b.endswith(":latest") and ":" in b for b in bases), bases
    users = [line.split()[1] for line in lines if line.upper().startswith("USER ")]
    assert users, "the image must switch to a non-root user"
    assert users[-1] not in ("root", "0")
    # the image installs the locked versions, the ones tested and audited
    assert any("pip install" in line and "--constraint requirements.lock" in line for line in lines)
    assert lines[-1].startswith("CMD")
    assert "affgraph" in lines[-1]
