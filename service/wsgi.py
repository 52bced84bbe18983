"""The WSGI entry point gunicorn loads: `service.wsgi:app`."""

from __future__ import annotations

from service.api.app import create_app

app = create_app()
