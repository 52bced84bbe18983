"""HTTP assertions for Flask test-client responses: RFC 9457 problems, and openapi.yaml checks.

The fixtures in tests/conftest.py build one `OpenAPIChecker` per session from `load_openapi()`;
tests use them as `validate_response(response)` (the answer matches the document) and
`validate_exchange(response, data)` (the request that was sent, with its body `data`, and the
answer both match it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIResponse
from openapi_core.testing import MockRequest
from werkzeug.test import TestResponse

from service.config import Settings

OPENAPI_PATH = Path(__file__).resolve().parents[2] / "openapi.yaml"
PROBLEM_FIELDS = frozenset({"type", "title", "status", "detail"})

# openapi-core passes media types it does not know through as bytes, unchecked: teach it every
# type the app answers or accepts that has a schema in openapi.yaml.
EXTRA_MEDIA_TYPES: dict[str, Callable[[bytes], Any]] = {
    "application/problem+json": json.loads,
    "application/sarif+json": json.loads,
    "application/yaml": bytes.decode,
    "application/openmetrics-text": bytes.decode,
    "text/markdown": bytes.decode,
}

MakeApp = Callable[[Settings], Flask]
ValidateResponse = Callable[[TestResponse], None]
ValidateExchange = Callable[[TestResponse, bytes], None]


def problem(response: TestResponse, status: int) -> dict[str, Any]:
    """Assert `response` is an RFC 9457 problem with `status`; return its document."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    document: dict[str, Any] = response.get_json(force=True)
    assert document["status"] == status
    assert document.keys() >= PROBLEM_FIELDS, document
    return document


def load_openapi() -> OpenAPI:
    """openapi-core's view of the repository's openapi.yaml, taught the media types above."""
    config = Config(extra_media_type_deserializers=EXTRA_MEDIA_TYPES)
    return OpenAPI.from_file_path(str(OPENAPI_PATH), config=config)


class OpenAPIChecker:
    """Check test-client requests and responses against an OpenAPI document."""

    def __init__(self, spec: OpenAPI) -> None:
        self.spec = spec

    def validate_response(self, response: TestResponse) -> None:
        """Raise unless `response` is a documented answer of the operation it came from."""
        request = self._request(response, None)
        self.spec.validate_response(request, WerkzeugOpenAPIResponse(response))

    def validate_exchange(self, response: TestResponse, data: bytes) -> None:
        """Raise unless the request of `response` (body `data`) and `response` are documented."""
        request = self._request(response, data)
        self.spec.validate_request(request)
        self.spec.validate_response(request, WerkzeugOpenAPIResponse(response))

    @staticmethod
    def _request(response: TestResponse, data: bytes | None) -> MockRequest:
        # The test client has consumed the body by now, so the caller passes it back in.
        sent = response.request
        return MockRequest(
            "http://localhost",
            sent.method,
            sent.path,
            args=sent.args.to_dict(flat=False),  # repeated parameters stay repeated
            headers=dict(sent.headers),
            data=data,
            content_type=sent.content_type or "application/octet-stream",
        )
