"""Test-only WSGI app for the fault tests: the service, plus `GET /__sleep?seconds=N`.

gunicorn serves it with the project's own config module (`--config python:service.gunicorn_conf
slow_wsgi:app`, this directory on PYTHONPATH), so the fault tests can make one request outlast
TIMEOUT without any hook in the production code. Every other path goes to `service.wsgi:app`
unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from service.wsgi import app as service_app

SLEEP_PATH = "/__sleep"
MAX_SLEEP_SECONDS = 120.0

StartResponse = Callable[..., Any]


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """Sleep on SLEEP_PATH (at most MAX_SLEEP_SECONDS); pass everything else to the service."""
    if environ.get("PATH_INFO") != SLEEP_PATH:
        result: Iterable[bytes] = service_app(environ, start_response)
        return result
    query = parse_qs(environ.get("QUERY_STRING", ""))
    seconds = min(float(query.get("seconds", ["60"])[0]), MAX_SLEEP_SECONDS)
    time.sleep(seconds)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"slept\n"]
