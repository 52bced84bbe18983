"""Optional API-key authentication, off unless API keys are configured.

With keys (`API_KEYS`, `API_KEYS_FILE`: see `service.config`), every request outside
`AUTH_EXEMPT_PATHS` (default: the probes and /metrics) must present one, as
`Authorization: Bearer <key>` or `X-API-Key: <key>`; otherwise it is answered 401 with a
problem+json and a `WWW-Authenticate: Bearer realm="review-analyzer"` challenge, before the body
is read. The hook runs after the request-id hook, so a 401 carries the request id and is counted
and logged like any other response.

A presented key is hashed with SHA-256 and compared with `hmac.compare_digest` against the digest
of every configured key, without stopping at a match: how long the check takes depends neither on
which key matched nor on how much of a key was right, nor on the keys' lengths. Keys and presented
credentials are never logged.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from flask import Flask, Response, request

from service.api.errors import problem_response
from service.config import Settings

REALM = "review-analyzer"
CHALLENGE = f'Bearer realm="{REALM}"'
API_KEY_HEADER = "X-API-Key"
# With the UI on, its pages, their static assets and the OpenAPI document they render are public
# files (a browser cannot send a key when it opens a page); the page's API calls send the key.
_PUBLIC_PAGES = frozenset({"web.playground", "web.docs", "static", "meta.openapi"})
_MISSING = f"An API key is required: send `Authorization: Bearer <key>` or `{API_KEY_HEADER}`."
_INVALID = "The API key is not valid."


def register_auth(app: Flask, settings: Settings) -> None:
    """Require an API key on every non-exempt path of `app`, if `settings` has any keys."""
    if not settings.api_keys:
        return
    public = _PUBLIC_PAGES if settings.ui_enabled else frozenset()
    app.before_request(
        _authenticator(
            tuple(_digest(key) for key in settings.api_keys),
            frozenset(settings.auth_exempt_paths),
            public,
        )
    )


def _authenticator(
    digests: tuple[bytes, ...], exempt: frozenset[str], public: frozenset[str]
) -> Callable[[], Response | None]:
    def authenticate() -> Response | None:
        if request.path in exempt or request.endpoint in public:
            return None
        presented = _presented_keys()
        # Check every presented key (at most two): no short cut that would tell them apart.
        results = [_is_valid(key, digests) for key in presented]
        if any(results):
            return None
        if presented:
            challenge = f'{CHALLENGE}, error="invalid_token"'  # RFC 6750 section 3.1
            return _unauthorized(_INVALID, challenge)
        return _unauthorized(_MISSING, CHALLENGE)

    return authenticate


def _presented_keys() -> list[str]:
    """The credentials the request carries: a Bearer token and an X-API-Key header."""
    keys: list[str] = []
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        keys.append(token.strip())
    api_key = request.headers.get(API_KEY_HEADER, "").strip()
    if api_key:
        keys.append(api_key)
    return keys


def _digest(key: str) -> bytes:
    # Header values arrive as latin-1 text (WSGI); configured keys are ASCII (see config).
    return hashlib.sha256(key.encode("latin-1", errors="replace")).digest()


def _is_valid(key: str, digests: tuple[bytes, ...]) -> bool:
    """Whether `key` is one of the configured keys, in time independent of which one."""
    presented = _digest(key)
    matched = False
    for digest in digests:
        matched |= hmac.compare_digest(presented, digest)
    return matched


def _unauthorized(detail: str, challenge: str) -> Response:
    return problem_response(401, "unauthorized", detail, headers={"WWW-Authenticate": challenge})
