"""The playground and docs pages: served with a strict CSP, no inline script, off by config."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import pytest
from flask.testing import FlaskClient
from support.http import MakeApp, problem

from service.config import ConfigError, Settings
from service.web.pages import ASSET_CSP, DOCS_CSP, PLAYGROUND_CSP

from .support import REQUIRED_POLICY, fetch, parse_page, parse_policy

PAGES = {"/": PLAYGROUND_CSP, "/docs": DOCS_CSP}
UNSAFE = {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "'wasm-unsafe-eval'", "*"}


@pytest.mark.parametrize("path", PAGES)
def test_page_is_html_with_a_strict_policy(client: FlaskClient, path: str) -> None:
    response = fetch(client, path)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Content-Security-Policy"] == PAGES[path]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "X-Request-ID" in response.headers


@pytest.mark.parametrize("header", [PLAYGROUND_CSP, DOCS_CSP, ASSET_CSP])
def test_policy_is_at_least_the_required_one(header: str) -> None:
    policy = parse_policy(header)
    assert policy["default-src"] == ["'none'"]
    for directive, allowed in REQUIRED_POLICY.items():
        assert directive in policy, directive
        assert set(policy[directive]) <= allowed, directive
    for sources in policy.values():
        assert not UNSAFE & set(sources)


def test_playground_enforces_trusted_types() -> None:
    policy = parse_policy(PLAYGROUND_CSP)
    assert policy["require-trusted-types-for"] == ["'script'"]
    assert policy["trusted-types"] == ["'none'"]


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_inline_script_or_style(client: FlaskClient, path: str) -> None:
    page = parse_page(fetch(client, path).get_data(as_text=True))
    assert page.scripts, "the page loads its script from a file"
    assert all(script.get("src") for script in page.scripts)
    assert page.inline_script_text == []
    assert page.handlers == []
    assert page.style_attributes == []
    assert page.style_elements == 0
    assert page.javascript_urls == []


@pytest.mark.parametrize("path", PAGES)
def test_every_asset_a_page_loads_is_served_same_origin(client: FlaskClient, path: str) -> None:
    page = parse_page(fetch(client, path).get_data(as_text=True))
    assets = [str(s["src"]) for s in page.scripts] + page.stylesheets + page.icons
    for asset in assets:
        assert not asset.startswith(("/", "http:", "https:", "//")), "relative to the page"
        url = str(PurePosixPath("/", asset))
        response = fetch(client, url)
        assert response.status_code == 200, url
        assert response.headers["Content-Security-Policy"] == ASSET_CSP
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        expected = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
        assert response.mimetype == expected[PurePosixPath(asset).suffix], url


def test_module_imports_resolve(client: FlaskClient) -> None:
    for module in ("playground.js", "render.js", "spans.js"):
        response = fetch(client, f"/static/playground/{module}")
        assert response.status_code == 200
        for target in re.findall(r'from "([^"]+)"', response.get_data(as_text=True)):
            assert target.startswith("./"), "same-origin, relative module imports only"
            assert fetch(client, f"/static/playground/{target}").status_code == 200


@pytest.mark.parametrize(
    "path", ["/static/../config.py", "/static/%2e%2e/pages.py", "/static/nothing.js", "/static/"]
)
def test_only_static_files_are_served(client: FlaskClient, path: str) -> None:
    problem(fetch(client, path), 404)


def test_scripts_never_parse_strings_as_html(client: FlaskClient) -> None:
    forbidden = ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(")
    for module in ("playground/playground.js", "playground/render.js", "playground/spans.js"):
        source = fetch(client, f"/static/{module}").get_data(as_text=True)
        assert not [word for word in forbidden if word in source], module
        assert "new Function" not in source


@pytest.mark.parametrize("path", ["/", "/docs", "/static/playground/playground.js"])
def test_pages_are_404_problems_when_the_ui_is_off(make_app: MakeApp, path: str) -> None:
    client = make_app(Settings(ui_enabled=False)).test_client()
    problem(fetch(client, path), 404)
    assert fetch(client, "/livez").status_code == 200


def test_ui_enabled_setting() -> None:
    assert Settings.from_env({}).ui_enabled is True
    for value, expected in [("false", False), ("0", False), ("off", False), ("TRUE", True)]:
        assert Settings.from_env({"UI_ENABLED": value}).ui_enabled is expected
    with pytest.raises(ConfigError, match="UI_ENABLED"):
        Settings.from_env({"UI_ENABLED": "maybe"})
