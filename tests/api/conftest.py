"""Fixtures for the HTTP API tests: small limits, and the OpenAPI document as a validator."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIResponse
from openapi_core.testing import MockRequest
from werkzeug.test import TestResponse

from service.api import readiness
from service.api.app import create_app
from service.config import Settings

from .support import OPENAPI_PATH, SMALL_BATCH, SMALL_BODY, SMALL_REQUEST


@pytest.fixture
def small_app() -> Iterator[Flask]:
    """An app with tiny body, request and batch limits."""
    settings = Settings(
        max_body_bytes=SMALL_BODY, max_request_bytes=SMALL_REQUEST, max_batch_size=SMALL_BATCH
    )
    yield create_app(settings, {"TESTING": True})
    readiness.reset()


@pytest.fixture
def small_client(small_app: Flask) -> FlaskClient:
    """A test client of `small_app`."""
    return small_app.test_client()


@pytest.fixture(scope="session")
def openapi_document() -> dict[str, Any]:
    """The repository's openapi.yaml, parsed."""
    document: dict[str, Any] = yaml.safe_load(OPENAPI_PATH.read_text("utf-8"))
    return document


@pytest.fixture(scope="session")
def openapi_spec() -> OpenAPI:
    """openapi-core's view of openapi.yaml, taught the media types it does not know."""
    config = Config(
        extra_media_type_deserializers={
            "application/problem+json": json.loads,
            "application/yaml": bytes.decode,
            "application/openmetrics-text": bytes.decode,
        }
    )
    return OpenAPI.from_file_path(str(OPENAPI_PATH), config=config)


@pytest.fixture(scope="session")
def validate_response(openapi_spec: OpenAPI) -> Callable[[TestResponse], None]:
    """Return a function that raises unless a test-client response matches openapi.yaml."""

    def validate(response: TestResponse) -> None:
        sent = response.request
        request = MockRequest(
            "http://localhost",
            sent.method,
            sent.path,
            headers=dict(sent.headers),
            content_type=sent.content_type or "application/octet-stream",
        )
        openapi_spec.validate_response(request, WerkzeugOpenAPIResponse(response))

    return validate
