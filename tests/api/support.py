"""Helpers shared by the API tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from werkzeug.test import TestResponse

REPO_ROOT = Path(__file__).resolve().parents[2]
OPENAPI_PATH = REPO_ROOT / "openapi.yaml"

SMALL_BODY = 64
SMALL_REQUEST = 512
SMALL_BATCH = 3


def problem(response: TestResponse, status: int) -> dict[str, Any]:
    """Assert `response` is an RFC 9457 problem with `status`; return its document."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    document: dict[str, Any] = response.get_json(force=True)
    assert document["status"] == status
    assert {"type", "title", "status", "detail"} <= document.keys()
    return document
