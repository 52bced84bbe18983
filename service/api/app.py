"""The Flask application factory (flaskr style: nothing happens at import time)."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from service.analysis.lexicon import load_lexicon
from service.analysis.taxonomy import load_taxonomy
from service.api import analyze, health, meta
from service.api.auth import register_auth
from service.api.context import EXTENSION, AppState
from service.api.errors import register_error_handlers
from service.api.hooks import register_hooks
from service.api.schemas import BatchRequestSchema, ReviewRequestSchema
from service.config import Settings
from service.observability.logging import configure_logging
from service.observability.metrics import Metrics
from service.web import register_ui


def create_app(
    settings: Settings | None = None, test_config: Mapping[str, Any] | None = None
) -> Flask:
    """Build the WSGI app from `settings` (default: the environment).

    `test_config` overrides Flask config keys (e.g. `TESTING`).
    """
    settings = Settings.from_env() if settings is None else settings
    configure_logging(settings.log_level)
    app = Flask(__name__, static_folder=None)
    app.config.from_mapping(MAX_CONTENT_LENGTH=settings.max_request_bytes)
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.json = _json_provider(app)
    # `//v1/analyze` is a 404, not a redirect with an HTML body.
    app.url_map.merge_slashes = False
    # A broken taxonomy or lexicon fails the boot, and the first request pays no compile cost.
    load_taxonomy()
    load_lexicon()
    app.extensions[EXTENSION] = AppState(
        settings=settings,
        metrics=Metrics(settings.metrics_dir),
        openapi=resources.files("service").joinpath("openapi.yaml").read_bytes(),
        taxonomy=meta.taxonomy_json(app),
        review_schema=ReviewRequestSchema(),
        batch_schema=BatchRequestSchema(max_reviews=settings.max_batch_size),
    )
    register_error_handlers(app)
    register_hooks(app)
    register_auth(app, settings)  # after register_hooks: a 401 carries the request id
    for blueprint in (analyze.bp, health.bp, meta.bp):
        app.register_blueprint(blueprint)
    if settings.ui_enabled:
        register_ui(app)
    return app


def _json_provider(app: Flask) -> DefaultJSONProvider:
    provider = DefaultJSONProvider(app)
    provider.sort_keys = False  # keep the contract's field order
    provider.ensure_ascii = False  # UTF-8 as is: escaping would triple non-ASCII review text
    return provider
