"""Shipped assets: the examples from the seeds, the vendored Swagger UI, the package data."""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from support.corpus import SEEDS_PATH

from service.formats import DEFAULT_FORMAT, FORMAT_CHOICES
from service.web.examples import EXAMPLES_PATH, examples_document, main, render
from service.web.pages import SWAGGER_UI_VERSION

from .support import REPO_ROOT, STATIC_DIR, WEB_DIR, fetch, parse_page

SWAGGER_DIR = STATIC_DIR / "vendor" / "swagger-ui"


def test_examples_are_the_seed_bodies_and_nothing_else() -> None:
    seeds = [json.loads(line) for line in SEEDS_PATH.read_text(encoding="utf-8").splitlines()]
    document = json.loads(EXAMPLES_PATH.read_text(encoding="utf-8"))
    assert document == {"examples": [{"id": s["id"], "body": s["body"]} for s in seeds]}
    assert all(set(example) == {"id", "body"} for example in document["examples"])  # no labels


def test_examples_file_is_what_the_generator_writes(capsys: Any) -> None:
    assert main([str(SEEDS_PATH)]) == 0
    assert capsys.readouterr().out == EXAMPLES_PATH.read_text(encoding="utf-8")
    assert render(examples_document(["", '{"id": 1, "body": "b", "x": 2}'])) == (
        '{\n  "examples": [\n    {\n      "id": "1",\n      "body": "b"\n    }\n  ]\n}\n'
    )
    assert main([]) == 2


def test_vendored_swagger_ui_matches_its_checksums() -> None:
    sums = (SWAGGER_DIR / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    listed = {}
    for line in sums:
        digest, name = line.split(maxsplit=1)
        listed[name] = digest
    assert {"swagger-ui-bundle.js", "swagger-ui.css", "LICENSE", "NOTICE"} <= set(listed)
    for name, digest in listed.items():
        assert hashlib.sha256((SWAGGER_DIR / name).read_bytes()).hexdigest() == digest, name
    readme = (SWAGGER_DIR / "README.md").read_text(encoding="utf-8")
    assert f"`swagger-ui-dist` {SWAGGER_UI_VERSION}" in readme
    assert "Apache License" in (SWAGGER_DIR / "LICENSE").read_text(encoding="utf-8")


def test_docs_page_names_the_vendored_version(client: FlaskClient) -> None:
    html = fetch(client, "/docs").get_data(as_text=True)
    assert f'data-swagger-ui-version="{SWAGGER_UI_VERSION}"' in html
    assert [s["src"] for s in parse_page(html).scripts] == [
        "static/vendor/swagger-ui/swagger-ui-bundle.js",
        "static/docs/docs.js",
    ]


def test_package_data_ships_every_template_and_asset() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["service.web"]
    shipped = {path for pattern in patterns for path in WEB_DIR.glob(pattern) if path.is_file()}
    needed = {
        path
        for folder in ("templates", "static")
        for path in (WEB_DIR / folder).rglob("*")
        if path.is_file()
    }
    assert needed - shipped == set()


def test_format_selector_offers_every_output_format(client: FlaskClient) -> None:
    html = fetch(client, "/").get_data(as_text=True)
    options = [line.strip() for line in html.splitlines() if line.strip().startswith("<option")]
    offered = [option.split(">", 1)[1].split("<", 1)[0] for option in options]
    assert offered == list(FORMAT_CHOICES)
    assert f"selected>{DEFAULT_FORMAT}<" in html


def test_static_dir_is_inside_the_package() -> None:
    assert Path(STATIC_DIR).is_dir()
    assert (STATIC_DIR / "examples.json") == EXAMPLES_PATH
