"""What the service says about itself: taxonomy, OpenAPI document and Prometheus metrics."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from service.analysis.taxonomy import load_taxonomy
from service.api.context import current_state
from service.api.schemas import TaxonomyCategorySchema

bp = Blueprint("meta", __name__)

OPENAPI_MIMETYPE = "application/yaml"
_CATEGORIES = TaxonomyCategorySchema(many=True)


@bp.get("/v1/taxonomy")
def taxonomy() -> Response:
    """List every category: id, family, description, CWE ids (representative first)."""
    return jsonify({"categories": _CATEGORIES.dump(load_taxonomy().categories)})


@bp.get("/openapi.yaml")
def openapi() -> Response:
    """Serve the OpenAPI document, byte for byte the repository's `openapi.yaml`."""
    return Response(current_state().openapi, mimetype=OPENAPI_MIMETYPE)


@bp.get("/metrics")
def metrics() -> Response:
    """Serve the Prometheus exposition of every worker's metrics."""
    body, content_type = current_state().metrics.render(request.headers.get("Accept"))
    return Response(body, content_type=content_type)
