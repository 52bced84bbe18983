"""The playground (`GET /`), the API docs (`GET /docs`) and their static assets (`/static/...`).

The pages are two small Jinja templates; everything they do happens in JavaScript modules served
from `/static/`, which call the API like any other client. Review text is attacker-controlled,
so every response from here carries a Content-Security-Policy that allows no inline script, no
eval and no other origin; the playground's also enforces Trusted Types, so even an accidental
`innerHTML` with review text would throw instead of parsing it.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, render_template, send_from_directory

from service.formats import DEFAULT_FORMAT, FORMAT_CHOICES

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_URL_PATH = "/static"
SWAGGER_UI_VERSION = "5.35.0"

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


def register_ui(app: Flask) -> None:
    """Serve the playground, the docs and their assets on `app` (call only when UI_ENABLED)."""
    app.register_blueprint(bp)
    # The conventional `static` endpoint: assets are files, not API operations.
    app.add_url_rule(
        f"{STATIC_URL_PATH}/<path:filename>", endpoint="static", view_func=static_asset
    )


@bp.get("/")
def playground() -> Response:
    """Serve the playground: paste or drop a review, analyze it, see it highlighted."""
    page = render_template("playground.html", formats=FORMAT_CHOICES, default_format=DEFAULT_FORMAT)
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
