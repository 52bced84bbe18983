"""RFC 9457 problem details for every error, including the ones Flask and Werkzeug raise.

Every client error answers `application/problem+json` with `type`, `title`, `status`, `detail`,
`request_id`, a machine-readable `code` and, for field problems, `errors`: field path ->
messages (`body`, `reviews[2].body`, `$` for the document itself). `type` is `about:blank`, so
`title` is the HTTP status phrase; `code` tells problems of the same status apart.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException, InternalServerError

from service.api.context import route_template

PROBLEM_MIMETYPE = "application/problem+json"
_LOG = logging.getLogger(__name__)

# The `code` of problems that Werkzeug raises, by status.
_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "content_too_large",
    415: "unsupported_media_type",
    500: "internal_error",
}


class ProblemError(Exception):
    """A problem to answer with: raise it anywhere in a view."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        errors: Mapping[str, list[str]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = dict(errors) if errors else None


def bad_request(
    code: str, detail: str, errors: Mapping[str, list[str]] | None = None
) -> ProblemError:
    """Return a 400 problem."""
    return ProblemError(400, code, detail, errors=errors)


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Flatten marshmallow's nested error messages into `{"reviews[0].body": [...]}`."""
    if isinstance(messages, str):
        return {prefix or "$": [messages]}
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix or "$": list(messages)}
    flat: dict[str, list[str]] = {}
    items = messages.items() if isinstance(messages, dict) else enumerate(messages)
    for key, value in items:
        for path, texts in flatten_errors(value, _join(prefix, key)).items():
            flat.setdefault(path, []).extend(texts)
    return flat


def _join(prefix: str, key: object) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    if key == "_schema":
        return prefix
    return f"{prefix}.{key}" if prefix else str(key)


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Build an `application/problem+json` response."""
    document: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
        "request_id": g.get("request_id"),
    }
    if errors:
        document["errors"] = dict(errors)
    response = Response(json.dumps(document), status=status, mimetype=PROBLEM_MIMETYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def register_error_handlers(app: Flask) -> None:
    """Answer every error with problem+json: ours, Werkzeug's and unexpected exceptions."""
    app.register_error_handler(ProblemError, _on_problem)
    app.register_error_handler(HTTPException, _on_http_exception)
    app.register_error_handler(Exception, _on_unexpected)


def _on_problem(problem: ProblemError) -> Response:
    return problem_response(problem.status, problem.code, problem.detail, errors=problem.errors)


def _on_http_exception(exc: HTTPException) -> HTTPException | Response:
    if exc.code is None or exc.code < 400:
        return exc  # redirects and other non-errors keep Werkzeug's response
    if isinstance(exc, InternalServerError) and exc.original_exception is not None:
        _log_unexpected(exc.original_exception)
    headers = {name: value for name, value in exc.get_headers() if name.lower() != "content-type"}
    code = _HTTP_CODES.get(exc.code, HTTPStatus(exc.code).phrase.lower().replace(" ", "_"))
    return problem_response(exc.code, code, _detail(exc), headers=headers)


def _detail(exc: HTTPException) -> str:
    if exc.code == 404:
        return f"There is no resource at {request.path}."
    if exc.code == 405:
        allowed = ", ".join(sorted(getattr(exc, "valid_methods", None) or ()))
        return f"{request.method} is not allowed on {request.path}; allowed: {allowed}."
    if exc.code == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        return f"The request body is larger than the limit of {limit} bytes."
    if exc.code == 500:
        return "The server failed to handle the request."
    return exc.description or HTTPStatus(exc.code or 500).description


def _on_unexpected(exc: Exception) -> Response:
    _log_unexpected(exc)
    return problem_response(500, "internal_error", "The server failed to handle the request.")


def _log_unexpected(exc: BaseException) -> None:
    _LOG.error(
        "unhandled exception",
        exc_info=(type(exc), exc, exc.__traceback__),
        extra={"request_id": g.get("request_id"), "route": route_template()},
    )
