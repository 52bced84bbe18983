"""Shared fixtures: an app built from explicit settings, and its test client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.api import readiness
from service.api.app import create_app
from service.config import Settings


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
