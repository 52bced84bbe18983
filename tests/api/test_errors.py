"""Errors Flask and Werkzeug raise themselves, unexpected exceptions, and error flattening."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from support.http import problem

from service.api import analyze as analyze_module
from service.api.errors import flatten_errors

SECRET = "db-password-hunter2"


@pytest.mark.parametrize(
    "path", ["/index.html", "/v1", "/v1/analyze/", "/v2/analyze", "/static/x.css"]
)
def test_unknown_path_is_404_problem(client: FlaskClient, path: str) -> None:
    body = problem(client.get(path), 404)
    assert body["code"] == "not_found"
    assert body["title"] == "Not Found"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/v1/analyze", {"POST", "OPTIONS"}),
        ("PUT", "/v1/analyze/batch", {"POST", "OPTIONS"}),
        ("POST", "/v1/taxonomy", {"GET", "HEAD", "OPTIONS"}),
        ("DELETE", "/metrics", {"GET", "HEAD", "OPTIONS"}),
        ("HEAD", "/v1/analyze", {"POST", "OPTIONS"}),
    ],
)
def test_wrong_method_is_405_with_allow_header(
    client: FlaskClient, method: str, path: str, allowed: set[str]
) -> None:
    response = client.open(path, method=method)
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed
    if method != "HEAD":
        assert problem(response, 405)["code"] == "method_not_allowed"
    else:
        assert response.mimetype == "application/problem+json"


def test_unexpected_exception_is_500_problem_without_internals(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def explode(body: str, review_id: str | None = None) -> Any:
        raise RuntimeError(SECRET)

    monkeypatch.setattr(analyze_module, "analyze", explode)
    response = client.post("/v1/analyze", json={"body": "x"}, headers={"X-Request-ID": "req-500"})
    body = problem(response, 500)
    assert body["code"] == "internal_error"
    assert body["request_id"] == "req-500"
    assert SECRET not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    logged = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    errors = [entry for entry in logged if entry["level"] == "ERROR"]
    assert len(errors) == 1
    assert errors[0]["request_id"] == "req-500"
    assert errors[0]["route"] == "/v1/analyze"
    assert "Traceback" in errors[0]["exception"]
    assert SECRET in errors[0]["exception"]


def test_redirects_are_never_turned_into_problems(client: FlaskClient) -> None:
    # merge_slashes is off, so a doubled slash is an unknown path rather than an HTML redirect.
    response = client.get("/v1//taxonomy")
    assert problem(response, 404)["code"] == "not_found"


def test_flatten_errors_builds_field_paths() -> None:
    messages = {
        "reviews": {0: {"body": ["Missing."]}, 2: {"id": ["Bad."], "x": ["Unknown field."]}},
        "_schema": ["Invalid input type."],
        "top": "One message.",
    }
    assert flatten_errors(messages) == {
        "reviews[0].body": ["Missing."],
        "reviews[2].id": ["Bad."],
        "reviews[2].x": ["Unknown field."],
        "$": ["Invalid input type."],
        "top": ["One message."],
    }
