"""Helpers for the web page tests: parse pages and their Content-Security-Policy."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

REPO_ROOT = Path(__file__).resolve().parents[2]
WEB_DIR = REPO_ROOT / "service" / "web"
STATIC_DIR = WEB_DIR / "static"

# The policy the pages must meet or beat: directive -> the only sources it may allow.
REQUIRED_POLICY = {
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "connect-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'none'"},
    "frame-ancestors": {"'none'"},
}


def parse_policy(header: str) -> dict[str, list[str]]:
    """Split a Content-Security-Policy header into directive -> sources."""
    policy: dict[str, list[str]] = {}
    for directive in header.split(";"):
        name, *sources = directive.split()
        assert name not in policy, f"{name} is given twice"
        policy[name] = sources
    return policy


class PageParser(HTMLParser):
    """Collect what matters for the CSP: scripts, styles, links and event-handler attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.inline_script_text: list[str] = []
        self.stylesheets: list[str] = []
        self.icons: list[str] = []
        self.handlers: list[str] = []
        self.style_attributes: list[str] = []
        self.style_elements = 0
        self.javascript_urls: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Record one start tag."""
        attributes = dict(attrs)
        self.handlers += [name for name in attributes if name.startswith("on")]
        if "style" in attributes:
            self.style_attributes.append(tag)
        self.javascript_urls += [
            value
            for name, value in attrs
            if value is not None
            and name in {"href", "src", "action"}
            and value.strip().lower().startswith("javascript:")
        ]
        if tag == "script":
            self.scripts.append(attributes)
            self._in_script = True
        elif tag == "style":
            self.style_elements += 1
        elif tag == "link" and attributes.get("rel") == "stylesheet":
            self.stylesheets.append(attributes["href"] or "")
        elif tag == "link" and attributes.get("rel") == "icon":
            self.icons.append(attributes["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        """Record one end tag."""
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        """Record text inside a script element (there must be none)."""
        if self._in_script and data.strip():
            self.inline_script_text.append(data)


def parse_page(html: str) -> PageParser:
    """Parse `html` and return what the parser collected."""
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


def fetch(client: FlaskClient, path: str) -> TestResponse:
    """GET `path`, buffer the body and close the response (file responses hold a handle)."""
    response = client.get(path)
    response.get_data()
    response.close()
    return response
