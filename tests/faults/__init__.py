"""Fault tests against real gunicorn: kills, timeouts, SIGTERM under load."""
