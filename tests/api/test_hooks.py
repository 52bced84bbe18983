"""Response hygiene: request ids, nosniff, no-store, no server banner."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

GENERATED_ID = re.compile(r"[0-9a-f]{32}")
REQUESTS = [
    ("GET", "/livez"),
    ("GET", "/readyz"),
    ("GET", "/v1/taxonomy"),
    ("GET", "/metrics"),
    ("GET", "/openapi.yaml"),
    ("POST", "/v1/analyze"),
    ("GET", "/nowhere"),
    ("DELETE", "/livez"),
]


@pytest.mark.parametrize(("method", "path"), REQUESTS)
def test_every_response_has_request_id_and_nosniff(
    client: FlaskClient, method: str, path: str
) -> None:
    response = client.open(path, method=method, json={"body": "x"} if method == "POST" else None)
    assert GENERATED_ID.fullmatch(response.headers["X-Request-ID"])
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Server" not in response.headers


@pytest.mark.parametrize(
    "incoming", ["abc-123", "a" * 128, "trace:01.span_2-x", "0af7651916cd43dd8448eb211c80319c"]
)
def test_sane_incoming_request_id_is_echoed(client: FlaskClient, incoming: str) -> None:
    response = client.get("/livez", headers={"X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] == incoming


@pytest.mark.parametrize(
    "incoming", ["", "a" * 129, "has space", "semi;colon", "new\\nline", "ünï", "<script>"]
)
def test_insane_incoming_request_id_is_replaced(client: FlaskClient, incoming: str) -> None:
    response = client.get("/livez", headers={"X-Request-ID": incoming})
    assert GENERATED_ID.fullmatch(response.headers["X-Request-ID"])


def test_each_request_gets_its_own_generated_id(client: FlaskClient) -> None:
    ids = {client.get("/livez").headers["X-Request-ID"] for _ in range(5)}
    assert len(ids) == 5


def test_problem_carries_the_request_id(client: FlaskClient) -> None:
    response = client.get("/nowhere", headers={"X-Request-ID": "trace-1"})
    assert response.get_json(force=True)["request_id"] == "trace-1"
