"""What the service says about itself: taxonomy, OpenAPI document and Prometheus metrics."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, jsonify, request

from service.analysis.taxonomy import load_taxonomy
from service.api.context import current_state
from service.api.schemas import TaxonomyCategorySchema

bp = Blueprint("meta", __name__)

OPENAPI_MIMETYPE = "application/yaml"
TAXONOMY_MIMETYPE = "application/json"
_CATEGORIES = TaxonomyCategorySchema(many=True)


def taxonomy_json(app: Flask) -> bytes:
    """The body of `GET /v1/taxonomy`, as `jsonify` writes it in `app` (`create_app` keeps it).

    The taxonomy is immutable package data, so it is serialised once rather than per request.
    """
    document = {"categories": _CATEGORIES.dump(load_taxonomy().categories)}
    with app.app_context():
        return jsonify(document).get_data()


@bp.get("/v1/taxonomy")
def taxonomy() -> Response:
    """List every category: id, family, description, CWE ids (representative first)."""
    return Response(current_state().taxonomy, mimetype=TAXONOMY_MIMETYPE)


@bp.get("/openapi.yaml")
def openapi() -> Response:
    """Serve the OpenAPI document, byte for byte the repository's `openapi.yaml`."""
    return Response(current_state().openapi, mimetype=OPENAPI_MIMETYPE)


@bp.get("/metrics")
def metrics() -> Response:
    """Serve the Prometheus exposition of every worker's metrics."""
    body, content_type = current_state().metrics.render(request.headers.get("Accept"))
    return Response(body, content_type=content_type)
