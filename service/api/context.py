"""What a request can reach: the app's settings, metrics and request schemas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from flask import current_app, request

from service.api.schemas import BatchRequestSchema, ReviewRequestSchema
from service.config import Settings
from service.observability.metrics import UNMATCHED_ROUTE, Metrics

EXTENSION = "review_analyzer"


@dataclass(frozen=True, slots=True)
class AppState:
    """Per-app objects, built once by `create_app` and kept in `app.extensions`."""

    settings: Settings
    metrics: Metrics
    openapi: bytes
    taxonomy: bytes  # the body of GET /v1/taxonomy
    review_schema: ReviewRequestSchema
    batch_schema: BatchRequestSchema


def current_state() -> AppState:
    """Return the state of the app handling the current request."""
    return cast(AppState, current_app.extensions[EXTENSION])


def route_template() -> str:
    """Return the matched route's template (`/v1/analyze`), or `<unmatched>`."""
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED_ROUTE
