"""The formats through the HTTP API: query parameters, Accept negotiation, errors, OpenAPI.

End-to-end tests run the real analyzer on reviews of tests/data/crafted.jsonl and assert only
validity and structure (the analyzer is tuned independently); the policy tests stub the
analyzer with fixed Analyses.
"""

from __future__ import annotations

import json
from typing import Any, Protocol
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft4Validator
from support.corpus import crafted_body
from support.http import ValidateExchange, ValidateResponse, problem
from werkzeug.test import TestResponse

from service.analysis.model import Analysis, Severity, Verdict
from service.api import analyze as analyze_module
from service.formats import FORMAT_CHOICES

from .cases import CRAFTED_10, F, analysis, issue

CONTEXT = {"path": "app/db.py", "commit": "4f1c2e9b", "source": "gpt-4o"}
JSON_FORMATS = ("json", "rdjson", "github", "gitlab", "gerrit")
MEDIA_TYPES = {
    **dict.fromkeys(JSON_FORMATS, "application/json"),
    "sarif": "application/sarif+json",
    "markdown": "text/markdown",
}


class Rendered(Protocol):
    def __call__(self, response: TestResponse, data: bytes, fmt: str, *, reviews: int) -> None: ...


@pytest.fixture
def rendered(
    validate_exchange: ValidateExchange,
    sarif_validator: Draft4Validator,
    rdjson_validator: Draft4Validator,
) -> Rendered:
    """Return `rendered(response, data, fmt, reviews=n)`: assert a documented 200 in `fmt`.

    The request (body `data`) and the answer match openapi.yaml, the answer has the media type
    of `fmt`, varies with Accept, and is a valid document of `fmt` covering `reviews` reviews.
    """

    def check(response: TestResponse, data: bytes, fmt: str, *, reviews: int) -> None:
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == MEDIA_TYPES[fmt]
        assert "Accept" in response.headers["Vary"]
        validate_exchange(response, data)
        body = parsed(response)
        _assert_structure(fmt, body, sarif_validator, rdjson_validator, reviews=reviews)

    return check


def post_json(
    client: FlaskClient, path: str, document: Any, query: dict[str, str], **kw: Any
) -> tuple[TestResponse, bytes]:
    data = json.dumps(document).encode()
    url = f"{path}?{urlencode(query)}" if query else path
    return client.post(url, data=data, content_type="application/json", **kw), data


def invalid_parameter(response: TestResponse, field: str) -> dict[str, Any]:
    """Assert `response` is a 400 problem about the query parameter `field`; return it."""
    document = problem(response, 400)
    assert document["code"] == "invalid_parameter"
    assert field in document["errors"], document
    return document


def parsed(response: TestResponse) -> Any:
    if response.mimetype == "text/markdown":
        return response.get_data(as_text=True)
    return json.loads(response.get_data())


# --- end to end, every format --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMAT_CHOICES)
def test_single_review_in_every_format(client: FlaskClient, rendered: Rendered, fmt: str) -> None:
    query = {"format": fmt, "fail_on": "high"}
    document = {"body": crafted_body("crafted-01"), "id": "crafted-01", **CONTEXT}
    response, data = post_json(client, "/v1/analyze", document, query)
    rendered(response, data, fmt, reviews=1)


@pytest.mark.parametrize("fmt", FORMAT_CHOICES)
def test_batch_in_every_format(client: FlaskClient, rendered: Rendered, fmt: str) -> None:
    reviews = [
        {"body": crafted_body("crafted-01"), "id": "a", **CONTEXT},
        {"body": crafted_body("crafted-10"), "id": "b"},
        {"body": crafted_body("crafted-13"), "id": "c", "path": "app/views.py"},
    ]
    response, data = post_json(client, "/v1/analyze/batch", {"reviews": reviews}, {"format": fmt})
    rendered(response, data, fmt, reviews=3)


