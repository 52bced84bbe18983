"""Shared fixtures: apps built from explicit settings, their test clients, and openapi.yaml.

The helpers behind the OpenAPI fixtures (and `problem`) live in `support.http`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from support.http import (
    OPENAPI_PATH,
    MakeApp,
    OpenAPIChecker,
    ValidateExchange,
    ValidateResponse,
    load_openapi,
)

from service.api import readiness
from service.api.app import create_app
from service.config import Settings

# Hypothesis (tests/analysis/test_properties.py, tests/api/test_fuzz.py): bounded example counts
# and no deadline (a loaded 2-core machine is slow, not wrong). CI runs are derandomized, so a
# red run is repeatable; `make fuzz` loads the `fuzz` profile (--hypothesis-profile=fuzz).
_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]
hypothesis_settings.register_profile(
    "dev", deadline=None, max_examples=100, suppress_health_check=_SLOW_OK, print_blob=True
)
hypothesis_settings.register_profile(
    "ci", hypothesis_settings.get_profile("dev"), derandomize=True, database=None
)
hypothesis_settings.register_profile(
    "fuzz", hypothesis_settings.get_profile("dev"), max_examples=2000
)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")


@pytest.fixture
def settings() -> Settings:
    """Default settings, independent of the environment the tests run in."""
    return Settings()


@pytest.fixture
def make_app() -> Iterator[MakeApp]:
    """Return `make_app(settings)`: a fresh testing app; any shutdown begun is forgotten after."""
    yield lambda settings: create_app(settings, {"TESTING": True})
    readiness.reset()


@pytest.fixture
def app(make_app: MakeApp, settings: Settings) -> Flask:
    """A fresh app (own metrics registry) for each test."""
    return make_app(settings)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of `app`."""
    return app.test_client()


@pytest.fixture(scope="session")
def openapi_document() -> dict[str, Any]:
    """The repository's openapi.yaml, parsed."""
    document: dict[str, Any] = yaml.safe_load(OPENAPI_PATH.read_text("utf-8"))
    return document


@pytest.fixture(scope="session")
def openapi_checker() -> OpenAPIChecker:
    """Checks of test-client exchanges against openapi.yaml, built once per session."""
    return OpenAPIChecker(load_openapi())


@pytest.fixture(scope="session")
def validate_response(openapi_checker: OpenAPIChecker) -> ValidateResponse:
    """`validate_response(response)` raises unless the answer matches openapi.yaml."""
    return openapi_checker.validate_response


@pytest.fixture(scope="session")
def validate_exchange(openapi_checker: OpenAPIChecker) -> ValidateExchange:
    """`validate_exchange(response, data)` raises unless request and answer match openapi.yaml."""
    return openapi_checker.validate_exchange
