"""POST /v1/analyze and /v1/analyze/batch: accepted inputs, and every client error's status."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from support.http import problem

from service.config import MIB

from .support import SMALL_BATCH, SMALL_BODY, SMALL_REQUEST

STATEMENT = "No security defects are detected in the code."
ANALYSIS_FIELDS = [
    "id",
    "verdict",
    "stated_verdict",
    "verdict_evidence",
    "issues",
    "categories",
    "summary",
    "flags",
]


def test_json_review_is_analysed_with_its_id(client: FlaskClient) -> None:
    response = client.post("/v1/analyze", json={"body": STATEMENT, "id": "r-1"})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    analysis = response.get_json()
    assert list(analysis) == ANALYSIS_FIELDS
    assert analysis["id"] == "r-1"


def test_json_review_without_id_has_null_id(client: FlaskClient) -> None:
    response = client.post("/v1/analyze", json={"body": STATEMENT})
    assert response.status_code == 200
    assert response.get_json()["id"] is None


@pytest.mark.parametrize(
    "content_type", ["text/plain", "text/markdown", "text/markdown; charset=UTF-8; variant=GFM"]
)
def test_raw_review_is_analysed(client: FlaskClient, content_type: str) -> None:
    response = client.post(
        "/v1/analyze",
        data=f"# Review\n\n{STATEMENT}".encode(),
        content_type=content_type,
        headers={"X-Review-ID": "raw-7"},
    )
    assert response.status_code == 200
    assert response.get_json()["id"] == "raw-7"


def test_raw_review_without_review_id_header_has_null_id(client: FlaskClient) -> None:
    response = client.post("/v1/analyze", data=STATEMENT, content_type="text/plain")
    assert response.status_code == 200
    assert response.get_json()["id"] is None


def test_raw_review_id_header_may_be_utf8(client: FlaskClient) -> None:
    header = "revü".encode().decode("latin-1")  # how a WSGI server hands over UTF-8 bytes
    response = client.post(
        "/v1/analyze", data=STATEMENT, content_type="text/plain", headers={"X-Review-ID": header}
    )
    assert response.get_json()["id"] == "revü"


def test_spans_index_the_raw_body_as_received(client: FlaskClient) -> None:
    body = "Ünïcode first.\r\n\r\n1. A point about `x`.\n2. " + STATEMENT
    response = client.post("/v1/analyze", data=body.encode(), content_type="text/plain")
    spans = [(i["span"]["start"], i["span"]["end"]) for i in response.get_json()["issues"]]
    # The CRLF and the multi-byte letters before the points must not shift their offsets.
    assert [body[start:end] for start, end in spans] == ["1. A point about `x`.", "2. " + STATEMENT]


@pytest.mark.parametrize("body", [" ", "\n\t  \n", "\u200b"])
def test_whitespace_only_body_is_analysed_not_rejected(client: FlaskClient, body: str) -> None:
    response = client.post("/v1/analyze", json={"body": body})
    assert response.status_code == 200
    assert "empty" in response.get_json()["flags"]


def test_batch_results_keep_input_order_and_ids(client: FlaskClient) -> None:
    reviews: list[dict[str, Any]] = [
        {"id": "b", "body": STATEMENT},
        {"body": "Possible SQL injection in `query()` (CWE-89)."},
        {"id": "a", "body": " "},
    ]
    response = client.post("/v1/analyze/batch", json={"reviews": reviews})
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["id"] for r in results] == ["b", None, "a"]
    assert "empty" in results[2]["flags"]
    single = client.post("/v1/analyze", json=reviews[1]).get_json()
    assert results[1] == single


def test_batch_of_exactly_the_limit_is_accepted(small_client: FlaskClient) -> None:
    reviews = [{"id": str(i), "body": "x"} for i in range(SMALL_BATCH)]
    response = small_client.post("/v1/analyze/batch", json={"reviews": reviews})
    assert response.status_code == 200
    assert len(response.get_json()["results"]) == SMALL_BATCH


def test_analyses_are_not_cached(client: FlaskClient) -> None:
    single = client.post("/v1/analyze", json={"body": STATEMENT})
    batch = client.post("/v1/analyze/batch", json={"reviews": [{"body": STATEMENT}]})
    assert single.headers["Cache-Control"] == "no-store"
    assert batch.headers["Cache-Control"] == "no-store"


# --- 400 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({}, "body"),
        ({"body": ""}, "body"),
        ({"body": None}, "body"),
        ({"body": 42}, "body"),
        ({"body": ["x"]}, "body"),
        ({"body": "x", "id": 7}, "id"),
        ({"body": "x", "extra": True}, "extra"),
        ({"body": "\ud800"}, "body"),
    ],
    ids=["missing", "empty", "null", "number", "list", "id-number", "unknown-field", "surrogate"],
)
def test_invalid_json_fields_are_400_keyed_by_field(
    client: FlaskClient, document: dict[str, Any], field: str
) -> None:
    # Sent as ASCII JSON, as most clients do: a lone surrogate then arrives as a \\ud800 escape.
    data = json.dumps(document)
    response = client.post("/v1/analyze", data=data, content_type="application/json")
    body = problem(response, 400)
    assert body["code"] == "invalid_request"
    assert list(body["errors"]) == [field]
    assert all(isinstance(m, str) for m in body["errors"][field])


@pytest.mark.parametrize(
    "data",
    [b"", b"{", b'{"body": "x",}', b"[" * 100_000, b'"just a string"', b"[1]", b"null"],
    ids=["empty", "unclosed", "trailing-comma", "deeply-nested", "string", "array", "null"],
)
def test_malformed_or_non_object_json_is_400(client: FlaskClient, data: bytes) -> None:
    response = client.post("/v1/analyze", data=data, content_type="application/json")
    assert problem(response, 400)["code"] in {"invalid_json", "invalid_request"}


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/v1/analyze", b'{"body": "No security defects.", "body": "SQL injection in q."}'),
        ("/v1/analyze/batch", b'{"reviews": [{"body": "a", "id": "1", "id": "2"}]}'),
        ("/v1/analyze", b'{"body": "x", "body": 5}'),
        ("/v1/analyze/batch", b'{"reviews": [{"body": "x"}], "reviews": "not a list"}'),
    ],
    ids=["top-level", "nested", "top-level-wrong-type", "batch-wrong-type"],
)
def test_a_key_given_twice_is_400_not_a_guess(client: FlaskClient, path: str, data: bytes) -> None:
    response = client.post(path, data=data, content_type="application/json")
    body = problem(response, 400)
    assert body["code"] == "invalid_json"
    assert "more than once" in body["detail"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/json"])
def test_body_not_valid_utf8_is_400(client: FlaskClient, content_type: str) -> None:
    data = b'{"body": "caf\xe9"}' if content_type == "application/json" else b"caf\xe9 \xff"
    response = client.post("/v1/analyze", data=data, content_type=content_type)
    assert problem(response, 400)["code"] == "invalid_utf8"


def test_empty_raw_body_is_400(client: FlaskClient) -> None:
    response = client.post("/v1/analyze", data=b"", content_type="text/markdown")
    assert problem(response, 400)["errors"] == {"body": ["Must not be empty."]}


def test_review_id_header_not_utf8_is_400(client: FlaskClient) -> None:
    response = client.post(
        "/v1/analyze",
        data=STATEMENT,
        content_type="text/plain",
        headers={"X-Review-ID": b"\xff\xfe".decode("latin-1")},
    )
    assert list(problem(response, 400)["errors"]) == ["X-Review-ID"]


@pytest.mark.parametrize("count", [0, SMALL_BATCH + 1])
def test_batch_empty_or_over_the_limit_is_400(small_client: FlaskClient, count: int) -> None:
    reviews = [{"body": "x"} for _ in range(count)]
    response = small_client.post("/v1/analyze/batch", json={"reviews": reviews})
    assert list(problem(response, 400)["errors"]) == ["reviews"]


@pytest.mark.parametrize(
    ("document", "fields"),
    [
        ({}, ["reviews"]),
        ({"reviews": "x"}, ["reviews"]),
        ({"reviews": [{"body": "x"}], "more": 1}, ["more"]),
        ({"reviews": [{"body": "x"}, {"id": "y"}]}, ["reviews[1].body"]),
        ({"reviews": [{"body": ""}, {"body": "x", "z": 1}]}, ["reviews[0].body", "reviews[1].z"]),
    ],
)
def test_invalid_batch_is_400_keyed_by_field_path(
    client: FlaskClient, document: dict[str, Any], fields: list[str]
) -> None:
    response = client.post("/v1/analyze/batch", json=document)
    assert sorted(problem(response, 400)["errors"]) == fields


# --- 413 ---------------------------------------------------------------------------------------


def test_json_body_over_the_body_limit_is_413(small_client: FlaskClient) -> None:
    # Counted in UTF-8 bytes: 33 two-byte characters are 66 bytes > 64.
    response = small_client.post("/v1/analyze", json={"body": "é" * 33})
    assert problem(response, 413)["code"] == "body_too_large"


def test_json_body_at_the_body_limit_is_accepted(small_client: FlaskClient) -> None:
    response = small_client.post("/v1/analyze", json={"body": "é" * (SMALL_BODY // 2)})
    assert response.status_code == 200


def test_raw_body_over_the_body_limit_is_413(small_client: FlaskClient) -> None:
    response = small_client.post(
        "/v1/analyze", data="x" * (SMALL_BODY + 1), content_type="text/plain"
    )
    assert problem(response, 413)["code"] == "body_too_large"


def test_batch_item_over_the_body_limit_is_413(small_client: FlaskClient) -> None:
    reviews = [{"body": "x"}, {"body": "x" * (SMALL_BODY + 1)}]
    response = small_client.post("/v1/analyze/batch", json={"reviews": reviews})
    assert list(problem(response, 413)["errors"]) == ["reviews[1].body"]


def test_request_over_the_request_limit_is_413(small_client: FlaskClient) -> None:
    # Each body is 64 UTF-8 bytes, at the body limit, but 192 bytes of JSON ("\\u00e9" x 32):
    # together they are over the request limit.
    reviews = [{"body": "é" * (SMALL_BODY // 2)} for _ in range(SMALL_BATCH)]
    data = json.dumps({"reviews": reviews}).encode()
    assert len(data) > SMALL_REQUEST
    response = small_client.post("/v1/analyze/batch", data=data, content_type="application/json")
    assert problem(response, 413)["code"] == "content_too_large"


def test_chunked_request_over_the_request_limit_is_413(small_client: FlaskClient) -> None:
    # No Content-Length: the limit is enforced while reading, as under gunicorn.
    response = small_client.post(
        "/v1/analyze",
        input_stream=io.BytesIO(b"x" * (SMALL_REQUEST + 1)),
        content_type="text/plain",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.request.content_length is None
    assert problem(response, 413)["code"] == "content_too_large"


@pytest.mark.parametrize("size", [SMALL_BODY, SMALL_REQUEST])
def test_chunked_request_within_the_request_limit_is_read_whole(
    small_client: FlaskClient, size: int
) -> None:
    # At exactly the request limit the body is complete, not cut: a 413 for the body, not
    # a request-limit one, proves all of it was read.
    response = small_client.post(
        "/v1/analyze",
        input_stream=io.BytesIO(b"x" * size),
        content_type="text/plain",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    if size <= SMALL_BODY:
        assert response.status_code == 200
    else:
        assert problem(response, 413)["code"] == "body_too_large"


def test_chunked_json_over_the_request_limit_is_413_not_truncated(
    small_client: FlaskClient,
) -> None:
    # Werkzeug cuts a stream at MAX_CONTENT_LENGTH; a cut JSON document must not become a 400.
    data = json.dumps({"body": "x" * SMALL_REQUEST}).encode()
    response = small_client.post(
        "/v1/analyze",
        input_stream=io.BytesIO(data),
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert problem(response, 413)["code"] == "content_too_large"


# --- 415 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/v1/analyze", "application/x-www-form-urlencoded"),
        ("/v1/analyze", "text/html"),
        ("/v1/analyze", None),
        ("/v1/analyze", "text/plain; charset=iso-8859-1"),
        ("/v1/analyze", "application/json; charset=utf-16"),
        ("/v1/analyze/batch", "text/plain"),
    ],
)
def test_unsupported_content_type_is_415(
    client: FlaskClient, path: str, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post(path, data=b'{"body": "x"}', headers=headers)
    assert problem(response, 415)["code"] in {"unsupported_media_type", "unsupported_charset"}


# --- the contract's default limits -------------------------------------------------------------


def test_default_batch_limit_is_100(client: FlaskClient) -> None:
    reviews = [{"id": str(i), "body": "x"} for i in range(100)]
    accepted = client.post("/v1/analyze/batch", json={"reviews": reviews})
    assert accepted.status_code == 200
    assert [r["id"] for r in accepted.get_json()["results"]] == [str(i) for i in range(100)]
    refused = client.post("/v1/analyze/batch", json={"reviews": [*reviews, {"body": "x"}]})
    assert list(problem(refused, 400)["errors"]) == ["reviews"]


def test_default_body_limit_is_1_mib(client: FlaskClient) -> None:
    response = client.post("/v1/analyze", data=b"x" * (MIB + 1), content_type="text/plain")
    assert problem(response, 413)["code"] == "body_too_large"


def test_default_request_limit_is_8_mib(client: FlaskClient) -> None:
    response = client.post("/v1/analyze", data=b"x" * (8 * MIB + 1), content_type="text/plain")
    assert problem(response, 413)["code"] == "content_too_large"
