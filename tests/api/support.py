"""Constants and helpers of the API tests (`problem` and the OpenAPI checks: support.http)."""

from __future__ import annotations

from typing import Any

SMALL_BODY = 64
SMALL_REQUEST = 512
SMALL_BATCH = 3

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """Every operation of an OpenAPI `document`, by (path, upper-case method)."""
    return {
        (path, method.upper()): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }
