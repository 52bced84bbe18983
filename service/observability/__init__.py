"""Observability: Prometheus metrics and JSON logging.

A foundation layer: it knows nothing of Flask or of the analysis model, so that the gunicorn
configuration can import `service.observability.logging` in the arbiter without pulling in
prometheus_client (which must not be imported before PROMETHEUS_MULTIPROC_DIR is set).
"""
