"""Helpers shared by several test suites (see `support.gunicorn`)."""
