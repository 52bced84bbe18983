"""Optional API-key authentication: off without keys, both header forms, exempt paths, hygiene."""

from __future__ import annotations

import hmac
import logging
import types
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support.http import MakeApp, ValidateResponse, problem
from werkzeug.test import TestResponse

from service.api import auth as auth_module
from service.config import ConfigError, Settings

from .support import operations

KEY = "k3y-0123456789abcdef-PRIMARY"
OTHER_KEY = "k3y-fedcba9876543210-SECOND"
THIRD_KEY = "dGhpcmQta2V5LWZvci10ZXN0cw=="
KEYS = (KEY, OTHER_KEY, THIRD_KEY)
CHALLENGE = 'Bearer realm="review-analyzer"'
REVIEW = {"body": "1. `run()` passes user input to os.system (line 12): CWE-78."}
PROTECTED = [
    ("POST", "/v1/analyze"),
    ("POST", "/v1/analyze/batch"),
    ("GET", "/v1/taxonomy"),
    ("GET", "/openapi.yaml"),
    ("GET", "/nowhere"),  # 401, not 404: no route discovery without a key
]
EXEMPT = ["/livez", "/readyz", "/metrics"]


@pytest.fixture
def secured_app(make_app: MakeApp) -> Flask:
    """An app with three API keys configured (and no UI, whose pages are public)."""
    return make_app(Settings(api_keys=KEYS, ui_enabled=False))


@pytest.fixture
def secured(secured_app: Flask) -> FlaskClient:
    """A test client of `secured_app`."""
    return secured_app.test_client()


def _post(client: FlaskClient, headers: dict[str, str]) -> TestResponse:
    return client.post("/v1/analyze", json=REVIEW, headers=headers)


# --- off by default ---------------------------------------------------------------------------


def test_without_keys_authentication_is_off(client: FlaskClient) -> None:
    assert _post(client, {}).status_code == 200
    assert client.get("/v1/taxonomy").status_code == 200


def test_settings_have_no_keys_by_default() -> None:
    settings = Settings.from_env({})
    assert settings.api_keys == ()
    assert settings.auth_exempt_paths == ("/livez", "/readyz", "/metrics")


# --- both header forms -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": f"Bearer {KEY}"},
        {"Authorization": f"bearer {OTHER_KEY}"},  # the scheme is case-insensitive
        {"Authorization": f"Bearer   {THIRD_KEY}  "},
        {"X-API-Key": KEY},
        {"x-api-key": f" {OTHER_KEY} "},
        {"Authorization": "Bearer wrong-key-0000000000", "X-API-Key": KEY},
    ],
)
def test_a_valid_key_in_either_header_is_accepted(
    secured: FlaskClient, headers: dict[str, str]
) -> None:
    response = _post(secured, headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["issues"]


def test_missing_key_is_401_problem_with_challenge(secured: FlaskClient) -> None:
    response = _post(secured, {"X-Request-ID": "auth-trace-1"})
    document = problem(response, 401)
    assert document["code"] == "unauthorized"
    assert document["request_id"] == "auth-trace-1"
    assert response.headers["WWW-Authenticate"] == CHALLENGE
    assert response.headers["X-Request-ID"] == "auth-trace-1"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": f"Bearer {KEY[:-1]}"},  # a prefix
        {"Authorization": f"Bearer {KEY}x"},  # an extension
        {"Authorization": f"Bearer {KEY.upper()}"},
        {"X-API-Key": "not-a-configured-key-at-all"},
        {"X-API-Key": f"{KEY},{OTHER_KEY}"},
        {"Authorization": f"Bearer {KEY} {OTHER_KEY}"},
    ],
)
def test_wrong_key_is_401_invalid_token(secured: FlaskClient, headers: dict[str, str]) -> None:
    response = _post(secured, headers)
    problem(response, 401)
    assert response.headers["WWW-Authenticate"] == f'{CHALLENGE}, error="invalid_token"'


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": f"Basic {KEY}"},  # another scheme is no credential at all
        {"Authorization": KEY},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer    "},
        {"X-API-Key": "   "},
        {"Api-Key": KEY},
    ],
)
def test_no_usable_credential_is_401_missing(secured: FlaskClient, headers: dict[str, str]) -> None:
    response = _post(secured, headers)
    problem(response, 401)
    assert response.headers["WWW-Authenticate"] == CHALLENGE


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_every_other_path_needs_a_key(secured: FlaskClient, method: str, path: str) -> None:
    response = secured.open(path, method=method, json=REVIEW if method == "POST" else None)
    problem(response, 401)
    keyed = secured.open(
        path, method=method, json=REVIEW if method == "POST" else None, headers={"X-API-Key": KEY}
    )
    assert keyed.status_code != 401