def _assert_structure(
    fmt: str,
    body: Any,
    sarif_validator: Draft4Validator,
    rdjson_validator: Draft4Validator,
    *,
    reviews: int,
) -> None:
    if fmt == "json":
        results = [body] if reviews == 1 else body["results"]
        assert len(results) == reviews
        assert all("verdict" in result for result in results)
    elif fmt == "sarif":
        sarif_validator.validate(body)
        assert len(body["runs"]) == 1
        assert len(body["runs"][0]["properties"]["reviews"]) == reviews
        located = [r for r in body["runs"][0]["results"] if "locations" in r]
        uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in located}
        assert uris <= {"app/db.py", "app/views.py"}
    elif fmt == "rdjson":
        rdjson_validator.validate(body)
        assert body["source"] == {"name": "review-analyzer"}
    elif fmt in {"github", "gerrit"}:
        payloads = [body] if reviews == 1 else body
        assert len(payloads) == reviews
        for payload in payloads:
            if fmt == "github":
                assert payload["event"] in {"REQUEST_CHANGES", "COMMENT", "APPROVE"}
                assert payload["body"].startswith("### review-analyzer")
            else:
                assert payload["labels"]["Code-Review"] in {-1, 0, 1}
                assert payload["tag"] == "autogenerated:review-analyzer"
    elif fmt == "gitlab":
        assert isinstance(body, list)
        assert all(
            entry["location"]["path"] in {"app/db.py", "app/views.py", "."} for entry in body
        )
    else:
        assert body.count("### review-analyzer") == reviews
        assert "**Policy**" in body


def test_raw_body_takes_context_from_the_query(
    client: FlaskClient, validate_exchange: ValidateExchange
) -> None:
    query = {"format": "sarif", **CONTEXT}
    data = crafted_body("crafted-01").encode()
    response = client.post(
        f"/v1/analyze?{urlencode(query)}", data=data, content_type="text/markdown"
    )

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/sarif+json"
    validate_exchange(response, data)
    run = json.loads(response.get_data())["runs"][0]
    assert run["properties"]["reviews"][0] | CONTEXT == run["properties"]["reviews"][0]
    assert run["automationDetails"]["properties"] == {"source": "gpt-4o"}


def test_json_stays_the_default_and_unchanged(client: FlaskClient) -> None:
    document = {"body": crafted_body("crafted-10"), "id": "x"}
    plain, _ = post_json(client, "/v1/analyze", document, {})
    explicit, _ = post_json(client, "/v1/analyze", {**document, **CONTEXT}, {"format": "json"})
    assert plain.get_json() == explicit.get_json()
    assert plain.mimetype == "application/json"


