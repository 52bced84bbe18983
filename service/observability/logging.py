"""JSON logging: one object a line on stderr, for the app and for gunicorn's own error log.

Records carry their `extra=` fields as top-level keys, so the request log is a single
`logger.info("request", extra={...})`. Nothing here ever sees a review body: callers pass only
metadata.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None)).keys()
) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object: timestamp, level, logger, message, pid, extras."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a single line of JSON."""
        entry: dict[str, Any] = {
            "timestamp": _timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)


def _timestamp(created: float) -> str:
    moment = datetime.fromtimestamp(created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class StderrJsonHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A JSON handler that writes to whatever `sys.stderr` is at the time of each record.

    Looking the stream up per record (as logging's own last-resort handler does) keeps the
    handler correct when stderr is swapped, e.g. by pytest's capture or gunicorn's
    `capture_output`.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())

    @property
    def stream(self) -> TextIO:
        """The current `sys.stderr`."""
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        """Ignore assignments: the stream is always the current `sys.stderr`."""


def configure_logging(level: str) -> None:
    """Send every log record at `level` or above to stderr as JSON (idempotent).

    The root logger gets exactly one `StderrJsonHandler` (an existing one, e.g. installed by
    gunicorn's `logconfig_dict`, is reused); other handlers are left alone.
    """
    root = logging.getLogger()
    root.setLevel(level)
    if not any(isinstance(handler, StderrJsonHandler) for handler in root.handlers):
        root.addHandler(StderrJsonHandler())


def gunicorn_logconfig(level: str) -> dict[str, Any]:
    """Return gunicorn's `logconfig_dict`: its error log as JSON on stderr, no access log."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {},
        "handlers": {"json_stderr": {"()": StderrJsonHandler}},
        "root": {"level": level, "handlers": ["json_stderr"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
        },
    }
