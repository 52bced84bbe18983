"""JSON log lines: the formatter, the handler, and the one line per request."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from support.http import MakeApp

from service.config import Settings
from service.observability.logging import (
    JsonFormatter,
    StderrJsonHandler,
    configure_logging,
    gunicorn_logconfig,
)

BODY_MARKER = "zq-unique-review-body-7731"


def _record(message: str, *args: object, **extra: Any) -> logging.LogRecord:
    record = logging.LogRecord("test.logger", logging.WARNING, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return record


def _lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line]


@pytest.fixture
def root_handlers() -> Iterator[None]:
    """Restore the root logger's handlers and level after a test that configures them."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_formatter_writes_one_json_object_with_extras() -> None:
    line = JsonFormatter().format(_record("hello %s", "world", request_id="r1", status=200))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "hello world"
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "test.logger"
    assert entry["request_id"] == "r1"
    assert entry["status"] == 200
    assert entry["timestamp"].endswith("Z")
    assert "args" not in entry
    assert "msg" not in entry


def test_formatter_includes_the_traceback() -> None:
    try:
        raise KeyError("missing")
    except KeyError:
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    entry = json.loads(JsonFormatter().format(record))
    assert "Traceback" in entry["exception"]
    assert "KeyError" in entry["exception"]


def test_formatter_survives_values_json_cannot_encode() -> None:
    entry = json.loads(JsonFormatter().format(_record("x", thing=object())))
    assert entry["thing"].startswith("<object object")


def test_handler_writes_to_the_current_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    handler = StderrJsonHandler()
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    handler.handle(_record("one"))
    monkeypatch.setattr(sys, "stderr", second)
    handler.handle(_record("two"))
    assert _lines(first.getvalue())[0]["message"] == "one"
    assert _lines(second.getvalue())[0]["message"] == "two"


@pytest.mark.usefixtures("root_handlers")
def test_configure_logging_is_idempotent() -> None:
    configure_logging("WARNING")
    configure_logging("DEBUG")
    root = logging.getLogger()
    assert sum(isinstance(h, StderrJsonHandler) for h in root.handlers) == 1
    assert root.level == logging.DEBUG


@pytest.mark.usefixtures("root_handlers")
def test_creating_a_second_app_does_not_repeat_log_lines(
    make_app: MakeApp, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, StderrJsonHandler)]
    make_app(settings)
    client = make_app(settings).test_client()
    capsys.readouterr()
    client.get("/livez", headers={"X-Request-ID": "two-apps-1"})
    err = capsys.readouterr().err
    assert [e["request_id"] for e in _lines(err) if e["logger"] == "service.api.request"] == [
        "two-apps-1"
    ]
    assert sum(isinstance(h, StderrJsonHandler) for h in root.handlers) == 1


@pytest.mark.usefixtures("root_handlers")
def test_gunicorn_logconfig_sends_its_error_log_through_the_json_handler() -> None:
    logging.config.dictConfig(gunicorn_logconfig("INFO"))
    assert any(isinstance(h, StderrJsonHandler) for h in logging.getLogger().handlers)
    assert logging.getLogger("gunicorn.error").propagate
    assert not logging.getLogger("gunicorn.access").propagate
    configure_logging("INFO")  # the app reuses the handler rather than adding a second one
    assert sum(isinstance(h, StderrJsonHandler) for h in logging.getLogger().handlers) == 1


def test_one_line_per_request_with_metadata_and_never_the_body(
    client: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    client.post(
        "/v1/analyze",
        json={"body": f"{BODY_MARKER} has an SQL injection", "id": "id-1"},
        headers={"X-Request-ID": "log-test-1", "User-Agent": "bot/1.0"},
    )
    client.post("/v1/analyze", data=BODY_MARKER, content_type="text/plain")
    client.post("/v1/analyze", data=BODY_MARKER, content_type="text/csv")
    err = capsys.readouterr().err
    assert BODY_MARKER not in err
    requests = [e for e in _lines(err) if e["logger"] == "service.api.request"]
    assert len(requests) == 3
    first = requests[0]
    assert first["request_id"] == "log-test-1"
    assert first["method"] == "POST"
    assert first["route"] == "/v1/analyze"
    assert first["status"] == 200
    assert first["duration_ms"] >= 0
    assert first["user_agent"] == "bot/1.0"
    assert first["remote_addr"] == "127.0.0.1"
    assert first["level"] == "INFO"
    assert [e["status"] for e in requests] == [200, 200, 415]
