"""Shared fixtures: an app built from explicit settings, and its test client."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

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
def app(settings: Settings) -> Iterator[Flask]:
    """A fresh app (own metrics registry) for each test."""
    yield create_app(settings, {"TESTING": True})
    readiness.reset()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of `app`."""
    return app.test_client()