def test_401_is_refused_before_the_body_is_read(secured: FlaskClient) -> None:
    # An oversized, malformed body gets 401, not 413 or 400: nothing is parsed for a stranger.
    response = secured.post(
        "/v1/analyze", data=b"\xff" * (9 * 1024 * 1024), content_type="application/json"
    )
    problem(response, 401)


# --- exempt paths ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXEMPT)
def test_probes_and_metrics_are_exempt_by_default(secured: FlaskClient, path: str) -> None:
    assert secured.get(path).status_code == 200


def test_exempt_paths_are_configurable(make_app: MakeApp) -> None:
    client = make_app(Settings(api_keys=KEYS, auth_exempt_paths=("/livez",))).test_client()
    assert client.get("/livez").status_code == 200
    problem(client.get("/readyz"), 401)
    problem(client.get("/metrics"), 401)


def test_exempt_paths_match_exactly(secured: FlaskClient) -> None:
    problem(secured.get("/livez/"), 401)
    problem(secured.get("/livez/x"), 401)
    assert secured.post("/livez").status_code == 405  # exempt path, wrong method: no key needed


def test_unauthorised_requests_are_counted_in_metrics(secured: FlaskClient) -> None:
    _post(secured, {})
    text = secured.get("/metrics").get_data(as_text=True)
    assert any(
        line.startswith("http_requests_total{")
        and 'path="/v1/analyze"' in line
        and 'status="401"' in line
        and float(line.rsplit(" ", 1)[1]) == 1.0
        for line in text.splitlines()
    ), text


def test_401_matches_the_openapi_document(
    secured: FlaskClient, validate_response: ValidateResponse
) -> None:
    for method, path in PROTECTED[:-1]:
        response = secured.open(path, method=method, json=REVIEW if method == "POST" else None)
        assert response.status_code == 401
        validate_response(response)


# --- constant-time comparison ---------------------------------------------------------------


@pytest.fixture
def compare_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bytes, bytes]]:
    """Record every hmac.compare_digest call the auth module makes."""
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    # Patch the hmac module the auth module calls (the same object as `import hmac` here).
    patched: types.ModuleType = vars(auth_module)["hmac"]
    assert patched is hmac
    monkeypatch.setattr(patched, "compare_digest", spy)
    return calls


@pytest.mark.parametrize("key", [KEY, THIRD_KEY, "wrong-key-000000000000"])
def test_every_configured_key_is_compared_in_constant_time(
    secured: FlaskClient, compare_calls: list[tuple[bytes, bytes]], key: str
) -> None:
    _post(secured, {"X-API-Key": key})
    # One comparison per configured key, whichever matched: no early exit.
    assert len(compare_calls) == len(KEYS)
    # Fixed-length digests are compared, so the time does not depend on the keys' lengths.
    assert {len(a) for a, _ in compare_calls} == {len(b) for _, b in compare_calls} == {32}
    assert all(key.encode() not in (a, b) for a, b in compare_calls)


def test_both_headers_are_each_compared_with_every_key(
    secured: FlaskClient, compare_calls: list[tuple[bytes, bytes]]
) -> None:
    _post(secured, {"Authorization": f"Bearer {KEY}", "X-API-Key": "wrong-key-000000000000"})
    assert len(compare_calls) == 2 * len(KEYS)


def test_exempt_paths_compare_nothing(
    secured: FlaskClient, compare_calls: list[tuple[bytes, bytes]]
) -> None:
    secured.get("/livez", headers={"X-API-Key": KEY})
    assert compare_calls == []


# --- keys stay secret -----------------------------------------------------------------------


