"""Per-request bookkeeping: request id, security headers, metrics and the request log line."""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

from service.api.context import current_state, route_template

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's request id is echoed only if it is short and harmless in logs and headers.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_LOG_FIELD_LIMIT = 256
_LOG = logging.getLogger("service.api.request")


def register_hooks(app: Flask) -> None:
    """Install the hooks that run around every request, whatever its outcome."""
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_teardown)


def _start() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    g.started = time.perf_counter()
    current_state().metrics.request_started()
    g.in_progress = True


def _finish(response: Response) -> Response:
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers[REQUEST_ID_HEADER] = request_id
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.setdefault("Cache-Control", "no-store")
    seconds = time.perf_counter() - g.get("started", time.perf_counter())
    route = route_template()
    current_state().metrics.observe_request(request.method, route, response.status_code, seconds)
    _LOG.info(
        "request",
        extra={
            "request_id": request_id,
            "method": request.method,
            "route": route,
            "path": request.path[:_LOG_FIELD_LIMIT],
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 3),
            "remote_addr": request.remote_addr,
            "user_agent": (request.user_agent.string or "")[:_LOG_FIELD_LIMIT],
            "request_bytes": request.content_length,
            "response_bytes": response.calculate_content_length(),
        },
    )
    return response


def _teardown(_: BaseException | None) -> None:
    if g.pop("in_progress", False):
        current_state().metrics.request_finished()
