"""`GET /livez` and `GET /readyz`: liveness never checks anything, readiness flips at shutdown."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from service.api import readiness
from service.api.context import current_state

bp = Blueprint("health", __name__)


@bp.get("/livez")
def livez() -> Response:
    """Answer 200 while the process can answer at all."""
    return jsonify({"status": "alive"})


@bp.get("/readyz")
def readyz() -> Response | tuple[Response, int]:
    """Answer 200 while the server takes traffic, 503 once its shutdown has begun."""
    if readiness.shutting_down(current_state().settings.metrics_dir):
        return jsonify({"status": "shutting_down"}), 503
    return jsonify({"status": "ready"})