def test_keys_never_reach_the_logs(
    secured: FlaskClient, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-but-logged-000000000000"
    _post(secured, {"Authorization": f"Bearer {KEY}"})
    _post(secured, {"X-API-Key": OTHER_KEY})
    _post(secured, {"X-API-Key": wrong})
    secured.get("/nowhere", headers={"Authorization": f"Bearer {THIRD_KEY}"})
    captured = capfd.readouterr()
    logged = caplog.text + captured.out + captured.err
    assert "request" in logged  # the request log lines are there ...
    for secret in (*KEYS, wrong):  # ... but no key, valid or not
        assert secret not in logged
    for record in caplog.records:
        assert not any(secret in str(value) for value in vars(record).values() for secret in KEYS)


def test_settings_repr_hides_the_keys() -> None:
    settings = Settings.from_env({"API_KEYS": ",".join(KEYS)})
    assert settings.api_keys == KEYS
    for secret in KEYS:
        assert secret not in repr(settings)
        assert secret not in str(settings)


# --- configuration --------------------------------------------------------------------------


def test_keys_come_from_env_and_file_deduplicated(tmp_path: Path) -> None:
    keys_file = tmp_path / "api-keys"
    keys_file.write_text(f"\n{OTHER_KEY}\n  {THIRD_KEY}  \r\n{KEY}\n\n", encoding="utf-8")
    settings = Settings.from_env({"API_KEYS": f" {KEY} ,, ", "API_KEYS_FILE": str(keys_file)})
    assert settings.api_keys == (KEY, OTHER_KEY, THIRD_KEY)


def test_a_file_without_keys_fails_closed(tmp_path: Path) -> None:
    keys_file = tmp_path / "api-keys"
    keys_file.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="holds no API key"):
        Settings.from_env({"API_KEYS_FILE": str(keys_file)})


@pytest.mark.parametrize("content", [None, b"\xff\xfe not utf-8"])
def test_an_unreadable_keys_file_fails_the_boot(tmp_path: Path, content: bytes | None) -> None:
    keys_file = tmp_path / "api-keys"
    if content is not None:
        keys_file.write_bytes(content)
    with pytest.raises(ConfigError, match="API_KEYS_FILE"):
        Settings.from_env({"API_KEYS_FILE": str(keys_file)})


@pytest.mark.parametrize(
    "bad",
    ["short-key", "has space in the middle!!", "ünïcode-key-0123456789", "semi;colon;0123456789"],
)
def test_weak_or_malformed_keys_are_refused_without_echoing_them(bad: str) -> None:
    with pytest.raises(ConfigError, match="API key #2") as raised:
        Settings.from_env({"API_KEYS": f"{KEY},{bad}"})
    assert bad not in str(raised.value)
    assert KEY not in str(raised.value)


def test_exempt_paths_from_env() -> None:
    env = {"AUTH_EXEMPT_PATHS": " /livez , /readyz,/livez "}
    assert Settings.from_env(env).auth_exempt_paths == ("/livez", "/readyz")
    assert Settings.from_env({"AUTH_EXEMPT_PATHS": ""}).auth_exempt_paths == ()
    with pytest.raises(ConfigError, match="AUTH_EXEMPT_PATHS"):
        Settings.from_env({"AUTH_EXEMPT_PATHS": "livez"})


def test_openapi_documents_401_and_the_key_schemes(openapi_document: dict[str, Any]) -> None:
    # Exemptions are configurable, so any operation may answer 401.
    for (path, method), operation in operations(openapi_document).items():
        assert "401" in operation["responses"], (method, path)
    schemes = openapi_document["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["bearerApiKey"].items()
    assert {"type": "apiKey", "in": "header", "name": "X-API-Key"}.items() <= schemes[
        "headerApiKey"
    ].items()
    assert {} in openapi_document["security"]  # optional: off unless keys are configured


def test_with_the_ui_on_its_pages_and_document_are_public_and_the_api_is_not(
    make_app: MakeApp,
) -> None:
    client = make_app(Settings(api_keys=KEYS, ui_enabled=True)).test_client()
    for path in ("/", "/docs", "/openapi.yaml", "/static/site.css"):
        reply = client.get(path)
        assert reply.status_code == 200, path
        reply.close()  # a static file is streamed from disk
    assert client.post("/v1/analyze", json=REVIEW).status_code == 401
    assert client.get("/v1/taxonomy").status_code == 401
    assert client.get("/nowhere").status_code == 401
