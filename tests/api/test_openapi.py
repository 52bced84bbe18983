"""openapi.yaml describes the app exactly: routes, schemas, enums, and real responses."""

from __future__ import annotations

from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from openapi_core.validation.response.exceptions import ResponseValidationError
from openapi_spec_validator import validate as validate_spec
from support.gunicorn import REPO_ROOT
from support.http import OPENAPI_PATH, ValidateResponse

from service.analysis import model
from service.analysis.taxonomy import load_taxonomy
from service.api import analyze as analyze_module
from service.api import readiness
from service.api.schemas import (
    AnalysisSchema,
    BatchRequestSchema,
    IssueSchema,
    ReviewRequestSchema,
    TaxonomyCategorySchema,
)

from .support import operations

IMPLICIT_METHODS = {"HEAD", "OPTIONS"}  # Flask adds them to every GET / every route


def test_document_is_valid_openapi_3_1(openapi_document: dict[str, Any]) -> None:
    assert openapi_document["openapi"] == "3.1.0"
    validate_spec(openapi_document)


def test_every_route_is_documented_and_every_operation_exists(
    app: Flask, openapi_document: dict[str, Any]
) -> None:
    routes = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in (rule.methods or set()) - IMPLICIT_METHODS
    }
    assert routes == set(operations(openapi_document))


def test_every_operation_documents_its_error_statuses(openapi_document: dict[str, Any]) -> None:
    for (path, method), operation in operations(openapi_document).items():
        statuses = set(operation["responses"])
        assert {"200", "404", "405", "500"} <= statuses, path
        if method == "POST":
            assert {"400", "413", "415"} <= statuses, path
    assert "503" in openapi_document["paths"]["/readyz"]["get"]["responses"]


def test_analyze_documents_all_three_request_content_types(
    openapi_document: dict[str, Any],
) -> None:
    content = openapi_document["paths"]["/v1/analyze"]["post"]["requestBody"]["content"]
    assert set(content) == {"application/json", "text/plain", "text/markdown"}


@pytest.mark.parametrize(
    "enum", [model.Verdict, model.Kind, model.Severity, model.Flag], ids=lambda e: e.__name__
)
def test_enums_match_the_model(openapi_document: dict[str, Any], enum: type[StrEnum]) -> None:
    # Each enum's schema component bears the class's name.
    schema = openapi_document["components"]["schemas"][enum.__name__]
    assert schema["enum"] == [e.value for e in enum]


def test_category_enum_matches_the_taxonomy(openapi_document: dict[str, Any]) -> None:
    schemas = openapi_document["components"]["schemas"]
    taxonomy = load_taxonomy().categories
    assert schemas["CategoryId"]["enum"] == [c.id for c in taxonomy]
    assert set(schemas["Family"]["enum"]) == {c.family for c in taxonomy}


@pytest.mark.parametrize(
    ("component", "schema"),
    [
        ("Analysis", AnalysisSchema()),
        ("Issue", IssueSchema()),
        ("ReviewRequest", ReviewRequestSchema()),
        ("BatchRequest", BatchRequestSchema(max_reviews=1)),
        ("TaxonomyCategory", TaxonomyCategorySchema()),
    ],
)
def test_component_properties_match_the_marshmallow_schemas(
    openapi_document: dict[str, Any], component: str, schema: Any
) -> None:
    documented = openapi_document["components"]["schemas"][component]["properties"]
    assert list(documented) == list(schema.fields)


def test_packaged_document_is_the_repository_file() -> None:
    packaged = Path(str(resources.files("service").joinpath("openapi.yaml")))
    assert packaged.is_symlink()
    assert packaged.resolve() == OPENAPI_PATH.resolve() == (REPO_ROOT / "openapi.yaml")
    assert packaged.read_bytes() == OPENAPI_PATH.read_bytes()


# --- real responses against the document ------------------------------------------------------

STATEMENT = "No security defects are detected in the code."
REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/v1/analyze", {"json": {"body": STATEMENT, "id": "x"}}),
    ("POST", "/v1/analyze", {"data": STATEMENT, "content_type": "text/plain"}),
    ("POST", "/v1/analyze", {"data": f"# R\n\n{STATEMENT}", "content_type": "text/markdown"}),
    ("POST", "/v1/analyze", {"json": {"body": " "}}),
    ("POST", "/v1/analyze/batch", {"json": {"reviews": [{"body": STATEMENT}, {"body": "x"}]}}),
    ("GET", "/v1/taxonomy", {}),
    ("GET", "/livez", {}),
    ("GET", "/readyz", {}),
    ("GET", "/metrics", {}),
    ("GET", "/metrics", {"headers": {"Accept": "application/openmetrics-text"}}),
    ("GET", "/openapi.yaml", {}),
    ("POST", "/v1/analyze", {"json": {"body": ""}}),
    ("POST", "/v1/analyze", {"data": "{", "content_type": "application/json"}),
    ("POST", "/v1/analyze", {"json": {"body": "x" * 2_000_000}}),
    ("POST", "/v1/analyze", {"data": "x", "content_type": "text/csv"}),
    ("POST", "/v1/analyze/batch", {"json": {"reviews": []}}),
]


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    REQUESTS,
    ids=[f"{m} {p} {i}" for i, (m, p, _) in enumerate(REQUESTS)],
)
def test_response_matches_the_document(
    client: FlaskClient,
    validate_response: ValidateResponse,
    method: str,
    path: str,
    kwargs: dict[str, Any],
) -> None:
    response = client.open(path, method=method, **kwargs)
    assert response.status_code < 500
    validate_response(response)


def test_readyz_503_matches_the_document(
    client: FlaskClient, validate_response: ValidateResponse
) -> None:
    readiness.begin_shutdown()
    response = client.get("/readyz")
    assert response.status_code == 503
    validate_response(response)


def test_500_matches_the_document(
    client: FlaskClient, validate_response: ValidateResponse, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(body: str, review_id: str | None = None) -> Any:
        raise ValueError("boom")

    monkeypatch.setattr(analyze_module, "analyze", explode)
    response = client.post("/v1/analyze", json={"body": "x"})
    assert response.status_code == 500
    validate_response(response)


@pytest.mark.parametrize(("method", "path"), [("GET", "/nowhere"), ("PATCH", "/v1/analyze")])
def test_404_and_405_match_the_problem_schema(
    client: FlaskClient, openapi_document: dict[str, Any], method: str, path: str
) -> None:
    # openapi-core cannot validate these: the path or the operation is, by definition, missing.
    components = openapi_document["components"]
    response = client.open(path, method=method)
    Draft202012Validator(components["schemas"]["Problem"]).validate(response.get_json(force=True))
    header = components["headers"]["X-Request-ID"]["schema"]
    Draft202012Validator(header).validate(response.headers["X-Request-ID"])
    if response.status_code == 405:
        assert "Allow" in components["responses"]["MethodNotAllowed"]["headers"]


def test_validation_catches_a_missing_header(
    client: FlaskClient, validate_response: ValidateResponse
) -> None:
    response = client.get("/livez")
    del response.headers["X-Request-ID"]
    with pytest.raises(ResponseValidationError):
        validate_response(response)


def test_validation_catches_an_undocumented_field(
    client: FlaskClient, validate_response: ValidateResponse
) -> None:
    response = client.get("/livez")
    response.set_data(b'{"status": "alive", "extra": 1}')
    with pytest.raises(ResponseValidationError):
        validate_response(response)
