"""Fixtures for the HTTP API tests: an app with small limits (the rest is in tests/conftest.py)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support.http import MakeApp

from service.config import Settings

from .support import SMALL_BATCH, SMALL_BODY, SMALL_REQUEST


@pytest.fixture
def small_app(make_app: MakeApp) -> Flask:
    """An app with tiny body, request and batch limits."""
    return make_app(
        Settings(
            max_body_bytes=SMALL_BODY, max_request_bytes=SMALL_REQUEST, max_batch_size=SMALL_BATCH
        )
    )


@pytest.fixture
def small_client(small_app: Flask) -> FlaskClient:
    """A test client of `small_app`."""
    return small_app.test_client()
