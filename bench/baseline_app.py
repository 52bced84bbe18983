"""The HTTP baseline: a bare Flask app that does the least an analysis endpoint must do.

`POST /v1/analyze` reads the request, parses the same JSON the service gets, checks that it
has a string `body`, and returns a small fixed JSON. No analysis, no validation schema, no
metrics or logging hooks. The benchmark serves it with the service's own gunicorn config
(`gunicorn --config python:service.gunicorn_conf bench.baseline_app:app`), so the ratio of the
two request rates is the cost of everything the service adds.
"""

from __future__ import annotations

import json

from flask import Flask, Response, jsonify, request

app = Flask(__name__)

FIXED_ANSWER = {"verdict": "no_defects_found", "issues": []}


@app.post("/v1/analyze")
def analyze() -> Response | tuple[Response, int]:
    """Parse the JSON request and answer a fixed JSON document."""
    document = json.loads(request.get_data().decode("utf-8"))
    if not isinstance(document, dict) or not isinstance(document.get("body"), str):
        return jsonify({"error": "body must be a string"}), 400
    return jsonify(FIXED_ANSWER)


@app.get("/livez")
def livez() -> Response:
    """Liveness, for the benchmark's start-up wait."""
    return jsonify({"status": "ok"})