# --- Accept negotiation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "query", "mimetype"),
    [
        ("application/sarif+json", {}, "application/sarif+json"),
        ("text/markdown", {}, "text/markdown"),
        ("text/markdown;q=0.5, application/sarif+json", {}, "application/sarif+json"),
        ("application/json, text/markdown", {}, "application/json"),
        ("*/*", {}, "application/json"),
        ("text/html", {}, "application/json"),
        ("text/markdown", {"format": "gitlab"}, "application/json"),
        ("application/sarif+json", {"format": "markdown"}, "text/markdown"),
    ],
)
def test_accept_picks_a_format_unless_format_is_given(
    client: FlaskClient, accept: str, query: dict[str, str], mimetype: str
) -> None:
    response, _ = post_json(client, "/v1/analyze", {"body": "x"}, query, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == mimetype


def test_batch_negotiates_too(client: FlaskClient) -> None:
    response, _ = post_json(
        client,
        "/v1/analyze/batch",
        {"reviews": [{"body": "x"}]},
        {},
        headers={"Accept": "text/markdown"},
    )
    assert response.mimetype == "text/markdown"


# --- the policy through the API ------------------------------------------------------------------


HIGH_BUG = analysis(
    "bug",
    Verdict.INCONCLUSIVE,
    None,
    (issue(1, None, "Off by one (line 3).", F, "correctness", Severity.HIGH, lines=((3, 3),)),),
)


@pytest.mark.parametrize(
    ("stub", "fail_on", "event"),
    [
        (HIGH_BUG, None, "COMMENT"),
        (HIGH_BUG, "security", "COMMENT"),
        (HIGH_BUG, "high", "REQUEST_CHANGES"),
        (HIGH_BUG, "critical", "COMMENT"),
        (CRAFTED_10, None, "APPROVE"),
    ],
)
def test_fail_on_decides_the_github_event(
    client: FlaskClient,
    monkeypatch: pytest.MonkeyPatch,
    stub: Analysis,
    fail_on: str | None,
    event: str,
) -> None:
    monkeypatch.setattr(analyze_module, "analyze", lambda body, review_id=None: stub)
    query = {"format": "github", **({"fail_on": fail_on} if fail_on else {})}
    response, _ = post_json(client, "/v1/analyze", {"body": "x", "path": "a.py"}, query)
    payload = response.get_json()
    assert payload["event"] == event
    assert [c["line"] for c in payload["comments"]] == ([3] if stub is HIGH_BUG else [])


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/v1/analyze", {"format": "xml"}, "format"),
        ("/v1/analyze", {"format": "SARIF"}, "format"),
        ("/v1/analyze", {"fail_on": "severe"}, "fail_on"),
        ("/v1/analyze", {"formats": "sarif"}, "formats"),
        ("/v1/analyze/batch", {"format": "xml"}, "format"),
        ("/v1/analyze/batch", {"fail_on": "nope"}, "fail_on"),
        ("/v1/analyze/batch", {"path": "a.py"}, "path"),
        ("/v1/analyze", {"path": "a\nb"}, "path"),
        ("/v1/analyze", {"commit": ""}, "commit"),
    ],
)
def test_bad_query_parameters_are_400(
    client: FlaskClient,
    validate_response: ValidateResponse,
    path: str,
    query: dict[str, str],
    field: str,
) -> None:
    document: Any = {"reviews": [{"body": "x"}]} if path.endswith("batch") else {"body": "x"}
    response, _ = post_json(client, path, document, query)
    validate_response(response)  # the request is bad by design: only the answer is checked
    body = invalid_parameter(response, field)
    assert body["errors"][field][0]
    if field in {"format", "fail_on"}:
        assert "Must be one of" in body["errors"][field][0]


def test_a_repeated_parameter_is_400(client: FlaskClient) -> None:
    response = client.post("/v1/analyze?format=sarif&format=json", json={"body": "x"})
    assert invalid_parameter(response, "format")["errors"]["format"] == ["Given more than once."]


def test_query_context_fills_in_for_the_json_body(
    client: FlaskClient, validate_exchange: ValidateExchange
) -> None:
    query = {"format": "sarif", "path": "from/query.py", "commit": "q1", "source": "query"}
    document = {"body": "x", "path": "from/body.py", "commit": None}
    response, data = post_json(client, "/v1/analyze", document, query)

    assert response.status_code == 200
    validate_exchange(response, data)
    review = json.loads(response.get_data())["runs"][0]["properties"]["reviews"][0]
    assert (review["path"], review["commit"], review["source"]) == ("from/body.py", "q1", "query")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("path", "", "Must not be empty."),
        ("path", "a\nb.py", "Must not contain control characters."),
        ("path", "a" * 4097, "Longer than 4096 characters."),
        ("commit", "c" * 257, "Longer than 256 characters."),
        ("source", "\u0000", "Must not contain control characters."),
        ("source", 7, "Not a valid string."),
    ],
)
def test_bad_context_fields_are_400(
    client: FlaskClient, field: str, value: Any, message: str
) -> None:
    response, _ = post_json(client, "/v1/analyze", {"body": "x", field: value}, {})
    assert response.status_code == 400
    assert response.get_json()["errors"] == {field: [message]}
    batch, _ = post_json(
        client, "/v1/analyze/batch", {"reviews": [{"body": "x", field: value}]}, {}
    )
    assert batch.get_json()["errors"] == {f"reviews[0].{field}": [message]}


def test_bad_context_in_the_query_of_a_raw_body_is_400(client: FlaskClient) -> None:
    response = client.post("/v1/analyze?commit=", data="x", content_type="text/plain")
    assert invalid_parameter(response, "commit")["errors"]["commit"] == ["Must not be empty."]


def test_null_context_fields_are_accepted(client: FlaskClient) -> None:
    document = {"body": "x", "path": None, "commit": None, "source": None}
    response, _ = post_json(client, "/v1/analyze", document, {"format": "sarif"})
    assert response.status_code == 200
