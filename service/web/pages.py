"""The playground (`GET /`), the API docs (`GET /docs`) and their static assets (`/static/...`).

The pages are two small Jinja templates; everything they do happens in JavaScript modules served
from `/static/`, which call the API like any other client. Review text is attacker-controlled,
so every response from here carries a Content-Security-Policy that allows no inline script, no
eval and no other origin; the playground's also enforces Trusted Types, so even an accidental
`innerHTML` with review text would throw instead of parsing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml
from flask import Blueprint, Flask, Response, current_app, render_template, send_from_directory

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_URL_PATH = "/static"
SWAGGER_UI_VERSION = "5.35.0"
EXTENSION = "review_analyzer.web"
DEFAULT_FORMAT = "json"

_BASE_POLICY = (
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
)
# Swagger UI renders the document's markdown as HTML (DOMPurify, then React's
# dangerouslySetInnerHTML) and fails to start under Trusted Types; the playground builds every
# node with DOM APIs, so it enforces them.
DOCS_CSP = "; ".join(_BASE_POLICY)
PLAYGROUND_CSP = "; ".join(
    (*_BASE_POLICY, "require-trusted-types-for 'script'", "trusted-types 'none'")
)
ASSET_CSP = DOCS_CSP
_HARDENING = {
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}

bp = Blueprint("web", __name__, template_folder="templates")


@dataclass(frozen=True, slots=True)
class WebState:
    """What the pages need to know, computed once when the app is built."""

    formats: tuple[str, ...]
    format_parameter: bool


def register_ui(app: Flask, openapi: bytes) -> None:
    """Serve the playground, the docs and their assets on `app` (call only when UI_ENABLED)."""
    formats = output_formats(yaml.safe_load(openapi))
    app.extensions[EXTENSION] = WebState(
        formats=formats or (DEFAULT_FORMAT,), format_parameter=bool(formats)
    )
    app.register_blueprint(bp)
    # The conventional `static` endpoint: assets are files, not API operations.
    app.add_url_rule(
        f"{STATIC_URL_PATH}/<path:filename>", endpoint="static", view_func=static_asset
    )


def output_formats(document: Any) -> tuple[str, ...]:
    """Return the values of the `format` query parameter of `POST /v1/analyze`, if it has one.

    The playground offers exactly the formats the service documents, so it follows the API
    without a change of its own; an API without the parameter gets a JSON-only playground.
    """
    try:
        operation = document["paths"]["/v1/analyze"]["post"]
    except (KeyError, TypeError):
        return ()
    for raw in operation.get("parameters", []):
        parameter = _resolve(document, raw)
        if parameter.get("in") == "query" and parameter.get("name") == "format":
            enum = _resolve(document, parameter.get("schema", {})).get("enum", [])
            return tuple(str(value) for value in enum)
    return ()


def _resolve(document: Any, node: Any, depth: int = 0) -> dict[str, Any]:
    """Follow local `$ref`s (`#/components/...`) to the object they name."""
    while isinstance(node, dict) and "$ref" in node and depth < 8:
        target: Any = document
        for part in str(node["$ref"]).removeprefix("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node, depth = target, depth + 1
    return node if isinstance(node, dict) else {}


def _state() -> WebState:
    return cast(WebState, current_app.extensions[EXTENSION])


@bp.get("/")
def playground() -> Response:
    """Serve the playground: paste or drop a review, analyze it, see it highlighted."""
    state = _state()
    page = render_template(
        "playground.html",
        formats=state.formats,
        default_format=DEFAULT_FORMAT,
        format_parameter=state.format_parameter,
    )
    return _page(page, PLAYGROUND_CSP)


@bp.get("/docs")
def docs() -> Response:
    """Serve the interactive API documentation (Swagger UI over `/openapi.yaml`)."""
    return _page(render_template("docs.html", swagger_ui_version=SWAGGER_UI_VERSION), DOCS_CSP)


def static_asset(filename: str) -> Response:
    """Serve a file under `static/` (404 problem+json for anything else, `..` included)."""
    response = send_from_directory(STATIC_DIR, filename)
    return _harden(response, ASSET_CSP)


def _page(html: str, policy: str) -> Response:
    return _harden(Response(html, mimetype="text/html"), policy)


def _harden(response: Response, policy: str) -> Response:
    response.headers["Content-Security-Policy"] = policy
    for name, value in _HARDENING.items():
        response.headers[name] = value
    return response
